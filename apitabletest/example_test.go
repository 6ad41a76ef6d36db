package apitabletest_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"testing"

	"github.com/apitable-go/apitable"
	"github.com/apitable-go/apitable/apitabletest"
)

var exampleContacts = apitabletest.DatasheetSpec{
	Name: "Contacts",
	Fields: []apitabletest.FieldSpec{
		{Name: "Name", Type: "SingleText"},
		{Name: "Email", Type: "Email"},
		{Name: "Level", Type: "SingleSelect", Property: map[string]any{"options": []any{"Lead", "Customer"}}},
	},
	Records: []map[string]any{
		{"Name": "Ann", "Email": "ann@example.com", "Level": "Customer"},
		{"Name": "Bob", "Email": "bob@example.com"},
	},
}

// New starts a fake server outside tests (in a program or an example); the
// caller closes it. In tests use NewServer.
func ExampleNew() {
	srv := apitabletest.New()
	defer srv.Close()

	// Seed what the code under test expects: a datasheet with fields,
	// views and records (values in the API's write format).
	ds, err := srv.SeedDatasheet(srv.SpaceID(), exampleContacts)
	if err != nil {
		log.Fatal(err)
	}
	// NewClient talks to the fake over loopback HTTP, with short retry
	// waits; InMemoryClient skips the network.
	client, err := srv.NewClient()
	if err != nil {
		log.Fatal(err)
	}
	page, err := client.Records.List(context.Background(), ds.ID, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(page.Total, "contacts")
	// Output: 2 contacts
}

// In a test, NewServer ties the server to the test: it is closed by
// t.Cleanup and seeding mistakes fail the test. (This example is compiled,
// not run: examples get no *testing.T.)
func ExampleNewServer() {
	testInvite := func(t *testing.T) {
		srv := apitabletest.NewServer(t)
		ds := srv.AddDatasheet(srv.SpaceID(), exampleContacts)
		client := srv.Client()

		_, err := client.Records.Create(t.Context(), ds.ID, []apitable.Fields{{"Name": "Cy"}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := len(srv.Records(ds.ID)); got != 3 {
			t.Errorf("%d records on the server, want 3", got)
		}
	}
	_ = testInvite
}

// InjectFault makes the next matching requests fail. A connection dropped
// after the server applied a create is the failure that duplicates records
// in naive clients; this one reports ErrOutcomeUnknown instead of re-sending.
func ExampleServer_InjectFault() {
	srv := apitabletest.New()
	defer srv.Close()
	ds := srv.AddDatasheet(srv.SpaceID(), exampleContacts)
	client, err := srv.NewClient()
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	srv.InjectFault(apitabletest.Fault{Method: "POST", Path: "/records", Drop: apitabletest.DropAfterHandling})
	_, err = client.Records.Create(ctx, ds.ID, []apitable.Fields{{"Name": "Cy"}}, nil)
	fmt.Println(errors.Is(err, apitable.ErrOutcomeUnknown), len(srv.Records(ds.ID)))

	// Two 503s on reads: retried, then the list succeeds.
	srv.InjectFault(apitabletest.Fault{Method: "GET", Status: 503, Count: 2})
	page, err := client.Records.List(ctx, ds.ID, nil)
	fmt.Println(page.Total, err)

	// A business error, as the real server sends most of them: HTTP 200.
	srv.InjectFault(apitabletest.Fault{Method: "GET", Status: 200, Code: 602, Message: "Operation denied"})
	_, err = client.Records.List(ctx, ds.ID, nil)
	fmt.Println(errors.Is(err, apitable.ErrNodePermission))
	// Output:
	// true 3
	// 3 <nil>
	// true
}

// Records shows what the server holds, independently of the client: the
// way to assert the effect of the code under test.
func ExampleServer_Records() {
	srv := apitabletest.New()
	defer srv.Close()
	ds := srv.AddDatasheet(srv.SpaceID(), exampleContacts)

	for _, rec := range srv.Records(ds.ID) {
		fmt.Println(rec.Fields) // read format: empty cells omitted
	}
	// Output:
	// map[Email:ann@example.com Level:Customer Name:Ann]
	// map[Email:bob@example.com Name:Bob]
}

// Requests is the log of what the server received (never the token).
func ExampleServer_Requests() {
	srv := apitabletest.New()
	defer srv.Close()
	ds := srv.AddDatasheet(srv.SpaceID(), exampleContacts)
	client, err := srv.NewClient()
	if err != nil {
		log.Fatal(err)
	}

	// 12 records: two requests of at most 10.
	rows := make([]apitable.Fields, 12)
	for i := range rows {
		rows[i] = apitable.Fields{"Name": fmt.Sprint("Person ", i)}
	}
	if _, err := client.Records.Create(context.Background(), ds.ID, rows, nil); err != nil {
		log.Fatal(err)
	}
	for _, r := range srv.Requests() {
		fmt.Println(r.Method, r.Status, r.Code)
	}
	// Output:
	// POST 201 200
	// POST 201 200
}

// SetPermission gives the token user another role on a node, with the real
// server's answers, including its most surprising one: a reader's update
// succeeds without changing anything.
func ExampleServer_SetPermission() {
	srv := apitabletest.New()
	defer srv.Close()
	ds := srv.AddDatasheet(srv.SpaceID(), exampleContacts)
	client, err := srv.NewClient()
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	srv.SetPermission(ds.ID, apitabletest.RoleReader)
	_, err = client.Records.Create(ctx, ds.ID, []apitable.Fields{{"Name": "Cy"}}, nil)
	fmt.Println("create:", errors.Is(err, apitable.ErrNodePermission))

	_, err = client.Records.Update(ctx, ds.ID, []apitable.RecordUpdate{
		{ID: ds.RecordIDs[1], Fields: apitable.Fields{"Level": "Lead"}},
	}, nil)
	fmt.Println("update:", err, srv.Records(ds.ID)[1].Fields.Has("Level"))
	// Output:
	// create: true
	// update: <nil> false
}

// An Answer fault lets the write through and spoils the answer: the
// server holds the record once, and the client cannot use the reply. Tests
// of code that must not duplicate writes check the store, not the reply.
func ExampleAnswerMode() {
	srv := apitabletest.New()
	defer srv.Close()
	ds := srv.AddDatasheet(srv.SpaceID(), exampleContacts)
	client, err := srv.NewClient()
	if err != nil {
		log.Fatal(err)
	}
	srv.InjectFault(apitabletest.Fault{Method: "POST", Path: "/records", Answer: apitabletest.AnswerWithoutData})
	_, err = client.Records.Create(context.Background(), ds.ID, []apitable.Fields{{"Name": "Cy"}}, nil)
	fmt.Println(err != nil, len(srv.Records(ds.ID)))
	// Output:
	// true 3
}
