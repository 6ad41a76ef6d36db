package apitable

import (
	"context"
	"math"
	"regexp"
	"slices"
	"strconv"
	"time"

	"golang.org/x/time/rate"
)

// What the in-process limiter learns from the server's answers, per key:
//
//   - the budget: a 429's message states the space's rate ("… is 5 queries
//     per second (QPS)", docs/server-behaviour.md §3). A stated rate below
//     the configured one is adopted for the key (paced at 98% of it, like
//     the configured one); a higher one is ignored: the limiter never
//     exceeds the configured rate.
//   - the arrival spread and the connection setup, from the round trips
//     of answered requests (Observe): the arrival plan (ratelimit_arrival.go)
//     bounds each request's arrival with them; a caller of the public Wait
//     that never calls Sending gets even spacing with the spread as room
//     per window (pace).
//   - 429s: a 429 from the server's limiter (its message states the rate)
//     marks the current window full, widens the key's window by 1% (down
//     to 90% of the budget) and pauses the key for one interval, not a
//     whole window: the window the request hit ends within about the
//     arrival spread, and the retry is placed into the next one anyway. A
//     second one within a window, or a 429 that states no rate (a proxy's,
//     say), pauses the key for a whole window.

// ThrottleHandler is implemented by limiters that handle a 429 answer
// themselves (LocalLimiter does). The client calls Throttled, instead of
// Pauser.Pause, with the rate the answer's message states (0 when it
// states none); adopted reports that the limiter lowered the key's budget
// to it, which the client logs once at warn.
type ThrottleHandler interface {
	Throttled(ctx context.Context, key string, statedRate float64) (adopted bool)
}

// RoundTripObserver is implemented by limiters that learn from answered
// requests: the client calls Observe with the round trip of every answered
// request of a limited key (from getting a connection to the answer's
// first byte) and whether the connection was reused.
type RoundTripObserver interface {
	Observe(key string, rtt time.Duration, reused bool)
}

const (
	spreadSamples  = 32   // round trips kept per key
	trustedSamples = 16   // round trips before the spread is taken as measured
	minFactor      = 0.90 // the slowest pace 429s can push a key to
	factorStep     = 0.01 // pace widening per 429
)

// learned is a bucket's learned state, guarded by LocalLimiter.mu.
type learned struct {
	factor  float64         // ≤ 1; 0 means 1 (never throttled)
	stated  rate.Limit      // the adopted stated budget, paced; 0 when none
	rtts    []time.Duration // on reused connections
	newRTTs []time.Duration // the first ones on new connections
	next    int             // ring position in rtts
	spread  time.Duration
	last429 time.Time // the last 429 that stated a rate
	plan    plan      // the arrival plan (ratelimit_arrival.go)
}

// fresh reports that nothing was learned.
func (s *learned) fresh() bool { return s.factor == 0 && s.stated == 0 }

var qpsRE = regexp.MustCompile(`(?i)is (\d+(?:\.\d+)?) queries per second`)

// statedRate reads the rate a 429 message states, 0 when none.
func statedRate(msg string) float64 {
	m := qpsRE.FindStringSubmatch(msg)
	if m == nil {
		return 0
	}
	f, err := strconv.ParseFloat(m[1], 64)
	if err != nil || f <= 0 {
		return 0
	}
	return f
}

// budget is the key's server budget: points per window, the window
// widened by 1% per stated 429 (down to 90%), and a lower stated rate
// adopted; called with l.mu held.
func (l *LocalLimiter) budget(b *bucket) (points int, window time.Duration) {
	points, window = l.points, l.window
	if b.stated > 0 && b.stated < l.limit {
		points = max(1, int(float64(b.stated)/paceFactor*window.Seconds()+1e-9))
	}
	if b.factor > 0 {
		window = time.Duration(float64(window) / b.factor)
	}
	return points, window
}

// pace computes the bucket's rate for Wait from the configured one and
// what was learned; called with l.mu held. It spaces requests evenly,
// leaving the arrival spread's room per window: the public Wait's pace
// until the key's arrivals are planned (Sending, ratelimit_arrival.go);
// the client plans from its first request.
func (l *LocalLimiter) pace(b *bucket) rate.Limit {
	base, points := l.limit, float64(l.points)
	if b.stated > 0 && b.stated < base {
		base = b.stated
		points = max(1, float64(base)/paceFactor*l.window.Seconds())
	}
	if unpaced(base) {
		return rate.Inf // unpaced: nothing learned can slow it
	}
	gap := 1 / float64(base)
	spread := b.spread
	if len(b.rtts) < trustedSamples {
		spread = max(spread, l.window/10) // as the arrival plan does
	}
	gap = max(gap, (l.window+spread).Seconds()/points)
	if b.factor > 0 {
		gap /= b.factor
	}
	return rate.Limit(1 / gap)
}

// unpaced reports an infinite rate: rate.Inf, or the +Inf that
// WithRateLimit(math.Inf(1)) makes.
func unpaced(r rate.Limit) bool { return r == rate.Inf || math.IsInf(float64(r), 1) }

// Throttled handles a 429 for key. A stated rate (> 0) below the
// configured one is adopted; a stated 429 widens the key's pace by 1% and
// pauses the key for one interval (a whole window when the previous stated
// 429 was less than a window ago); a 429 stating no rate pauses the key for
// a whole window. adopted reports that the key's budget was lowered now.
func (l *LocalLimiter) Throttled(_ context.Context, key string, statedRate float64) (adopted bool) {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.get(key, now)
	// An unpaced limiter (rate.Inf) was asked not to pace: it learns nothing.
	if s := rate.Limit(statedRate * paceFactor); statedRate > 0 && !unpaced(l.limit) && s < l.limit && (b.stated == 0 || s < b.stated) {
		b.stated, adopted = s, true
	}
	pause := l.window
	if statedRate > 0 {
		// The server's own limiter answered: the pace was a hair early.
		if b.factor == 0 {
			b.factor = 1
		}
		b.factor = max(minFactor, b.factor-factorStep)
		b.lim.SetLimitAt(now, l.pace(b))
		if b.last429.IsZero() || now.Sub(b.last429) >= l.window {
			points, window := l.budget(b)
			pause = window / time.Duration(points)
		}
		// The window the request hit is full: the next request opens
		// the next one.
		b.plan.full = true
		b.plan.broadcast()
		b.last429 = now
	}
	if until := now.Add(pause); until.After(b.pausedUntil) {
		b.pausedUntil = until
	}
	return adopted
}

// Observe records the round trip of an answered request on a reused
// connection (new connections add their setup) and re-paces the key when
// the spread changed.
func (l *LocalLimiter) Observe(key string, rtt time.Duration, reused bool) {
	if rtt < 0 {
		return
	}
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.get(key, now)
	b.plan.conns.observe(rtt, reused)
	l.conns.observe(rtt, reused)
	if !reused {
		if len(b.newRTTs) < spreadSamples {
			b.newRTTs = append(b.newRTTs, rtt)
		}
		return
	}
	if len(b.rtts) < spreadSamples {
		b.rtts = append(b.rtts, rtt)
	} else {
		b.rtts[b.next] = rtt
		b.next = (b.next + 1) % spreadSamples
	}
	if len(b.rtts) < 4 {
		return
	}
	spread := robustSpread(b.rtts)
	if spread != b.spread {
		b.spread = spread
		b.lim.SetLimitAt(now, l.pace(b))
		b.plan.broadcast()
	}
}

// robustSpread estimates the width of the round trips' distribution from
// its inner 80% (10th to 90th percentile, scaled to the whole width of a
// uniform spread), so that one slow answer (a busy server, a scheduler
// hiccup) does not slow the key down.
func robustSpread(rtts []time.Duration) time.Duration {
	s := slices.Clone(rtts)
	slices.Sort(s)
	k := len(s) / 10
	return (s[len(s)-1-k] - s[k]) * 5 / 4
}
