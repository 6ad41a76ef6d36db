package apitabletest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"
)

// BenchmarkListPage measures the fake's handling of one 1,000-record page
// of a 50,000-row datasheet (users run the fake in their unit tests, so a
// page must cost little server CPU), plain and with a filter formula.
func BenchmarkListPage(b *testing.B) {
	s := New(WithoutRateLimit())
	defer s.Close()
	spec := DatasheetSpec{Name: "Big", Fields: []FieldSpec{
		{Name: "Title", Type: "SingleText", Property: map[string]any{}},
		{Name: "N", Type: "Number", Property: map[string]any{"precision": 0}},
		{Name: "Tags", Type: "MultiSelect", Property: map[string]any{"options": []any{map[string]any{"name": "a"}, map[string]any{"name": "b"}}}},
	}}
	for i := range 50_000 {
		spec.Records = append(spec.Records, map[string]any{"Title": fmt.Sprint("row ", i), "N": i, "Tags": []any{"a", "b"}})
	}
	ds, err := s.SeedDatasheet(s.SpaceID(), spec)
	if err != nil {
		b.Fatal(err)
	}
	h := s.Handler()
	for _, tc := range []struct{ name, query string }{
		{"plain", "pageSize=1000&pageNum=25"},
		{"filter", "pageSize=1000&pageNum=2&filterByFormula=%7BN%7D+%3E+1000"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				req := httptest.NewRequest("GET", "/fusion/v1/datasheets/"+ds.ID+"/records?"+tc.query, nil)
				req.Header.Set("Authorization", "Bearer "+s.Token())
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("%d %s", rec.Code, rec.Body.String()[:200])
				}
			}
		})
	}
}

// scaleSpec is a three-column datasheet of n rows.
func scaleSpec(n int) DatasheetSpec {
	spec := DatasheetSpec{Name: "Big", Fields: []FieldSpec{
		{Name: "Title", Type: "SingleText", Property: map[string]any{}},
		{Name: "N", Type: "Number", Property: map[string]any{"precision": 0}},
		{Name: "Tags", Type: "MultiSelect", Property: map[string]any{"options": []any{map[string]any{"name": "a"}, map[string]any{"name": "b"}}}},
	}}
	spec.Records = make([]map[string]any, n)
	for i := range n {
		spec.Records[i] = map[string]any{"Title": fmt.Sprint("row ", i), "N": i, "Tags": []any{"a", "b"}}
	}
	return spec
}

// BenchmarkPageScale measures one plain 1,000-record page (first-view
// order, no filter or sort) from the middle of a 1k, 50k and 1M-row
// datasheet: the cost must not grow with the table.
func BenchmarkPageScale(b *testing.B) {
	for _, n := range []int{1_000, 50_000, 1_000_000} {
		b.Run(fmt.Sprintf("rows=%d", n), func(b *testing.B) {
			s := New(WithoutRateLimit(), WithMaxRows(n))
			defer s.Close()
			ds, err := s.SeedDatasheet(s.SpaceID(), scaleSpec(n))
			if err != nil {
				b.Fatal(err)
			}
			h := s.Handler()
			path := fmt.Sprintf("/fusion/v1/datasheets/%s/records?pageSize=1000&pageNum=%d", ds.ID, n/2000+1)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				req := httptest.NewRequest("GET", path, nil)
				req.Header.Set("Authorization", "Bearer "+s.Token())
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("%d %s", rec.Code, rec.Body.String())
				}
			}
		})
	}
}

// BenchmarkSeedScale measures SeedDatasheet of 50k and 1M rows (the spec
// is built before the timer starts).
func BenchmarkSeedScale(b *testing.B) {
	for _, n := range []int{50_000, 1_000_000} {
		b.Run(fmt.Sprintf("rows=%d", n), func(b *testing.B) {
			spec := scaleSpec(n)
			b.ReportAllocs()
			var heap uint64
			for b.Loop() {
				before := liveHeap()
				s := New(WithoutRateLimit(), WithMaxRows(n))
				if _, err := s.SeedDatasheet(s.SpaceID(), spec); err != nil {
					b.Fatal(err)
				}
				heap = liveHeap() - before
				s.Close()
			}
			// The store's live heap per row, after a GC (the spec itself
			// is excluded: it was live before).
			b.ReportMetric(float64(heap)/float64(n), "heapB/row")
		})
	}
}

func liveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
