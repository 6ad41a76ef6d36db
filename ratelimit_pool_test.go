package apitable

import (
	"context"
	"net"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The connection pool model (ratelimit_pool.go), driven the way an
// attempt drives it: await before the transport is asked, got at GotConn,
// done when the answer was read.

// testConn is a connection with an identity.
type testConn struct {
	net.Conn
	_ byte
}

// learnedPool is a pool that has seen a new connection's round trip of
// 600 ms and a reused one's of 300 ms: a handshake of 300 ms.
func learnedPool() *connPool {
	p := &connPool{}
	p.observe(600*time.Millisecond, false)
	p.observe(300*time.Millisecond, true)
	return p
}

// await runs await and reports how long it held and whether it claimed
// an idle connection.
func await(ctx context.Context, t *testing.T, p *connPool) (time.Duration, bool) {
	t.Helper()
	start := time.Now()
	var tk poolTicket
	require.NoError(t, p.await(ctx, &tk, nil))
	return time.Since(start), tk.claimed
}

func TestPoolWaitsForAConnectionComingBackSoonerThanAHandshake(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		p := learnedPool()
		c := &testConn{}
		var first poolTicket
		p.got(&first, c, false) // back at about 600 ms
		time.Sleep(400 * time.Millisecond)
		go func() {
			time.Sleep(200 * time.Millisecond)
			p.done(&first, true, false)
		}()
		held, claimed := await(t.Context(), t, p)
		assert.Equal(t, 200*time.Millisecond, held, "held until the connection came back")
		assert.True(t, claimed)
		var second poolTicket
		second.claimed = claimed
		p.claims = 1
		p.got(&second, c, true)
		assert.Zero(t, p.claims, "GotConn settles the claim")
		assert.Same(t, &second, p.conns[c].owner)
	})
}

func TestPoolWaitsNoLongerThanTheHandshake(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		p := learnedPool()
		var first poolTicket
		p.got(&first, &testConn{}, false) // expected back at 600 ms, but never comes
		time.Sleep(400 * time.Millisecond)
		held, claimed := await(t.Context(), t, p)
		assert.Equal(t, 300*time.Millisecond, held, "a new connection is as soon by then")
		assert.False(t, claimed)
	})
}

func TestPoolGoesAtOnceWhenNothingComesBackInTime(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		p := learnedPool()
		var first poolTicket
		p.got(&first, &testConn{}, false) // back at 600 ms: more than a handshake away
		time.Sleep(100 * time.Millisecond)
		held, claimed := await(t.Context(), t, p)
		assert.Zero(t, held)
		assert.False(t, claimed)

		// With nothing learned of the handshake, nothing waits either.
		fresh := &connPool{}
		var tk poolTicket
		fresh.got(&tk, &testConn{}, false)
		held, _ = await(t.Context(), t, fresh)
		assert.Zero(t, held)
	})
}

func TestPoolIdleConnectionIsClaimedOnce(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		p := learnedPool()
		var a, b poolTicket
		p.got(&a, &testConn{}, false)
		p.got(&b, &testConn{}, false)
		time.Sleep(500 * time.Millisecond)
		p.done(&a, true, false) // one idle; b's is back at 600 ms
		held, claimed := await(t.Context(), t, p)
		assert.Zero(t, held)
		assert.True(t, claimed)
		// The idle one is claimed: the next request waits for b's.
		held, claimed = await(t.Context(), t, p)
		assert.Equal(t, 300*time.Millisecond, held, "b's never came back: held a handshake")
		assert.False(t, claimed)
	})
}

func TestPoolTheWaitersGoInTurn(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		p := learnedPool()
		var a, b poolTicket
		p.got(&a, &testConn{}, false)
		time.Sleep(10 * time.Millisecond)
		p.got(&b, &testConn{}, false)
		time.Sleep(500 * time.Millisecond) // a back at 600 ms, b at 610 ms
		got := make(chan string, 2)
		for _, name := range []string{"first", "second"} {
			go func() {
				var tk poolTicket
				_ = p.await(t.Context(), &tk, nil)
				got <- name
			}()
			synctest.Wait()
		}
		time.Sleep(100 * time.Millisecond)
		p.done(&a, true, false)
		assert.Equal(t, "first", <-got)
		synctest.Wait()
		assert.Empty(t, got, "one connection back: one waiter goes")
		time.Sleep(10 * time.Millisecond)
		p.done(&b, true, false)
		assert.Equal(t, "second", <-got)
	})
}

func TestPoolForgetsWhatNetHTTPShowsGone(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		p := learnedPool()
		c1, c2 := &testConn{}, &testConn{}
		var a, b, c poolTicket
		p.got(&a, c1, false)
		p.done(&a, true, false)
		assert.Equal(t, 1, p.idle())

		// A new connection: net/http found none idle, so c1 is gone.
		p.got(&b, c2, false)
		assert.Zero(t, p.idle())
		_, known := p.conns[c1]
		assert.False(t, known, "c1 forgotten")
		assert.Len(t, p.conns, 1)

		// An answer not read whole (or a closing one) drops its connection.
		p.done(&b, false, false)
		assert.Empty(t, p.conns)

		// A connection taken before the attempt that used it said so
		// belongs to the taker: the late connDone leaves it busy.
		p.got(&a, c1, false)
		p.got(&c, c1, true)
		p.done(&a, true, false)
		assert.Zero(t, p.idle())
		p.done(&c, true, false)
		assert.Equal(t, 1, p.idle())
	})
}

func TestPoolOffOverHTTP2(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		p := learnedPool()
		c := &testConn{}
		var a, b poolTicket
		p.got(&a, c, false)
		p.done(&a, true, true) // answered over HTTP/2
		p.got(&b, c, true)
		time.Sleep(400 * time.Millisecond)
		held, claimed := await(t.Context(), t, p)
		assert.Zero(t, held, "one shared connection: nothing to wait for")
		assert.False(t, claimed)
		assert.Empty(t, p.conns)
	})
}

func TestPoolWaitNeverEndsTheAttempt(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		p := learnedPool()
		var a poolTicket
		p.got(&a, &testConn{}, false)
		time.Sleep(400 * time.Millisecond)
		ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
		defer cancel()
		held, _ := await(ctx, t, p)
		assert.Zero(t, held, "a wait past the deadline is not taken")
	})
}

func TestPoolGrowsWhenTheLimiterAsks(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		p := learnedPool()
		var a poolTicket
		p.got(&a, &testConn{}, false)
		time.Sleep(400 * time.Millisecond) // a's is back in 200 ms: worth a wait
		var seen int
		var tk poolTicket
		start := time.Now()
		require.NoError(t, p.await(t.Context(), &tk, func(_ time.Time, conns int) bool { seen = conns; return true }))
		assert.Zero(t, time.Since(start), "the limiter wants the pool to grow: go now")
		assert.Equal(t, 1, seen)
		assert.False(t, tk.claimed)
	})
}

// A key whose requests leave together keeps its points in flight at once;
// one whose creates leave the spread apart, a round trip's worth of them.
// The pool counts on that many connections (plus one spare) before it
// stops growing.
func TestPoolShortCountsRequestsLeavingTogether(t *testing.T) {
	t.Parallel()
	l := NewWindowLimiter(5, time.Second)
	now := time.Now()
	l.Observe("dstA", 100*time.Millisecond, true)
	b := l.get("dstA", now)
	b.plan.cur = []*member{{reserved: now, sent: now}}
	// A spread of 100 ms (unmeasured) and a round trip of 100 ms: one
	// create in flight at a time.
	assert.False(t, l.poolShort(now, 2), "creates: 1 in flight, plus a spare")
	assert.True(t, l.poolShort(now, 1))

	b.plan.cur[0].together = true
	assert.True(t, l.poolShort(now, 5), "requests leaving together: 5 in flight, plus a spare")
	assert.False(t, l.poolShort(now, 6))
}
