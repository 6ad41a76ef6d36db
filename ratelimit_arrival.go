package apitable

import (
	"context"
	"time"

	"golang.org/x/time/rate"
)

// Connection setup: a request that opens a new connection reaches the
// server one handshake later than one sent on a reused connection. While a
// pool warms up, requests on new connections are sent first and arrive
// late; requests sent after them on reused connections overtake them, and
// the server's window, opened by a late arrival, gets one request too many.
// The limiter therefore also paces arrivals: once a request has its
// connection, Sending predicts its arrival (now, plus the setup delay on a
// new connection) and holds it until it lands at least one interval after
// the previous prediction. The setup delay is learned per key from the
// round trips measured from getting the connection: the fastest on a new
// connection minus the fastest on a reused one (0 until both were seen). On
// a real network the handshake happens before the connection is handed
// over, so a new connection's request is already late when Sending sees it
// and the learned delay stays near 0; a proxy or server that spends the
// setup after accepting the request is what the learned delay covers.
// Holding a request shifts the stream; it does not thin it, and requests
// are let go in the order they came.

// ArrivalPacer is implemented by limiters that also pace the arrival of
// requests (LocalLimiter does): the client calls Sending for a limited key
// once the request has a connection and before writing it, newConn telling
// whether the connection was just opened. It may block; it returns early
// when ctx is done.
type ArrivalPacer interface {
	Sending(ctx context.Context, key string, newConn bool) error
}

// arrivals is a bucket's arrival clock, guarded by LocalLimiter.mu.
type arrivals struct {
	next     time.Time     // earliest predicted arrival of the next request
	released time.Time     // when the latest request was let go
	lastNew  time.Time     // when the latest new-connection request got its connection
	sinceNew int           // requests sent since then
	newMin   time.Duration // fastest round trip on a new connection
	reuseMin time.Duration // fastest round trip on a reused connection
}

// setup is the learned connection-setup delay: 0 until round trips on
// both new and reused connections were seen.
func (a *arrivals) setup() time.Duration {
	if a.newMin == 0 || a.reuseMin == 0 {
		return 0
	}
	return max(0, a.newMin-a.reuseMin)
}

// observeConn notes a round trip for the setup estimate.
func (a *arrivals) observeConn(rtt time.Duration, reused bool) {
	p := &a.newMin
	if reused {
		p = &a.reuseMin
	}
	if *p == 0 || rtt < *p {
		*p = rtt
	}
}

// Sending holds a request until its predicted arrival is at least one
// interval (at the key's learned pace) after the previous one's, and
// after every request since the latest new connection's, given that one's
// setup delay. The hold is capped at one window.
func (l *LocalLimiter) Sending(ctx context.Context, key string, newConn bool) error {
	now := time.Now()
	l.mu.Lock()
	b := l.get(key, now)
	if l.pace(b) == rate.Inf {
		l.mu.Unlock()
		return nil // unpaced: no arrival to space
	}
	a := &b.arrivals
	gap := time.Duration(float64(time.Second) / float64(l.pace(b)))
	setup := a.setup()
	arrive := now
	if newConn {
		arrive = now.Add(setup)
	}
	earliest := a.next
	if !a.lastNew.IsZero() {
		earliest = later(earliest, a.lastNew.Add(setup+time.Duration(a.sinceNew)*gap))
	}
	hold := min(earliest.Sub(arrive), l.window)
	// Requests leave in the order they got here: a hold never lets a later
	// request overtake a held one (rows are appended in arrival order).
	if a.released.After(now) {
		hold = max(hold, a.released.Sub(now)+time.Millisecond) // strictly after: no tie
	}
	hold = max(hold, 0)
	if dl, ok := ctx.Deadline(); ok && !now.Add(hold).Before(dl) {
		hold = 0 // never let the hold end the attempt
	}
	arrive = arrive.Add(hold)
	a.released = now.Add(hold)
	a.next = arrive.Add(gap)
	if newConn {
		a.lastNew, a.sinceNew = now.Add(hold), 1
	} else {
		a.sinceNew++
	}
	l.mu.Unlock()
	if hold <= 0 {
		return nil
	}
	return sleep(ctx, hold)
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
