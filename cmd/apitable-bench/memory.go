package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/apitable-go/apitable"
	"github.com/apitable-go/apitable/apitabletest"
)

// Memory: the peak heap of a full scan (All) over loopback and over canned
// pages, next to what the fake itself holds for one page.

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
