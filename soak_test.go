package apitable_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apitable-go/apitable"
	"github.com/apitable-go/apitable/apitabletest"
)

// Soak tests: thousands of records through bulk writes against the fake
// with its 5 req/s limiter on and several fault kinds installed at once.
// They run in synctest bubbles over the in-memory transport, so minutes of
// fake time (limiter pacing, 1 s backoffs, 2 s stalls) cost a few seconds
// of real time. Retry waits are fixed at 1 s (min = max, so the backoff has
// no jitter) and the fault draws are seeded, which makes each run's request
// sequence nearly reproducible (goroutines waking at the same fake instant
// may swap, which moves a draw to another request: counts can differ by a
// chunk or two between runs). The assertions are exact accounting
// invariants, whatever the counts:
// every input is reported exactly once as applied, failed or outcome
// unknown; applied inputs are stored (once), failed ones are not, unknown
// ones may or may not be.

const soakRecords = 3000

// soakBurst is the length of the 429 bursts. A burst usually hits one
// request over and over: its 1 s retry wait and the limiter's 1 s pause
// after the 429 end at the same instant, and the retry takes the slot
// first. With 3 retries a burst of 4 or more exhausts that request's
// attempts, and a chunk failing with ErrRateLimited stops the whole batch
// (the remaining chunks are reported failed, not attempted). 3 keeps the
// bursts survivable so the soak covers the whole batch.
const soakBurst = 3

// upsertRecords is the size of the Upsert soak: its lookups make the fake
// evaluate a 20-key formula over every row, so the cost grows with the
// square of the set (3,000 keys took 8–22 s of real time under -race).
const upsertRecords = 1000

// soakCounter is a slog handler that counts the client's retries by class.
type soakCounter struct {
	mu      sync.Mutex
	retries map[string]int
}

func (h *soakCounter) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelWarn }
func (h *soakCounter) WithAttrs([]slog.Attr) slog.Handler           { return h }
func (h *soakCounter) WithGroup(string) slog.Handler                { return h }
func (h *soakCounter) Handle(_ context.Context, r slog.Record) error {
	if r.Message != "apitable retry" {
		return nil
	}
	class := "?"
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "class" {
			class = a.Value.String()
			return false
		}
		return true
	})
	h.mu.Lock()
	h.retries[class]++
	h.mu.Unlock()
	return nil
}

func (h *soakCounter) total() (n int, byClass map[string]int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	byClass = make(map[string]int, len(h.retries))
	for k, v := range h.retries {
		n += v
		byClass[k] = v
	}
	return n, byClass
}

// soakTransport counts the attempts that reach the fake (stalled ones
// included, which the fake does not log) and the ambiguous answers to
// creates: each is one chunk whose outcome became unknown.
type soakTransport struct {
	base http.RoundTripper

	mu              sync.Mutex
	attempts        int
	ambiguousCreate int
}

func (s *soakTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := s.base.RoundTrip(r)
	s.mu.Lock()
	s.attempts++
	// A reset before sending (ECONNRESET from the fake's transport) is
	// not ambiguous; none is injected here, but keep the count exact.
	if r.Method == http.MethodPost && ((err != nil && !errors.Is(err, syscall.ECONNRESET)) || (err == nil && resp.StatusCode >= 500)) {
		s.ambiguousCreate++
	}
	s.mu.Unlock()
	return resp, err
}

type soak struct {
	srv *apitabletest.Server
	ds  *apitabletest.Datasheet
	c   *apitable.Client
	log *soakCounter
	tr  *soakTransport
}

func soakKey(i int) string { return fmt.Sprintf("k%05d", i) }

// newSoak builds the fake (limiter on, seeded faults), a datasheet with
// seeded records whose keys are soakKey(0..seeded-1) and Val "v0", and a
// client over the in-memory transport with a 1 s attempt timeout and 3
// retries 1 s apart (opts come last).
func newSoak(t *testing.T, seed uint64, seeded int, opts ...apitable.Option) *soak {
	t.Helper()
	srv := apitabletest.NewServer(t, apitabletest.WithRateLimit(5, time.Second), apitabletest.WithSeed(seed)) // 5 req/s enforced
	spec := apitabletest.DatasheetSpec{
		Name: "Soak",
		Fields: []apitabletest.FieldSpec{
			{Name: "Key", Type: "SingleText", Property: map[string]any{}},
			{Name: "Val", Type: "SingleText", Property: map[string]any{}},
		},
	}
	for i := range seeded {
		spec.Records = append(spec.Records, map[string]any{"Key": soakKey(i), "Val": "v0"})
	}
	ds := srv.AddDatasheet(srv.SpaceID(), spec)
	log := &soakCounter{retries: map[string]int{}}
	tr := &soakTransport{base: srv.Transport()}
	c := srv.InMemoryClient(append([]apitable.Option{
		apitable.WithHTTPClient(&http.Client{Transport: tr}),
		apitable.WithAttemptTimeout(time.Second),
		apitable.WithRetry(3, time.Second, time.Second),
		apitable.WithLogger(slog.New(log)),
	}, opts...)...)
	return &soak{srv: srv, ds: ds, c: c, log: log, tr: tr}
}

// faults installs the soak's faults on every request (reads included):
// 10% HTTP 500 (not applied), 5% connection reset after the server
// committed, 3% 2 s stalls (longer than the 1 s attempt timeout; the fake
// gives up before handling), and a burst of five 429s every 15 s of fake
// time. The returned func stops the bursts and clears every fault.
func (sk *soak) faults() (stop func()) {
	sk.srv.InjectFault(apitabletest.Fault{Rate: 0.10, Status: http.StatusInternalServerError})
	sk.srv.InjectFault(apitabletest.Fault{Rate: 0.05, Drop: apitabletest.DropAfterHandling})
	sk.srv.InjectFault(apitabletest.Fault{Rate: 0.03, Delay: 2 * time.Second})
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(15 * time.Second)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				sk.srv.InjectFault(apitabletest.Fault{Status: http.StatusTooManyRequests, Count: soakBurst})
			}
		}
	})
	return func() {
		close(done)
		wg.Wait()
		sk.srv.ClearFaults()
	}
}

// statuses maps a bulk write's error to one status per input, checking that
// the BatchError reports every input exactly once.
func statuses(t *testing.T, n int, err error) []apitable.ChunkStatus {
	t.Helper()
	st := make([]apitable.ChunkStatus, n) // zero value: ChunkApplied
	if err == nil {
		return st
	}
	var be *apitable.BatchError
	require.ErrorAs(t, err, &be, "a bulk write fails only with a *BatchError")
	seen := make([]int, n)
	for _, ch := range be.Chunks {
		for _, i := range ch.Inputs {
			require.True(t, i >= 0 && i < n, "input index %d out of range", i)
			seen[i]++
			st[i] = ch.Status
		}
		if ch.Status != apitable.ChunkApplied {
			assert.Error(t, ch.Err, "chunk %d (%v) has a cause", ch.Index, ch.Status)
		}
		if ch.Status == apitable.ChunkOutcomeUnknown {
			assert.ErrorIs(t, ch.Err, apitable.ErrOutcomeUnknown)
		}
	}
	for i, k := range seen {
		require.Equal(t, 1, k, "input %d reported %d times", i, k)
	}
	return st
}

// stored returns the datasheet's records by key, failing on a key stored
// twice.
func (sk *soak) stored(t *testing.T) map[string]apitable.Record {
	t.Helper()
	out := map[string]apitable.Record{}
	for _, r := range sk.srv.Records(sk.ds.ID) {
		k, _ := r.Fields["Key"].(string)
		_, dup := out[k]
		require.False(t, dup, "key %q stored twice", k)
		out[k] = r
	}
	return out
}

// soakTally counts inputs by reported status; the unknown ones split by
// whether their write took effect (created / updated / deleted) or not.
type soakTally struct {
	applied, failed, unknownEffect, unknownNoEffect int
}

// unknownLabels name soakTally's unknown counts per operation.
var unknownLabels = map[string][2]string{
	"create":           {"unknown-and-stored", "unknown-and-absent"},
	"create+KeyFields": {"unknown-and-stored", "unknown-and-absent"},
	"upsert":           {"unknown-and-written", "unknown-and-not-written"},
	"update":           {"unknown-and-updated", "unknown-and-unchanged"},
	"delete":           {"unknown-and-deleted", "unknown-and-still-there"},
}

func (sk *soak) logf(t *testing.T, op string, tl soakTally, extra string) {
	t.Helper()
	retries, byClass := sk.log.total()
	n429 := 0
	logged := sk.srv.Requests()
	for _, r := range logged {
		if r.Status == http.StatusTooManyRequests {
			n429++
		}
	}
	sk.tr.mu.Lock()
	attempts := sk.tr.attempts
	sk.tr.mu.Unlock()
	labels := unknownLabels[op]
	t.Logf("%s: applied %d / failed %d / %s %d / %s %d; requests %d (logged by the fake %d) / 429s %d / retries %d %v%s",
		op, tl.applied, tl.failed, labels[0], tl.unknownEffect, labels[1], tl.unknownNoEffect, attempts, len(logged), n429, retries, byClass, extra)
}

// checkCreate asserts the exact accounting of a create (plain or with
// KeyFields) of in against the store.
func (sk *soak) checkCreate(t *testing.T, in []apitable.Fields, out []apitable.Record, err error) soakTally {
	t.Helper()
	require.Len(t, out, len(in))
	st := statuses(t, len(in), err)
	store := sk.stored(t)
	inputKeys := map[string]bool{}
	var tl soakTally
	for i, f := range in {
		key := f["Key"].(string)
		inputKeys[key] = true
		rec, isStored := store[key]
		switch st[i] {
		case apitable.ChunkApplied:
			tl.applied++
			if assert.True(t, isStored, "applied input %d (%s) is not stored", i, key) {
				assert.Equal(t, rec.ID, out[i].ID, "input %d: result is the stored record", i)
			}
			assert.Equal(t, key, out[i].Fields["Key"], "input %d: result fields", i)
		case apitable.ChunkFailed:
			tl.failed++
			assert.False(t, isStored, "failed input %d (%s) is stored", i, key)
			assert.Empty(t, out[i].ID, "failed input %d has a result", i)
		case apitable.ChunkOutcomeUnknown:
			assert.Empty(t, out[i].ID, "unknown input %d has a result", i)
			if isStored {
				tl.unknownEffect++
			} else {
				tl.unknownNoEffect++
			}
		}
	}
	for k := range store {
		assert.True(t, inputKeys[k], "stray record %q", k)
	}
	assert.Len(t, store, tl.applied+tl.unknownEffect)
	return tl
}

func soakInputs(from, to int, val string) []apitable.Fields {
	in := make([]apitable.Fields, 0, to-from)
	for i := from; i < to; i++ {
		in = append(in, apitable.Fields{"Key": soakKey(i), "Val": val})
	}
	return in
}

func TestSoakCreate(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		sk := newSoak(t, 1, 0)
		in := soakInputs(0, soakRecords, "v1")
		stop := sk.faults()
		start := time.Now()
		out, err := sk.c.Records.Create(t.Context(), sk.ds.ID, in, nil)
		elapsed := time.Since(start)
		stop()
		tl := sk.checkCreate(t, in, out, err)
		// Creates are never re-sent after an ambiguous failure: one unknown
		// chunk per ambiguous answer, and only those.
		assert.Equal(t, sk.tr.ambiguousCreate*10, tl.unknownEffect+tl.unknownNoEffect)
		sk.logf(t, "create", tl, fmt.Sprintf("; fake time %v", elapsed.Round(time.Second)))
	})
}

func TestSoakCreateKeyFields(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		sk := newSoak(t, 2, 0)
		in := soakInputs(0, soakRecords, "v1")
		stop := sk.faults()
		start := time.Now()
		out, err := sk.c.Records.Create(t.Context(), sk.ds.ID, in, &apitable.CreateRecordsParams{KeyFields: []string{"Key"}})
		elapsed := time.Since(start)
		stop()
		tl := sk.checkCreate(t, in, out, err)
		remaining := 0
		var be *apitable.BatchError
		if errors.As(err, &be) {
			for _, ch := range be.Chunks {
				if ch.Status == apitable.ChunkOutcomeUnknown {
					remaining++
				}
			}
		}
		if err == nil {
			// Every key once, nothing else.
			assert.Len(t, sk.stored(t), soakRecords)
		}
		lookups := 0
		for _, r := range sk.srv.Requests() {
			if r.Method == http.MethodGet && r.Query.Get("filterByFormula") != "" {
				lookups++
			}
		}
		sk.logf(t, "create+KeyFields", tl, fmt.Sprintf("; unknown chunk outcomes %d, resolved by recovery %d, still unknown %d; lookups logged %d; fake time %v",
			sk.tr.ambiguousCreate, sk.tr.ambiguousCreate-remaining, remaining, lookups, elapsed.Round(time.Second)))
	})
}

func TestSoakUpdate(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		sk := newSoak(t, 3, soakRecords)
		ups := make([]apitable.RecordUpdate, soakRecords)
		for i, id := range sk.ds.RecordIDs {
			ups[i] = apitable.RecordUpdate{ID: id, Fields: apitable.Fields{"Val": fmt.Sprintf("v1-%d", i)}}
		}
		stop := sk.faults()
		start := time.Now()
		out, err := sk.c.Records.Update(t.Context(), sk.ds.ID, ups, nil)
		elapsed := time.Since(start)
		stop()
		require.Len(t, out, soakRecords)
		st := statuses(t, soakRecords, err)
		store := sk.stored(t)
		require.Len(t, store, soakRecords, "updates neither add nor remove records")
		var tl soakTally
		for i, id := range sk.ds.RecordIDs {
			rec := store[soakKey(i)]
			require.Equal(t, id, rec.ID)
			want := ups[i].Fields["Val"]
			switch st[i] {
			case apitable.ChunkApplied:
				tl.applied++
				assert.Equal(t, want, rec.Fields["Val"], "applied update %d is stored", i)
				assert.Equal(t, id, out[i].ID)
				assert.Equal(t, want, out[i].Fields["Val"])
			case apitable.ChunkFailed:
				tl.failed++
				assert.Equal(t, "v0", rec.Fields["Val"], "failed update %d changed the record", i)
				assert.Empty(t, out[i].ID)
			case apitable.ChunkOutcomeUnknown:
				assert.Empty(t, out[i].ID)
				switch rec.Fields["Val"] {
				case want:
					tl.unknownEffect++
				case "v0":
					tl.unknownNoEffect++
				default:
					t.Errorf("unknown update %d left %v", i, rec.Fields["Val"])
				}
			}
		}
		sk.logf(t, "update", tl, fmt.Sprintf("; fake time %v", elapsed.Round(time.Second)))
	})
}

func TestSoakDelete(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		sk := newSoak(t, 4, soakRecords)
		stop := sk.faults()
		start := time.Now()
		err := sk.c.Records.Delete(t.Context(), sk.ds.ID, sk.ds.RecordIDs)
		elapsed := time.Since(start)
		stop()
		st := statuses(t, soakRecords, err)
		byID := map[string]bool{}
		for _, r := range sk.stored(t) {
			byID[r.ID] = true
		}
		var tl soakTally
		for i, id := range sk.ds.RecordIDs {
			switch st[i] {
			case apitable.ChunkApplied:
				tl.applied++
				assert.False(t, byID[id], "applied delete %d: record still there", i)
			case apitable.ChunkFailed:
				tl.failed++
				assert.True(t, byID[id], "failed delete %d: record gone", i)
			case apitable.ChunkOutcomeUnknown:
				if byID[id] {
					tl.unknownNoEffect++
				} else {
					tl.unknownEffect++
				}
			}
		}
		assert.Len(t, byID, tl.failed+tl.unknownNoEffect, "nothing else deleted")
		sk.logf(t, "delete", tl, fmt.Sprintf("; fake time %v", elapsed.Round(time.Second)))
	})
}

// TestSoakUpsert: half of the keys exist (Val "v0"); Upsert writes every
// key with Val "v1". Afterwards each key is stored at most once, the seeded
// ones exactly once (same record), and every input reported applied
// carries "v1".
//
// Upsert first looks the keys up, 20 per request, one request at a time:
// no other request shares a 429 burst, so a burst of 3 plus one other
// fault exhausts a read's 3 retries about half the time. Upsert then
// writes nothing and returns that read's error; at the default 3 retries
// some seeds failed 8 calls in a row. This soak's client therefore retries
// 6 times; the test still checks that a failed lookup wrote nothing and
// calls Upsert again, as a caller would.
func TestSoakUpsert(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		const seeded = upsertRecords / 2
		sk := newSoak(t, 8, seeded, apitable.WithRetry(6, time.Second, time.Second))
		in := soakInputs(0, upsertRecords, "v1")
		stop := sk.faults()
		start := time.Now()
		var out []apitable.Record
		var err error
		calls := 0
		for calls < 10 {
			calls++
			out, err = sk.c.Records.Upsert(t.Context(), sk.ds.ID, in, []string{"Key"}, nil)
			var be *apitable.BatchError
			if err == nil || errors.As(err, &be) {
				break
			}
			// The lookup failed: nothing was written.
			require.Nil(t, out)
			store := sk.stored(t)
			require.Len(t, store, seeded, "a failed lookup wrote nothing (%v)", err)
			for _, r := range store {
				require.Equal(t, "v0", r.Fields["Val"], "a failed lookup wrote nothing (%v)", err)
			}
		}
		elapsed := time.Since(start)
		stop()
		require.Len(t, out, upsertRecords, "Upsert got past its lookup within %d calls: %v", calls, err)
		st := statuses(t, upsertRecords, err)
		store := sk.stored(t) // fails on a key stored twice
		var tl soakTally
		for i, f := range in {
			key := f["Key"].(string)
			rec, isStored := store[key]
			if i < seeded {
				require.True(t, isStored, "seeded key %s lost", key)
				assert.Equal(t, sk.ds.RecordIDs[i], rec.ID, "seeded key %s: same record", key)
			}
			switch st[i] {
			case apitable.ChunkApplied:
				tl.applied++
				if assert.True(t, isStored, "applied input %d (%s) not stored", i, key) {
					assert.Equal(t, "v1", rec.Fields["Val"], "applied input %d", i)
					assert.Equal(t, rec.ID, out[i].ID, "applied input %d: result", i)
				}
			case apitable.ChunkFailed:
				tl.failed++
				if i < seeded {
					assert.Equal(t, "v0", rec.Fields["Val"], "failed update %d changed the record", i)
				} else {
					assert.False(t, isStored, "failed create %d (%s) is stored", i, key)
				}
			case apitable.ChunkOutcomeUnknown:
				assert.Empty(t, out[i].ID)
				if isStored && rec.Fields["Val"] == "v1" {
					tl.unknownEffect++
				} else {
					tl.unknownNoEffect++
				}
			}
		}
		// Stored: the seeded keys, plus the new keys whose create was
		// applied or took effect unknowingly.
		newStored := 0
		for i := seeded; i < upsertRecords; i++ {
			if _, ok := store[in[i]["Key"].(string)]; ok {
				newStored++
				assert.NotEqual(t, apitable.ChunkFailed, st[i])
			}
		}
		assert.Len(t, store, seeded+newStored)
		sk.logf(t, "upsert", tl, fmt.Sprintf("; Upsert calls %d; fake time %v", calls, elapsed.Round(time.Second)))
	})
}
