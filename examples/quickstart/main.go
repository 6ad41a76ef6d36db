// Command quickstart is a short tour of the SDK: list records, create some,
// read one back, and tell a missing datasheet apart with errors.Is.
//
// With APITABLE_TOKEN unset it runs against an in-process fake server
// (package apitabletest), so it works on a fresh machine with no account:
//
//	go run ./examples/quickstart
//
// Against a real server set APITABLE_TOKEN, APITABLE_DATASHEET_ID and, for a
// self-hosted server, APITABLE_BASE_URL. The datasheet needs a text field
// named "Title" (the default first field of a new datasheet).
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/apitable-go/apitable"
	"github.com/apitable-go/apitable/apitabletest"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
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

	// 1. One page of records.
	page, err := client.Records.List(ctx, datasheetID, &apitable.ListRecordsParams{PageSize: 10})
	if err != nil {
		return fmt.Errorf("list: %w", err)
	}
	fmt.Printf("datasheet %s has %d records; the first page holds %d\n", datasheetID, page.Total, len(page.Records))

	// 2. Create records: any number, chunked to the API's 10 per request.
	created, err := client.Records.Create(ctx, datasheetID, []apitable.Fields{
		{"Title": "Written by the Go quickstart"},
		{"Title": "Another one"},
	}, nil)
	if err != nil {
		return fmt.Errorf("create: %w", err)
	}
	fmt.Printf("created %s and %s\n", created[0].ID, created[1].ID)

	// 3. Read one back, with a typed getter.
	rec, err := client.Records.Get(ctx, datasheetID, created[0].ID, nil)
	if err != nil {
		return fmt.Errorf("get: %w", err)
	}
	title, err := rec.Fields.Text("Title")
	if err != nil {
		return fmt.Errorf("title: %w", err)
	}
	fmt.Printf("read back %s: Title = %q\n", rec.ID, title)

	// 4. Iterate over everything (pages are fetched ahead, in order).
	n := 0
	for _, err := range client.Records.All(ctx, datasheetID, nil) {
		if err != nil {
			return fmt.Errorf("all: %w", err)
		}
		n++
	}
	fmt.Printf("iterated over %d records\n", n)

	// 5. Errors are typed: a missing datasheet matches ErrDatasheetNotFound.
	_, err = client.Records.List(ctx, "dstDoesNotExist000", nil)
	if errors.Is(err, apitable.ErrDatasheetNotFound) {
		fmt.Println("as expected, dstDoesNotExist000 is not found:", err)
	} else {
		return fmt.Errorf("expected ErrDatasheetNotFound, got %w", err)
	}

	// Clean up what the tour wrote.
	if err := client.Records.Delete(ctx, datasheetID, []string{created[0].ID, created[1].ID}); err != nil {
		return fmt.Errorf("delete: %w", err)
	}
	fmt.Println("deleted the records the tour created")
	return nil
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

	fmt.Fprintln(os.Stderr, "APITABLE_TOKEN is not set: running against an embedded fake server (apitabletest)")
	srv := apitabletest.New()
	ds, err := srv.SeedDatasheet(srv.SpaceID(), apitabletest.DatasheetSpec{
		Name: "Tasks",
		Fields: []apitabletest.FieldSpec{
			{Name: "Title", Type: "SingleText", Property: map[string]any{}},
			{Name: "Done", Type: "Checkbox", Property: map[string]any{"icon": "white_check_mark"}},
		},
		Records: []map[string]any{
			{"Title": "Read the README", "Done": true},
			{"Title": "Run the tests"},
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
