package apitabletest

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestStateRoundTrip: a server loaded from another's SaveState answers
// every read the same (records, fields, views, nodes, spaces, attachments)
// and goes on with the same ids.
func TestStateRoundTrip(t *testing.T) {
	t.Parallel()
	a := NewServer(t, WithoutRateLimit())
	ds := taskSheet(t, a)
	folder := a.AddFolder(a.SpaceID(), "Projects")
	a.AddMember(a.SpaceID(), "Ann")
	tok := a.AddAttachment(a.SpaceID(), "a.txt", "text/plain", []byte("hello"))
	a.AddDatasheet(a.SpaceID(), DatasheetSpec{Name: "Inner", FolderID: folder, Fields: []FieldSpec{
		{Name: "Title", Type: "SingleText"},
		{Name: "Files", Type: "Attachment"},
		{Name: "Owner", Type: "Member", Property: map[string]any{"isMulti": true}},
	}, Records: []map[string]any{{"Title": "x", "Files": []any{map[string]any{"token": tok, "name": "a.txt"}}, "Owner": []any{map[string]any{"name": "Ann", "type": "Member"}}}}})
	wantOK(t, call(t, a, "POST", recordsPath(ds), `{"records":[{"fields":{"Title":"four","Tags":["c"]}}]}`), 201)
	wantOK(t, call(t, a, "PATCH", recordsPath(ds), `{"records":[{"recordId":"`+ds.RecordIDs[0]+`","fields":{"Count":9}}]}`), 200)

	var buf bytes.Buffer
	if err := a.SaveState(&buf); err != nil {
		t.Fatal(err)
	}
	b := NewServer(t, WithoutRateLimit())
	if err := b.LoadState(bytes.NewReader(buf.Bytes())); err != nil {
		t.Fatal(err)
	}
	if b.SpaceID() != a.SpaceID() {
		t.Fatalf("SpaceID %s, want %s", b.SpaceID(), a.SpaceID())
	}
	for _, path := range []string{
		recordsPath(ds), recordsPath(ds) + "?viewId=" + ds.ViewIDs[1] + "&cellFormat=string",
		"/fusion/v1/datasheets/" + ds.ID + "/fields", "/fusion/v1/datasheets/" + ds.ID + "/views",
		"/fusion/v1/spaces", "/fusion/v1/spaces/" + a.SpaceID() + "/nodes", "/fusion/v1/nodes/" + folder,
		"/fusion/v2/spaces/" + a.SpaceID() + "/nodes?type=Datasheet",
	} {
		ra, rb := call(t, a, "GET", path, nil), call(t, b, "GET", path, nil)
		if !bytes.Equal(ra.raw, rb.raw) {
			t.Errorf("GET %s:\n saved  %s\n loaded %s", path, ra.raw, rb.raw)
		}
	}
	inner := call(t, b, "GET", "/fusion/v2/spaces/"+a.SpaceID()+"/nodes?type=Datasheet&query=inner", nil).data()["nodes"].([]any)[0].(map[string]any)["id"].(string)
	ra, rb := call(t, a, "GET", "/fusion/v1/datasheets/"+inner+"/records", nil), call(t, b, "GET", "/fusion/v1/datasheets/"+inner+"/records", nil)
	if !bytes.Equal(ra.raw, rb.raw) {
		t.Errorf("attachment/member records:\n saved  %s\n loaded %s", ra.raw, rb.raw)
	}
	// Both go on with the same ids.
	ca := call(t, a, "POST", recordsPath(ds), `{"records":[{"fields":{"Title":"five"}}]}`)
	cb := call(t, b, "POST", recordsPath(ds), `{"records":[{"fields":{"Title":"five"}}]}`)
	ida := ca.data()["records"].([]any)[0].(map[string]any)["recordId"]
	idb := cb.data()["records"].([]any)[0].(map[string]any)["recordId"]
	if ida != idb {
		t.Errorf("next record id %v after load, %v before", idb, ida)
	}

	// SaveStateFile writes atomically: no temporary file is left behind.
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	if err := b.SaveStateFile(path); err != nil {
		t.Fatal(err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("dir holds %d entries, want only state.json", len(ents))
	}
	f, err := os.Open(path) //nolint:gosec // G304: the test's own temporary file
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	c := NewServer(t)
	if err := c.LoadState(f); err != nil || len(c.Records(ds.ID)) != 5 {
		t.Fatalf("load from file: %v, %d records", err, len(c.Records(ds.ID)))
	}
	if err := c.LoadState(bytes.NewReader([]byte(`{"version":99}`))); err == nil {
		t.Error("an unknown state version loaded")
	}
}
