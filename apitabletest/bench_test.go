package apitabletest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
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
