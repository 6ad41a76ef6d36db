package apitable

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A member that may have landed in either of two windows is carried into
// the later one, and stays uncertain when a third opens: it must not bound
// the opening of the window it was carried into. (Taking its arrival as
// that window's latest opening made the plan think a window ended up to a
// member's spread early, and a request sent on that belief met a 429.)
func TestPlanCarriedMemberDoesNotBoundItsLaterWindow(t *testing.T) {
	t.Parallel()
	l := NewWindowLimiter(5, time.Second)
	now := time.Now()
	b := l.get("dstA", now)
	at := func(ms int) *member { return sentAt(now, ms) }
	// The window before: opened by a (0 ms); c left at 900 ms and may
	// arrive after that window's end (the spread is at least 100 ms
	// while unmeasured), so it was carried into prev, opened by d.
	a, c, d, e := at(0), at(900), at(1100), at(2200)
	a.win, c.win, d.win, e.win = 0, 0, 1, 2
	p := &b.plan
	p.before = []*member{a, c}
	p.prev = []*member{c, d}
	p.cur = []*member{e}
	p.seq = 2
	m := l.model(b)

	f := m.frame(true, m.beforeLo())
	_, dHi := m.bounds(d, true)
	assert.Equal(t, dHi, f.prevHi, "prev opened no later than d's arrival, not c's")
	assert.Equal(t, c.sent, f.prevLo, "c may still be in prev: it bounds its earliest opening")
	assert.False(t, m.inBefore(c, m.beforeLo()), "c may arrive in either window")

	// Once c is known to have arrived early (its answer came back fast),
	// it tells nothing of prev at all.
	c.answered, c.rtt = true, 0
	p.conns.observe(0, true)
	m = l.model(b)
	assert.True(t, m.inBefore(c, m.beforeLo()))
	assert.Equal(t, d.sent, m.frame(true, m.beforeLo()).prevLo)
}

// A request surely past the current window's latest end opens the next
// window: counted as possibly in the current one as well, it took a place
// there and left the window it did open a place short.
func TestPlanRequestPastTheWindowOpensTheNext(t *testing.T) {
	t.Parallel()
	l := NewWindowLimiter(5, time.Second)
	now := time.Now()
	b := l.get("dstA", now)
	a := &member{reserved: now, sent: now, answered: true}
	b.plan.cur = []*member{a}
	m := l.model(b)
	what, _ := m.place(&member{}, now.Add(1500*time.Millisecond))
	assert.Equal(t, open, what)
	what, _ = m.place(&member{}, now.Add(500*time.Millisecond))
	assert.Equal(t, join, what, "surely inside the window")
}

// After one answer, that answer is the fastest round trip known, and the
// true fastest may be almost the whole spread below it: the answered
// request's bound keeps most of the spread (overstated), not half of it.
// (With half, the next window's opener left early enough to meet a 429
// on a cold start under ±50 ms of jitter.)
func TestPlanOneAnswerLeavesMostOfTheSpread(t *testing.T) {
	t.Parallel()
	l := NewWindowLimiter(5, time.Second)
	now := time.Now()
	b := l.get("dstA", now)
	a := &member{reserved: now, sent: now, answered: true, rtt: 300 * time.Millisecond}
	b.plan.cur = []*member{a}
	b.plan.conns.observe(a.rtt, true)
	m := l.model(b)
	require.Equal(t, 100*time.Millisecond, m.spread, "unmeasured: a tenth of the window")

	_, hi := m.bounds(a, true)
	assert.Equal(t, 80*time.Millisecond, hi.Sub(a.sent), "4 times in 5, the fastest of one overstates the true fastest by less")
	// A request leaving 1070 ms after a may still land in a's window: it
	// does not open the next one (it joins, counted in both); one
	// leaving once a's window surely ended does.
	what, _ := m.place(&member{}, now.Add(time.Second+70*time.Millisecond))
	assert.NotEqual(t, open, what, "a's window may still be open")
	what, _ = m.place(&member{}, hi.Add(time.Second+m.margin))
	assert.Equal(t, open, what)

	// The allowance shrinks as answers come in.
	assert.Less(t, m.overstated(100), m.spread/50)
	assert.Equal(t, m.spread, m.overstated(0))
}

// A window that carries a member of the previous one takes no request
// that is ambiguous on its account: c may have opened cur as early as
// prev's earliest end, so a request that o alone would have surely in cur
// may land in the next window, which would carry it in turn and open
// early on its account too. Such chains ran through whole runs, each
// window holding a place for a member that had arrived in the one before.
func TestPlanNoAmbiguousJoinIntoAWindowCarryingAMember(t *testing.T) {
	t.Parallel()
	l := NewWindowLimiter(5, time.Second)
	now := time.Now()
	b := l.get("dstA", now)
	at := func(ms int) *member { return sentAt(now, ms) }
	// prev opened by a (0 ms); c left at 900 ms and may arrive after
	// prev's earliest end (the spread is 100 ms while unmeasured), so it
	// is carried into cur, which o opened once surely past prev's end.
	a, c, o := at(0), at(900), at(1120)
	a.win, c.win, o.win = 1, 1, 2
	p := &b.plan
	p.prev = []*member{a, c}
	p.cur = []*member{c, o}
	p.seq = 2
	m := l.model(b)
	v := m.view(false)
	require.Equal(t, 1, v.carried)
	require.Equal(t, now.Add(time.Second), v.curLo, "c may have opened cur at prev's earliest end")

	// At 1950 ms a request may arrive after cur's earliest end (2000 ms)
	// only if c opened cur; with o as cur's opener it is surely inside.
	what, until := m.place(&member{}, now.Add(1950*time.Millisecond))
	assert.Equal(t, hold, what, "ambiguous on c's account: it waits to open the next window")
	_, oHi := m.bounds(o, true)
	assert.Equal(t, oHi.Add(time.Second+m.margin), until, "until cur surely ended")

	// Without a carried member the same ambiguity is one of jitter alone:
	// the request goes, counted in both windows.
	p.prev, p.cur = []*member{a}, []*member{o}
	what, _ = l.model(b).place(&member{}, now.Add(2050*time.Millisecond))
	assert.Equal(t, join, what)
}

// A request that may leave together with the one before it (an update, a
// delete) goes at once; a create waits the spread after it, so that it
// also arrives after it.
func TestPlanRequestsLeaveTogetherUnlessCreates(t *testing.T) {
	t.Parallel()
	l := NewWindowLimiter(5, time.Second)
	now := time.Now()
	b := l.get("dstA", now)
	b.plan.cur = []*member{{reserved: now, sent: now, together: true}}
	m := l.model(b)

	what, _ := m.place(&member{together: true}, now)
	assert.Equal(t, join, what)
	what, until := m.place(&member{}, now)
	assert.Equal(t, hold, what)
	assert.Equal(t, now.Add(m.spread+m.margin), until, "a create leaves the spread after the request before it")
}

// sentAt is a member that left ms milliseconds after now.
func sentAt(now time.Time, ms int) *member {
	t0 := now.Add(time.Duration(ms) * time.Millisecond)
	return &member{reserved: t0, sent: t0}
}
