package apitable

import (
	"context"
	"os"
	"runtime"
	"strconv"
	"testing"
	"testing/synctest"
	"time"
)

// Benchmarks of the in-process limiter (NewLimiter): the cost of Wait when
// it does not sleep, and the memory held for many distinct keys.

func benchKeys(n int) []string {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = "dst" + strconv.Itoa(i) + ":0123456789abcdef0123456789abcdef01234567"
	}
	return keys
}

// BenchmarkLimiterWait: one Wait per op at a rate so high that it never
// sleeps (1e9/s, burst 1), on 1 key or round-robin over 10,000 keys,
// sequentially and from GOMAXPROCS goroutines.
func BenchmarkLimiterWait(b *testing.B) {
	ctx := context.Background()
	for _, n := range []int{1, 10_000} {
		keys := benchKeys(n)
		b.Run("keys="+strconv.Itoa(n), func(b *testing.B) {
			l := NewLimiter(1e9, 1)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if err := l.Wait(ctx, keys[i%n]); err != nil {
					b.Fatal(err)
				}
				i++
			}
			b.ReportMetric(float64(l.Len()), "buckets")
		})
		b.Run("keys="+strconv.Itoa(n)+"/parallel", func(b *testing.B) {
			l := NewLimiter(1e9, 1)
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					if err := l.Wait(ctx, keys[i%n]); err != nil {
						b.Error(err)
						return
					}
					i++
				}
			})
		})
	}
}

// millionKeys sends keys distinct keys through l.Wait and returns the
// number of buckets at the end, the largest number seen, and the peak
// HeapAlloc (sampled every 10,000 keys; it includes garbage not yet
// collected, so it is an upper bound). between, if set, runs every 100
// keys (the synctest variant advances fake time there).
func millionKeys(tb testing.TB, l *LocalLimiter, keys int, between func()) (final, peak int, peakHeap uint64) {
	ctx := context.Background()
	var ms runtime.MemStats
	for i := range keys {
		if err := l.Wait(ctx, "dst"+strconv.Itoa(i)+":0123456789abcdef0123456789abcdef01234567"); err != nil {
			tb.Fatal(err)
		}
		if between != nil && i%100 == 99 {
			between()
		}
		if i%10_000 == 0 {
			peak = max(peak, l.Len())
			runtime.ReadMemStats(&ms)
			peakHeap = max(peakHeap, ms.HeapAlloc)
		}
	}
	final = l.Len()
	return final, max(peak, final), peakHeap
}

// BenchmarkLimiterMillionKeys: 1,000,000 distinct keys per op, in real
// time. At 1e9/s a bucket is full again a nanosecond after its Wait, so
// every sweep (when the map doubles past 1024) empties the map. At the
// default 5/s a bucket becomes evictable 200 ms after its Wait, so the map
// holds about the keys of the last 200 ms (times 2, the sweep threshold):
// the bound depends on how fast keys arrive. Metrics: buckets at the end,
// peak buckets, peak HeapAlloc in MB, ns per key.
func BenchmarkLimiterMillionKeys(b *testing.B) {
	const keys = 1_000_000
	for _, rate := range []float64{1e9, DefaultRateLimit} {
		b.Run("rate="+strconv.FormatFloat(rate, 'g', -1, 64), func(b *testing.B) {
			var final, peak int
			var peakHeap uint64
			for b.Loop() {
				runtime.GC()
				var f, p int
				var h uint64
				f, p, h = millionKeys(b, NewLimiter(rate, 1), keys, nil)
				final, peak, peakHeap = f, max(peak, p), max(peakHeap, h)
			}
			b.ReportMetric(float64(final), "buckets")
			b.ReportMetric(float64(peak), "peak-buckets")
			b.ReportMetric(float64(peakHeap)/(1<<20), "peak-heap-MB")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*keys), "ns/key")
			b.ReportMetric(0, "ns/op") // one op is a million keys; ns/key says it
		})
	}
}

// TestLimiterBoundedUnderFakeTime measures the default 5/s limiter with
// many keys in a synctest bubble, where a bucket becomes evictable only
// when fake time passes. Keys arrive at 100 per fake millisecond (20,000
// per 200 ms interval), so the map should stay near 2 × 20,000 whatever the
// number of keys. It runs only with APITABLE_LIMITER_KEYS set (e.g.
// 1000000): TestLimiterManyKeysStayBounded already checks the bound in
// every run, and a million keys take seconds under -race.
func TestLimiterBoundedUnderFakeTime(t *testing.T) { //nolint:paralleltest // an opt-in measurement (APITABLE_LIMITER_KEYS) of up to a million keys; it runs alone
	v := os.Getenv("APITABLE_LIMITER_KEYS")
	if v == "" {
		t.Skip("set APITABLE_LIMITER_KEYS=1000000 to measure")
	}
	keys, err := strconv.Atoi(v)
	if err != nil || keys < 1 {
		t.Fatalf("APITABLE_LIMITER_KEYS=%q: want a positive number", v)
	}
	synctest.Test(t, func(t *testing.T) {
		l := NewLimiter(DefaultRateLimit, 1)
		start := time.Now()
		final, peak, heap := millionKeys(t, l, keys, func() { time.Sleep(time.Millisecond) })
		t.Logf("%d keys over %v of fake time: %d buckets at the end, peak %d, peak HeapAlloc %.1f MB",
			keys, time.Since(start), final, peak, float64(heap)/(1<<20))
		if peak > 64_000 {
			t.Errorf("peak %d buckets: the map is not bounded by the keys of the last interval", peak)
		}
		// Once time passes, everything is evictable: the next sweep (the
		// map reaching its threshold) clears the old keys.
		time.Sleep(time.Second)
		l.mu.Lock()
		l.sweep(time.Now())
		n := len(l.buckets)
		l.mu.Unlock()
		if n != 0 {
			t.Errorf("%d buckets left after a sweep with every bucket idle", n)
		}
	})
}
