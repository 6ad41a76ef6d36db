package apitable

import (
	"context"
	"math"
	"slices"
	"time"
)

// Arrival planning. The server counts fixed windows: a window opens at the
// first request to arrive and admits points requests until it expires a
// window later; the next request to arrive opens the next one
// (docs/server-behaviour.md §3). Spacing departures evenly wastes budget
// on a real network, because arrivals are not even: jitter moves each one,
// and a request on a new connection may arrive a handshake late. So once a
// request has its connection, Sending places it into the server's windows
// as the client can bound them:
//
//   - A request's arrival is bounded in "departure" terms: it left at s,
//     and arrives at s + o + c + e, where o is the one-way delay every
//     request shares (it cancels out), c the connection-setup delay (0 on
//     a reused connection; on a new one, learned as the fastest round trip
//     on a new connection minus the fastest on a reused one), and e ≥ 0
//     the jitter, at most the round trips' spread E. Once a request is
//     answered, its round trip minus the fastest one bounds its e more
//     tightly (a late answer means a late arrival or a slow server; either
//     way the bound is safe; it is capped at a quarter of the window).
//   - A request joins the current window while it has room and the request
//     surely arrives before the window's earliest possible end, and after
//     the previous window's latest possible end. One that may land in
//     either the current window or the next (an unlearned setup delay)
//     joins too while both have room and the current window carries no
//     member of the previous one; it counts in both until its bounds
//     settle which (view).
//   - Otherwise it opens the next window, held until its earliest arrival
//     is past the current window's latest possible end: the window opened
//     no later than the arrival of any member surely past the previous
//     window, so the bound is the minimum of their upper bounds, and it
//     tightens as their answers come back.
//
// The client reserves each request's place in Wait, before it takes a
// connection (a request cancelled while waiting is never written); the
// place travels with the attempt to Sending, which confirms it with the
// connection the request got, or moves it.
//
// Requests of one connection class (all on new connections, or all on
// reused ones) share c, so it cancels out between them even before it was
// learned; across classes an unlearned setup is bounded by the fastest
// round trip on a new connection. Requests leave in the order they
// reached Wait or Sending. A create (rows are appended in arrival order)
// leaves the spread after the request before it in its window (or
// closer, when the window's points would not fit so), so that it also
// arrives after it; so do reads and uploads, whose staggered answers keep
// fewer of them in memory at once. Updates and deletes may arrive in any
// order and leave together. A window's period comes to about W + E/2
// plus a margin for creates on a network with jitter E, where even
// spacing needs W + E: the next window's first arrival can come early by
// up to E, and only its opener's lateness, E/2 on average, cannot be
// planned away. Requests leaving together open their window at the first
// of their arrivals: k of them, E/(k+1) late.
//
// Until the spread is measured (16 round trips on reused connections) it
// is taken as at least a tenth of the window; an unlearned setup with no
// round trip at all is taken to be under one window.

// member is one request placed into a window. Wait reserves its place
// (reserved set, sent zero) with a reused connection as the guess; Sending
// confirms it (sent set) once the connection is known, or moves it.
type member struct {
	win      int // the window it was placed in (plan.seq then)
	reserved time.Time
	sent     time.Time
	newConn  bool
	together bool          // it may leave with the requests before it (an update, a delete: route.together)
	rtt      time.Duration // its round trip, once answered
	answered bool
}

// left reports that the request has left (Sending let it go).
func (x *member) left() bool { return !x.sent.IsZero() }

// departure is when the request left, or will at the earliest.
func (x *member) departure() time.Time {
	if x.left() {
		return x.sent
	}
	return x.reserved
}

// plan is a bucket's arrival plan, guarded by LocalLimiter.mu.
type plan struct {
	active   bool          // Sending was called for the key: Wait reserves places
	cur      []*member     // the current window's members, in the order they left
	prev     []*member     // the previous window's
	before   []*member     // the window before prev, to judge the members carried from it into prev
	seq      int           // cur's number; prev is seq-1 and before seq-2
	full     bool          // a 429 showed the current window full
	reserved []*member     // places Wait reserved, not yet taken by Sending
	queue    []*member     // requests waiting for a place, in the order they came
	changed  chan struct{} // closed (and replaced) when the plan changes
	conns    connStats     // the key's round trips by connection class
}

// connStats are round trips by connection class, for the setup estimate.
type connStats struct {
	newMin   time.Duration // fastest round trip on a new connection
	reuseMin time.Duration // fastest on a reused one
	newN     int           // round trips seen on new connections
	reuseN   int           // on reused ones
}

// broadcast wakes every request waiting for the plan.
func (p *plan) broadcast() {
	if p.changed != nil {
		close(p.changed)
		p.changed = nil
	}
}

// wait returns the channel closed at the plan's next change.
func (p *plan) wait() <-chan struct{} {
	if p.changed == nil {
		p.changed = make(chan struct{})
	}
	return p.changed
}

// recent reports that a request left within d of now: the server may
// still count its window.
func (p *plan) recent(now time.Time, d time.Duration) bool {
	return len(p.cur) > 0 && now.Sub(p.cur[len(p.cur)-1].departure()) < d
}

// expire drops the places reserved more than a window ago and never
// taken: their attempts failed before they had a connection (or are so
// slow to get one that they will be placed afresh).
func (p *plan) expire(now time.Time, window time.Duration) {
	stale := func(x *member) bool { return !x.left() && now.Sub(x.reserved) > window }
	if !slices.ContainsFunc(p.cur, stale) && !slices.ContainsFunc(p.prev, stale) && !slices.ContainsFunc(p.reserved, stale) {
		return
	}
	p.reserved = slices.DeleteFunc(p.reserved, stale)
	p.cur = slices.DeleteFunc(p.cur, stale)
	p.prev = slices.DeleteFunc(p.prev, stale)
	p.before = slices.DeleteFunc(p.before, stale)
	p.broadcast()
}

// remove takes an unsent member out of its window. A window left with no
// member of its own never opened: the previous one is current again.
func (p *plan) remove(x *member) {
	p.cur = removeMember(p.cur, x)
	p.prev = removeMember(p.prev, x)
	p.before = removeMember(p.before, x)
	if !slices.ContainsFunc(p.cur, func(y *member) bool { return y.win == p.seq }) && len(p.prev) > 0 {
		p.cur, p.prev, p.before = p.prev, p.before, nil
		p.seq--
	}
}

// observe notes a round trip.
func (c *connStats) observe(rtt time.Duration, reused bool) {
	if reused {
		c.reuseN++
		if c.reuseN == 1 || rtt < c.reuseMin {
			c.reuseMin = rtt
		}
		return
	}
	c.newN++
	if c.newN == 1 || rtt < c.newMin {
		c.newMin = rtt
	}
}

// ArrivalPacer is implemented by limiters that also pace the arrival of
// requests (LocalLimiter does): the client calls Sending for a limited key
// once the request has a connection and before writing it, newConn telling
// whether the connection was just opened. It may block; it returns early
// when ctx is done.
type ArrivalPacer interface {
	Sending(ctx context.Context, key string, newConn bool) error
}

// memberPacer is the in-process limiter as the client uses it: the place
// Wait reserves (reserve) travels with its request to Sending (sending),
// which returns the place for the answer (answered) to tighten the plan.
type memberPacer interface {
	reserve(ctx context.Context, key string, together bool) (*member, error)
	sending(ctx context.Context, key string, newConn bool, reserved *member) (*member, error)
	answered(key string, m *member, rtt time.Duration, reused bool)
	release(key string, reserved *member)
	departed(key string, reserved *member)
	// newConnWorth: the pool's growth rule (ratelimit_pool.go).
	newConnWorth(key string, x *member, now time.Time, conns int) bool
}

// departed marks a reserved place as taken by a request the transport
// sent without reporting its connection: it left at about its place.
func (l *LocalLimiter) departed(key string, x *member) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if b, ok := l.buckets[key]; ok && !x.left() && (slices.Contains(b.plan.cur, x) || slices.Contains(b.plan.prev, x)) {
		x.sent = x.reserved
		b.plan.broadcast()
	}
}

// release gives back a place whose attempt ended before it had a
// connection.
func (l *LocalLimiter) release(key string, x *member) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if b, ok := l.buckets[key]; ok && !x.left() {
		b.plan.remove(x)
		b.plan.reserved = removeMember(b.plan.reserved, x)
		b.plan.broadcast()
	}
}

// Sending places a request into the server's windows (see the notes
// above), holding it until it may leave. Without the client's pairing of
// each request with its own reservation, it takes the oldest place Wait
// reserved.
func (l *LocalLimiter) Sending(ctx context.Context, key string, newConn bool) error {
	_, err := l.sending(ctx, key, newConn, nil)
	return err
}

// arrivalModel is what a placement decision needs, computed under l.mu.
type arrivalModel struct {
	points int
	window time.Duration
	spread time.Duration // E
	margin time.Duration
	p      *plan
	all    *connStats // every key's round trips
}

func (l *LocalLimiter) model(b *bucket) arrivalModel {
	points, window := l.budget(b)
	e := b.spread
	if len(b.rtts) < trustedSamples {
		// A few round trips understate the spread (n uniform draws span
		// (n-1)/(n+1) of it, and may bunch): until there are enough, leave
		// at least a tenth of the window, or what the first round trips on
		// new connections show.
		e = max(e, window/10)
		if len(b.newRTTs) >= 4 {
			e = max(e, robustSpread(b.newRTTs))
		}
	}
	// The margin covers what the bounds do not: the spread estimate's own
	// error (about a tenth of it from 32 round trips), timers, and the
	// server's window, a Redis key expiring to the millisecond
	// (docs/server-behaviour.md §3). Each millisecond of it costs about
	// 0.1% of the budget. (Leaving E/8 out of the margin for answered
	// requests, whose bounds rest on their own round trips, gained 0.2%
	// on long runs in fake time but let a 429 through on loopback.)
	return arrivalModel{points: points, window: window, spread: e,
		margin: max(2*time.Millisecond, e/8) + window/1000, p: &b.plan, all: &l.conns}
}

// setup bounds a new connection's setup delay: from the key's round
// trips on both classes, else from every key's (the setup is the
// network's; the key's own also share its routes' server time), else
// by the fastest round trip on a new connection, else by a window.
func (m arrivalModel) setup() (lo, hi time.Duration) {
	for _, c := range []*connStats{&m.p.conns, m.all} {
		if c.newN > 0 && c.reuseN > 0 {
			// Each fastest round trip overstates its class's true
			// fastest by about E/(n+1). Both minima overstate alike, so
			// the mean suffices here, unlike for an answered bound
			// (overstated).
			s := max(0, c.newMin-c.reuseMin)
			return max(0, s-m.spread/time.Duration(c.newN+1)), s + m.spread/time.Duration(c.reuseN+1)
		}
	}
	for _, c := range []*connStats{&m.p.conns, m.all} {
		if c.newN > 0 {
			return 0, c.newMin
		}
	}
	return 0, m.window
}

// overstated bounds how much the fastest of n round trips overstates the
// true fastest, 4 times in 5 for a jitter spread uniformly over E: the
// fastest of n exceeds the true fastest by more than x with probability
// (1-x/E)^n. Its mean, E/(n+1), is too little while n is small: after one
// answer it left half the spread, and a window's opener sent on that
// bound met a 429 on a cold start under ±50 ms of jitter. (19 times in 20
// cost 1–2% of the budget on cold starts for no further 429.)
func (m arrivalModel) overstated(n int) time.Duration {
	if n <= 0 {
		return m.spread
	}
	return time.Duration(float64(m.spread) * (1 - math.Pow(0.2, 1/float64(n))))
}

// offset bounds the class's setup delay; same: every request compared is
// of that class, so the delay cancels out.
func (m arrivalModel) offset(newConn, same bool) (lo, hi time.Duration) {
	if !newConn || same {
		return 0, 0
	}
	return m.setup()
}

// bounds is the earliest and latest arrival of x, in departure terms; a
// place only reserved bounds nothing from above (its request may leave
// late), so hi is then zero.
func (m arrivalModel) bounds(x *member, same bool) (lo, hi time.Time) {
	cLo, cHi := m.offset(x.newConn, same)
	lo = x.departure().Add(cLo)
	if !x.left() {
		return lo, time.Time{}
	}
	e := m.spread
	if x.answered {
		c := &m.p.conns
		fastest, n := c.reuseMin, c.reuseN
		if x.newConn {
			fastest, n = c.newMin, c.newN
		}
		// The fastest of n round trips overstates the true fastest:
		// leave that much more. A late answer is a late arrival or a slow
		// server; either way the bound is safe, and it is capped at a
		// quarter of the window (beyond that the server was slow, not the
		// network).
		e = min(max(0, x.rtt-fastest)+m.overstated(n), max(e, m.window/4))
	}
	return lo, x.sent.Add(cHi + e)
}

// sameClass reports that every member of ms is of class newConn.
func sameClass(ms []*member, newConn bool) bool {
	for _, x := range ms {
		if x.newConn != newConn {
			return false
		}
	}
	return true
}

// view is what a decision knows of the two windows, in the candidate's
// frame: setup delays cancel out (same) when every request compared is of
// one class.
//
// A member may be ambiguous: it may arrive before its window's earliest
// end or after its latest end, so it counts in both that window and the
// next (which carries it, sharing the pointer with prev) until its bounds
// settle it, and only members surely in a window bound its opening.
type view struct {
	same           bool
	prevLo, prevHi time.Time // prev's earliest opening; its latest, from members surely in it (zero: none)
	curLo, curHi   time.Time // cur's earliest opening; the latest end of cur, less a window
	count          int       // cur's members not surely in prev
	carried        int       // those of them placed in prev: they may have opened cur
	spill          []*member // cur's members that may arrive after cur's earliest end
	lastHi         time.Time // the latest arrival of any of cur's members (zero: one has not left)
	spillHi        time.Time // the same for spill
}

// surelyBefore reports that an arrival bounded by hi comes before the end
// of a window that opened no earlier than lo.
func (m arrivalModel) surelyBefore(hi, lo time.Time) bool {
	return !hi.IsZero() && !hi.Add(m.margin).After(lo.Add(m.window))
}

// surelyAfter reports that an arrival bounded below by lo comes after the
// end of a window that opened no later than hi (zero hi: not known).
func (m arrivalModel) surelyAfter(lo, hi time.Time) bool {
	return hi.IsZero() || !lo.Before(hi.Add(m.window+m.margin))
}

func earliest(t, u time.Time) time.Time {
	if t.IsZero() || (!u.IsZero() && u.Before(t)) {
		return u
	}
	return t
}

// view computes the windows' bounds against a request of class newConn.
func (m arrivalModel) view(newConn bool) view {
	p := m.p
	// Which window each member is in is a fact about the members alone:
	// judge it in their own frame (a setup delay they all share cancels
	// out), and compare bounds with the candidate in its frame.
	beforeLo := m.beforeLo()
	own := m.frame(sameClass(p.prev, classOf(p)) && sameClass(p.cur, classOf(p)), beforeLo)
	v := view{same: sameClass(p.prev, newConn) && sameClass(p.cur, newConn)}
	f := m.frame(v.same, beforeLo)
	v.prevLo, v.prevHi, v.curLo = f.prevLo, time.Time{}, f.curLo
	for _, x := range p.prev {
		if _, hi := m.bounds(x, own.same); m.surelyBefore(hi, own.prevLo) && !p.carriedIntoPrev(x) {
			_, fhi := m.bounds(x, v.same)
			v.prevHi = earliest(v.prevHi, fhi)
		}
	}
	unsent := false
	for _, x := range p.cur {
		olo, ohi := m.bounds(x, own.same)
		_, hi := m.bounds(x, v.same)
		unsent = unsent || hi.IsZero()
		v.lastHi = latest(v.lastHi, hi)
		carried := x.win < p.seq // carried from prev, and still in it
		if carried && m.surelyBefore(ohi, own.prevLo) {
			continue // it arrives in prev
		}
		v.count++
		if carried {
			v.carried++
		}
		if !m.surelyBefore(ohi, own.curLo) {
			v.spill = append(v.spill, x)
			v.spillHi = latest(v.spillHi, hi)
		}
		// Any member surely past prev's end bounds cur's end: it arrives
		// in cur (which ended by then + W) or after cur ended.
		if !hi.IsZero() && (!carried || (!own.prevHi.IsZero() && m.surelyAfter(olo, own.prevHi))) {
			v.curHi = earliest(v.curHi, hi)
		}
	}
	if unsent {
		v.lastHi = time.Time{}
	}
	for _, x := range v.spill {
		if !x.left() {
			v.spillHi = time.Time{}
		}
	}
	return v
}

// frame is the windows' opening bounds in one frame.
type frame struct {
	same   bool
	prevLo time.Time // prev's earliest opening
	prevHi time.Time // prev's latest, from members surely in it (zero: none)
	curLo  time.Time // cur's earliest opening
}

// frame computes the windows' opening bounds in one frame, given the
// earliest opening of the window before prev (arrivalModel.beforeLo).
func (m arrivalModel) frame(same bool, beforeLo time.Time) frame {
	prev, cur := m.p.prev, m.p.cur
	f := frame{same: same}
	for _, x := range prev {
		if !m.inBefore(x, beforeLo) {
			lo, _ := m.bounds(x, same)
			f.prevLo = earliest(f.prevLo, lo)
		}
	}
	for _, x := range prev {
		// A member carried into prev may have arrived in the window
		// before: it does not bound prev's opening.
		if _, hi := m.bounds(x, same); m.surelyBefore(hi, f.prevLo) && !m.p.carriedIntoPrev(x) {
			f.prevHi = earliest(f.prevHi, hi)
		}
	}
	for _, x := range cur {
		lo, _ := m.bounds(x, same)
		f.curLo = earliest(f.curLo, lo)
	}
	// cur opened after prev ended, so no earlier than prev's earliest end.
	if end := f.prevLo.Add(m.window); len(prev) > 0 && f.curLo.Before(end) {
		f.curLo = end
	}
	return f
}

// carriedIntoPrev reports that x, a member of prev, was placed in the
// window before and carried into prev: it may have arrived in either.
func (p *plan) carriedIntoPrev(x *member) bool { return x.win < p.seq-1 }

// beforeLo is the earliest opening of the window before prev, with every
// setup delay as a bound (whatever the classes); zero when no member of
// prev was carried from it.
func (m arrivalModel) beforeLo() time.Time {
	if !slices.ContainsFunc(m.p.prev, m.p.carriedIntoPrev) {
		return time.Time{}
	}
	var lo time.Time
	for _, y := range m.p.before {
		l, _ := m.bounds(y, false)
		lo = earliest(lo, l)
	}
	return lo
}

// inBefore reports that x, carried into prev, surely arrived in the
// window before prev, which opened no earlier than beforeLo: it tells
// nothing of prev.
func (m arrivalModel) inBefore(x *member, beforeLo time.Time) bool {
	if !m.p.carriedIntoPrev(x) || beforeLo.IsZero() {
		return false
	}
	_, hi := m.bounds(x, false)
	return m.surelyBefore(hi, beforeLo)
}

// classOf is the class of the plan's first member (any, when empty).
func classOf(p *plan) bool {
	if len(p.prev) > 0 {
		return p.prev[0].newConn
	}
	if len(p.cur) > 0 {
		return p.cur[0].newConn
	}
	return false
}

func latest(t, u time.Time) time.Time {
	if u.After(t) {
		return u
	}
	return t
}

// candidate bounds the arrival of a request of class newConn leaving at t.
func (m arrivalModel) candidate(v view, newConn bool, t time.Time) (lo, hi time.Time) {
	cLo, cHi := m.offset(newConn, v.same)
	return t.Add(cLo), t.Add(cHi + m.spread)
}

// placement is a decision of place.
type placement int

const (
	hold placement = iota
	join
	open
)

// joinable decides whether a request of class newConn leaving now may
// join cur (surely in it, or ambiguous between it and the next window),
// or when to look again; ok false with a zero time: it may not join.
func (m arrivalModel) joinable(v view, newConn bool, now time.Time) (ok bool, at time.Time) {
	if m.p.full || v.count >= m.points {
		return false, time.Time{}
	}
	// A member must arrive after the previous window's latest end: a
	// request that could overtake into it waits until it cannot.
	at = now
	if candLo, _ := m.candidate(v, newConn, now); !m.surelyAfter(candLo, v.prevHi) {
		at = now.Add(v.prevHi.Add(m.window + m.margin).Sub(candLo))
	}
	candLo, candHi := m.candidate(v, newConn, at)
	if !v.curHi.IsZero() && m.surelyAfter(candLo, v.curHi) {
		return false, time.Time{} // surely past cur's end: it opens the next window
	}
	// Surely in cur, or ambiguous while the next window has room for
	// everything that may spill into it, unless cur carries a member of
	// prev: that member may have opened cur early, and a request
	// ambiguous on that account would be carried into the next window in
	// turn, pulling its opening early too. Such chains held a window's
	// place for a member that had long arrived in the previous one, in
	// every window of a run (half the budget under ±50 ms of jitter).
	if m.surelyBefore(candHi, v.curLo) || (len(v.spill)+1 <= m.points && v.carried == 0) {
		return !at.After(now), at
	}
	return false, time.Time{}
}

// place decides for x (its class and order) leaving now: join the current
// window, open the next one, or hold until the returned time (zero: until
// the plan changes).
func (m arrivalModel) place(x *member, now time.Time) (placement, time.Time) {
	p := m.p
	if len(p.cur) == 0 {
		return open, now
	}
	if before := spacedAfter(p.cur, x); before != nil {
		if next := m.inOrder(before, x.newConn); now.Before(next) {
			return hold, next
		}
	}
	newConn := x.newConn
	v := m.view(newConn)
	ok, at := m.joinable(v, newConn, now)
	switch {
	case ok:
		return join, now
	case !at.IsZero():
		return hold, at
	}
	// The window ends a window after its opening, which is no later than
	// the arrival of a member surely in it, else of any member in it.
	end := v.curHi
	if end.IsZero() {
		end = v.lastHi
	}
	if len(v.spill) >= m.points {
		// The next window may be full of cur's possible spill: go after
		// it too, carrying nothing.
		end = v.spillHi
		if !v.curHi.IsZero() && v.curHi.After(end) {
			end = v.curHi
		}
	}
	if end.IsZero() {
		return hold, m.expiry() // a member has not left: the window's opening is unknown
	}
	candLo, _ := m.candidate(v, newConn, now)
	if at := end.Add(m.window + m.margin); candLo.Before(at) {
		return hold, now.Add(at.Sub(candLo))
	}
	return open, now
}

// opened starts the next window with x, carrying the members of cur that
// may arrive after its end.
func (m arrivalModel) opened(x *member) {
	p := m.p
	spill := m.view(x.newConn).spill
	if len(spill) >= m.points {
		spill = nil // x goes after the window they may fill (place)
	}
	p.before, p.prev, p.cur, p.full = p.prev, p.cur, append(slices.Clip(spill), x), false
	p.seq++
	x.win = p.seq
}

// spacedAfter is the member of ms that x leaves the spread after (in
// order, inOrder): the last one, unless x may leave together with it.
func spacedAfter(ms []*member, x *member) *member {
	if x.together || len(ms) == 0 {
		return nil
	}
	return ms[len(ms)-1]
}

// inOrder is the earliest departure of a request of class newConn that
// arrives after prev: once its earliest arrival is past prev's latest (the
// spread apart within a class), or sooner when a window's points would not
// fit so.
func (m arrivalModel) inOrder(prev *member, newConn bool) time.Time {
	same := prev.newConn == newConn
	_, prevHi := m.offset(prev.newConn, same)
	lo, _ := m.offset(newConn, same)
	gap := prevHi + m.spread + m.margin - lo
	if m.points > 1 {
		gap = min(gap, (m.window-m.spread-m.margin)/time.Duration(m.points-1))
	}
	return prev.departure().Add(gap)
}

// expiry is when the oldest reserved place expires (zero when none).
func (m arrivalModel) expiry() time.Time {
	var oldest time.Time
	for _, ms := range [][]*member{m.p.prev, m.p.cur} {
		for _, x := range ms {
			if !x.left() {
				oldest = earliest(oldest, x.reserved)
			}
		}
	}
	if oldest.IsZero() {
		return oldest
	}
	return oldest.Add(m.window + time.Millisecond)
}

// enter waits until x may leave (in turn: requests are placed in the
// order they came), then places it; called with l.mu held, it returns
// with l.mu held. A reservation (Wait) is placed with a reused connection
// as the guess.
func (l *LocalLimiter) enter(ctx context.Context, b *bucket, x *member, reserve bool) error {
	p := &b.plan
	p.queue = append(p.queue, x)
	for {
		now := time.Now()
		m := l.model(b)
		p.expire(now, m.window)
		what, until := hold, time.Time{}
		if p.queue[0] == x {
			what, until = m.place(x, now)
		}
		if dl, ok := ctx.Deadline(); ok && what == hold && !until.IsZero() && !until.Before(dl) {
			if reserve {
				return errWaitPastDeadline
			}
			what = join // the request has its connection: never let the hold end the attempt, go now
		}
		if what != hold {
			if reserve {
				x.reserved = now
			} else {
				x.sent = now
			}
			if what == open {
				m.opened(x)
			} else {
				p.cur = append(p.cur, x)
				x.win = p.seq
			}
			p.queue = p.queue[1:]
			p.broadcast()
			return nil
		}
		if err := l.waitPlan(ctx, p, until); err != nil {
			p.queue = removeMember(p.queue, x)
			p.broadcast()
			return err
		}
	}
}

// sending places a request (see Sending) and returns its place: the one
// Wait reserved when it still fits with the connection got, else a new one.
func (l *LocalLimiter) sending(ctx context.Context, key string, newConn bool, reserved *member) (*member, error) {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.get(key, now)
	if unpaced(l.pace(b)) {
		return nil, nil // unpaced: no window to plan
	}
	p := &b.plan
	p.active = true
	b.waiters++
	defer func() { b.waiters-- }()
	m := l.model(b)
	p.expire(now, m.window)
	if reserved == nil && len(p.reserved) > 0 {
		reserved = p.reserved[0]
		p.reserved = p.reserved[1:]
	}
	if x := reserved; x != nil && !x.left() {
		x.newConn = newConn
		if l.confirm(ctx, b, x) {
			return x, nil
		}
		// It would now arrive too late for its window: place it afresh.
		p.remove(x)
		p.broadcast()
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	x := &member{newConn: newConn, together: reserved != nil && reserved.together}
	if err := l.enter(ctx, b, x, false); err != nil {
		return nil, err
	}
	return x, nil
}

// confirm lets the reserved x leave in its place: after the request
// before it in its window has left (its Sending may still be under way, on
// a connection still being opened) and far enough after it to arrive
// after it, while x still fits its window with the connection it got;
// false: it no longer fits. Called with l.mu
// held; it returns with l.mu held.
func (l *LocalLimiter) confirm(ctx context.Context, b *bucket, x *member) bool {
	p := &b.plan
	for {
		now := time.Now()
		m := l.model(b)
		p.expire(now, m.window)
		ci, pi := slices.Index(p.cur, x), slices.Index(p.prev, x)
		if ci < 0 && pi < 0 {
			return false // expired
		}
		// Judge x against its window without it, as a request leaving now
		// on the connection it got (in order after the one before it,
		// unless it may leave together with it).
		win := p.cur
		if ci < 0 {
			win = p.prev
		}
		at, until := now, time.Time{}
		if before := spacedAfter(win[:slices.Index(win, x)], x); before != nil {
			if !before.left() {
				until = before.reserved.Add(m.window + time.Millisecond) // its expiry, at the latest
				at = time.Time{}
			} else if next := m.inOrder(before, x.newConn); now.Before(next) {
				at = next
			}
		}
		cur, prev := p.cur, p.prev
		p.cur, p.prev = removeMember(slices.Clone(cur), x), removeMember(slices.Clone(prev), x)
		v := m.view(x.newConn)
		ok := true
		if !at.IsZero() {
			if ci >= 0 {
				var when time.Time
				ok, when = m.joinable(v, x.newConn, at)
				if !ok && !when.IsZero() {
					ok, at = true, when
				}
			} else {
				_, hi := m.candidate(v, x.newConn, at)
				ok = m.surelyBefore(hi, v.prevLo)
			}
		}
		p.cur, p.prev = cur, prev
		if !ok {
			return false
		}
		if !at.IsZero() {
			if !at.After(now) {
				x.sent = now
				p.broadcast()
				return true
			}
			until = at
		}
		if dl, ok := ctx.Deadline(); ok && !until.Before(dl) {
			x.sent = now // the request has its connection: never let the hold end the attempt
			p.broadcast()
			return true
		}
		if err := l.waitPlan(ctx, p, until); err != nil {
			return false
		}
	}
}

// answered records a placed request's round trip.
func (l *LocalLimiter) answered(key string, m *member, rtt time.Duration, reused bool) {
	l.Observe(key, rtt, reused)
	if m == nil || rtt < 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	m.rtt, m.answered = rtt, true
	if b, ok := l.buckets[key]; ok {
		b.plan.broadcast()
	}
}

// waitPlan releases l.mu until t (zero: no time), the plan's next change
// or ctx's end, and takes it again.
func (l *LocalLimiter) waitPlan(ctx context.Context, p *plan, t time.Time) error {
	changed := p.wait()
	l.mu.Unlock()
	defer l.mu.Lock()
	return sleepUntil(ctx, t, changed)
}

// sleepUntil waits until t (forever when zero), for changed, or for ctx.
func sleepUntil(ctx context.Context, t time.Time, changed <-chan struct{}) error {
	var tc <-chan time.Time
	if !t.IsZero() {
		timer := time.NewTimer(time.Until(t))
		defer timer.Stop()
		tc = timer.C
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-tc:
	case <-changed:
	}
	return nil
}

func removeMember(ms []*member, m *member) []*member {
	for i, x := range ms {
		if x == m {
			return append(ms[:i], ms[i+1:]...)
		}
	}
	return ms
}
