package main

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/apitable-go/apitable"
)

func TestExportCSV(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	r := cli(t, t.Context(), fx.srv, "", "export", "-datasheet", fx.tasks.ID)
	wantCode(t, r, 0)
	rows, err := csv.NewReader(strings.NewReader(r.stdout)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	wantHeader := []string{"recordId", "Title", "Notes", "Estimate", "Price", "Stars", "Done", "Status", "Tags", "Due",
		"Owner", "Files", "Site", "Email", "Assignees", "No", "Total"}
	if diff := cmp.Diff(wantHeader, rows[0]); diff != "" {
		t.Fatalf("header (-want +got):\n%s", diff)
	}
	if len(rows) != 4 {
		t.Fatalf("%d rows", len(rows))
	}
	recs := fx.srv.Records(fx.tasks.ID)
	got := map[string]string{}
	for i, h := range rows[0] {
		got[h] = rows[1][i]
	}
	want := map[string]string{
		"recordId": recs[0].ID, "Title": "Write the spec", "Notes": "line one\nline \"two\", with comma",
		"Estimate": "0.1", "Price": "19.99", "Stars": "4", "Done": "true", "Status": "Done", "Tags": "red, blue",
		"Due": "2024-01-15T09:30:00Z", "Owner": "Ann", "Site": "https://example.com", "Email": "ann@example.com",
		"Assignees": fx.team.RecordIDs[0], "No": "1", "Total": "0.2",
	}
	files := got["Files"]
	delete(got, "Files")
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("row 1 (-want +got):\n%s", diff)
	}
	if !strings.HasPrefix(files, "brief.txt (https://") || !strings.HasSuffix(files, ")") {
		t.Fatalf("Files: %q", files)
	}
	if rows[2][14] != fx.team.RecordIDs[0]+", "+fx.team.RecordIDs[1] || rows[3][6] != "" {
		t.Fatalf("row 2/3: %q %q", rows[2], rows[3])
	}
	if !strings.Contains(r.stderr, "exported 3 records to stdout") {
		t.Fatalf("stderr: %q", r.stderr)
	}

	// -fields picks and orders columns; -view filters rows; -o writes a file.
	out := filepath.Join(t.TempDir(), "out.csv")
	r = cli(t, t.Context(), fx.srv, "", "export", "-datasheet", fx.tasks.ID, "-view", fx.tasks.ViewIDs[1], "-fields", "Status,Title", "-o", out, "-q")
	wantCode(t, r, 0)
	if r.stdout != "" || r.stderr != "" {
		t.Fatalf("-o -q printed: %q %q", r.stdout, r.stderr)
	}
	b, err := os.ReadFile(out) //nolint:gosec // G304: a file in the test's own TempDir
	if err != nil {
		t.Fatal(err)
	}
	wantCSV := "recordId,Status,Title\n" + recs[1].ID + ",Doing,Build the client\n" + recs[2].ID + ",Todo,Release\n"
	if string(b) != wantCSV {
		t.Fatalf("view export:\n%s\nwant\n%s", b, wantCSV)
	}
}

func TestExportJSONL(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	r := cli(t, t.Context(), fx.srv, "", "export", "-datasheet", fx.tasks.ID, "-format", "jsonl")
	wantCode(t, r, 0)
	var got []apitable.Record
	sc := bufio.NewScanner(strings.NewReader(r.stdout))
	for sc.Scan() {
		var line map[string]json.RawMessage
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatal(err)
		}
		if len(line) != 2 || line["recordId"] == nil || line["fields"] == nil {
			t.Fatalf("line keys: %s", sc.Text())
		}
		var rec apitable.Record
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatal(err)
		}
		got = append(got, rec)
	}
	want := fx.srv.Records(fx.tasks.ID)
	if len(got) != len(want) {
		t.Fatalf("%d records, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i].ID != want[i].ID {
			t.Fatalf("record %d: id %s, want %s", i, got[i].ID, want[i].ID)
		}
		if diff := cmp.Diff(want[i].Fields, got[i].Fields); diff != "" {
			t.Fatalf("record %d (-server +export):\n%s", i, diff)
		}
	}
}

func TestExportError(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	r := cli(t, t.Context(), fx.srv, "", "export", "-datasheet", "dst00000000000x")
	wantCode(t, r, exitError)
}

func TestRenderCell(t *testing.T) {
	t.Parallel()
	num := apitable.Field{Type: apitable.FieldNumber}
	dt := apitable.Field{Type: apitable.FieldDateTime}
	formulaTime := apitable.Field{Type: apitable.FieldFormula, Property: &apitable.FormulaProperty{ValueType: "DateTime"}}
	for _, tc := range []struct {
		f    apitable.Field
		v    any
		want string
	}{
		{num, nil, ""},
		{num, 0.30000000000000004, "0.3"},
		{num, 1e21, "1000000000000000000000"},
		{num, 3.0, "3"},
		{num, -2.5, "-2.5"},
		{num, 123456.789, "123456.789"},
		{dt, float64(1705311000123), "2024-01-15T09:30:00.123Z"},
		{formulaTime, float64(1705276800000), "2024-01-15T00:00:00Z"},
		{apitable.Field{Type: apitable.FieldCheckbox}, true, "true"},
		{apitable.Field{Type: apitable.FieldMultiSelect}, []any{"a", "b"}, "a, b"},
		{apitable.Field{Type: apitable.FieldAttachment}, []any{map[string]any{"token": "t", "name": "a.png", "url": "https://x/a"}, map[string]any{"token": "u", "name": "b"}}, "a.png (https://x/a), b"},
		{apitable.Field{Type: apitable.FieldMember}, []any{map[string]any{"id": "1", "name": "Ann", "type": "Member"}}, "Ann"},
		{apitable.Field{Type: apitable.FieldURL}, map[string]any{"text": "https://e.com", "title": "E"}, "https://e.com"},
		{apitable.Field{Type: apitable.FieldCreatedBy}, map[string]any{"id": "u1", "name": "Bo"}, "Bo"},
		{apitable.Field{Type: apitable.FieldWorkDoc}, []any{map[string]any{"documentId": "d1", "title": "Spec"}}, "Spec"},
		{apitable.Field{Type: apitable.FieldMagicLookUp}, []any{1.5, "x", true}, "1.5, x, true"},
		{apitable.Field{Type: "Future"}, map[string]any{"k": 1.0}, `{"k":1}`},
	} {
		if got := renderCell(tc.f, tc.v); got != tc.want {
			t.Errorf("renderCell(%s, %v) = %q, want %q", tc.f.Type, tc.v, got, tc.want)
		}
	}
}
