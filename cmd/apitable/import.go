package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/apitable-go/apitable"
)

// Import statuses written to the failures file.
const (
	statusFailed  = "failed"  // definitely not applied: safe to re-send
	statusUnknown = "unknown" // sent, no definite answer: may have been applied
	statusInvalid = "invalid" // could not be converted: never sent
	statusSkipped = "skipped" // not sent: the run stopped before it
)

// defaultBatch is how many rows are read before they are written; memory
// is bounded by it, whatever the size of the input.
const defaultBatch = 1000

// defaultIsolate is how many bad rows import isolates by splitting
// rejected chunks before it blames whole chunks.
const defaultIsolate = 100

// maxReported is how many errors the final report lists.
const maxReported = 5

// inputRow is one row of the input.
type inputRow struct {
	line     int            // line in the input
	raw      map[string]any // the row as read (imported columns only)
	fields   apitable.Fields
	recordID string // the record the row came from ("" when none)
	err      error  // conversion failure
}

// rowReader reads rows one at a time; next returns io.EOF at the end.
type rowReader interface {
	next() (inputRow, error)
}

// failureLine is one line of the failures file; import reads it back (its
// "recordId" and "fields" as a record's), so a run can be resumed from it.
type failureLine struct {
	Line     int            `json:"line"`
	Status   string         `json:"status"`
	Error    string         `json:"error,omitempty"`
	RecordID string         `json:"recordId,omitempty"`
	Fields   map[string]any `json:"fields"`
}

// importOpts are import's flags.
type importOpts struct {
	dst, format, failPath, path string
	keys                        []string
	dryRun, quiet, create       bool
	ignoreUnknown               bool
	batch, isolate              int
}

type importer struct {
	e       *env
	c       *apitable.Client
	dst     string
	keys    []string
	dryRun  bool
	create  bool // -create: rows with a record id are created, not updated
	batch   int
	perCall int // rows per SDK call: progress moves once per call
	isolate int // bad rows that may still be isolated by splitting chunks
	prog    *progress

	failW    *bufio.Writer
	failEnc  *json.Encoder
	failures int // lines written to the failures file

	read, applied, failed, unknown, invalid, skipped int
	updated                                          int // of applied: updates by record id
	rejected                                         int // rows isolated as bad
	splits                                           int // chunks split to isolate bad rows
	idNoticed                                        bool
	firstErrs                                        []string
	fatal                                            error
}

func parseImportFlags(e *env, args []string) (*importOpts, error) {
	fs := e.newFlagSet("import", "-datasheet dst… [-format csv|jsonl] [-key a,b] [-create] [-failures file] [-dry-run] file|-")
	o := &importOpts{}
	fs.StringVar(&o.dst, "datasheet", "", "datasheet id (required)")
	fs.StringVar(&o.format, "format", "", "input format: csv or jsonl (default from the file extension)")
	keyList := fs.String("key", "", "comma-separated key fields: rows whose key values match a record update it (upsert), the others are created; the recordId column is then ignored")
	fs.BoolVar(&o.create, "create", false, "create every row as a new record, even rows that carry a recordId (by default those update that record)")
	fs.StringVar(&o.failPath, "failures", "", "write the rows not applied to this JSON Lines file (re-importable with -format jsonl)")
	fs.BoolVar(&o.dryRun, "dry-run", false, "read and convert every row, send nothing")
	fs.IntVar(&o.batch, "batch", defaultBatch, "rows read and written per batch (bounds memory)")
	fs.IntVar(&o.isolate, "isolate", defaultIsolate, "when the server rejects a chunk of 10 rows (code 400), split it to find the bad rows and write the good ones, for up to this many bad rows; 0: fail whole chunks")
	fs.BoolVar(&o.quiet, "q", false, "no progress output")
	fs.BoolVar(&o.ignoreUnknown, "ignore-unknown", false, "skip columns (CSV) and cells (JSON Lines) of fields the datasheet lacks, instead of failing")
	if err := parse(fs, args); err != nil {
		return nil, err
	}
	if fs.NArg() != 1 {
		return nil, usagef("want one input file (or - for stdin), got %d arguments", fs.NArg())
	}
	o.path = fs.Arg(0)
	if o.dst == "" {
		return nil, usagef("-datasheet is required")
	}
	if o.format == "" {
		switch strings.ToLower(filepath.Ext(o.path)) {
		case ".csv":
			o.format = "csv"
		case ".jsonl", ".ndjson", ".json":
			o.format = "jsonl"
		default:
			return nil, usagef("-format is required (csv or jsonl) when the file name does not tell")
		}
	}
	if o.format != "csv" && o.format != "jsonl" {
		return nil, usagef("-format must be csv or jsonl, got %q", o.format)
	}
	if o.batch < 1 {
		return nil, usagef("-batch must be at least 1")
	}
	if o.isolate < 0 {
		return nil, usagef("-isolate must not be negative")
	}
	o.keys = splitList(*keyList)
	if len(o.keys) > 0 && o.create {
		return nil, usagef("-key and -create cannot be combined")
	}
	return o, nil
}

func cmdImport(ctx context.Context, e *env, args []string) error {
	o, err := parseImportFlags(e, args)
	if err != nil {
		return err
	}
	c, err := e.client()
	if err != nil {
		return err
	}
	imp := &importer{e: e, c: c, dst: o.dst, keys: o.keys, dryRun: o.dryRun, create: o.create,
		batch: o.batch, isolate: o.isolate, perCall: rowsPerCall(e.rate)}

	in := e.stdin
	counts := inputCounts{rows: -1}
	if o.path != "-" {
		f, err := os.Open(o.path)
		if err != nil {
			return err
		}
		defer func() { _ = f.Close() }() // read-only: nothing to lose on Close
		in = f
		counts = countRows(o.path, o.format)
	}
	fields, err := c.Fields.List(ctx, o.dst, nil)
	if err != nil {
		return err
	}
	if err := checkKeys(fields, o.keys, o.dst); err != nil {
		return err
	}
	rr, err := newRowReader(in, o, fields, e.stderr)
	if err != nil {
		return err
	}
	imp.sayRecordIDs(counts)

	commit, err := imp.openFailures(o.failPath)
	if err != nil {
		return err
	}
	defer func() { _ = commit(false) }() // on early returns: removes the temporary file, nothing to report

	verb := "imported"
	if o.dryRun {
		verb = "checked"
	}
	imp.prog = newProgress(e.stderr, verb, counts.rows, o.quiet)
	if !o.dryRun {
		imp.prog.nominal = nominalRate(e.rate)
	}
	imp.prog.begin()
	readErr := imp.loop(ctx, rr, o.path != "-")
	imp.prog.finish()

	if err := commit(true); err != nil {
		return err
	}
	imp.report(o.failPath)
	return imp.exitError(ctx, readErr)
}

// checkKeys checks the -key fields against the datasheet's fields.
func checkKeys(fields []apitable.Field, keys []string, dst string) error {
	for _, k := range keys {
		f, ok := findField(fields, k)
		switch {
		case !ok:
			return usagef("-key: no field %q in datasheet %s", k, dst)
		case f.Name != k:
			return usagef("-key: name key fields by name (%q is the id of %q)", k, f.Name)
		case !writable(f):
			return usagef("-key: field %q is read-only", k)
		case !isTextType(f.Type) && !isNumberType(f.Type) && f.Type != apitable.FieldCheckbox && f.Type != apitable.FieldDateTime:
			return usagef("-key: field %q has type %s; key fields need text, number, checkbox or date values", k, f.Type)
		}
	}
	return nil
}

func newRowReader(in io.Reader, o *importOpts, fields []apitable.Field, warn io.Writer) (rowReader, error) {
	br := bufio.NewReaderSize(in, 64<<10)
	if o.format == "csv" {
		return newCSVReader(br, fields, o.ignoreUnknown, warn)
	}
	return &jsonlReader{r: br, fields: fields, ignoreUnknown: o.ignoreUnknown}, nil
}

// openFailures opens the failures file's temporary copy. commit(true)
// renames it into place; commit(false) (deferred) removes what is left.
func (imp *importer) openFailures(path string) (commit func(bool) error, err error) {
	if path == "" {
		return func(bool) error { return nil }, nil
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return nil, err
	}
	imp.failW = bufio.NewWriter(tmp)
	imp.failEnc = json.NewEncoder(imp.failW)
	imp.failEnc.SetEscapeHTML(false)
	return func(ok bool) error {
		if !ok {
			_ = tmp.Close()           // on early returns; the success path closes and checks it
			_ = os.Remove(tmp.Name()) // after the rename, a no-op
			return nil
		}
		if err := imp.failW.Flush(); err != nil {
			return err
		}
		if err := tmp.Close(); err != nil {
			return err
		}
		return os.Rename(tmp.Name(), path)
	}, nil
}

// sayRecordIDs says, before anything is sent, what happens to rows that
// carry a record id. counts.withID is known for file inputs; for stdin the
// loop says it at the first such row.
func (imp *importer) sayRecordIDs(counts inputCounts) {
	if counts.withID > 0 {
		imp.noticeRecordIDs(counts.withID)
	}
}

func (imp *importer) noticeRecordIDs(n int) {
	if imp.idNoticed {
		return
	}
	imp.idNoticed = true
	carry := "rows carry"
	switch {
	case n == 1:
		carry = "1 row carries"
	case n > 1:
		carry = fmt.Sprintf("%d rows carry", n)
	}
	w := imp.e.stderr
	switch {
	case len(imp.keys) > 0:
		_, _ = fmt.Fprintf(w, "import: %s a recordId: ignored, rows are matched by -key %s\n", carry, strings.Join(imp.keys, ","))
	case imp.create:
		_, _ = fmt.Fprintf(w, "import: %s a recordId: ignored, -create creates new records\n", carry)
	default:
		_, _ = fmt.Fprintf(w, "import: %s a recordId: updating them; use -create to create new records instead\n", carry)
	}
}

func (imp *importer) exitError(ctx context.Context, readErr error) error {
	switch {
	case ctx.Err() != nil:
		_, _ = fmt.Fprintln(imp.e.stderr, "apitable import: interrupted")
		return &exitCodeError{code: exitInterrupted}
	case readErr != nil:
		return readErr
	case imp.fatal != nil:
		return imp.fatal
	case imp.failed+imp.unknown+imp.invalid+imp.skipped > 0:
		return &exitCodeError{code: exitPartial}
	}
	return nil
}

// done is the number of rows settled so far.
func (imp *importer) done() int {
	return imp.applied + imp.failed + imp.unknown + imp.invalid + imp.skipped
}

// showProgress redraws the progress with the rows settled so far.
func (imp *importer) showProgress() {
	imp.prog.update(imp.done(), imp.done()-imp.applied)
}

// updates reports whether a row updates the record it carries the id of.
func (imp *importer) updates(r inputRow) bool {
	return r.recordID != "" && !imp.create && len(imp.keys) == 0
}

// loop reads the input in batches and writes each. After a fatal error or
// an interruption it stops writing; the rest of a file input is copied to
// the failures file as skipped, so that file alone resumes the run.
func (imp *importer) loop(ctx context.Context, rr rowReader, drainRest bool) error {
	var pending []inputRow
	seen := map[string]bool{} // keys and record ids in the pending batch
	flush := func() {
		if len(pending) > 0 {
			imp.write(ctx, pending)
		}
		pending = pending[:0]
		clear(seen)
	}
	for {
		stopped := imp.fatal != nil || ctx.Err() != nil
		if stopped && !drainRest {
			return nil
		}
		row, err := rr.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			flush()
			return err
		}
		imp.read++
		if stopped {
			imp.skipped++
			imp.fail(row, statusSkipped, nil)
			continue
		}
		if row.recordID != "" {
			imp.noticeRecordIDs(0)
		}
		if row.err == nil {
			key, err := imp.batchKey(row)
			switch {
			case err != nil:
				row.err = err
			case key != "" && seen[key]:
				flush() // the later row updates the earlier one
			}
			if key != "" {
				seen[key] = true
			}
		}
		if row.err != nil {
			imp.invalid++
			imp.fail(row, statusInvalid, row.err)
			imp.showProgress()
			continue
		}
		pending = append(pending, row)
		if len(pending) >= imp.batch {
			flush()
		}
	}
	flush()
	return nil
}

// batchKey returns what identifies the record a row writes: its key
// values with -key, its record id when it updates by id, "" when it creates
// a new record. A batch holds each at most once. It also rejects rows
// without cells.
func (imp *importer) batchKey(row inputRow) (string, error) {
	if len(row.fields) == 0 {
		return "", errors.New("no cells to write")
	}
	switch {
	case len(imp.keys) > 0:
		key, err := keyOf(row.fields, imp.keys)
		return "key:" + key, err
	case imp.updates(row):
		return "id:" + row.recordID, nil
	}
	return "", nil
}

// keyOf renders the key fields' values, for spotting repeated keys.
func keyOf(f apitable.Fields, keys []string) (string, error) {
	vals := make([]any, len(keys))
	for i, k := range keys {
		v, ok := f[k]
		if !ok {
			return "", fmt.Errorf("no value for key field %q", k)
		}
		vals[i] = v
	}
	b, err := json.Marshal(vals)
	return string(b), err
}

// fail records a row not applied: in the report and the failures file.
func (imp *importer) fail(r inputRow, status string, cause error) {
	msg := ""
	if cause != nil {
		msg = strings.ReplaceAll(redact(cause.Error(), imp.e), "\n", "; ")
		if len(imp.firstErrs) < maxReported {
			imp.firstErrs = append(imp.firstErrs, fmt.Sprintf("line %d (%s): %s", r.line, status, msg))
		}
	}
	if imp.failEnc == nil {
		return
	}
	raw := r.raw
	if raw == nil {
		raw = map[string]any{}
	}
	id := r.recordID
	if !imp.updates(r) {
		id = "" // a re-run must not turn a create into an update
	}
	if err := imp.failEnc.Encode(failureLine{Line: r.line, Status: status, Error: msg, RecordID: id, Fields: raw}); err == nil {
		imp.failures++
	}
}

func (imp *importer) report(failPath string) {
	w := imp.e.stdout
	mode := "import"
	if imp.dryRun {
		mode = "dry run"
	}
	_, _ = fmt.Fprintf(w, "%s: %d rows read: %d applied, %d failed, %d outcome unknown, %d invalid, %d skipped\n",
		mode, imp.read, imp.applied, imp.failed, imp.unknown, imp.invalid, imp.skipped)
	if imp.dryRun {
		_, _ = fmt.Fprintln(w, "dry run: nothing was sent (applied = rows that would be sent)")
	}
	if imp.updated > 0 {
		_, _ = fmt.Fprintf(w, "%d of the applied rows updated the record of their recordId, %d created new records\n", imp.updated, imp.applied-imp.updated)
	}
	if imp.splits > 0 {
		_, _ = fmt.Fprintf(w, "rejected chunks were split %d times to find %s; the other rows of those chunks were applied\n", imp.splits, rows(imp.rejected, "bad row"))
	}
	if len(imp.firstErrs) > 0 {
		_, _ = fmt.Fprintln(w, "first errors:")
		for _, m := range imp.firstErrs {
			_, _ = fmt.Fprintln(w, "  "+m)
		}
	}
	imp.reportResume(failPath)
}

// reportResume says where the rows not applied are and how to resume.
func (imp *importer) reportResume(failPath string) {
	w := imp.e.stdout
	notApplied := imp.failed + imp.unknown + imp.invalid + imp.skipped
	if notApplied == 0 {
		return
	}
	if failPath == "" {
		_, _ = fmt.Fprintln(w, "rows not applied were not saved: pass -failures file.jsonl to keep them for a re-run")
		return
	}
	_, _ = fmt.Fprintf(w, "%s not applied written to %s; fix the cause, then resume with:\n", rows(imp.failures, "row"), failPath)
	key := ""
	if len(imp.keys) > 0 {
		key = " -key " + strings.Join(imp.keys, ",")
	}
	_, _ = fmt.Fprintf(w, "  apitable import -datasheet %s -format jsonl%s %s\n", imp.dst, key, failPath)
	if imp.unknown > 0 && len(imp.keys) == 0 {
		_, _ = fmt.Fprintf(w, "warning: %d rows have an unknown outcome and may exist already; re-importing them without -key may duplicate them\n", imp.unknown)
	}
}

// rows says "1 row" or "n rows" (noun: "row", "bad row").
func rows(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
