package apitabletest

import (
	"context"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// NetworkProfile describes the network the fake emulates between a client
// and the server, for measuring how a client spends the rate budget on a
// real network rather than an ideal one.
//
// Every request waits Latency before it is handled (the whole round trip
// is spent before the server's guards run, so the rate limiter sees the
// request at its emulated arrival). Jitter moves each request's arrival by
// a uniform draw in [-Jitter, +Jitter] (clamped so that the delay is never
// negative). ConnSetup is added to the first request of every new
// connection: the handshake's round trip (TCP, TLS) that a real network
// spends before the request can be sent. New connections are those the
// loopback listener accepts, and, for Transport, an emulated pool: a
// request finds an idle emulated connection when an earlier one has been
// answered and not yet reused, else it opens one (GotConn reports Reused
// accordingly).
//
// A request's Time in the log (Requests) is its emulated arrival, after
// the delay, as the rate limiter sees it. Draws are reproducible with
// WithSeed.
type NetworkProfile struct {
	Latency   time.Duration
	Jitter    time.Duration
	ConnSetup time.Duration
}

// WithNetwork emulates the network p (it replaces WithLatency's delay).
func WithNetwork(p NetworkProfile) ServerOption {
	return func(c *config) {
		c.latency = p.Latency
		c.network = p
	}
}

// netem holds the emulated network's state: the jitter draws and the idle
// connections of Transport's emulated pool.
type netem struct {
	p    NetworkProfile
	mu   sync.Mutex
	rng  *rand.Rand
	idle []*memConn // most recently idle last, taken first (as net/http does)
}

func newNetem(p NetworkProfile, latency time.Duration, seed uint64) *netem {
	p.Latency = latency
	return &netem{p: p, rng: rand.New(rand.NewPCG(seed^0x5DEECE66D, seed))} //nolint:gosec // G404: reproducible jitter draws, not security
}

// connMark marks one (real or emulated) connection; used is set by its
// first request.
type connMark struct{ used atomic.Bool }

type connMarkKey struct{}

// connContext is the loopback server's http.Server.ConnContext: every
// accepted connection gets its mark.
func connContext(ctx context.Context, _ net.Conn) context.Context {
	return context.WithValue(ctx, connMarkKey{}, &connMark{})
}

// delay is the emulated network's delay of one request, ctx the request's
// context (carrying its connection's mark).
func (n *netem) delay(ctx context.Context) time.Duration {
	d := n.p.Latency
	if j := n.p.Jitter; j > 0 {
		n.mu.Lock()
		d += time.Duration(n.rng.Int64N(int64(2*j)+1)) - j
		n.mu.Unlock()
		d = max(d, 0)
	}
	if n.p.ConnSetup > 0 {
		if m, ok := ctx.Value(connMarkKey{}).(*connMark); ok && !m.used.Swap(true) {
			d += n.p.ConnSetup
		}
	}
	return d
}

// acquire takes a connection of Transport's emulated pool: an idle one
// (reused) or a new one. Each is its own value, so a client can tell them
// apart in GotConn as it can real ones.
func (n *netem) acquire(ctx context.Context) (context.Context, *memConn, bool) {
	n.mu.Lock()
	var c *memConn
	if k := len(n.idle); k > 0 {
		c, n.idle = n.idle[k-1], n.idle[:k-1]
	}
	n.mu.Unlock()
	reused := c != nil
	if !reused {
		c = &memConn{}
	}
	m := &connMark{}
	m.used.Store(reused)
	return context.WithValue(ctx, connMarkKey{}, m), c, reused
}

// release puts an answered request's emulated connection back in the pool.
func (n *netem) release(c *memConn) {
	n.mu.Lock()
	n.idle = append(n.idle, c)
	n.mu.Unlock()
}
