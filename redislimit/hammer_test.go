package redislimit_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apitable-go/apitable"
	"github.com/apitable-go/apitable/redislimit"
	"github.com/redis/go-redis/v9"
)

// TestMain turns the test binary into the hammer helper when re-executed
// with REDISLIMIT_HAMMER=1: one OS process with its own apitable.Client.
func TestMain(m *testing.M) {
	if os.Getenv("REDISLIMIT_HAMMER") == "1" {
		if err := hammer(); err != nil {
			fmt.Fprintln(os.Stderr, "hammer:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// hammerResult is what one helper process reports.
type hammerResult struct {
	OK         int64  `json:"ok"`         // calls that succeeded (completed before the end)
	Err429     int64  `json:"err429"`     // calls that failed with ErrRateLimited
	ErrOther   int64  `json:"errOther"`   // calls that failed otherwise
	Cut        int64  `json:"cut"`        // calls cut by the end of the run (at most one per goroutine)
	Attempts   int64  `json:"attempts"`   // HTTP requests sent (retries included)
	Answers429 int64  `json:"answers429"` // 429 answers received
	FirstErr   string `json:"firstErr,omitempty"`
}

// countingTransport counts attempts and 429 answers below the client's
// limiter and retry loop.
type countingTransport struct {
	base                 http.RoundTripper
	attempts, answers429 atomic.Int64
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.attempts.Add(1)
	resp, err := c.base.RoundTrip(r)
	if err == nil && resp.StatusCode == http.StatusTooManyRequests {
		c.answers429.Add(1)
	}
	return resp, err
}

func hammer() error {
	env := func(k string) string { return os.Getenv("HAMMER_" + k) }
	startNs, err1 := strconv.ParseInt(env("START"), 10, 64)
	endNs, err2 := strconv.ParseInt(env("END"), 10, 64)
	workers, err3 := strconv.Atoi(env("WORKERS"))
	if err := errors.Join(err1, err2, err3); err != nil {
		return err
	}
	ct := &countingTransport{base: http.DefaultTransport.(*http.Transport).Clone()}
	opts := []apitable.Option{apitable.WithBaseURL(env("BASE")), apitable.WithHTTPClient(&http.Client{Transport: ct})}
	if addr := env("REDIS"); addr != "" {
		rdb := redis.NewClient(&redis.Options{Addr: addr})
		defer func() { _ = rdb.Close() }()
		opts = append(opts, apitable.WithLimiter(redislimit.New(rdb, redislimit.WithPrefix(env("PREFIX")))))
	}
	client, err := apitable.New(env("TOKEN"), opts...)
	if err != nil {
		return err
	}
	end := time.Unix(0, endNs)
	ctx, cancel := context.WithDeadline(context.Background(), end)
	defer cancel()
	time.Sleep(time.Until(time.Unix(0, startNs)))

	var (
		res      hammerResult
		mu       sync.Mutex
		firstErr string
		wg       sync.WaitGroup
		ok, e429 atomic.Int64
		other    atomic.Int64
		cut      atomic.Int64
	)
	for range workers {
		wg.Go(func() {
			for ctx.Err() == nil {
				_, err := client.Records.List(ctx, env("DST"), nil)
				switch {
				case err == nil:
					ok.Add(1)
				case errors.Is(err, apitable.ErrRateLimited) && time.Until(end) < time.Second:
					// Its retry, a window (1 s) after the 429, would pass
					// the run's end, so the client returned the 429 at
					// once (no sleep passes the context's deadline): the
					// end cut it, as below.
					cut.Add(1)
					return
				case errors.Is(err, apitable.ErrRateLimited):
					e429.Add(1)
				case ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded):
					// The limiter refuses up front a slot past the
					// end: no later call can fit either.
					cut.Add(1)
					return
				default:
					other.Add(1)
					mu.Lock()
					if firstErr == "" {
						firstErr = err.Error()
					}
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	res = hammerResult{OK: ok.Load(), Err429: e429.Load(), ErrOther: other.Load(), Cut: cut.Load(),
		Attempts: ct.attempts.Load(), Answers429: ct.answers429.Load(), FirstErr: firstErr}
	return json.NewEncoder(os.Stdout).Encode(res)
}

// fakeInfo is the line cmd/apitable-fake -json prints.
type fakeInfo struct {
	BaseURL     string `json:"baseURL"`
	Token       string `json:"token"`
	DatasheetID string `json:"datasheetId"`
}

// startFake builds cmd/apitable-fake from the root module and runs it with
// strict 5 req/s enforcement.
func startFake(t *testing.T) fakeInfo {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "apitable-fake")
	// Build in the root module.
	build := exec.Command("go", "build", "-o", bin, "./cmd/apitable-fake") //nolint:gosec // G204: the go command, building the root module's fake
	build.Dir = ".."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building cmd/apitable-fake: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "-json", "-rate", "5", "-addr", "127.0.0.1:0") //nolint:gosec // G204: the binary this test just built
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadBytes('\n')
	if err != nil {
		t.Fatalf("reading the fake's line: %v", err)
	}
	var info fakeInfo
	if err := json.Unmarshal(line, &info); err != nil || info.BaseURL == "" {
		t.Fatalf("the fake's line %q: %v", line, err)
	}
	return info
}

// runReplicas runs procs helper processes for d against the fake and adds
// up their results.
func runReplicas(t *testing.T, info fakeInfo, procs, workers int, d time.Duration, redisAddr, prefix string) (hammerResult, time.Duration) {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now().Add(time.Second) // every process is up by then
	end := start.Add(d)
	var (
		total hammerResult
		mu    sync.Mutex
		wg    sync.WaitGroup
	)
	for i := range procs {
		wg.Go(func() {
			cmd := exec.Command(self, "-test.run=^$")
			cmd.Env = append(os.Environ(),
				"REDISLIMIT_HAMMER=1",
				"HAMMER_BASE="+info.BaseURL, "HAMMER_TOKEN="+info.Token, "HAMMER_DST="+info.DatasheetID,
				"HAMMER_REDIS="+redisAddr, "HAMMER_PREFIX="+prefix,
				"HAMMER_START="+strconv.FormatInt(start.UnixNano(), 10),
				"HAMMER_END="+strconv.FormatInt(end.UnixNano(), 10),
				"HAMMER_WORKERS="+strconv.Itoa(workers))
			cmd.Stderr = os.Stderr
			out, err := cmd.Output()
			if err != nil {
				t.Errorf("helper process %d: %v", i, err)
				return
			}
			var r hammerResult
			if err := json.Unmarshal(out, &r); err != nil {
				t.Errorf("helper process %d printed %q: %v", i, out, err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			total.OK += r.OK
			total.Err429 += r.Err429
			total.ErrOther += r.ErrOther
			total.Cut += r.Cut
			total.Attempts += r.Attempts
			total.Answers429 += r.Answers429
			if total.FirstErr == "" {
				total.FirstErr = r.FirstErr
			}
		})
	}
	wg.Wait()
	return total, d
}

// TestReplicasShareBudget is the headline test: 4 OS processes, each with
// its own apitable.Client, hammer one datasheet of one apitable-fake
// process that enforces 5 req/s strictly. With the Redis limiter no 429
// reaches a caller and the aggregate throughput is at least 90% of the
// budget; with the in-process limiters (5/s each, 20/s together) the
// server answers most attempts with 429.
func TestReplicasShareBudget(t *testing.T) { //nolint:paralleltest // measures throughput of 4 processes against a 5 req/s budget for 8s: it must run alone
	rdb := sharedRedis(t)
	addr := rdb.Options().Addr
	info := startFake(t)
	const (
		procs, workers = 4, 4
		run            = 8 * time.Second
		limit          = 5.0
	)
	shared, d := runReplicas(t, info, procs, workers, run, addr, testPrefix(t))
	time.Sleep(1100 * time.Millisecond) // let the fake's window pass
	local, _ := runReplicas(t, info, procs, workers, run, "", "")

	row := func(name string, r hammerResult) {
		rate := float64(r.OK) / d.Seconds()
		t.Logf("| %-22s | %5d | %6.2f/s | %5.2f | %8d | %11d | %10d | %9d | %3d |",
			name, r.OK, rate, rate/limit, r.Attempts, r.Answers429, r.Err429, r.ErrOther, r.Cut)
	}
	t.Logf("%d processes × %d goroutines, Records.List on one datasheet for %v, fake at %v req/s", procs, workers, d, limit)
	t.Logf("| %-22s | %5s | %8s | %5s | %8s | %11s | %10s | %9s | %3s |",
		"limiter", "ok", "ok rate", "×lim", "attempts", "429 answers", "429 errors", "other err", "cut")
	row("redislimit (shared)", shared)
	row("in-process (per proc)", local)
	if shared.FirstErr != "" || local.FirstErr != "" {
		t.Logf("first other error: shared %q, local %q", shared.FirstErr, local.FirstErr)
	}

	if shared.Err429 != 0 {
		t.Errorf("shared limiter: %d calls failed with 429, want 0", shared.Err429)
	}
	if shared.ErrOther != 0 {
		t.Errorf("shared limiter: %d calls failed otherwise: %s", shared.ErrOther, shared.FirstErr)
	}
	if rate := float64(shared.OK) / d.Seconds(); rate < 0.9*limit {
		t.Errorf("shared limiter: %.2f calls/s, want ≥ %.2f (90%% of the limit)", rate, 0.9*limit)
	}
	if local.Answers429 == 0 {
		t.Errorf("in-process limiters: no 429 answers; the comparison shows nothing")
	}
}
