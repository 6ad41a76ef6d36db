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
// attempt drives it: awaitConn before the transport is asked, gotConn at
// GotConn, connDone when the answer was read.

// testConn is a connection with an identity.
type testConn struct {
	net.Conn
	_ byte
}

// poolLimiter is a limiter that has seen a new connection's round trip of
// 600 ms and a reused one's of 300 ms: a handshake of 300 ms.
func poolLimiter() *LocalLimiter {
	l := NewWindowLimiter(5, time.Second)
	l.conns.observe(600*time.Millisecond, false)
	l.conns.observe(300*time.Millisecond, true)
	return l
}

// await runs awaitConn and reports how long it held and whether it
// claimed an idle connection.
func await(t *testing.T, l *LocalLimiter, ctx context.Context) (time.Duration, bool) {
	t.Helper()
	start := time.Now()
	var tk poolTicket
	require.NoError(t, l.awaitConn(ctx, "dstA", nil, &tk))
	return time.Since(start), tk.claimed
}

func TestPoolWaitsForAConnectionComingBackSoonerThanAHandshake(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := poolLimiter()
		c := &testConn{}
		var first poolTicket
		l.gotConn(&first, c, false) // back at about 600 ms
		time.Sleep(400 * time.Millisecond)
		go func() {
			time.Sleep(200 * time.Millisecond)
			l.connDone(&first, true, false)
		}()
		held, claimed := await(t, l, t.Context())
		assert.Equal(t, 200*time.Millisecond, held, "held until the connection came back")
		assert.True(t, claimed)
		var second poolTicket
		second.claimed = claimed
		l.pool.claims = 1
		l.gotConn(&second, c, true)
		assert.Zero(t, l.pool.claims, "GotConn settles the claim")
		assert.Same(t, &second, l.pool.conns[c].owner)
	})
}

func TestPoolWaitsNoLongerThanTheHandshake(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := poolLimiter()
		var first poolTicket
		l.gotConn(&first, &testConn{}, false) // expected back at 600 ms, but never comes
		time.Sleep(400 * time.Millisecond)
		held, claimed := await(t, l, t.Context())
		assert.Equal(t, 300*time.Millisecond, held, "a new connection is as soon by then")
		assert.False(t, claimed)
	})
}

func TestPoolGoesAtOnceWhenNothingComesBackInTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := poolLimiter()
		var first poolTicket
		l.gotConn(&first, &testConn{}, false) // back at 600 ms: more than a handshake away
		time.Sleep(100 * time.Millisecond)
		held, claimed := await(t, l, t.Context())
		assert.Zero(t, held)
		assert.False(t, claimed)

		// With nothing learned of the handshake, nothing waits either.
		fresh := NewWindowLimiter(5, time.Second)
		var tk poolTicket
		fresh.gotConn(&tk, &testConn{}, false)
		held, _ = await(t, fresh, t.Context())
		assert.Zero(t, held)
	})
}

func TestPoolIdleConnectionIsClaimedOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := poolLimiter()
		var a, b poolTicket
		l.gotConn(&a, &testConn{}, false)
		l.gotConn(&b, &testConn{}, false)
		time.Sleep(500 * time.Millisecond)
		l.connDone(&a, true, false) // one idle; b's is back at 600 ms
		held, claimed := await(t, l, t.Context())
		assert.Zero(t, held)
		assert.True(t, claimed)
		// The idle one is claimed: the next request waits for b's.
		held, claimed = await(t, l, t.Context())
		assert.Equal(t, 300*time.Millisecond, held, "b's never came back: held a handshake")
		assert.False(t, claimed)
	})
}

func TestPoolTheWaitersGoInTurn(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := poolLimiter()
		var a, b poolTicket
		l.gotConn(&a, &testConn{}, false)
		time.Sleep(10 * time.Millisecond)
		l.gotConn(&b, &testConn{}, false)
		time.Sleep(500 * time.Millisecond) // a back at 600 ms, b at 610 ms
		got := make(chan string, 2)
		for _, name := range []string{"first", "second"} {
			go func() {
				var tk poolTicket
				_ = l.awaitConn(t.Context(), "dstA", nil, &tk)
				got <- name
			}()
			synctest.Wait()
		}
		time.Sleep(100 * time.Millisecond)
		l.connDone(&a, true, false)
		assert.Equal(t, "first", <-got)
		synctest.Wait()
		assert.Empty(t, got, "one connection back: one waiter goes")
		time.Sleep(10 * time.Millisecond)
		l.connDone(&b, true, false)
		assert.Equal(t, "second", <-got)
	})
}

func TestPoolForgetsWhatNetHTTPShowsGone(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := poolLimiter()
		c1, c2 := &testConn{}, &testConn{}
		var a, b, c poolTicket
		l.gotConn(&a, c1, false)
		l.connDone(&a, true, false)
		assert.Equal(t, 1, l.pool.idle())

		// A new connection: net/http found none idle, so c1 is gone.
		l.gotConn(&b, c2, false)
		assert.Zero(t, l.pool.idle())
		_, known := l.pool.conns[c1]
		assert.False(t, known, "c1 forgotten")
		assert.Len(t, l.pool.conns, 1)

		// An answer not read whole (or a closing one) drops its connection.
		l.connDone(&b, false, false)
		assert.Empty(t, l.pool.conns)

		// A connection taken before the attempt that used it said so
		// belongs to the taker: the late connDone leaves it busy.
		l.gotConn(&a, c1, false)
		l.gotConn(&c, c1, true)
		l.connDone(&a, true, false)
		assert.Zero(t, l.pool.idle())
		l.connDone(&c, true, false)
		assert.Equal(t, 1, l.pool.idle())
	})
}

func TestPoolOffOverHTTP2(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := poolLimiter()
		c := &testConn{}
		var a, b poolTicket
		l.gotConn(&a, c, false)
		l.connDone(&a, true, true) // answered over HTTP/2
		l.gotConn(&b, c, true)
		time.Sleep(400 * time.Millisecond)
		held, claimed := await(t, l, t.Context())
		assert.Zero(t, held, "one shared connection: nothing to wait for")
		assert.False(t, claimed)
		assert.Empty(t, l.pool.conns)
	})
}

func TestPoolWaitNeverEndsTheAttempt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := poolLimiter()
		var a poolTicket
		l.gotConn(&a, &testConn{}, false)
		time.Sleep(400 * time.Millisecond)
		ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
		defer cancel()
		held, _ := await(t, l, ctx)
		assert.Zero(t, held, "a wait past the deadline is not taken")
	})
}
