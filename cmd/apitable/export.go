package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/apitable-go/apitable"
)

// exportOpts are export's flags.
type exportOpts struct {
	dst, view, format, fieldList, out string
	quiet                             bool
}

func parseExportFlags(e *env, args []string) (*exportOpts, error) {
	fs := e.newFlagSet("export", "-datasheet dst… [-view viw…] [-format csv|jsonl] [-fields a,b] [-o file]")
	o := &exportOpts{}
	fs.StringVar(&o.dst, "datasheet", "", "datasheet id (required)")
	fs.StringVar(&o.view, "view", "", "export the records and columns of this view")
	fs.StringVar(&o.format, "format", "csv", "output format: csv or jsonl")
	fs.StringVar(&o.fieldList, "fields", "", "comma-separated field names (or ids) to export, in this order (default: every field)")
	fs.StringVar(&o.out, "o", "", "output file (default stdout)")
	fs.BoolVar(&o.quiet, "q", false, "no progress output")
	if err := parse(fs, args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, usagef("unexpected argument %q", fs.Arg(0))
	}
	if o.dst == "" {
		return nil, usagef("-datasheet is required")
	}
	if o.format != "csv" && o.format != "jsonl" {
		return nil, usagef("-format must be csv or jsonl, got %q", o.format)
	}
	return o, nil
}

func cmdExport(ctx context.Context, e *env, args []string) error {
	o, err := parseExportFlags(e, args)
	if err != nil {
		return err
	}
	c, err := e.client()
	if err != nil {
		return err
	}
	fields, err := c.Fields.List(ctx, o.dst, &apitable.ListFieldsParams{ViewID: o.view})
	if err != nil {
		return err
	}
	cols, names, err := exportColumns(fields, o.fieldList, o.dst)
	if err != nil {
		return err
	}
	// One small request for the total, so progress can show an ETA.
	total := -1
	if page, err := c.Records.List(ctx, o.dst, &apitable.ListRecordsParams{ViewID: o.view, PageSize: 1}); err == nil {
		total = page.Total
	} else if ctx.Err() != nil {
		return err
	}

	w := e.stdout
	dest := "stdout"
	var outFile *os.File
	if o.out != "" && o.out != "-" {
		f, err := os.Create(o.out)
		if err != nil {
			return err
		}
		defer func() { _ = f.Close() }() // on early returns; the Close below is the checked one
		w, dest, outFile = f, o.out, f
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	write, flush, err := newRecordWriter(bw, o.format, cols)
	if err != nil {
		return err
	}

	prog := newProgress(e.stderr, "exported", total, o.quiet)
	prog.begin()
	n := 0
	var iterErr error
	for rec, err := range c.Records.All(ctx, o.dst, &apitable.ListRecordsParams{ViewID: o.view, Fields: names}) {
		if err != nil {
			iterErr = err
			break
		}
		if err := write(rec); err != nil {
			iterErr = err
			break
		}
		n++
		prog.set(n)
	}
	prog.finish()
	ferr := flush()
	if err := bw.Flush(); ferr == nil {
		ferr = err
	}
	if outFile != nil {
		if err := outFile.Close(); ferr == nil {
			ferr = err
		}
	}
	if iterErr == nil && ctx.Err() != nil {
		iterErr = ctx.Err()
	}
	switch {
	case iterErr != nil && ctx.Err() != nil:
		_, _ = fmt.Fprintf(e.stderr, "apitable export: interrupted after %d records (written to %s)\n", n, dest)
		return &exitCodeError{code: exitInterrupted}
	case iterErr != nil:
		return fmt.Errorf("after %d records: %w", n, iterErr)
	case ferr != nil:
		return ferr
	}
	if !o.quiet {
		_, _ = fmt.Fprintf(e.stderr, "exported %d records to %s\n", n, dest)
	}
	return nil
}

// exportColumns picks the columns named by -fields (all when empty); names
// are the field names to request, nil for every field.
func exportColumns(fields []apitable.Field, list, dst string) (cols []apitable.Field, names []string, err error) {
	want := splitList(list)
	if len(want) == 0 {
		return fields, nil, nil
	}
	for _, w := range want {
		f, ok := findField(fields, w)
		if !ok {
			return nil, nil, usagef("-fields: no field %q in datasheet %s", w, dst)
		}
		cols = append(cols, f)
		names = append(names, f.Name)
	}
	return cols, names, nil
}

// newRecordWriter returns the functions that write one record in format
// (after the CSV header: recordId, then the columns) and flush the encoder.
func newRecordWriter(bw *bufio.Writer, format string, cols []apitable.Field) (write func(apitable.Record) error, flush func() error, err error) {
	if format != "csv" {
		enc := json.NewEncoder(bw)
		enc.SetEscapeHTML(false)
		write = func(r apitable.Record) error {
			return enc.Encode(jsonlRecord{RecordID: r.ID, Fields: r.Fields})
		}
		return write, func() error { return nil }, nil
	}
	cw := csv.NewWriter(bw)
	header := make([]string, 0, len(cols)+1)
	header = append(header, "recordId")
	for _, f := range cols {
		header = append(header, f.Name)
	}
	if err := cw.Write(header); err != nil {
		return nil, nil, err
	}
	row := make([]string, len(cols)+1)
	write = func(r apitable.Record) error {
		row[0] = r.ID
		for i, f := range cols {
			row[i+1] = renderCell(f, r.Fields[f.Name])
		}
		return cw.Write(row)
	}
	return write, func() error { cw.Flush(); return cw.Error() }, nil
}

// jsonlRecord is one line of JSON Lines export and import.
type jsonlRecord struct {
	RecordID string          `json:"recordId,omitempty"`
	Fields   apitable.Fields `json:"fields"`
}

// findField finds a field by name, then by id.
func findField(fields []apitable.Field, key string) (apitable.Field, bool) {
	for _, f := range fields {
		if f.Name == key {
			return f, true
		}
	}
	for _, f := range fields {
		if f.ID == key {
			return f, true
		}
	}
	return apitable.Field{}, false
}

// valueType is the result type of a formula or lookup field ("" otherwise).
func valueType(f apitable.Field) string {
	switch p := f.Property.(type) {
	case *apitable.FormulaProperty:
		return p.ValueType
	case *apitable.MagicLookUpProperty:
		return p.ValueType
	}
	return ""
}

// isTimeField reports whether f's cells are times (ms since the epoch).
func isTimeField(f apitable.Field) bool {
	switch f.Type {
	case apitable.FieldDateTime, apitable.FieldCreatedTime, apitable.FieldLastModifiedTime:
		return true
	}
	return valueType(f) == "DateTime"
}

// renderCell renders a cell value as CSV text: numbers without float
// noise, times in RFC 3339 (UTC), lists joined by ", ", attachments as
// "name (url)", members and users by name, URLs by their text.
func renderCell(f apitable.Field, v any) string {
	if v == nil {
		return ""
	}
	return renderValue(v, isTimeField(f))
}

func renderValue(v any, asTime bool) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case float64:
		if asTime && x == float64(int64(x)) {
			return time.UnixMilli(int64(x)).UTC().Format(time.RFC3339Nano)
		}
		return formatNumber(x)
	case json.Number:
		if f, err := x.Float64(); err == nil {
			return renderValue(f, asTime)
		}
		return x.String()
	case []any:
		parts := make([]string, 0, len(x))
		for _, e := range x {
			if s := renderValue(e, asTime); s != "" {
				parts = append(parts, s)
			}
		}
		return strings.Join(parts, ", ")
	case map[string]any:
		return renderObject(x)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// renderObject renders the objects of cells: attachments (name and url),
// members and users (name), URLs (text), WorkDocs (title).
func renderObject(m map[string]any) string {
	str := func(k string) string { s, _ := m[k].(string); return s }
	switch {
	case str("token") != "" || (str("name") != "" && str("url") != ""):
		if u := str("url"); u != "" {
			return str("name") + " (" + u + ")"
		}
		return str("name")
	case str("text") != "":
		return str("text")
	case str("name") != "":
		return str("name")
	case str("title") != "":
		return str("title")
	case str("documentId") != "":
		return str("documentId")
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// formatNumber prints f in the shortest form that reads back the same
// (no exponent for ordinary magnitudes), after rounding away binary noise
// such as 0.30000000000000004.
func formatNumber(f float64) string {
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if strings.Contains(s, ".") && len(s) > 16 {
		// Round to 15 significant digits: what the server's JavaScript
		// would display for computed results.
		if r, err := strconv.ParseFloat(strconv.FormatFloat(f, 'g', 15, 64), 64); err == nil {
			s = strconv.FormatFloat(r, 'f', -1, 64)
		}
	}
	return s
}
