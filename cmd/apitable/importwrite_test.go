package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apitable-go/apitable/apitabletest"
)

// csvWithBadMember returns n rows; row bad (1-based) names a member the
// space lacks, which the server rejects with code 400.
func csvWithBadMember(n, bad int) string {
	var b strings.Builder
	b.WriteString("Title,Estimate,Owner\n")
	for i := 1; i <= n; i++ {
		owner := "Ann"
		if i == bad {
			owner = "Nobody"
		}
		fmt.Fprintf(&b, "row %d,%d,%s\n", i, i, owner)
	}
	return b.String()
}

// writes returns the record write requests the server received.
func writes(srv *apitabletest.Server) int {
	n := 0
	for _, r := range srv.Requests() {
		if r.Method == "POST" || r.Method == "PATCH" {
			n++
		}
	}
	return n
}

func TestImportIsolatesBadRow(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	cp := fx.emptyCopy(t)
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	if err := os.WriteFile(in, []byte(csvWithBadMember(25, 17)), 0o600); err != nil {
		t.Fatal(err)
	}
	fail := filepath.Join(dir, "failed.jsonl")
	fx.srv.ResetRequests()
	r := cli(t, t.Context(), fx.srv, "", "import", "-datasheet", cp.ID, "-failures", fail, in)
	wantCode(t, r, exitPartial)
	if !strings.Contains(r.stdout, "import: 25 rows read: 24 applied, 1 failed, 0 outcome unknown, 0 invalid, 0 skipped") ||
		!strings.Contains(r.stdout, "line 18 (failed): ") || strings.Count(r.stdout, "(failed)") != 1 {
		t.Fatalf("report:\n%s", r.stdout)
	}
	recs := fx.srv.Records(cp.ID)
	if len(recs) != 24 {
		t.Fatalf("%d records stored, want 24", len(recs))
	}
	for _, rec := range recs {
		if rec.Fields["Title"] == "row 17" {
			t.Fatal("the bad row was stored")
		}
	}
	fl := readFailures(t, fail)
	if len(fl) != 1 || fl[0].Line != 18 || fl[0].Status != statusFailed || fl[0].Fields["Title"] != "row 17" ||
		!strings.Contains(fl[0].Error, "The unit specified by the unit Name does not exist") {
		t.Fatalf("failures: %+v", fl)
	}
	// 3 chunks; the bad one (rows 11-20) is split: 5 applied, the other 5
	// split without being re-sent whole, and so on down to the bad row.
	n := writes(fx.srv)
	t.Logf("1 bad row among 25: %d write requests (3 without isolation)", n)
	if n > 3+2*4 {
		t.Fatalf("%d write requests", n)
	}

	// An unknown outcome is never re-sent, so never split.
	cp2 := fx.emptyCopy(t)
	fx.srv.ResetRequests()
	fx.srv.InjectFault(apitabletest.Fault{Method: "POST", Path: "/records", Status: 500, Message: "injected crash"})
	r = cli(t, t.Context(), fx.srv, "", "import", "-datasheet", cp2.ID, "-isolate", "5", in)
	wantCode(t, r, exitPartial)
	if n := writes(fx.srv); n > 3+2*4 || !strings.Contains(r.stdout, "10 outcome unknown") {
		t.Fatalf("%d writes; report:\n%s", n, r.stdout)
	}
}

func TestImportIsolateBudget(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	cp := fx.emptyCopy(t)
	// Every row is bad: after -isolate 2 bad rows are found, whole chunks
	// are blamed.
	var b strings.Builder
	b.WriteString("Title,Owner\n")
	for i := range 30 {
		fmt.Fprintf(&b, "row %d,Nobody\n", i)
	}
	fx.srv.ResetRequests()
	r := cli(t, t.Context(), fx.srv, b.String(), "import", "-datasheet", cp.ID, "-format", "csv", "-isolate", "2", "-")
	wantCode(t, r, exitPartial)
	if !strings.Contains(r.stdout, "30 rows read: 0 applied, 30 failed") {
		t.Fatalf("report:\n%s", r.stdout)
	}
	n := writes(fx.srv)
	t.Logf("30 bad rows, -isolate 2: %d write requests", n)
	if n > 3+10 {
		t.Fatalf("%d write requests", n)
	}
}

// TestImportProgressCountsApplied drives an import with a clock that
// moves a second per reading: every bar drawn shows as applied what the
// server has stored at that moment, and the last one every row.
func TestImportProgressCountsApplied(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	cp := fx.emptyCopy(t)
	in := csvWithBadMember(95, 42)
	bar := regexp.MustCompile(`imported (\d+)/95(?: \((\d+) not applied\))?`)
	var draws []string
	w := writerFunc(func(p []byte) {
		m := bar.FindSubmatch(p)
		if m == nil {
			return
		}
		done, _ := strconv.Atoi(string(m[1]))
		missed, _ := strconv.Atoi(string(m[2]))
		if stored := len(fx.srv.Records(cp.ID)); done-missed != stored {
			t.Errorf("bar %q shows %d applied; the server has %d", p, done-missed, stored)
		}
		draws = append(draws, string(m[0]))
	})
	now := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	e := &env{getenv: func(string) string { return "" }, token: fx.srv.Token(), baseURL: fx.srv.URL(), rate: 1000,
		stderr: &bytes.Buffer{}, stdout: &bytes.Buffer{}}
	c, err := e.client()
	if err != nil {
		t.Fatal(err)
	}
	imp := &importer{e: e, c: c, dst: cp.ID, batch: 1000, perCall: 20, isolate: 10}
	imp.prog = newProgress(w, "imported", 95, false)
	imp.prog.tty = true
	imp.prog.now = func() time.Time { now = now.Add(time.Second); return now }
	imp.prog.start, imp.prog.last = now, now
	fields, err := c.Fields.List(t.Context(), cp.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	rr, err := newRowReader(strings.NewReader(in), &importOpts{format: "csv"}, fields, e.stderr)
	if err != nil {
		t.Fatal(err)
	}
	if err := imp.loop(t.Context(), rr, false); err != nil {
		t.Fatal(err)
	}
	imp.prog.finish()
	if len(draws) < 5 || draws[len(draws)-1] != "imported 95/95 (1 not applied)" {
		t.Fatalf("draws: %q", draws)
	}
	if imp.applied != 94 || len(fx.srv.Records(cp.ID)) != 94 {
		t.Fatalf("applied %d, stored %d", imp.applied, len(fx.srv.Records(cp.ID)))
	}
}

type writerFunc func([]byte)

func (f writerFunc) Write(p []byte) (int, error) { f(p); return len(p), nil }

// TestProgressETA: the ETA is there from the first draw (the nominal rate
// before any result), and the first results do not promise a rate above
// what a second of work showed.
func TestProgressETA(t *testing.T) {
	t.Parallel()
	now := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	var b bytes.Buffer
	p := newProgress(&b, "imported", 1500, false)
	p.now = func() time.Time { return now }
	p.start, p.last = now, now
	p.tty = true
	p.nominal = 50
	p.begin()
	if got := b.String(); !strings.HasSuffix(got, "imported 0/1500 0.0/s ETA 0:30") {
		t.Fatalf("first draw: %q", got)
	}
	// 50 rows back after 0.2 s: the rate is taken over at least a second.
	b.Reset()
	now = now.Add(200 * time.Millisecond)
	p.update(50, 0)
	if got := b.String(); !strings.HasSuffix(got, "imported 50/1500 50.0/s ETA 0:29") {
		t.Fatalf("after 0.2 s: %q", got)
	}
	b.Reset()
	now = now.Add(9800 * time.Millisecond)
	p.update(400, 1)
	if got := b.String(); !strings.Contains(got, "imported 400/1500 (1 not applied) 40.0/s ETA 0:28") {
		t.Fatalf("after 10 s: %q", got)
	}
}

func TestImportRecordIDRoundTrip(t *testing.T) {
	t.Parallel()
	for _, format := range []string{"csv", "jsonl"} {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			fx := newFixture(t)
			dir := t.TempDir()
			file := filepath.Join(dir, "tasks."+format)
			wantCode(t, cli(t, t.Context(), fx.srv, "", "export", "-datasheet", fx.tasks.ID, "-format", format, "-o", file), 0)
			before := fx.srv.Records(fx.tasks.ID)
			// Edit one title in the file, as a user would.
			b, err := os.ReadFile(file) //nolint:gosec // G304: a file the test wrote in its TempDir
			if err != nil {
				t.Fatal(err)
			}
			b = bytes.Replace(b, []byte("Release"), []byte("Release 2"), 1)
			if err := os.WriteFile(file, b, 0o600); err != nil { //nolint:gosec // G703: a file in the test's TempDir
				t.Fatal(err)
			}
			r := cli(t, t.Context(), fx.srv, "", "import", "-datasheet", fx.tasks.ID, file)
			wantCode(t, r, 0)
			if !strings.Contains(r.stderr, "import: 3 rows carry a recordId: updating them; use -create to create new records instead") ||
				!strings.Contains(r.stdout, "3 of the applied rows updated the record of their recordId, 0 created new records") {
				t.Fatalf("stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
			}
			after := fx.srv.Records(fx.tasks.ID)
			if len(after) != len(before) {
				t.Fatalf("%d records before, %d after", len(before), len(after))
			}
			for i := range after {
				want := before[i].Fields["Title"]
				if want == "Release" {
					want = "Release 2"
				}
				if after[i].ID != before[i].ID || after[i].Fields["Title"] != want {
					t.Fatalf("record %d: %s %v, want %s %v", i, after[i].ID, after[i].Fields["Title"], before[i].ID, want)
				}
			}
			// -create makes new records instead.
			r = cli(t, t.Context(), fx.srv, "", "import", "-datasheet", fx.tasks.ID, "-create", "-q", file)
			wantCode(t, r, 0)
			if n := len(fx.srv.Records(fx.tasks.ID)); n != 2*len(before) || !strings.Contains(r.stderr, "-create creates new records") {
				t.Fatalf("%d records after -create; stderr:\n%s", n, r.stderr)
			}
		})
	}
}

// TestImportRecordIDFailuresResume: an update of a record that does not
// exist fails alone, and the failures file keeps its record id, so a
// resume updates rather than creates.
func TestImportRecordIDFailuresResume(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	dir := t.TempDir()
	fail := filepath.Join(dir, "failed.jsonl")
	ids := fx.tasks.RecordIDs
	in := "recordId,Title\n" + ids[0] + ",one\nrecNope1234567,ghost\n" + ids[2] + ",three\n"
	r := cli(t, t.Context(), fx.srv, in, "import", "-datasheet", fx.tasks.ID, "-format", "csv", "-failures", fail, "-")
	wantCode(t, r, exitPartial)
	if !strings.Contains(r.stderr, "import: rows carry a recordId: updating them") ||
		!strings.Contains(r.stdout, "3 rows read: 2 applied, 1 failed") || !strings.Contains(r.stdout, "line 3 (failed)") {
		t.Fatalf("stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	}
	fl := readFailures(t, fail)
	if len(fl) != 1 || fl[0].RecordID != "recNope1234567" {
		t.Fatalf("failures: %+v", fl)
	}
	recs := fx.srv.Records(fx.tasks.ID)
	if len(recs) != 3 || recs[0].Fields["Title"] != "one" || recs[2].Fields["Title"] != "three" {
		t.Fatalf("records: %+v", recs)
	}
	// The resume updates again (and fails again), never creates.
	r = cli(t, t.Context(), fx.srv, "", "import", "-datasheet", fx.tasks.ID, "-failures", fail, fail)
	wantCode(t, r, exitPartial)
	if n := len(fx.srv.Records(fx.tasks.ID)); n != 3 {
		t.Fatalf("%d records after resume", n)
	}
}
