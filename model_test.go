package apitable_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/apitable-go/apitable"
	"github.com/apitable-go/apitable/apitabletest"
)

// The model-based fault test draws random sequences of operations (Create
// with and without KeyFields, Update, Delete with live, stale and duplicate
// ids, Upsert with every key type including empty values, All) against the
// fake with random faults installed, and after every operation checks the
// fake's store against what the reported outcome implies:
//
//   - applied ⇒ the write is in the store, exactly once, with its values;
//   - failed ⇒ the write is not in the store;
//   - outcome unknown ⇒ reported as such (either state is allowed, never a
//     duplicate);
//   - an error that is not a *BatchError from a write ⇒ nothing was written;
//   - records the operation did not name are untouched;
//   - a key never identifies two records of an upsert datasheet.
//
// It runs in a synctest bubble over the fake's in-memory transport, so
// backoffs, stalls and the fake's 5 req/s limiter cost no real time.
// TestModelFaults runs fixed seeds in CI; FuzzModelFaults takes the seed
// from the fuzzer for long runs (go test -fuzz FuzzModelFaults -run '^$').

// modelKeyTypes are the key field types of the upsert datasheets, with the
// key values drawn for them; the first value of each is the type's empty
// value, which the server stores as an absent cell.
var modelKeyTypes = []struct {
	typ      string
	property map[string]any
	values   []any
}{
	{"SingleText", map[string]any{}, []any{"", "x", "y", "z"}},
	{"Number", map[string]any{"precision": 1}, []any{0.0, 1.0, 2.5, -3.0}},
	{"Checkbox", map[string]any{"icon": "white_check_mark"}, []any{false, true}},
	{"DateTime", map[string]any{"dateFormat": "YYYY-MM-DD", "includeTime": true}, []any{
		time.Date(2024, 1, 20, 0, 0, 0, 0, time.UTC),
		time.Date(2024, 1, 21, 9, 30, 0, 0, time.UTC),
		time.Date(1999, 12, 31, 23, 59, 59, 0, time.UTC),
	}},
	{"SingleSelect", map[string]any{"options": []any{map[string]any{"name": "a"}, map[string]any{"name": "b"}}}, []any{"", "a", "b", "c"}},
}

// modelFault is one kind of fault the test installs.
type modelFault struct {
	name  string
	fault func(r *rand.Rand) apitabletest.Fault
}

var modelFaults = []modelFault{
	{"500 before commit", func(r *rand.Rand) apitabletest.Fault {
		return apitabletest.Fault{Rate: 0.1 + 0.3*r.Float64(), Status: http.StatusInternalServerError}
	}},
	{"503 before commit", func(r *rand.Rand) apitabletest.Fault {
		return apitabletest.Fault{Count: 1 + r.IntN(3), Status: http.StatusServiceUnavailable}
	}},
	{"reset before commit", func(r *rand.Rand) apitabletest.Fault {
		return apitabletest.Fault{Rate: 0.1 + 0.2*r.Float64(), Drop: apitabletest.DropBeforeHandling}
	}},
	{"reset after commit", func(r *rand.Rand) apitabletest.Fault {
		return apitabletest.Fault{Rate: 0.1 + 0.3*r.Float64(), Drop: apitabletest.DropAfterHandling}
	}},
	{"stall past the attempt timeout", func(r *rand.Rand) apitabletest.Fault {
		return apitabletest.Fault{Rate: 0.05 + 0.15*r.Float64(), Delay: 2 * time.Second}
	}},
	{"429 burst", func(r *rand.Rand) apitabletest.Fault {
		return apitabletest.Fault{Count: 1 + r.IntN(8), Status: http.StatusTooManyRequests}
	}},
	{"500 after commit", func(r *rand.Rand) apitabletest.Fault {
		return apitabletest.Fault{Rate: 0.1 + 0.3*r.Float64(), Answer: apitabletest.AnswerError}
	}},
	{"unusable 2xx after commit", func(r *rand.Rand) apitabletest.Fault {
		modes := []apitabletest.AnswerMode{apitabletest.AnswerWithoutData, apitabletest.AnswerWrongShape, apitabletest.AnswerHTML}
		return apitabletest.Fault{Rate: 0.1 + 0.3*r.Float64(), Answer: modes[r.IntN(len(modes))]}
	}},
	// A write answered with fewer records than it applied (a read answered
	// short would be a server that lies about its data, not a fault).
	{"short answer to a create", func(r *rand.Rand) apitabletest.Fault {
		return apitabletest.Fault{Method: http.MethodPost, Rate: 0.1 + 0.3*r.Float64(), Answer: apitabletest.AnswerShort}
	}},
	{"short answer to an update", func(r *rand.Rand) apitabletest.Fault {
		return apitabletest.Fault{Method: http.MethodPatch, Rate: 0.1 + 0.3*r.Float64(), Answer: apitabletest.AnswerShort}
	}},
}

// model is the test's state: the fake, the client, the datasheets and the
// counters reported at the end.
type model struct {
	t    testing.TB
	rnd  *rand.Rand
	srv  *apitabletest.Server
	c    *apitable.Client
	main string   // datasheet of creates, updates, deletes and All
	ups  []string // upsert datasheets, one per modelKeyTypes entry
	seq  int      // makes every created Name unique
	dead []string // ids of deleted records (stale ids for deletes and updates)

	ops, faults, violations int
	hits                    atomic.Int64 // attempts that met a fault
}

func newModel(t testing.TB, seed uint64) *model {
	srv := apitabletest.NewServer(t, apitabletest.WithRateLimit(5, time.Second), apitabletest.WithSeed(seed))
	m := &model{t: t, rnd: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), srv: srv} //nolint:gosec // G404: a reproducible draw of operations, not a secret
	ds := srv.AddDatasheet(srv.SpaceID(), apitabletest.DatasheetSpec{
		Name: "Model",
		Fields: []apitabletest.FieldSpec{
			{Name: "Name", Type: "SingleText", Property: map[string]any{}},
			{Name: "Num", Type: "Number", Property: map[string]any{"precision": 1}},
			{Name: "Done", Type: "Checkbox", Property: map[string]any{"icon": "white_check_mark"}},
		},
	})
	m.main = ds.ID
	for _, kt := range modelKeyTypes {
		ds := srv.AddDatasheet(srv.SpaceID(), apitabletest.DatasheetSpec{
			Name: "Upsert" + kt.typ,
			Fields: []apitabletest.FieldSpec{
				{Name: "Label", Type: "SingleText", Property: map[string]any{}},
				{Name: "Key", Type: kt.typ, Property: kt.property},
				{Name: "Val", Type: "Number", Property: map[string]any{"precision": 1}},
			},
		})
		m.ups = append(m.ups, ds.ID)
	}
	tr := &faultCounter{base: srv.Transport(), hits: &m.hits}
	m.c = srv.InMemoryClient(
		apitable.WithHTTPClient(&http.Client{Transport: tr}),
		apitable.WithAttemptTimeout(time.Second),
		apitable.WithRetry(3, time.Second, time.Second),
	)
	return m
}

// faultCounter counts the attempts that met a fault: a transport error or
// an answer of 429 or 5xx (the operations send nothing the fake answers
// with those on its own).
type faultCounter struct {
	base http.RoundTripper
	hits *atomic.Int64
}

func (f *faultCounter) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := f.base.RoundTrip(r)
	if err != nil || resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 {
		f.hits.Add(1)
	}
	return resp, err
}

func (m *model) violate(format string, args ...any) {
	m.violations++
	m.t.Errorf("op %d: "+format, append([]any{m.ops}, args...)...)
}

// installFaults installs up to two fault kinds for the next operation.
func (m *model) installFaults() []string {
	var names []string
	for range m.rnd.IntN(3) {
		f := modelFaults[m.rnd.IntN(len(modelFaults))]
		m.srv.InjectFault(f.fault(m.rnd))
		names = append(names, f.name)
		m.faults++
	}
	return names
}

// store returns the main datasheet's records by id.
func (m *model) store() map[string]apitable.Record {
	out := map[string]apitable.Record{}
	for _, r := range m.srv.Records(m.main) {
		out[r.ID] = r
	}
	return out
}

// outcomes maps a bulk write's error to one status per input. ok is false
// when the error is not a *BatchError: then nothing may have been written.
func (m *model) outcomes(n int, err error) (st []apitable.ChunkStatus, ok bool) {
	st = make([]apitable.ChunkStatus, n)
	if err == nil {
		return st, true
	}
	var be *apitable.BatchError
	if !errors.As(err, &be) {
		return nil, false
	}
	seen := make([]int, n)
	for _, ch := range be.Chunks {
		if ch.Status == apitable.ChunkOutcomeUnknown && !errors.Is(ch.Err, apitable.ErrOutcomeUnknown) {
			m.violate("chunk %d is outcome-unknown but its error does not match ErrOutcomeUnknown: %v", ch.Index, ch.Err)
		}
		for _, i := range ch.Inputs {
			if i < 0 || i >= n {
				m.violate("input index %d out of range [0,%d)", i, n)
				continue
			}
			seen[i]++
			st[i] = ch.Status
		}
	}
	for i, k := range seen {
		if k != 1 {
			m.violate("input %d reported %d times", i, k)
		}
	}
	return st, true
}

// untouched checks that the records the operation did not name are as before.
func (m *model) untouched(before, after map[string]apitable.Record, named map[string]bool) {
	for id, r := range before {
		if named[id] {
			continue
		}
		a, ok := after[id]
		switch {
		case !ok:
			m.violate("record %s was not named but is gone", id)
		case fmt.Sprint(a.Fields) != fmt.Sprint(r.Fields):
			m.violate("record %s was not named but changed: %v → %v", id, r.Fields, a.Fields)
		}
	}
}

func (m *model) liveIDs(store map[string]apitable.Record) []string {
	ids := make([]string, 0, len(store))
	for id := range store {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

func (m *model) opCreate(ctx context.Context, keyed bool) {
	before := m.store()
	in := make([]apitable.Fields, 1+m.rnd.IntN(25))
	for i := range in {
		m.seq++
		in[i] = apitable.Fields{"Name": fmt.Sprintf("n%05d", m.seq), "Num": float64(m.rnd.IntN(100)), "Done": m.rnd.IntN(2) == 0}
	}
	var p *apitable.CreateRecordsParams
	if keyed {
		p = &apitable.CreateRecordsParams{KeyFields: []string{"Name"}}
	}
	out, err := m.c.Records.Create(ctx, m.main, in, p)
	after := m.store()
	byName := map[string][]apitable.Record{}
	for id, r := range after {
		if _, old := before[id]; !old {
			name, _ := r.Fields["Name"].(string)
			byName[name] = append(byName[name], r)
		}
	}
	st, ok := m.outcomes(len(in), err)
	stored := 0
	for i, f := range in {
		name := f["Name"].(string)
		got := byName[name]
		stored += len(got)
		switch {
		case len(got) > 1:
			m.violate("create: input %d (%s) stored %d times (err %v)", i, name, len(got), err)
		case !ok && len(got) != 0:
			m.violate("create: input %d (%s) stored though the call failed without a batch report: %v", i, name, err)
		case !ok:
		case st[i] == apitable.ChunkApplied && len(got) != 1:
			m.violate("create: input %d (%s) reported applied but not stored", i, name)
		case st[i] == apitable.ChunkApplied && (len(out) <= i || out[i].ID != got[0].ID):
			m.violate("create: input %d (%s) applied, but its result is not the stored record", i, name)
		case st[i] == apitable.ChunkApplied && got[0].Fields["Num"] != f["Num"]:
			m.violate("create: input %d stored Num %v, want %v", i, got[0].Fields["Num"], f["Num"])
		case st[i] == apitable.ChunkFailed && len(got) != 0:
			m.violate("create: input %d (%s) reported %v but stored: %v", i, name, st[i], err)
		}
	}
	if len(after)-len(before) != stored {
		m.violate("create: %d new records, %d of them match an input", len(after)-len(before), stored)
	}
	if keyed && err == nil && stored != len(in) {
		m.violate("create with KeyFields returned nil but stored %d of %d", stored, len(in))
	}
	m.untouched(before, after, nil)
}

func (m *model) opUpdate(ctx context.Context) {
	before := m.store()
	live := m.liveIDs(before)
	if len(live) == 0 {
		return
	}
	in := make([]apitable.RecordUpdate, 1+m.rnd.IntN(min(15, len(live))))
	named := map[string]bool{}
	for i := range in {
		id := live[m.rnd.IntN(len(live))]
		if len(m.dead) > 0 && m.rnd.IntN(8) == 0 {
			id = m.dead[m.rnd.IntN(len(m.dead))] // a stale id fails its chunk
		}
		in[i] = apitable.RecordUpdate{ID: id, Fields: apitable.Fields{"Num": float64(1000 + m.rnd.IntN(1000))}}
		named[id] = true
	}
	_, err := m.c.Records.Update(ctx, m.main, in, nil)
	after := m.store()
	st, ok := m.outcomes(len(in), err)
	last := map[string]int{} // the last input of each id decides its value
	for i, u := range in {
		last[u.ID] = i
	}
	for id, i := range last {
		old, wasLive := before[id]
		now, isLive := after[id]
		if wasLive != isLive {
			m.violate("update: record %s appeared or vanished", id)
			continue
		}
		if !wasLive {
			continue
		}
		// With an id in several chunks, any of its applied (or unknown)
		// inputs may land last: chunks overtake each other after retries.
		var allowed []any
		for j, u := range in {
			if u.ID == id && ok && st[j] != apitable.ChunkFailed {
				allowed = append(allowed, u.Fields["Num"])
			}
		}
		switch {
		case !ok && fmt.Sprint(now.Fields) != fmt.Sprint(old.Fields):
			m.violate("update: %s changed though the call failed without a batch report: %v", id, err)
		case !ok:
		case st[i] == apitable.ChunkApplied && !slices.Contains(allowed, now.Fields["Num"]):
			m.violate("update: input %d (%s) reported applied, Num is %v, want one of %v", i, id, now.Fields["Num"], allowed)
		case st[i] == apitable.ChunkFailed && fmt.Sprint(now.Fields) != fmt.Sprint(old.Fields):
			// Several inputs may name one id; a failed later input proves
			// nothing when an earlier one with that id was applied.
			if !slices.ContainsFunc(in[:i], func(u apitable.RecordUpdate) bool { return u.ID == id }) {
				m.violate("update: input %d (%s) reported %v but changed", i, id, st[i])
			}
		}
	}
	m.untouched(before, after, named)
}

// idx returns 0, 1, …, n-1.
func idx(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

func (m *model) opDelete(ctx context.Context) {
	before := m.store()
	live := m.liveIDs(before)
	if len(live) == 0 {
		return
	}
	in := make([]string, 1+m.rnd.IntN(min(20, len(live))))
	named := map[string]bool{}
	for i := range in {
		switch r := m.rnd.IntN(10); {
		case r == 0 && len(m.dead) > 0:
			in[i] = m.dead[m.rnd.IntN(len(m.dead))] // stale
		case r == 1 && i > 0:
			in[i] = in[m.rnd.IntN(i)] // duplicate
		default:
			in[i] = live[m.rnd.IntN(len(live))]
		}
		named[in[i]] = true
	}
	err := m.c.Records.Delete(ctx, m.main, in)
	after := m.store()
	st, ok := m.outcomes(len(in), err)
	for i, id := range in {
		_, wasLive := before[id]
		_, isLive := after[id]
		switch {
		case !ok && wasLive && !isLive:
			m.violate("delete: %s deleted though the call failed without a batch report: %v", id, err)
		case !ok:
		case st[i] == apitable.ChunkApplied && isLive:
			m.violate("delete: input %d (%s) reported applied but still stored", i, id)
		case st[i] == apitable.ChunkFailed && wasLive && !isLive:
			// Another input with the same id may have deleted it.
			if !slices.ContainsFunc(idx(len(in)), func(j int) bool { return in[j] == id && st[j] != st[i] }) {
				m.violate("delete: input %d (%s) reported %v but deleted: %v", i, id, st[i], err)
			}
		}
		if wasLive && !isLive {
			m.dead = append(m.dead, id)
		}
	}
	m.untouched(before, after, named)
}

// upsertKey is a key value as the store holds it: the empty value of its
// type (an empty text or select, an unchecked checkbox) reads back as an
// absent cell, a date as milliseconds.
func upsertKey(v any) string {
	switch v := v.(type) {
	case nil:
		return "<empty>"
	case string:
		if v == "" {
			return "<empty>"
		}
		return v
	case bool:
		if !v {
			return "<empty>"
		}
		return "true"
	case time.Time:
		return strconv.FormatInt(v.UnixMilli(), 10)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

func (m *model) opUpsert(ctx context.Context) {
	k := m.rnd.IntN(len(modelKeyTypes))
	kt, dst := modelKeyTypes[k], m.ups[k]
	values := slices.Clone(kt.values)
	m.rnd.Shuffle(len(values), func(i, j int) { values[i], values[j] = values[j], values[i] })
	in := make([]apitable.Fields, 1+m.rnd.IntN(len(values)))
	for i := range in {
		in[i] = apitable.Fields{"Label": "u", "Key": values[i], "Val": float64(m.rnd.IntN(100))}
	}
	beforeRecs := m.srv.Records(dst)
	_, err := m.c.Records.Upsert(ctx, dst, in, []string{"Key"}, nil)
	afterRecs := m.srv.Records(dst)
	stored := map[string][]apitable.Record{}
	for _, r := range afterRecs {
		key := upsertKey(r.Fields["Key"])
		stored[key] = append(stored[key], r)
	}
	for key, rs := range stored {
		if len(rs) > 1 {
			m.violate("upsert on %s: key %s stored %d times (err %v)", kt.typ, key, len(rs), err)
		}
	}
	st, ok := m.outcomes(len(in), err)
	if !ok {
		if fmt.Sprint(beforeRecs) != fmt.Sprint(afterRecs) {
			m.violate("upsert on %s: store changed though the call failed without a batch report: %v", kt.typ, err)
		}
		return
	}
	for i, f := range in {
		key := upsertKey(f["Key"])
		rs := stored[key]
		if st[i] == apitable.ChunkApplied && (len(rs) != 1 || rs[0].Fields["Val"] != f["Val"]) {
			m.violate("upsert on %s: input %d (key %s) reported applied, stored %v", kt.typ, i, key, rs)
		}
	}
}

func (m *model) opAll(ctx context.Context) {
	want := m.store()
	got := map[string]bool{}
	for r, err := range m.c.Records.All(ctx, m.main, nil) {
		if err != nil {
			return // a read may fail under faults; it changes nothing
		}
		if got[r.ID] {
			m.violate("All: record %s yielded twice", r.ID)
		}
		got[r.ID] = true
		if w, ok := want[r.ID]; !ok || fmt.Sprint(w.Fields) != fmt.Sprint(r.Fields) {
			m.violate("All: record %s is %v, store has %v", r.ID, r.Fields, w.Fields)
		}
	}
	if len(got) != len(want) {
		m.violate("All: %d records, store has %d", len(got), len(want))
	}
}

// step draws and runs one operation under freshly drawn faults.
func (m *model) step(ctx context.Context) {
	m.ops++
	m.installFaults()
	defer m.srv.ClearFaults()
	switch r := m.rnd.IntN(12); {
	case r < 3:
		m.opCreate(ctx, false)
	case r < 5:
		m.opCreate(ctx, true)
	case r < 7:
		m.opUpdate(ctx)
	case r < 9:
		m.opDelete(ctx)
	case r < 11:
		m.opUpsert(ctx)
	default:
		m.opAll(ctx)
	}
}

// modelKeepGoing runs every operation after a violation (to survey them).
var modelKeepGoing = flag.Bool("model.keepgoing", false, "TestModelFaults: go on after a violation")

func runModel(t testing.TB, seed uint64, ops int) *model {
	var m *model
	synctest.Test(t.(*testing.T), func(t *testing.T) {
		m = newModel(t, seed)
		for range ops {
			m.step(t.Context())
			if t.Failed() && !*modelKeepGoing {
				return
			}
		}
	})
	return m
}

func TestModelFaults(t *testing.T) {
	t.Parallel()
	total := &model{}
	for _, seed := range []uint64{1, 2, 3, 4, 5, 6, 7, 8} {
		m := runModel(t, seed, 75)
		total.ops += m.ops
		total.faults += m.faults
		total.violations += m.violations
		total.hits.Add(m.hits.Load())
	}
	t.Logf("model: %d operations, %d faults installed, %d attempts met a fault, %d violations",
		total.ops, total.faults, total.hits.Load(), total.violations)
}

func FuzzModelFaults(f *testing.F) {
	for _, s := range []uint64{1, 7, 42} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, seed uint64) {
		runModel(t, seed, 20)
	})
}
