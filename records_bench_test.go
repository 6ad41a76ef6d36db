package apitable_test

import (
	"fmt"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	"github.com/apitable-go/apitable"
	"github.com/apitable-go/apitable/apitabletest"
)

// These benchmarks measure how well the bulk record calls spend the rate
// budget, against the fake with its rate limiter ON, a fixed injected
// latency and real loopback HTTP.
//
// Time is scaled: the real server allows 5 requests per second per
// datasheet and token (an interval of 200 ms); here both the fake and the
// client's limiter allow 50 per second (interval 20 ms), the 5 req/s server
// scaled 10× so a run takes seconds instead of minutes. Latencies are
// chosen relative to the interval: 10 ms (0.5×, the limiter alone decides
// the pace), 30 ms (1.5×, a sequential client can no longer keep up) and
// 60 ms (3×).
//
// Metrics, per iteration (averaged over b.N):
//
//   - req/s: achieved request rate, taken from the fake's request log (the
//     arrival times of the requests), see logRate.
//   - limit-fraction: req/s ÷ the configured limit. 1.0 means every slot of
//     the budget between the first and the last request was used.
//   - 429s: requests the fake answered with HTTP 429.
//   - retries: requests sent minus chunks (write benchmarks only).
//   - peak-heap-MB: peak growth of heapMetric (bytes in heap objects, live
//     or not yet collected) during the iteration, sampled every 5 ms, over
//     a baseline taken right after runtime.GC() (read benchmarks only). It
//     is an upper bound on what the scan keeps live: garbage counts until
//     the next GC, whose timing depends on GOGC and on the baseline heap.
//     The fake runs in the same process, so its per-page rendering and
//     encoding are included; the seeded datasheet is in the baseline.
//
// Run them with
//
//	go test -run='^$' -bench='Bulk|All|Naive' -benchtime=1x -count=1 .

const (
	benchPoints   = 50                          // requests per second, fake and client
	benchInterval = time.Second / benchPoints   // 20 ms between requests at the limit
	benchRecords  = 1000                        // records written by the create benchmarks
	benchChunk    = 10                          // records per write (the API's maximum)
	benchSeeded   = 20000                       // records read by the read benchmarks
	benchPageSize = 1000                        // records per page (the API's maximum)
	benchPages    = benchSeeded / benchPageSize // 20 requests per read
	benchChunks   = benchRecords / benchChunk   // 100 requests per write
	heapSampling  = 5 * time.Millisecond        // heap sampler period
	heapMetric    = "/memory/classes/heap/objects:bytes"
)

var benchLatencies = []time.Duration{
	benchInterval / 2,     // 10 ms, 0.5× the interval
	benchInterval * 3 / 2, // 30 ms, 1.5×
	benchInterval * 3,     // 60 ms, 3×
}

// benchServer starts a fresh fake (rate limit on, fixed latency) and a
// client over loopback HTTP whose limiter has the same budget. A fresh
// server per iteration means fresh fixed windows on the fake, a fresh
// token bucket in the client and an empty request log. The server is made
// with New, not NewServer, and closed by the iteration: a t.Cleanup would
// keep every iteration's datasheet reachable until the benchmark ends and
// inflate the heap the next iteration is measured against.
func benchServer(b *testing.B, latency time.Duration) (*apitabletest.Server, *apitable.Client) {
	b.Helper()
	srv := apitabletest.New(
		apitabletest.WithRateLimit(benchPoints, time.Second),
		apitabletest.WithLatency(latency))
	c, err := srv.NewClient(apitable.WithRateLimit(float64(benchPoints)))
	if err != nil {
		srv.Close()
		b.Fatal(err)
	}
	return srv, c
}

func benchSheet(b *testing.B, srv *apitabletest.Server, records int) *apitabletest.Datasheet {
	b.Helper()
	spec := apitabletest.DatasheetSpec{
		Name: "Bench",
		Fields: []apitabletest.FieldSpec{
			{Name: "Title", Type: "SingleText", Property: map[string]any{}},
			{Name: "N", Type: "Number", Property: map[string]any{"precision": 0}},
		},
	}
	spec.Records = make([]map[string]any, records)
	for i := range records {
		spec.Records[i] = map[string]any{"Title": fmt.Sprintf("seed %d", i), "N": i}
	}
	ds, err := srv.SeedDatasheet(srv.SpaceID(), spec)
	if err != nil {
		b.Fatal(err)
	}
	return ds
}

func benchFields() []apitable.Fields {
	recs := make([]apitable.Fields, benchRecords)
	for i := range recs {
		recs[i] = apitable.Fields{"Title": fmt.Sprintf("row %d", i), "N": i}
	}
	return recs
}

// logStats summarises the fake's request log.
type logStats struct {
	n, n429 int
	rate    float64 // requests per second, see logRate
}

// logRate is the achieved request rate of a log: n / (last − first + T),
// where T is the limiter's interval.
//
// n requests paced exactly at the limit arrive at t0, t0+T, …, t0+(n−1)T:
// the log spans n−1 intervals, not n, because the last request still owns
// its slot of length T. Dividing by the span plus one interval therefore
// gives exactly the limit (fraction 1.0) for perfect pacing, whatever n is;
// n/(last−first) would read n/(n−1) of the limit (1.01 for 100 requests,
// 1.05 for 20) and would be infinite for a single request. Every logged
// request counts, 429s and retries included: they spend budget slots too.
func logRate(reqs []apitabletest.Request) logStats {
	return logRateAt(reqs, benchInterval)
}

// logRateAt is logRate for a limiter interval of interval.
func logRateAt(reqs []apitabletest.Request, interval time.Duration) logStats {
	var s logStats
	if len(reqs) == 0 {
		return s
	}
	first, last := reqs[0].Time, reqs[0].Time
	for _, r := range reqs {
		if r.Time.Before(first) {
			first = r.Time
		}
		if r.Time.After(last) {
			last = r.Time
		}
		if r.Status == 429 {
			s.n429++
		}
	}
	s.n = len(reqs)
	s.rate = float64(s.n) / (last.Sub(first) + interval).Seconds()
	return s
}

// totals accumulates per-iteration results and reports their means.
// chunks is the number of requests an iteration needs without retries.
type totals struct {
	chunks                    int
	rate, n429, retries, peak float64
}

func (t *totals) add(s logStats, peak float64) {
	t.peak += peak
	t.rate += s.rate
	t.n429 += float64(s.n429)
	t.retries += float64(s.n - t.chunks)
}

func (t *totals) report(b *testing.B, writes, heap bool) {
	n := float64(b.N)
	b.ReportMetric(t.rate/n, "req/s")
	b.ReportMetric(t.rate/n/benchPoints, "limit-fraction")
	b.ReportMetric(t.n429/n, "429s")
	if writes {
		b.ReportMetric(t.retries/n, "retries")
	}
	if heap {
		b.ReportMetric(t.peak/n/(1<<20), "peak-heap-MB")
	}
}

// heapSampler records the peak of heapMetric every heapSampling from start
// until stop.
type heapSampler struct {
	base uint64
	peak uint64
	done chan struct{}
	once sync.Once
	wg   sync.WaitGroup
}

func readHeap(s []metrics.Sample) uint64 {
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// startHeapSampler collects garbage, takes the baseline and starts sampling.
func startHeapSampler() *heapSampler {
	runtime.GC()
	s := []metrics.Sample{{Name: heapMetric}}
	h := &heapSampler{done: make(chan struct{})}
	h.base = readHeap(s)
	h.peak = h.base
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		s := []metrics.Sample{{Name: heapMetric}}
		tick := time.NewTicker(heapSampling)
		defer tick.Stop()
		for {
			h.peak = max(h.peak, readHeap(s))
			select {
			case <-h.done:
				return
			case <-tick.C:
			}
		}
	}()
	return h
}

// stop ends sampling (it may be called again) and returns the peak growth
// over the baseline, in bytes.
func (h *heapSampler) stop() float64 {
	h.once.Do(func() { close(h.done) })
	h.wg.Wait()
	return float64(h.peak - h.base)
}

// benchIter runs one iteration on a fresh server and datasheet (seeded with
// seeded records): the setup and the bookkeeping run with the timer
// stopped, only body is timed. It returns the request-log summary and, with
// heap, the peak heap growth during body.
func benchIter(b *testing.B, latency time.Duration, seeded int, heap bool, body func(c *apitable.Client, datasheetID string)) (logStats, float64) {
	b.Helper()
	b.StopTimer()
	srv, c := benchServer(b, latency)
	defer srv.Close()
	ds := benchSheet(b, srv, seeded)
	var h *heapSampler
	if heap {
		h = startHeapSampler()
		defer h.stop() // on b.Fatal inside body
	}
	b.StartTimer()
	body(c, ds.ID)
	b.StopTimer()
	var peak float64
	if heap {
		peak = h.stop()
	}
	return logRate(srv.Requests()), peak
}

// BenchmarkBulkCreate writes 1,000 records with one Records.Create: 100
// chunks of 10, pipelined and paced by the client's limiter.
func BenchmarkBulkCreate(b *testing.B) {
	recs := benchFields()
	for _, lat := range benchLatencies {
		b.Run("latency="+lat.String(), func(b *testing.B) {
			t := totals{chunks: benchChunks}
			for range b.N {
				t.add(benchIter(b, lat, 0, false, func(c *apitable.Client, dsID string) {
					got, err := c.Records.Create(b.Context(), dsID, recs, nil)
					if err != nil {
						b.Fatal(err)
					}
					if len(got) != benchRecords {
						b.Fatalf("created %d records, want %d", len(got), benchRecords)
					}
				}))
			}
			t.report(b, true, false)
		})
	}
}

// BenchmarkNaiveCreate writes the same 1,000 records the way the official
// SDKs do: one request of 10 at a time, waiting for each answer before
// sending the next.
func BenchmarkNaiveCreate(b *testing.B) {
	recs := benchFields()
	for _, lat := range benchLatencies {
		b.Run("latency="+lat.String(), func(b *testing.B) {
			t := totals{chunks: benchChunks}
			for range b.N {
				t.add(benchIter(b, lat, 0, false, func(c *apitable.Client, dsID string) {
					for lo := 0; lo < len(recs); lo += benchChunk {
						got, err := c.Records.Create(b.Context(), dsID, recs[lo:lo+benchChunk], nil)
						if err != nil {
							b.Fatal(err)
						}
						if len(got) != benchChunk {
							b.Fatalf("created %d records, want %d", len(got), benchChunk)
						}
					}
				}))
			}
			t.report(b, true, false)
		})
	}
}

// BenchmarkAll reads 20,000 records with Records.All: 20 pages of 1,000,
// read ahead and paced by the client's limiter. The records are counted,
// not kept, so the heap metric shows what the iterator itself holds.
func BenchmarkAll(b *testing.B) {
	for _, lat := range benchLatencies {
		b.Run("latency="+lat.String(), func(b *testing.B) {
			t := totals{chunks: benchPages}
			for range b.N {
				t.add(benchIter(b, lat, benchSeeded, true, func(c *apitable.Client, dsID string) {
					n := 0
					for _, err := range c.Records.All(b.Context(), dsID, nil) {
						if err != nil {
							b.Fatal(err)
						}
						n++
					}
					if n != benchSeeded {
						b.Fatalf("read %d records, want %d", n, benchSeeded)
					}
				}))
			}
			t.report(b, false, true)
		})
	}
}

// BenchmarkNaiveAll reads the same 20,000 records page after page with
// Records.List, waiting for each page before asking for the next.
func BenchmarkNaiveAll(b *testing.B) {
	for _, lat := range benchLatencies {
		b.Run("latency="+lat.String(), func(b *testing.B) {
			t := totals{chunks: benchPages}
			for range b.N {
				t.add(benchIter(b, lat, benchSeeded, true, func(c *apitable.Client, dsID string) {
					n := 0
					for page := 1; ; page++ {
						p, err := c.Records.List(b.Context(), dsID, &apitable.ListRecordsParams{PageSize: benchPageSize, PageNum: page})
						if err != nil {
							b.Fatal(err)
						}
						n += len(p.Records)
						if len(p.Records) == 0 || page*benchPageSize >= p.Total {
							break
						}
					}
					if n != benchSeeded {
						b.Fatalf("read %d records, want %d", n, benchSeeded)
					}
				}))
			}
			t.report(b, false, true)
		})
	}
}
