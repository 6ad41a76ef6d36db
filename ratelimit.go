package apitable

import (
	"context"
	"crypto/sha1" //nolint:gosec // the server keys its rate limiter by sha1(token); not used for security
	"encoding/hex"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limiter decides when a request may be sent. The client calls Wait before
// every attempt (retries included) with the request's rate-limit key.
// Implementations must be safe for concurrent use. NewLimiter returns the
// in-process one; a distributed implementation (one budget shared by several
// processes, see the redislimit module) plugs in with WithLimiter.
//
// Keys are built like the server's (docs/server-behaviour.md §3): "<limitKey>:<sha1(token) in hex>",
// where limitKey is the datasheet id of the route, else its space id, else
// "user". The token itself never appears in a key.
//
// A Limiter may also implement ThrottleHandler (or Pauser) to react to 429
// answers, RoundTripObserver to learn from answered requests and
// ArrivalPacer to pace arrivals once a request has its connection; the
// in-process limiter implements them all (see ratelimit_learn.go's notes
// and the README's rate-limit section).
type Limiter interface {
	// Wait blocks until a request for key may be sent or ctx is done.
	Wait(ctx context.Context, key string) error
}

// Pauser is implemented by limiters that can hold a key back: after the
// server answered 429 for a key, the client calls Pause(key, one second)
// so that concurrent callers slow down together, unless the limiter is a
// ThrottleHandler (which then decides the pause). A Limiter with neither
// only relies on the retry backoff.
type Pauser interface {
	Pause(ctx context.Context, key string, d time.Duration)
}

// DefaultRateLimit is the server's default budget: 5 requests per second per
// token and datasheet (docs/server-behaviour.md §3).
const DefaultRateLimit = 5.0

// limitKey computes the server's rate-limit bucket from a route's ids (or
// any raw path segments: the route's literal segments never match): the
// last one starting with "dst", else the last starting with "spc", else
// "user" (docs/server-behaviour.md §3,
// room-server parseDstIdFromUrl/parseSpaceIdFromUrl).
func limitKey(segments []string) string {
	dst, spc := "", ""
	for _, s := range segments {
		switch {
		case strings.HasPrefix(s, "dst"):
			dst = s
		case strings.HasPrefix(s, "spc"):
			spc = s
		}
	}
	switch {
	case dst != "":
		return dst
	case spc != "":
		return spc
	}
	return "user"
}

func tokenHash(token string) string {
	sum := sha1.Sum([]byte(token)) //nolint:gosec // matches the server's sha1(token) limiter key; not used for security
	return hex.EncodeToString(sum[:])
}

// NewLimiter returns the in-process Limiter: one token bucket per key with
// perSecond requests per second and the given burst. The server counts fixed
// one-second windows, so burst 1 is what keeps every window at or under the
// budget: a burst of 5 lets about 10 requests land in one window.
//
// Idle keys are forgotten: a bucket that is full again and not paused
// behaves exactly like a new one, so it is dropped on the next sweep and the
// number of buckets stays bounded by the keys used recently.
func NewLimiter(perSecond float64, burst int) *LocalLimiter {
	if burst < 1 {
		burst = 1
	}
	return &LocalLimiter{
		limit:   rate.Limit(perSecond),
		burst:   burst,
		points:  pointsPerSecond(perSecond),
		window:  time.Second,
		buckets: make(map[string]*bucket),
		sweepAt: minSweep,
	}
}

// pointsPerSecond is the server's points per one-second window that a
// pace of perSecond (at 98%) stands for; 1 for an unlimited pace.
func pointsPerSecond(perSecond float64) int {
	if math.IsInf(perSecond, 1) || perSecond > math.MaxInt32 {
		return 1
	}
	return max(1, int(math.Round(perSecond/paceFactor)))
}

// NewWindowLimiter returns the in-process Limiter for a server that allows
// points requests per fixed window (the hosted server: 5 per second, which
// is what NewLimiter(DefaultRateLimit*0.98, 1) assumes). It paces at 98%
// of points/window with burst 1 and learns like NewLimiter's (see
// ThrottleHandler and RoundTripObserver). Use it for a self-hosted server
// configured with another window, or for time-scaled tests.
func NewWindowLimiter(points int, window time.Duration) *LocalLimiter {
	points = max(1, points)
	if window <= 0 {
		window = time.Second
	}
	l := NewLimiter(float64(points)/window.Seconds()*paceFactor, 1)
	l.points, l.window = points, window
	return l
}

// newClientLimiter is New's limiter: perSecond at 98%, burst 1, for a
// server whose windows last window (WithRateWindow). An infinite rate
// (math.Inf(1): no pacing, as apitabletest's clients use) stays unpaced
// whatever the limiter learns from round trips.
func newClientLimiter(perSecond float64, window time.Duration) *LocalLimiter {
	l := NewLimiter(perSecond*paceFactor, 1)
	if window > 0 {
		l.window = window
		if !math.IsInf(perSecond, 1) {
			l.points = max(1, int(math.Round(perSecond*window.Seconds())))
		}
	}
	return l
}

const minSweep = 1024

// LocalLimiter is the in-process Limiter (and Pauser) of NewLimiter.
type LocalLimiter struct {
	limit   rate.Limit
	burst   int
	points  int           // the server's points per window
	window  time.Duration // the server's window
	mu      sync.Mutex
	buckets map[string]*bucket
	sweepAt int       // sweep when the map reaches this size
	conns   connStats // every key's round trips (ratelimit_arrival.go)
}

type bucket struct {
	learned     // guarded by LocalLimiter.mu (ratelimit_learn.go)
	lim         *rate.Limiter
	pausedUntil time.Time // guarded by LocalLimiter.mu
	waiters     int       // guarded by LocalLimiter.mu
}

func (l *LocalLimiter) get(key string, now time.Time) *bucket {
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) >= l.sweepAt {
			l.sweep(now)
		}
		b = &bucket{lim: rate.NewLimiter(l.limit, l.burst)}
		l.buckets[key] = b
	}
	return b
}

// sweep drops buckets that are indistinguishable from new ones. Sweeping
// only when the map doubled keeps the cost amortised O(1) per key.
func (l *LocalLimiter) sweep(now time.Time) {
	for k, b := range l.buckets {
		if b.waiters == 0 && b.fresh() && !now.Before(b.pausedUntil) && b.lim.TokensAt(now) >= float64(l.burst) && !b.plan.recent(now, 2*l.window) {
			delete(l.buckets, k)
		}
	}
	l.sweepAt = max(minSweep, 2*len(l.buckets))
}

// Len reports the number of buckets held.
func (l *LocalLimiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

// Wait blocks until a request for key may be sent (the key's bucket has a
// token and no pause is in effect) or ctx is done. Once the key's arrivals
// are planned (Sending), Wait reserves each request's place in the plan
// instead (admit).
func (l *LocalLimiter) Wait(ctx context.Context, key string) error {
	x, err := l.reserveFor(ctx, key, false, false)
	if x != nil {
		l.mu.Lock()
		b := l.get(key, time.Now())
		b.plan.reserved = append(b.plan.reserved, x) // for Sending, in order
		l.mu.Unlock()
	}
	return err
}

// reserve is the client's Wait: it plans from the first request and
// returns the reserved place (nil when unpaced), for the client to hand
// to sending with the same request, or to departed or release when the
// transport never reported a connection.
func (l *LocalLimiter) reserve(ctx context.Context, key string, together bool) (*member, error) {
	return l.reserveFor(ctx, key, true, together)
}

// reserveFor reserves a place; planned: plan even before a Sending was
// seen; together: the request may leave together with the ones before it
// (member.together).
func (l *LocalLimiter) reserveFor(ctx context.Context, key string, planned, together bool) (*member, error) {
	l.mu.Lock()
	b := l.get(key, time.Now())
	b.waiters++
	l.mu.Unlock()
	defer func() {
		l.mu.Lock()
		b.waiters--
		l.mu.Unlock()
	}()
	for {
		l.mu.Lock()
		until := b.pausedUntil
		l.mu.Unlock()
		if d := time.Until(until); d > 0 {
			if err := sleep(ctx, d); err != nil {
				return nil, err
			}
		}
		l.mu.Lock()
		active := (planned || b.plan.active) && !unpaced(l.pace(b))
		if active {
			b.plan.active = true
		}
		l.mu.Unlock()
		var x *member
		if active {
			var err error
			if x, err = l.admit(ctx, b, together); err != nil {
				return nil, err
			}
		} else if err := b.lim.Wait(ctx); err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			// x/time/rate refuses up front a wait that would pass the
			// deadline; report it as the deadline it is.
			return nil, errWaitPastDeadline
		}
		// A pause set while we waited wins: give the place back and wait
		// it out too.
		l.mu.Lock()
		paused := time.Now().Before(b.pausedUntil)
		if paused && x != nil {
			b.plan.remove(x)
			b.plan.broadcast()
		}
		l.mu.Unlock()
		if !paused {
			return x, nil
		}
	}
}

// admit reserves the request's place in the key's windows (Wait, once
// the arrivals are planned): it waits until a request leaving now would
// be placed, so that requests wait here, before taking a connection, and
// Sending only confirms the place.
func (l *LocalLimiter) admit(ctx context.Context, b *bucket, together bool) (*member, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	x := &member{together: together}
	if err := l.enter(ctx, b, x, true); err != nil {
		return nil, err
	}
	return x, nil
}

// Pause holds back every request for key for d, so that concurrent callers
// slow down together after a 429.
func (l *LocalLimiter) Pause(_ context.Context, key string, d time.Duration) {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.get(key, now)
	if until := now.Add(d); until.After(b.pausedUntil) {
		b.pausedUntil = until
	}
}

// errWaitPastDeadline: a limiter wait that would pass the context's
// deadline is refused up front, as the deadline it is.
var errWaitPastDeadline = fmt.Errorf("apitable: rate limit wait would pass the context deadline: %w", context.DeadlineExceeded)

// sleep waits for d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
