package batch

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	errUnknown = errors.New("unknown")
	errFatal   = errors.New("fatal")
	errBad     = errors.New("bad")
)

func opts(size, inFlight int) Options {
	return Options{
		Size:     size,
		InFlight: inFlight,
		Unknown:  func(err error) bool { return errors.Is(err, errUnknown) },
		Stops:    func(err error) bool { return errors.Is(err, errFatal) || errors.Is(err, context.Canceled) },
	}
}

// double sends a chunk and answers each item doubled.
func double(ctx context.Context, items []int, admitted func()) ([]int, error) {
	admitted()
	out := make([]int, len(items))
	for i, v := range items {
		out[i] = 2 * v
	}
	return out, nil
}

func statuses[R any](r *Report[R]) []Status {
	var s []Status
	for _, c := range r.Chunks {
		s = append(s, c.Status)
	}
	return s
}

func TestRunAllApplied(t *testing.T) {
	t.Parallel()
	items := []int{1, 2, 3, 4, 5, 6, 7}
	rep := Run(t.Context(), items, opts(3, 2), double)
	assert.True(t, rep.OK())
	assert.Equal(t, []int{2, 4, 6, 8, 10, 12, 14}, rep.Results)
	require.Len(t, rep.Chunks, 3)
	assert.Equal(t, []int{6}, rep.Chunks[2].Inputs)
	assert.Equal(t, []int{14}, rep.Chunks[2].Results)

	empty := Run(t.Context(), []int{}, opts(3, 2), double)
	assert.True(t, empty.OK())
	assert.NotNil(t, empty.Results)
	assert.Empty(t, empty.Chunks)
}

// TestRunAdmitsInOrder: with many chunks in flight, each chunk's request
// is admitted only after the previous chunk's was, and never more than
// InFlight run at once.
func TestRunAdmitsInOrder(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		var order []int
		var inFlight, peak atomic.Int32
		items := make([]int, 40)
		for i := range items {
			items[i] = i
		}
		rep := Run(t.Context(), items, opts(2, 4), func(ctx context.Context, chunk []int, admitted func()) ([]int, error) {
			n := inFlight.Add(1)
			defer inFlight.Add(-1)
			for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
			}
			mu.Lock()
			order = append(order, chunk[0]/2)
			mu.Unlock()
			admitted()
			time.Sleep(time.Duration(20-chunk[0]/2) * time.Millisecond) // later chunks answer sooner
			return chunk, nil
		})
		assert.True(t, rep.OK())
		assert.Equal(t, items, rep.Results)
		for i, c := range order {
			assert.Equal(t, i, c)
		}
		assert.LessOrEqual(t, peak.Load(), int32(4))
		assert.Equal(t, int32(4), peak.Load())
	})
}

func TestRunStatuses(t *testing.T) {
	t.Parallel()
	items := []int{0, 1, 2, 3, 4, 5}
	rep := Run(t.Context(), items, opts(1, 1), func(ctx context.Context, chunk []int, admitted func()) ([]int, error) {
		switch chunk[0] {
		case 1:
			return nil, errBad
		case 2:
			return nil, errUnknown
		case 3:
			return nil, errFatal
		}
		return chunk, nil
	})
	assert.False(t, rep.OK())
	assert.Equal(t, []Status{Applied, Failed, Unknown, Failed, NotAttempted, NotAttempted}, statuses(rep))
	assert.Equal(t, []int{0, 0, 0, 0, 0, 0}, rep.Results)
	for _, c := range rep.Chunks[4:] {
		assert.ErrorIs(t, c.Err, errFatal, "the stopping failure is the cause")
		assert.False(t, c.ContextDone)
	}
}

func TestRunContextDone(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	var sent atomic.Int32
	rep := Run(ctx, []int{1, 2, 3}, opts(2, 2), func(ctx context.Context, chunk []int, admitted func()) ([]int, error) {
		sent.Add(1)
		return chunk, nil
	})
	assert.Equal(t, int32(0), sent.Load())
	assert.Equal(t, []Status{NotAttempted, NotAttempted}, statuses(rep))
	for _, c := range rep.Chunks {
		assert.True(t, c.ContextDone)
		assert.ErrorIs(t, c.Err, context.Canceled)
	}

	// Cancelled during the batch: the chunk in flight fails, the rest
	// were not sent because the context ended.
	ctx, cancel = context.WithCancel(t.Context())
	rep = Run(ctx, []int{1, 2, 3}, opts(1, 1), func(ctx context.Context, chunk []int, admitted func()) ([]int, error) {
		if chunk[0] == 2 {
			cancel()
			return nil, ctx.Err()
		}
		return chunk, nil
	})
	assert.Equal(t, []Status{Applied, Failed, NotAttempted}, statuses(rep))
	assert.True(t, rep.Chunks[2].ContextDone)
}

func TestRunPartial(t *testing.T) {
	t.Parallel()
	rep := Run(t.Context(), []int{10, 11, 12, 13}, opts(4, 1), func(ctx context.Context, chunk []int, admitted func()) ([]int, error) {
		return []int{10, 11, 0, 13}, &Partial{Applied: []int{0, 1, 3}, Err: errBad}
	})
	require.Len(t, rep.Chunks, 2)
	assert.Equal(t, Chunk[int]{Inputs: []int{0, 1, 3}, Status: Applied, Results: []int{10, 11, 13}}, rep.Chunks[0])
	assert.Equal(t, []int{2}, rep.Chunks[1].Inputs)
	assert.Equal(t, Failed, rep.Chunks[1].Status)
	assert.ErrorIs(t, rep.Chunks[1].Err, errBad)
	assert.Equal(t, []int{10, 11, 0, 13}, rep.Results)

	// A Partial that applied everything is plain success.
	rep = Run(t.Context(), []int{1, 2}, opts(2, 1), func(ctx context.Context, chunk []int, admitted func()) ([]int, error) {
		return chunk, &Partial{Applied: []int{0, 1}, Err: errBad}
	})
	assert.True(t, rep.OK())
}

func TestRunShortResults(t *testing.T) {
	t.Parallel()
	rep := Run(t.Context(), []int{1, 2, 3}, opts(3, 1), func(ctx context.Context, chunk []int, admitted func()) ([]int, error) {
		return nil, nil // e.g. a delete: no results
	})
	assert.True(t, rep.OK())
	assert.Equal(t, []int{0, 0, 0}, rep.Chunks[0].Results)
}

func TestMergeAndSort(t *testing.T) {
	t.Parallel()
	rep := &Report[string]{Results: make([]string, 5)}
	sub1 := &Report[string]{Results: []string{"b", "d"}, Chunks: []Chunk[string]{{Inputs: []int{0, 1}, Status: Applied, Results: []string{"b", "d"}}}}
	sub2 := &Report[string]{Results: []string{"", ""}, Chunks: []Chunk[string]{{Inputs: []int{0}, Status: Failed, Err: errBad}, {Inputs: []int{1}, Status: Unknown, Err: errUnknown}}}
	rep.Merge([]int{1, 3}, sub1)
	rep.Merge([]int{0, 4}, sub2)
	rep.Sort()
	assert.Equal(t, []string{"", "b", "", "d", ""}, rep.Results)
	require.Len(t, rep.Chunks, 3)
	assert.Equal(t, []int{0}, rep.Chunks[0].Inputs)
	assert.Equal(t, []int{1, 3}, rep.Chunks[1].Inputs)
	assert.Equal(t, []int{4}, rep.Chunks[2].Inputs)
	assert.True(t, rep.Has(Unknown))
	assert.False(t, rep.OK())
}

// TestRunContextEndsInTheLimiterQueue: with Admits, a chunk whose context
// ended before its request passed the limiter was not attempted; one that
// passed it and then failed did fail.
func TestRunContextEndsInTheLimiterQueue(t *testing.T) {
	t.Parallel()
	o := opts(1, 2)
	o.Admits = true
	ctx, cancel := context.WithCancel(t.Context())
	rep := Run(ctx, []int{0, 1}, o, func(ctx context.Context, chunk []int, admitted func()) ([]int, error) {
		if chunk[0] == 0 {
			admitted()
			cancel()
			return nil, ctx.Err()
		}
		<-ctx.Done() // waiting for the limiter
		return nil, ctx.Err()
	})
	require.Len(t, rep.Chunks, 2)
	assert.Equal(t, Failed, rep.Chunks[0].Status)
	assert.Equal(t, NotAttempted, rep.Chunks[1].Status)
	assert.True(t, rep.Chunks[1].ContextDone)
	assert.ErrorIs(t, rep.Chunks[1].Err, context.Canceled)
}
