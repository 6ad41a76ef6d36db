package main

import (
	"context"
	"errors"

	"github.com/apitable-go/apitable"
)

// perWrite is the SDK's chunk size: records per write request.
const perWrite = 10

// defaultRate is the SDK's default request rate per datasheet.
const defaultRate = 5

// rowsPerCall is how many rows go into one SDK call: about two seconds of
// requests at the rate limit, and at least 4 chunks, so the SDK pipelines
// within a call. Progress moves once per call, from the call's results;
// between calls the pipeline drains, which costs about one round trip
// less the limiter's interval per call.
func rowsPerCall(rate float64) int {
	if rate <= 0 {
		rate = defaultRate
	}
	return perWrite * max(4, int(2*rate))
}

// nominalRate is the rows per second the rate limit allows: the progress
// estimate before any result came back.
func nominalRate(rate float64) float64 {
	if rate <= 0 {
		rate = defaultRate
	}
	return rate * perWrite
}

// writeOp is how rows are written.
type writeOp int

const (
	opCreate writeOp = iota // Records.Create
	opUpdate                // Records.Update by the rows' record ids
	opUpsert                // Records.Upsert by the -key fields
)

// chunkOutcome is what happened to some rows of one SDK call.
type chunkOutcome struct {
	rows   []int // indices into the call's rows
	status apitable.ChunkStatus
	err    error
}

// write writes one batch: rows with a record id as updates (unless -create
// or -key), the others as creates (upserts with -key), in calls of perCall
// rows, and sorts each row into applied, failed and unknown.
func (imp *importer) write(ctx context.Context, rows []inputRow) {
	if imp.dryRun {
		imp.applied += len(rows)
		imp.showProgress()
		return
	}
	var updates, creates []inputRow
	for _, r := range rows {
		if imp.updates(r) {
			updates = append(updates, r)
		} else {
			creates = append(creates, r)
		}
	}
	op := opCreate
	if len(imp.keys) > 0 {
		op = opUpsert
	}
	for _, part := range []struct {
		op   writeOp
		rows []inputRow
	}{{opUpdate, updates}, {op, creates}} {
		for len(part.rows) > 0 {
			n := min(len(part.rows), imp.perCall)
			imp.apply(ctx, part.op, part.rows[:n])
			part.rows = part.rows[n:]
		}
	}
}

// apply writes rows with one SDK call and settles each row. A chunk the
// server rejected as a whole with a definite answer (code 400: some row is
// bad) is split to find the bad rows, so the good ones are applied and only
// the bad ones are reported, each with its own error. A chunk whose outcome
// is unknown is never re-sent: it may have been applied. apply reports
// whether every row was applied.
func (imp *importer) apply(ctx context.Context, op writeOp, rows []inputRow) bool {
	all := true
	var split []rejectedChunk // settled after the others, so progress stays exact
	for _, ch := range imp.send(ctx, op, rows) {
		sub := make([]inputRow, len(ch.rows))
		for i, j := range ch.rows {
			sub[i] = rows[j]
		}
		switch {
		case ch.status == apitable.ChunkApplied:
			imp.applied += len(sub)
			if op == opUpdate {
				imp.updated += len(sub)
			}
		case ch.status == apitable.ChunkOutcomeUnknown:
			all = false
			for _, r := range sub {
				imp.unknown++
				imp.fail(r, statusUnknown, ch.err)
			}
		case len(sub) > 1 && imp.canIsolate(ctx, ch.err):
			all = false
			split = append(split, rejectedChunk{sub, ch.err})
		default:
			all = false
			imp.failRows(sub, ch.err)
		}
	}
	imp.showProgress()
	for _, rc := range split {
		if imp.canIsolate(ctx, rc.err) { // the budget may be spent by now
			imp.isolateBad(ctx, op, rc.rows)
		} else {
			imp.failRows(rc.rows, rc.err)
			imp.showProgress()
		}
	}
	return all
}

// rejectedChunk is rows the server rejected together, and its answer.
type rejectedChunk struct {
	rows []inputRow
	err  error
}

// failRows settles rows as definitely not applied, for cause.
func (imp *importer) failRows(rows []inputRow, cause error) {
	if len(rows) == 1 && rejectsRows(cause) {
		imp.rejected++
	}
	for _, r := range rows {
		imp.failed++
		imp.fail(r, statusFailed, cause)
	}
	if stopsRun(cause) && imp.fatal == nil {
		imp.fatal = cause
	}
}

// isolateBad splits rows rejected together in two halves and applies each.
// When the first half is applied, the fault is in the second: it is split
// again without being sent whole.
func (imp *importer) isolateBad(ctx context.Context, op writeOp, rows []inputRow) {
	imp.splits++
	half := len(rows) / 2
	left, right := rows[:half], rows[half:]
	if imp.apply(ctx, op, left) && len(right) > 1 && ctx.Err() == nil && imp.fatal == nil {
		imp.isolateBad(ctx, op, right)
		return
	}
	imp.apply(ctx, op, right)
}

// canIsolate reports whether a chunk that failed with err is split to find
// its bad rows: a definite rejection of the request's content, while the
// run goes on and the -isolate budget lasts.
func (imp *importer) canIsolate(ctx context.Context, err error) bool {
	return rejectsRows(err) && imp.rejected < imp.isolate && ctx.Err() == nil && imp.fatal == nil
}

// rejectsRows reports whether err is the server's definite rejection of a
// request's content (code 400 and the rest of the ErrInvalidRequest
// family): nothing of it was applied, and a subset without the bad rows may
// pass. Unknown outcomes, chunks never sent, and auth, permission, quota and
// rate errors are not.
func rejectsRows(err error) bool {
	var nae *apitable.NotAttemptedError
	var ae *apitable.APIError
	return err != nil && !errors.As(err, &nae) && !errors.Is(err, apitable.ErrOutcomeUnknown) &&
		errors.As(err, &ae) && errors.Is(err, apitable.ErrInvalidRequest)
}

// send writes rows with one SDK call and says what happened to each chunk.
func (imp *importer) send(ctx context.Context, op writeOp, rows []inputRow) []chunkOutcome {
	all := make([]int, len(rows))
	for i := range all {
		all[i] = i
	}
	if imp.fatal != nil {
		return []chunkOutcome{{rows: all, status: apitable.ChunkFailed, err: &apitable.NotAttemptedError{Cause: imp.fatal}}}
	}
	var err error
	switch op {
	case opUpdate:
		recs := make([]apitable.RecordUpdate, len(rows))
		for i, r := range rows {
			recs[i] = apitable.RecordUpdate{ID: r.recordID, Fields: r.fields}
		}
		_, err = imp.c.Records.Update(ctx, imp.dst, recs, nil)
	default:
		recs := make([]apitable.Fields, len(rows))
		for i, r := range rows {
			recs[i] = r.fields
		}
		if op == opUpsert {
			_, err = imp.c.Records.Upsert(ctx, imp.dst, recs, imp.keys, nil)
		} else {
			_, err = imp.c.Records.Create(ctx, imp.dst, recs, nil)
		}
	}
	var be *apitable.BatchError
	switch {
	case err == nil:
		return []chunkOutcome{{rows: all, status: apitable.ChunkApplied}}
	case errors.As(err, &be):
		return chunkOutcomes(be, len(rows))
	default:
		// Nothing was written: a validation error, or an Upsert lookup
		// that failed before any write.
		return []chunkOutcome{{rows: all, status: apitable.ChunkFailed, err: err}}
	}
}

// chunkOutcomes turns a BatchError's chunks into outcomes; inputs in no
// chunk count as applied.
func chunkOutcomes(be *apitable.BatchError, n int) []chunkOutcome {
	covered := make([]bool, n)
	var out []chunkOutcome
	for _, ch := range be.Chunks {
		var rows []int
		for _, i := range ch.Inputs {
			if i >= 0 && i < n && !covered[i] {
				covered[i] = true
				rows = append(rows, i)
			}
		}
		if len(rows) > 0 {
			out = append(out, chunkOutcome{rows: rows, status: ch.Status, err: ch.Err})
		}
	}
	var rest []int
	for i, c := range covered {
		if !c {
			rest = append(rest, i)
		}
	}
	if len(rest) > 0 {
		out = append(out, chunkOutcome{rows: rest, status: apitable.ChunkApplied})
	}
	return out
}

// stopsRun reports whether an error means later batches would fail too.
func stopsRun(err error) bool {
	var nae *apitable.NotAttemptedError
	if errors.As(err, &nae) {
		err = nae.Cause
	}
	for _, e := range []error{apitable.ErrUnauthorized, apitable.ErrForbidden, apitable.ErrDatasheetNotFound,
		apitable.ErrAPINotFound, apitable.ErrNodePermission, apitable.ErrRowLimitExceeded,
		context.Canceled, context.DeadlineExceeded} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}
