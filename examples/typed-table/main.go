// Command typed-table works with a datasheet through a Go struct: rows are
// values of a tagged type, checked against the live schema first.
//
// With APITABLE_TOKEN unset it runs on an embedded fake server:
//
//	go run ./examples/typed-table
//
// Against a real server set APITABLE_TOKEN, APITABLE_DATASHEET_ID (a
// datasheet with the columns of Contact below) and, if self-hosted,
// APITABLE_BASE_URL.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/apitable-go/apitable"
	"github.com/apitable-go/apitable/apitabletest"
	"github.com/apitable-go/apitable/table"
)

// Contact is one row. Fields map to columns by name; RecordMeta carries the
// record id and timestamps.
type Contact struct {
	table.RecordMeta
	Name      string        `apitable:"Name"`
	Email     string        `apitable:"Email"`
	Score     float64       `apitable:"Score,omitempty"`
	Active    bool          `apitable:"Active"`
	Tags      []string      `apitable:"Tags"`
	LastSeen  *time.Time    `apitable:"Last seen"`           // nil: empty cell
	CreatedBy apitable.User `apitable:"Created by,readonly"` // computed by the server
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "typed-table:", err)
		os.Exit(1)
	}
}

func run() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	client, datasheetID, cleanup, err := connect()
	if err != nil {
		return err
	}
	defer cleanup()

	contacts, err := table.Of[Contact](client, datasheetID)
	if err != nil {
		return err
	}
	// Fail fast, naming every renamed, removed or mistyped column.
	if err := contacts.Check(ctx); err != nil {
		var se *table.SchemaError
		if errors.As(err, &se) {
			for _, p := range se.Problems {
				fmt.Fprintln(os.Stderr, "schema:", p)
			}
		}
		return err
	}

	seen := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	// Upsert by email: existing contacts are updated, new ones created.
	out, err := contacts.Upsert(ctx, []Contact{
		{Name: "Ann", Email: "ann@example.com", Score: 9.5, Active: true, Tags: []string{"vip"}, LastSeen: &seen},
		{Name: "Bo", Email: "bo@example.com", Active: true},
	}, []string{"Email"})
	if err != nil {
		return fmt.Errorf("upsert: %w", err)
	}
	fmt.Printf("upserted %d contacts\n", len(out))

	// Read them back as structs, in server order.
	for c, err := range contacts.All(ctx, &apitable.ListRecordsParams{Sort: []apitable.Sort{{Field: "Name"}}}) {
		if err != nil {
			return err
		}
		last := "never"
		if c.LastSeen != nil {
			last = c.LastSeen.Format(time.DateOnly)
		}
		fmt.Printf("%-4s %-16s score %4.1f active %-5v tags %v last seen %s\n", c.Name, c.Email, c.Score, c.Active, c.Tags, last)
	}
	return nil
}

// connect returns a client for the server named by the environment, or for
// an embedded fake when APITABLE_TOKEN is unset.
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
	fmt.Fprintln(os.Stderr, "APITABLE_TOKEN is not set: running against an embedded fake server (apitabletest)")
	srv := apitabletest.New()
	ds, err := srv.SeedDatasheet(srv.SpaceID(), apitabletest.DatasheetSpec{
		Name: "Contacts",
		Fields: []apitabletest.FieldSpec{
			{Name: "Name", Type: "SingleText", Property: map[string]any{}},
			{Name: "Email", Type: "Email"},
			{Name: "Score", Type: "Number", Property: map[string]any{"precision": 1}},
			{Name: "Active", Type: "Checkbox", Property: map[string]any{"icon": "white_check_mark"}},
			{Name: "Tags", Type: "MultiSelect", Property: map[string]any{"options": []any{map[string]any{"name": "vip"}}}},
			{Name: "Last seen", Type: "DateTime", Property: map[string]any{"dateFormat": "YYYY-MM-DD"}},
			{Name: "Created by", Type: "CreatedBy"},
		},
		Records: []map[string]any{{"Name": "Ann", "Email": "ann@example.com", "Score": 7}},
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
