package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/apitable-go/apitable"
	"github.com/apitable-go/apitable/apitabletest"
)

// cells returns the records' writable cells, in order, without ids.
func cells(recs []apitable.Record, drop ...string) []map[string]any {
	out := make([]map[string]any, len(recs))
	for i, r := range recs {
		m := map[string]any{}
		for k, v := range r.Fields {
			switch k {
			case "No", "Total":
				continue
			case "Site":
				v = v.(map[string]any)["text"] // CSV carries the URL's text only
			case "Files":
				// Each write makes new attachment cell ids.
				var files []any
				for _, a := range v.([]any) {
					a := maps.Clone(a.(map[string]any))
					delete(a, "id")
					files = append(files, a)
				}
				v = files
			}
			m[k] = v
		}
		for _, d := range drop {
			delete(m, d)
		}
		out[i] = m
	}
	return out
}

func readFailures(t *testing.T, path string) []failureLine {
	t.Helper()
	f, err := os.Open(path) //nolint:gosec // G304: a failures file the test wrote in its TempDir
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	var out []failureLine
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var fl failureLine
		if err := json.Unmarshal(sc.Bytes(), &fl); err != nil {
			t.Fatalf("failures line %q: %v", sc.Text(), err)
		}
		out = append(out, fl)
	}
	return out
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	for _, format := range []string{"csv", "jsonl"} {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			fx := newFixture(t)
			dir := t.TempDir()
			file := filepath.Join(dir, "tasks."+format)
			wantCode(t, cli(t, t.Context(), fx.srv, "", "export", "-datasheet", fx.tasks.ID, "-format", format, "-o", file), 0)
			cp := fx.emptyCopy(t)
			// The export's record ids name the original's records: -create
			// makes new ones in the copy.
			r := cli(t, t.Context(), fx.srv, "", "import", "-datasheet", cp.ID, "-create", file)
			wantCode(t, r, 0)
			if !strings.Contains(r.stdout, "import: 3 rows read: 3 applied, 0 failed, 0 outcome unknown, 0 invalid, 0 skipped") {
				t.Fatalf("report: %s", r.stdout)
			}
			var drop []string
			if format == "csv" {
				drop = []string{"Files"} // attachments need upload tokens
				if !strings.Contains(r.stderr, `ignoring read-only and attachment columns: "Files", "No", "Total"`) {
					t.Fatalf("stderr: %s", r.stderr)
				}
			}
			want := cells(fx.srv.Records(fx.tasks.ID), drop...)
			got := cells(fx.srv.Records(cp.ID))
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("round trip (-original +copy):\n%s", diff)
			}
			// From stdin too, through a second export of the copy.
			var out strings.Builder
			r = cli(t, t.Context(), fx.srv, "", "export", "-datasheet", cp.ID, "-format", format, "-q")
			wantCode(t, r, 0)
			out.WriteString(r.stdout)
			cp2 := fx.emptyCopy(t)
			wantCode(t, cli(t, t.Context(), fx.srv, out.String(), "import", "-datasheet", cp2.ID, "-format", format, "-create", "-"), 0)
			if diff := cmp.Diff(got, cells(fx.srv.Records(cp2.ID))); diff != "" {
				t.Fatalf("second round trip (-copy +copy2):\n%s", diff)
			}
		})
	}
}

func TestImportConversions(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	cp := fx.emptyCopy(t)
	in := "Title,Estimate,Done,Tags,Due,Owner,Site,Assignees\n" +
		"a,\"1,234.5\",yes,\"red, green\",2024-03-01,Ann,https://a.example," + fx.team.RecordIDs[1] + "\n" +
		"b,,false,,2024-03-01T12:00:00+02:00,,,\n" +
		"c,7,1,blue,1709251200000,,,\n"
	r := cli(t, t.Context(), fx.srv, in, "import", "-datasheet", cp.ID, "-format", "csv", "-")
	wantCode(t, r, 0)
	recs := fx.srv.Records(cp.ID)
	want := []map[string]any{
		{"Title": "a", "Estimate": 1234.5, "Done": true, "Tags": []any{"red", "green"}, "Due": float64(time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC).UnixMilli()),
			"Owner": recs[0].Fields["Owner"], "Site": "https://a.example", "Assignees": []any{fx.team.RecordIDs[1]}},
		{"Title": "b", "Due": float64(time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC).UnixMilli())},
		{"Title": "c", "Estimate": 7.0, "Done": true, "Tags": []any{"blue"}, "Due": 1709251200000.0},
	}
	if diff := cmp.Diff(want, cells(recs)); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	if m, _ := recs[0].Fields.Members("Owner"); len(m) != 1 || m[0].Name != "Ann" {
		t.Fatalf("Owner: %v", recs[0].Fields["Owner"])
	}
}

func TestImportInvalidRows(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	cp := fx.emptyCopy(t)
	dir := t.TempDir()
	fail := filepath.Join(dir, "failed.jsonl")
	in := "Title,Estimate,Due\nok,1,\nbad number,x,\nbad date,2,2024-13-45\n,,\n"
	r := cli(t, t.Context(), fx.srv, in, "import", "-datasheet", cp.ID, "-format", "csv", "-failures", fail, "-")
	wantCode(t, r, exitPartial)
	for _, want := range []string{
		"import: 4 rows read: 1 applied, 0 failed, 0 outcome unknown, 3 invalid, 0 skipped",
		`line 3 (invalid): Estimate: "x" is not a number`,
		"line 4 (invalid): Due:",
		"line 5 (invalid): no cells to write",
		"3 rows not applied written to " + fail,
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("report lacks %q:\n%s", want, r.stdout)
		}
	}
	fl := readFailures(t, fail)
	if len(fl) != 3 || fl[0].Status != statusInvalid || fl[0].Line != 3 || fl[0].Fields["Estimate"] != "x" {
		t.Fatalf("failures: %+v", fl)
	}
	// Unknown columns stop the import before anything is sent, unless
	// -ignore-unknown.
	r = cli(t, t.Context(), fx.srv, "Title,Nope\na,b\n", "import", "-datasheet", cp.ID, "-format", "csv", "-")
	wantCode(t, r, exitError)
	if !strings.Contains(r.stderr, `no field named "Nope"`) {
		t.Fatalf("stderr: %s", r.stderr)
	}
	r = cli(t, t.Context(), fx.srv, "Title,Nope\nunknown ignored,b\n", "import", "-datasheet", cp.ID, "-format", "csv", "-ignore-unknown", "-")
	wantCode(t, r, 0)
	if !strings.Contains(r.stderr, `ignoring columns of unknown fields: "Nope"`) {
		t.Fatalf("stderr: %s", r.stderr)
	}
	// JSON Lines: unknown fields and bad JSON make rows invalid.
	r = cli(t, t.Context(), fx.srv, "{\"fields\":{\"Title\":\"j\",\"Nope\":1}}\nnot json\n\n{\"Title\":\"plain\",\"Done\":true}\n",
		"import", "-datasheet", cp.ID, "-format", "jsonl", "-")
	wantCode(t, r, exitPartial)
	if !strings.Contains(r.stdout, "3 rows read: 1 applied, 0 failed, 0 outcome unknown, 2 invalid") {
		t.Fatalf("report: %s", r.stdout)
	}
	if !strings.Contains(r.stdout, `line 1 (invalid): no field "Nope" in the datasheet`) {
		t.Fatalf("report: %s", r.stdout)
	}
	if n := len(fx.srv.Records(cp.ID)); n != 3 {
		t.Fatalf("%d records", n)
	}
}

func TestImportDryRun(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	cp := fx.emptyCopy(t)
	fx.srv.ResetRequests()
	r := cli(t, t.Context(), fx.srv, "Title,Estimate\na,1\nb,x\n", "import", "-datasheet", cp.ID, "-format", "csv", "-dry-run", "-")
	wantCode(t, r, exitPartial)
	if !strings.Contains(r.stdout, "dry run: 2 rows read: 1 applied, 0 failed, 0 outcome unknown, 1 invalid") {
		t.Fatalf("report: %s", r.stdout)
	}
	for _, req := range fx.srv.Requests() {
		if req.Method != "GET" {
			t.Fatalf("dry run sent %s %s", req.Method, req.Path)
		}
	}
	if n := len(fx.srv.Records(cp.ID)); n != 0 {
		t.Fatalf("%d records", n)
	}
}

func TestImportKeyUpsert(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	cp := fx.emptyCopy(t)
	in := "Title,Email,Estimate\nA,a@x.com,1\nB,b@x.com,2\n"
	wantCode(t, cli(t, t.Context(), fx.srv, in, "import", "-datasheet", cp.ID, "-format", "csv", "-key", "Title,Email", "-"), 0)
	// Same keys again: updates, plus one new row; a key repeated in the
	// input updates the row written just before.
	in = "Title,Email,Estimate\nA,a@x.com,10\nC,c@x.com,3\nC,c@x.com,30\n"
	r := cli(t, t.Context(), fx.srv, in, "import", "-datasheet", cp.ID, "-format", "csv", "-key", "Title,Email", "-")
	wantCode(t, r, 0)
	want := []map[string]any{
		{"Title": "A", "Email": "a@x.com", "Estimate": 10.0},
		{"Title": "B", "Email": "b@x.com", "Estimate": 2.0},
		{"Title": "C", "Email": "c@x.com", "Estimate": 30.0},
	}
	if diff := cmp.Diff(want, cells(fx.srv.Records(cp.ID))); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	// A row without a key value is invalid.
	r = cli(t, t.Context(), fx.srv, "Title,Estimate\nD,4\n", "import", "-datasheet", cp.ID, "-format", "csv", "-key", "Title,Email", "-")
	wantCode(t, r, exitPartial)
	if !strings.Contains(r.stdout, `no value for key field "Email"`) {
		t.Fatalf("report: %s", r.stdout)
	}
}

// inputCSV returns a CSV of n rows titled "row 1" … "row n".
func inputCSV(n int) string {
	var b strings.Builder
	b.WriteString("Title,Estimate\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "row %d,%d\n", i, i)
	}
	return b.String()
}

func TestImportPartialFailureAndResume(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	cp := fx.emptyCopy(t)
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	if err := os.WriteFile(in, []byte(inputCSV(45)), 0o600); err != nil {
		t.Fatal(err)
	}
	fail := filepath.Join(dir, "failed.jsonl")
	// The first create request is rejected: definitely not applied.
	// -isolate 0: the chunk is not split (split, the injected rejection
	// would not recur and every row would be applied).
	fx.srv.InjectFault(apitabletest.Fault{Method: "POST", Path: "/records", Status: 400, Message: "injected rejection"})
	r := cli(t, t.Context(), fx.srv, "", "import", "-datasheet", cp.ID, "-failures", fail, "-batch", "20", "-isolate", "0", in)
	wantCode(t, r, exitPartial)
	if !strings.Contains(r.stdout, "import: 45 rows read: 35 applied, 10 failed, 0 outcome unknown, 0 invalid, 0 skipped") ||
		!strings.Contains(r.stdout, "injected rejection") || !strings.Contains(r.stdout, "apitable import -datasheet "+cp.ID+" -format jsonl "+fail) {
		t.Fatalf("report:\n%s", r.stdout)
	}
	// Which chunk met the fault depends on arrival order (chunks are sent
	// in order, but over several connections): any one whole chunk.
	fl := readFailures(t, fail)
	if len(fl) != 10 || fl[0].Status != statusFailed || fl[0].Line%10 != 2 {
		t.Fatalf("failures: %d %+v", len(fl), fl)
	}
	// Resume from the failures file, writing the next failures to the same
	// file: now one chunk's outcome is unknown.
	fx.srv.InjectFault(apitabletest.Fault{Method: "POST", Path: "/records", Status: 500, Message: "injected crash"})
	r = cli(t, t.Context(), fx.srv, "", "import", "-datasheet", cp.ID, "-failures", fail, fail)
	wantCode(t, r, exitPartial)
	if !strings.Contains(r.stdout, "10 rows read: 0 applied, 0 failed, 10 outcome unknown") || !strings.Contains(r.stdout, "may duplicate") {
		t.Fatalf("report:\n%s", r.stdout)
	}
	fl = readFailures(t, fail)
	if len(fl) != 10 || fl[0].Status != statusUnknown {
		t.Fatalf("failures: %+v", fl)
	}
	// The 500 was answered before the create was applied (an injected
	// fault), so the rows are missing: re-import them by key.
	r = cli(t, t.Context(), fx.srv, "", "import", "-datasheet", cp.ID, "-key", "Title", "-failures", fail, fail)
	wantCode(t, r, 0)
	if fl := readFailures(t, fail); len(fl) != 0 {
		t.Fatalf("failures left: %+v", fl)
	}
	recs := fx.srv.Records(cp.ID)
	seen := map[string]bool{}
	for _, rec := range recs {
		seen[rec.Fields["Title"].(string)] = true
	}
	if len(recs) != 45 || len(seen) != 45 {
		t.Fatalf("%d records, %d distinct", len(recs), len(seen))
	}
}

func TestImportFatalErrorSkipsRest(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	cp := fx.emptyCopy(t)
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	if err := os.WriteFile(in, []byte(inputCSV(30)), 0o600); err != nil {
		t.Fatal(err)
	}
	fail := filepath.Join(dir, "failed.jsonl")
	// A 401 on the first create: the rest of the batch is not sent, and
	// the rest of the file is copied to the failures file as skipped.
	fx.srv.InjectFault(apitabletest.Fault{Method: "POST", Path: "/records", Status: 401})
	r := cli(t, t.Context(), fx.srv, "", "import", "-datasheet", cp.ID, "-failures", fail, "-batch", "10", in)
	wantCode(t, r, exitError)
	if !strings.Contains(r.stdout, "30 rows read: 0 applied, 10 failed, 0 outcome unknown, 0 invalid, 20 skipped") {
		t.Fatalf("report:\n%s", r.stdout)
	}
	fl := readFailures(t, fail)
	if len(fl) != 30 || fl[29].Status != statusSkipped || fl[29].Fields["Title"] != "row 30" {
		t.Fatalf("failures: %d", len(fl))
	}
	wantCode(t, cli(t, t.Context(), fx.srv, "", "import", "-datasheet", cp.ID, "-failures", fail, fail), 0)
	if n := len(fx.srv.Records(cp.ID)); n != 30 {
		t.Fatalf("%d records", n)
	}
}

func TestImportInterrupt(t *testing.T) {
	t.Parallel()
	fx := newFixture(t, apitabletest.WithLatency(40*time.Millisecond))
	cp := fx.emptyCopy(t)
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	const rows = 400
	if err := os.WriteFile(in, []byte(inputCSV(rows)), 0o600); err != nil {
		t.Fatal(err)
	}
	fail := filepath.Join(dir, "failed.jsonl")
	ctx, cancel := context.WithCancel(t.Context())
	// Cancel once some rows are in: like Ctrl-C mid-import.
	go func() {
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) && len(fx.srv.Records(cp.ID)) < 120 {
			time.Sleep(5 * time.Millisecond)
		}
		cancel()
	}()
	r := cli(t, ctx, fx.srv, "", "import", "-datasheet", cp.ID, "-failures", fail, "-batch", "100", in)
	wantCode(t, r, exitInterrupted)
	if !strings.Contains(r.stderr, "interrupted") {
		t.Fatalf("stderr: %s", r.stderr)
	}
	var read, applied, failed, unknown, invalid, skipped int
	if _, err := fmt.Sscanf(r.stdout, "import: %d rows read: %d applied, %d failed, %d outcome unknown, %d invalid, %d skipped",
		&read, &applied, &failed, &unknown, &invalid, &skipped); err != nil {
		t.Fatalf("report %q: %v", r.stdout, err)
	}
	if read != rows || applied+failed+unknown+skipped != rows || applied == 0 || applied == rows {
		t.Fatalf("report: %s", r.stdout)
	}
	fl := readFailures(t, fail)
	if len(fl) != rows-applied {
		t.Fatalf("%d failure lines, want %d", len(fl), rows-applied)
	}
	got := len(fx.srv.Records(cp.ID))
	if got < applied || got > applied+unknown {
		t.Fatalf("server has %d records; report says %d applied, %d unknown", got, applied, unknown)
	}
	// Resuming by key completes the import without duplicates.
	wantCode(t, cli(t, t.Context(), fx.srv, "", "import", "-datasheet", cp.ID, "-key", "Title", "-failures", fail, fail), 0)
	if n := len(fx.srv.Records(cp.ID)); n != rows {
		t.Fatalf("%d records after resume", n)
	}
}

func TestConvertValue(t *testing.T) {
	t.Parallel()
	f := func(t apitable.FieldType) apitable.Field { return apitable.Field{Type: t} }
	for _, tc := range []struct {
		f    apitable.Field
		in   any
		want any
		err  string
	}{
		{f(apitable.FieldNumber), " 2.5 ", 2.5, ""},
		{f(apitable.FieldNumber), "NaN", nil, "not a number"},
		{f(apitable.FieldPercent), 0.5, 0.5, ""},
		{f(apitable.FieldCheckbox), "No", false, ""},
		{f(apitable.FieldCheckbox), "maybe", nil, "not a checkbox"},
		{f(apitable.FieldMultiSelect), "a, b,,c", []string{"a", "b", "c"}, ""},
		{f(apitable.FieldMultiSelect), []any{"a"}, []string{"a"}, ""},
		{f(apitable.FieldMultiSelect), []any{1.0}, nil, "list of strings"},
		{f(apitable.FieldDateTime), "2024-02-03", time.Date(2024, 2, 3, 0, 0, 0, 0, time.UTC), ""},
		{f(apitable.FieldDateTime), 1706918400000.0, time.Date(2024, 2, 3, 0, 0, 0, 0, time.UTC), ""},
		{f(apitable.FieldDateTime), "soon", nil, "not a time"},
		{f(apitable.FieldURL), map[string]any{"text": "https://x", "title": "X", "favicon": "f"}, apitable.URL{Text: "https://x", Title: "X"}, ""},
		{f(apitable.FieldAttachment), []any{map[string]any{"token": "t", "name": "n", "url": "u"}}, []apitable.Attachment{{Token: "t", Name: "n"}}, ""},
		{f(apitable.FieldAttachment), "n (u)", nil, "upload tokens"},
		{f(apitable.FieldMember), []any{map[string]any{"id": "7", "name": "Ann"}}, []apitable.MemberRef{apitable.MemberByID("7")}, ""},
		{f(apitable.FieldMember), "Ann, Bo", []apitable.MemberRef{apitable.MemberByName("Ann", "Member"), apitable.MemberByName("Bo", "Member")}, ""},
		{f(apitable.FieldSingleText), 3.0, "3", ""},
		{f(apitable.FieldSingleText), []any{"x"}, nil, "does not take a list"},
		{f(apitable.FieldText), "", nil, "skip"},
		{f(apitable.FieldText), nil, nil, "skip"},
	} {
		got, err := convertValue(tc.f, tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s %v: err %v, want %q", tc.f.Type, tc.in, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s %v: %v", tc.f.Type, tc.in, err)
			continue
		}
		if diff := cmp.Diff(tc.want, got, cmp.Comparer(func(a, b apitable.MemberRef) bool { return a.String() == b.String() })); diff != "" {
			t.Errorf("%s %v (-want +got):\n%s", tc.f.Type, tc.in, diff)
		}
	}
}
