// Command apitable-bench measures, in one run, how well the SDK spends the
// server's rate budget, how much memory a full scan holds and how fast a
// records page decodes, each next to the naive way of doing the same thing.
//
// It starts the fake server of package apitabletest in-process with its
// rate limiter on and a fixed injected latency, and talks to it over real
// loopback HTTP. Time is scaled: the real server allows 5 requests per
// second per datasheet and token; by default the fake and the client here
// allow 50 per second, so a latency of 10 ms here stands for 100 ms against
// the real server, and the whole run takes about a minute.
//
// Usage:
//
//	go run ./cmd/apitable-bench [-n 1000] [-read 20000] [-rate 50]
//	    [-latencies 0.5,1.5,3] [-heap-small 5000] [-heap-large 50000]
//	    [-decode-time 1s] [-json]
//
// It prints a markdown table (or, with -json, one JSON document) and exits
// 0; missed targets are reported, not fatal.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/apitable-go/apitable"
	"github.com/apitable-go/apitable/apitabletest"
)

const (
	serverRate   = 5    // the real server's budget, requests/s per datasheet and token
	writeChunk   = 10   // records per write request (the API's maximum)
	pageSize     = 1000 // records per page (the API's maximum)
	decodeRecs   = 1000 // records in the decoded page
	heapSampling = 2 * time.Millisecond

	metricHeap       = "/memory/classes/heap/objects:bytes"
	metricAllocBytes = "/gc/heap/allocs:bytes"
	metricAllocObjs  = "/gc/heap/allocs:objects"

	targetFraction = 0.95
	target429Share = 0.01
	targetHeap     = 1.2
	targetDecode   = 1.0
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// options are the command-line flags.
type options struct {
	N          int       `json:"n"`
	Read       int       `json:"read"`
	Rate       int       `json:"rate"`
	Latencies  []float64 `json:"latencies"` // multiples of the interval 1/rate
	HeapSmall  int       `json:"heapSmall"`
	HeapLarge  int       `json:"heapLarge"`
	DecodeTime string    `json:"decodeTime"`
	decodeTime time.Duration
	json       bool
	cpuProfile string
}

func (o options) interval() time.Duration { return time.Second / time.Duration(o.Rate) }

func (o options) latency(mult float64) time.Duration {
	return time.Duration(mult * float64(o.interval()))
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("apitable-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&o.N, "n", 1000, "records written by each bulk create, update and delete")
	fs.IntVar(&o.Read, "read", 20000, "records read by each All")
	fs.IntVar(&o.Rate, "rate", 50, "requests per second allowed by the fake and the client (the server's 5, time-scaled)")
	lat := fs.String("latencies", "0.5,1.5,3", "injected latencies, as multiples of the interval 1/rate")
	fs.IntVar(&o.HeapSmall, "heap-small", 5000, "records of the small table of the heap measurement")
	fs.IntVar(&o.HeapLarge, "heap-large", 50000, "records of the large table of the heap measurement")
	fs.DurationVar(&o.decodeTime, "decode-time", time.Second, "minimum time spent measuring each decoder")
	fs.BoolVar(&o.json, "json", false, "print one JSON document instead of markdown")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the whole run to this file")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	switch {
	case o.N < 1 || o.Read < 1:
		return o, errors.New("-n and -read must be at least 1")
	case o.Rate < 1:
		return o, errors.New("-rate must be at least 1")
	case o.HeapSmall < 1 || o.HeapLarge < 1:
		return o, errors.New("-heap-small and -heap-large must be at least 1")
	case o.decodeTime <= 0:
		return o, errors.New("-decode-time must be positive")
	}
	for _, s := range strings.Split(*lat, ",") {
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil || f < 0 {
			return o, fmt.Errorf("-latencies: bad multiple %q", s)
		}
		o.Latencies = append(o.Latencies, f)
	}
	o.DecodeTime = o.decodeTime.String()
	return o, nil
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "fake-scale" {
		return runFakeScale(args[1:], stdout, stderr)
	}
	o, err := parseFlags(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		_, _ = fmt.Fprintln(stderr, "apitable-bench:", err)
		return 2
	}
	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			_, _ = fmt.Fprintln(stderr, "apitable-bench:", err)
			return 1
		}
		defer func() {
			pprof.StopCPUProfile()
			_ = f.Close()
		}()
	}
	ctx := context.Background()
	rep := &report{Params: o, Go: runtime.Version(), Procs: runtime.GOMAXPROCS(0), Scale: scaleNote(o)}
	rep.loadAvg()
	progress := func(format string, args ...any) {
		if !o.json {
			_, _ = fmt.Fprintf(stderr, format+"\n", args...)
		}
	}
	progress("%s", rep.Scale)

	for _, mult := range o.Latencies {
		lat := o.latency(mult)
		for _, op := range operations(o) {
			for _, naive := range []bool{false, true} {
				r, err := measureOp(ctx, o, lat, mult, op, naive)
				if err != nil {
					_, _ = fmt.Fprintln(stderr, "apitable-bench:", err)
					return 1
				}
				progress("latency %v %s %s: %v, fraction %.3f", lat, op.name, r.Mode, time.Duration(r.WallMS*float64(time.Millisecond)).Round(time.Millisecond), r.LimitFraction)
				rep.Ops = append(rep.Ops, r)
			}
		}
	}

	progress("heap: All over %d and %d records", o.HeapSmall, o.HeapLarge)
	if rep.Heap, err = measureHeap(ctx, o); err != nil {
		_, _ = fmt.Fprintln(stderr, "apitable-bench:", err)
		return 1
	}
	progress("decode: %d-record page", decodeRecs)
	if rep.Decode, err = measureDecode(ctx, o); err != nil {
		_, _ = fmt.Fprintln(stderr, "apitable-bench:", err)
		return 1
	}
	rep.loadAvg()
	rep.evaluate()

	if o.json {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			_, _ = fmt.Fprintln(stderr, "apitable-bench:", err)
			return 1
		}
		return 0
	}
	if err := rep.markdown(stdout); err != nil {
		_, _ = fmt.Fprintln(stderr, "apitable-bench:", err)
		return 1
	}
	return 0
}

func scaleNote(o options) string {
	scale := float64(o.Rate) / serverRate
	iv := o.interval()
	var lats []string
	for _, m := range o.Latencies {
		l := o.latency(m)
		lats = append(lats, fmt.Sprintf("%v (%g× the interval, %v at the real server's pace)", l, m, time.Duration(float64(l)*scale)))
	}
	return fmt.Sprintf("Time scaling: the real server allows %d requests/s per datasheet and token (interval %v); "+
		"here the fake and the client allow %d requests/s (interval %v), the server's budget time-scaled %g×. "+
		"Latencies: %s.", serverRate, time.Second/serverRate, o.Rate, iv, scale, strings.Join(lats, ", "))
}

// ---- rate budget ----

// operation is one measured call, done the SDK's way or the naive way.
type operation struct {
	name    string
	records int // records written or read
	seeded  int // records seeded before the call
	logical int // requests the call needs without retries
}

func operations(o options) []operation {
	writes := (o.N + writeChunk - 1) / writeChunk
	pages := max(1, (o.Read+pageSize-1)/pageSize)
	return []operation{
		{name: "create", records: o.N, logical: writes},
		{name: "update", records: o.N, seeded: o.N, logical: writes},
		{name: "delete", records: o.N, seeded: o.N, logical: writes},
		{name: "all", records: o.Read, seeded: o.Read, logical: pages},
	}
}

// opResult is one row of the rate-budget table.
type opResult struct {
	LatencyMult   float64 `json:"latencyMultiple"`
	LatencyMS     float64 `json:"latencyMs"`
	Op            string  `json:"op"`
	Mode          string  `json:"mode"` // "sdk" or "naive"
	Records       int     `json:"records"`
	WallMS        float64 `json:"wallMs"`
	Requests      int     `json:"requests"`
	Logical       int     `json:"logicalRequests"`
	ReqPerSec     float64 `json:"requestsPerSecond"`
	LimitFraction float64 `json:"limitFraction"`
	Answered429   int     `json:"answered429"`
	Retries       int     `json:"retries"`
	Surfaced429   int     `json:"surfaced429"`
	Error         string  `json:"error,omitempty"`
}

func measureOp(ctx context.Context, o options, lat time.Duration, mult float64, op operation, naive bool) (opResult, error) {
	r := opResult{LatencyMult: mult, LatencyMS: ms(lat), Op: op.name, Mode: "sdk", Records: op.records, Logical: op.logical}
	if naive {
		r.Mode = "naive"
	}
	srv := apitabletest.New(
		apitabletest.WithRateLimit(o.Rate, time.Second),
		apitabletest.WithLatency(lat))
	defer srv.Close()
	ds, err := seedSheet(srv, op.seeded)
	if err != nil {
		return r, err
	}
	c, err := srv.NewClient(apitable.WithRateLimit(float64(o.Rate)))
	if err != nil {
		return r, err
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	start := time.Now()
	surfaced, err := runOp(ctx, c, ds, op, naive)
	r.WallMS = ms(time.Since(start))
	r.Surfaced429 = surfaced
	if err != nil {
		r.Error = err.Error()
	}
	st := logRate(srv.Requests(), o.interval())
	r.Requests, r.Answered429, r.ReqPerSec = st.n, st.n429, st.rate
	r.LimitFraction = st.rate / float64(o.Rate)
	r.Retries = st.n - op.logical
	return r, nil
}

// runOp performs op and returns the number of calls that failed with a
// rate-limit error (429s surfaced to the caller) and the first error.
func runOp(ctx context.Context, c *apitable.Client, ds *apitabletest.Datasheet, op operation, naive bool) (int, error) {
	var surfaced int
	var first error
	fail := func(err error) {
		if errors.Is(err, apitable.ErrRateLimited) {
			surfaced++
		}
		if first == nil {
			first = err
		}
	}
	chunks := func(n int, f func(lo, hi int) error) {
		step := n
		if naive {
			step = writeChunk
		}
		for lo := 0; lo < n; lo += step {
			if err := f(lo, min(lo+step, n)); err != nil {
				fail(err)
			}
		}
	}
	switch op.name {
	case "create":
		recs := make([]apitable.Fields, op.records)
		for i := range recs {
			recs[i] = apitable.Fields{"Title": fmt.Sprintf("row %d", i), "N": i}
		}
		chunks(len(recs), func(lo, hi int) error {
			got, err := c.Records.Create(ctx, ds.ID, recs[lo:hi], nil)
			if err == nil && len(got) != hi-lo {
				err = fmt.Errorf("created %d records, want %d", len(got), hi-lo)
			}
			return err
		})
	case "update":
		ups := make([]apitable.RecordUpdate, op.records)
		for i := range ups {
			ups[i] = apitable.RecordUpdate{ID: ds.RecordIDs[i], Fields: apitable.Fields{"N": i + 1}}
		}
		chunks(len(ups), func(lo, hi int) error {
			got, err := c.Records.Update(ctx, ds.ID, ups[lo:hi], nil)
			if err == nil && len(got) != hi-lo {
				err = fmt.Errorf("updated %d records, want %d", len(got), hi-lo)
			}
			return err
		})
	case "delete":
		ids := ds.RecordIDs[:op.records]
		chunks(len(ids), func(lo, hi int) error {
			return c.Records.Delete(ctx, ds.ID, ids[lo:hi])
		})
	case "all":
		n, err := readAll(ctx, c, ds.ID, naive)
		if err == nil && n != op.records {
			err = fmt.Errorf("read %d records, want %d", n, op.records)
		}
		if err != nil {
			fail(err)
		}
	}
	return surfaced, first
}

// readAll counts the records of a datasheet, with Records.All or, naively,
// with Records.List one page after the other. Records are counted, not kept.
func readAll(ctx context.Context, c *apitable.Client, dsID string, naive bool) (int, error) {
	n := 0
	if !naive {
		for _, err := range c.Records.All(ctx, dsID, nil) {
			if err != nil {
				return n, err
			}
			n++
		}
		return n, nil
	}
	for page := 1; ; page++ {
		p, err := c.Records.List(ctx, dsID, &apitable.ListRecordsParams{PageSize: pageSize, PageNum: page})
		if err != nil {
			return n, err
		}
		n += len(p.Records)
		if len(p.Records) == 0 || page*pageSize >= p.Total {
			return n, nil
		}
	}
}

func seedSheet(srv *apitabletest.Server, records int) (*apitabletest.Datasheet, error) {
	spec := apitabletest.DatasheetSpec{
		Name: "Bench",
		Fields: []apitabletest.FieldSpec{
			{Name: "Title", Type: "SingleText", Property: map[string]any{}},
			{Name: "N", Type: "Number", Property: map[string]any{"precision": 0}},
		},
		Records: make([]map[string]any, records),
	}
	for i := range records {
		spec.Records[i] = map[string]any{"Title": fmt.Sprintf("seed %d", i), "N": i}
	}
	return srv.SeedDatasheet(srv.SpaceID(), spec)
}

type logStats struct {
	n, n429 int
	rate    float64
}

// logRate summarises the fake's request log. The achieved rate is
// n / (last − first + T), T the limiter's interval: n requests paced exactly
// at the limit span n−1 intervals, and the last one still owns its slot, so
// perfect pacing reads exactly 1.0 of the limit whatever n is. Every logged
// request counts, 429s and retries included: they spend budget too.
func logRate(reqs []apitabletest.Request, interval time.Duration) logStats {
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
		if r.Status == http.StatusTooManyRequests {
			s.n429++
		}
	}
	s.n = len(reqs)
	s.rate = float64(s.n) / (last.Sub(first) + interval).Seconds()
	return s
}

// ---- memory ----

// heapRun is one All over a table of Records records.
type heapRun struct {
	Records       int     `json:"records"`
	PeakHeapMB    float64 `json:"peakHeapGrowthMB"`
	BaselineMB    float64 `json:"baselineHeapMB"`
	AllocBytesRec float64 `json:"allocBytesPerRecord"`
	AllocsRec     float64 `json:"allocsPerRecord"`
	WallMS        float64 `json:"wallMs"`
}

// fakePage is the fake's own cost of answering one 1,000-record page,
// measured by calling its handler directly (no client, no network).
type fakePage struct {
	Records    int     `json:"records"`
	MSPerPage  float64 `json:"msPerPage"`
	BytesPage  float64 `json:"allocBytesPerPage"`
	AllocsPage float64 `json:"allocsPerPage"`
}

type heapResult struct {
	LatencyMS  float64   `json:"latencyMs"`
	Loopback   []heapRun `json:"loopback"`   // SDK + fake over loopback HTTP
	ClientOnly []heapRun `json:"clientOnly"` // SDK over a transport serving canned pages
	Fake       []fakePage
	// Ratios of the large table's peak heap growth to the small one's.
	LoopbackRatio   float64 `json:"loopbackRatio"`
	ClientOnlyRatio float64 `json:"clientOnlyRatio"`
	// FakeScales says the fake's per-page cost grows with the table.
	FakeScales bool `json:"fakeScalesWithTable"`
}

func measureHeap(ctx context.Context, o options) (heapResult, error) {
	lat := time.Duration(0)
	if len(o.Latencies) > 0 {
		lat = o.latency(o.Latencies[0])
	}
	h := heapResult{LatencyMS: ms(lat)}
	for _, n := range []int{o.HeapSmall, o.HeapLarge} {
		r, err := heapLoopback(ctx, o, lat, n)
		if err != nil {
			return h, err
		}
		h.Loopback = append(h.Loopback, r)
		if r, err = heapCanned(ctx, o, lat, n); err != nil {
			return h, err
		}
		h.ClientOnly = append(h.ClientOnly, r)
		f, err := fakePageCost(n)
		if err != nil {
			return h, err
		}
		h.Fake = append(h.Fake, f)
	}
	h.LoopbackRatio = ratio(h.Loopback[1].PeakHeapMB, h.Loopback[0].PeakHeapMB)
	h.ClientOnlyRatio = ratio(h.ClientOnly[1].PeakHeapMB, h.ClientOnly[0].PeakHeapMB)
	h.FakeScales = h.Fake[1].BytesPage > 1.2*h.Fake[0].BytesPage || h.Fake[1].MSPerPage > 1.5*h.Fake[0].MSPerPage
	return h, nil
}

func heapLoopback(ctx context.Context, o options, lat time.Duration, n int) (heapRun, error) {
	srv := apitabletest.New(
		apitabletest.WithRateLimit(o.Rate, time.Second),
		apitabletest.WithLatency(lat))
	defer srv.Close()
	ds, err := seedSheet(srv, n)
	if err != nil {
		return heapRun{}, err
	}
	c, err := srv.NewClient(apitable.WithRateLimit(float64(o.Rate)))
	if err != nil {
		return heapRun{}, err
	}
	return sampleAll(ctx, c, ds.ID, n)
}

func heapCanned(ctx context.Context, o options, lat time.Duration, n int) (heapRun, error) {
	rt := newPagesTransport(n, lat)
	c, err := apitable.New("bench-token",
		apitable.WithBaseURL("http://127.0.0.1"),
		apitable.WithHTTPClient(&http.Client{Transport: rt}),
		apitable.WithRateLimit(float64(o.Rate)))
	if err != nil {
		return heapRun{}, err
	}
	return sampleAll(ctx, c, "dstBenchCanned01", n)
}

// sampleAll runs All over the datasheet and samples the heap meanwhile.
func sampleAll(ctx context.Context, c *apitable.Client, dsID string, n int) (heapRun, error) {
	r := heapRun{Records: n}
	s := startSampler()
	start := time.Now()
	got, err := readAll(ctx, c, dsID, false)
	r.WallMS = ms(time.Since(start))
	peak, bytes, objs := s.stop()
	if err == nil && got != n {
		err = fmt.Errorf("heap: read %d records, want %d", got, n)
	}
	if err != nil {
		return r, err
	}
	r.PeakHeapMB = float64(peak) / (1 << 20)
	r.BaselineMB = float64(s.base) / (1 << 20)
	r.AllocBytesRec = float64(bytes) / float64(n)
	r.AllocsRec = float64(objs) / float64(n)
	return r, nil
}

// sampler records the peak of metricHeap every heapSampling, over a
// baseline taken right after a GC, and the bytes and objects allocated
// meanwhile (which do not depend on GOGC).
type sampler struct {
	base, peak        uint64
	bytes0, objs0     uint64
	done              chan struct{}
	wg                sync.WaitGroup
	samples, samples2 []metrics.Sample
}

func newSamples() []metrics.Sample {
	return []metrics.Sample{{Name: metricHeap}, {Name: metricAllocBytes}, {Name: metricAllocObjs}}
}

func startSampler() *sampler {
	runtime.GC()
	s := &sampler{done: make(chan struct{}), samples: newSamples(), samples2: newSamples()}
	metrics.Read(s.samples)
	s.base = s.samples[0].Value.Uint64()
	s.bytes0, s.objs0 = s.samples[1].Value.Uint64(), s.samples[2].Value.Uint64()
	s.peak = s.base
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		tick := time.NewTicker(heapSampling)
		defer tick.Stop()
		for {
			metrics.Read(s.samples2[:1])
			s.peak = max(s.peak, s.samples2[0].Value.Uint64())
			select {
			case <-s.done:
				return
			case <-tick.C:
			}
		}
	}()
	return s
}

// stop returns the peak heap growth and the bytes and objects allocated
// since start.
func (s *sampler) stop() (peak, bytes, objs uint64) {
	close(s.done)
	s.wg.Wait()
	metrics.Read(s.samples)
	return s.peak - s.base, s.samples[1].Value.Uint64() - s.bytes0, s.samples[2].Value.Uint64() - s.objs0
}

// fakePageCost measures the fake answering pages of 1,000 records from a
// table of n records, without rate limit or latency.
func fakePageCost(n int) (fakePage, error) {
	f := fakePage{Records: n}
	srv := apitabletest.New(apitabletest.WithoutRateLimit())
	defer srv.Close()
	ds, err := seedSheet(srv, n)
	if err != nil {
		return f, err
	}
	pages := min(5, max(1, (n+pageSize-1)/pageSize))
	const rounds = 2
	serve := func(page int) error {
		req := httptest.NewRequest("GET", fmt.Sprintf("/fusion/v1/datasheets/%s/records?pageSize=%d&pageNum=%d", ds.ID, pageSize, page), nil)
		req.Header.Set("Authorization", "Bearer "+srv.Token())
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			return fmt.Errorf("fake page %d: HTTP %d", page, rec.Code)
		}
		return nil
	}
	if err := serve(1); err != nil { // warm up
		return f, err
	}
	c, err := measure(0, pages*rounds, func(i int) error { return serve(i%pages + 1) })
	if err != nil {
		return f, err
	}
	f.MSPerPage, f.AllocsPage, f.BytesPage = c.ns/1e6, c.allocs, c.bytes
	return f, nil
}

// pagesTransport serves the pages of a datasheet of n two-field records
// from canned bytes, after a fixed latency. Only the first record of a page
// is built per request (All stops at a page repeating the previous one);
// the others are shared, so the transport itself allocates little.
type pagesTransport struct {
	n       int
	latency time.Duration
	recs    []byte // records 2..pageSize, comma-led
	ends    []int  // ends[i]: end of record i+2 in recs
}

func newPagesTransport(n int, latency time.Duration) *pagesTransport {
	t := &pagesTransport{n: n, latency: latency}
	var b bytes.Buffer
	for i := 1; i < pageSize; i++ {
		fmt.Fprintf(&b, `,{"recordId":"recCanned%06d","createdAt":1659459289000,"updatedAt":1659459933000,"fields":{"Title":"seed %d","N":%d}}`, i, i, i)
		t.ends = append(t.ends, b.Len())
	}
	t.recs = b.Bytes()
	return t
}

func (t *pagesTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		_ = req.Body.Close()
	}
	if t.latency > 0 {
		tm := time.NewTimer(t.latency)
		select {
		case <-req.Context().Done():
			tm.Stop()
			return nil, req.Context().Err()
		case <-tm.C:
		}
	}
	q := req.URL.Query()
	size, _ := strconv.Atoi(q.Get("pageSize"))
	num, _ := strconv.Atoi(q.Get("pageNum"))
	if size < 1 || size > pageSize {
		size = 100
	}
	num = max(num, 1)
	count := max(0, min(size, t.n-(num-1)*size))
	head := fmt.Sprintf(`{"code":200,"success":true,"message":"SUCCESS","data":{"total":%d,"pageNum":%d,"pageSize":%d,"records":[`, t.n, num, count)
	var first string
	var rest []byte
	if count > 0 {
		first = fmt.Sprintf(`{"recordId":"recPage%08d","createdAt":1659459289000,"updatedAt":1659459933000,"fields":{"Title":"seed 0","N":0}}`, num)
		if count > 1 {
			rest = t.recs[:t.ends[count-2]]
		}
	}
	const tail = `]}}`
	body := io.MultiReader(strings.NewReader(head), strings.NewReader(first), bytes.NewReader(rest), strings.NewReader(tail))
	return &http.Response{
		StatusCode:    http.StatusOK,
		Status:        "200 OK",
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        http.Header{"Content-Type": {"application/json"}},
		Body:          io.NopCloser(body),
		ContentLength: int64(len(head) + len(first) + len(rest) + len(tail)),
		Request:       req,
	}, nil
}

// ---- decoding ----

type decodeRun struct {
	NSRecord     float64 `json:"nsPerRecord"`    // wall time
	CPUNSRecord  float64 `json:"cpuNsPerRecord"` // process CPU time, GC included
	AllocsRecord float64 `json:"allocsPerRecord"`
	BytesRecord  float64 `json:"bytesPerRecord"`
}

type decodeResult struct {
	Records   int       `json:"records"`
	Fields    int       `json:"fields"`
	PageBytes int       `json:"pageBytes"`
	SDK       decodeRun `json:"sdk"`          // Records.List over canned bytes
	JSONMap   decodeRun `json:"jsonMap"`      // json.Unmarshal into map[string]any
	CPUTime   bool      `json:"cpuTimeKnown"` // CPURatio is from CPU time, not wall time
	CPURatio  float64   `json:"cpuRatio"`     // SDK ÷ JSONMap
	AllocRate float64   `json:"allocRatio"`
}

// pageBody returns a records page of n records with 12 fields of mixed
// types, in the server's json cell format.
func pageBody(n int) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, `{"code":200,"success":true,"message":"SUCCESS","data":{"total":%d,"pageNum":1,"pageSize":%d,"records":[`, n, n)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"recordId":"recDecode%07d","createdAt":1659459289000,"updatedAt":1659459933000,"fields":{`, i)
		fmt.Fprintf(&b, `"Title":"Item %d of the decode benchmark",`, i)
		fmt.Fprintf(&b, `"Notes":"First line of a longer note.\nSecond line, with \"quotes\" and unicode: caf\u00e9.",`)
		fmt.Fprintf(&b, `"Count":%d,"Price":%d.5,"Done":%t,"Status":"In progress",`, i, i%997, i%2 == 0)
		fmt.Fprintf(&b, `"Tags":["alpha","beta","gamma"],"Due":%d,`, 1700000000000+int64(i)*60000)
		fmt.Fprintf(&b, `"Site":{"title":"Example","text":"https://example.com/%d","favicon":"https://example.com/favicon.ico"},`, i)
		fmt.Fprintf(&b, `"Owner":[{"id":"17000000000%05d","unitId":"%d","type":"Member","name":"Member %d","avatar":"https://example.com/a.png"}],`, i, 1000000+i, i)
		fmt.Fprintf(&b, `"Files":[{"id":"atc%010d","name":"photo.png","size":168453,"mimeType":"image/png","token":"space/2024/01/02/%d","width":1024,"height":768,"url":"https://example.com/space/2024/01/02/%d"}],`, i, i, i)
		fmt.Fprintf(&b, `"Links":["recLinked000001","recLinked000002"]}}`)
	}
	b.WriteString(`]}}`)
	return b.Bytes()
}

// bodyTransport answers every request with the same bytes.
type bodyTransport struct{ body []byte }

func (t bodyTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		_ = req.Body.Close()
	}
	return &http.Response{
		StatusCode:    http.StatusOK,
		Status:        "200 OK",
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        http.Header{"Content-Type": {"application/json"}},
		Body:          io.NopCloser(bytes.NewReader(t.body)),
		ContentLength: int64(len(t.body)),
		Request:       req,
	}, nil
}

func measureDecode(ctx context.Context, o options) (decodeResult, error) {
	body := pageBody(decodeRecs)
	d := decodeResult{Records: decodeRecs, Fields: 12, PageBytes: len(body)}
	c, err := apitable.New("bench-token",
		apitable.WithBaseURL("http://127.0.0.1"),
		apitable.WithHTTPClient(&http.Client{Transport: bodyTransport{body}}),
		apitable.WithRateLimit(1e9),
		apitable.WithRetry(0, 0, 0))
	if err != nil {
		return d, err
	}
	params := &apitable.ListRecordsParams{PageSize: decodeRecs}
	sdk := func(int) error {
		p, err := c.Records.List(ctx, "dstBenchDecode01", params)
		if err == nil && len(p.Records) != decodeRecs {
			err = fmt.Errorf("decode: %d records, want %d", len(p.Records), decodeRecs)
		}
		return err
	}
	plain := func(int) error {
		var m map[string]any
		return json.Unmarshal(body, &m)
	}
	for _, f := range []func(int) error{sdk, plain} { // warm up
		if err := f(0); err != nil {
			return d, err
		}
	}
	// Alternate short rounds of the two so that a change in the machine's
	// load during the measurement hits both alike.
	const rounds = 5
	var sums [2]cost
	d.CPUTime = true
	for range rounds {
		for k, f := range []func(int) error{sdk, plain} {
			c, err := measure(o.decodeTime/rounds, 2, f)
			if err != nil {
				return d, err
			}
			d.CPUTime = d.CPUTime && c.cpuKnown
			sums[k].ns += c.ns / rounds
			sums[k].cpuNS += c.cpuNS / rounds
			sums[k].allocs += c.allocs / rounds
			sums[k].bytes += c.bytes / rounds
		}
	}
	perRec := func(c cost) decodeRun {
		return decodeRun{c.ns / decodeRecs, c.cpuNS / decodeRecs, c.allocs / decodeRecs, c.bytes / decodeRecs}
	}
	d.SDK, d.JSONMap = perRec(sums[0]), perRec(sums[1])
	d.CPURatio = ratio(d.SDK.NSRecord, d.JSONMap.NSRecord)
	if d.CPUTime {
		d.CPURatio = ratio(d.SDK.CPUNSRecord, d.JSONMap.CPUNSRecord)
	}
	d.AllocRate = ratio(d.SDK.AllocsRecord, d.JSONMap.AllocsRecord)
	return d, nil
}

// cost is what a measured call costs on average.
type cost struct {
	ns, cpuNS, allocs, bytes float64
	cpuKnown                 bool
}

// measure calls f until at least minTime has passed and minIters calls
// were made, and returns the per-call wall time, process CPU time (GC
// included, other processes' load excluded), allocations and bytes.
func measure(minTime time.Duration, minIters int, f func(i int) error) (cost, error) {
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	cpu0, ok0 := processCPU()
	start := time.Now()
	i := 0
	for ; i < minIters || time.Since(start) < minTime; i++ {
		if err := f(i); err != nil {
			return cost{}, err
		}
	}
	el := time.Since(start)
	cpu1, ok1 := processCPU()
	runtime.ReadMemStats(&m1)
	n := float64(i)
	return cost{
		ns:       float64(el.Nanoseconds()) / n,
		cpuNS:    float64((cpu1 - cpu0).Nanoseconds()) / n,
		cpuKnown: ok0 && ok1,
		allocs:   float64(m1.Mallocs-m0.Mallocs) / n,
		bytes:    float64(m1.TotalAlloc-m0.TotalAlloc) / n,
	}, nil
}

// ---- report ----

type target struct {
	Name   string `json:"name"`
	Target string `json:"target"`
	Got    string `json:"got"`
	Met    bool   `json:"met"`
}

type report struct {
	Params  options      `json:"params"`
	Go      string       `json:"go"`
	Procs   int          `json:"gomaxprocs"`
	Load    []string     `json:"loadAverage,omitempty"` // /proc/loadavg at start and end, where available
	Scale   string       `json:"scale"`
	Ops     []opResult   `json:"ops"`
	Heap    heapResult   `json:"heap"`
	Decode  decodeResult `json:"decode"`
	Targets []target     `json:"targets"`
	Notes   []string     `json:"notes"`
}

func (r *report) evaluate() {
	minFrac, minAt := 2.0, ""
	surfaced, errs := 0, 0
	max429, max429At := 0.0, ""
	for _, op := range r.Ops {
		if op.Mode != "sdk" {
			continue
		}
		at := fmt.Sprintf("%s at %gms", op.Op, op.LatencyMS)
		if op.LimitFraction < minFrac {
			minFrac, minAt = op.LimitFraction, at
		}
		surfaced += op.Surfaced429
		if op.Error != "" {
			errs++
		}
		if share := ratio(float64(op.Answered429), float64(op.Requests)); share > max429 || max429At == "" {
			max429, max429At = share, at
		}
	}
	if len(r.Ops) == 0 {
		minFrac = 0
	}
	r.Targets = []target{
		{"limit fraction, every SDK operation and latency", fmt.Sprintf("≥ %.2f", targetFraction),
			fmt.Sprintf("min %.3f (%s)", minFrac, minAt), minFrac >= targetFraction},
		{"429s surfaced by the SDK", "0", fmt.Sprint(surfaced), surfaced == 0},
		{"requests answered 429, share per SDK operation", fmt.Sprintf("≤ %.0f%%", target429Share*100),
			fmt.Sprintf("max %.2f%% (%s)", max429*100, max429At), max429 <= target429Share},
		{"SDK operations failed", "0", fmt.Sprint(errs), errs == 0},
		heapTarget("peak heap, large ÷ small table (loopback, fake included)", r.Heap.Loopback, r.Heap.LoopbackRatio),
		heapTarget("peak heap, large ÷ small table (client only)", r.Heap.ClientOnly, r.Heap.ClientOnlyRatio),
		{"decode CPU, SDK ÷ encoding/json map", fmt.Sprintf("≤ %.1f", targetDecode),
			fmt.Sprintf("%.2f", r.Decode.CPURatio), r.Decode.CPURatio <= targetDecode},
		{"decode allocations, SDK ÷ encoding/json map", fmt.Sprintf("≤ %.1f", targetDecode),
			fmt.Sprintf("%.2f", r.Decode.AllocRate), r.Decode.AllocRate <= targetDecode},
	}
	r.Notes = []string{
		"Limit fraction = requests / (last arrival − first arrival + 1/rate), from the fake's request log; 429s and retries count. " +
			"The client's limiter paces at 98% of the configured rate, so 0.98 is its ceiling.",
		"Retries = requests logged by the fake − requests the call needs without retries (create/update/delete: ⌈N/10⌉; All: ⌈read/1000⌉).",
		"Naive = one request at a time, waiting for each answer: Records.Create/Update/Delete of ≤10 records per call, Records.List pages back to back.",
		"Peak heap growth = peak of " + metricHeap + " (sampled every " + heapSampling.String() + ") minus a baseline taken after a GC once the table is seeded. " +
			"It includes garbage not yet collected, so it depends on GOGC and on the baseline: a larger seeded table raises the baseline and hence the next GC target. " +
			"Allocated bytes/record (" + metricAllocBytes + ") does not depend on GOGC.",
		"Loopback rows include the fake, which runs in the same process: its per-page work (filtering the whole table, rendering and encoding a page) is in the heap and the allocations. " +
			"Client-only rows run the same All over a transport serving canned pages (same record shape), so they show the SDK alone.",
	}
	if len(r.Heap.Fake) == 2 {
		f0, f1 := r.Heap.Fake[0], r.Heap.Fake[1]
		verdict := "does not grow noticeably"
		if r.Heap.FakeScales {
			verdict = "grows"
		}
		r.Notes = append(r.Notes, fmt.Sprintf(
			"The fake's own cost per 1,000-record page %s with the table: %.1f ms, %.0f KB allocated at %d records vs %.1f ms, %.0f KB at %d records (handler called directly, no rate limit, no latency).",
			verdict, f0.MSPerPage, f0.BytesPage/1024, f0.Records, f1.MSPerPage, f1.BytesPage/1024, f1.Records))
		if len(r.Heap.Loopback) == 2 {
			l0, l1 := r.Heap.Loopback[0], r.Heap.Loopback[1]
			r.Notes = append(r.Notes, fmt.Sprintf(
				"Loopback allocated bytes/record minus the fake's own (its bytes per page ÷ %d): %.0f at %d records vs %.0f at %d records — "+
					"what the SDK and net/http allocate per record, GOGC-independent, with the fake's table-size-dependent share taken out.",
				pageSize, l0.AllocBytesRec-f0.BytesPage/pageSize, l0.Records, l1.AllocBytesRec-f1.BytesPage/pageSize, l1.Records))
		}
	}
	r.Notes = append(r.Notes,
		"Decode: Records.List of one page over a RoundTripper returning the same bytes (no network), i.e. the SDK's full public path "+
			"(request building, limiter, HTTP client, envelope check, decode into []Record); nothing is subtracted. "+
			"The baseline is json.Unmarshal of the same bytes into map[string]any. The two alternate in 5 rounds; "+
			"the CPU ratio uses process CPU time (getrusage, GC work included), which other processes' load does not inflate as it does wall time.")
	for _, t := range r.Targets {
		if !t.Met {
			r.Notes = append(r.Notes, fmt.Sprintf("Target missed: %s: %s, want %s.", t.Name, t.Got, t.Target))
		}
	}
}

// loadAvg appends the 1-, 5- and 15-minute load averages, when the system
// has /proc/loadavg: other processes competing for the CPU skew the timings.
func (r *report) loadAvg() {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) >= 3 {
		r.Load = append(r.Load, strings.Join(f[:3], " "))
	}
}

// heapTarget judges a heap ratio; a small-table peak of zero (below the
// sampler's resolution) gives no ratio and misses the target.
func heapTarget(name string, runs []heapRun, ratio float64) target {
	t := target{Name: name, Target: fmt.Sprintf("≤ %.1f", targetHeap), Got: fmt.Sprintf("%.2f", ratio)}
	if len(runs) < 2 || runs[0].PeakHeapMB == 0 {
		t.Got = "n/a (small-table peak is 0, below the sampler's resolution)"
		return t
	}
	t.Met = ratio <= targetHeap
	return t
}

// markdown writes the report to out. It is built in memory first (it is a few
// KB), so the one write to out is the only one that can fail.
func (r *report) markdown(out io.Writer) error {
	w := new(strings.Builder)
	o := r.Params
	fmt.Fprintf(w, "# apitable-bench\n\n")
	fmt.Fprintf(w, "Parameters: -n %d -read %d -rate %d -latencies %s -heap-small %d -heap-large %d -decode-time %s; %s, GOMAXPROCS %d",
		o.N, o.Read, o.Rate, joinFloats(o.Latencies), o.HeapSmall, o.HeapLarge, o.DecodeTime, r.Go, r.Procs)
	if len(r.Load) > 0 {
		fmt.Fprintf(w, "; load average (1/5/15 min) at start and end: %s", strings.Join(r.Load, " → "))
	}
	fmt.Fprint(w, ".\n\n")
	fmt.Fprintf(w, "%s\n\n", r.Scale)

	fmt.Fprintf(w, "## Rate budget (fake with rate limit %d req/s, loopback HTTP)\n\n", o.Rate)
	fmt.Fprintln(w, "| latency | op | mode | records | wall | requests | req/s | limit fraction | 429s answered | retries | 429s surfaced | error |")
	fmt.Fprintln(w, "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
	for _, op := range r.Ops {
		fmt.Fprintf(w, "| %gms (%g×) | %s | %s | %d | %s | %d | %.1f | %.3f | %d | %d | %d | %s |\n",
			op.LatencyMS, op.LatencyMult, op.Op, op.Mode, op.Records, fmtMS(op.WallMS), op.Requests, op.ReqPerSec,
			op.LimitFraction, op.Answered429, op.Retries, op.Surfaced429, mdEscape(op.Error))
	}

	h := r.Heap
	fmt.Fprintf(w, "\n## Memory: All over %d vs %d records (latency %gms)\n\n", o.HeapSmall, o.HeapLarge, h.LatencyMS)
	fmt.Fprintln(w, "| path | records | wall | baseline heap | peak heap growth | allocated bytes/record | allocs/record |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|")
	rows := func(name string, runs []heapRun) {
		for _, x := range runs {
			fmt.Fprintf(w, "| %s | %d | %s | %.1f MB | %.2f MB | %.0f | %.1f |\n", name, x.Records, fmtMS(x.WallMS), x.BaselineMB, x.PeakHeapMB, x.AllocBytesRec, x.AllocsRec)
		}
	}
	rows("loopback (SDK + fake)", h.Loopback)
	rows("client only (canned pages)", h.ClientOnly)
	fmt.Fprintf(w, "| **ratio large ÷ small, loopback** | | | | **%.2f** | | |\n", h.LoopbackRatio)
	fmt.Fprintf(w, "| **ratio large ÷ small, client only** | | | | **%.2f** | | |\n", h.ClientOnlyRatio)
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| fake alone, per 1,000-record page | table records | time | allocated | allocs |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|")
	for _, f := range h.Fake {
		fmt.Fprintf(w, "| handler called directly | %d | %.2f ms | %.0f KB | %.0f |\n", f.Records, f.MSPerPage, f.BytesPage/1024, f.AllocsPage)
	}

	d := r.Decode
	fmt.Fprintf(w, "\n## Decode: one page of %d records × %d mixed fields (%d bytes)\n\n", d.Records, d.Fields, d.PageBytes)
	fmt.Fprintln(w, "| decoder | CPU ns/record | wall ns/record | allocs/record | bytes/record |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|")
	fmt.Fprintf(w, "| SDK: Records.List over canned bytes | %.0f | %.0f | %.1f | %.0f |\n", d.SDK.CPUNSRecord, d.SDK.NSRecord, d.SDK.AllocsRecord, d.SDK.BytesRecord)
	fmt.Fprintf(w, "| encoding/json into map[string]any | %.0f | %.0f | %.1f | %.0f |\n", d.JSONMap.CPUNSRecord, d.JSONMap.NSRecord, d.JSONMap.AllocsRecord, d.JSONMap.BytesRecord)
	fmt.Fprintf(w, "| **ratio SDK ÷ encoding/json** | **%.2f** | %.2f | **%.2f** | %.2f |\n",
		ratio(d.SDK.CPUNSRecord, d.JSONMap.CPUNSRecord), ratio(d.SDK.NSRecord, d.JSONMap.NSRecord), d.AllocRate, ratio(d.SDK.BytesRecord, d.JSONMap.BytesRecord))

	fmt.Fprintln(w, "\n## Targets")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| target | want | got | met |")
	fmt.Fprintln(w, "|---|---|---|---|")
	for _, t := range r.Targets {
		met := "no"
		if t.Met {
			met = "yes"
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s |\n", t.Name, t.Target, t.Got, met)
	}
	fmt.Fprintln(w, "\n## Notes")
	fmt.Fprintln(w)
	for _, n := range r.Notes {
		fmt.Fprintf(w, "- %s\n", n)
	}
	_, err := io.WriteString(out, w.String())
	return err
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func fmtMS(v float64) string {
	if v >= 1000 {
		return fmt.Sprintf("%.2fs", v/1000)
	}
	return fmt.Sprintf("%.0fms", v)
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

func joinFloats(fs []float64) string {
	s := make([]string, len(fs))
	for i, f := range fs {
		s[i] = strconv.FormatFloat(f, 'g', -1, 64)
	}
	return strings.Join(s, ",")
}

func mdEscape(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.ReplaceAll(s, "\n", " ")
}
