package apitable_test

import (
	"context"
	"net/http"
	"net/http/httptrace"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apitable-go/apitable"
	"github.com/apitable-go/apitable/apitabletest"
)

// anyLimiter is a caller's own Limiter: no pacing, no arrival plan.
type anyLimiter struct{}

func (anyLimiter) Wait(context.Context, string) error { return nil }

// connLog records whether each request went on a new connection.
type connLog struct {
	base http.RoundTripper
	mu   sync.Mutex
	new  []bool
}

func (c *connLog) RoundTrip(r *http.Request) (*http.Response, error) {
	ctx := httptrace.WithClientTrace(r.Context(), &httptrace.ClientTrace{GotConn: func(i httptrace.GotConnInfo) {
		c.mu.Lock()
		c.new = append(c.new, !i.Reused)
		c.mu.Unlock()
	}})
	return c.base.RoundTrip(r.WithContext(ctx))
}

// TestClientWaitsForAConnectionComingBack: behind a proxy that pays the
// handshake after the request is written, a request that finds every
// connection busy waits for one coming back sooner than a handshake
// instead of opening another (ratelimit_pool.go). The client watches its
// own pool, so this holds whatever the Limiter (redislimit's, a caller's).
func TestClientWaitsForAConnectionComingBack(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		srv := apitabletest.NewServer(t, apitabletest.WithPathPrefix("/gateway"),
			apitabletest.WithNetwork(apitabletest.NetworkProfile{Latency: 300 * time.Millisecond, ConnSetup: 300 * time.Millisecond}))
		ds := tasksSheet(t, srv, 3)
		log := &connLog{base: srv.Transport()}
		c := memClient(t, srv, log, apitable.WithLimiter(anyLimiter{}))
		ctx := t.Context()
		list := func() {
			_, err := c.Records.List(ctx, ds.ID, nil)
			require.NoError(t, err)
		}
		list() // a new connection: 600 ms
		list() // reused: 300 ms, so a handshake costs 300 ms
		var wg sync.WaitGroup
		wg.Go(list)
		time.Sleep(100 * time.Millisecond) // its connection is back in 200 ms
		start := time.Now()
		list()
		assert.Equal(t, 500*time.Millisecond, time.Since(start), "200 ms waiting for the connection, then its round trip")
		wg.Wait()
		assert.Equal(t, []bool{true, false, false, false}, log.new, "one connection for all four requests")
		assert.Len(t, srv.Requests(), 4)
	})
}
