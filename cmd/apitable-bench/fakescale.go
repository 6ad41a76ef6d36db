package main

// The fake's scale (issue 15 item 7): what one plain 1,000-record page and
// seeding cost in datasheets of growing size. Run as
//
//	go run ./cmd/apitable-bench fake-scale [-rows 1000,50000,1000000] [-pages 20]

import (
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/apitable-go/apitable/apitabletest"
)

// fakeScaleRow is one table size's figures.
type fakeScaleRow struct {
	Rows       int
	Seed       time.Duration // SeedDatasheet of Rows rows
	HeapPerRow float64       // live heap of the store per row, bytes
	Page       time.Duration // one plain 1,000-record page, mean
	PageAllocs float64       // allocations per page
}

func runFakeScale(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("apitable-bench fake-scale", flag.ContinueOnError)
	fs.SetOutput(stderr)
	rowsFlag := fs.String("rows", "1000,50000,1000000", "datasheet sizes")
	pages := fs.Int("pages", 20, "pages served per size")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	var sizes []int
	for _, f := range strings.Split(*rowsFlag, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			_, _ = fmt.Fprintf(stderr, "apitable-bench: bad -rows %q\n", *rowsFlag)
			return 2
		}
		sizes = append(sizes, n)
	}
	_, _ = fmt.Fprintln(stdout, "| rows | seed | heap/row | page (1,000 records) | allocs/page |")
	_, _ = fmt.Fprintln(stdout, "|---:|---:|---:|---:|---:|")
	for _, n := range sizes {
		r, err := fakeScale(n, max(1, *pages))
		if err != nil {
			_, _ = fmt.Fprintln(stderr, "apitable-bench:", err)
			return 1
		}
		_, _ = fmt.Fprintf(stdout, "| %d | %v | %.0f B | %v | %.0f |\n", r.Rows, r.Seed.Round(time.Millisecond), r.HeapPerRow, r.Page.Round(10*time.Microsecond), r.PageAllocs)
	}
	return 0
}

// fakeScale seeds a three-column datasheet of n rows and serves plain
// pages from its middle.
func fakeScale(n, pages int) (fakeScaleRow, error) {
	row := fakeScaleRow{Rows: n}
	spec := apitabletest.DatasheetSpec{Name: "Big", Fields: []apitabletest.FieldSpec{
		{Name: "Title", Type: "SingleText", Property: map[string]any{}},
		{Name: "N", Type: "Number", Property: map[string]any{"precision": 0}},
		{Name: "Tags", Type: "MultiSelect", Property: map[string]any{"options": []any{map[string]any{"name": "a"}, map[string]any{"name": "b"}}}},
	}}
	spec.Records = make([]map[string]any, n)
	for i := range n {
		spec.Records[i] = map[string]any{"Title": "row " + strconv.Itoa(i), "N": i, "Tags": []any{"a", "b"}}
	}
	before := liveHeapBytes()
	srv := apitabletest.New(apitabletest.WithoutRateLimit(), apitabletest.WithMaxRows(n))
	defer srv.Close()
	start := time.Now()
	ds, err := srv.SeedDatasheet(srv.SpaceID(), spec)
	if err != nil {
		return row, err
	}
	row.Seed = time.Since(start)
	row.HeapPerRow = float64(liveHeapBytes()-before) / float64(n)
	runtime.KeepAlive(spec)
	path := fmt.Sprintf("/fusion/v1/datasheets/%s/records?pageSize=1000&pageNum=%d", ds.ID, n/2000+1)
	serve := func() error {
		req := httptest.NewRequest("GET", path, nil)
		req.Header.Set("Authorization", "Bearer "+srv.Token())
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			return fmt.Errorf("fake page of %d rows: HTTP %d", n, rec.Code)
		}
		return nil
	}
	if err := serve(); err != nil { // warm up
		return row, err
	}
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	start = time.Now()
	for range pages {
		if err := serve(); err != nil {
			return row, err
		}
	}
	row.Page = time.Since(start) / time.Duration(pages)
	runtime.ReadMemStats(&ms1)
	row.PageAllocs = float64(ms1.Mallocs-ms0.Mallocs) / float64(pages)
	return row, nil
}

func liveHeapBytes() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
