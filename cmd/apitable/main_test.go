package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/apitable-go/apitable"
	"github.com/apitable-go/apitable/apitabletest"
)

const testToken = "tok-SECRET-do-not-print-7f3a"

// fixture is a fake server with a team datasheet and a tasks datasheet
// covering the writable field types and a few computed ones.
type fixture struct {
	srv   *apitabletest.Server
	team  *apitabletest.Datasheet
	tasks *apitabletest.Datasheet
	ann   string // member unit id
	token string // attachment token
}

// writableFields are the fields of the tasks datasheet that import writes.
func writableFields(teamID string) []apitabletest.FieldSpec {
	return []apitabletest.FieldSpec{
		{Name: "Title", Type: "SingleText", Property: map[string]any{}},
		{Name: "Notes", Type: "Text"},
		{Name: "Estimate", Type: "Number", Property: map[string]any{"precision": 2}},
		{Name: "Price", Type: "Currency", Property: map[string]any{"precision": 2, "symbol": "$"}},
		{Name: "Stars", Type: "Rating", Property: map[string]any{"icon": "star", "max": 5}},
		{Name: "Done", Type: "Checkbox", Property: map[string]any{"icon": "white_check_mark"}},
		{Name: "Status", Type: "SingleSelect", Property: map[string]any{"options": []any{"Todo", "Doing", "Done"}}},
		{Name: "Tags", Type: "MultiSelect", Property: map[string]any{"options": []any{"red", "green", "blue"}}},
		{Name: "Due", Type: "DateTime", Property: map[string]any{"dateFormat": "YYYY-MM-DD", "includeTime": true}},
		{Name: "Owner", Type: "Member", Property: map[string]any{"isMulti": true}},
		{Name: "Files", Type: "Attachment"},
		{Name: "Site", Type: "URL"},
		{Name: "Email", Type: "Email"},
		{Name: "Assignees", Type: "OneWayLink", Property: map[string]any{"foreignDatasheetId": teamID}},
	}
}

func newFixture(t *testing.T, opts ...apitabletest.ServerOption) *fixture {
	t.Helper()
	srv := apitabletest.NewServer(t, append([]apitabletest.ServerOption{apitabletest.WithToken(testToken), apitabletest.WithoutRateLimit()}, opts...)...)
	sp := srv.SpaceID()
	fx := &fixture{srv: srv}
	fx.ann = srv.AddMember(sp, "Ann")
	fx.token = srv.AddAttachment(sp, "brief.txt", "text/plain", []byte("hello"))
	fx.team = srv.AddDatasheet(sp, apitabletest.DatasheetSpec{
		Name:    "Team",
		Fields:  []apitabletest.FieldSpec{{Name: "Name", Type: "SingleText", Property: map[string]any{}}},
		Records: []map[string]any{{"Name": "Ann"}, {"Name": "Bo"}},
	})
	fields := allFields(fx.team.ID)
	day := time.Date(2024, 1, 15, 9, 30, 0, 0, time.UTC).UnixMilli()
	fx.tasks = srv.AddDatasheet(sp, apitabletest.DatasheetSpec{
		Name:   "Demo tasks",
		Fields: fields,
		Views:  []apitabletest.ViewSpec{{Name: "Grid view"}, {Name: "Open", Filter: "{Status} != 'Done'", Hidden: []string{"Notes"}}},
		Records: []map[string]any{
			{"Title": "Write the spec", "Notes": "line one\nline \"two\", with comma", "Estimate": 0.1, "Price": 19.99, "Stars": 4, "Done": true,
				"Status": "Done", "Tags": []any{"red", "blue"}, "Due": day, "Owner": []any{map[string]any{"id": fx.ann}},
				"Files": []any{map[string]any{"token": fx.token, "name": "brief.txt"}}, "Site": map[string]any{"text": "https://example.com", "title": "Example"},
				"Email": "ann@example.com", "Assignees": []any{fx.team.RecordIDs[0]}},
			{"Title": "Build the client", "Estimate": 8, "Status": "Doing", "Tags": []any{"green"}, "Due": day + 86400000,
				"Assignees": []any{fx.team.RecordIDs[0], fx.team.RecordIDs[1]}},
			{"Title": "Release", "Estimate": 0.5, "Status": "Todo"},
		},
	})
	return fx
}

// allFields are the tasks datasheet's fields, computed ones included.
func allFields(teamID string) []apitabletest.FieldSpec {
	return append(writableFields(teamID),
		apitabletest.FieldSpec{Name: "No", Type: "AutoNumber"},
		apitabletest.FieldSpec{Name: "Total", Type: "Formula", Property: map[string]any{"expression": "{Estimate} * 2"}},
	)
}

// emptyCopy seeds a datasheet with the tasks' fields and no rows.
func (fx *fixture) emptyCopy(t *testing.T) *apitabletest.Datasheet {
	t.Helper()
	return fx.srv.AddDatasheet(fx.srv.SpaceID(), apitabletest.DatasheetSpec{Name: "Copy", Fields: allFields(fx.team.ID)})
}

type result struct {
	code           int
	stdout, stderr string
}

// cli runs the command in-process against srv and checks that the token
// never appears in its output.
func cli(t *testing.T, ctx context.Context, srv *apitabletest.Server, stdin string, args ...string) result { //nolint:revive // context-as-argument: a test helper takes *testing.T first, by convention
	t.Helper()
	env := map[string]string{"APITABLE_TOKEN": srv.Token(), "APITABLE_BASE_URL": srv.URL()}
	var out, errb bytes.Buffer
	all := append([]string{"-rate", "1000"}, args...)
	code := run(ctx, all, func(k string) string { return env[k] }, strings.NewReader(stdin), &out, &errb)
	r := result{code: code, stdout: out.String(), stderr: errb.String()}
	if strings.Contains(r.stdout, srv.Token()) || strings.Contains(r.stderr, srv.Token()) {
		t.Fatalf("token printed by %v:\n%s\n%s", args, r.stdout, r.stderr)
	}
	return r
}

func wantCode(t *testing.T, r result, code int) {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, code, r.stdout, r.stderr)
	}
}

func TestUsageErrors(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	ds := fx.tasks.ID
	for _, tc := range []struct {
		args []string
		code int
		want string // in stderr
	}{
		{nil, exitUsage, "usage: apitable"},
		{[]string{"bogus"}, exitUsage, `unknown command "bogus"`},
		{[]string{"-nope", "spaces"}, exitUsage, "flag provided but not defined"},
		{[]string{"spaces", "-nope"}, exitUsage, "flag provided but not defined"},
		{[]string{"spaces", "extra"}, exitUsage, `unexpected argument "extra"`},
		{[]string{"nodes"}, exitUsage, "-space is required"},
		{[]string{"nodes", "-space", "spc1", "-type", "Spreadsheet"}, exitUsage, "-type must be"},
		{[]string{"nodes", "-folder", "fod1", "-search", "x"}, exitUsage, "cannot be combined"},
		{[]string{"fields"}, exitUsage, "-datasheet is required"},
		{[]string{"export", "-datasheet", ds, "-format", "xml"}, exitUsage, "-format must be csv or jsonl"},
		{[]string{"export", "-datasheet", ds, "-fields", "Title,Nope"}, exitUsage, `no field "Nope"`},
		{[]string{"import", "-datasheet", ds}, exitUsage, "want one input file"},
		{[]string{"import", "-datasheet", ds, "in.txt"}, exitUsage, "-format is required"},
		{[]string{"import", "-datasheet", ds, "-format", "csv", "-key", "Tags", "-"}, exitUsage, "key fields need text"},
		{[]string{"import", "-datasheet", ds, "-format", "csv", "-key", "No", "-"}, exitUsage, "read-only"},
		{[]string{"import", "-datasheet", ds, "-format", "csv", "-batch", "0", "-"}, exitUsage, "-batch"},
		{[]string{"gen", "-datasheet", ds}, exitUsage, "-package is required"},
		{[]string{"gen", "-datasheet", ds, "-package", "func"}, exitUsage, "not a valid package name"},
		{[]string{"gen", "-datasheet", ds, "-package", "p", "-type", "lower"}, exitUsage, "not an exported"},
		{[]string{"-rate", "-1", "spaces"}, exitUsage, "-rate must be positive"},
	} {
		r := cli(t, t.Context(), fx.srv, "", tc.args...)
		if r.code != tc.code || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v: code %d, stderr %q; want %d and %q", tc.args, r.code, r.stderr, tc.code, tc.want)
		}
	}
	// Help is not an error.
	for _, args := range [][]string{{"-h"}, {"help"}, {"export", "-h"}} {
		if r := cli(t, t.Context(), fx.srv, "", args...); r.code != exitOK {
			t.Errorf("%v: code %d", args, r.code)
		}
	}
}

func TestTokenHandling(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	var out, errb bytes.Buffer
	// No token anywhere: a usage error.
	code := run(t.Context(), []string{"spaces"}, func(string) string { return "" }, nil, &out, &errb)
	if code != exitUsage || !strings.Contains(errb.String(), "no API token") {
		t.Fatalf("code %d, %s", code, errb.String())
	}
	// Flags before and after the command; -h after a token prints no token.
	for _, args := range [][]string{
		{"-token", testToken, "-base-url", fx.srv.URL(), "spaces"},
		{"spaces", "-token", testToken, "-base-url", fx.srv.URL()},
		{"-token", testToken, "export", "-h"},
	} {
		out.Reset()
		errb.Reset()
		code := run(t.Context(), args, func(string) string { return "" }, nil, &out, &errb)
		if code != exitOK {
			t.Fatalf("%v: code %d: %s", args[len(args)-1], code, errb.String())
		}
		if strings.Contains(out.String()+errb.String(), testToken) {
			t.Fatalf("token printed: %s %s", out.String(), errb.String())
		}
	}
	// A wrong token: an API error, exit 1, and the token is not echoed.
	env := map[string]string{"APITABLE_TOKEN": "wrong-token-xyz", "APITABLE_BASE_URL": fx.srv.URL()}
	out.Reset()
	errb.Reset()
	code = run(t.Context(), []string{"spaces"}, func(k string) string { return env[k] }, nil, &out, &errb)
	if code != exitError || strings.Contains(errb.String(), "wrong-token-xyz") {
		t.Fatalf("code %d: %s", code, errb.String())
	}
	// A bad base URL is reported without the token.
	env["APITABLE_BASE_URL"] = "ftp://example.com"
	errb.Reset()
	code = run(t.Context(), []string{"spaces"}, func(k string) string { return env[k] }, nil, &out, &errb)
	if code != exitUsage || strings.Contains(errb.String(), "wrong-token-xyz") {
		t.Fatalf("code %d: %s", code, errb.String())
	}
}

func TestListCommands(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	ctx := t.Context()
	sp := fx.srv.SpaceID()
	folder := fx.srv.AddFolder(sp, "Archive")

	r := cli(t, ctx, fx.srv, "", "spaces")
	wantCode(t, r, 0)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "ID ") || !strings.Contains(lines[1], sp) || !strings.Contains(lines[1], "yes") {
		t.Fatalf("spaces:\n%s", r.stdout)
	}
	r = cli(t, ctx, fx.srv, "", "spaces", "-json")
	wantCode(t, r, 0)
	var spaces []apitable.Space
	if err := json.Unmarshal([]byte(r.stdout), &spaces); err != nil || len(spaces) != 1 || spaces[0].ID != sp {
		t.Fatalf("spaces -json: %v %s", err, r.stdout)
	}

	r = cli(t, ctx, fx.srv, "", "nodes", "-space", sp)
	wantCode(t, r, 0)
	for _, want := range []string{"ID", "NAME", "TYPE", "PERMISSION", fx.tasks.ID, "Demo tasks", "Datasheet", folder, "Folder", "manager"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("nodes: no %q in\n%s", want, r.stdout)
		}
	}
	r = cli(t, ctx, fx.srv, "", "nodes", "-space", sp, "-search", "Demo", "-json")
	wantCode(t, r, 0)
	var nodes []apitable.Node
	if err := json.Unmarshal([]byte(r.stdout), &nodes); err != nil || len(nodes) != 1 || nodes[0].ID != fx.tasks.ID {
		t.Fatalf("nodes -search: %v %s", err, r.stdout)
	}
	r = cli(t, ctx, fx.srv, "", "nodes", "-folder", folder)
	wantCode(t, r, 0)
	if got := strings.Count(strings.TrimSpace(r.stdout), "\n"); got != 0 {
		t.Fatalf("empty folder: %q", r.stdout)
	}

	r = cli(t, ctx, fx.srv, "", "fields", "-datasheet", fx.tasks.ID)
	wantCode(t, r, 0)
	lines = strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 17 || !strings.HasPrefix(lines[0], "ID") || !strings.Contains(lines[0], "EDITABLE") {
		t.Fatalf("fields:\n%s", r.stdout)
	}
	if !strings.Contains(lines[1], "Title") || !strings.Contains(lines[1], "SingleText") || !strings.Contains(lines[1], "yes") {
		t.Fatalf("primary field line: %q", lines[1])
	}
	// Columns are aligned: TYPE starts at the same offset on every line.
	col := strings.Index(lines[0], "TYPE")
	for _, l := range lines[1:] {
		if l[col-1] != ' ' || l[col] == ' ' {
			t.Fatalf("misaligned:\n%s", r.stdout)
		}
	}
	r = cli(t, ctx, fx.srv, "", "fields", "-datasheet", fx.tasks.ID, "-json")
	wantCode(t, r, 0)
	var fields []apitable.Field
	if err := json.Unmarshal([]byte(r.stdout), &fields); err != nil || len(fields) != 16 || fields[0].Name != "Title" {
		t.Fatalf("fields -json: %v %s", err, r.stdout)
	}
	// An unknown datasheet is an API error.
	r = cli(t, ctx, fx.srv, "", "fields", "-datasheet", "dstNope0000000")
	wantCode(t, r, exitError)
}

func TestProgress(t *testing.T) {
	t.Parallel()
	now := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	var b bytes.Buffer
	p := newProgress(&b, "imported", 100, false)
	p.now = func() time.Time { return now }
	p.start, p.last = now, now
	p.tty = true
	now = now.Add(50 * time.Millisecond)
	p.set(5) // within the tick: no redraw
	if b.Len() != 0 {
		t.Fatalf("drew too early: %q", b.String())
	}
	now = now.Add(950 * time.Millisecond)
	p.set(25)
	if got := b.String(); got != "\r[=======                       ]  25% imported 25/100 25.0/s ETA 0:03" {
		t.Fatalf("bar: %q", got)
	}
	now = now.Add(3 * time.Second)
	p.set(100)
	p.finish()
	if !strings.HasSuffix(b.String(), "100% imported 100/100 25.0/s\n") {
		t.Fatalf("final: %q", b.String())
	}

	// Plain lines, every lineEvery, unknown total.
	b.Reset()
	p = newProgress(&b, "exported", -1, false)
	p.now = func() time.Time { return now }
	p.start, p.last = now, now
	for i := 1; i <= 12; i++ {
		now = now.Add(time.Second)
		p.set(i * 10)
	}
	p.finish()
	want := "exported 50 records (10.0/s, 0:05 elapsed)\nexported 100 records (10.0/s, 0:10 elapsed)\n"
	if b.String() != want {
		t.Fatalf("plain:\n%q\nwant\n%q", b.String(), want)
	}
	if isTerminal(&b) {
		t.Fatal("a buffer is not a terminal")
	}
}

// TestHelpPrintedOnce: -h prints the usage once, to stdout, and exits 0; a
// usage mistake prints it once, to stderr, and exits 2.
func TestHelpPrintedOnce(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	for _, tc := range []struct {
		args  []string
		code  int
		usage string // the usage's first line
	}{
		{[]string{"-h"}, exitOK, "usage: apitable [-token T]"},
		{[]string{"-help"}, exitOK, "usage: apitable [-token T]"},
		{[]string{"help"}, exitOK, "usage: apitable [-token T]"},
		{[]string{"import", "-h"}, exitOK, "usage: apitable import "},
		{[]string{"-nope", "spaces"}, exitUsage, "usage: apitable [-token T]"},
		{nil, exitUsage, "usage: apitable [-token T]"},
		{[]string{"bogus"}, exitUsage, "usage: apitable [-token T]"},
		{[]string{"import", "-nope"}, exitUsage, "usage: apitable import "},
	} {
		r := cli(t, t.Context(), fx.srv, "", tc.args...)
		want, other := r.stdout, r.stderr
		if tc.code != exitOK {
			want, other = r.stderr, r.stdout
		}
		if r.code != tc.code || strings.Count(want, tc.usage) != 1 || strings.Contains(other, "usage:") {
			t.Errorf("%v: code %d (want %d)\nstdout:\n%s\nstderr:\n%s", tc.args, r.code, tc.code, r.stdout, r.stderr)
		}
	}
}
