package table_test

import (
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apitable-go/apitable"
	"github.com/apitable-go/apitable/apitabletest"
	"github.com/apitable-go/apitable/table"
)

// fastClient is srv.Client without the client-side rate limit.
func fastClient(srv *apitabletest.Server, opts ...apitable.Option) *apitable.Client {
	return srv.Client(append([]apitable.Option{apitable.WithRateLimit(1e6)}, opts...)...)
}

// Priority is a named string type: named types map by their kind.
type Priority string

// rowBase is embedded (unexported type, no tag): its fields are mapped as
// if they were the outer struct's.
type rowBase struct {
	Notes string `apitable:"Notes,omitempty"`
}

// everyType has a Go field of every supported type.
type everyType struct {
	table.RecordMeta
	rowBase
	Title    string                `apitable:"Title"`
	Mail     *string               `apitable:"Mail"`
	Phone    string                `apitable:"Tel"`
	Status   Priority              `apitable:"Status"`
	Region   string                // untagged: by the Go name
	Count    int                   `apitable:"Count"`
	Small    int8                  `apitable:"Small"`
	Big      uint64                `apitable:"Big"`
	Price    float64               `apitable:"Price"`
	Share    float32               `apitable:"Share"`
	Stars    *uint8                `apitable:"Stars"`
	Done     bool                  `apitable:"Done"`
	Due      time.Time             `apitable:"Due"`
	Remind   *time.Time            `apitable:"Remind"`
	Tags     []string              `apitable:"Tags"`
	Friends  []string              `apitable:"Friends"`
	Files    []apitable.Attachment `apitable:"Files"`
	Owner    []apitable.Member     `apitable:"Owner"`
	Reviewer []apitable.MemberRef  `apitable:"Reviewer"`
	Site     apitable.URL          `apitable:"Site"`
	Home     *apitable.URL         `apitable:"Home"`
	Raw      any                   `apitable:"Raw"`
	Docs     []apitable.WorkDoc    `apitable:"Docs"`
	// Computed.
	Label       string         `apitable:"Label,readonly"`
	No          int64          `apitable:"No,readonly"`
	Created     time.Time      `apitable:"Created,readonly"`
	Modified    *time.Time     `apitable:"Modified,readonly"`
	Author      apitable.User  `apitable:"Author"`
	Editor      *apitable.User `apitable:"Editor"`
	FriendNames []string       `apitable:"Friend names,readonly"`
	FriendAges  []any          `apitable:"Friend ages,readonly"`
	// Not mapped.
	Cache  map[string]int `apitable:"-"`
	hidden int
}

func seedEveryType(t *testing.T, srv *apitabletest.Server) (ds *apitabletest.Datasheet, people *apitabletest.Datasheet, ann, token string) {
	t.Helper()
	space := srv.SpaceID()
	ann = srv.AddMember(space, "Ann")
	token = srv.AddAttachment(space, "notes.txt", "text/plain", []byte("hello"))
	people = srv.AddDatasheet(space, apitabletest.DatasheetSpec{
		Name:    "People",
		Fields:  []apitabletest.FieldSpec{{Name: "Name", Type: "SingleText"}, {Name: "Age", Type: "Number"}},
		Records: []map[string]any{{"Name": "Ann", "Age": 30}, {"Name": "Bob", "Age": 41}},
	})
	ds = srv.AddDatasheet(space, apitabletest.DatasheetSpec{
		Name: "Everything",
		Fields: []apitabletest.FieldSpec{
			{Name: "Title", Type: "SingleText"},
			{Name: "Notes", Type: "Text"},
			{Name: "Mail", Type: "Email"},
			{Name: "Tel", Type: "Phone"},
			{Name: "Status", Type: "SingleSelect"},
			{Name: "Region", Type: "Cascader"},
			{Name: "Count", Type: "Number"},
			{Name: "Small", Type: "Number"},
			{Name: "Big", Type: "Number"},
			{Name: "Price", Type: "Currency"},
			{Name: "Share", Type: "Percent"},
			{Name: "Stars", Type: "Rating", Property: map[string]any{"icon": "star", "max": 5}},
			{Name: "Done", Type: "Checkbox"},
			{Name: "Due", Type: "DateTime", Property: map[string]any{"includeTime": true}},
			{Name: "Remind", Type: "DateTime"},
			{Name: "Tags", Type: "MultiSelect"},
			{Name: "Friends", Type: "OneWayLink", Property: map[string]any{"foreignDatasheetId": people.ID}},
			{Name: "Files", Type: "Attachment"},
			{Name: "Owner", Type: "Member", Property: map[string]any{"isMulti": true}},
			{Name: "Reviewer", Type: "Member"},
			{Name: "Site", Type: "URL"},
			{Name: "Home", Type: "URL"},
			{Name: "Raw", Type: "Number"},
			{Name: "Docs", Type: "WorkDoc"},
			{Name: "Label", Type: "Formula", Property: map[string]any{"expression": `{Title} & "!"`}},
			{Name: "No", Type: "AutoNumber"},
			{Name: "Created", Type: "CreatedTime"},
			{Name: "Modified", Type: "LastModifiedTime"},
			{Name: "Author", Type: "CreatedBy"},
			{Name: "Editor", Type: "LastModifiedBy"},
			{Name: "Friend names", Type: "MagicLookUp", Property: map[string]any{"relatedLinkFieldId": "Friends", "targetFieldId": "Name"}},
			{Name: "Friend ages", Type: "MagicLookUp", Property: map[string]any{"relatedLinkFieldId": "Friends", "targetFieldId": "Age"}},
			{Name: "Unmapped", Type: "SingleText"},
		},
	})
	return ds, people, ann, token
}

// TestTableRoundTripEveryType creates a row with a value of every
// supported Go type, reads it back with Get, List and All, and finds it
// equal; computed fields are filled in.
func TestTableRoundTripEveryType(t *testing.T) {
	t.Parallel()
	srv := apitabletest.NewServer(t, apitabletest.WithoutRateLimit())
	ds, people, ann, token := seedEveryType(t, srv)
	tbl, err := table.Of[everyType](fastClient(srv), ds.ID)
	require.NoError(t, err)
	ctx := t.Context()
	require.NoError(t, tbl.Check(ctx), "every Go type fits its field")

	due := time.Date(2026, 11, 27, 9, 30, 0, 0, time.UTC)
	in := everyType{
		rowBase:  rowBase{Notes: "multi\nline"},
		Title:    "hello",
		Mail:     ptr("a@example.com"),
		Phone:    "+47 123",
		Status:   "Doing",
		Region:   "Europe / Norway",
		Count:    12,
		Small:    -5,
		Big:      1 << 40,
		Price:    9.99,
		Share:    0.1, // float32: sent as 0.1, not 0.10000000149011612
		Stars:    ptr[uint8](4),
		Done:     true,
		Due:      due,
		Tags:     []string{"go", "sdk"},
		Friends:  []string{people.RecordIDs[1], people.RecordIDs[0]},
		Files:    []apitable.Attachment{{Token: token, Name: "notes.txt"}},
		Owner:    []apitable.Member{{ID: ann}},
		Reviewer: []apitable.MemberRef{apitable.MemberByID(ann)},
		Site:     apitable.URL{Text: "https://go.dev", Title: "Go"},
		Raw:      3.5,
		Label:    "never sent",
		Cache:    map[string]int{"x": 1},
		hidden:   7,
	}
	created, err := tbl.Create(ctx, []everyType{in})
	require.NoError(t, err)
	require.Len(t, created, 1)
	id := created[0].ID
	require.NotEmpty(t, id)
	assert.Equal(t, "hello!", created[0].Label, "computed fields come back from Create")

	got, err := tbl.Get(ctx, id)
	require.NoError(t, err)

	// Server-side values first, then the whole struct.
	assert.Equal(t, id, got.ID)
	assert.False(t, got.CreatedAt.IsZero())
	require.Len(t, got.Files, 1)
	assert.Equal(t, token, got.Files[0].Token)
	assert.Equal(t, int64(5), got.Files[0].Size)
	require.Len(t, got.Owner, 1)
	assert.Equal(t, "Ann", got.Owner[0].Name)
	assert.Equal(t, "hello!", got.Label)
	assert.Equal(t, int64(1), got.No)
	assert.False(t, got.Created.IsZero())
	require.NotNil(t, got.Modified)
	assert.NotEmpty(t, got.Author.ID)
	require.NotNil(t, got.Editor)
	assert.Equal(t, got.Author, *got.Editor)
	assert.Equal(t, []string{"Bob", "Ann"}, got.FriendNames)
	assert.Equal(t, []any{41.0, 30.0}, got.FriendAges)

	want := in
	want.RecordMeta = got.RecordMeta
	want.Files, want.Owner = got.Files, got.Owner
	want.Label, want.No, want.Created, want.Modified = got.Label, got.No, got.Created, got.Modified
	want.Author, want.Editor = got.Author, got.Editor
	want.FriendNames, want.FriendAges = got.FriendNames, got.FriendAges
	want.Cache, want.hidden = nil, 0
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(everyType{}, apitable.MemberRef{})); diff != "" {
		t.Errorf("Get after Create (-want +got):\n%s", diff)
	}

	page, err := tbl.List(ctx, nil)
	require.NoError(t, err)
	require.Len(t, page.Records, 1)
	assert.Equal(t, 1, page.Total)
	assert.Equal(t, got, page.Records[0])
	var all []everyType
	for row, err := range tbl.All(ctx, nil) {
		require.NoError(t, err)
		all = append(all, row)
	}
	assert.Equal(t, []everyType{got}, all)

	// What was read can be written back unchanged.
	updated, err := tbl.Update(ctx, []everyType{got})
	require.NoError(t, err)
	assert.Equal(t, got.Title, updated[0].Title)
	again, err := tbl.Get(ctx, id)
	require.NoError(t, err)
	again.UpdatedAt, again.Modified = got.UpdatedAt, got.Modified
	require.Len(t, again.Files, 1)
	assert.Equal(t, token, again.Files[0].Token)
	again.Files = got.Files // rewritten: a new attachment item id
	assert.Equal(t, got, again)
}

// writeRow shows what is sent for empty values with and without omitempty.
type writeRow struct {
	ID       string     `apitable:",recordid"`
	Created  time.Time  `apitable:",createdat"`
	Title    string     `apitable:"Title"`
	Note     string     `apitable:"Note,omitempty"`
	Count    *float64   `apitable:"Count"`
	Score    *float64   `apitable:"Score,omitempty"`
	Zero     int        `apitable:"Zero"`
	ZeroOmit int        `apitable:"ZeroOmit,omitempty"`
	Done     bool       `apitable:"Done"`
	Tags     []string   `apitable:"Tags"`
	When     time.Time  `apitable:"When"`
	WhenPtr  *time.Time `apitable:"WhenPtr,omitempty"`
	Label    string     `apitable:"Label,readonly"`
}

func seedWriteRow(t *testing.T, srv *apitabletest.Server) *apitabletest.Datasheet {
	t.Helper()
	return srv.AddDatasheet(srv.SpaceID(), apitabletest.DatasheetSpec{
		Name: "Writes",
		Fields: []apitabletest.FieldSpec{
			{Name: "Title", Type: "SingleText"},
			{Name: "Note", Type: "Text"},
			{Name: "Count", Type: "Number"},
			{Name: "Score", Type: "Number"},
			{Name: "Zero", Type: "Number"},
			{Name: "ZeroOmit", Type: "Number"},
			{Name: "Done", Type: "Checkbox"},
			{Name: "Tags", Type: "MultiSelect"},
			{Name: "When", Type: "DateTime"},
			{Name: "WhenPtr", Type: "DateTime"},
			{Name: "Label", Type: "Formula", Property: map[string]any{"expression": `{Title} & "?"`}},
		},
	})
}

// lastBody returns the "fields" of each record in the JSON body of the last
// request, and the body's fieldKey.
func lastBody(t *testing.T, srv *apitabletest.Server) ([]map[string]any, string) {
	t.Helper()
	reqs := srv.Requests()
	require.NotEmpty(t, reqs)
	var body struct {
		Records []struct {
			Fields map[string]any `json:"fields"`
		} `json:"records"`
		FieldKey string `json:"fieldKey"`
	}
	require.NoError(t, json.Unmarshal(reqs[len(reqs)-1].Body, &body))
	out := make([]map[string]any, len(body.Records))
	for i, r := range body.Records {
		out[i] = r.Fields
	}
	return out, body.FieldKey
}

// TestTableWriteShape checks the request bodies: omitempty, readonly,
// nulls on Update but never on Create, numbers and bools always sent.
func TestTableWriteShape(t *testing.T) {
	t.Parallel()
	srv := apitabletest.NewServer(t, apitabletest.WithoutRateLimit())
	ds := seedWriteRow(t, srv)
	tbl, err := table.Of[writeRow](fastClient(srv), ds.ID)
	require.NoError(t, err)
	ctx := t.Context()
	require.NoError(t, tbl.Check(ctx))

	created, err := tbl.Create(ctx, []writeRow{{Title: "a", Count: ptr(5.0), Score: ptr(0.0), Tags: []string{}, Label: "x"}})
	require.NoError(t, err)
	fields, fieldKey := lastBody(t, srv)
	assert.Equal(t, "name", fieldKey)
	assert.Equal(t, []map[string]any{{"Title": "a", "Count": 5.0, "Score": 0.0, "Zero": 0.0, "Done": false}}, fields,
		"Create: no nulls, no empty omitempty values, no read-only fields")
	row := created[0]
	assert.Equal(t, "a?", row.Label)
	assert.True(t, row.Created.IsZero(), "the create response has no timestamps")

	row, err = tbl.Get(ctx, row.ID)
	require.NoError(t, err)
	assert.False(t, row.Created.IsZero(), ",createdat")
	require.NotNil(t, row.Score)
	require.NotNil(t, row.Count)

	// Clear Count (nil, no omitempty) but leave Score (nil, omitempty).
	row.Count, row.Score = nil, nil
	row.Title = "b"
	_, err = tbl.Update(ctx, []writeRow{row})
	require.NoError(t, err)
	fields, _ = lastBody(t, srv)
	assert.Equal(t, []map[string]any{{"Title": "b", "Count": nil, "Zero": 0.0, "Done": false, "Tags": nil, "When": nil}}, fields,
		"Update: empty values are null unless omitempty")
	got, err := tbl.Get(ctx, row.ID)
	require.NoError(t, err)
	assert.Nil(t, got.Count, "cleared")
	assert.Equal(t, ptr(0.0), got.Score, "left alone")
	assert.Equal(t, "b?", got.Label)

	// A time in a pointer, set and then cleared.
	when := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	got.WhenPtr, got.When = &when, when
	_, err = tbl.Update(ctx, []writeRow{got})
	require.NoError(t, err)
	fields, _ = lastBody(t, srv)
	assert.Equal(t, float64(when.UnixMilli()), fields[0]["WhenPtr"])
	got, err = tbl.Get(ctx, row.ID)
	require.NoError(t, err)
	require.NotNil(t, got.WhenPtr)
	assert.Equal(t, when, *got.WhenPtr)
	assert.Equal(t, when, got.When)
	got.When = time.Time{}
	_, err = tbl.Update(ctx, []writeRow{got})
	require.NoError(t, err)
	got, err = tbl.Get(ctx, row.ID)
	require.NoError(t, err)
	assert.True(t, got.When.IsZero())
	assert.NotNil(t, got.WhenPtr)
}

func TestTableUpdateAndDeleteNeedIDs(t *testing.T) {
	t.Parallel()
	srv := apitabletest.NewServer(t)
	ds := seedWriteRow(t, srv)
	tbl, err := table.Of[writeRow](fastClient(srv), ds.ID)
	require.NoError(t, err)
	ctx := t.Context()
	_, err = tbl.Update(ctx, []writeRow{{ID: "recAAAAAAAAAA", Title: "a"}, {Title: "b"}})
	var ve *apitable.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "records[1].ID", ve.Field)
	assert.ErrorIs(t, tbl.Delete(ctx, []writeRow{{}}), apitable.ErrInvalidRequest)

	type noID struct {
		Title string
	}
	tbl2, err := table.Of[noID](fastClient(srv), ds.ID)
	require.NoError(t, err)
	_, err = tbl2.Update(ctx, []noID{{Title: "x"}})
	require.ErrorIs(t, err, apitable.ErrInvalidRequest)
	assert.Contains(t, err.Error(), "no record id field")
	assert.Empty(t, srv.Requests(), "validation happens before any request")

	// Empty inputs make no request.
	out, err := tbl.Create(ctx, nil)
	require.NoError(t, err)
	assert.Empty(t, out)
	assert.Empty(t, srv.Requests())
}

type task struct {
	table.RecordMeta
	Title string  `apitable:"Title"`
	Count float64 `apitable:"Count,omitempty"`
}

func TestTableListAllUpsertDelete(t *testing.T) {
	t.Parallel()
	srv := apitabletest.NewServer(t, apitabletest.WithoutRateLimit())
	recs := make([]map[string]any, 25)
	for i := range recs {
		recs[i] = map[string]any{"Title": string(rune('a' + i)), "Count": i}
	}
	ds := srv.AddDatasheet(srv.SpaceID(), apitabletest.DatasheetSpec{
		Name:    "Tasks",
		Fields:  []apitabletest.FieldSpec{{Name: "Title", Type: "SingleText"}, {Name: "Count", Type: "Number"}},
		Records: recs,
	})
	tbl, err := table.Of[task](fastClient(srv), ds.ID)
	require.NoError(t, err)
	ctx := t.Context()

	assert.Equal(t, ds.ID, tbl.DatasheetID())

	// Sort and Fields may use Go field names.
	page, err := tbl.List(ctx, &apitable.ListRecordsParams{PageSize: 10, PageNum: 2, Sort: []apitable.Sort{{Field: "Count", Desc: true}}, Fields: []string{"Title"}})
	require.NoError(t, err)
	assert.Equal(t, 25, page.Total)
	assert.Equal(t, 2, page.PageNum)
	require.Len(t, page.Records, 10)
	assert.Equal(t, "o", page.Records[0].Title)
	assert.Zero(t, page.Records[0].Count, "not requested")

	n := 0
	for row, err := range tbl.All(ctx, &apitable.ListRecordsParams{PageSize: 7}) {
		require.NoError(t, err)
		assert.Equal(t, float64(n), row.Count)
		n++
	}
	assert.Equal(t, 25, n)
	for _, err := range tbl.All(ctx, nil) {
		require.NoError(t, err)
		break // stops cleanly (goleak in TestMain)
	}

	_, err = tbl.List(ctx, &apitable.ListRecordsParams{CellFormat: apitable.CellFormatString})
	require.ErrorIs(t, err, apitable.ErrInvalidRequest)
	_, err = tbl.List(ctx, &apitable.ListRecordsParams{FieldKey: apitable.FieldKeyID})
	require.ErrorIs(t, err, apitable.ErrInvalidRequest)

	// Upsert by Go field name: "c" exists, "zz" does not.
	out, err := tbl.Upsert(ctx, []task{{Title: "c", Count: 100}, {Title: "zz", Count: 7}}, []string{"Title"})
	require.NoError(t, err)
	require.Len(t, out, 2)
	assert.Equal(t, ds.RecordIDs[2], out[0].ID)
	assert.Equal(t, 100.0, out[0].Count)
	assert.NotEmpty(t, out[1].ID)
	assert.Len(t, srv.Records(ds.ID), 26)

	_, err = tbl.Upsert(ctx, out, []string{"Nope"})
	require.ErrorIs(t, err, apitable.ErrInvalidRequest)
	_, err = tbl.Upsert(ctx, out, nil)
	require.ErrorIs(t, err, apitable.ErrInvalidRequest)

	require.NoError(t, tbl.Delete(ctx, out))
	assert.Len(t, srv.Records(ds.ID), 24)
	_, err = tbl.Get(ctx, out[0].ID)
	require.ErrorIs(t, err, apitable.ErrRecordNotFound)
}

// TestTableBatchErrorPassesThrough: a failed chunk gives Records' own
// *BatchError, indices over the input rows, with the applied rows decoded.
func TestTableBatchErrorPassesThrough(t *testing.T) {
	t.Parallel()
	srv := apitabletest.NewServer(t, apitabletest.WithoutRateLimit())
	ds := srv.AddDatasheet(srv.SpaceID(), apitabletest.DatasheetSpec{
		Name:   "Tasks",
		Fields: []apitabletest.FieldSpec{{Name: "Title", Type: "SingleText"}, {Name: "Count", Type: "Number"}},
	})
	tbl, err := table.Of[task](fastClient(srv, apitable.WithMaxInFlight(1)), ds.ID)
	require.NoError(t, err)
	rows := make([]task, 15)
	for i := range rows {
		rows[i].Title = string(rune('a' + i))
	}
	srv.InjectFault(apitabletest.Fault{Method: "POST", Path: "/records", Status: 200, Code: 400, Message: "nope", Count: 1})
	out, err := tbl.Create(t.Context(), rows)
	var be *apitable.BatchError
	require.ErrorAs(t, err, &be)
	require.Len(t, be.Chunks, 2)
	assert.Equal(t, apitable.ChunkFailed, be.Chunks[0].Status)
	assert.Equal(t, apitable.ChunkApplied, be.Chunks[1].Status)
	assert.Equal(t, []int{10, 11, 12, 13, 14}, be.Chunks[1].Inputs)
	require.Len(t, out, 15)
	assert.Empty(t, out[0].ID)
	assert.Equal(t, "k", out[10].Title)
	assert.NotEmpty(t, out[10].ID)
}

// TestTableCheckNamesEveryProblem: one error lists a renamed, a removed and
// several mistyped fields, and a writable Go field on a computed field.
func TestTableCheckNamesEveryProblem(t *testing.T) {
	t.Parallel()
	srv := apitabletest.NewServer(t)
	ds := srv.AddDatasheet(srv.SpaceID(), apitabletest.DatasheetSpec{
		Name: "Tasks",
		Fields: []apitabletest.FieldSpec{
			{Name: "Title", Type: "SingleText"},
			{Name: "Count", Type: "Number"},
			{Name: "Notes", Type: "Text"},
			{Name: "Status", Type: "SingleSelect"},
			{Name: "Label", Type: "Formula", Property: map[string]any{"expression": `{Title}`}},
			{Name: "Author", Type: "CreatedBy"},
		},
	})
	type drifted struct {
		Title  string    `apitable:"title"` // renamed (case)
		Gone   string    `apitable:"Removed"`
		Count  string    `apitable:"Count"`
		Notes  time.Time `apitable:"Notes"`
		Status []string  `apitable:"Status"`
		Label  string    `apitable:"Label"`
		Author apitable.User
	}
	tbl, err := table.Of[drifted](fastClient(srv), ds.ID)
	require.NoError(t, err)
	err = tbl.Check(t.Context())
	require.ErrorIs(t, err, table.ErrSchemaMismatch)
	var se *table.SchemaError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, ds.ID, se.DatasheetID)
	type brief struct {
		GoField string
		Kind    table.SchemaProblemKind
		Type    apitable.FieldType
	}
	var got []brief
	for _, p := range se.Problems {
		got = append(got, brief{p.GoField, p.Kind, p.FieldType})
	}
	want := []brief{
		{"Title", table.SchemaFieldMissing, ""},
		{"Gone", table.SchemaFieldMissing, ""},
		{"Count", table.SchemaTypeMismatch, apitable.FieldNumber},
		{"Notes", table.SchemaTypeMismatch, apitable.FieldText},
		{"Status", table.SchemaTypeMismatch, apitable.FieldSingleSelect},
		{"Label", table.SchemaFieldReadOnly, apitable.FieldFormula},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("problems (-want +got):\n%s", diff)
	}
	msg := err.Error()
	for _, s := range []string{`Title: no field named "title"`, `did you mean "Title"?`, `Gone: no field named "Removed"`,
		"Count: Go type string cannot hold Number", "(use float64 or an integer type)", "Notes: Go type time.Time cannot hold Text",
		"Status: Go type []string cannot hold SingleSelect", `Label: Formula field "Label" is read-only`} {
		assert.Contains(t, msg, s)
	}
	assert.NotContains(t, msg, "Author", "User fields are read-only by nature")
	assert.Equal(t, "type mismatch", table.SchemaTypeMismatch.String())
}

// The fake's ids are deterministic: a fresh server seeding this datasheet
// first gives these field ids (asserted in the test).
const (
	titleFieldID = "fld0001KZWSCx"
	countFieldID = "fld0001m5xcZc"
)

// byID names Title by id (under another Go and tag name: a renamed
// field) and Count by name.
type byID struct {
	table.RecordMeta
	Heading string  `apitable:"fld0001KZWSCx"`
	Count   float64 `apitable:"Count"`
}

// byOldName names Title by a name it no longer has.
type byOldName struct {
	Heading string `apitable:"Heading"`
}

// TestTableByIDSurvivesRename: a struct tagged by id works whatever the
// field's name; the ids of the name-tagged fields are looked up once, even
// under concurrent use; a struct tagged with the old name fails Check.
func TestTableByIDSurvivesRename(t *testing.T) {
	t.Parallel()
	srv := apitabletest.NewServer(t, apitabletest.WithoutRateLimit())
	ds := srv.AddDatasheet(srv.SpaceID(), apitabletest.DatasheetSpec{
		Name:    "Tasks",
		Fields:  []apitabletest.FieldSpec{{Name: "Title", Type: "SingleText"}, {Name: "Count", Type: "Number"}},
		Records: []map[string]any{{"Title": "seed", "Count": 1}},
	})
	require.Equal(t, map[string]string{"Title": titleFieldID, "Count": countFieldID}, ds.FieldIDs,
		"the fake's id sequence changed: update the constants and the tag of byID")
	c := fastClient(srv)
	ctx := t.Context()

	old, err := table.Of[byOldName](c, ds.ID)
	require.NoError(t, err)
	err = old.Check(ctx)
	require.ErrorIs(t, err, table.ErrSchemaMismatch)
	assert.Contains(t, err.Error(), `Heading: no field named "Heading"`)

	tbl, err := table.Of[byID](c, ds.ID)
	require.NoError(t, err)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			row, err := tbl.Get(ctx, ds.RecordIDs[0])
			assert.NoError(t, err)
			assert.Equal(t, "seed", row.Heading)
			assert.Equal(t, 1.0, row.Count)
		})
	}
	wg.Wait()
	out, err := tbl.Create(ctx, []byID{{Heading: "new", Count: 2}})
	require.NoError(t, err)
	assert.Equal(t, "new", out[0].Heading)
	fields, fieldKey := lastBody(t, srv)
	assert.Equal(t, "id", fieldKey)
	assert.Equal(t, []map[string]any{{titleFieldID: "new", countFieldID: 2.0}}, fields)
	require.NoError(t, tbl.Check(ctx))

	fieldLists := 0
	for _, r := range srv.Requests() {
		if strings.HasSuffix(r.Path, "/fields") {
			fieldLists++
		}
		if r.Method == "GET" && strings.HasSuffix(r.Path, "/records") {
			assert.Equal(t, "id", r.Query.Get("fieldKey"))
		}
	}
	assert.Equal(t, 3, fieldLists, "one Check of byOldName, one lookup for byID, one Check")

	// A name-tagged field that is missing makes id-mode calls fail.
	type brokenByID struct {
		Heading string `apitable:"id=fld0001KZWSCx"`
		Gone    string `apitable:"Gone"`
	}
	broken, err := table.Of[brokenByID](c, ds.ID)
	require.NoError(t, err)
	_, err = broken.List(ctx, nil)
	require.ErrorIs(t, err, table.ErrSchemaMismatch)
	assert.Contains(t, err.Error(), `Gone: no field named "Gone"`)
}

// TestTableDecodeErrors: a cell of the wrong kind names the Go field and
// the record; All yields it once and stops.
func TestTableDecodeErrors(t *testing.T) {
	t.Parallel()
	srv := apitabletest.NewServer(t)
	ds := srv.AddDatasheet(srv.SpaceID(), apitabletest.DatasheetSpec{
		Name:    "Tasks",
		Fields:  []apitabletest.FieldSpec{{Name: "Title", Type: "SingleText"}, {Name: "Count", Type: "Number"}},
		Records: []map[string]any{{"Title": "a", "Count": 1.5}, {"Title": "b", "Count": 300}},
	})
	type wrong struct {
		Title float64 `apitable:"Title"`
	}
	tbl, err := table.Of[wrong](fastClient(srv), ds.ID)
	require.NoError(t, err)
	_, err = tbl.Get(t.Context(), ds.RecordIDs[0])
	var cte *apitable.CellTypeError
	require.ErrorAs(t, err, &cte)
	assert.Contains(t, err.Error(), "record "+ds.RecordIDs[0]+": field Title:")
	n := 0
	for _, err := range tbl.All(t.Context(), nil) {
		require.Error(t, err)
		n++
	}
	assert.Equal(t, 1, n)

	type narrow struct {
		Count int8 `apitable:"Count"`
	}
	tbl2, err := table.Of[narrow](fastClient(srv), ds.ID)
	require.NoError(t, err)
	_, err = tbl2.Get(t.Context(), ds.RecordIDs[0])
	require.ErrorAs(t, err, &cte, "1.5 is not an integer")
	_, err = tbl2.Get(t.Context(), ds.RecordIDs[1])
	require.ErrorAs(t, err, &cte, "300 overflows int8")
	assert.Contains(t, err.Error(), "int8")
}

func TestOfErrors(t *testing.T) {
	t.Parallel()
	srv := apitabletest.NewServer(t)
	c := fastClient(srv)
	const dst = "dst0000000000000000"
	type inner struct{ A string }
	tests := []struct {
		name string
		make func() error
		want string
	}{
		{"not a struct", func() error { _, err := table.Of[string](c, dst); return err }, "must be a struct"},
		{"pointer", func() error { _, err := table.Of[*task](c, dst); return err }, "must be a struct"},
		{"map", func() error {
			_, err := table.Of[struct{ M map[string]int }](c, dst)
			return err
		}, "field M: unsupported type map[string]int"},
		{"nested struct", func() error {
			_, err := table.Of[struct {
				N inner `apitable:"N"`
			}](c, dst)
			return err
		}, "field N: unsupported type"},
		{"pointer to any", func() error { _, err := table.Of[struct{ P *any }](c, dst); return err }, "field P: unsupported"},
		{"slice of ints", func() error { _, err := table.Of[struct{ S []int }](c, dst); return err }, "field S: unsupported"},
		{"double pointer", func() error { _, err := table.Of[struct{ P **string }](c, dst); return err }, "field P: unsupported"},
		{"embedded pointer", func() error {
			_, err := table.Of[struct {
				*inner
				B string
			}](c, dst)
			return err
		}, "embedded struct pointers"},
		{"duplicate key", func() error {
			_, err := table.Of[struct {
				A string `apitable:"X"`
				B string `apitable:"X"`
			}](c, dst)
			return err
		}, `fields A and B both map to "X"`},
		{"unknown option", func() error {
			_, err := table.Of[struct {
				A string `apitable:"X,omitemtpy"`
			}](c, dst)
			return err
		}, `field A: unknown tag option "omitemtpy"`},
		{"recordid on int", func() error {
			_, err := table.Of[struct {
				ID int `apitable:",recordid"`
				A  string
			}](c, dst)
			return err
		}, "recordid needs a string field"},
		{"recordid with a name", func() error {
			_, err := table.Of[struct {
				ID string `apitable:"X,recordid"`
				A  string
			}](c, dst)
			return err
		}, "takes no field name"},
		{"unexported tagged", func() error {
			_, err := table.Of[struct {
				a string `apitable:"A"`
				B string
			}](c, dst)
			return err
		}, "field a: unexported"},
		{"nothing mapped", func() error { _, err := table.Of[struct{ table.RecordMeta }](c, dst); return err }, "no field is mapped"},
		{"meta twice", func() error {
			_, err := table.Of[struct {
				table.RecordMeta
				ID string `apitable:",recordid"`
				A  string
			}](c, dst)
			return err
		}, "exclude each other"},
		{"nil client", func() error { _, err := table.Of[task](nil, dst); return err }, "nil Client"},
		{"bad datasheet id", func() error { _, err := table.Of[task](c, "a/b"); return err }, "datasheetID"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := tc.make()
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	assert.Empty(t, srv.Requests())
}

func TestSchemaErrorIs(t *testing.T) {
	t.Parallel()
	err := error(&table.SchemaError{DatasheetID: "dstX", Type: "main.T", Problems: []table.SchemaProblem{
		{GoField: "A", Reason: "first"}, {GoField: "B", Reason: "second"},
	}})
	assert.True(t, errors.Is(err, table.ErrSchemaMismatch))
	assert.False(t, errors.Is(err, apitable.ErrInvalidRequest))
	assert.Equal(t, "apitable: main.T does not match datasheet dstX: A: first; B: second", err.Error())
}

func ptr[T any](v T) *T { return &v }
