package apitable_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"math"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apitable-go/apitable"
	"github.com/apitable-go/apitable/apitabletest"
)

func schemaSheet(t *testing.T, srv *apitabletest.Server) *apitabletest.Datasheet {
	t.Helper()
	return srv.AddDatasheet(srv.SpaceID(), apitabletest.DatasheetSpec{
		Name: "Tasks",
		Fields: []apitabletest.FieldSpec{
			{Name: "Title", Type: "SingleText", Property: map[string]any{}},
			{Name: "Status", Type: "SingleText", Property: map[string]any{}},
			{Name: "Points", Type: "Number", Property: map[string]any{"precision": 0}},
		},
		Records: []map[string]any{{"Title": "a", "Status": "open", "Points": 1}},
	})
}

// countRequests counts the requests whose path ends with suffix.
func countRequests(srv *apitabletest.Server, method, suffix string) int {
	n := 0
	for _, r := range srv.Requests() {
		if r.Method == method && strings.HasSuffix(r.Path, suffix) {
			n++
		}
	}
	return n
}

func requireUnknownField(t *testing.T, err error, where, msg string) {
	t.Helper()
	require.Error(t, err)
	var ve *apitable.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.ErrorIs(t, err, apitable.ErrFieldNotFound)
	assert.ErrorIs(t, err, apitable.ErrInvalidRequest)
	assert.Equal(t, where, ve.Field)
	assert.Contains(t, err.Error(), msg)
}

// A misspelt field in a write, in Fields, in Sort and in a formula: without
// the option the server drops the write's cell silently (and answers the
// reads with its terse messages); with it each request is rejected before
// anything is sent, naming the field and the closest existing one.
func TestSchemaCheckRejectsMisspeltFields(t *testing.T) {
	t.Parallel()
	srv := apitabletest.NewServer(t, apitabletest.WithoutRateLimit())
	ds := schemaSheet(t, srv)
	ctx := t.Context()

	plain := srv.Client(apitable.WithRateLimit(1000))
	recs, err := plain.Records.Create(ctx, ds.ID, []apitable.Fields{{"Title": "b", "Statsu": "open"}}, nil)
	require.NoError(t, err, "the server drops an unknown cell silently")
	assert.False(t, recs[0].Fields.Has("Statsu"))
	_, err = plain.Records.List(ctx, ds.ID, &apitable.ListRecordsParams{Fields: []string{"Titel"}})
	require.ErrorIs(t, err, apitable.ErrInvalidRequest)
	t.Logf("Fields without the check: %v", err)
	_, err = plain.Records.List(ctx, ds.ID, &apitable.ListRecordsParams{Sort: []apitable.Sort{{Field: "Titel"}}})
	require.ErrorIs(t, err, apitable.ErrInvalidRequest)
	_, err = plain.Records.List(ctx, ds.ID, &apitable.ListRecordsParams{FilterByFormula: `AND({Title} = "{Points}", {Pionts} > 1)`})
	require.ErrorIs(t, err, apitable.ErrInvalidRequest)
	t.Logf("formula without the check: %v", err)
	_, err = recs[0].Fields.Text("Titel")
	t.Logf("getter: %v", err)

	c := srv.Client(apitable.WithRateLimit(1000), apitable.WithSchemaCheck(0))
	before := len(srv.Requests())
	_, err = c.Records.Create(ctx, ds.ID, []apitable.Fields{{"Title": "c"}, {"Title": "d", "Statsu": "open"}}, nil)
	requireUnknownField(t, err, "records[1]", `unknown field "Statsu" in datasheet `+ds.ID+` (did you mean "Status"?)`)
	t.Logf("write with the check: %v", err)
	_, err = c.Records.Update(ctx, ds.ID, []apitable.RecordUpdate{{ID: ds.RecordIDs[0], Fields: apitable.Fields{"points": 2}}}, nil)
	requireUnknownField(t, err, "records[0]", `unknown field "points" in datasheet `+ds.ID+` (did you mean "Points"?)`)
	_, err = c.Records.Upsert(ctx, ds.ID, []apitable.Fields{{"Title": "a", "Status": "x"}}, []string{"Tilte"}, nil)
	requireUnknownField(t, err, "KeyFields[0]", `unknown field "Tilte"`)
	_, err = c.Records.Create(ctx, ds.ID, []apitable.Fields{{"Title": "e"}}, &apitable.CreateRecordsParams{KeyFields: []string{"Owner"}})
	requireUnknownField(t, err, "KeyFields[0]", `unknown field "Owner" in datasheet `+ds.ID)
	assert.NotContains(t, err.Error(), "did you mean", "no existing name is close")

	_, err = c.Records.List(ctx, ds.ID, &apitable.ListRecordsParams{Fields: []string{"Title", "Titel"}})
	requireUnknownField(t, err, "Fields[1]", `unknown field "Titel" in datasheet `+ds.ID+` (did you mean "Title"?)`)
	t.Logf("Fields with the check: %v", err)
	_, err = c.Records.List(ctx, ds.ID, &apitable.ListRecordsParams{Sort: []apitable.Sort{{Field: "Status"}, {Field: "status", Desc: true}}})
	requireUnknownField(t, err, "Sort[1].Field", `(did you mean "Status"?)`)
	for _, err := range c.Records.All(ctx, ds.ID, &apitable.ListRecordsParams{FilterByFormula: `AND({Title} = "{Points}", {Pionts} > 1)`}) {
		requireUnknownField(t, err, "FilterByFormula", `unknown field "Pionts" in datasheet `+ds.ID+` (did you mean "Points"?)`)
	}
	_, err = c.Records.Get(ctx, ds.ID, ds.RecordIDs[0], &apitable.GetRecordParams{Fields: []string{"Stat"}})
	requireUnknownField(t, err, "Fields[0]", `unknown field "Stat"`)
	_, err = c.Records.List(ctx, ds.ID, &apitable.ListRecordsParams{FieldKey: apitable.FieldKeyID, Fields: []string{"Title"}})
	requireUnknownField(t, err, "Fields[0]", `unknown field id "Title"`)

	// Nothing but one field list was sent for all of these.
	sent := srv.Requests()[before:]
	require.Len(t, sent, 1, "requests: %v", sent)
	assert.Equal(t, "/fusion/v1/datasheets/"+ds.ID+"/fields", sent[0].Path)

	// Correct names pass, a brace inside a string literal does not count,
	// and ids are checked with FieldKeyID.
	page, err := c.Records.List(ctx, ds.ID, &apitable.ListRecordsParams{
		Fields: []string{"Title"}, Sort: []apitable.Sort{{Field: "Points"}},
		FilterByFormula: `{Title} != "{Titel}"`,
	})
	require.NoError(t, err)
	assert.Len(t, page.Records, 2)
	fields, err := c.Fields.List(ctx, ds.ID, nil)
	require.NoError(t, err)
	_, err = c.Records.Update(ctx, ds.ID, []apitable.RecordUpdate{{ID: ds.RecordIDs[0], Fields: apitable.Fields{fields[2].ID: 5}}},
		&apitable.UpdateRecordsParams{FieldKey: apitable.FieldKeyID})
	require.NoError(t, err)
	_, err = c.Records.Upsert(ctx, ds.ID, []apitable.Fields{{"Title": "a", "Status": "done"}}, []string{"Title"}, nil)
	require.NoError(t, err)
	assert.Equal(t, 1, countRequests(srv, "GET", "/fields")-1, "one schema fetch for the whole test (the other GET /fields is Fields.List)")
}

// Sixteen concurrent calls on a cold cache share one field-list request.
func TestSchemaCheckFetchesOncePerDatasheet(t *testing.T) {
	t.Parallel()
	srv := apitabletest.NewServer(t, apitabletest.WithoutRateLimit())
	ds := schemaSheet(t, srv)
	other := schemaSheet(t, srv)
	c := srv.Client(apitable.WithRateLimit(1000), apitable.WithSchemaCheck(0))
	ctx := t.Context()
	var wg sync.WaitGroup
	errs := make([]error, 16)
	for i := range errs {
		wg.Go(func() {
			dst := ds.ID
			if i%2 == 1 {
				dst = other.ID
			}
			_, errs[i] = c.Records.List(ctx, dst, &apitable.ListRecordsParams{Fields: []string{"Title"}, Sort: []apitable.Sort{{Field: "Points"}}})
		})
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	assert.Equal(t, 1, countRequests(srv, "GET", "/datasheets/"+ds.ID+"/fields"))
	assert.Equal(t, 1, countRequests(srv, "GET", "/datasheets/"+other.ID+"/fields"))
	assert.Equal(t, 16, countRequests(srv, "GET", "/records"))
}

// A field created or deleted through the same client drops the cached list:
// a write to the new field right after Fields.Create is accepted.
func TestSchemaCheckRefreshesAfterFieldsCreate(t *testing.T) {
	t.Parallel()
	srv := apitabletest.NewServer(t, apitabletest.WithoutRateLimit())
	ds := schemaSheet(t, srv)
	c := srv.Client(apitable.WithRateLimit(1000), apitable.WithSchemaCheck(0))
	ctx := t.Context()
	_, err := c.Records.Create(ctx, ds.ID, []apitable.Fields{{"Notes": "x"}}, nil)
	requireUnknownField(t, err, "records[0]", `unknown field "Notes"`)
	_, err = c.Fields.Create(ctx, srv.SpaceID(), ds.ID, apitable.CreateFieldParams{Name: "Notes", Property: apitable.SingleTextField{}})
	require.NoError(t, err)
	recs, err := c.Records.Create(ctx, ds.ID, []apitable.Fields{{"Notes": "x"}}, nil)
	require.NoError(t, err)
	assert.Equal(t, "x", recs[0].Fields["Notes"])
	assert.Equal(t, 2, countRequests(srv, "GET", "/fields"))

	sch, err := c.Fields.Schema(ctx, ds.ID)
	require.NoError(t, err)
	f, ok := sch.Field("Notes")
	require.True(t, ok)
	require.NoError(t, c.Fields.Delete(ctx, srv.SpaceID(), ds.ID, f.ID, nil))
	_, err = c.Records.Update(ctx, ds.ID, []apitable.RecordUpdate{{ID: recs[0].ID, Fields: apitable.Fields{"Notes": "y"}}}, nil)
	requireUnknownField(t, err, "records[0]", `unknown field "Notes"`)
	assert.Equal(t, 3, countRequests(srv, "GET", "/fields"))
}

// A field added by someone else is found once the cached list is older than
// 10 s (one re-fetch on a miss); a field deleted elsewhere is noticed when
// the server answers a checked request with a field error; and the list
// expires after its max age.
func TestSchemaCheckRefreshesOnMissAndServerFieldError(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		srv := apitabletest.NewServer(t, apitabletest.WithoutRateLimit())
		ds := schemaSheet(t, srv)
		c := srv.InMemoryClient(apitable.WithRateLimit(1000), apitable.WithSchemaCheck(time.Hour))
		someoneElse := srv.InMemoryClient(apitable.WithRateLimit(1000))
		ctx := context.Background()
		fetches := func() int { return countRequests(srv, "GET", "/fields") }

		_, err := c.Records.List(ctx, ds.ID, &apitable.ListRecordsParams{Fields: []string{"Title"}})
		require.NoError(t, err)
		_, err = someoneElse.Fields.Create(ctx, srv.SpaceID(), ds.ID, apitable.CreateFieldParams{Name: "Owner", Property: apitable.SingleTextField{}})
		require.NoError(t, err)

		// Within 10 s the cached list answers: rejected without a request.
		_, err = c.Records.Create(ctx, ds.ID, []apitable.Fields{{"Owner": "me"}}, nil)
		requireUnknownField(t, err, "records[0]", `unknown field "Owner"`)
		assert.Equal(t, 1, fetches())
		// Later, the miss fetches the list again once, and the write goes.
		time.Sleep(11 * time.Second)
		_, err = c.Records.Create(ctx, ds.ID, []apitable.Fields{{"Owner": "me"}}, nil)
		require.NoError(t, err)
		assert.Equal(t, 2, fetches())

		// Deleted elsewhere: the check passes on the cached list, the
		// server answers with a field error, the cache is dropped, and the
		// next call is rejected locally.
		fields, err := someoneElse.Fields.List(ctx, ds.ID, nil)
		require.NoError(t, err)
		require.NoError(t, someoneElse.Fields.Delete(ctx, srv.SpaceID(), ds.ID, fields[1].ID, nil)) // Status
		_, err = c.Records.List(ctx, ds.ID, &apitable.ListRecordsParams{Sort: []apitable.Sort{{Field: "Status"}}})
		var ae *apitable.APIError
		require.ErrorAs(t, err, &ae, "the server's own answer")
		_, err = c.Records.List(ctx, ds.ID, &apitable.ListRecordsParams{Sort: []apitable.Sort{{Field: "Status"}}})
		requireUnknownField(t, err, "Sort[0].Field", `unknown field "Status"`)
		assert.Equal(t, 3, fetches()-1, "the other GET /fields is someoneElse's List")

		// The same for a formula: the server rejects it with an empty
		// message, which drops the cache too.
		require.NoError(t, someoneElse.Fields.Delete(ctx, srv.SpaceID(), ds.ID, fields[2].ID, nil)) // Points
		for _, err := range c.Records.All(ctx, ds.ID, &apitable.ListRecordsParams{FilterByFormula: "{Points} > 0"}) {
			require.ErrorAs(t, err, &ae, "the server's own answer")
		}
		_, err = c.Records.List(ctx, ds.ID, &apitable.ListRecordsParams{FilterByFormula: "{Points} > 0"})
		requireUnknownField(t, err, "FilterByFormula", `unknown field "Points"`)
		assert.Equal(t, 4, fetches()-1)

		// Max age: after an hour the next checked call fetches again.
		time.Sleep(time.Hour)
		_, err = c.Records.List(ctx, ds.ID, &apitable.ListRecordsParams{Fields: []string{"Title"}})
		require.NoError(t, err)
		assert.Equal(t, 5, fetches()-1)
	})
}

// A failed field-list fetch is not cached, and its error says what failed.
func TestSchemaCheckFetchErrorIsNotCached(t *testing.T) {
	t.Parallel()
	srv := apitabletest.NewServer(t, apitabletest.WithoutRateLimit())
	c := srv.Client(apitable.WithRateLimit(1000), apitable.WithSchemaCheck(0))
	for range 2 {
		_, err := c.Records.List(t.Context(), "dstNoSuchSheet00", &apitable.ListRecordsParams{Fields: []string{"Title"}})
		require.ErrorIs(t, err, apitable.ErrDatasheetNotFound)
		assert.True(t, strings.HasPrefix(err.Error(), "apitable: schema check: "), err.Error())
		assert.False(t, errors.Is(err, apitable.ErrFieldNotFound))
	}
	assert.Equal(t, 2, countRequests(srv, "GET", "/fields"))
}

// With WithSchemaCheck a misspelt field name is rejected before anything is
// sent, naming the closest existing field.
func ExampleWithSchemaCheck() {
	srv := apitabletest.New(apitabletest.WithoutRateLimit())
	defer srv.Close()
	ds := srv.AddDatasheet(srv.SpaceID(), apitabletest.DatasheetSpec{
		Name:   "Tasks",
		Fields: []apitabletest.FieldSpec{{Name: "Title", Type: "SingleText"}, {Name: "Due", Type: "DateTime"}},
	})
	client, err := srv.NewClient(apitable.WithSchemaCheck(0))
	if err != nil {
		log.Fatal(err)
	}
	_, err = client.Records.List(context.Background(), ds.ID, &apitable.ListRecordsParams{Fields: []string{"Titel"}})
	fmt.Println(strings.ReplaceAll(err.Error(), ds.ID, "dst…"))
	fmt.Println(errors.Is(err, apitable.ErrFieldNotFound), errors.Is(err, apitable.ErrInvalidRequest))
	// Output:
	// apitable: invalid request: Fields[0]: unknown field "Titel" in datasheet dst… (did you mean "Title"?)
	// true true
}

// A Fields map cannot tell an empty cell from a misspelt key: check the keys
// a program reads once against the datasheet's schema.
func ExampleFieldsService_Schema() {
	srv := apitabletest.New(apitabletest.WithoutRateLimit())
	defer srv.Close()
	ds := srv.AddDatasheet(srv.SpaceID(), apitabletest.DatasheetSpec{
		Name:    "Tasks",
		Fields:  []apitabletest.FieldSpec{{Name: "Title", Type: "SingleText"}, {Name: "Notes", Type: "Text"}},
		Records: []map[string]any{{"Title": "Write the README"}},
	})
	client, err := srv.NewClient(apitable.WithRateLimit(1000))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	sch, err := client.Fields.Schema(ctx, ds.ID)
	if err != nil {
		log.Fatal(err)
	}
	err = sch.Check(apitable.FieldKeyName, "Title", "Note")
	fmt.Println(strings.ReplaceAll(err.Error(), ds.ID, "dst…"))

	rec, err := client.Records.Get(ctx, ds.ID, ds.RecordIDs[0], nil)
	if err != nil {
		log.Fatal(err)
	}
	_, err = rec.Fields.Text("Notes")
	fmt.Println(err, sch.Has("Notes"))
	// Output:
	// apitable: invalid request: unknown field "Note" in datasheet dst… (did you mean "Notes"?)
	// apitable: field "Notes": cell is empty (not in the record: an empty cell, or no such field) true
}

// Values that cannot be sent are rejected before the schema is fetched.
func TestSchemaCheckAfterLocalValidation(t *testing.T) {
	t.Parallel()
	srv := apitabletest.NewServer(t, apitabletest.WithoutRateLimit())
	ds := schemaSheet(t, srv)
	c := srv.Client(apitable.WithRateLimit(1000), apitable.WithSchemaCheck(0))
	_, err := c.Records.Create(t.Context(), ds.ID, []apitable.Fields{{"Titel": math.NaN()}}, nil)
	require.ErrorIs(t, err, apitable.ErrInvalidRequest)
	assert.NotErrorIs(t, err, apitable.ErrFieldNotFound)
	assert.Empty(t, srv.Requests())
}
