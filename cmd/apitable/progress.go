package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// progress reports a long operation's progress on stderr: a single-line
// bar redrawn at most every tick on a terminal, plain lines every lineEvery
// otherwise. Its counts are what the caller settled (for import: rows
// applied, or definitely failed, from the SDK's results), never requests
// merely sent. It is safe for concurrent use.
type progress struct {
	mu        sync.Mutex
	w         io.Writer
	tty       bool
	verb      string  // "exported", "imported"
	total     int     // < 0 when unknown
	done      int     // items settled
	missed    int     // of done: not applied (failed, invalid, …)
	nominal   float64 // expected items per second, for the ETA before any result; 0: none
	start     time.Time
	last      time.Time // last draw
	tick      time.Duration
	lineEvery time.Duration
	width     int // of the last bar drawn, to blank it
	now       func() time.Time
	quiet     bool
}

func newProgress(w io.Writer, verb string, total int, quiet bool) *progress {
	p := &progress{w: w, tty: isTerminal(w), verb: verb, total: total, now: time.Now,
		tick: 100 * time.Millisecond, lineEvery: 5 * time.Second, quiet: quiet}
	p.start = p.now()
	p.last = p.start
	return p
}

// set records that n items are done and redraws if it is time.
func (p *progress) set(n int) { p.update(n, 0) }

// update records that done items are settled, missed of them not applied,
// and redraws if it is time.
func (p *progress) update(done, missed int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done, p.missed = done, missed
	p.maybeDraw()
}

// begin draws the bar at once on a terminal, with the ETA of the nominal
// rate, so the user sees the total and an estimate from the first second.
func (p *progress) begin() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.quiet && p.tty {
		p.draw(p.now())
	}
}

// minElapsed is the floor of the elapsed time the rate is computed over, so
// that the first results (a whole call's rows in a fraction of a second)
// do not promise a rate the run cannot keep.
const minElapsed = time.Second

// rate is the items settled per second, and the rate the ETA uses: the
// measured one once anything is done, the nominal one before.
func (p *progress) rate(elapsed time.Duration) (measured, forETA float64) {
	measured = float64(p.done) / max(elapsed, minElapsed).Seconds()
	if p.done == 0 {
		return measured, p.nominal
	}
	return measured, measured
}

func (p *progress) maybeDraw() {
	if p.quiet {
		return
	}
	now := p.now()
	every := p.lineEvery
	if p.tty {
		every = p.tick
	}
	if now.Sub(p.last) < every {
		return
	}
	p.last = now
	p.draw(now)
}

// finish draws the final state and ends the bar's line.
func (p *progress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.quiet {
		return
	}
	if p.tty {
		p.draw(p.now())
		_, _ = fmt.Fprintln(p.w)
	}
}

func (p *progress) draw(now time.Time) {
	elapsed := now.Sub(p.start)
	rate, etaRate := p.rate(elapsed)
	eta := ""
	if p.total > 0 && etaRate > 0 && p.done < p.total {
		eta = " ETA " + fmtDuration(time.Duration(float64(p.total-p.done)/etaRate*float64(time.Second)))
	}
	count := fmt.Sprintf("%d", p.done)
	if p.total >= 0 {
		count = fmt.Sprintf("%d/%d", p.done, p.total)
	}
	if p.missed > 0 {
		count += fmt.Sprintf(" (%d not applied)", p.missed)
	}
	if !p.tty {
		_, _ = fmt.Fprintf(p.w, "%s %s records (%.1f/s, %s elapsed%s)\n", p.verb, count, rate, fmtDuration(elapsed), eta)
		return
	}
	bar := ""
	if p.total > 0 {
		const width = 30
		filled := min(width, p.done*width/p.total)
		bar = "[" + strings.Repeat("=", filled) + strings.Repeat(" ", width-filled) + "] " +
			fmt.Sprintf("%3d%% ", min(100, p.done*100/p.total))
	}
	line := fmt.Sprintf("%s%s %s %.1f/s%s", bar, p.verb, count, rate, eta)
	pad := ""
	if n := p.width - len(line); n > 0 {
		pad = strings.Repeat(" ", n)
	}
	p.width = len(line)
	_, _ = fmt.Fprintf(p.w, "\r%s%s", line, pad)
}

// fmtDuration prints d as m:ss or h:mm:ss.
func fmtDuration(d time.Duration) string {
	s := int(d.Round(time.Second) / time.Second)
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}
