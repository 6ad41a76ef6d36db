package apitable

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLimitKeyFollowsServer(t *testing.T) {
	t.Parallel()
	// server-behaviour.md §3: last segment starting with dst, else last starting with spc, else "user".
	cases := []struct {
		segs []string
		want string
	}{
		{[]string{"fusion", "v1", "datasheets", "dstA", "records"}, "dstA"},
		{[]string{"fusion", "v1", "spaces", "spcS", "datasheets", "dstB", "fields"}, "dstB"},
		{[]string{"fusion", "v1", "spaces", "spcS", "datasheets"}, "spcS"},
		{[]string{"fusion", "v1", "spaces", "spcS", "nodes"}, "spcS"},
		{[]string{"fusion", "v1", "spaces"}, "user"},
		{[]string{"fusion", "v1", "nodes", "fodX"}, "user"},
		{[]string{"fusion", "v1", "nodes", "dstC"}, "dstC"},
		// A datasheet id without the dst prefix is not recognised by the
		// server either: it falls back to the space or the user bucket.
		{[]string{"fusion", "v1", "datasheets", "custom1", "records"}, "user"},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, limitKey(tc.segs), "%v", tc.segs)
	}
}

func TestLimiterBurstOneSpacesRequests(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		l := NewLimiter(5, 1)
		start := time.Now()
		var times []time.Duration
		for range 6 {
			require.NoError(t, l.Wait(t.Context(), "dstA:h"))
			times = append(times, time.Since(start))
		}
		// Burst 1 at 5/s: one request every 200ms, so a fixed 1 s window
		// never sees more than 5.
		want := []time.Duration{0, 200 * time.Millisecond, 400 * time.Millisecond, 600 * time.Millisecond, 800 * time.Millisecond, time.Second}
		assert.Equal(t, want, times)
	})
}

func TestLimiterKeysAreIndependent(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		l := NewLimiter(5, 1)
		start := time.Now()
		for _, k := range []string{"dstA:h", "dstB:h", "spcS:h", "user:h", "dstA:other"} {
			require.NoError(t, l.Wait(t.Context(), k))
		}
		assert.Zero(t, time.Since(start), "first request of each key passes at once")
		require.NoError(t, l.Wait(t.Context(), "dstA:h"))
		assert.Equal(t, 200*time.Millisecond, time.Since(start))
	})
}

func TestLimiterPauseSlowsEveryCaller(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		l := NewLimiter(5, 1)
		require.NoError(t, l.Wait(t.Context(), "dstA:h"))
		start := time.Now()
		l.Pause(t.Context(), "dstA:h", time.Second)
		var wg sync.WaitGroup
		done := make([]time.Duration, 3)
		for i := range 3 {
			wg.Go(func() {
				assert.NoError(t, l.Wait(t.Context(), "dstA:h"))
				done[i] = time.Since(start)
			})
		}
		wg.Wait()
		for _, d := range done {
			assert.GreaterOrEqual(t, d, time.Second, "no caller passes during the pause")
		}
		// Another key is not paused.
		before := time.Now()
		require.NoError(t, l.Wait(t.Context(), "dstB:h"))
		assert.Zero(t, time.Since(before))
	})
}

func TestLimiterHonoursContext(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		l := NewLimiter(5, 1)
		require.NoError(t, l.Wait(t.Context(), "k"))
		ctx, cancel := context.WithCancel(t.Context())
		errc := make(chan error)
		go func() { errc <- l.Wait(ctx, "k") }()
		synctest.Wait()
		cancel()
		assert.ErrorIs(t, <-errc, context.Canceled)

		l.Pause(t.Context(), "k", 10*time.Second)
		ctx2, cancel2 := context.WithTimeout(t.Context(), time.Second)
		defer cancel2()
		start := time.Now()
		assert.ErrorIs(t, l.Wait(ctx2, "k"), context.DeadlineExceeded)
		assert.Equal(t, time.Second, time.Since(start))
	})
}

func TestLimiterEvictsIdleKeys(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		l := NewLimiter(5, 1)
		for i := range 5000 {
			require.NoError(t, l.Wait(t.Context(), fmt.Sprintf("dst%d:h", i)))
		}
		// All 5000 buckets are still within their 200ms refill: none can go.
		assert.Equal(t, 5000, l.Len())
		time.Sleep(time.Second)
		// Once idle, a bucket equals a new one and is dropped on the next
		// sweep, which the next new key triggers when the map is full.
		for i := range l.sweepAt - l.Len() + 1 {
			require.NoError(t, l.Wait(t.Context(), fmt.Sprintf("new%d:h", i)))
		}
		assert.Less(t, l.Len(), 5000)
		// A paused bucket is kept even when idle.
		l.Pause(t.Context(), "paused:h", time.Hour)
		time.Sleep(time.Second)
		l.mu.Lock()
		l.sweep(time.Now())
		_, kept := l.buckets["paused:h"]
		l.mu.Unlock()
		assert.True(t, kept)
	})
}

func TestLimiterManyKeysStayBounded(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		l := NewLimiter(5, 1)
		peak := 0
		for i := range 200_000 {
			require.NoError(t, l.Wait(t.Context(), fmt.Sprintf("dst%d:h", i)))
			if i%1000 == 999 {
				time.Sleep(250 * time.Millisecond) // keys go idle as time passes
			}
			peak = max(peak, l.Len())
		}
		assert.LessOrEqual(t, peak, 4*minSweep, "buckets are bounded by recently used keys")
	})
}

func TestLimiterDeadlineTooShortIsDeadlineError(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		l := NewLimiter(0.1, 1) // one request per 10s
		require.NoError(t, l.Wait(t.Context(), "k"))
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		err := l.Wait(ctx, "k")
		assert.True(t, errors.Is(err, context.DeadlineExceeded), "%v", err)
	})
}
