package apitable_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apitable-go/apitable"
	"github.com/apitable-go/apitable/apitabletest"
)

// TestTypedValuesRoundTrip writes a typed value into every writable field
// type through the fake and reads it back with the typed getter (server-behaviour.md §8.1).
func TestTypedValuesRoundTrip(t *testing.T) {
	t.Parallel()
	srv := apitabletest.NewServer(t, apitabletest.WithoutRateLimit())
	space := srv.SpaceID()
	ann := srv.AddMember(space, "Ann")
	token := srv.AddAttachment(space, "notes.txt", "text/plain", []byte("hello"))
	people := srv.AddDatasheet(space, apitabletest.DatasheetSpec{
		Name:    "People",
		Fields:  []apitabletest.FieldSpec{{Name: "Name", Type: "SingleText", Property: map[string]any{}}},
		Records: []map[string]any{{"Name": "Ann"}, {"Name": "Bob"}},
	})
	ds := srv.AddDatasheet(space, apitabletest.DatasheetSpec{
		Name: "Everything",
		Fields: []apitabletest.FieldSpec{
			{Name: "Title", Type: "SingleText", Property: map[string]any{}},
			{Name: "Notes", Type: "Text"},
			{Name: "Mail", Type: "Email"},
			{Name: "Tel", Type: "Phone"},
			{Name: "Site", Type: "URL"},
			{Name: "Count", Type: "Number", Property: map[string]any{"precision": 2}},
			{Name: "Price", Type: "Currency", Property: map[string]any{"precision": 2, "symbol": "€"}},
			{Name: "Share", Type: "Percent", Property: map[string]any{"precision": 1}},
			{Name: "Stars", Type: "Rating", Property: map[string]any{"icon": "star", "max": 5}},
			{Name: "Done", Type: "Checkbox", Property: map[string]any{"icon": "white_check_mark"}},
			{Name: "Status", Type: "SingleSelect", Property: map[string]any{"options": []any{map[string]any{"name": "Todo"}}}},
			{Name: "Tags", Type: "MultiSelect", Property: map[string]any{"options": []any{}}},
			{Name: "Due", Type: "DateTime", Property: map[string]any{"dateFormat": "YYYY-MM-DD", "includeTime": true}},
			{Name: "Files", Type: "Attachment"},
			{Name: "Owner", Type: "Member", Property: map[string]any{"isMulti": true}},
			{Name: "Friends", Type: "OneWayLink", Property: map[string]any{"foreignDatasheetId": people.ID}},
			{Name: "Region", Type: "Cascader"},
		},
	})
	c := srv.Client()
	due := time.Date(2026, 11, 27, 9, 30, 0, 0, time.UTC)
	in := apitable.Fields{
		"Title":   "hello",
		"Notes":   "multi\nline",
		"Mail":    "a@example.com",
		"Tel":     "+47 123",
		"Site":    apitable.URL{Text: "https://go.dev", Title: "Go"},
		"Count":   12.5,
		"Price":   9.99,
		"Share":   0.25,
		"Stars":   4,
		"Done":    true,
		"Status":  "Doing", // a new option: created by the server (server-behaviour.md §8.1)
		"Tags":    []string{"go", "sdk"},
		"Due":     due,
		"Files":   []apitable.Attachment{{Token: token, Name: "notes.txt"}},
		"Owner":   []apitable.MemberRef{apitable.MemberByID(ann), apitable.MemberByName("Teammate", "Member")},
		"Friends": []string{people.RecordIDs[1], people.RecordIDs[0]},
		"Region":  "Europe / Norway",
	}
	created, err := c.Records.Create(t.Context(), ds.ID, []apitable.Fields{in}, nil)
	require.NoError(t, err)
	rec, err := c.Records.Get(t.Context(), ds.ID, created[0].ID, nil)
	require.NoError(t, err)
	f := rec.Fields

	for key, want := range map[string]string{"Title": "hello", "Notes": "multi\nline", "Mail": "a@example.com", "Tel": "+47 123", "Status": "Doing", "Region": "Europe / Norway"} {
		got, err := f.Text(key)
		require.NoError(t, err, key)
		assert.Equal(t, want, got, key)
	}
	for key, want := range map[string]float64{"Count": 12.5, "Price": 9.99, "Share": 0.25, "Stars": 4} {
		got, err := f.Number(key)
		require.NoError(t, err, key)
		assert.InDelta(t, want, got, 1e-9, key)
	}
	done, err := f.Bool("Done")
	require.NoError(t, err)
	assert.True(t, done)
	site, err := f.URL("Site")
	require.NoError(t, err)
	assert.Equal(t, "https://go.dev", site.Text)
	assert.Equal(t, "Go", site.Title)
	tags, err := f.Strings("Tags")
	require.NoError(t, err)
	assert.Equal(t, []string{"go", "sdk"}, tags)
	gotDue, err := f.Time("Due")
	require.NoError(t, err)
	assert.True(t, due.Equal(gotDue), "%v vs %v", due, gotDue)
	files, err := f.Attachments("Files")
	require.NoError(t, err)
	require.Len(t, files, 1)
	assert.Equal(t, token, files[0].Token)
	assert.Equal(t, "notes.txt", files[0].Name)
	assert.Equal(t, int64(5), files[0].Size)
	assert.NotEmpty(t, files[0].URL)
	owners, err := f.Members("Owner")
	require.NoError(t, err)
	require.Len(t, owners, 2)
	assert.Equal(t, ann, owners[0].ID)
	assert.Equal(t, "Ann", owners[0].Name)
	assert.Equal(t, "Teammate", owners[1].Name)
	friends, err := f.Strings("Friends")
	require.NoError(t, err)
	assert.Equal(t, []string{people.RecordIDs[1], people.RecordIDs[0]}, friends)

	// The read values written back are accepted unchanged (attachments and
	// members as read are re-encoded to their write forms).
	_, err = c.Records.Update(t.Context(), ds.ID, []apitable.RecordUpdate{{ID: rec.ID, Fields: apitable.Fields{
		"Files": files, "Owner": owners[:1], "Site": site, "Due": gotDue, "Done": false,
	}}}, nil)
	require.NoError(t, err)
	again, err := c.Records.Get(t.Context(), ds.ID, rec.ID, nil)
	require.NoError(t, err)
	done, err = again.Fields.Bool("Done")
	require.NoError(t, err)
	assert.False(t, done, "false unchecks: the cell is absent")
	assert.False(t, again.Fields.Has("Done"))
	owners, err = again.Fields.Members("Owner")
	require.NoError(t, err)
	assert.Len(t, owners, 1)

	// Wrong type and empty are told apart.
	_, err = again.Fields.Number("Title")
	var cte *apitable.CellTypeError
	assert.ErrorAs(t, err, &cte)
	_, err = again.Fields.Text("Nope")
	assert.ErrorIs(t, err, apitable.ErrCellEmpty)
}

func TestInvalidTypedValuesRejectedBeforeSending(t *testing.T) {
	t.Parallel()
	srv := apitabletest.NewServer(t)
	c := srv.Client()
	for name, v := range map[string]any{
		"url without text":     apitable.URL{Title: "x"},
		"attachment no token":  []apitable.Attachment{{Name: "a"}},
		"zero time":            time.Time{},
		"member by bad type":   []apitable.MemberRef{apitable.MemberByName("Ann", "Robot")},
		"member by empty name": []apitable.MemberRef{apitable.MemberByName("", "Member")},
	} {
		_, err := c.Records.Create(t.Context(), "dstAny", []apitable.Fields{{"X": v}}, nil)
		assert.ErrorIs(t, err, apitable.ErrInvalidRequest, name)
	}
	assert.Empty(t, srv.Requests())
}
