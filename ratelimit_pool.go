package apitable

import (
	"context"
	"net"
	"reflect"
	"slices"
	"sync"
	"time"
)

// The transport's connection pool, as the client sees it through each
// attempt's GotConn. When no connection is idle, net/http
// dials at once. Over a direct path the dial itself races the busy
// connections (one that comes back first is taken instead). Where the
// handshake is paid after the request is written (a proxy, or the fake's
// network emulation), the dial is instant and the request arrives a
// handshake late: a cold read's fifth page missed the first window
// although a connection came back 50 ms after it left. So a request due
// to leave, with no idle connection, waits for the busy connection
// expected back first (its request's departure plus its class's fastest
// round trip) when that comes sooner than the handshake it would pay, and
// never longer than that handshake. The handshake is learned as the
// fastest round trip on a new connection less the fastest on a reused
// one; over a direct path it is about zero, and nothing waits. Before a
// reused round trip is seen it is taken as half the new one's.
//
// The pool still has to grow. A waiter whose connection is expected back
// after the handshake goes at once, so a pool short of a steady pace grows
// by itself; the in-process limiter, whose windows' requests leave in
// bursts, also lets a request go on a new connection while the pool has
// fewer than the keys in use keep busy (a round trip's worth of each
// window's requests, at most its points, plus one) whenever that still
// lands it surely inside its window and it is not the window's first
// (whose lateness would delay the whole window).
//
// The model is the client's own: connections it saw, busy from GotConn to
// the end of the answer's body. It errs safe. A connection the transport
// closed while idle looks idle until a request finds none (a GotConn on a
// new connection: net/http dials only when none is idle, so every idle
// one believed in is forgotten). A connection goes back to the pool as
// its answer's body ends, a moment before the attempt says so: a request
// may take it in between, and then owns it. An answer over HTTP/2 (one
// connection shared by requests at once) turns the waiting off for good.

// connPool is the client's view of its transport's connections.
type connPool struct {
	mu          sync.Mutex
	rtts        connStats // round trips by connection class: the handshake
	conns       map[net.Conn]*pooledConn
	claims      int           // requests let go to take an idle connection, not yet connected
	queue       []*poolTicket // requests waiting for a connection, in the order they came
	multiplexed bool          // connections are shared (HTTP/2): nothing to wait for
	changed     chan struct{} // closed (and replaced) when a connection comes back
}

// pooledConn is one connection the client has seen.
type pooledConn struct {
	owner   *poolTicket // the attempt using it; nil while idle
	newConn bool        // its current request opened it
	since   time.Time   // when its current request left
}

// poolTicket is an attempt's dealings with the pool.
type poolTicket struct {
	claimed bool     // it was let go to take an idle connection
	conn    net.Conn // the connection it got, while tracked
}

// broadcast wakes the waiters; called with p.mu held.
func (p *connPool) broadcast() {
	if p.changed != nil {
		close(p.changed)
		p.changed = nil
	}
}

func (p *connPool) idle() int {
	n := 0
	for _, c := range p.conns {
		if c.owner == nil {
			n++
		}
	}
	return n
}

// observe notes an answered attempt's round trip.
func (p *connPool) observe(rtt time.Duration, reused bool) {
	if rtt < 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rtts.observe(rtt, reused)
}

// backAt is when the k-th busy connection (0: the first) is expected back:
// its request's departure plus the fastest round trip of its class.
func (p *connPool) backAt(k int) (time.Time, bool) {
	var at []time.Time
	for _, c := range p.conns {
		if c.owner == nil {
			continue
		}
		rtt, ok := p.rtts.newMin, p.rtts.newN > 0
		if !c.newConn && p.rtts.reuseN > 0 {
			rtt, ok = p.rtts.reuseMin, true
		}
		if ok {
			at = append(at, c.since.Add(rtt))
		}
	}
	if k >= len(at) {
		return time.Time{}, false
	}
	slices.SortFunc(at, func(a, b time.Time) int { return a.Compare(b) })
	return at[k], true
}

// handshake is what a new connection is expected to add to the arrival:
// the fastest round trip on one less the fastest on a reused one, or,
// with none of the latter yet, half the former (it may be anything up to
// that).
func (s *connStats) handshake() time.Duration {
	switch {
	case s.newN == 0:
		return 0
	case s.reuseN == 0:
		return s.newMin / 2
	}
	return max(0, s.newMin-s.reuseMin)
}

// await holds a request due to leave while no connection is idle and a
// busy one is expected back sooner than a new one's handshake (see the
// notes above). grow, when set, may let it go on a new connection anyway
// (given now and the connections known). A request let go to an idle
// connection claims it (t.claimed) until its GotConn.
func (p *connPool) await(ctx context.Context, t *poolTicket, grow func(now time.Time, conns int) bool) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.multiplexed || len(p.conns) == 0 {
		return nil
	}
	giveUp := time.Now().Add(p.rtts.handshake())
	if dl, ok := ctx.Deadline(); ok && dl.Before(giveUp) {
		return nil // a wait must not end the attempt: go now
	}
	p.queue = append(p.queue, t)
	defer func() {
		p.queue = slices.DeleteFunc(p.queue, func(u *poolTicket) bool { return u == t })
		p.broadcast() // the next in line may now claim
	}()
	for {
		free := p.idle() - p.claims - slices.Index(p.queue, t)
		if free > 0 {
			t.claimed = true
			p.claims++
			return nil
		}
		now := time.Now()
		back, ok := p.backAt(-free)
		if !ok || !now.Before(giveUp) || !back.Before(giveUp) {
			return nil // a new connection is as soon
		}
		// Asked last: it looks at every key the limiter has in use.
		if grow != nil && grow(now, len(p.conns)) {
			return nil // a new connection now serves every request after it
		}
		if p.changed == nil {
			p.changed = make(chan struct{})
		}
		changed := p.changed
		p.mu.Unlock()
		err := sleepUntil(ctx, giveUp, changed)
		p.mu.Lock()
		if err != nil {
			return err
		}
	}
}

// got notes the connection an attempt got, once its request leaves.
func (p *connPool) got(t *poolTicket, conn net.Conn, reused bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.unclaim(t)
	if p.multiplexed || conn == nil || reflect.TypeOf(conn).Kind() != reflect.Pointer {
		return // no identity to track it by
	}
	c := p.conns[conn]
	if !reused {
		// net/http dials only when no connection is idle: the idle ones
		// believed in are gone.
		for k, x := range p.conns {
			if x.owner == nil {
				delete(p.conns, k)
			}
		}
	}
	if c == nil {
		if p.conns == nil {
			p.conns = make(map[net.Conn]*pooledConn)
		}
		c = &pooledConn{}
		p.conns[conn] = c
	}
	c.owner, c.newConn, c.since = t, !reused, time.Now()
	t.conn = conn
}

// done notes the end of an attempt: its connection is idle again when the
// answer was read whole and the connection kept, else gone; an answer over
// HTTP/2 ends the watch.
func (p *connPool) done(t *poolTicket, kept, multiplexed bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.unclaim(t)
	if multiplexed && !p.multiplexed {
		p.multiplexed, p.conns = true, nil
		p.broadcast()
	}
	if t.conn == nil {
		return
	}
	if c := p.conns[t.conn]; c != nil && c.owner == t {
		if kept {
			c.owner = nil
		} else {
			delete(p.conns, t.conn)
		}
		p.broadcast()
	}
	t.conn = nil
}

func (p *connPool) unclaim(t *poolTicket) {
	if t.claimed {
		t.claimed = false
		p.claims--
		p.broadcast()
	}
}

// newConnWorth reports that the pool, with conns connections, is short of
// what the keys in use keep busy (see the notes above) and that the
// reserved x, leaving now on a new connection, still surely arrives inside
// its window.
func (l *LocalLimiter) newConnWorth(key string, x *member, now time.Time, conns int) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.poolShort(now, conns) && l.newConnFits(key, x, now)
}

// poolShort reports that conns connections are fewer than the keys in use
// keep busy: a window's creates, reads and uploads leave the spread apart
// (inOrder), so a key has up to a round trip's worth of them in flight at
// once, at most its points; its updates and deletes leave together, its
// points at once; and one spare.
func (l *LocalLimiter) poolShort(now time.Time, conns int) bool {
	if l.conns.reuseN == 0 {
		return false // the round trip is not known yet
	}
	need := 1
	for _, b := range l.buckets {
		m := l.model(b)
		if b.plan.recent(now, m.window) || b.waiters > 0 {
			if slices.ContainsFunc(b.plan.cur, func(x *member) bool { return x.together }) {
				need += m.points
				continue
			}
			gap := max(time.Millisecond, m.spread+m.margin)
			need += min(m.points, int(l.conns.reuseMin/gap)+1)
		}
	}
	return conns < need
}

// newConnFits reports that the reserved x, leaving now on a new
// connection, surely arrives inside its window (and is not the one to
// open it, whose lateness would delay the window).
func (l *LocalLimiter) newConnFits(key string, x *member, now time.Time) bool {
	b, ok := l.buckets[key]
	if !ok || x == nil || x.left() {
		return false
	}
	p := &b.plan
	ci := slices.Index(p.cur, x)
	if ci <= 0 || slices.Contains(p.prev, x) {
		return false
	}
	m := l.model(b)
	cur := p.cur
	p.cur = removeMember(slices.Clone(cur), x)
	defer func() { p.cur = cur }()
	v := m.view(true)
	if ok, at := m.joinable(v, true, now); !ok || at.After(now) {
		return false
	}
	_, hi := m.candidate(v, true, now)
	return m.surelyBefore(hi, v.curLo)
}
