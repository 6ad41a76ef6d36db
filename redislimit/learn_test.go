package redislimit_test

import (
	"testing"
	"time"

	"github.com/apitable-go/apitable/redislimit"
)

// TestLearnedBudgetShared: a 429 stating 2 requests per second, seen by
// one process, paces every process sharing Redis at 98% of 2 per second
// (510 ms apart); the stating process reports it adopted once; a higher
// stated rate changes nothing.
func TestLearnedBudgetShared(t *testing.T) {
	t.Parallel()
	prefix := testPrefix(t)
	a := redislimit.New(sharedRedis(t), redislimit.WithPrefix(prefix)) // 5/s: 204 ms apart
	b := redislimit.New(sharedRedis(t), redislimit.WithPrefix(prefix))
	const key = "dstLearn:hash"
	ctx := t.Context()
	if a.Throttled(ctx, key, 50) {
		t.Error("a higher stated rate was adopted")
	}
	if !a.Throttled(ctx, key, 2) {
		t.Error("a lower stated rate was not adopted")
	}
	if a.Throttled(ctx, key, 2) {
		t.Error("the same rate was reported adopted twice")
	}
	start := time.Now()
	for range 4 {
		if err := b.Wait(ctx, key); err != nil {
			t.Fatal(err)
		}
	}
	// The pause (one 510 ms interval), then 3 intervals of 510 ms.
	waited := time.Since(start)
	t.Logf("4 waits on another instance after the learned 2/s: %s", fmtDur(waited))
	if waited < 1900*time.Millisecond {
		t.Errorf("4 waits took %s, want ≥ 2.04 s (a pause and 3 intervals at 2/s)", fmtDur(waited))
	}
	if waited > 4*time.Second {
		t.Errorf("4 waits took %s", fmtDur(waited))
	}
}

// TestUnstatedThrottlePausesOneSecond: a 429 stating no rate pauses every
// process for a whole window.
func TestUnstatedThrottlePausesOneSecond(t *testing.T) {
	t.Parallel()
	prefix := testPrefix(t)
	a := redislimit.New(sharedRedis(t), redislimit.WithPrefix(prefix))
	b := redislimit.New(sharedRedis(t), redislimit.WithPrefix(prefix))
	const key = "dstUnstated:hash"
	start := time.Now()
	a.Throttled(t.Context(), key, 0)
	if err := b.Wait(t.Context(), key); err != nil {
		t.Fatal(err)
	}
	if waited := time.Since(start); waited < 990*time.Millisecond {
		t.Errorf("Wait after an unstated 429 returned after %s, want ≥ 1 s", fmtDur(waited))
	}
}
