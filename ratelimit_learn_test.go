package apitable_test

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apitable-go/apitable"
	"github.com/apitable-go/apitable/apitabletest"
)

// lockedBuffer is a log sink safe for the client's concurrent logging.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestLimiterAdoptsStatedLowerRate: a server configured with 2 requests
// per second answers 429 with "… is 2 queries per second (QPS)"; the client
// (configured for 5) adopts 2 for that datasheet after the first 429s,
// logs it once at warn, and is not throttled again.
func TestLimiterAdoptsStatedLowerRate(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		srv := apitabletest.NewServer(t, apitabletest.WithPathPrefix("/gateway"), apitabletest.WithRateLimit(2, time.Second))
		ds := tasksSheet(t, srv, 1)
		var logs lockedBuffer
		c := memClient(t, srv, srv.Transport(), apitable.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
		start := time.Now()
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				for range 10 {
					_, err := c.Records.List(t.Context(), ds.ID, nil)
					assert.NoError(t, err)
				}
			})
		}
		wg.Wait()
		elapsed := time.Since(start)
		reqs := srv.Requests()
		var throttled []time.Time
		for _, r := range reqs {
			if r.Status == 429 {
				throttled = append(throttled, r.Time)
			}
		}
		require.NotEmpty(t, throttled, "the configured 5/s must first hit the server's 2/s")
		assert.LessOrEqual(t, len(throttled), 3, "429s: %v", throttled)
		assert.Less(t, throttled[len(throttled)-1].Sub(start), 3*time.Second, "429s after the budget was learned")
		// 40 calls at 2 per second (paced at 98%) take about 20 s.
		assert.GreaterOrEqual(t, elapsed, 19*time.Second)
		assert.Less(t, elapsed, 25*time.Second)
		assert.Equal(t, 1, strings.Count(logs.String(), "rate limit lowered"), logs.String())
		assert.Contains(t, logs.String(), "level=WARN")
		assert.Contains(t, logs.String(), "requestsPerSecond=2")
	})
}

// TestLimiterNeverRaisesTheConfiguredRate: a 429 stating a higher rate
// than the configured one changes nothing but the pause.
func TestLimiterNeverRaisesTheConfiguredRate(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		srv := apitabletest.NewServer(t, apitabletest.WithPathPrefix("/gateway"), apitabletest.WithoutRateLimit())
		ds := tasksSheet(t, srv, 1)
		var logs lockedBuffer
		c := memClient(t, srv, srv.Transport(), apitable.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
		srv.InjectFault(apitabletest.Fault{Status: 429, Code: 429,
			Message: "The API request rate for the current space is 50 queries per second (QPS)."})
		start := time.Now()
		for range 11 {
			_, err := c.Records.List(t.Context(), ds.ID, nil)
			require.NoError(t, err)
		}
		// 12 requests at the configured 5 per second (98%): 11 intervals.
		assert.GreaterOrEqual(t, time.Since(start), 11*time.Second/5)
		assert.NotContains(t, logs.String(), "rate limit lowered")
	})
}

// TestLocalLimiterThrottled: the learned budget only goes down, is
// reported adopted once per lower rate, and a stated 429 pauses one
// interval where an unstated one pauses a window.
func TestLocalLimiterThrottled(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		l := apitable.NewLimiter(4.9, 1)
		ctx := t.Context()
		assert.False(t, l.Throttled(ctx, "k", 50), "higher than configured")
		assert.False(t, l.Throttled(ctx, "k", 5), "the configured budget itself")
		time.Sleep(2 * time.Second)
		assert.True(t, l.Throttled(ctx, "k", 2))
		assert.False(t, l.Throttled(ctx, "k", 2), "adopted once")
		assert.True(t, l.Throttled(ctx, "k", 1))

		// A first stated 429 on a fresh key pauses one interval.
		start := time.Now()
		require.NoError(t, l.Wait(ctx, "fresh"))
		l.Throttled(ctx, "fresh", 5)
		require.NoError(t, l.Wait(ctx, "fresh"))
		assert.Less(t, time.Since(start), 300*time.Millisecond)
		// A 429 stating no rate pauses the whole window.
		start = time.Now()
		l.Throttled(ctx, "other", 0)
		require.NoError(t, l.Wait(ctx, "other"))
		assert.GreaterOrEqual(t, time.Since(start), time.Second)
	})
}
