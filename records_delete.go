package apitable

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/apitable-go/apitable/internal/batch"
)

// Finishing a delete chunk after an ambiguous attempt. The server deletes
// a chunk all or nothing and rejects the whole chunk when one id does not
// exist (docs/server-behaviour.md §6.4). So when a retry is answered
// "record does not exist", either the earlier attempt deleted the chunk, or
// it did not and some id was missing from the start. A read of the chunk's
// ids tells which: if none remain, the chunk is done; if some remain, the
// earlier attempt did nothing, the ids that are gone were missing all
// along, and the remaining ones are deleted again.

// deleteChunk deletes ids. Its error is nil, the chunk's error, or a
// *batch.Partial naming the offsets deleted when some ids did not exist.
func (s *RecordsService) deleteChunk(ctx context.Context, datasheetID string, ids []string, admitted func()) error {
	live := batch.Span(0, len(ids)) // offsets still to delete
	var stale []int
	var notFound *APIError
	for range recoveryRounds {
		missing, err := s.deleteOnce(ctx, datasheetID, pick(ids, live), admitted)
		admitted = nil
		switch {
		case err != nil && len(stale) > 0:
			return fmt.Errorf("%w; and %w", err, staleIDs(ids, stale, notFound))
		case err != nil:
			return err
		case missing == nil:
			return deleted(ids, live, stale, notFound)
		}
		notFound = missing
		if len(live) == 1 {
			// The one id does not exist now, whoever deleted it: no read
			// can tell more.
			return deleted(ids, live, stale, notFound)
		}
		remain, err := s.remaining(ctx, datasheetID, pick(ids, live))
		if err != nil {
			return &outcomeUnknownError{cause: fmt.Errorf("apitable: %s: reading which records remain after an ambiguous attempt: %w", deleteName(datasheetID), err)}
		}
		if len(remain) == 0 {
			return deleted(ids, live, stale, notFound) // the earlier attempt deleted them
		}
		var next []int
		for _, k := range live {
			if remain[ids[k]] {
				next = append(next, k)
			} else {
				stale = append(stale, k)
			}
		}
		live = next
	}
	return &outcomeUnknownError{cause: fmt.Errorf("apitable: %s: records still present after %d rounds", deleteName(datasheetID), recoveryRounds)}
}

// deleteName is "DELETE <path>" of the datasheet's records, for errors.
func deleteName(datasheetID string) string {
	return (&call{route: routeDeleteRecords, ids: []string{datasheetID}}).name()
}

// deleteOnce sends one DELETE. missing is the server's "record does not
// exist" answer to a retry after an ambiguous attempt (err is nil then).
func (s *RecordsService) deleteOnce(ctx context.Context, datasheetID string, ids []string, admitted func()) (missing *APIError, err error) {
	cl := &call{route: routeDeleteRecords, ids: []string{datasheetID},
		query: url.Values{"recordIds": {strings.Join(ids, ",")}}.Encode(), admitted: admitted}
	err = s.c.do(ctx, cl, nil)
	// After an ambiguous attempt the write is outcome-unknown; a retry
	// answered "does not exist" is the case the caller resolves by reading.
	var ae *APIError
	if errors.Is(err, ErrOutcomeUnknown) && errors.As(err, &ae) && recordMissing(ae) {
		return ae, nil
	}
	return nil, err
}

// recordMissing reports the server's answer to a delete naming a record
// that does not exist (docs/server-behaviour.md §6.4).
func recordMissing(e *APIError) bool {
	return e.Code == 400 && strings.Contains(e.Message, "record specified by the recordId does not exist")
}

// remaining returns which of ids exist.
func (s *RecordsService) remaining(ctx context.Context, datasheetID string, ids []string) (map[string]bool, error) {
	page, err := s.page(ctx, datasheetID, &ListRecordsParams{RecordIDs: ids}, maxPageSize, 0, nil)
	if err != nil {
		return nil, err
	}
	remain := make(map[string]bool, len(page.Records))
	for _, r := range page.Records {
		remain[r.ID] = true
	}
	return remain, nil
}

// deleted reports the offsets in live as deleted and those in stale as
// never there.
func deleted(ids []string, live, stale []int, notFound *APIError) error {
	if len(stale) == 0 {
		return nil
	}
	return &batch.Partial{Applied: live, Err: staleIDs(ids, stale, notFound)}
}

func staleIDs(ids []string, stale []int, notFound *APIError) error {
	return fmt.Errorf("apitable: %s %s: not deleted, %s did not exist (%w): %w",
		notFound.Method, notFound.Path, strings.Join(pick(ids, stale), ", "), ErrRecordNotFound, notFound)
}

func pick(ids []string, offs []int) []string {
	out := make([]string, len(offs))
	for j, k := range offs {
		out[j] = ids[k]
	}
	return out
}
