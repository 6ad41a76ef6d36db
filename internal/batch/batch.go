// Package batch is the client's one batch engine: it splits a bulk write
// into chunks of the per-request limit, sends them with a bounded number in
// flight while admitting them to the rate limiter in input order, and
// reports every input's fate per chunk: applied, failed, outcome unknown or
// not attempted. It knows nothing of the API: the caller sends a chunk and
// classifies its errors.
package batch

import (
	"context"
	"errors"
	"slices"
	"sync/atomic"

	"github.com/apitable-go/apitable/internal/pipeline"
)

// Status is what happened to a chunk.
type Status int

const (
	// Applied means the server applied the chunk.
	Applied Status = iota
	// Failed means the chunk was definitely not applied.
	Failed
	// Unknown means the chunk was sent and no definite answer came back.
	Unknown
	// NotAttempted means the chunk was never sent (the context ended, or an
	// earlier chunk's failure stopped the batch).
	NotAttempted
)

// Chunk reports the inputs of one request (or, after a split or a merge,
// a subset of them).
type Chunk[R any] struct {
	// Inputs are the indices of the chunk's inputs, ascending.
	Inputs []int
	Status Status
	// Results holds one result per input for an Applied chunk.
	Results []R
	// Err is the cause of a chunk that is not Applied.
	Err error
	// ContextDone is set on a NotAttempted chunk that was not sent because
	// the context ended (Err is then the context's error).
	ContextDone bool
}

// Report is the outcome of a batch.
type Report[R any] struct {
	// Results has one entry per input, in input order; the zero R where
	// the input's chunk was not applied.
	Results []R
	// Chunks lists every input exactly once, ordered by first input.
	Chunks []Chunk[R]
}

// OK reports whether every chunk was applied.
func (r *Report[R]) OK() bool {
	return !slices.ContainsFunc(r.Chunks, func(c Chunk[R]) bool { return c.Status != Applied })
}

// Has reports whether some chunk has status s.
func (r *Report[R]) Has(s Status) bool {
	return slices.ContainsFunc(r.Chunks, func(c Chunk[R]) bool { return c.Status == s })
}

// Merge folds sub, a report over the inputs idx[0], idx[1], … of r, into
// r: sub's chunks are renumbered to r's inputs and its applied results
// copied into r.Results. Call Sort afterwards.
func (r *Report[R]) Merge(idx []int, sub *Report[R]) {
	for _, c := range sub.Chunks {
		mapped := make([]int, len(c.Inputs))
		for j, k := range c.Inputs {
			mapped[j] = idx[k]
			if c.Status == Applied {
				r.Results[idx[k]] = sub.Results[k]
			}
		}
		c.Inputs = mapped
		r.Chunks = append(r.Chunks, c)
	}
}

// Sort orders the chunks by their first input.
func (r *Report[R]) Sort() {
	slices.SortStableFunc(r.Chunks, func(a, b Chunk[R]) int { return first(a.Inputs) - first(b.Inputs) })
}

func first(in []int) int {
	if len(in) == 0 {
		return 0
	}
	return in[0]
}

// Partial is returned by a Send function when only some of a chunk's
// inputs were applied (e.g. a delete finished by hand after an ambiguous
// attempt). Applied holds their offsets in the chunk, and Send's results
// hold their results at those offsets; Err is the cause for the others,
// classified as usual.
type Partial struct {
	Applied []int
	Err     error
}

func (p *Partial) Error() string { return p.Err.Error() }

// Unwrap returns the cause for the inputs not applied.
func (p *Partial) Unwrap() error { return p.Err }

// Send sends one chunk and returns one result per item (or nil results,
// read as zero values). It must call admitted once its request has passed
// the rate limiter, so that the next chunk may queue there; the engine
// calls it too when Send returns.
type Send[I, R any] func(ctx context.Context, items []I, admitted func()) ([]R, error)

// Options tune a batch.
type Options struct {
	// Size is the number of items per chunk (at least 1).
	Size int
	// InFlight bounds the chunks in flight (at least 1).
	InFlight int
	// Unknown reports whether a chunk's error leaves its outcome unknown
	// (otherwise the chunk failed).
	Unknown func(error) bool
	// Stops reports whether a chunk's failure would repeat for every later
	// chunk, so the batch stops. A done context always stops it.
	Stops func(error) bool
	// Admits says that Send calls admitted exactly when its request passes
	// the rate limiter, before anything is sent: a chunk whose context
	// ended before that is reported NotAttempted rather than Failed.
	Admits bool
}

// errTurn marks a chunk whose context ended while it waited for its turn.
type errTurn struct{ err error }

func (e errTurn) Error() string { return e.err.Error() }
func (e errTurn) Unwrap() error { return e.err }

// Run sends items in chunks and reports each chunk. It returns when every
// chunk it started has ended.
func Run[I, R any](ctx context.Context, items []I, o Options, send Send[I, R]) *Report[R] {
	rep := &Report[R]{Results: make([]R, len(items))}
	if len(items) == 0 {
		return rep
	}
	size := max(o.Size, 1)
	n := (len(items) + size - 1) / size
	bounds := func(i int) (int, int) { return i * size, min((i+1)*size, len(items)) }
	settled := make([]bool, n)
	var turns pipeline.Turns
	var stop error
	pipeline.Ordered(ctx, max(o.InFlight, 1),
		func(i int) bool { return i < n && stop == nil },
		func(ctx context.Context, i int) ([]R, error) {
			// Chunk i+1 queues for the limiter only after chunk i's first
			// attempt passed it, so chunks reach the server in input order.
			defer turns.Done(i)
			if err := turns.Wait(ctx, i); err != nil {
				return nil, errTurn{err}
			}
			lo, hi := bounds(i)
			var passed atomic.Bool
			res, err := send(ctx, items[lo:hi], func() { passed.Store(true); turns.Done(i) })
			if err != nil && o.Admits && !passed.Load() && isContextErr(ctx, err) && (o.Unknown == nil || !o.Unknown(err)) {
				return nil, errTurn{err} // the context ended (or would have) in the limiter's queue
			}
			return res, err
		},
		func(i int, res []R, err error) bool {
			settled[i] = true
			lo, hi := bounds(i)
			if stops := rep.settle(lo, hi, res, err, o); stops && stop == nil {
				stop = err
			}
			return true
		})
	rep.notAttempted(ctx, n, bounds, settled, stop)
	rep.Sort()
	return rep
}

// settle records chunk [lo, hi) and reports whether its failure stops the
// batch.
func (r *Report[R]) settle(lo, hi int, res []R, err error, o Options) bool {
	inputs := span(lo, hi)
	if err == nil {
		copy(r.Results[lo:hi], res)
		r.Chunks = append(r.Chunks, Chunk[R]{Inputs: inputs, Status: Applied, Results: pad(res, hi-lo)})
		return false
	}
	var turn errTurn
	if errors.As(err, &turn) {
		r.Chunks = append(r.Chunks, Chunk[R]{Inputs: inputs, Status: NotAttempted, Err: turn.err, ContextDone: true})
		return true
	}
	var p *Partial
	if errors.As(err, &p) {
		res = pad(res, hi-lo)
		done := make(map[int]bool, len(p.Applied))
		var applied []int
		var got []R
		for _, k := range p.Applied {
			done[k] = true
			applied = append(applied, lo+k)
			got = append(got, res[k])
			r.Results[lo+k] = res[k]
		}
		if len(applied) > 0 {
			r.Chunks = append(r.Chunks, Chunk[R]{Inputs: applied, Status: Applied, Results: got})
		}
		inputs = slices.DeleteFunc(inputs, func(i int) bool { return done[i-lo] })
		err = p.Err
		if len(inputs) == 0 {
			return false
		}
	}
	if o.Unknown != nil && o.Unknown(err) {
		r.Chunks = append(r.Chunks, Chunk[R]{Inputs: inputs, Status: Unknown, Err: err})
		return false
	}
	r.Chunks = append(r.Chunks, Chunk[R]{Inputs: inputs, Status: Failed, Err: err})
	return o.Stops != nil && o.Stops(err)
}

// notAttempted reports the chunks never launched: the context ended, or
// stop (an earlier chunk's failure) halted the batch.
func (r *Report[R]) notAttempted(ctx context.Context, n int, bounds func(int) (int, int), settled []bool, stop error) {
	var turn errTurn
	ctxDone := errors.As(stop, &turn) || (ctx.Err() != nil && (stop == nil || isContextErr(context.Background(), stop)))
	cause := stop
	switch {
	case ctx.Err() != nil && ctxDone:
		cause = ctx.Err()
	case ctxDone:
		cause = turn.err
	}
	for i := range n {
		if settled[i] {
			continue
		}
		lo, hi := bounds(i)
		r.Chunks = append(r.Chunks, Chunk[R]{Inputs: span(lo, hi), Status: NotAttempted, Err: cause, ContextDone: ctxDone})
	}
}

// isContextErr reports whether err comes from ctx ending (or a wait
// refused because it would outlast ctx's deadline).
func isContextErr(ctx context.Context, err error) bool {
	return ctx.Err() != nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

func pad[R any](res []R, n int) []R {
	if len(res) >= n {
		return res[:n]
	}
	out := make([]R, n)
	copy(out, res)
	return out
}

// Span returns lo, lo+1, …, hi-1.
func Span(lo, hi int) []int { return span(lo, hi) }

func span(lo, hi int) []int {
	s := make([]int, hi-lo)
	for i := range s {
		s[i] = lo + i
	}
	return s
}
