package pipeline

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"
)

// The tests here are not parallel: TestOrderedNoLeak checks the whole
// process's goroutines with goleak.

// gauge counts calls in flight and remembers the peak.
type gauge struct{ cur, peak atomic.Int64 }

func (g *gauge) enter() {
	n := g.cur.Add(1)
	for {
		p := g.peak.Load()
		if n <= p || g.peak.CompareAndSwap(p, n) {
			return
		}
	}
}

func (g *gauge) leave() { g.cur.Add(-1) }

func goid() uint64 {
	var buf [64]byte
	b := buf[:runtime.Stack(buf[:], false)]
	b = bytes.TrimPrefix(b, []byte("goroutine "))
	b = b[:bytes.IndexByte(b, ' ')]
	id, _ := strconv.ParseUint(string(b), 10, 64)
	return id
}

func TestOrderedInIndexOrder(t *testing.T) { //nolint:paralleltest // the package's tests are serial: TestOrderedNoLeak checks the whole process with goleak
	for _, window := range []int{1, 2, 3, 8, 64} { //nolint:paralleltest // the package's tests are serial: TestOrderedNoLeak checks the whole process with goleak
		t.Run(fmt.Sprintf("window%d", window), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				const n = 50
				rng := rand.New(rand.NewPCG(uint64(window), 42)) //nolint:gosec // G404: a seeded, reproducible test RNG
				delays := make([]time.Duration, n)
				for i := range delays {
					// Later jobs tend to finish first.
					delays[i] = time.Duration(n-i)*time.Millisecond + time.Duration(rng.IntN(20))*time.Millisecond
				}
				errOdd := errors.New("odd")
				var got []int
				Ordered(t.Context(), window,
					func(i int) bool { return i < n },
					func(ctx context.Context, i int) (string, error) {
						time.Sleep(delays[i])
						if i%7 == 3 {
							return "", fmt.Errorf("job %d: %w", i, errOdd)
						}
						return "v" + strconv.Itoa(i), nil
					},
					func(i int, v string, err error) bool {
						if i != len(got) {
							t.Errorf("deliver(%d) after %d deliveries", i, len(got))
						}
						if i%7 == 3 {
							if !errors.Is(err, errOdd) || v != "" {
								t.Errorf("deliver(%d) = %q, %v; want \"\", errOdd", i, v, err)
							}
						} else if err != nil || v != "v"+strconv.Itoa(i) {
							t.Errorf("deliver(%d) = %q, %v; want %q, nil", i, v, err, "v"+strconv.Itoa(i))
						}
						got = append(got, i)
						return true
					})
				want := make([]int, n)
				for i := range want {
					want[i] = i
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("delivery order (-want +got):\n%s", diff)
				}
			})
		})
	}
}

func TestOrderedWindowBound(t *testing.T) { //nolint:paralleltest // the package's tests are serial: TestOrderedNoLeak checks the whole process with goleak
	for _, tt := range []struct{ window, jobs, wantPeak int }{ //nolint:paralleltest // the package's tests are serial: TestOrderedNoLeak checks the whole process with goleak
		{1, 20, 1},
		{2, 20, 2},
		{5, 40, 5},
		{8, 3, 3},
		{100, 40, 40},
		{0, 10, 1},  // window < 1 is treated as 1
		{-3, 10, 1}, // likewise
	} {
		t.Run(fmt.Sprintf("window%d/jobs%d", tt.window, tt.jobs), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rng := rand.New(rand.NewPCG(uint64(tt.jobs), uint64(tt.window+10))) //nolint:gosec // G404: a seeded, reproducible test RNG
				delays := make([]time.Duration, tt.jobs)
				for i := range delays {
					delays[i] = time.Duration(1+rng.IntN(30)) * time.Millisecond
				}
				var g gauge
				var fetched, delivered int
				var fetchedMu sync.Mutex
				Ordered(t.Context(), tt.window,
					func(i int) bool { return i < tt.jobs },
					func(ctx context.Context, i int) (int, error) {
						g.enter()
						defer g.leave()
						fetchedMu.Lock()
						fetched++
						fetchedMu.Unlock()
						time.Sleep(delays[i])
						return i, nil
					},
					func(i, v int, err error) bool {
						if v != i || err != nil {
							t.Errorf("deliver(%d, %d, %v)", i, v, err)
						}
						// Delivery frees a slot; the fetch that produced it ended.
						if c := g.cur.Load(); c > int64(max(tt.window, 1)) {
							t.Errorf("%d in flight at delivery %d", c, i)
						}
						delivered++
						return true
					})
				if p := g.peak.Load(); p != int64(tt.wantPeak) {
					t.Errorf("peak in flight = %d, want %d", p, tt.wantPeak)
				}
				if fetched != tt.jobs || delivered != tt.jobs {
					t.Errorf("fetched %d, delivered %d, want %d each", fetched, delivered, tt.jobs)
				}
				if c := g.cur.Load(); c != 0 {
					t.Errorf("%d fetches still running after Ordered returned", c)
				}
			})
		})
	}
}

// TestOrderedSlowHeadBlocksWindow: a slow first job holds its slot until it
// is delivered, so finished later jobs do not let more than window run.
func TestOrderedSlowHeadBlocksWindow(t *testing.T) { //nolint:paralleltest // the package's tests are serial: TestOrderedNoLeak checks the whole process with goleak
	synctest.Test(t, func(t *testing.T) {
		var g gauge
		var launched atomic.Int64
		start := time.Now()
		Ordered(t.Context(), 3,
			func(i int) bool { return i < 10 },
			func(ctx context.Context, i int) (int, error) {
				g.enter()
				defer g.leave()
				launched.Add(1)
				if i == 0 {
					time.Sleep(time.Second)
				} else {
					time.Sleep(time.Millisecond)
				}
				return i, nil
			},
			func(i, v int, err error) bool {
				if i == 0 {
					// Jobs 1 and 2 finished long ago, yet nothing else started.
					if n := launched.Load(); n != 3 {
						t.Errorf("%d launched before job 0 was delivered, want 3", n)
					}
					if el := time.Since(start); el != time.Second {
						t.Errorf("job 0 delivered after %v, want 1s", el)
					}
				}
				return true
			})
		if p := g.peak.Load(); p > 3 {
			t.Errorf("peak in flight = %d, want <= 3", p)
		}
	})
}

func TestOrderedMoreStopsLaunching(t *testing.T) { //nolint:paralleltest // the package's tests are serial: TestOrderedNoLeak checks the whole process with goleak
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		fetched := map[int]bool{}
		var maxAsked int
		var delivered []int
		Ordered(t.Context(), 4,
			func(i int) bool {
				maxAsked = max(maxAsked, i)
				return i < 7
			},
			func(ctx context.Context, i int) (int, error) {
				mu.Lock()
				fetched[i] = true
				mu.Unlock()
				time.Sleep(time.Duration(10-i) * time.Millisecond)
				return i, nil
			},
			func(i, v int, err error) bool {
				delivered = append(delivered, i)
				return true
			})
		if len(fetched) != 7 {
			t.Errorf("fetched %v, want 0..6", fetched)
		}
		for i := range 7 {
			if !fetched[i] {
				t.Errorf("job %d not fetched", i)
			}
		}
		if maxAsked != 7 {
			t.Errorf("more asked up to %d, want 7", maxAsked)
		}
		if diff := cmp.Diff([]int{0, 1, 2, 3, 4, 5, 6}, delivered); diff != "" {
			t.Errorf("delivered (-want +got):\n%s", diff)
		}
	})
}

func TestOrderedZeroJobs(t *testing.T) { //nolint:paralleltest // the package's tests are serial: TestOrderedNoLeak checks the whole process with goleak
	synctest.Test(t, func(t *testing.T) {
		var asked []int
		Ordered(t.Context(), 4,
			func(i int) bool { asked = append(asked, i); return false },
			func(ctx context.Context, i int) (int, error) {
				t.Errorf("fetch(%d) called", i)
				return 0, nil
			},
			func(i, v int, err error) bool {
				t.Errorf("deliver(%d) called", i)
				return true
			})
		if diff := cmp.Diff([]int{0}, asked); diff != "" {
			t.Errorf("more called with (-want +got):\n%s", diff)
		}
	})
}

// TestOrderedMoreSeesDeliverState is the paged-read pattern: the page count is
// only known once page 0 is delivered. more and deliver share plain
// variables; run with -race to check both run on the caller's goroutine.
func TestOrderedMoreSeesDeliverState(t *testing.T) { //nolint:paralleltest // the package's tests are serial: TestOrderedNoLeak checks the whole process with goleak
	synctest.Test(t, func(t *testing.T) {
		caller := goid()
		total := -1 // unknown
		var pages []int
		var fetches atomic.Int64
		Ordered(t.Context(), 3,
			func(i int) bool {
				if g := goid(); g != caller {
					t.Errorf("more(%d) on goroutine %d, want caller %d", i, g, caller)
				}
				if total < 0 {
					return i == 0
				}
				return i < total
			},
			func(ctx context.Context, i int) (int, error) {
				fetches.Add(1)
				time.Sleep(time.Duration(1+i%3) * time.Millisecond)
				return 5, nil // every page reports 5 pages in all
			},
			func(i, v int, err error) bool {
				if g := goid(); g != caller {
					t.Errorf("deliver(%d) on goroutine %d, want caller %d", i, g, caller)
				}
				total = v
				pages = append(pages, i)
				return true
			})
		if diff := cmp.Diff([]int{0, 1, 2, 3, 4}, pages); diff != "" {
			t.Errorf("pages (-want +got):\n%s", diff)
		}
		if n := fetches.Load(); n != 5 {
			t.Errorf("%d fetches, want 5", n)
		}
	})
}

// TestOrderedDeliverFalseCancelsInFlight: after deliver returns false, the
// fetches still running see their ctx cancelled, nothing new is launched,
// deliver is not called again, and Ordered returns once they have ended.
func TestOrderedDeliverFalseCancelsInFlight(t *testing.T) { //nolint:paralleltest // the package's tests are serial: TestOrderedNoLeak checks the whole process with goleak
	synctest.Test(t, func(t *testing.T) {
		const window = 4
		var launched, ended, cancelled atomic.Int64
		var deliveries int
		start := time.Now()
		Ordered(t.Context(), window,
			func(int) bool { return true }, // unbounded
			func(ctx context.Context, i int) (int, error) {
				launched.Add(1)
				defer ended.Add(1)
				if i == 0 {
					time.Sleep(time.Millisecond)
					return 0, errors.New("stop here")
				}
				select {
				case <-ctx.Done():
					cancelled.Add(1)
					return 0, ctx.Err()
				case <-time.After(time.Hour): // a stuck call: only cancellation ends it early
					return i, nil
				}
			},
			func(i, v int, err error) bool {
				deliveries++
				return err == nil
			})
		elapsed := time.Since(start)
		if deliveries != 1 {
			t.Errorf("deliver called %d times, want 1", deliveries)
		}
		if l := launched.Load(); l != window {
			t.Errorf("%d fetches launched, want %d", l, window)
		}
		if l, e := launched.Load(), ended.Load(); l != e {
			t.Errorf("Ordered returned with %d of %d fetches still running", l-e, l)
		}
		if c := cancelled.Load(); c != window-1 {
			t.Errorf("%d in-flight fetches saw ctx cancelled, want %d", c, window-1)
		}
		if elapsed >= time.Hour {
			t.Errorf("Ordered returned after %v: in-flight fetches were waited for, not cancelled", elapsed)
		}
	})
}

// TestOrderedNoLeak: no goroutine outlives Ordered, whether it ends normally
// or through a false from deliver.
func TestOrderedNoLeak(t *testing.T) { //nolint:paralleltest // the package's tests are serial: TestOrderedNoLeak checks the whole process with goleak
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	for _, stopAt := range []int{-1, 0, 2} {
		Ordered(context.Background(), 5,
			func(i int) bool { return i < 20 },
			func(ctx context.Context, i int) (int, error) {
				select {
				case <-ctx.Done():
				case <-time.After(time.Duration(rand.IntN(3)) * time.Millisecond): //nolint:gosec // G404: random test jitter, not security
				}
				return i, nil
			},
			func(i, v int, err error) bool { return i != stopAt })
	}
}

func TestOrderedParentCancel(t *testing.T) { //nolint:paralleltest // the package's tests are serial: TestOrderedNoLeak checks the whole process with goleak
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		time.AfterFunc(10*time.Millisecond, cancel)
		var got []error
		start := time.Now()
		var afterCancel atomic.Int64
		Ordered(ctx, 3,
			func(i int) bool { return i < 10 },
			func(fctx context.Context, i int) (int, error) {
				if fctx.Err() != nil {
					afterCancel.Add(1)
				}
				select {
				case <-fctx.Done():
					return 0, fctx.Err()
				case <-time.After(time.Hour):
					return i, nil
				}
			},
			func(i, v int, err error) bool {
				got = append(got, err)
				return true
			})
		if el := time.Since(start); el != 10*time.Millisecond {
			t.Errorf("Ordered took %v, want 10ms", el)
		}
		// The 3 calls in flight end with the cancel; nothing new is launched.
		if len(got) != 3 {
			t.Fatalf("%d deliveries, want 3", len(got))
		}
		for i, err := range got {
			if !errors.Is(err, context.Canceled) {
				t.Errorf("deliver(%d) err = %v, want context.Canceled", i, err)
			}
		}
		if n := afterCancel.Load(); n != 0 {
			t.Errorf("%d fetches started with a done ctx, want 0", n)
		}
	})
}

// TestOrderedParentCancelStopsViaDeliver: Ordered itself does not watch ctx;
// a deliver that stops on error ends it promptly.
func TestOrderedParentCancelStopsViaDeliver(t *testing.T) { //nolint:paralleltest // the package's tests are serial: TestOrderedNoLeak checks the whole process with goleak
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		var fetches, deliveries int
		var mu sync.Mutex
		Ordered(ctx, 2,
			func(int) bool { return true },
			func(fctx context.Context, i int) (int, error) {
				mu.Lock()
				fetches++
				mu.Unlock()
				return 0, fctx.Err()
			},
			func(i, v int, err error) bool {
				deliveries++
				return err == nil
			})
		if deliveries != 0 || fetches != 0 {
			t.Errorf("deliveries %d, fetches %d; want 0, 0: nothing starts under a done ctx", deliveries, fetches)
		}
	})
}

func TestOrderedFetchCtxIsDerived(t *testing.T) { //nolint:paralleltest // the package's tests are serial: TestOrderedNoLeak checks the whole process with goleak
	synctest.Test(t, func(t *testing.T) {
		type key struct{}
		parent := context.WithValue(t.Context(), key{}, "v")
		var ctxs []context.Context
		var mu sync.Mutex
		Ordered(parent, 2,
			func(i int) bool { return i < 3 },
			func(ctx context.Context, i int) (int, error) {
				mu.Lock()
				ctxs = append(ctxs, ctx)
				mu.Unlock()
				if ctx.Value(key{}) != "v" {
					t.Errorf("fetch(%d): ctx lost the parent's values", i)
				}
				return i, nil
			},
			func(int, int, error) bool { return true })
		// Ordered cancels its own ctx on return; the parent is untouched.
		for i, ctx := range ctxs {
			if ctx.Err() == nil {
				t.Errorf("fetch ctx %d not cancelled after Ordered returned", i)
			}
		}
		if parent.Err() != nil {
			t.Errorf("parent ctx cancelled: %v", parent.Err())
		}
	})
}

func TestTurnsPassInOrder(t *testing.T) { //nolint:paralleltest // the package's tests are serial: TestOrderedNoLeak checks the whole process with goleak
	synctest.Test(t, func(t *testing.T) {
		var turns Turns
		var mu sync.Mutex
		var order []int
		var wg sync.WaitGroup
		for _, i := range []int{4, 2, 0, 3, 1} {
			wg.Go(func() {
				if err := turns.Wait(t.Context(), i); err != nil {
					t.Error(err)
				}
				mu.Lock()
				order = append(order, i)
				mu.Unlock()
				turns.Done(i)
			})
			synctest.Wait()
		}
		wg.Wait()
		if fmt.Sprint(order) != "[0 1 2 3 4]" {
			t.Fatalf("order %v", order)
		}
	})
}

func TestTurnsDoneEarlyAndCancel(t *testing.T) { //nolint:paralleltest // the package's tests are serial: TestOrderedNoLeak checks the whole process with goleak
	synctest.Test(t, func(t *testing.T) {
		var turns Turns
		turns.Done(1) // job 1 gave up before its turn
		turns.Done(1)
		ctx, cancel := context.WithCancel(t.Context())
		errc := make(chan error, 1)
		go func() { errc <- turns.Wait(ctx, 3) }()
		synctest.Wait()
		cancel()
		if err := <-errc; !errors.Is(err, context.Canceled) {
			t.Fatalf("Wait after cancel: %v", err)
		}
		turns.Done(0)
		// 0 and 1 are done: job 2's turn has come at once.
		if err := turns.Wait(t.Context(), 2); err != nil {
			t.Fatal(err)
		}
		if err := turns.Wait(t.Context(), 0); err != nil {
			t.Fatal("a past turn must not block")
		}
	})
}
