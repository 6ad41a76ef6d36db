package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"

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

// maxReported is how many errors the final report lists.
const maxReported = 5

// inputRow is one row of the input.
type inputRow struct {
	line   int            // line in the input
	raw    map[string]any // the row as read (imported columns only)
	fields apitable.Fields
	err    error // conversion failure
}

// rowReader reads rows one at a time; next returns io.EOF at the end.
type rowReader interface {
	next() (inputRow, error)
}

// failureLine is one line of the failures file; import reads it back (its
// "fields" as a record's), so a run can be resumed from it.
type failureLine struct {
	Line   int            `json:"line"`
	Status string         `json:"status"`
	Error  string         `json:"error,omitempty"`
	Fields map[string]any `json:"fields"`
}

type importer struct {
	e        *env
	c        *apitable.Client
	dst      string
	keys     []string
	dryRun   bool
	batch    int
	perWrite int
	prog     *progress
	sent     atomic.Int64 // write requests answered 200 in the current batch
	base     atomic.Int64 // rows settled before the current batch
	batchLen atomic.Int64 // rows in the current batch

	failW    *bufio.Writer
	failEnc  *json.Encoder
	failures int // lines written to the failures file

	read, applied, failed, unknown, invalid, skipped int
	firstErrs                                        []string
	fatal                                            error
}

func cmdImport(ctx context.Context, e *env, args []string) error {
	fs := e.newFlagSet("import", "-datasheet dst… [-format csv|jsonl] [-key a,b] [-failures file] [-dry-run] file|-")
	dst := fs.String("datasheet", "", "datasheet id (required)")
	format := fs.String("format", "", "input format: csv or jsonl (default from the file extension)")
	keyList := fs.String("key", "", "comma-separated key fields: rows whose key values match a record update it (upsert), the others are created")
	failPath := fs.String("failures", "", "write the rows not applied to this JSON Lines file (re-importable with -format jsonl)")
	dryRun := fs.Bool("dry-run", false, "read and convert every row, send nothing")
	batch := fs.Int("batch", defaultBatch, "rows read and written per batch (bounds memory)")
	quiet := fs.Bool("q", false, "no progress output")
	ignoreUnknown := fs.Bool("ignore-unknown", false, "skip columns (CSV) and cells (JSON Lines) of fields the datasheet lacks, instead of failing")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("want one input file (or - for stdin), got %d arguments", fs.NArg())
	}
	path := fs.Arg(0)
	if *dst == "" {
		return usagef("-datasheet is required")
	}
	if *format == "" {
		switch strings.ToLower(filepath.Ext(path)) {
		case ".csv":
			*format = "csv"
		case ".jsonl", ".ndjson", ".json":
			*format = "jsonl"
		default:
			return usagef("-format is required (csv or jsonl) when the file name does not tell")
		}
	}
	if *format != "csv" && *format != "jsonl" {
		return usagef("-format must be csv or jsonl, got %q", *format)
	}
	if *batch < 1 {
		return usagef("-batch must be at least 1")
	}
	keys := splitList(*keyList)

	imp := &importer{e: e, dst: *dst, keys: keys, dryRun: *dryRun, batch: *batch, perWrite: 10}
	c, err := e.client(func() {
		n := imp.sent.Add(1)
		imp.prog.set(int(imp.base.Load()) + min(int(n)*imp.perWrite, imp.inBatch()))
	})
	if err != nil {
		return err
	}
	imp.c = c

	in := e.stdin
	total := -1
	if path != "-" {
		f, err := os.Open(path) //nolint:gosec // G304: the path is the user's own input-file argument
		if err != nil {
			return err
		}
		defer func() { _ = f.Close() }() // read-only: nothing to lose on Close
		in = f
		if !*quiet {
			total = countRows(path, *format)
		}
	}
	fields, err := c.Fields.List(ctx, *dst, nil)
	if err != nil {
		return err
	}
	for _, k := range keys {
		f, ok := findField(fields, k)
		switch {
		case !ok:
			return usagef("-key: no field %q in datasheet %s", k, *dst)
		case f.Name != k:
			return usagef("-key: name key fields by name (%q is the id of %q)", k, f.Name)
		case !writable(f):
			return usagef("-key: field %q is read-only", k)
		case !isTextType(f.Type) && !isNumberType(f.Type) && f.Type != apitable.FieldCheckbox && f.Type != apitable.FieldDateTime:
			return usagef("-key: field %q has type %s; key fields need text, number, checkbox or date values", k, f.Type)
		}
	}

	var rr rowReader
	br := bufio.NewReaderSize(in, 64<<10)
	if *format == "csv" {
		cr, err := newCSVReader(br, fields, *ignoreUnknown, e.stderr)
		if err != nil {
			return err
		}
		rr = cr
	} else {
		rr = &jsonlReader{r: br, fields: fields, ignoreUnknown: *ignoreUnknown}
	}

	var tmp *os.File
	if *failPath != "" {
		tmp, err = os.CreateTemp(filepath.Dir(*failPath), "."+filepath.Base(*failPath)+".tmp*")
		if err != nil {
			return err
		}
		defer func() { _ = os.Remove(tmp.Name()) }() // after the rename, a no-op
		defer func() { _ = tmp.Close() }()           // on early returns; the success path closes and checks it below
		imp.failW = bufio.NewWriter(tmp)
		imp.failEnc = json.NewEncoder(imp.failW)
		imp.failEnc.SetEscapeHTML(false)
	}

	verb := "imported"
	if *dryRun {
		verb = "checked"
	}
	imp.prog = newProgress(e.stderr, verb, total, *quiet)
	readErr := imp.loop(ctx, rr, path != "-")
	imp.prog.finish()

	if tmp != nil {
		if err := imp.failW.Flush(); err != nil {
			return err
		}
		if err := tmp.Close(); err != nil {
			return err
		}
		if err := os.Rename(tmp.Name(), *failPath); err != nil {
			return err
		}
	}
	imp.report(*failPath)
	switch {
	case ctx.Err() != nil:
		_, _ = fmt.Fprintln(e.stderr, "apitable import: interrupted")
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

// done is the number of rows settled so far, before the current batch.
func (imp *importer) done() int {
	return imp.applied + imp.failed + imp.unknown + imp.invalid + imp.skipped
}

func (imp *importer) inBatch() int { return int(imp.batchLen.Load()) }

// loop reads the input in batches and writes each. After a fatal error or
// an interruption it stops writing; the rest of a file input is copied to
// the failures file as skipped, so that file alone resumes the run.
func (imp *importer) loop(ctx context.Context, rr rowReader, drainRest bool) error {
	var pending []inputRow
	keysInBatch := map[string]bool{}
	flush := func() {
		if len(pending) > 0 {
			imp.write(ctx, pending)
		}
		pending = pending[:0]
		clear(keysInBatch)
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
		if row.err == nil && len(row.fields) == 0 {
			row.err = errors.New("no cells to write")
		}
		if row.err == nil && len(imp.keys) > 0 {
			key, err := keyOf(row.fields, imp.keys)
			switch {
			case err != nil:
				row.err = err
			case keysInBatch[key]:
				flush() // the later row updates the earlier one
			}
			keysInBatch[key] = true
		}
		if row.err != nil {
			imp.invalid++
			imp.fail(row, statusInvalid, row.err)
			imp.prog.set(imp.done())
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

// write sends one batch through Records.Create (or Upsert with -key) and
// sorts its rows into applied, failed and unknown.
func (imp *importer) write(ctx context.Context, rows []inputRow) {
	if imp.dryRun {
		imp.applied += len(rows)
		imp.prog.set(imp.done())
		return
	}
	recs := make([]apitable.Fields, len(rows))
	for i, r := range rows {
		recs[i] = r.fields
	}
	imp.sent.Store(0)
	imp.base.Store(int64(imp.done()))
	imp.batchLen.Store(int64(len(rows)))
	var err error
	if len(imp.keys) > 0 {
		_, err = imp.c.Records.Upsert(ctx, imp.dst, recs, imp.keys, nil)
	} else {
		_, err = imp.c.Records.Create(ctx, imp.dst, recs, nil)
	}
	imp.batchLen.Store(0)
	var be *apitable.BatchError
	switch {
	case err == nil:
		imp.applied += len(rows)
	case errors.As(err, &be):
		status := make([]string, len(rows))
		causes := make([]error, len(rows))
		for _, ch := range be.Chunks {
			for _, i := range ch.Inputs {
				switch ch.Status {
				case apitable.ChunkApplied:
					status[i] = ""
				case apitable.ChunkOutcomeUnknown:
					status[i], causes[i] = statusUnknown, ch.Err
				default:
					status[i], causes[i] = statusFailed, ch.Err
				}
			}
			if ch.Status == apitable.ChunkFailed && stopsRun(ch.Err) && imp.fatal == nil {
				imp.fatal = ch.Err
			}
		}
		for i, r := range rows {
			switch status[i] {
			case "":
				imp.applied++
			case statusUnknown:
				imp.unknown++
				imp.fail(r, statusUnknown, causes[i])
			default:
				imp.failed++
				imp.fail(r, statusFailed, causes[i])
			}
		}
	default:
		// Nothing of the batch was written: a validation error, or an
		// Upsert lookup that failed before any write.
		for _, r := range rows {
			imp.failed++
			imp.fail(r, statusFailed, err)
		}
		if stopsRun(err) {
			imp.fatal = err
		}
	}
	imp.prog.set(imp.done())
}

// stopsRun reports whether an error means later batches would fail too.
func stopsRun(err error) bool {
	var nae *apitable.NotAttemptedError
	if errors.As(err, &nae) {
		err = nae.Cause
	}
	for _, e := range []error{apitable.ErrUnauthorized, apitable.ErrForbidden, apitable.ErrDatasheetNotFound,
		apitable.ErrAPINotFound, apitable.ErrNodePermission, apitable.ErrRowLimitExceeded,
		context.Canceled, context.DeadlineExceeded} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
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
	if err := imp.failEnc.Encode(failureLine{Line: r.line, Status: status, Error: msg, Fields: raw}); err == nil {
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
	if len(imp.firstErrs) > 0 {
		_, _ = fmt.Fprintln(w, "first errors:")
		for _, m := range imp.firstErrs {
			_, _ = fmt.Fprintln(w, "  "+m)
		}
	}
	notApplied := imp.failed + imp.unknown + imp.invalid + imp.skipped
	if notApplied == 0 {
		return
	}
	if failPath == "" {
		_, _ = fmt.Fprintln(w, "rows not applied were not saved: pass -failures file.jsonl to keep them for a re-run")
		return
	}
	_, _ = fmt.Fprintf(w, "%d rows not applied written to %s; fix the cause, then resume with:\n", imp.failures, failPath)
	key := ""
	if len(imp.keys) > 0 {
		key = " -key " + strings.Join(imp.keys, ",")
	}
	_, _ = fmt.Fprintf(w, "  apitable import -datasheet %s -format jsonl%s %s\n", imp.dst, key, failPath)
	if imp.unknown > 0 && len(imp.keys) == 0 {
		_, _ = fmt.Fprintf(w, "warning: %d rows have an unknown outcome and may exist already; re-importing them without -key may duplicate them\n", imp.unknown)
	}
}

// ---- readers ----

// csvReader reads CSV with a header row naming fields (by name or id). A
// "recordId" column (as written by export) is ignored, as are columns of
// read-only fields and attachments; unknown columns are an error unless
// ignoreUnknown.
type csvReader struct {
	r    *csv.Reader
	cols []apitable.Field // per column; zero Field: ignored
}

func newCSVReader(r io.Reader, fields []apitable.Field, ignoreUnknown bool, warn io.Writer) (*csvReader, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err == io.EOF {
		return nil, errors.New("empty CSV input: want a header row")
	}
	if err != nil {
		return nil, fmt.Errorf("reading CSV header: %w", err)
	}
	if len(header) > 0 {
		header[0] = strings.TrimPrefix(header[0], "\ufeff")
	}
	c := &csvReader{r: cr, cols: make([]apitable.Field, len(header))}
	var skipped, unknown []string
	seen := map[string]bool{}
	for i, h := range header {
		h = strings.TrimSpace(h)
		if strings.EqualFold(h, "recordId") || strings.EqualFold(h, "record id") {
			continue
		}
		f, ok := findField(fields, h)
		switch {
		case !ok:
			unknown = append(unknown, h)
			continue
		case seen[f.ID]:
			return nil, fmt.Errorf("CSV header: field %q appears twice", f.Name)
		case !writable(f) || f.Type == apitable.FieldAttachment:
			skipped = append(skipped, h)
			continue
		}
		seen[f.ID] = true
		c.cols[i] = f
	}
	if len(unknown) > 0 && ignoreUnknown {
		_, _ = fmt.Fprintf(warn, "import: ignoring columns of unknown fields: %s\n", quoteList(unknown))
	} else if len(unknown) > 0 {
		return nil, fmt.Errorf("CSV header: no field named %s in the datasheet", quoteList(unknown))
	}
	if len(skipped) > 0 {
		_, _ = fmt.Fprintf(warn, "import: ignoring read-only and attachment columns: %s\n", quoteList(skipped))
	}
	return c, nil
}

func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}

func (c *csvReader) next() (inputRow, error) {
	rec, err := c.r.Read()
	if err != nil {
		if err == io.EOF {
			return inputRow{}, io.EOF
		}
		return inputRow{}, fmt.Errorf("reading CSV: %w", err)
	}
	line, _ := c.r.FieldPos(0)
	row := inputRow{line: line, raw: map[string]any{}, fields: apitable.Fields{}}
	var errs []error
	for i, cell := range rec {
		if i >= len(c.cols) {
			if strings.TrimSpace(cell) != "" {
				errs = append(errs, fmt.Errorf("column %d: more cells than header columns", i+1))
			}
			continue
		}
		f := c.cols[i]
		if f.ID == "" || strings.TrimSpace(cell) == "" {
			continue
		}
		row.raw[f.Name] = cell
		v, err := convertValue(f, cell)
		if errors.Is(err, errSkip) {
			continue
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", f.Name, err))
			continue
		}
		row.fields[f.Name] = v
	}
	row.err = errors.Join(errs...)
	return row, nil
}

// jsonlReader reads one JSON object per line: {"fields": {…}} (as written
// by export and the failures file; other keys are ignored) or a plain
// object of cells. Cells of read-only fields are dropped; unknown fields
// make the row invalid unless ignoreUnknown.
type jsonlReader struct {
	r             *bufio.Reader
	line          int
	fields        []apitable.Field
	ignoreUnknown bool
}

func (j *jsonlReader) next() (inputRow, error) {
	for {
		b, err := j.r.ReadBytes('\n')
		if len(b) == 0 && err != nil {
			if err == io.EOF {
				return inputRow{}, io.EOF
			}
			return inputRow{}, fmt.Errorf("reading JSON Lines: %w", err)
		}
		j.line++
		b = bytes.TrimSpace(b)
		if len(b) == 0 {
			continue
		}
		return j.parse(b), nil
	}
}

func (j *jsonlReader) parse(b []byte) inputRow {
	row := inputRow{line: j.line, fields: apitable.Fields{}}
	var obj map[string]any
	if err := json.Unmarshal(b, &obj); err != nil {
		row.raw = map[string]any{"_raw": string(b)}
		row.err = fmt.Errorf("not a JSON object: %w", err)
		return row
	}
	cells := obj
	if fm, ok := obj["fields"].(map[string]any); ok {
		cells = fm
	} else {
		delete(cells, "recordId")
	}
	row.raw = cells
	var errs []error
	for _, k := range slices.Sorted(maps.Keys(cells)) {
		f, ok := findField(j.fields, k)
		if !ok {
			if !j.ignoreUnknown {
				errs = append(errs, fmt.Errorf("no field %q in the datasheet", k))
			}
			continue
		}
		if !writable(f) {
			continue
		}
		v, err := convertValue(f, cells[k])
		if errors.Is(err, errSkip) {
			continue
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", f.Name, err))
			continue
		}
		row.fields[f.Name] = v
	}
	row.err = errors.Join(errs...)
	return row
}

// countRows counts the data rows of a file for the progress total; -1 when
// it cannot. It reads the file once more, streaming.
func countRows(path, format string) int {
	f, err := os.Open(path) //nolint:gosec // G304: the path is the user's own -file argument
	if err != nil {
		return -1
	}
	defer func() { _ = f.Close() }() // read-only: nothing to lose on Close
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return -1
	}
	br := bufio.NewReaderSize(f, 64<<10)
	n := 0
	if format == "csv" {
		cr := csv.NewReader(br)
		cr.FieldsPerRecord = -1
		cr.ReuseRecord = true
		for {
			if _, err := cr.Read(); err != nil {
				if !errors.Is(err, io.EOF) {
					return -1
				}
				break
			}
			n++
		}
		return max(n-1, 0)
	}
	inLine := false // the current line has content
	for {
		b, err := br.ReadSlice('\n')
		if len(bytes.TrimSpace(b)) > 0 {
			inLine = true
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if inLine {
			n++
		}
		inLine = false
		if err != nil {
			return n
		}
	}
}
