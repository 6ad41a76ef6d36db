package main

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/apitable-go/apitable"
)

// isRecordIDColumn reports whether a CSV header names the record id
// column that export writes.
func isRecordIDColumn(h string) bool {
	h = strings.TrimSpace(h)
	return strings.EqualFold(h, "recordId") || strings.EqualFold(h, "record id")
}

// csvReader reads CSV with a header row naming fields (by name or id). A
// "recordId" column (as written by export) gives the rows' record ids.
// Columns of read-only fields and attachments are ignored; unknown columns
// are an error unless ignoreUnknown.
type csvReader struct {
	r     *csv.Reader
	cols  []apitable.Field // per column; zero Field: ignored
	idCol int              // the recordId column; -1 when there is none
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
	c := &csvReader{r: cr, cols: make([]apitable.Field, len(header)), idCol: -1}
	var skipped, unknown []string
	seen := map[string]bool{}
	for i, h := range header {
		h = strings.TrimSpace(h)
		if isRecordIDColumn(h) {
			if c.idCol < 0 {
				c.idCol = i
			}
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
	if c.idCol >= 0 && c.idCol < len(rec) {
		row.recordID = strings.TrimSpace(rec[c.idCol])
	}
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

// jsonlReader reads one JSON object per line: {"recordId": …, "fields":
// {…}} (as written by export and the failures file; other keys are
// ignored) or a plain object of cells, where a "recordId" key is the
// record id. Cells of read-only fields are dropped; unknown fields make the
// row invalid unless ignoreUnknown.
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
	row.recordID, _ = obj["recordId"].(string)
	row.recordID = strings.TrimSpace(row.recordID)
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

// inputCounts are counted before an import: the data rows (the progress
// total) and the rows that carry a record id.
type inputCounts struct {
	rows, withID int
}

// countRows counts the data rows of a file, and those with a record id;
// rows is -1 when it cannot. It reads the file once more, streaming.
func countRows(path, format string) inputCounts {
	unknown := inputCounts{rows: -1}
	f, err := os.Open(path) //nolint:gosec // G304: the path is the user's own -file argument
	if err != nil {
		return unknown
	}
	defer func() { _ = f.Close() }() // read-only: nothing to lose on Close
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return unknown
	}
	br := bufio.NewReaderSize(f, 64<<10)
	var n inputCounts
	var ok bool
	if format == "csv" {
		n, ok = countCSV(br)
	} else {
		n, ok = countJSONL(br)
	}
	if !ok {
		return unknown
	}
	return n
}

func countCSV(r io.Reader) (inputCounts, bool) {
	var n inputCounts
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	idCol := -1
	for first := true; ; first = false {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return n, true
		}
		if err != nil {
			return n, false
		}
		if first {
			idCol = slices.IndexFunc(rec, isRecordIDColumn)
			continue
		}
		n.rows++
		if idCol >= 0 && idCol < len(rec) && strings.TrimSpace(rec[idCol]) != "" {
			n.withID++
		}
	}
}

func countJSONL(br *bufio.Reader) (inputCounts, bool) {
	var n inputCounts
	for {
		b, err := br.ReadBytes('\n')
		if b = bytes.TrimSpace(b); len(b) > 0 {
			n.rows++
			var id struct {
				RecordID any `json:"recordId"`
			}
			if json.Unmarshal(b, &id) == nil {
				if s, ok := id.RecordID.(string); ok && strings.TrimSpace(s) != "" {
					n.withID++
				}
			}
		}
		if err != nil {
			return n, errors.Is(err, io.EOF)
		}
	}
}
