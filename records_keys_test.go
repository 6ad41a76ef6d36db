package apitable_test

import (
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apitable-go/apitable"
	"github.com/apitable-go/apitable/apitabletest"
)

func keyedSheet(t *testing.T, srv *apitabletest.Server, seed ...map[string]any) *apitabletest.Datasheet {
	t.Helper()
	return srv.AddDatasheet(srv.SpaceID(), apitabletest.DatasheetSpec{
		Name: "Contacts",
		Fields: []apitabletest.FieldSpec{
			{Name: "Email", Type: "SingleText", Property: map[string]any{}},
			{Name: "Year", Type: "Number", Property: map[string]any{"precision": 0}},
			{Name: "Note", Type: "Text"},
		},
		Records: seed,
	})
}

func contacts(n int) []apitable.Fields {
	in := make([]apitable.Fields, n)
	for i := range in {
		// Values full of formula syntax: the lookups must treat them as text.
		in[i] = apitable.Fields{"Email": fmt.Sprintf(`u%d"}{x}@a.b\`, i), "Year": 2000 + i%3, "Note": fmt.Sprint(i)}
	}
	return in
}

func posts(srv *apitabletest.Server) int {
	n := 0
	for _, r := range srv.Requests() {
		if r.Method == "POST" {
			n++
		}
	}
	return n
}

// TestKeyFieldsResolveLostResponse: a chunk applied by the server whose
// response is lost is found by key and not re-sent.
func TestKeyFieldsResolveLostResponse(t *testing.T) {
	t.Parallel()
	srv := apitabletest.NewServer(t, apitabletest.WithoutRateLimit())
	ds := keyedSheet(t, srv)
	c := srv.Client(apitable.WithRateLimit(1000), apitable.WithMaxInFlight(1))
	srv.InjectFault(apitabletest.Fault{Method: "POST", Drop: apitabletest.DropAfterHandling})
	in := contacts(30)
	out, err := c.Records.Create(t.Context(), ds.ID, in, &apitable.CreateRecordsParams{KeyFields: []string{"Email", "Year"}})
	require.NoError(t, err)
	stored := srv.Records(ds.ID)
	require.Len(t, stored, 30, "exactly the input set")
	for i, r := range out {
		assert.NotEmpty(t, r.ID, "result %d", i)
		assert.Equal(t, in[i]["Email"], r.Fields["Email"])
	}
	assert.Equal(t, 3, posts(srv), "the lost chunk was not re-sent")
}

// TestKeyFieldsResendMissing: a chunk that timed out without being applied
// is found missing and re-sent once.
func TestKeyFieldsResendMissing(t *testing.T) {
	t.Parallel()
	srv := apitabletest.NewServer(t, apitabletest.WithoutRateLimit())
	ds := keyedSheet(t, srv)
	var sent atomic.Int32 // the fake does not log a request whose client gave up
	count := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if r.Method == "POST" {
			sent.Add(1)
		}
		return http.DefaultTransport.RoundTrip(r)
	})
	c := srv.Client(apitable.WithRateLimit(1000), apitable.WithMaxInFlight(1), apitable.WithAttemptTimeout(200*time.Millisecond),
		apitable.WithHTTPClient(&http.Client{Transport: count}))
	srv.InjectFault(apitabletest.Fault{Method: "POST", Delay: 2 * time.Second})
	in := contacts(25)
	out, err := c.Records.Create(t.Context(), ds.ID, in, &apitable.CreateRecordsParams{KeyFields: []string{"Email"}})
	require.NoError(t, err)
	require.Len(t, out, 25)
	stored := srv.Records(ds.ID)
	require.Len(t, stored, 25)
	seen := map[any]int{}
	for _, r := range stored {
		seen[r.Fields["Email"]]++
	}
	for _, f := range in {
		assert.Equal(t, 1, seen[f["Email"]], "%v stored once", f["Email"])
	}
	assert.Equal(t, int32(4), sent.Load(), "3 chunks + 1 re-send of the missing one")
}

func TestKeyFieldsValidation(t *testing.T) {
	t.Parallel()
	srv := apitabletest.NewServer(t)
	c := srv.Client()
	cases := map[string]struct {
		in   []apitable.Fields
		keys []string
	}{
		"missing key value":   {[]apitable.Fields{{"Email": "a"}, {"Note": "x"}}, []string{"Email"}},
		"duplicate keys":      {[]apitable.Fields{{"Email": "a", "Year": 1}, {"Email": "a", "Year": 1.0}}, []string{"Email", "Year"}},
		"unsupported value":   {[]apitable.Fields{{"Email": []string{"a"}}}, []string{"Email"}},
		"empty key name":      {[]apitable.Fields{{"Email": "a"}}, []string{""}},
		"name ending with \\": {[]apitable.Fields{{`E\`: "a"}}, []string{`E\`}},
	}
	for name, tc := range cases {
		_, err := c.Records.Create(t.Context(), "dstAny", tc.in, &apitable.CreateRecordsParams{KeyFields: tc.keys})
		assert.ErrorIs(t, err, apitable.ErrInvalidRequest, name)
		_, err = c.Records.Upsert(t.Context(), "dstAny", tc.in, tc.keys, nil)
		assert.ErrorIs(t, err, apitable.ErrInvalidRequest, name)
	}
	assert.Empty(t, srv.Requests())
}

func TestUpsert(t *testing.T) {
	t.Parallel()
	srv := apitabletest.NewServer(t, apitabletest.WithoutRateLimit())
	existing := contacts(5)
	var seed []map[string]any
	for _, f := range existing {
		seed = append(seed, map[string]any{"Email": f["Email"], "Year": f["Year"], "Note": "old"})
	}
	ds := keyedSheet(t, srv, seed...)
	c := srv.Client(apitable.WithRateLimit(1000))

	in := contacts(8) // the first 5 exist, 3 are new
	for _, f := range in {
		f["Note"] = "new"
	}
	out, err := c.Records.Upsert(t.Context(), ds.ID, in, []string{"Email", "Year"}, nil)
	require.NoError(t, err)
	require.Len(t, out, 8)
	for i := range 5 {
		assert.Equal(t, ds.RecordIDs[i], out[i].ID, "input %d updated the existing record", i)
	}
	stored := srv.Records(ds.ID)
	require.Len(t, stored, 8)
	for _, r := range stored {
		assert.Equal(t, "new", r.Fields["Note"])
	}

	// Again: nothing new is created.
	out2, err := c.Records.Upsert(t.Context(), ds.ID, in, []string{"Email", "Year"}, nil)
	require.NoError(t, err)
	assert.Len(t, srv.Records(ds.ID), 8)
	assert.Equal(t, ids(out), ids(out2))
}

func TestUpsertReportsPerInput(t *testing.T) {
	t.Parallel()
	srv := apitabletest.NewServer(t, apitabletest.WithoutRateLimit())
	ds := keyedSheet(t, srv, map[string]any{"Email": "old@a.b", "Year": 1})
	c := srv.Client(apitable.WithRateLimit(1000), apitable.WithRetry(0, 0, 0))
	// The update chunk fails definitely; the creates go through.
	srv.InjectFault(apitabletest.Fault{Method: "PATCH", Status: 200, Code: 400, Message: "The record specified by the recordId does not exist"})
	in := []apitable.Fields{
		{"Email": "new1@a.b", "Year": 1},
		{"Email": "old@a.b", "Year": 1, "Note": "x"},
		{"Email": "new2@a.b", "Year": 1},
	}
	out, err := c.Records.Upsert(t.Context(), ds.ID, in, []string{"Email"}, nil)
	var be *apitable.BatchError
	require.ErrorAs(t, err, &be)
	assert.Equal(t, "upsert", be.Op)
	assert.Equal(t, []int{1}, be.Indices(apitable.ChunkFailed))
	assert.Equal(t, []int{0, 2}, be.Indices(apitable.ChunkApplied))
	assert.NotEmpty(t, out[0].ID)
	assert.Empty(t, out[1].ID)
	assert.NotEmpty(t, out[2].ID)
}

// emptyKeySheet has one field of each key type the README promises.
func emptyKeySheet(t *testing.T, srv *apitabletest.Server) *apitabletest.Datasheet {
	t.Helper()
	return srv.AddDatasheet(srv.SpaceID(), apitabletest.DatasheetSpec{
		Name: "Keys",
		Fields: []apitabletest.FieldSpec{
			{Name: "Note", Type: "SingleText", Property: map[string]any{}},
			{Name: "Text", Type: "SingleText", Property: map[string]any{}},
			{Name: "Num", Type: "Number", Property: map[string]any{"precision": 0}},
			{Name: "Done", Type: "Checkbox"},
			{Name: "Due", Type: "DateTime", Property: map[string]any{"dateFormat": "YYYY-MM-DD"}},
			{Name: "Pick", Type: "SingleSelect", Property: map[string]any{"options": []any{"Todo", "Done"}}},
		},
	})
}

// emptyKeyCases: per key type, inputs whose keys include the empty value
// (the server stores it as an empty cell and omits it on read-back) and
// the number 0 (a value, not an empty cell).
func emptyKeyCases() map[string]struct {
	keys []string
	vals [][]any
} {
	day := time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)
	return map[string]struct {
		keys []string
		vals [][]any
	}{
		"text":          {[]string{"Text"}, [][]any{{""}, {"a"}, {"b"}}},
		"number":        {[]string{"Num"}, [][]any{{0}, {1}, {-2.5}}},
		"checkbox":      {[]string{"Done"}, [][]any{{false}, {true}}},
		"date":          {[]string{"Due"}, [][]any{{nil}, {day}, {day.Add(24 * time.Hour)}}},
		"single select": {[]string{"Pick"}, [][]any{{""}, {"Todo"}, {"Done"}}},
		"text+number":   {[]string{"Text", "Num"}, [][]any{{"", 0}, {"", 1}, {"a", 0}, {nil, 2}}},
	}
}

func emptyKeyInputs(keys []string, vals [][]any) []apitable.Fields {
	var in []apitable.Fields
	for i, vs := range vals {
		if len(vs) == 0 {
			continue
		}
		f := apitable.Fields{"Note": fmt.Sprint(i)}
		for j, k := range keys {
			f[k] = vs[j]
		}
		in = append(in, f)
	}
	return in
}

// storedOncePerKey checks the fake's store: one row per input, each
// input's key stored once (an empty key value reads back as an absent cell).
func storedOncePerKey(t *testing.T, srv *apitabletest.Server, dsID string, keys []string, in []apitable.Fields) {
	t.Helper()
	stored := srv.Records(dsID)
	require.Len(t, stored, len(in), "one row per input")
	notes := map[any]int{}
	for _, r := range stored {
		notes[r.Fields["Note"]]++
	}
	for _, f := range in {
		assert.Equal(t, 1, notes[f["Note"]], "input %v stored once", f)
	}
}

// TestKeyFieldsEmptyKeyValues: issue 12 item 2. A chunk applied by the
// server whose answer is lost is found by key even when a key value is
// empty, and not re-sent; three identical Upserts store one row per key.
func TestKeyFieldsEmptyKeyValues(t *testing.T) {
	t.Parallel()
	for name, tc := range emptyKeyCases() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			in := emptyKeyInputs(tc.keys, tc.vals)

			srv := apitabletest.NewServer(t, apitabletest.WithoutRateLimit())
			ds := emptyKeySheet(t, srv)
			c := srv.Client(apitable.WithRateLimit(1000), apitable.WithMaxInFlight(1))
			srv.InjectFault(apitabletest.Fault{Method: "POST", Drop: apitabletest.DropAfterHandling})
			out, err := c.Records.Create(t.Context(), ds.ID, in, &apitable.CreateRecordsParams{KeyFields: tc.keys})
			require.NoError(t, err)
			assert.Equal(t, 1, posts(srv), "the lost chunk was found by key, not re-sent")
			storedOncePerKey(t, srv, ds.ID, tc.keys, in)
			for i, r := range out {
				assert.Equal(t, in[i]["Note"], r.Fields["Note"], "result %d", i)
			}

			srv2 := apitabletest.NewServer(t, apitabletest.WithoutRateLimit())
			ds2 := emptyKeySheet(t, srv2)
			c2 := srv2.Client(apitable.WithRateLimit(1000))
			for range 3 {
				_, err := c2.Records.Upsert(t.Context(), ds2.ID, in, tc.keys, nil)
				require.NoError(t, err)
			}
			storedOncePerKey(t, srv2, ds2.ID, tc.keys, in)
		})
	}
}
