package table_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/apitable-go/apitable"
	"github.com/apitable-go/apitable/apitabletest"
	"github.com/apitable-go/apitable/table"
)

// Issue is a row of the "Issues" datasheet of the examples below.
type Issue struct {
	table.RecordMeta            // record id and timestamps
	Title            string     `apitable:"Title"`
	Priority         int        `apitable:"Priority,omitempty"`
	Done             bool       `apitable:"Done"`
	Due              *time.Time `apitable:"Due date"` // nil: no date
	Tags             []string   `apitable:"Tags"`
	Label            string     `apitable:"Label,readonly"` // a formula
}

// issuesServer starts a fake server with the Issues datasheet.
func issuesServer() (*apitabletest.Server, *apitable.Client, string) {
	srv := apitabletest.New(apitabletest.WithoutRateLimit())
	ds, err := srv.SeedDatasheet(srv.SpaceID(), apitabletest.DatasheetSpec{
		Name: "Issues",
		Fields: []apitabletest.FieldSpec{
			{Name: "Title", Type: "SingleText"},
			{Name: "Priority", Type: "Number"},
			{Name: "Done", Type: "Checkbox"},
			{Name: "Due date", Type: "DateTime"},
			{Name: "Tags", Type: "MultiSelect"},
			{Name: "Label", Type: "Formula", Property: map[string]any{"expression": `"#" & {Title}`}},
		},
		Records: []map[string]any{{"Title": "Write docs", "Priority": 2}},
	})
	if err != nil {
		log.Fatal(err)
	}
	client, err := srv.NewClient(apitable.WithRateLimit(1000))
	if err != nil {
		log.Fatal(err)
	}
	return srv, client, ds.ID
}

// A typed view of a datasheet: rows are Go structs, mapped with struct tags.
func ExampleOf() {
	ctx := context.Background()
	srv, client, datasheetID := issuesServer()
	defer srv.Close()

	issues, err := table.Of[Issue](client, datasheetID)
	if err != nil {
		log.Fatal(err)
	}
	// Fail fast if the datasheet no longer matches the struct.
	if err := issues.Check(ctx); err != nil {
		log.Fatal(err)
	}

	due := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	created, err := issues.Create(ctx, []Issue{{Title: "Typed tables", Priority: 1, Due: &due, Tags: []string{"go"}}})
	if err != nil {
		log.Fatal(err)
	}
	created[0].Done = true
	if _, err := issues.Update(ctx, created); err != nil {
		log.Fatal(err)
	}

	// Sort by Go field name; the table sends the API's.
	for issue, err := range issues.All(ctx, &apitable.ListRecordsParams{Sort: []apitable.Sort{{Field: "Priority"}}}) {
		if err != nil {
			log.Fatal(err)
		}
		due := "none"
		if issue.Due != nil {
			due = issue.Due.Format(time.DateOnly)
		}
		fmt.Printf("%d %-12s done=%-5v due=%s tags=%v label=%s\n", issue.Priority, issue.Title, issue.Done, due, issue.Tags, issue.Label)
	}
	// Output:
	// 1 Typed tables done=true  due=2025-06-01 tags=[go] label=#Typed tables
	// 2 Write docs   done=false due=none tags=[] label=#Write docs
}

// Check names every difference between the struct and the datasheet.
func ExampleTable_Check() {
	ctx := context.Background()
	srv, client, datasheetID := issuesServer()
	defer srv.Close()

	type staleIssue struct {
		Title    string  `apitable:"Name"`     // renamed to "Title" since
		Priority string  `apitable:"Priority"` // a Number field
		Done     bool    `apitable:"Done"`
		Label    float64 `apitable:"Label"` // a text formula, not read-only
	}
	issues, err := table.Of[staleIssue](client, datasheetID)
	if err != nil {
		log.Fatal(err)
	}
	err = issues.Check(ctx)
	fmt.Println(errors.Is(err, table.ErrSchemaMismatch))
	var se *table.SchemaError
	if errors.As(err, &se) {
		for _, p := range se.Problems {
			fmt.Printf("%s (%s): %s\n", p.GoField, p.Kind, p.Reason)
		}
	}
	// Output:
	// true
	// Title (missing): no field named "Name" (renamed or deleted?)
	// Priority (type mismatch): Go type string cannot hold Number field "Priority" (use float64 or an integer type)
	// Label (type mismatch): Go type float64 cannot hold Formula field "Label" (use string)
	// Label (read-only): Formula field "Label" is read-only: tag the Go field ",readonly"
}
