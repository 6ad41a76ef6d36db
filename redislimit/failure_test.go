package redislimit_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apitable-go/apitable"
	"github.com/apitable-go/apitable/apitabletest"
	"github.com/apitable-go/apitable/redislimit"
	"github.com/redis/go-redis/v9"
)

// TestFailOpenKillRestart: workers keep calling Wait while the
// redis-server is killed and restarted on the same port. Every call
// returns exactly once and without error (the fallback paces them while
// Redis is gone), and the limiter goes back to Redis once it answers.
func TestFailOpenKillRestart(t *testing.T) { //nolint:paralleltest // kills and restarts a redis-server and checks pacing by wall-clock time
	p := ownRedis(t)
	rdb := redis.NewClient(&redis.Options{Addr: p.Addr()}) // a user's defaults
	t.Cleanup(func() { _ = rdb.Close() })
	var logs logBuffer
	lim := redislimit.New(rdb, redislimit.WithRate(50), redislimit.WithPrefix(testPrefix(t)),
		redislimit.WithRedisTimeout(100*time.Millisecond), redislimit.WithLogger(logs.Logger()))
	const key = "dstFail:hash"

	// Redis up: no fallback.
	for range 3 {
		if err := lim.Wait(t.Context(), key); err != nil {
			t.Fatal(err)
		}
	}
	if n := lim.Fallbacks(); n != 0 {
		t.Fatalf("Fallbacks with Redis up = %d", n)
	}

	// Workers call Wait in a loop; the server dies and comes back meanwhile.
	const workers, calls = 4, 40 // 160 calls at 49/s: ~3.3 s
	var (
		returned, failed atomic.Int64
		wg               sync.WaitGroup
	)
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	start := time.Now()
	for range workers {
		wg.Go(func() {
			for range calls {
				if err := lim.Wait(ctx, key); err != nil {
					failed.Add(1)
					t.Errorf("Wait: %v", err)
				}
				returned.Add(1)
			}
		})
	}
	time.Sleep(700 * time.Millisecond)
	beforeKill := returned.Load()
	p.Kill()
	time.Sleep(time.Second)
	duringOutage := returned.Load() - beforeKill
	fallbacksDown := lim.Fallbacks()
	p.Start()
	wg.Wait()
	elapsed := time.Since(start)

	t.Logf("%d calls in %s; %d returned during the 1 s outage; %d decided without Redis",
		returned.Load(), fmtDur(elapsed), duringOutage, lim.Fallbacks())
	if got := returned.Load(); got != workers*calls || failed.Load() != 0 {
		t.Errorf("returned %d calls (%d failed), want %d returned, none failed", got, failed.Load(), workers*calls)
	}
	if duringOutage < 20 {
		t.Errorf("only %d calls returned during the outage: fail-open did not keep them flowing", duringOutage)
	}
	if duringOutage > 60 {
		t.Errorf("%d calls returned in the 1 s outage: the fallback did not pace them (49/s)", duringOutage)
	}
	if fallbacksDown == 0 {
		t.Error("no call was decided without Redis while it was down")
	}
	// The whole run stays paced: 160 calls at 49/s take at least ~3.2 s.
	if min := time.Duration(workers*calls-1) * time.Second / 49; elapsed < min-50*time.Millisecond {
		t.Errorf("160 calls took %s, want ≥ %s", fmtDur(elapsed), fmtDur(min))
	}

	// Back on Redis: calls no longer fall back, and state lands in Redis.
	eventually(t, 5*time.Second, "the limiter did not go back to Redis", func() bool {
		before := lim.Fallbacks()
		if err := lim.Wait(t.Context(), key); err != nil {
			t.Fatal(err)
		}
		return lim.Fallbacks() == before
	})
	lim.Pause(t.Context(), key, 500*time.Millisecond)
	if n, err := rdb.Exists(t.Context(), lim.Key(key)).Result(); err != nil || n != 1 {
		t.Errorf("after recovery the pause is not in the restarted Redis: exists=%d, %v", n, err)
	}
	out := logs.String()
	if !strings.Contains(out, "redis unavailable; falling back") || !strings.Contains(out, "redis is back") {
		t.Errorf("logs lack the switch and the recovery:\n%s", out)
	}
	if strings.Count(out, "redis unavailable") > 3 {
		t.Errorf("the outage was logged more than a few times:\n%s", out)
	}
}

// TestFailOpenSlowRedis: a Redis that accepts connections but does not
// answer (SIGSTOP) costs a Wait at most the Redis timeout.
func TestFailOpenSlowRedis(t *testing.T) { //nolint:paralleltest // SIGSTOPs a redis-server and measures how long a Wait takes
	p := ownRedis(t)
	rdb := dial(t, p.Addr())
	lim := redislimit.New(rdb, redislimit.WithPrefix(testPrefix(t)), redislimit.WithRedisTimeout(100*time.Millisecond))
	if err := lim.Wait(t.Context(), "k"); err != nil {
		t.Fatal(err)
	}
	p.Freeze()
	start := time.Now()
	err := lim.Wait(t.Context(), "other")
	took := time.Since(start)
	p.Thaw()
	if err != nil {
		t.Fatalf("Wait with a frozen Redis: %v", err)
	}
	t.Logf("Wait with a frozen Redis returned after %s (timeout 100ms)", fmtDur(took))
	if took < 90*time.Millisecond || took > 600*time.Millisecond {
		t.Errorf("Wait with a frozen Redis took %s, want about the 100ms timeout", fmtDur(took))
	}
	if lim.Fallbacks() == 0 {
		t.Error("the frozen Redis did not count as a failure")
	}
	eventually(t, 5*time.Second, "the limiter did not go back to Redis after SIGCONT", func() bool {
		before := lim.Fallbacks()
		_ = lim.Wait(t.Context(), "other")
		return lim.Fallbacks() == before
	})
}

// TestFailClosed: with Redis gone, Wait (and so every client call) fails
// with an error wrapping ErrUnavailable and the cause, and sends nothing;
// after a restart calls go through again.
func TestFailClosed(t *testing.T) { //nolint:paralleltest // stops and restarts a redis-server and checks timing
	p := ownRedis(t)
	rdb := redis.NewClient(&redis.Options{Addr: p.Addr(), MaxRetries: -1})
	t.Cleanup(func() { _ = rdb.Close() })
	lim := redislimit.New(rdb, redislimit.WithFailClosed(), redislimit.WithPrefix(testPrefix(t)),
		redislimit.WithRedisTimeout(100*time.Millisecond))
	srv := apitabletest.NewServer(t, apitabletest.WithoutRateLimit())
	ds := srv.AddDatasheet(srv.SpaceID(), apitabletest.DatasheetSpec{
		Name:   "Tasks",
		Fields: []apitabletest.FieldSpec{{Name: "Title", Type: "SingleText", Property: map[string]any{}}},
	})
	client := srv.Client(apitable.WithLimiter(lim))
	if _, err := client.Records.List(t.Context(), ds.ID, nil); err != nil {
		t.Fatal(err)
	}
	sent := len(srv.Requests())

	p.Kill()
	err := lim.Wait(t.Context(), "k")
	if !errors.Is(err, redislimit.ErrUnavailable) {
		t.Fatalf("Wait with Redis down = %v, want ErrUnavailable", err)
	}
	t.Logf("fail-closed Wait: %v", err)
	_, err = client.Records.List(t.Context(), ds.ID, nil)
	if !errors.Is(err, redislimit.ErrUnavailable) {
		t.Errorf("List with Redis down = %v, want ErrUnavailable", err)
	}
	if n := len(srv.Requests()); n != sent {
		t.Errorf("%d requests reached the server while the limiter failed closed", n-sent)
	}

	p.Start()
	eventually(t, 5*time.Second, "Wait did not succeed again after the restart", func() bool {
		return lim.Wait(t.Context(), "k") == nil
	})
	if _, err := client.Records.List(t.Context(), ds.ID, nil); err != nil {
		t.Errorf("List after the restart: %v", err)
	}
}
