package apitable_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apitable-go/apitable"
	"github.com/apitable-go/apitable/apitabletest"
)

// TestDeleteAfterAmbiguousAttemptWithStaleID: issue 12 item 3. The first
// attempt answers 503 (nothing deleted); the retry is refused because one
// id of the chunk does not exist. Delete must find the 3 live records,
// delete them, and report exactly the stale id.
func TestDeleteAfterAmbiguousAttemptWithStaleID(t *testing.T) {
	t.Parallel()
	srv := apitabletest.NewServer(t, apitabletest.WithoutRateLimit())
	ds := tasksSheet(t, srv, 3)
	c := srv.Client(apitable.WithRateLimit(1000), apitable.WithRetry(3, time.Millisecond, 10*time.Millisecond))
	stale := "recStale000000"
	in := []string{ds.RecordIDs[0], ds.RecordIDs[1], stale, ds.RecordIDs[2]}
	srv.InjectFault(apitabletest.Fault{Method: "DELETE", Status: 503})

	err := c.Records.Delete(t.Context(), ds.ID, in)
	assert.Empty(t, srv.Records(ds.ID), "the 3 real records are gone")
	var be *apitable.BatchError
	require.ErrorAs(t, err, &be)
	assert.Equal(t, "delete", be.Op)
	assert.Equal(t, []int{2}, be.Indices(apitable.ChunkFailed), "the stale id is reported")
	assert.Equal(t, []int{0, 1, 3}, be.Indices(apitable.ChunkApplied))
	assert.Empty(t, be.Indices(apitable.ChunkOutcomeUnknown))
	require.ErrorIs(t, err, apitable.ErrRecordNotFound)
	require.ErrorIs(t, err, apitable.ErrInvalidRequest)
	assert.Contains(t, err.Error(), stale)
}

// TestDeleteAfterAmbiguousAttemptUnreadable: when the read that would tell
// which ids remain fails, the chunk's outcome is unknown, not done.
func TestDeleteAfterAmbiguousAttemptUnreadable(t *testing.T) {
	t.Parallel()
	srv := apitabletest.NewServer(t, apitabletest.WithoutRateLimit())
	ds := tasksSheet(t, srv, 3)
	c := srv.Client(apitable.WithRateLimit(1000), apitable.WithRetry(3, time.Millisecond, 10*time.Millisecond))
	srv.InjectFault(apitabletest.Fault{Method: "DELETE", Status: 503})
	srv.InjectFault(apitabletest.Fault{Method: "GET", Status: 403, Message: "forbidden"})
	err := c.Records.Delete(t.Context(), ds.ID, append([]string{"recStale000000"}, ds.RecordIDs...))
	var be *apitable.BatchError
	require.ErrorAs(t, err, &be)
	assert.Equal(t, []int{0, 1, 2, 3}, be.Indices(apitable.ChunkOutcomeUnknown))
	require.ErrorIs(t, err, apitable.ErrOutcomeUnknown)
	assert.Len(t, srv.Records(ds.ID), 3, "nothing deleted")
}

// TestDeleteAfterAmbiguousAttemptApplied: the first attempt deleted the
// chunk but its answer was lost; the retry finds nothing. Nothing remains,
// so the chunk is done.
func TestDeleteAfterAmbiguousAttemptApplied(t *testing.T) {
	t.Parallel()
	srv := apitabletest.NewServer(t, apitabletest.WithoutRateLimit())
	ds := tasksSheet(t, srv, 4)
	c := srv.Client(apitable.WithRateLimit(1000), apitable.WithRetry(3, time.Millisecond, 10*time.Millisecond))
	srv.InjectFault(apitabletest.Fault{Method: "DELETE", Drop: apitabletest.DropAfterHandling})
	require.NoError(t, c.Records.Delete(t.Context(), ds.ID, ds.RecordIDs))
	assert.Empty(t, srv.Records(ds.ID))
}

// shortAnswerServer answers every write with one record, whatever was sent.
func shortAnswerServer(t *testing.T) *apitable.Client {
	t.Helper()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		status := http.StatusOK
		if r.Method == http.MethodPost {
			status = http.StatusCreated
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, `{"code":200,"success":true,"message":"SUCCESS","data":{"records":[{"recordId":"recAAAAAAAAAAA","fields":{"Title":"a"}}]}}`)
	}))
	t.Cleanup(ts.Close)
	c, err := apitable.New("tok", apitable.WithBaseURL(ts.URL), apitable.WithRateLimit(1000))
	require.NoError(t, err)
	return c
}

// TestShortWriteAnswerIsOutcomeUnknown: issue 12 item 4. A 2xx answer with
// fewer records than sent (create) or lacking a sent record (update) is an
// error with the chunk's outcome unknown, and no result is made up.
func TestShortWriteAnswerIsOutcomeUnknown(t *testing.T) {
	t.Parallel()
	c := shortAnswerServer(t)
	out, err := c.Records.Create(t.Context(), "dstAAAAAAAAAAAAAAA", []apitable.Fields{{"Title": "a"}, {"Title": "b"}}, nil)
	var be *apitable.BatchError
	require.ErrorAs(t, err, &be)
	assert.Equal(t, []int{0, 1}, be.Indices(apitable.ChunkOutcomeUnknown))
	require.ErrorIs(t, err, apitable.ErrOutcomeUnknown)
	assert.Contains(t, err.Error(), "1 records for 2 sent")
	require.Len(t, out, 2)
	assert.Empty(t, out[0].ID)
	assert.Empty(t, out[1].ID)

	out, err = c.Records.Update(t.Context(), "dstAAAAAAAAAAAAAAA", []apitable.RecordUpdate{
		{ID: "recAAAAAAAAAAA", Fields: apitable.Fields{"Title": "a"}},
		{ID: "recBBBBBBBBBBB", Fields: apitable.Fields{"Title": "b"}},
	}, nil)
	require.ErrorAs(t, err, &be)
	assert.Equal(t, "update", be.Op)
	assert.Equal(t, []int{0, 1}, be.Indices(apitable.ChunkOutcomeUnknown))
	assert.Contains(t, err.Error(), "lacks record recBBBBBBBBBBB")
	assert.Empty(t, out[0].ID)
}

// TestCancelledContextSaysSo: issue 14 item 6. Chunks not sent because the
// context ended say so, for a single chunk too.
func TestCancelledContextSaysSo(t *testing.T) {
	t.Parallel()
	srv := apitabletest.NewServer(t, apitabletest.WithoutRateLimit())
	ds := tasksSheet(t, srv, 0)
	c := srv.Client()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	for _, n := range []int{1, 25} {
		in := make([]apitable.Fields, n)
		for i := range in {
			in[i] = apitable.Fields{"Title": fmt.Sprint(i)}
		}
		_, err := c.Records.Create(ctx, ds.ID, in, nil)
		var be *apitable.BatchError
		require.ErrorAs(t, err, &be, "%d records", n)
		require.ErrorIs(t, err, context.Canceled)
		assert.Len(t, be.Indices(apitable.ChunkFailed), n)
		for _, ch := range be.Chunks {
			var na *apitable.NotAttemptedError
			require.ErrorAs(t, ch.Err, &na)
			assert.True(t, na.ContextDone)
			assert.Contains(t, ch.Err.Error(), "not sent, the context ended: context canceled")
			assert.NotContains(t, ch.Err.Error(), "earlier chunk")
		}
	}
	assert.Empty(t, srv.Requests())
}

// TestNilContextIsAValidationError: every bulk entry point rejects a nil
// context instead of panicking.
func TestNilContextIsAValidationError(t *testing.T) {
	t.Parallel()
	srv := apitabletest.NewServer(t, apitabletest.WithoutRateLimit())
	ds := tasksSheet(t, srv, 1)
	c := srv.Client()
	var nilCtx context.Context // nil: the point of the test
	_, err := c.Records.Create(nilCtx, ds.ID, []apitable.Fields{{"Title": "a"}}, nil)
	require.ErrorIs(t, err, apitable.ErrInvalidRequest)
	_, err = c.Records.Create(nilCtx, ds.ID, []apitable.Fields{{"Title": "a"}}, &apitable.CreateRecordsParams{KeyFields: []string{"Title"}})
	require.ErrorIs(t, err, apitable.ErrInvalidRequest)
	_, err = c.Records.Update(nilCtx, ds.ID, []apitable.RecordUpdate{{ID: ds.RecordIDs[0], Fields: apitable.Fields{"Title": "b"}}}, nil)
	require.ErrorIs(t, err, apitable.ErrInvalidRequest)
	require.ErrorIs(t, c.Records.Delete(nilCtx, ds.ID, ds.RecordIDs), apitable.ErrInvalidRequest)
	_, err = c.Records.Upsert(nilCtx, ds.ID, []apitable.Fields{{"Title": "a"}}, []string{"Title"}, nil)
	require.ErrorIs(t, err, apitable.ErrInvalidRequest)
	_, err = c.Attachments.UploadMany(nilCtx, ds.ID, []apitable.UploadFile{{Name: "a", Reader: strings.NewReader("x")}})
	require.ErrorIs(t, err, apitable.ErrInvalidRequest)
	for _, err := range c.Records.All(nilCtx, ds.ID, nil) {
		require.ErrorIs(t, err, apitable.ErrInvalidRequest)
	}
	assert.Empty(t, srv.Requests())
}

// TestCancelledMidBatchSaysSo: chunks queued for the limiter when the
// context ends were not sent because of it, and say so; the chunk already
// answered stays applied.
func TestCancelledMidBatchSaysSo(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		srv := apitabletest.NewServer(t, apitabletest.WithRateLimit(5, time.Second), apitabletest.WithPathPrefix("/gateway"))
		ds := tasksSheet(t, srv, 0)
		c := memClient(t, srv, srv.Transport()) // paced at the server's 5 req/s
		ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
		defer cancel()
		in := make([]apitable.Fields, 30)
		for i := range in {
			in[i] = apitable.Fields{"Title": fmt.Sprint(i)}
		}
		_, err := c.Records.Create(ctx, ds.ID, in, nil)
		var be *apitable.BatchError
		require.ErrorAs(t, err, &be)
		require.Len(t, be.Chunks, 3)
		assert.Equal(t, apitable.ChunkApplied, be.Chunks[0].Status)
		for _, ch := range be.Chunks[1:] {
			assert.Equal(t, apitable.ChunkFailed, ch.Status)
			var na *apitable.NotAttemptedError
			require.ErrorAs(t, ch.Err, &na, "chunk %d", ch.Index)
			assert.True(t, na.ContextDone)
			assert.ErrorIs(t, ch.Err, context.DeadlineExceeded)
		}
		assert.Len(t, srv.Records(ds.ID), 10)
	})
}
