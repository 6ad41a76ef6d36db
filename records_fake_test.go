package apitable_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/apitable-go/apitable"
	"github.com/apitable-go/apitable/apitabletest"
)

func ids(recs []apitable.Record) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = r.ID
	}
	return out
}

func collect(t *testing.T, seq func(func(apitable.Record, error) bool)) []apitable.Record {
	t.Helper()
	var out []apitable.Record
	for r, err := range seq {
		require.NoError(t, err)
		out = append(out, r)
	}
	return out
}

func TestListParametersReachTheServer(t *testing.T) {
	t.Parallel()
	srv := apitabletest.NewServer(t, apitabletest.WithoutRateLimit())
	ds := srv.AddDatasheet(srv.SpaceID(), apitabletest.DatasheetSpec{
		Name: "People",
		Fields: []apitabletest.FieldSpec{
			{Name: "Name", Type: "SingleText", Property: map[string]any{}},
			{Name: "Age", Type: "Number", Property: map[string]any{"precision": 0}},
			{Name: "City, Country", Type: "SingleText", Property: map[string]any{}},
		},
		Records: []map[string]any{
			{"Name": "Ann", "Age": 30, "City, Country": "Oslo, NO"},
			{"Name": "Bob", "Age": 25, "City, Country": "Rome, IT"},
			{"Name": "Cid", "Age": 30, "City, Country": "Lima, PE"},
			{"Name": "Dee", "Age": 41},
		},
	})
	c := srv.Client()
	ctx := t.Context()

	// Several sort rules in the indexed form (server-behaviour.md §6.1); a field name with a
	// comma in Fields survives (bracket form, never comma-split).
	page, err := c.Records.List(ctx, ds.ID, &apitable.ListRecordsParams{
		Sort:   []apitable.Sort{{Field: "Age", Desc: true}, {Field: "Name"}},
		Fields: []string{"Name", "City, Country"},
	})
	require.NoError(t, err)
	var names []string
	for _, r := range page.Records {
		n, err := r.Fields.Text("Name")
		require.NoError(t, err)
		names = append(names, n)
		assert.False(t, r.Fields.Has("Age"), "not requested")
	}
	assert.Equal(t, []string{"Dee", "Ann", "Cid", "Bob"}, names)
	assert.Equal(t, "Oslo, NO", page.Records[1].Fields["City, Country"])

	// recordIds keep their order; unknown ids are skipped (server-behaviour.md §6.1).
	page, err = c.Records.List(ctx, ds.ID, &apitable.ListRecordsParams{RecordIDs: []string{ds.RecordIDs[2], "recUnknown0000", ds.RecordIDs[0]}})
	require.NoError(t, err)
	assert.Equal(t, []string{ds.RecordIDs[2], ds.RecordIDs[0]}, ids(page.Records))

	// filterByFormula, maxRecords, fieldKey=id, cellFormat=string.
	page, err = c.Records.List(ctx, ds.ID, &apitable.ListRecordsParams{FilterByFormula: `{Age} = 30`, MaxRecords: 1})
	require.NoError(t, err)
	assert.Equal(t, 1, page.Total)
	assert.Equal(t, []string{ds.RecordIDs[0]}, ids(page.Records))

	page, err = c.Records.List(ctx, ds.ID, &apitable.ListRecordsParams{FieldKey: apitable.FieldKeyID, CellFormat: apitable.CellFormatString, PageSize: 1})
	require.NoError(t, err)
	assert.Equal(t, "30", page.Records[0].Fields[ds.FieldIDs["Age"]])
	assert.Equal(t, 4, page.Total)
	assert.Equal(t, 1, page.PageSize)

	// Past the last page: empty, total unchanged (server-behaviour.md §6.1).
	page, err = c.Records.List(ctx, ds.ID, &apitable.ListRecordsParams{PageSize: 3, PageNum: 3})
	require.NoError(t, err)
	assert.Empty(t, page.Records)
	assert.Equal(t, 4, page.Total)
	assert.Equal(t, 0, page.PageSize)
}

func TestListValidatesBeforeSending(t *testing.T) {
	t.Parallel()
	srv := apitabletest.NewServer(t)
	c := srv.Client()
	cases := map[string]*apitable.ListRecordsParams{
		"page size 0 is default, 1001 is not": {PageSize: 1001},
		"negative page size":                  {PageSize: -1},
		"negative page":                       {PageNum: -2},
		"negative max":                        {MaxRecords: -1},
		"cell format":                         {CellFormat: "xml"},
		"field key":                           {FieldKey: "title"},
		"empty record id":                     {RecordIDs: []string{"rec1", ""}},
		"comma in record id":                  {RecordIDs: []string{"rec1,rec2"}},
		"view id with slash":                  {ViewID: "viw/../x"},
		"empty sort field":                    {Sort: []apitable.Sort{{Field: " "}}},
		"empty field":                         {Fields: []string{""}},
	}
	for name, p := range cases {
		_, err := c.Records.List(t.Context(), "dstAny", p)
		assert.ErrorIs(t, err, apitable.ErrInvalidRequest, name)
		var ve *apitable.ValidationError
		assert.ErrorAs(t, err, &ve, name)
	}
	for _, id := range []string{"", " dst", "dst/x", "dst?x", "dst#x", "..", "dst\n"} {
		_, err := c.Records.List(t.Context(), id, nil)
		assert.ErrorIs(t, err, apitable.ErrInvalidRequest, "%q", id)
	}
	_, err := c.Records.Create(t.Context(), "dstAny", []apitable.Fields{{"A": 1}, {}}, nil)
	assert.ErrorIs(t, err, apitable.ErrInvalidRequest, "a record without cells")
	_, err = c.Records.Update(t.Context(), "dstAny", []apitable.RecordUpdate{{ID: "", Fields: apitable.Fields{"A": 1}}}, nil)
	assert.ErrorIs(t, err, apitable.ErrInvalidRequest)
	err = c.Records.Delete(t.Context(), "dstAny", []string{"rec1", "rec/2"})
	assert.ErrorIs(t, err, apitable.ErrInvalidRequest)
	for r, err := range c.Records.All(t.Context(), "dstAny", &apitable.ListRecordsParams{PageNum: 2}) {
		assert.Empty(t, r.ID)
		assert.ErrorIs(t, err, apitable.ErrInvalidRequest)
	}
	assert.Empty(t, srv.Requests(), "nothing was sent")
}

func TestEmptyWritesSendNothing(t *testing.T) {
	t.Parallel()
	srv := apitabletest.NewServer(t)
	c := srv.Client()
	recs, err := c.Records.Create(t.Context(), "dstAny", nil, nil)
	require.NoError(t, err)
	assert.Empty(t, recs)
	_, err = c.Records.Update(t.Context(), "dstAny", []apitable.RecordUpdate{}, nil)
	require.NoError(t, err)
	require.NoError(t, c.Records.Delete(t.Context(), "dstAny", nil))
	assert.Empty(t, srv.Requests())
}

func TestAllPagingEdges(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name              string
		rows, size, max   int
		wantN, wantReqsGE int
	}{
		{"empty table", 0, 0, 0, 0, 1},
		{"exact multiple of page size", 30, 10, 0, 30, 3},
		{"one more than a page", 11, 10, 0, 11, 2},
		{"maxRecords smaller than a page", 25, 10, 7, 7, 1},
		{"maxRecords across pages", 25, 10, 15, 15, 2},
		{"default page size 1000", 2500, 0, 0, 2500, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := apitabletest.NewServer(t, apitabletest.WithoutRateLimit())
			ds := tasksSheet(t, srv, tc.rows)
			// Paced at the real server's rate, as this test always was: the
			// speculative pages queue behind page 1 and are cancelled unsent.
			c := srv.Client(apitable.WithRateLimit(apitable.DefaultRateLimit))
			got := collect(t, c.Records.All(t.Context(), ds.ID, &apitable.ListRecordsParams{PageSize: tc.size, MaxRecords: tc.max}))
			require.Len(t, got, tc.wantN)
			for i, r := range got {
				assert.Equal(t, ds.RecordIDs[i], r.ID, "server order")
			}
			// One request per page; the speculative pages 2 and 3 leave only
			// if page 1's answer is not processed within their place (a
			// tenth of a window apart, so only on a loaded machine).
			reqs := srv.Requests()
			assert.GreaterOrEqual(t, len(reqs), tc.wantReqsGE, "one request per page")
			assert.LessOrEqual(t, len(reqs), max(tc.wantReqsGE, 3), "none past the speculative pages")
			for _, r := range reqs {
				want := "1000"
				if tc.size != 0 {
					want = fmt.Sprint(tc.size)
				}
				assert.Equal(t, want, r.Query.Get("pageSize"))
			}
		})
	}
}

func TestAllBreakStopsIOAndLeavesNoGoroutine(t *testing.T) { //nolint:paralleltest // goleak.VerifyNone looks at every goroutine in the process
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	srv := apitabletest.NewServer(t, apitabletest.WithoutRateLimit(), apitabletest.WithLatency(20*time.Millisecond))
	ds := tasksSheet(t, srv, 120)
	// Count at the client: a page sent just before the break still lands
	// at the server up to a latency later.
	rt := &countingTransport{base: http.DefaultTransport}
	c := srv.Client(apitable.WithHTTPClient(&http.Client{Transport: rt}))
	n := 0
	for _, err := range c.Records.All(t.Context(), ds.ID, &apitable.ListRecordsParams{PageSize: 10}) {
		require.NoError(t, err)
		n++
		if n == 15 {
			break
		}
	}
	assert.Equal(t, 15, n)
	sent := rt.n.Load()
	time.Sleep(100 * time.Millisecond)
	assert.Equal(t, sent, rt.n.Load(), "no request after break")
	assert.LessOrEqual(t, len(srv.Requests()), int(sent), "the server saw only those")
	assert.LessOrEqual(t, sent, int32(1+8), "at most the pages in flight")
	srv.Close()
}

func TestAllCancelYieldsErrorOnce(t *testing.T) { //nolint:paralleltest // goleak.VerifyNone looks at every goroutine in the process
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	srv := apitabletest.NewServer(t, apitabletest.WithoutRateLimit(), apitabletest.WithLatency(10*time.Millisecond))
	ds := tasksSheet(t, srv, 100)
	c := srv.Client()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var errs []error
	n := 0
	for _, err := range c.Records.All(ctx, ds.ID, &apitable.ListRecordsParams{PageSize: 10}) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		n++
		if n == 25 {
			cancel()
		}
	}
	require.Len(t, errs, 1)
	assert.ErrorIs(t, errs[0], context.Canceled)
	assert.GreaterOrEqual(t, n, 25)
	srv.Close()
}

func TestAllFailureEndsTheLoop(t *testing.T) {
	t.Parallel()
	srv := apitabletest.NewServer(t, apitabletest.WithoutRateLimit())
	ds := tasksSheet(t, srv, 50)
	c := srv.Client(apitable.WithRetry(0, 0, 0))
	// The first page passes; then every request fails definitely.
	srv.InjectFault(apitabletest.Fault{Method: "GET", Status: 403, Message: "Access forbidden", Count: 100})
	srv.ResetRequests()
	var errs []error
	for _, err := range c.Records.All(t.Context(), ds.ID, nil) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	require.Len(t, errs, 1)
	assert.ErrorIs(t, errs[0], apitable.ErrForbidden)
}

func TestAllSkipDuplicatesWhileOthersInsert(t *testing.T) {
	t.Parallel()
	srv := apitabletest.NewServer(t, apitabletest.WithoutRateLimit())
	ds := tasksSheet(t, srv, 30)
	writer := srv.Client()
	c := srv.Client(apitable.WithMaxInFlight(1))
	run := func(skip bool) []string {
		var got []string
		inserted := false
		for r, err := range c.Records.All(t.Context(), ds.ID, &apitable.ListRecordsParams{PageSize: 10, SkipDuplicates: skip, Sort: []apitable.Sort{{Field: "N"}}}) {
			require.NoError(t, err)
			got = append(got, r.ID)
			if len(got) == 10 && !inserted {
				// A row sorted first shifts every later page by one: the
				// next page repeats the last row of this one (server-behaviour.md §6.1 drift).
				_, err := writer.Records.Create(t.Context(), ds.ID, []apitable.Fields{{"Title": "early", "N": -1}}, nil)
				require.NoError(t, err)
				inserted = true
			}
		}
		return got
	}
	plain := run(false)
	seen := map[string]int{}
	for _, id := range plain {
		seen[id]++
	}
	dups := 0
	for _, n := range seen {
		if n > 1 {
			dups++
		}
	}
	assert.Positive(t, dups, "offset paging repeats a row when rows are inserted before it")
	deduped := run(true)
	uniq := map[string]bool{}
	for _, id := range deduped {
		assert.False(t, uniq[id], "SkipDuplicates yields each id once")
		uniq[id] = true
	}
}

// faultAt wraps the fake's transport and breaks the n-th POST (1-based):
// definite answers a 400 without reaching the fake; lost lets the fake
// apply the request, then loses the response.
type faultAt struct {
	base     http.RoundTripper
	posts    atomic.Int32
	definite int32
	lost     int32
}

func (f *faultAt) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method != http.MethodPost {
		return f.base.RoundTrip(r)
	}
	switch f.posts.Add(1) {
	case f.definite:
		body := `{"success":false,"code":400,"message":"field:Title Single Select field value must be string"}`
		return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
			Body: io.NopCloser(strings.NewReader(body)), Request: r}, nil
	case f.lost:
		resp, err := f.base.RoundTrip(r)
		if err == nil {
			_ = resp.Body.Close()
		}
		return nil, errors.New("connection reset by peer")
	}
	return f.base.RoundTrip(r)
}

// TestBulkCreateReportsEachChunk: 95 records in 10 chunks; chunk 4 fails
// definitely and chunk 7 loses its response. The BatchError names exactly
// those, the results hold every other record in input order, and the store
// holds exactly the records of the applied chunks plus chunk 7's.
func TestBulkCreateReportsEachChunk(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		srv := apitabletest.NewServer(t, apitabletest.WithRateLimit(5, time.Second), apitabletest.WithPathPrefix("/gateway"))
		ds := tasksSheet(t, srv, 0)
		ft := &faultAt{base: srv.Transport(), definite: 4, lost: 7}
		c := memClient(t, srv, ft)
		in := make([]apitable.Fields, 95)
		for i := range in {
			in[i] = apitable.Fields{"Title": fmt.Sprintf("r%02d", i), "N": i}
		}
		out, err := c.Records.Create(t.Context(), ds.ID, in, nil)
		var be *apitable.BatchError
		require.ErrorAs(t, err, &be)
		require.Len(t, be.Chunks, 10)
		for i, ch := range be.Chunks {
			switch i {
			case 3:
				assert.Equal(t, apitable.ChunkFailed, ch.Status)
				assert.ErrorIs(t, ch.Err, apitable.ErrInvalidRequest)
			case 6:
				assert.Equal(t, apitable.ChunkOutcomeUnknown, ch.Status)
				assert.ErrorIs(t, ch.Err, apitable.ErrOutcomeUnknown)
			default:
				assert.Equal(t, apitable.ChunkApplied, ch.Status, "chunk %d", i)
				assert.Len(t, ch.Records, ch.End-ch.Start)
			}
		}
		assert.Equal(t, []int{30, 31, 32, 33, 34, 35, 36, 37, 38, 39}, be.Indices(apitable.ChunkFailed))
		assert.Equal(t, []int{60, 61, 62, 63, 64, 65, 66, 67, 68, 69}, be.Indices(apitable.ChunkOutcomeUnknown))
		assert.ErrorIs(t, err, apitable.ErrInvalidRequest)
		assert.ErrorIs(t, err, apitable.ErrOutcomeUnknown)
		assert.Equal(t, int32(10), ft.posts.Load(), "nothing re-sent")

		require.Len(t, out, 95)
		stored := map[string]bool{}
		var titles []string
		for _, r := range srv.Records(ds.ID) {
			stored[r.ID] = true
			titles = append(titles, r.Fields["Title"].(string))
		}
		for i, r := range out {
			title := fmt.Sprintf("r%02d", i)
			switch {
			case i >= 30 && i < 40, i >= 60 && i < 70:
				assert.Empty(t, r.ID, "no result for a chunk not known applied")
			default:
				assert.True(t, stored[r.ID], "result %d is stored", i)
				assert.Equal(t, title, r.Fields["Title"])
			}
		}
		// The store: every chunk but 4 (chunk 7 was applied, its answer lost),
		// in input order since chunks are admitted in order.
		var want []string
		for i := range 95 {
			if i < 30 || i >= 40 {
				want = append(want, fmt.Sprintf("r%02d", i))
			}
		}
		assert.Equal(t, want, titles)
	})
}

// TestBulkWritesArePipelined: with latency above the limiter's interval,
// several chunks are in flight and the rate budget is used fully.
func TestBulkWritesArePipelined(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		srv := apitabletest.NewServer(t, apitabletest.WithRateLimit(5, time.Second), apitabletest.WithPathPrefix("/gateway"), apitabletest.WithLatency(600*time.Millisecond))
		ds := tasksSheet(t, srv, 0)
		var inFlight, peak atomic.Int32
		c := memClient(t, srv, roundTripFunc(func(r *http.Request) (*http.Response, error) {
			n := inFlight.Add(1)
			for {
				p := peak.Load()
				if n <= p || peak.CompareAndSwap(p, n) {
					break
				}
			}
			defer inFlight.Add(-1)
			return srv.Transport().RoundTrip(r)
		}))
		in := make([]apitable.Fields, 200)
		for i := range in {
			in[i] = apitable.Fields{"Title": fmt.Sprint(i)}
		}
		start := time.Now()
		out, err := c.Records.Create(t.Context(), ds.ID, in, nil)
		require.NoError(t, err)
		elapsed := time.Since(start)
		require.Len(t, out, 200)
		// 20 requests in 4 windows: the last leaves about 3 windows after
		// the first (and a round trip of cold start) and answers 600ms later.
		assertWindowed(t, 20, elapsed-600*time.Millisecond, 600*time.Millisecond)
		assert.GreaterOrEqual(t, peak.Load(), int32(3), "chunks overlap")
		for i, r := range srv.Records(ds.ID) {
			assert.Equal(t, fmt.Sprint(i), r.Fields["Title"], "rows appended in input order")
		}
		for _, r := range srv.Requests() {
			assert.NotEqual(t, 429, r.Status)
		}
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestUpdateAndDeleteRoundTrip(t *testing.T) {
	t.Parallel()
	srv := apitabletest.NewServer(t, apitabletest.WithoutRateLimit())
	ds := tasksSheet(t, srv, 25)
	c := srv.Client()
	var ups []apitable.RecordUpdate
	for i, id := range ds.RecordIDs {
		f := apitable.Fields{"N": 100 + i}
		if i%2 == 0 {
			f["Title"] = nil // null clears the cell
		}
		ups = append(ups, apitable.RecordUpdate{ID: id, Fields: f})
	}
	out, err := c.Records.Update(t.Context(), ds.ID, ups, nil)
	require.NoError(t, err)
	require.Len(t, out, 25)
	for i, r := range out {
		assert.Equal(t, ds.RecordIDs[i], r.ID)
		n, err := r.Fields.Int("N")
		require.NoError(t, err)
		assert.Equal(t, int64(100+i), n)
		_, err = r.Fields.Text("Title")
		if i%2 == 0 {
			assert.ErrorIs(t, err, apitable.ErrCellEmpty)
		} else {
			assert.NoError(t, err)
		}
	}
	require.NoError(t, c.Records.Delete(t.Context(), ds.ID, ds.RecordIDs[:23]))
	left := srv.Records(ds.ID)
	assert.Equal(t, ds.RecordIDs[23:], ids(left))

	// Unknown ids fail the chunk (server-behaviour.md §6.4), definitely.
	err = c.Records.Delete(t.Context(), ds.ID, []string{"recNope0000000"})
	var be *apitable.BatchError
	require.ErrorAs(t, err, &be)
	assert.ErrorIs(t, err, apitable.ErrInvalidRequest)
	assert.Equal(t, []int{0}, be.Indices(apitable.ChunkFailed))
}

func TestGet(t *testing.T) {
	t.Parallel()
	srv := apitabletest.NewServer(t, apitabletest.WithoutRateLimit())
	ds := tasksSheet(t, srv, 3)
	c := srv.Client()
	r, err := c.Records.Get(t.Context(), ds.ID, ds.RecordIDs[1], nil)
	require.NoError(t, err)
	assert.Equal(t, ds.RecordIDs[1], r.ID)
	assert.Equal(t, "seed 1", r.Fields["Title"])
	_, err = c.Records.Get(t.Context(), ds.ID, "recMissing0000", nil)
	assert.ErrorIs(t, err, apitable.ErrRecordNotFound)
	_, err = c.Records.Get(t.Context(), "dstMissing00000000", ds.RecordIDs[0], nil)
	assert.ErrorIs(t, err, apitable.ErrDatasheetNotFound)
}

func TestFatalChunkStopsTheBatch(t *testing.T) {
	t.Parallel()
	srv := apitabletest.NewServer(t, apitabletest.WithoutRateLimit())
	c := srv.Client(apitable.WithMaxInFlight(1))
	in := make([]apitable.Fields, 35)
	for i := range in {
		in[i] = apitable.Fields{"Title": "x"}
	}
	_, err := c.Records.Create(t.Context(), "dstMissing00000000", in, nil)
	var be *apitable.BatchError
	require.ErrorAs(t, err, &be)
	assert.ErrorIs(t, err, apitable.ErrDatasheetNotFound)
	assert.Len(t, be.Indices(apitable.ChunkFailed), 35, "all definitely not applied")
	var na *apitable.NotAttemptedError
	assert.ErrorAs(t, be.Chunks[3].Err, &na)
	assert.Len(t, srv.Requests(), 1, "the other chunks were not sent")
}

func TestConcurrentBulkUse(t *testing.T) {
	t.Parallel()
	srv := apitabletest.NewServer(t, apitabletest.WithoutRateLimit())
	c := srv.Client(apitable.WithRateLimit(1000))
	var wg sync.WaitGroup
	sheets := make([]*apitabletest.Datasheet, 4)
	for i := range sheets {
		sheets[i] = tasksSheet(t, srv, 0)
	}
	for _, ds := range sheets {
		wg.Go(func() {
			in := make([]apitable.Fields, 55)
			for i := range in {
				in[i] = apitable.Fields{"Title": fmt.Sprint(i)}
			}
			_, err := c.Records.Create(t.Context(), ds.ID, in, nil)
			assert.NoError(t, err)
			got := collect(t, c.Records.All(t.Context(), ds.ID, &apitable.ListRecordsParams{PageSize: 7}))
			assert.Len(t, got, 55)
		})
	}
	wg.Wait()
}

// TestWritesWithFieldKeyID: fieldKey travels in the JSON body of writes
// (server-behaviour.md §6.2: a query-string fieldKey is ignored by POST/PATCH), so cells keyed by
// field id are applied and the answer is keyed by id too.
func TestWritesWithFieldKeyID(t *testing.T) {
	t.Parallel()
	srv := apitabletest.NewServer(t, apitabletest.WithoutRateLimit())
	ds := tasksSheet(t, srv, 0)
	c := srv.Client()
	title, n := ds.FieldIDs["Title"], ds.FieldIDs["N"]
	out, err := c.Records.Create(t.Context(), ds.ID, []apitable.Fields{{title: "by id", n: 7}}, &apitable.CreateRecordsParams{FieldKey: apitable.FieldKeyID})
	require.NoError(t, err)
	assert.Equal(t, "by id", out[0].Fields[title])
	reqs := srv.Requests()
	assert.Contains(t, string(reqs[len(reqs)-1].Body), `"fieldKey":"id"`)
	assert.Empty(t, reqs[len(reqs)-1].Query.Get("fieldKey"))

	up, err := c.Records.Update(t.Context(), ds.ID, []apitable.RecordUpdate{{ID: out[0].ID, Fields: apitable.Fields{n: 8}}}, &apitable.UpdateRecordsParams{FieldKey: apitable.FieldKeyID})
	require.NoError(t, err)
	assert.Equal(t, 8.0, up[0].Fields[n])
	assert.Equal(t, 8.0, srv.Records(ds.ID)[0].Fields["N"])

	// With the default fieldKey (name) a field id is an unknown key: dropped,
	// and a record left without known fields is rejected by the server.
	_, err = c.Records.Create(t.Context(), ds.ID, []apitable.Fields{{title: "x"}}, nil)
	assert.ErrorIs(t, err, apitable.ErrInvalidRequest)
}

// TestAllSpeculativePages: pages 2 and 3 are requested before page 1 gives
// the total. With a fast answer they are cancelled unsent; on a slow link a
// one-page table costs the pages already admitted, and a big table keeps the
// budget busy from the start.
func TestAllSpeculativePages(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		latency time.Duration
		rows    int
		want    int32 // requests sent
	}{
		{"fast link, one page", 50 * time.Millisecond, 10, 1},
		// Page 2 left at the first request's even pace (a fifth of the
		// window plus a tenth for the unmeasured spread: 220ms), page 3
		// would have a window's spread later, after page 1's answer at 300ms.
		{"slow link, one page", 300 * time.Millisecond, 10, 2},
		{"very slow link, one page", time.Second, 10, 3},
		{"slow link, five pages", 300 * time.Millisecond, 50, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				srv := apitabletest.NewServer(t, apitabletest.WithRateLimit(5, time.Second), apitabletest.WithPathPrefix("/gateway"), apitabletest.WithLatency(tc.latency))
				ds := tasksSheet(t, srv, tc.rows)
				// Count at the transport: a page cancelled after it was sent
				// is not in the fake's log (its client hung up).
				rt := &countingTransport{base: srv.Transport()}
				c := memClient(t, srv, rt)
				got := collect(t, c.Records.All(t.Context(), ds.ID, &apitable.ListRecordsParams{PageSize: 10}))
				assert.Len(t, got, tc.rows)
				assert.Equal(t, tc.want, rt.n.Load())
			})
		})
	}
}
