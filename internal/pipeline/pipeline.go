// Package pipeline runs numbered jobs concurrently with a bounded window and
// hands their results back in order. It is the one place where the client's
// bulk operations (paged reads, chunked writes) get their concurrency.
package pipeline

import (
	"context"
	"sync"
)

// Ordered runs fetch(ctx, i) for i = 0, 1, 2, … while more(i) says so, with
// at most window calls in flight, and calls deliver(i, v, err) for each in
// index order from the calling goroutine. Nothing new is launched once ctx
// is done. more is consulted from the calling
// goroutine too, so it may read state that deliver updates. Ordered stops
// launching when more returns false or deliver returns false; after a false
// from deliver it cancels the calls in flight. It returns only when every
// goroutine it started has ended, and never leaves one behind.
func Ordered[T any](ctx context.Context, window int,
	more func(i int) bool,
	fetch func(ctx context.Context, i int) (T, error),
	deliver func(i int, v T, err error) bool,
) {
	if window < 1 {
		window = 1
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() {
		cancel() // first stop the calls in flight, then wait for them
		wg.Wait()
	}()

	type result struct {
		v   T
		err error
	}
	pending := make([]chan result, 0, window)
	next := 0
	launch := func() {
		ch := make(chan result, 1)
		pending = append(pending, ch)
		i := next
		next++
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, err := fetch(ctx, i)
			ch <- result{v, err}
		}()
	}
	for delivered := 0; ; delivered++ {
		for len(pending) < window && ctx.Err() == nil && more(next) {
			launch()
		}
		if len(pending) == 0 {
			return
		}
		r := <-pending[0]
		pending = pending[1:]
		if !deliver(delivered, r.v, r.err) {
			return
		}
	}
}

// Turns lets numbered jobs pass a gate in index order: Wait(ctx, i) returns
// once every job before i has called Done. The client uses it so that the
// requests of a bulk call reach the rate limiter, and so the server, in
// input order even with several in flight. The zero Turns is ready to use.
type Turns struct {
	mu   sync.Mutex
	next int                   // the index whose turn it is
	done map[int]bool          // indices done before their turn came
	wait map[int]chan struct{} // closed when that index's turn comes
}

// Wait blocks until it is job i's turn or ctx is done.
func (t *Turns) Wait(ctx context.Context, i int) error {
	t.mu.Lock()
	if i <= t.next {
		t.mu.Unlock()
		return nil
	}
	if t.wait == nil {
		t.wait = make(map[int]chan struct{})
	}
	ch, ok := t.wait[i]
	if !ok {
		ch = make(chan struct{})
		t.wait[i] = ch
	}
	t.mu.Unlock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Done ends job i's turn (or records that job i needs none). Calling it
// again is harmless.
func (t *Turns) Done(i int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if i < t.next {
		return
	}
	if t.done == nil {
		t.done = make(map[int]bool)
	}
	t.done[i] = true
	for t.done[t.next] {
		delete(t.done, t.next)
		t.next++
	}
	if ch, ok := t.wait[t.next]; ok {
		close(ch)
		delete(t.wait, t.next)
	}
}
