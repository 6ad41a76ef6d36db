// Command bulk-import writes a few hundred records in one call, exactly
// once, reports a partial failure chunk by chunk, re-sends only what failed,
// and then upserts: updates the rows whose key exists and creates the rest.
//
// With APITABLE_TOKEN unset it runs against an in-process fake server
// (package apitabletest) that drops one connection and rejects one chunk, to
// show what the client does about them:
//
//	go run ./examples/bulk-import
//
// Against a real server set APITABLE_TOKEN, APITABLE_DATASHEET_ID and, for a
// self-hosted server, APITABLE_BASE_URL. The datasheet needs a text field
// "Title" and a multi-select field "Options" (the first two fields of a new
// datasheet). The program deletes the records it wrote before it exits.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/apitable-go/apitable"
	"github.com/apitable-go/apitable/apitabletest"
	"github.com/apitable-go/apitable/formula"
)

const n = 250

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bulk-import:", err)
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

	// 1. Generate the input. Title identifies a record: it is the key.
	// Writing a select option that does not exist yet creates it.
	rows := make([]apitable.Fields, n)
	for i := range rows {
		rows[i] = apitable.Fields{
			"Title":   fmt.Sprintf("Item %03d", i+1),
			"Options": []string{fmt.Sprintf("batch-%c", 'A'+i%3)},
		}
	}
	created, err := createOnce(ctx, client, datasheetID, rows)
	if err != nil {
		return err
	}
	ids := make(map[string]bool, n)
	for _, rec := range created {
		ids[rec.ID] = true
	}
	if err := upsert(ctx, client, datasheetID, ids); err != nil {
		return err
	}

	// 5. Clean up: delete everything this program wrote (10 ids per request).
	all := make([]string, 0, len(ids))
	for id := range ids {
		all = append(all, id)
	}
	if err := client.Records.Delete(ctx, datasheetID, all); err != nil {
		return fmt.Errorf("delete: %w", err)
	}
	fmt.Printf("deleted the %d records written\n", len(all))
	return nil
}

// createOnce creates rows exactly once and re-sends the chunks that
// definitely failed.
func createOnce(ctx context.Context, client *apitable.Client, datasheetID string, rows []apitable.Fields) ([]apitable.Record, error) {
	// 2. Create, exactly once. The client sends 10 records per request,
	// several in flight within the rate budget. KeyFields lets it resolve a
	// chunk whose answer was lost: it looks the keys up and re-sends only the
	// missing records, instead of failing with ErrOutcomeUnknown (or worse,
	// creating duplicates).
	start := time.Now()
	params := &apitable.CreateRecordsParams{KeyFields: []string{"Title"}}
	created, err := client.Records.Create(ctx, datasheetID, rows, params)
	fmt.Printf("created %d of %d records in %v\n", count(created), n, time.Since(start).Round(time.Millisecond))

	// 3. A partial failure: report every chunk, then re-send the failed
	// ones. ChunkFailed means "definitely not applied"; after KeyFields
	// recovery, ChunkOutcomeUnknown is rare, and needs a look before
	// re-sending.
	var be *apitable.BatchError
	switch {
	case errors.As(err, &be):
		report(be)
		failed := be.Indices(apitable.ChunkFailed)
		retry := make([]apitable.Fields, len(failed))
		for i, idx := range failed {
			retry[i] = rows[idx]
		}
		again, err := client.Records.Create(ctx, datasheetID, retry, params)
		if err != nil {
			return nil, fmt.Errorf("re-sending %d records: %w", len(retry), err)
		}
		for i, idx := range failed {
			created[idx] = again[i]
		}
		fmt.Printf("re-sent %d records: now %d of %d created\n", len(retry), count(created), n)
	case err != nil:
		return nil, fmt.Errorf("create: %w", err)
	}
	// No duplicates, even though a connection dropped after a create.
	page, err := client.Records.List(ctx, datasheetID, &apitable.ListRecordsParams{
		PageSize:        1,
		FilterByFormula: formula.Find(formula.String("Item "), formula.Field("Title")).Eq(formula.Int(1)).String(),
	})
	if err != nil {
		return nil, fmt.Errorf("count: %w", err)
	}
	fmt.Printf("the datasheet holds %d items\n", page.Total)
	return created, nil
}

// upsert changes the batch of the first 20 items and adds 5 new ones,
// adding the new records' ids to ids.
func upsert(ctx context.Context, client *apitable.Client, datasheetID string, ids map[string]bool) error {
	// 4. Upsert by Title: the first 20 items change batch, 5 new ones come.
	var changes []apitable.Fields
	for _, i := range append(seq(1, 20), seq(n+1, n+5)...) {
		changes = append(changes, apitable.Fields{
			"Title":   fmt.Sprintf("Item %03d", i),
			"Options": []string{"batch-Z"},
		})
	}
	upserted, err := client.Records.Upsert(ctx, datasheetID, changes, []string{"Title"}, nil)
	var be *apitable.BatchError
	if errors.As(err, &be) {
		report(be)
	}
	if err != nil {
		return fmt.Errorf("upsert: %w", err)
	}
	updated := 0
	for _, rec := range upserted {
		if ids[rec.ID] {
			updated++
		} else {
			ids[rec.ID] = true
		}
	}
	fmt.Printf("upsert: %d updated, %d created\n", updated, len(upserted)-updated)
	return nil
}

// report prints a BatchError chunk by chunk.
func report(be *apitable.BatchError) {
	fmt.Printf("%s: %d chunks, not all applied\n", be.Op, len(be.Chunks))
	for _, ch := range be.Chunks {
		if ch.Status == apitable.ChunkApplied {
			continue
		}
		fmt.Printf("  chunk %d (%d records, inputs %d..%d): %v: %v\n",
			ch.Index, len(ch.Inputs), ch.Inputs[0], ch.Inputs[len(ch.Inputs)-1], ch.Status, ch.Err)
	}
}

// seq returns from, from+1, …, to.
func seq(from, to int) []int {
	var s []int
	for i := from; i <= to; i++ {
		s = append(s, i)
	}
	return s
}

// count returns the number of records that were created (non-zero ids).
func count(recs []apitable.Record) int {
	c := 0
	for _, r := range recs {
		if r.ID != "" {
			c++
		}
	}
	return c
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

	fmt.Fprintln(os.Stderr, "APITABLE_TOKEN is not set: running against an embedded fake server (apitabletest),")
	fmt.Fprintln(os.Stderr, "which drops one connection after applying a create and rejects one chunk")
	// The fake enforces the real limit (5 requests per second per
	// datasheet); both sides run 10× faster here to keep the demo short.
	srv := apitabletest.New(apitabletest.WithRateLimit(50, time.Second))
	ds, err := srv.SeedDatasheet(srv.SpaceID(), apitabletest.DatasheetSpec{
		Name: "Inventory",
		Fields: []apitabletest.FieldSpec{
			{Name: "Title", Type: "SingleText"},
			{Name: "Options", Type: "MultiSelect", Property: map[string]any{"options": []any{"batch-A"}}},
		},
	})
	if err != nil {
		srv.Close()
		return nil, "", nil, err
	}
	srv.InjectFault(apitabletest.Fault{Method: "POST", Path: "/records", Drop: apitabletest.DropAfterHandling})
	srv.InjectFault(apitabletest.Fault{Method: "POST", Path: "/records", Status: 200, Code: 400,
		Message: "The format of the fields parameter value is wrong"})
	client, err := srv.NewClient(apitable.WithRateLimit(50))
	if err != nil {
		srv.Close()
		return nil, "", nil, err
	}
	return client, ds.ID, srv.Close, nil
}
