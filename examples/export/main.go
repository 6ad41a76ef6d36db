// Command export streams every record of a datasheet to CSV on stdout: the
// columns come from the live schema (Fields.List) and each is read with the
// typed getter of its field type, so numbers, dates, selects, members and
// attachments come out as text a spreadsheet understands. Memory stays
// bounded by the pages in flight, whatever the size of the datasheet.
//
// With APITABLE_TOKEN unset it runs against an in-process fake server
// (package apitabletest) seeded with a small datasheet:
//
//	go run ./examples/export > tasks.csv
//
// Against a real server set APITABLE_TOKEN, APITABLE_DATASHEET_ID and, for a
// self-hosted server, APITABLE_BASE_URL.
package main

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/apitable-go/apitable"
	"github.com/apitable-go/apitable/apitabletest"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "export:", err)
		os.Exit(1)
	}
}

func run() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	client, datasheetID, cleanup, err := connect()
	if err != nil {
		return err
	}
	defer cleanup()

	fields, err := client.Fields.List(ctx, datasheetID, nil)
	if err != nil {
		return fmt.Errorf("fields: %w", err)
	}
	header := []string{"Record ID"}
	for _, f := range fields {
		header = append(header, f.Name)
	}

	w := csv.NewWriter(os.Stdout)
	if err := w.Write(header); err != nil {
		return err
	}
	n := 0
	// All reads 1000 records per page, the next pages ahead of time within
	// the rate budget, and yields them in order. SkipDuplicates guards
	// against the repeats that paging by number can produce while others
	// insert rows during the export.
	for rec, err := range client.Records.All(ctx, datasheetID, &apitable.ListRecordsParams{SkipDuplicates: true}) {
		if err != nil {
			return fmt.Errorf("after %d records: %w", n, err)
		}
		row := []string{rec.ID}
		for _, f := range fields {
			cell, err := format(rec.Fields, f)
			if err != nil {
				return fmt.Errorf("record %s: %w", rec.ID, err)
			}
			row = append(row, cell)
		}
		if err := w.Write(row); err != nil {
			return err
		}
		n++
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "exported %d records, %d columns\n", n, len(header))
	return nil
}

// format renders one cell with the typed getter of its field type. Empty
// cells are omitted by the server: every getter reports them as
// apitable.ErrCellEmpty, written as "".
func format(cells apitable.Fields, f apitable.Field) (string, error) {
	s, err := formatCell(cells, f)
	if errors.Is(err, apitable.ErrCellEmpty) {
		return "", nil
	}
	return s, err
}

func formatCell(cells apitable.Fields, f apitable.Field) (string, error) {
	key := f.Name
	switch f.Type.Canonical() {
	case apitable.FieldNumber, apitable.FieldCurrency, apitable.FieldPercent,
		apitable.FieldRating, apitable.FieldAutoNumber:
		v, err := cells.Number(key)
		return strconv.FormatFloat(v, 'f', -1, 64), err
	case apitable.FieldCheckbox:
		v, err := cells.Bool(key) // unchecked: absent, read as false
		return strconv.FormatBool(v), err
	case apitable.FieldDateTime, apitable.FieldCreatedTime, apitable.FieldLastModifiedTime:
		v, err := cells.Time(key)
		return v.Format(time.RFC3339), err
	case apitable.FieldMultiSelect, apitable.FieldTwoWayLink, apitable.FieldOneWayLink:
		v, err := cells.Strings(key) // option names, or linked record ids
		return strings.Join(v, "; "), err
	case apitable.FieldAttachment:
		v, err := cells.Attachments(key)
		names := make([]string, len(v))
		for i, a := range v {
			names[i] = a.Name
		}
		return strings.Join(names, "; "), err
	case apitable.FieldMember:
		v, err := cells.Members(key)
		names := make([]string, len(v))
		for i, m := range v {
			names[i] = m.Name
		}
		return strings.Join(names, "; "), err
	case apitable.FieldCreatedBy, apitable.FieldLastModifiedBy:
		v, err := cells.User(key)
		return v.Name, err
	case apitable.FieldURL:
		v, err := cells.URL(key)
		return v.Text, err
	case apitable.FieldSingleText, apitable.FieldText, apitable.FieldSingleSelect,
		apitable.FieldEmail, apitable.FieldPhone:
		return cells.Text(key)
	}
	// Formulas, lookups and types this program does not know: whatever
	// JSON value the server sent, as text.
	v, err := cells.Values(key)
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = fmt.Sprint(x)
	}
	return strings.Join(parts, "; "), err
}

// connect returns a client for the real server named by the environment,
// or for an embedded fake when APITABLE_TOKEN is unset.
func connect() (*apitable.Client, string, func(), error) {
	if token := os.Getenv("APITABLE_TOKEN"); token != "" {
		datasheetID := os.Getenv("APITABLE_DATASHEET_ID")
		if datasheetID == "" {
			return nil, "", nil, errors.New("APITABLE_DATASHEET_ID is required with APITABLE_TOKEN")
		}
		var opts []apitable.Option
		if base := os.Getenv("APITABLE_BASE_URL"); base != "" {
			opts = append(opts, apitable.WithBaseURL(base))
		}
		client, err := apitable.New(token, opts...)
		return client, datasheetID, func() {}, err
	}

	fmt.Fprintln(os.Stderr, "APITABLE_TOKEN is not set: exporting a datasheet of an embedded fake server (apitabletest)")
	srv := apitabletest.New()
	owner := srv.AddMember(srv.SpaceID(), "Ann")
	logo := srv.AddAttachment(srv.SpaceID(), "logo.txt", "text/plain", []byte("APITable"))
	ds, err := srv.SeedDatasheet(srv.SpaceID(), apitabletest.DatasheetSpec{
		Name: "Tasks",
		Fields: []apitabletest.FieldSpec{
			{Name: "Title", Type: "SingleText"},
			{Name: "Estimate", Type: "Number", Property: map[string]any{"precision": 1}},
			{Name: "Done", Type: "Checkbox", Property: map[string]any{"icon": "white_check_mark"}},
			{Name: "Due", Type: "DateTime", Property: map[string]any{"dateFormat": "YYYY-MM-DD", "includeTime": true}},
			{Name: "Tags", Type: "MultiSelect", Property: map[string]any{"options": []any{"docs", "go", "ops"}}},
			{Name: "Owner", Type: "Member", Property: map[string]any{"isMulti": true}},
			{Name: "Files", Type: "Attachment"},
			{Name: "Site", Type: "URL"},
		},
		Records: []map[string]any{
			{"Title": "Write the README", "Estimate": 2.5, "Tags": []any{"docs"}, "Owner": []any{map[string]any{"id": owner}},
				"Files": []any{map[string]any{"token": logo, "name": "logo.txt"}}},
			{"Title": `Quote "this", please`, "Done": true, "Due": 1767225600000, "Tags": []any{"go", "ops"},
				"Site": map[string]any{"text": "https://apitable.com", "title": "APITable"}},
			{"Title": "Empty cells stay empty"},
		},
	})
	if err != nil {
		srv.Close()
		return nil, "", nil, err
	}
	client, err := srv.NewClient()
	if err != nil {
		srv.Close()
		return nil, "", nil, err
	}
	return client, ds.ID, srv.Close, nil
}
