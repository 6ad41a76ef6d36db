// Command testing runs the tasks service of ./tasks once: it closes the
// overdue tasks of a datasheet. The point of this example is the service's
// unit tests, which use package apitabletest (a fake server, with fault
// injection) instead of a real account:
//
//	go test ./examples/testing/...
//
// With APITABLE_TOKEN unset the program itself runs against an in-process
// fake server too:
//
//	go run ./examples/testing
//
// Against a real server set APITABLE_TOKEN, APITABLE_DATASHEET_ID and, for a
// self-hosted server, APITABLE_BASE_URL. The datasheet needs a text field
// "Title", a checkbox "Done" and a date field "Due". Careful: the program
// marks the overdue tasks of that datasheet as done.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/apitable-go/apitable"
	"github.com/apitable-go/apitable/apitabletest"
	"github.com/apitable-go/apitable/examples/testing/tasks"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "testing:", err)
		os.Exit(1)
	}
}

func run() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	client, datasheetID, cleanup, err := connect()
	if err != nil {
		return err
	}
	defer cleanup()

	svc := &tasks.Service{Client: client, DatasheetID: datasheetID}
	closed, err := svc.CloseOverdue(ctx)
	if err != nil {
		return err
	}
	fmt.Printf("closed %d overdue tasks\n", len(closed))
	for _, title := range closed {
		fmt.Println("-", title)
	}
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
	day := 24 * time.Hour
	ds, err := srv.SeedDatasheet(srv.SpaceID(), apitabletest.DatasheetSpec{
		Name: "Tasks",
		Fields: []apitabletest.FieldSpec{
			{Name: "Title", Type: "SingleText"},
			{Name: "Done", Type: "Checkbox", Property: map[string]any{"icon": "white_check_mark"}},
			{Name: "Due", Type: "DateTime", Property: map[string]any{"dateFormat": "YYYY-MM-DD"}},
		},
		Records: []map[string]any{
			{"Title": "Renew the certificate", "Due": time.Now().Add(-3 * day).UnixMilli()},
			{"Title": "Send the invoice", "Done": true, "Due": time.Now().Add(-day).UnixMilli()},
			{"Title": "Plan the offsite", "Due": time.Now().Add(7 * day).UnixMilli()},
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
