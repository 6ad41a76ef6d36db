package apitabletest

import (
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"
)

// TestPlainPageCostIndependentOfTableSize: a plain page (first-view order,
// no filter, sort or recordIds) looks up only its own rows, so serving a
// 1,000-record page allocates as many bytes from a 1,000-row and a 100,000-row
// datasheet. The real server pages a snapshot it holds in memory
// (packages/room-server/src/fusion/services/fusion.api.service.ts
// getRecords); the fake must not make a large table slow for users'
// tests. Allocated bytes, unlike time, do not depend on the machine's load.
func TestPlainPageCostIndependentOfTableSize(t *testing.T) { //nolint:paralleltest // measures the process's allocated bytes

	if testing.Short() {
		t.Skip("seeds 100,000 rows")
	}
	if raceEnabled {
		t.Skip("allocation figures are not comparable under -race (sync.Pool drops items at random); .ci/run runs this test without -race")
	}
	allocs := map[int]float64{}
	for _, n := range []int{1_000, 100_000} {
		s := New(WithoutRateLimit(), WithMaxRows(n))
		ds, err := s.SeedDatasheet(s.SpaceID(), scaleSpec(n))
		if err != nil {
			t.Fatal(err)
		}
		path := fmt.Sprintf("/fusion/v1/datasheets/%s/records?pageSize=1000&pageNum=%d", ds.ID, n/2000+1)
		serve := func() {
			req := httptest.NewRequest("GET", path, nil)
			req.Header.Set("Authorization", "Bearer "+s.Token())
			rec := httptest.NewRecorder()
			s.Handler().ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				t.Fatalf("HTTP %d", rec.Code)
			}
		}
		serve() // warm up
		// The least of several runs: encoding/json's buffer pool makes
		// single runs vary.
		least := uint64(math.MaxUint64)
		for range 5 {
			var m0, m1 runtime.MemStats
			runtime.ReadMemStats(&m0)
			serve()
			runtime.ReadMemStats(&m1)
			least = min(least, m1.TotalAlloc-m0.TotalAlloc)
		}
		allocs[n] = float64(least)
		s.Close()
	}
	// A page that copied the row order of 100,000 rows would allocate
	// 800 kB more than one of 1,000 rows (about 1 MB).
	if small, large := allocs[1_000], allocs[100_000]; large > small*1.3 {
		t.Errorf("bytes allocated per page: %.0f at 1k rows, %.0f at 100k rows; want about equal", small, large)
	}
}
