package redislimit_test

import (
	"context"
	"crypto/sha1" //nolint:gosec // the server keys its rate limiter by sha1(token); not used for security
	"encoding/hex"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apitable-go/apitable"
	"github.com/apitable-go/apitable/apitabletest"
	"github.com/apitable-go/apitable/redislimit"
)

func hashedKey(limitKey, token string) string {
	sum := sha1.Sum([]byte(token)) //nolint:gosec // the server's sha1(token) limiter key; not used for security
	return limitKey + ":" + hex.EncodeToString(sum[:])
}

func TestDefaultPrefix(t *testing.T) {
	t.Parallel()
	l := redislimit.New(nil)
	if got, want := l.Key("dstA:abc"), "apitable:limit:dstA:abc"; got != want {
		t.Errorf("Key = %q, want %q", got, want)
	}
	if got, want := redislimit.New(nil, redislimit.WithPrefix("{apitable}:")).Key("dstA:abc"), "{apitable}:dstA:abc"; got != want {
		t.Errorf("Key with prefix = %q, want %q", got, want)
	}
}

// TestNilClient: no Redis at all behaves like Redis being down.
func TestNilClient(t *testing.T) {
	t.Parallel()
	if err := redislimit.New(nil).Wait(t.Context(), "k"); err != nil {
		t.Errorf("fail-open Wait without a client: %v", err)
	}
	err := redislimit.New(nil, redislimit.WithFailClosed()).Wait(t.Context(), "k")
	if !errors.Is(err, redislimit.ErrUnavailable) {
		t.Errorf("fail-closed Wait without a client = %v, want ErrUnavailable", err)
	}
}

// TestNoInProcessWindowPlan: the Limiter does not place requests into the
// server's windows from this process alone (it is no ArrivalPacer): that
// plan sees only its own replica's requests, held them off the shared
// schedule and met 429s in TestReplicasShareBudget.
func TestNoInProcessWindowPlan(t *testing.T) {
	t.Parallel()
	if _, ok := any(redislimit.New(nil)).(apitable.ArrivalPacer); ok {
		t.Error("redislimit.Limiter is an apitable.ArrivalPacer")
	}
}

// TestKeysThroughClient: the client's keys reach Redis with the prefix,
// the datasheet id and the token's SHA-1, never the token.
func TestKeysThroughClient(t *testing.T) {
	t.Parallel()
	rdb := sharedRedis(t)
	prefix := testPrefix(t)
	srv := apitabletest.NewServer(t, apitabletest.WithRateLimit(5, time.Second))
	ds := srv.AddDatasheet(srv.SpaceID(), apitabletest.DatasheetSpec{
		Name:   "Tasks",
		Fields: []apitabletest.FieldSpec{{Name: "Title", Type: "SingleText", Property: map[string]any{}}},
	})
	lim := redislimit.New(rdb, redislimit.WithPrefix(prefix))
	client := srv.Client(apitable.WithLimiter(lim))
	if _, err := client.Records.List(t.Context(), ds.ID, nil); err != nil {
		t.Fatal(err)
	}
	keys, err := rdb.Keys(t.Context(), prefix+"*").Result()
	if err != nil {
		t.Fatal(err)
	}
	want := prefix + hashedKey(ds.ID, srv.Token())
	if !slices.Equal(keys, []string{want}) {
		t.Errorf("keys = %q, want [%q]", keys, want)
	}
	for _, k := range keys {
		if strings.Contains(k, srv.Token()) {
			t.Errorf("key %q contains the token", k)
		}
	}
	if lim.Fallbacks() != 0 {
		t.Errorf("Fallbacks = %d, want 0", lim.Fallbacks())
	}
}

// TestSpacingAcrossInstances: two Limiters on one Redis (as two processes
// would be) space requests for one key by 1/(rate×0.98) between them.
func TestSpacingAcrossInstances(t *testing.T) {
	t.Parallel()
	prefix := testPrefix(t)
	ra, rb := sharedRedis(t), sharedRedis(t)
	a := redislimit.New(ra, redislimit.WithPrefix(prefix), redislimit.WithRate(50))
	b := redislimit.New(rb, redislimit.WithPrefix(prefix), redislimit.WithRate(50))
	const n = 10
	// Measure the steady state: open the pools' connections first (the
	// first use of a connection delays its caller's wake-up by a few ms).
	var warm sync.WaitGroup
	for range n {
		warm.Go(func() { _ = ra.Ping(t.Context()).Err(); _ = rb.Ping(t.Context()).Err() })
	}
	warm.Wait()
	if err := a.Wait(t.Context(), "warm"); err != nil {
		t.Fatal(err)
	}
	if err := b.Wait(t.Context(), "warm"); err != nil {
		t.Fatal(err)
	}
	interval := 20408 * time.Microsecond // 1/(50×0.98)
	var (
		mu    sync.Mutex
		times []time.Time
		wg    sync.WaitGroup
	)
	start := time.Now()
	for i := range n {
		lim := a
		if i%2 == 1 {
			lim = b
		}
		wg.Go(func() {
			if err := lim.Wait(t.Context(), "dstSpacing:hash"); err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			times = append(times, time.Now())
			mu.Unlock()
		})
	}
	wg.Wait()
	if len(times) != n {
		t.Fatalf("%d of %d waits returned", len(times), n)
	}
	slices.SortFunc(times, func(x, y time.Time) int { return x.Compare(y) })
	span := times[n-1].Sub(times[0])
	t.Logf("%d waits across 2 instances at 50/s: span %s (ideal %s), total %s", n, fmtDur(span), fmtDur(time.Duration(n-1)*interval), fmtDur(time.Since(start)))
	// Slots are exactly one interval apart, the first at or after start
	// (Redis runs on this machine's clock), and a Wait never returns
	// before its slot, only after (by the delivery of Redis's answer and
	// the timer; more on a loaded machine). So the i-th return comes at
	// least i intervals after start.
	for i := 1; i < n; i++ {
		if at := times[i].Sub(start); at < time.Duration(i)*interval-time.Millisecond {
			t.Errorf("wait %d returned %s after start, want ≥ %s: the instances did not share the budget",
				i, fmtDur(at), fmtDur(time.Duration(i)*interval))
		}
	}
	if span > time.Duration(n-1)*interval+time.Second {
		t.Errorf("span %s: far slower than the rate", fmtDur(span))
	}
}

// TestPauseShared: a Pause from one instance holds back the other's Wait,
// including a Wait that had already reserved its slot.
func TestPauseShared(t *testing.T) {
	t.Parallel()
	prefix := testPrefix(t)
	a := redislimit.New(sharedRedis(t), redislimit.WithPrefix(prefix)) // 5/s: 204 ms apart
	b := redislimit.New(sharedRedis(t), redislimit.WithPrefix(prefix))
	const key = "dstPause:hash"
	ctx := t.Context()

	// A Pause before the Wait.
	start := time.Now()
	a.Pause(ctx, key, 300*time.Millisecond)
	if err := b.Wait(ctx, key); err != nil {
		t.Fatal(err)
	}
	if waited := time.Since(start); waited < 290*time.Millisecond {
		t.Errorf("Wait after another instance's 300ms Pause returned after %s", fmtDur(waited))
	}

	// A Pause while the Wait sleeps for its slot (204 ms after the first).
	start = time.Now()
	done := make(chan time.Duration, 1)
	go func() {
		if err := b.Wait(ctx, key); err != nil {
			t.Error(err)
		}
		done <- time.Since(start)
	}()
	time.Sleep(50 * time.Millisecond)
	a.Pause(ctx, key, 400*time.Millisecond)
	waited := <-done
	t.Logf("Wait with a slot at ~204ms, paused at 50ms for 400ms: returned after %s", fmtDur(waited))
	if waited < 440*time.Millisecond {
		t.Errorf("Wait returned after %s, inside the pause (until ~450ms)", fmtDur(waited))
	}
	if waited > 2*time.Second {
		t.Errorf("Wait returned after %s, long after the pause", fmtDur(waited))
	}
}

func TestWaitContext(t *testing.T) {
	t.Parallel()
	prefix := testPrefix(t)
	rdb := sharedRedis(t)
	lim := redislimit.New(rdb, redislimit.WithPrefix(prefix), redislimit.WithRate(2)) // 510 ms apart
	const key = "dstCtx:hash"
	t0 := time.Now()
	if err := lim.Wait(t.Context(), key); err != nil {
		t.Fatal(err)
	}

	// Cancelled while sleeping for the slot: returns at once.
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	err := lim.Wait(ctx, key)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Wait after cancel = %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > 400*time.Millisecond {
		t.Errorf("cancelled Wait returned after %s, want soon after 50ms", fmtDur(d))
	}

	// A deadline before the slot (~400 ms away): refused up front, like
	// x/time/rate, without sleeping.
	ctx, cancel2 := context.WithTimeout(t.Context(), 250*time.Millisecond)
	defer cancel2()
	err = lim.Wait(ctx, key)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "would pass the context deadline") {
		t.Errorf("Wait with a deadline before its slot = %v, want a DeadlineExceeded refused up front", err)
	}

	// Both slots were given back: the next Wait gets the second slot
	// (~510 ms after the first), not the fourth.
	if err := lim.Wait(t.Context(), key); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(t0); d > 1000*time.Millisecond {
		t.Errorf("next Wait returned %s after the first: abandoned slots were not given back", fmtDur(d))
	}

	// A context already done: no Redis call, its error.
	done, cancel3 := context.WithCancel(t.Context())
	cancel3()
	if err := lim.Wait(done, key); !errors.Is(err, context.Canceled) {
		t.Errorf("Wait on a done context = %v", err)
	}
}

// TestKeyExpiry: a key lives only while it holds a future time, so idle
// keys leave Redis.
func TestKeyExpiry(t *testing.T) {
	t.Parallel()
	prefix := testPrefix(t)
	rdb := sharedRedis(t)
	lim := redislimit.New(rdb, redislimit.WithPrefix(prefix)) // 204 ms apart
	ctx := t.Context()
	const key = "dstExpiry:hash"
	if err := lim.Wait(ctx, key); err != nil {
		t.Fatal(err)
	}
	ttl, err := rdb.PTTL(ctx, lim.Key(key)).Result()
	if err != nil {
		t.Fatal(err)
	}
	if ttl <= 0 || ttl > 206*time.Millisecond {
		t.Errorf("PTTL after a Wait at 5/s = %v, want (0, 206ms]", ttl)
	}
	lim.Pause(ctx, key, 200*time.Millisecond)
	ttl, err = rdb.PTTL(ctx, lim.Key(key)).Result()
	if err != nil {
		t.Fatal(err)
	}
	if ttl <= 0 || ttl > 206*time.Millisecond {
		t.Errorf("PTTL after a 200ms Pause = %v", ttl)
	}
	eventually(t, time.Second, "the key did not expire", func() bool {
		n, err := rdb.Exists(ctx, lim.Key(key)).Result()
		return err == nil && n == 0
	})
	// Nothing else of this test is left.
	keys, err := rdb.Keys(ctx, prefix+"*").Result()
	if err != nil || len(keys) != 0 {
		t.Errorf("keys left: %q, %v", keys, err)
	}
}
