package apitable_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"strings"
	"time"

	"github.com/apitable-go/apitable"
	"github.com/apitable-go/apitable/apitabletest"
	"github.com/apitable-go/apitable/formula"
)

// The examples run against apitabletest, an in-memory fake of the API, so
// that their output is checked by go test. Against a real server the only
// difference is how the client is made:
//
//	client, err := apitable.New(os.Getenv("APITABLE_TOKEN"))

// exampleTasksSpec is the "Tasks" datasheet most examples use.
var exampleTasksSpec = apitabletest.DatasheetSpec{
	Name: "Tasks",
	Fields: []apitabletest.FieldSpec{
		{Name: "Title", Type: "SingleText"},
		{Name: "Priority", Type: "Number", Property: map[string]any{"precision": 0}},
		{Name: "Done", Type: "Checkbox", Property: map[string]any{"icon": "white_check_mark"}},
		{Name: "Due", Type: "DateTime", Property: map[string]any{"dateFormat": "YYYY-MM-DD"}},
		{Name: "Tags", Type: "MultiSelect", Property: map[string]any{"options": []any{"docs", "go"}}},
	},
	Records: []map[string]any{
		{"Title": "Write the README", "Priority": 2, "Tags": []any{"docs"}, "Due": "2025-03-01"},
		{"Title": "Ship v0.1", "Priority": 1, "Done": true, "Tags": []any{"go"}},
		{"Title": "Answer issues", "Priority": 3},
	},
}

// exampleTasks starts a fake server with the Tasks datasheet and returns a client
// for it, the datasheet, and a function that stops the server.
func exampleTasks() (*apitable.Client, *apitabletest.Datasheet, func()) {
	srv := apitabletest.New(apitabletest.WithoutRateLimit())
	ds, err := srv.SeedDatasheet(srv.SpaceID(), exampleTasksSpec)
	if err != nil {
		log.Fatal(err)
	}
	client, err := srv.NewClient(apitable.WithRateLimit(1000))
	if err != nil {
		log.Fatal(err)
	}
	return client, ds, srv.Close
}

// This example is a tour of the package: list, create, read, iterate and
// tell errors apart.
func Example() {
	ctx := context.Background()

	// A fake server with one datasheet; use apitable.New(token) for a real one.
	srv := apitabletest.New()
	defer srv.Close()
	ds := srv.AddDatasheet(srv.SpaceID(), apitabletest.DatasheetSpec{
		Name:    "Tasks",
		Fields:  []apitabletest.FieldSpec{{Name: "Title", Type: "SingleText"}},
		Records: []map[string]any{{"Title": "Read the docs"}},
	})
	client, err := srv.NewClient()
	if err != nil {
		log.Fatal(err)
	}

	// Create any number of records: the client sends 10 per request.
	created, err := client.Records.Create(ctx, ds.ID, []apitable.Fields{
		{"Title": "Write code"},
		{"Title": "Run the tests"},
	}, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("created", len(created), "records")

	// Iterate over every record; pages are fetched ahead, in order.
	for rec, err := range client.Records.All(ctx, ds.ID, nil) {
		if err != nil {
			log.Fatal(err)
		}
		title, _ := rec.Fields.Text("Title")
		fmt.Println("-", title)
	}

	// Errors match a sentinel per business code.
	_, err = client.Records.List(ctx, "dstNoSuchSheet0000", nil)
	fmt.Println("not found:", errors.Is(err, apitable.ErrDatasheetNotFound))
	// Output:
	// created 2 records
	// - Read the docs
	// - Write code
	// - Run the tests
	// not found: true
}

func ExampleNew() {
	srv := apitabletest.New()
	defer srv.Close()

	// New does no I/O and reads no environment; the token is required.
	client, err := apitable.New(srv.Token(),
		apitable.WithBaseURL(srv.URL()), // default https://api.apitable.com
		apitable.WithRetry(5, time.Second, 30*time.Second),
		apitable.WithAttemptTimeout(time.Minute),
		apitable.WithUserAgent("my-app/1.0"),
	)
	if err != nil {
		log.Fatal(err)
	}
	spaces, err := client.Spaces.List(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(spaces), "space")

	// Options are checked by New.
	_, err = apitable.New("token", apitable.WithRateLimit(0))
	fmt.Println(err)

	// The token never shows in the client's fmt output, errors or logs.
	fmt.Println(strings.Contains(fmt.Sprintf("%+v", client), srv.Token()))
	// Output:
	// 1 space
	// apitable: WithRateLimit: rate must be positive, got 0
	// false
}

// Self-hosted servers: a base URL with a path prefix, plain HTTP inside a
// trusted network, and the limits the server was configured with.
func ExampleNew_selfHosted() {
	client, err := apitable.New("token",
		apitable.WithBaseURL("http://apitable.internal:8080/gateway"),
		apitable.WithInsecureHTTP(),          // http is refused otherwise, except on loopback
		apitable.WithRateLimit(20),           // the server's LIMIT_POINTS per second
		apitable.WithMaxRecordsPerWrite(100), // when the server allows more than 10
	)
	fmt.Println(client != nil, err)
	// Output: true <nil>
}

func ExampleWithRetry() {
	srv := apitabletest.New(apitabletest.WithoutRateLimit())
	defer srv.Close()
	ds := srv.AddDatasheet(srv.SpaceID(), exampleTasksSpec)

	// Three retries, waits from 1 ms to 10 ms (the defaults are 1 s to 15 s,
	// right for the real server).
	client, err := apitable.New(srv.Token(),
		apitable.WithBaseURL(srv.URL()),
		apitable.WithRetry(3, time.Millisecond, 10*time.Millisecond),
	)
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	// A read is retried after a 503 ...
	srv.InjectFault(apitabletest.Fault{Method: "GET", Status: 503, Count: 2})
	page, err := client.Records.List(ctx, ds.ID, nil)
	fmt.Println("list:", page.Total, "records,", err)

	// ... a create is not: the server may have applied it.
	srv.InjectFault(apitabletest.Fault{Method: "POST", Status: 503})
	_, err = client.Records.Create(ctx, ds.ID, []apitable.Fields{{"Title": "x"}}, nil)
	fmt.Println("create:", errors.Is(err, apitable.ErrOutcomeUnknown))

	// Definite answers are never retried.
	srv.InjectFault(apitabletest.Fault{Method: "GET", Status: 401, Count: 5})
	_, err = client.Records.List(ctx, ds.ID, nil)
	var apiErr *apitable.APIError
	if errors.As(err, &apiErr) {
		fmt.Println("unauthorized:", errors.Is(err, apitable.ErrUnauthorized), "after", apiErr.Attempts, "attempt")
	}
	srv.ClearFaults()
	// Output:
	// list: 3 records, <nil>
	// create: true
	// unauthorized: true after 1 attempt
}

func ExampleRecordsService_List() {
	client, ds, stop := exampleTasks()
	defer stop()

	// One page, filtered and sorted by the server. Build formulas with
	// package formula so that no value can change their meaning.
	page, err := client.Records.List(context.Background(), ds.ID, &apitable.ListRecordsParams{
		FilterByFormula: formula.Field("Done").Eq(formula.Bool(false)).String(),
		Sort:            []apitable.Sort{{Field: "Priority"}},
		Fields:          []string{"Title", "Priority"},
		PageSize:        10,
	})
	if err != nil {
		log.Fatal(err)
	}
	// Total counts every matching record; PageSize is the number returned.
	fmt.Println("total", page.Total, "page size", page.PageSize)
	for _, rec := range page.Records {
		fmt.Println(rec.Fields)
	}
	// Output:
	// total 2 page size 2
	// map[Priority:2 Title:Write the README]
	// map[Priority:3 Title:Answer issues]
}

func ExampleRecordsService_All() {
	client, ds, stop := exampleTasks()
	defer stop()

	// All pages through every matching record (1000 per page, pages read
	// ahead within the rate budget) and yields them in order. Breaking out
	// of the loop stops all I/O.
	params := &apitable.ListRecordsParams{Sort: []apitable.Sort{{Field: "Priority", Desc: true}}}
	for rec, err := range client.Records.All(context.Background(), ds.ID, params) {
		if err != nil {
			log.Fatal(err)
		}
		title, _ := rec.Fields.Text("Title")
		prio, _ := rec.Fields.Int("Priority")
		fmt.Println(prio, title)
		if prio == 2 {
			break
		}
	}
	// Output:
	// 3 Answer issues
	// 2 Write the README
}

func ExampleRecordsService_Get() {
	client, ds, stop := exampleTasks()
	defer stop()
	ctx := context.Background()

	rec, err := client.Records.Get(ctx, ds.ID, ds.RecordIDs[1], nil)
	if err != nil {
		log.Fatal(err)
	}
	title, _ := rec.Fields.Text("Title")
	done, _ := rec.Fields.Bool("Done")
	fmt.Println(title, done)

	// An unknown record is ErrRecordNotFound (the server itself just
	// returns nothing).
	_, err = client.Records.Get(ctx, ds.ID, "recNoSuchRecord", nil)
	fmt.Println(errors.Is(err, apitable.ErrRecordNotFound))
	// Output:
	// Ship v0.1 true
	// true
}

func ExampleRecordsService_Create() {
	client, ds, stop := exampleTasks()
	defer stop()

	// 25 records: three requests of at most 10, results in input order.
	rows := make([]apitable.Fields, 25)
	for i := range rows {
		rows[i] = apitable.Fields{
			"Title":    fmt.Sprintf("Task %02d", i+1),
			"Priority": i%3 + 1,
			"Due":      time.Date(2025, 6, 1+i, 0, 0, 0, 0, time.UTC), // sent as ms: exact
			"Tags":     []string{"go", "new"},                         // "new" becomes an option
		}
	}
	created, err := client.Records.Create(context.Background(), ds.ID, rows, nil)
	if err != nil {
		log.Fatal(err)
	}
	last := created[len(created)-1]
	title, _ := last.Fields.Text("Title")
	due, _ := last.Fields.Time("Due")
	tags, _ := last.Fields.Strings("Tags")
	fmt.Println(len(created), title, due.Format(time.DateOnly), tags)
	// Output: 25 Task 25 2025-06-25 [go new]
}

// With KeyFields a create whose answer was lost is looked up by key and
// only the missing records are sent again: exactly once, even over a
// dropped connection.
func ExampleRecordsService_Create_keyFields() {
	srv := apitabletest.New(apitabletest.WithoutRateLimit())
	defer srv.Close()
	ds := srv.AddDatasheet(srv.SpaceID(), exampleTasksSpec)
	client, err := srv.NewClient(apitable.WithRateLimit(1000))
	if err != nil {
		log.Fatal(err)
	}

	// The server applies the create, then the connection drops.
	srv.InjectFault(apitabletest.Fault{Method: "POST", Drop: apitabletest.DropAfterHandling})
	created, err := client.Records.Create(context.Background(), ds.ID,
		[]apitable.Fields{{"Title": "Pay invoice 42"}},
		&apitable.CreateRecordsParams{KeyFields: []string{"Title"}})
	fmt.Println(len(created), err)
	fmt.Println(len(srv.Records(ds.ID)), "records on the server") // 3 seeded + 1
	// Output:
	// 1 <nil>
	// 4 records on the server
}

func ExampleRecordsService_Update() {
	client, ds, stop := exampleTasks()
	defer stop()

	// PATCH semantics: listed cells change, nil clears a cell, other cells
	// stay as they are.
	updated, err := client.Records.Update(context.Background(), ds.ID, []apitable.RecordUpdate{
		{ID: ds.RecordIDs[0], Fields: apitable.Fields{"Done": true, "Tags": nil}},
	}, nil)
	if err != nil {
		log.Fatal(err)
	}
	rec := updated[0].Fields
	title, _ := rec.Text("Title")
	done, _ := rec.Bool("Done")
	fmt.Println(title, done, rec.Has("Tags"))
	// Output: Write the README true false
}

func ExampleRecordsService_Delete() {
	client, ds, stop := exampleTasks()
	defer stop()
	ctx := context.Background()

	// Any number of ids, 10 per request.
	if err := client.Records.Delete(ctx, ds.ID, ds.RecordIDs[:2]); err != nil {
		log.Fatal(err)
	}
	page, err := client.Records.List(ctx, ds.ID, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(page.Total, "left")
	// Output: 1 left
}

func ExampleRecordsService_Upsert() {
	client, ds, stop := exampleTasks()
	defer stop()
	ctx := context.Background()

	// Records whose key (Title) exists are updated, the others created.
	out, err := client.Records.Upsert(ctx, ds.ID, []apitable.Fields{
		{"Title": "Ship v0.1", "Priority": 5},
		{"Title": "Plan v0.2", "Priority": 4},
	}, []string{"Title"}, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(out), "records; same id as before:", out[0].ID == ds.RecordIDs[1])
	page, err := client.Records.List(ctx, ds.ID, &apitable.ListRecordsParams{
		Sort: []apitable.Sort{{Field: "Priority", Desc: true}}, MaxRecords: 2,
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, rec := range page.Records {
		title, _ := rec.Fields.Text("Title")
		prio, _ := rec.Fields.Int("Priority")
		fmt.Println(prio, title)
	}
	// Output:
	// 2 records; same id as before: true
	// 5 Ship v0.1
	// 4 Plan v0.2
}

func ExampleFields_Text() {
	client, ds, stop := exampleTasks()
	defer stop()

	rec, err := client.Records.Get(context.Background(), ds.ID, ds.RecordIDs[0], nil)
	if err != nil {
		log.Fatal(err)
	}
	title, err := rec.Fields.Text("Title")
	fmt.Printf("%q %v\n", title, err)
	prio, err := rec.Fields.Int("Priority")
	fmt.Println(prio, err)
	due, err := rec.Fields.Time("Due") // ms epoch on the wire, UTC here
	fmt.Println(due, err)
	tags, err := rec.Fields.Strings("Tags")
	fmt.Println(tags, err)
	done, err := rec.Fields.Bool("Done") // unchecked checkboxes are absent: false
	fmt.Println(done, err)

	// The server omits empty cells: ErrCellEmpty tells them apart ...
	other, err := client.Records.Get(context.Background(), ds.ID, ds.RecordIDs[2], nil)
	if err != nil {
		log.Fatal(err)
	}
	_, err = other.Fields.Strings("Tags")
	fmt.Println(errors.Is(err, apitable.ErrCellEmpty))

	// ... from a value of another type.
	_, err = rec.Fields.Text("Priority")
	var typeErr *apitable.CellTypeError
	fmt.Println(errors.As(err, &typeErr), typeErr.Want, typeErr.Got)
	// Output:
	// "Write the README" <nil>
	// 2 <nil>
	// 2025-03-01 00:00:00 +0000 UTC <nil>
	// [docs] <nil>
	// false <nil>
	// true
	// true string number
}

// Writing typed values: Go values and this package's types are encoded as
// the API expects (time.Time as milliseconds, members by reference, URLs
// and attachments as objects); nil clears a cell on update.
func ExampleFields() {
	srv := apitabletest.New(apitabletest.WithoutRateLimit())
	defer srv.Close()
	srv.AddMember(srv.SpaceID(), "Ann")
	ds := srv.AddDatasheet(srv.SpaceID(), apitabletest.DatasheetSpec{
		Name: "Links",
		Fields: []apitabletest.FieldSpec{
			{Name: "Title", Type: "SingleText"},
			{Name: "Site", Type: "URL"},
			{Name: "Owner", Type: "Member", Property: map[string]any{"isMulti": false}},
			{Name: "Seen", Type: "DateTime", Property: map[string]any{"dateFormat": "YYYY-MM-DD", "includeTime": true}},
		},
	})
	client, err := srv.NewClient(apitable.WithRateLimit(1000))
	if err != nil {
		log.Fatal(err)
	}

	created, err := client.Records.Create(context.Background(), ds.ID, []apitable.Fields{{
		"Title": "APITable",
		"Site":  apitable.URL{Text: "https://apitable.com", Title: "Home"},
		"Owner": apitable.MemberByName("Ann", "Member"),
		"Seen":  time.Date(2025, 5, 4, 3, 2, 1, 0, time.UTC),
	}}, nil)
	if err != nil {
		log.Fatal(err)
	}
	cells := created[0].Fields
	site, _ := cells.URL("Site")
	owners, _ := cells.Members("Owner")
	seen, _ := cells.Time("Seen")
	fmt.Println(site.Title, site.Text)
	fmt.Println(owners[0].Name, owners[0].Type)
	fmt.Println(seen.Format(time.RFC3339))
	// Output:
	// Home https://apitable.com
	// Ann Member
	// 2025-05-04T03:02:01Z
}

func ExampleBatchError() {
	client, ds, stop := exampleTasks()
	defer stop()

	// Record 13 has text in a Number field: the server rejects its chunk
	// (records 10 to 19) and applies the others.
	rows := make([]apitable.Fields, 25)
	for i := range rows {
		rows[i] = apitable.Fields{"Title": fmt.Sprint("Row ", i), "Priority": i}
	}
	rows[13]["Priority"] = "high"

	created, err := client.Records.Create(context.Background(), ds.ID, rows, nil)
	var be *apitable.BatchError
	if errors.As(err, &be) {
		for _, ch := range be.Chunks {
			fmt.Printf("records %d-%d: %v\n", ch.Start, ch.End-1, ch.Status)
		}
		fmt.Println("re-send:", be.Indices(apitable.ChunkFailed))
		fmt.Println("invalid request:", errors.Is(err, apitable.ErrInvalidRequest))
	}
	// created has one entry per input; those of unapplied chunks are zero.
	fmt.Println(created[9].ID != "", created[10].ID != "")
	// Output:
	// records 0-9: applied
	// records 10-19: failed
	// records 20-24: applied
	// re-send: [10 11 12 13 14 15 16 17 18 19]
	// invalid request: true
	// true false
}

func ExampleAPIError() {
	client, _, stop := exampleTasks()
	defer stop()

	_, err := client.Records.List(context.Background(), "dstNoSuchSheet0000", nil)

	// errors.Is matches the sentinel of the business code ...
	fmt.Println(errors.Is(err, apitable.ErrDatasheetNotFound))

	// ... and errors.As gives the details. Most business errors come with
	// HTTP 200.
	var apiErr *apitable.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.HTTPStatus, apiErr.Code, apiErr.Method, apiErr.Path)
	}

	// Bad input never reaches the server.
	_, err = client.Records.List(context.Background(), "dst/../x", nil)
	var valErr *apitable.ValidationError
	fmt.Println(errors.As(err, &valErr), errors.Is(err, apitable.ErrInvalidRequest))
	// Output:
	// true
	// 200 301 GET /fusion/v1/datasheets/{datasheetId}/records
	// true true
}

func ExampleFieldsService_List() {
	client, ds, stop := exampleTasks()
	defer stop()

	fields, err := client.Fields.List(context.Background(), ds.ID, nil)
	if err != nil {
		log.Fatal(err)
	}
	for _, f := range fields {
		fmt.Print(f.Name, " ", f.Type)
		// Property is typed by field type.
		if p, ok := f.Property.(*apitable.MultiSelectProperty); ok {
			for _, o := range p.Options {
				fmt.Print(" ", o.Name)
			}
		}
		fmt.Println()
	}
	// Output:
	// Title SingleText
	// Priority Number
	// Done Checkbox
	// Due DateTime
	// Tags MultiSelect docs go
}

func ExampleFieldsService_Create() {
	client, ds, stop := exampleTasks()
	defer stop()
	ctx := context.Background()

	// Field creation is addressed by space and datasheet.
	_, err := client.Fields.Create(ctx, ds.SpaceID, ds.ID, apitable.CreateFieldParams{
		Name: "Status",
		Property: apitable.SingleSelectField{Options: []apitable.SelectOptionInput{
			{Name: "Todo"}, {Name: "Doing"}, {Name: "Done"},
		}},
	})
	if err != nil {
		log.Fatal(err)
	}
	fields, err := client.Fields.List(ctx, ds.ID, nil)
	if err != nil {
		log.Fatal(err)
	}
	f := fields[len(fields)-1]
	fmt.Println(f.Name, f.Type, len(f.Property.(*apitable.SingleSelectProperty).Options), "options")

	// Properties are checked before sending.
	_, err = client.Fields.Create(ctx, ds.SpaceID, ds.ID, apitable.CreateFieldParams{Name: "Nothing"})
	fmt.Println(errors.Is(err, apitable.ErrInvalidRequest))
	// Output:
	// Status SingleSelect 3 options
	// true
}

func ExampleFieldsService_Delete() {
	client, ds, stop := exampleTasks()
	defer stop()
	ctx := context.Background()

	// Fields are deleted by id; Fields.List or the seeded ids give it.
	err := client.Fields.Delete(ctx, ds.SpaceID, ds.ID, ds.FieldIDs["Tags"], nil)
	if err != nil {
		log.Fatal(err)
	}
	fields, err := client.Fields.List(ctx, ds.ID, nil)
	if err != nil {
		log.Fatal(err)
	}
	for _, f := range fields {
		fmt.Print(f.Name, " ")
	}
	fmt.Println()
	// Output: Title Priority Done Due
}

func ExampleViewsService_List() {
	srv := apitabletest.New(apitabletest.WithoutRateLimit())
	defer srv.Close()
	spec := exampleTasksSpec
	spec.Views = []apitabletest.ViewSpec{
		{Name: "All tasks"},
		{Name: "Open", Filter: "{Done} = FALSE()", Sort: []apitabletest.SortSpec{{Field: "Priority"}}},
		{Name: "Board", Type: "Kanban"},
	}
	ds := srv.AddDatasheet(srv.SpaceID(), spec)
	client, err := srv.NewClient(apitable.WithRateLimit(1000))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	views, err := client.Views.List(ctx, ds.ID)
	if err != nil {
		log.Fatal(err)
	}
	for _, v := range views {
		fmt.Println(v.Name, v.Type)
	}

	// A view's filter and sort apply to List and All.
	page, err := client.Records.List(ctx, ds.ID, &apitable.ListRecordsParams{ViewID: views[1].ID})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(page.Total, "open")
	// Output:
	// All tasks Grid
	// Open Grid
	// Board Kanban
	// 2 open
}

func ExampleDatasheetsService_Create() {
	srv := apitabletest.New(apitabletest.WithoutRateLimit())
	defer srv.Close()
	client, err := srv.NewClient(apitable.WithRateLimit(1000))
	if err != nil {
		log.Fatal(err)
	}

	ds, err := client.Datasheets.Create(context.Background(), srv.SpaceID(), apitable.CreateDatasheetParams{
		Name:        "Contacts",
		Description: "People we work with",
		Fields: []apitable.CreateFieldParams{
			{Name: "Name", Property: apitable.SingleTextField{}}, // the primary field
			{Name: "Email", Property: apitable.EmailField{}},
			{Name: "Since", Property: apitable.DateTimeField{DateFormat: "YYYY-MM-DD"}},
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, f := range ds.Fields {
		fmt.Print(f.Name, " ")
	}
	fmt.Println()
	// Output: Name Email Since
}

func ExampleAttachmentsService_Upload() {
	srv := apitabletest.New(apitabletest.WithoutRateLimit())
	defer srv.Close()
	ds := srv.AddDatasheet(srv.SpaceID(), apitabletest.DatasheetSpec{
		Name:   "Reports",
		Fields: []apitabletest.FieldSpec{{Name: "Title", Type: "SingleText"}, {Name: "Files", Type: "Attachment"}},
	})
	client, err := srv.NewClient(apitable.WithRateLimit(1000))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	// Any io.Reader is streamed (an *os.File is typical); the content type
	// is sniffed when not given.
	att, err := client.Attachments.Upload(ctx, ds.ID, "notes.txt", strings.NewReader("hello, world\n"), nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(att.Name, att.Size, att.MimeType)

	// An upload is only stored; write it into an Attachment cell.
	created, err := client.Records.Create(ctx, ds.ID, []apitable.Fields{
		{"Title": "Weekly notes", "Files": []apitable.Attachment{*att}},
	}, nil)
	if err != nil {
		log.Fatal(err)
	}
	files, _ := created[0].Fields.Attachments("Files")
	fmt.Println(len(files), files[0].Name)
	// Output:
	// notes.txt 13 text/plain; charset=utf-8
	// 1 notes.txt
}

func ExampleAttachmentsService_UploadMany() {
	client, ds, stop := exampleTasks()
	defer stop()

	// One request per file (the API's rule), a result per file. Open is
	// called just before each upload; return an *os.File to allow retries
	// after a 429.
	results, err := client.Attachments.UploadMany(context.Background(), ds.ID, []apitable.UploadFile{
		{Name: "a.txt", Reader: strings.NewReader("first")},
		{Name: "b.csv", Open: func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader("x,y\n1,2\n")), nil },
			Params: &apitable.UploadParams{ContentType: "text/csv"}},
		{Name: "c.txt", Open: func() (io.ReadCloser, error) { return nil, errors.New("no such file") }},
	})
	// The error is a *BatchError whose chunks are the files.
	var be *apitable.BatchError
	if errors.As(err, &be) {
		fmt.Println("failed files:", be.Indices(apitable.ChunkFailed))
	}
	for _, r := range results {
		if r.Err != nil {
			fmt.Println(r.Name, "error:", r.Err)
			continue
		}
		fmt.Println(r.Name, r.Attachment.MimeType)
	}
	// Output:
	// failed files: [2]
	// a.txt text/plain; charset=utf-8
	// b.csv text/csv
	// c.txt error: upload "c.txt": apitable: opening "c.txt": no such file
}

func ExampleSpacesService_List() {
	srv := apitabletest.New()
	defer srv.Close()
	srv.AddSpace("Marketing")
	client, err := srv.NewClient()
	if err != nil {
		log.Fatal(err)
	}

	spaces, err := client.Spaces.List(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	for _, sp := range spaces {
		fmt.Println(sp.Name, sp.IsAdmin)
	}
	// Output:
	// apitabletest space true
	// Marketing true
}

// exampleWorkspace starts a fake server with a folder holding a datasheet, and a
// datasheet at the root.
func exampleWorkspace() (*apitable.Client, *apitabletest.Server) {
	srv := apitabletest.New(apitabletest.WithoutRateLimit())
	folder := srv.AddFolder(srv.SpaceID(), "Projects")
	srv.AddDatasheet(srv.SpaceID(), apitabletest.DatasheetSpec{Name: "Roadmap", FolderID: folder,
		Fields: []apitabletest.FieldSpec{{Name: "Title", Type: "SingleText"}}})
	srv.AddDatasheet(srv.SpaceID(), exampleTasksSpec)
	client, err := srv.NewClient(apitable.WithRateLimit(1000))
	if err != nil {
		log.Fatal(err)
	}
	return client, srv
}

func ExampleNodesService_List() {
	client, srv := exampleWorkspace()
	defer srv.Close()

	// The nodes at the root of the space.
	nodes, err := client.Nodes.List(context.Background(), srv.SpaceID())
	if err != nil {
		log.Fatal(err)
	}
	for _, n := range nodes {
		fmt.Println(n.Type, n.Name, n.Permission)
	}
	// Output:
	// Folder Projects manager
	// Datasheet Tasks manager
}

func ExampleNodesService_Get() {
	client, srv := exampleWorkspace()
	defer srv.Close()
	ctx := context.Background()

	nodes, err := client.Nodes.List(ctx, srv.SpaceID())
	if err != nil {
		log.Fatal(err)
	}
	for _, n := range nodes {
		if n.Type != apitable.NodeFolder {
			continue
		}
		// Get returns a folder with its direct children.
		folder, err := client.Nodes.Get(ctx, n.ID)
		if err != nil {
			log.Fatal(err)
		}
		for _, child := range folder.Children {
			fmt.Println(folder.Name, "/", child.Name, child.Type)
		}
	}
	// Output: Projects / Roadmap Datasheet
}

func ExampleNodesService_Search() {
	client, srv := exampleWorkspace()
	defer srv.Close()

	// Search looks through the whole tree (v2 route, not rate-limited).
	nodes, err := client.Nodes.Search(context.Background(), srv.SpaceID(), apitable.SearchNodesParams{
		Type:  apitable.NodeDatasheet,
		Query: "Road", // part of the name
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, n := range nodes {
		fmt.Println(n.Name, n.ParentID != "")
	}
	// Output: Roadmap true
}

// Embed links exist on enterprise plans of the hosted service only; the
// open-source server answers 404 (ErrAPINotFound).
func ExampleNodesService_CreateEmbedLink() {
	client, ds, stop := exampleTasks()
	defer stop()

	link, err := client.Nodes.CreateEmbedLink(context.Background(), ds.SpaceID, ds.ID, &apitable.CreateEmbedLinkParams{
		Payload: &apitable.EmbedPayload{PermissionType: "readOnly"},
		Theme:   "dark",
	})
	if errors.Is(err, apitable.ErrAPINotFound) {
		fmt.Println("this server has no embed links")
		return
	}
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(link.Theme, link.Payload.PermissionType, strings.HasPrefix(link.URL, "https://"))
	// Output: dark readOnly true
}

func ExampleNodesService_ListEmbedLinks() {
	client, ds, stop := exampleTasks()
	defer stop()
	ctx := context.Background()

	for range 2 {
		if _, err := client.Nodes.CreateEmbedLink(ctx, ds.SpaceID, ds.ID, nil); err != nil {
			log.Fatal(err)
		}
	}
	links, err := client.Nodes.ListEmbedLinks(ctx, ds.SpaceID, ds.ID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(links), "links")
	// Output: 2 links
}

func ExampleNodesService_DeleteEmbedLink() {
	client, ds, stop := exampleTasks()
	defer stop()
	ctx := context.Background()

	link, err := client.Nodes.CreateEmbedLink(ctx, ds.SpaceID, ds.ID, nil)
	if err != nil {
		log.Fatal(err)
	}
	if err := client.Nodes.DeleteEmbedLink(ctx, ds.SpaceID, ds.ID, link.ID); err != nil {
		log.Fatal(err)
	}
	links, err := client.Nodes.ListEmbedLinks(ctx, ds.SpaceID, ds.ID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(links), "links")
	// Output: 0 links
}
