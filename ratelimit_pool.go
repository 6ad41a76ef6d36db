package apitable

import (
	"context"
	"net"
	"reflect"
	"slices"
	"time"
)

// The transport's connection pool, as the in-process limiter sees it
// through each attempt's GotConn. When no connection is idle, net/http
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
// The pool still has to grow: with fewer connections than the keys in
// use keep busy (a window's requests leave the spread apart, so a key has
// up to a round trip's worth of them in flight, at most its points; plus
// one), a request goes on a new connection rather than wait whenever
// that still lands it surely inside its window, and is not the window's
// first (whose lateness would delay the whole window).
//
// The model is the client's own: connections it saw, busy from GotConn to
// the end of the answer's body. It errs safe. A connection the transport
// closed while idle looks idle until a request finds none (a GotConn on a
// new connection: net/http dials only when none is idle, so every idle
// one believed in is forgotten). A connection goes back to the pool as
// its answer's body ends, a moment before the attempt says so: a request
// may take it in between, and then owns it. An answer over HTTP/2 (one
// connection shared by requests at once) turns the waiting off for good.
// One limiter shared by clients of several hosts sees one pool: the
// waits stay bounded by the handshake.

// connPool is the client's view of its transport's connections, guarded
// by LocalLimiter.mu.
type connPool struct {
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

// backAt is when the k-th busy connection (0: the first) is expected back:
// its request's departure plus the fastest round trip of its class.
func (p *connPool) backAt(k int, rtts *connStats) (time.Time, bool) {
	var at []time.Time
	for _, c := range p.conns {
		if c.owner == nil {
			continue
		}
		rtt, ok := rtts.newMin, rtts.newN > 0
		if !c.newConn && rtts.reuseN > 0 {
			rtt, ok = rtts.reuseMin, true
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

// awaitConn holds a request due to leave, whose place x is reserved, while
// no connection is idle and a busy one is expected back sooner than a new
// one's handshake (see the notes above). A request let go to an idle
// connection claims it (t.claimed) until its GotConn.
func (l *LocalLimiter) awaitConn(ctx context.Context, key string, x *member, t *poolTicket) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	p := &l.pool
	if p.multiplexed || len(p.conns) == 0 {
		return nil
	}
	p.queue = append(p.queue, t)
	defer func() {
		p.queue = slices.DeleteFunc(p.queue, func(u *poolTicket) bool { return u == t })
		p.broadcast() // the next in line may now claim
	}()
	giveUp := time.Now().Add(l.conns.handshake())
	if dl, ok := ctx.Deadline(); ok && dl.Before(giveUp) {
		return nil // a wait must not end the attempt: go now
	}
	for {
		ahead := slices.Index(p.queue, t)
		free := p.idle() - p.claims - ahead
		if free > 0 {
			t.claimed = true
			p.claims++
			return nil
		}
		back, ok := p.backAt(-free, &l.conns)
		now := time.Now()
		if l.poolShort(now) && l.newConnFits(key, x, now) {
			return nil // a new connection now serves every request after it
		}
		if !ok || !now.Before(giveUp) || !back.Before(giveUp) {
			return nil // a new connection is as soon
		}
		if p.changed == nil {
			p.changed = make(chan struct{})
		}
		changed := p.changed
		l.mu.Unlock()
		err := sleepUntil(ctx, giveUp, changed)
		l.mu.Lock()
		if err != nil {
			return err
		}
	}
}

// gotConn notes the connection an attempt got, once its request leaves.
func (l *LocalLimiter) gotConn(t *poolTicket, conn net.Conn, reused bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	p := &l.pool
	l.unclaim(t)
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

// connDone notes the end of an attempt: its connection is idle again when
// the answer was read whole and the connection kept, else gone; an answer
// over HTTP/2 ends the watch.
func (l *LocalLimiter) connDone(t *poolTicket, kept, multiplexed bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	p := &l.pool
	l.unclaim(t)
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

func (l *LocalLimiter) unclaim(t *poolTicket) {
	if t.claimed {
		t.claimed = false
		l.pool.claims--
		l.pool.broadcast()
	}
}

// poolShort reports that the pool has fewer connections than the keys in
// use keep busy: a window's requests leave the spread apart (inOrder), so
// each key has up to a round trip's worth of them in flight at once, at
// most its points; and one spare.
func (l *LocalLimiter) poolShort(now time.Time) bool {
	if l.conns.reuseN == 0 {
		return false // the round trip is not known yet
	}
	need := 1
	for _, b := range l.buckets {
		m := l.model(b)
		if b.plan.recent(now, m.window) || b.waiters > 0 {
			gap := max(time.Millisecond, m.spread+m.margin)
			need += min(m.points, int(l.conns.reuseMin/gap)+1)
		}
	}
	return len(l.pool.conns) < need
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
