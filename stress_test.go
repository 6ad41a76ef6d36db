package apitable_test

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apitable-go/apitable"
	"github.com/apitable-go/apitable/apitabletest"
	"github.com/apitable-go/apitable/formula"
)

// TestStressMixedOperations: 64 goroutines share one Client over real
// loopback HTTP, 8 per datasheet over 8 datasheets, each running a bounded
// mix of Create, Update, Get, List, All (filtered and unfiltered), Delete
// and Upsert on its own key range ("gNN-…", Owner = NN). The fake's limiter
// is off and the client's rate is high, so the goroutines really overlap.
// Faults that the client must absorb silently are installed: 2% of reads
// answer 503, 2% of updates and deletes answer 500 and 2% are applied and
// then lose their connection (all retried; a retried delete that finds
// nothing counts as done). Creates get no faults, so no outcome is unknown
// and the final store is predictable: each datasheet holds exactly the
// records its goroutines' bookkeeping says, with their values. Run with
// -race.
func TestStressMixedOperations(t *testing.T) {
	t.Parallel()
	const (
		sheets     = 8
		perSheet   = 8
		iterations = 4
	)
	srv := apitabletest.NewServer(t, apitabletest.WithoutRateLimit(), apitabletest.WithSeed(64))
	srv.InjectFault(apitabletest.Fault{Method: "GET", Rate: 0.02, Status: 503})
	for _, m := range []string{"PATCH", "DELETE"} {
		srv.InjectFault(apitabletest.Fault{Method: m, Rate: 0.02, Status: 500})
		srv.InjectFault(apitabletest.Fault{Method: m, Rate: 0.02, Drop: apitabletest.DropAfterHandling})
	}
	dss := make([]*apitabletest.Datasheet, sheets)
	for i := range dss {
		dss[i] = srv.AddDatasheet(srv.SpaceID(), apitabletest.DatasheetSpec{
			Name: fmt.Sprintf("Stress %d", i),
			Fields: []apitabletest.FieldSpec{
				{Name: "Key", Type: "SingleText", Property: map[string]any{}},
				{Name: "Val", Type: "SingleText", Property: map[string]any{}},
				{Name: "Owner", Type: "Number", Property: map[string]any{"precision": 0}},
			},
		})
	}
	// Keep enough idle connections for every goroutine: with
	// http.DefaultTransport's 2 per host, the 64 goroutines open and close
	// thousands of loopback connections, the listener's accept queue
	// overflows, and dials stall for SYN retransmits (in trials the run
	// took twice as long).
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 256
	t.Cleanup(tr.CloseIdleConnections)
	c := srv.Client(apitable.WithRateLimit(1e6), apitable.WithRetry(3, time.Millisecond, 5*time.Millisecond),
		apitable.WithHTTPClient(&http.Client{Transport: tr}))

	start := time.Now()
	want := make([]map[string]stressRec, sheets*perSheet)
	var wg sync.WaitGroup
	for g := range sheets * perSheet {
		wg.Go(func() {
			w := &stressWorker{t: t, c: c, ds: dss[g%sheets].ID, g: g, recs: map[string]stressRec{},
				rng: rand.New(rand.NewPCG(uint64(g), 1))} //nolint:gosec // G404/G115: a seeded, reproducible test RNG; g is a small non-negative index
			for it := range iterations {
				if !w.iteration(it) {
					break
				}
			}
			want[g] = w.recs
		})
	}
	wg.Wait()

	// Every datasheet holds exactly what its goroutines recorded.
	total := 0
	for s, ds := range dss {
		got := map[int]map[string]stressRec{}
		seen := map[string]bool{}
		for _, r := range srv.Records(ds.ID) {
			key, _ := r.Fields["Key"].(string)
			require.False(t, seen[key], "datasheet %d: key %s stored twice", s, key)
			seen[key] = true
			owner := int(r.Fields["Owner"].(float64))
			require.Equal(t, s, owner%sheets, "datasheet %d: record of goroutine %d", s, owner)
			if got[owner] == nil {
				got[owner] = map[string]stressRec{}
			}
			got[owner][key] = stressRec{id: r.ID, val: r.Fields["Val"].(string)}
			total++
		}
		for g := s; g < sheets*perSheet; g += sheets {
			if len(want[g]) == 0 {
				assert.Empty(t, got[g], "goroutine %d", g)
				continue
			}
			assert.Equal(t, want[g], got[g], "goroutine %d", g)
		}
	}
	reqs := srv.Requests()
	t.Logf("%d goroutines × %d iterations: %d requests logged, %d records left, %v", sheets*perSheet, iterations, len(reqs), total, time.Since(start).Round(time.Millisecond))
}

type stressRec struct{ id, val string }

type stressWorker struct {
	t    *testing.T
	c    *apitable.Client
	ds   string
	g    int
	next int
	recs map[string]stressRec // key → record, the goroutine's own view
	rng  *rand.Rand
}

func (w *stressWorker) key() string {
	w.next++
	return fmt.Sprintf("g%02d-%04d", w.g, w.next)
}

// some returns up to n of the worker's keys, sorted then shuffled by the
// worker's own generator.
func (w *stressWorker) some(n int) []string {
	keys := make([]string, 0, len(w.recs))
	for k := range w.recs {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	w.rng.Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
	return keys[:min(n, len(keys))]
}

// iteration runs one round of every operation; false stops the worker
// after a failure (already reported).
func (w *stressWorker) iteration(it int) bool {
	t, c, ctx := w.t, w.c, w.t.Context()
	ok := func(err error, op string) bool {
		if err != nil {
			t.Errorf("goroutine %d iteration %d: %s: %v", w.g, it, op, err)
			return false
		}
		return true
	}

	// Create 2..9 records.
	var in []apitable.Fields
	for range 2 + w.rng.IntN(8) {
		in = append(in, apitable.Fields{"Key": w.key(), "Val": fmt.Sprintf("c%d", it), "Owner": w.g})
	}
	out, err := c.Records.Create(ctx, w.ds, in, nil)
	if !ok(err, "create") {
		return false
	}
	for i, r := range out {
		w.recs[in[i]["Key"].(string)] = stressRec{id: r.ID, val: in[i]["Val"].(string)}
	}

	// Update up to 6 of them.
	var ups []apitable.RecordUpdate
	var upKeys []string
	for _, k := range w.some(6) {
		ups = append(ups, apitable.RecordUpdate{ID: w.recs[k].id, Fields: apitable.Fields{"Val": fmt.Sprintf("u%d", it)}})
		upKeys = append(upKeys, k)
	}
	if _, err := c.Records.Update(ctx, w.ds, ups, nil); !ok(err, "update") {
		return false
	}
	for i, k := range upKeys {
		w.recs[k] = stressRec{id: w.recs[k].id, val: ups[i].Fields["Val"].(string)}
	}

	// Get one, List some by id.
	k := w.some(1)[0]
	got, err := c.Records.Get(ctx, w.ds, w.recs[k].id, nil)
	if !ok(err, "get") {
		return false
	}
	assert.Equal(t, w.recs[k].val, got.Fields["Val"], "get %s", k)
	var ids []string
	byID := map[string]string{}
	for _, k := range w.some(10) {
		ids = append(ids, w.recs[k].id)
		byID[w.recs[k].id] = w.recs[k].val
	}
	page, err := c.Records.List(ctx, w.ds, &apitable.ListRecordsParams{RecordIDs: ids})
	if !ok(err, "list") {
		return false
	}
	assert.Len(t, page.Records, len(ids))
	for _, r := range page.Records {
		assert.Equal(t, byID[r.ID], r.Fields["Val"], "list %s", r.ID)
	}

	// Delete two, then Get a deleted one: the one expected error.
	del := w.some(2)
	var delIDs []string
	for _, k := range del {
		delIDs = append(delIDs, w.recs[k].id)
	}
	if !ok(c.Records.Delete(ctx, w.ds, delIDs), "delete") {
		return false
	}
	for _, k := range del {
		delete(w.recs, k)
	}
	_, err = c.Records.Get(ctx, w.ds, delIDs[0], nil)
	assert.ErrorIs(t, err, apitable.ErrRecordNotFound, "get of a deleted record")

	// Upsert two existing keys and two new ones.
	var ins []apitable.Fields
	for _, k := range w.some(2) {
		ins = append(ins, apitable.Fields{"Key": k, "Val": fmt.Sprintf("x%d", it), "Owner": w.g})
	}
	for range 2 {
		ins = append(ins, apitable.Fields{"Key": w.key(), "Val": fmt.Sprintf("n%d", it), "Owner": w.g})
	}
	uout, err := c.Records.Upsert(ctx, w.ds, ins, []string{"Key"}, nil)
	if !ok(err, "upsert") {
		return false
	}
	for i, f := range ins {
		k := f["Key"].(string)
		if old, existed := w.recs[k]; existed {
			assert.Equal(t, old.id, uout[i].ID, "upsert of %s updated the record", k)
		}
		w.recs[k] = stressRec{id: uout[i].ID, val: f["Val"].(string)}
	}

	// All, filtered to this goroutine's records: exactly its view (no one
	// else writes them, so paging is stable).
	mine := map[string]stressRec{}
	for r, err := range c.Records.All(ctx, w.ds, &apitable.ListRecordsParams{
		PageSize:        7,
		FilterByFormula: formula.Field("Owner").Eq(formula.Int(int64(w.g))).String(),
	}) {
		if !ok(err, "all (own)") {
			return false
		}
		mine[r.Fields["Key"].(string)] = stressRec{id: r.ID, val: r.Fields["Val"].(string)}
	}
	assert.Equal(t, w.recs, mine, "goroutine %d iteration %d: own records", w.g, it)

	// Every other iteration, All over the whole datasheet while the others
	// write: no error, and this goroutine's records (which only it writes)
	// carry its values. Rows of others may shift between pages.
	if it%2 == 1 {
		for r, err := range c.Records.All(ctx, w.ds, &apitable.ListRecordsParams{PageSize: 50, SkipDuplicates: true}) {
			if !ok(err, "all") {
				return false
			}
			k, _ := r.Fields["Key"].(string)
			if strings.HasPrefix(k, fmt.Sprintf("g%02d-", w.g)) {
				assert.Equal(t, w.recs[k], stressRec{id: r.ID, val: r.Fields["Val"].(string)}, "all: %s", k)
			}
		}
	}
	return true
}
