package apitable

import (
	"context"
	"errors"
	"strings"

	"github.com/apitable-go/apitable/internal/batch"
)

// The root's side of the batch engine (internal/batch): the one rule for
// which errors stop a batch, and the translation of the engine's report
// into ChunkResults and a *BatchError.

// batchOptions are the engine settings of a bulk write of chunks of size
// whose requests report their admission by the limiter (call.admitted).
func (c *Client) batchOptions(size int) batch.Options {
	return batch.Options{
		Size:     size,
		InFlight: c.maxInFlight,
		Unknown:  func(err error) bool { return errors.Is(err, ErrOutcomeUnknown) },
		Stops:    stopsBatch,
		Admits:   true,
	}
}

// stopsBatch reports whether a chunk's failure means the remaining chunks
// would fail the same way, so they are not sent. It is the one rule for
// every batch: Records.Create, Update, Delete, Upsert, KeyFields recovery
// and Attachments.UploadMany. A done context stops a batch too (the engine
// checks it before each chunk).
func stopsBatch(err error) bool {
	// ErrRateLimited is not here: each chunk backs off on its own, and a
	// window that refused one chunk may admit the next.
	for _, e := range []error{ErrUnauthorized, ErrForbidden, ErrDatasheetNotFound, ErrAPINotFound,
		ErrNodePermission, ErrRowLimitExceeded, context.Canceled, context.DeadlineExceeded} {
		if errors.Is(err, e) {
			return true
		}
	}
	// 426 is also a storage failure of one file; only a full space repeats.
	var ae *APIError
	return errors.As(err, &ae) && ae.Code == 426 && strings.Contains(ae.Message, "capacity")
}

// checkCtx rejects a nil context at a bulk entry point.
func checkCtx(ctx context.Context) error {
	if ctx == nil {
		return invalid("ctx", "nil context")
	}
	return nil
}

// batchError returns nil when every chunk of rep was applied, else the
// *BatchError that reports each chunk.
func batchError[R any](op, datasheetID string, rep *batch.Report[R], records func(batch.Chunk[R]) []Record) error {
	if rep.OK() {
		return nil
	}
	return &BatchError{Op: op, DatasheetID: datasheetID, Chunks: chunkResults(rep, records)}
}

func recordsOf(c batch.Chunk[Record]) []Record { return c.Results }

// chunkResults translates the engine's chunks. A chunk not attempted is
// reported ChunkFailed (it is definitely not applied) with a
// *NotAttemptedError that says why.
func chunkResults[R any](rep *batch.Report[R], records func(batch.Chunk[R]) []Record) []ChunkResult {
	out := make([]ChunkResult, len(rep.Chunks))
	for i, c := range rep.Chunks {
		cr := ChunkResult{Index: i, Inputs: c.Inputs, Err: c.Err}
		if n := len(c.Inputs); n > 0 && c.Inputs[n-1]-c.Inputs[0] == n-1 {
			cr.Start, cr.End = c.Inputs[0], c.Inputs[n-1]+1
		}
		switch c.Status {
		case batch.Applied:
			cr.Status = ChunkApplied
			if records != nil {
				cr.Records = records(c)
			}
		case batch.Unknown:
			cr.Status = ChunkOutcomeUnknown
		case batch.NotAttempted:
			cr.Status = ChunkFailed
			cr.Err = &NotAttemptedError{Cause: c.Err, ContextDone: c.ContextDone}
		default:
			cr.Status = ChunkFailed
		}
		out[i] = cr
	}
	return out
}
