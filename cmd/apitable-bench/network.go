package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/apitable-go/apitable"
	"github.com/apitable-go/apitable/apitabletest"
)

// Real network: the same operations against a fake that emulates what a
// real network adds (apitabletest.WithNetwork: arrival jitter and a
// connection-setup round trip) and a rate limiter whose window is
// time-scaled like the budget (5 points per 5/rate seconds, so the jitter
// is as large against the window as on the real server), from a cold start
// (fresh client, empty connection pool, fresh server window) and warm (the
// same client after a burst of reads warmed its pool and its limiter, once
// the burst's last window has expired: a window the burst half spent would
// charge its points to the operation measured).

// netResult is one row of the real-network tables.
type netResult struct {
	Section       string  `json:"section"` // "ops", "datasheets" or "long"
	LatencyMult   float64 `json:"latencyMultiple"`
	LatencyMS     float64 `json:"latencyMs"`
	JitterMS      float64 `json:"jitterMs"`
	ConnSetupMS   float64 `json:"connSetupMs"`
	Op            string  `json:"op"`
	Start         string  `json:"start"` // "cold" or "warm"
	Mode          string  `json:"mode"`  // "sdk" or "naive"
	Datasheets    int     `json:"datasheets"`
	Records       int     `json:"records"` // per datasheet
	WallMS        float64 `json:"wallMs"`
	Requests      int     `json:"requests"`
	Logical       int     `json:"logicalRequests"`
	Answered429   int     `json:"answered429"`
	Per500        float64 `json:"answered429Per500"`
	LimitFraction float64 `json:"limitFraction"` // all requests ÷ ceiling
	GoodFraction  float64 `json:"goodFraction"`  // requests the call needs ÷ ceiling
	PeakHeapMB    float64 `json:"peakHeapMB,omitempty"`
	Error         string  `json:"error,omitempty"`
}

// netCase is one measurement of the real-network tables.
type netCase struct {
	section string
	mult    float64
	op      operation
	warm    bool
	naive   bool
	sheets  int
	heap    bool
}

func (o options) network(mult float64) apitabletest.NetworkProfile {
	lat := o.latency(mult)
	return apitabletest.NetworkProfile{
		Latency:   lat,
		Jitter:    time.Duration(o.Jitter * float64(o.interval())),
		ConnSetup: time.Duration(o.ConnSetup * float64(lat)),
	}
}

// window is the fake's time-scaled window: serverRate points per window.
func (o options) window() time.Duration { return serverRate * o.interval() }

func measureNet(ctx context.Context, o options, nc netCase) (netResult, error) {
	p := o.network(nc.mult)
	r := netResult{Section: nc.section, LatencyMult: nc.mult, LatencyMS: ms(p.Latency), JitterMS: ms(p.Jitter),
		ConnSetupMS: ms(p.ConnSetup), Op: nc.op.name, Start: "cold", Mode: "sdk", Datasheets: nc.sheets,
		Records: nc.op.records, Logical: nc.op.logical * nc.sheets}
	if nc.warm {
		r.Start = "warm"
	}
	if nc.naive {
		r.Mode = "naive"
	}
	srv := apitabletest.New(apitabletest.WithRateLimit(serverRate, o.window()), apitabletest.WithNetwork(p))
	defer srv.Close()
	sheets := make([]*apitabletest.Datasheet, nc.sheets)
	for i := range sheets {
		ds, err := seedSheet(srv, nc.op.seeded)
		if err != nil {
			return r, err
		}
		sheets[i] = ds
	}
	// The client's limiter knows the time-scaled window, as the default one
	// knows the real server's (5 per second).
	c, err := srv.NewClient(apitable.WithLimiter(apitable.NewWindowLimiter(serverRate, o.window())))
	if err != nil {
		return r, err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Minute)
	defer cancel()
	if nc.warm {
		warmUp(ctx, c, sheets)
		time.Sleep(o.window() + o.window()/10) // idle connections stay in the pool for 90 s
		srv.ResetRequests()
	}
	var s *sampler
	if nc.heap {
		s = startSampler()
	}
	start := time.Now()
	errs := make([]error, len(sheets))
	var wg sync.WaitGroup
	for i, ds := range sheets {
		wg.Go(func() { _, errs[i] = runOp(ctx, c, ds, nc.op, nc.naive) })
	}
	wg.Wait()
	r.WallMS = ms(time.Since(start))
	if s != nil {
		peak, _, _ := s.stop()
		r.PeakHeapMB = float64(peak) / (1 << 20)
	}
	for _, err := range errs {
		if err != nil && r.Error == "" {
			r.Error = err.Error()
		}
	}
	st := logRate(srv.Requests(), o.interval())
	ceiling := float64(o.Rate * nc.sheets)
	r.Requests, r.Answered429 = st.n, st.n429
	r.LimitFraction = st.rate / ceiling
	r.GoodFraction = r.LimitFraction * float64(r.Logical) / float64(max(1, st.n))
	r.Per500 = 500 * ratio(float64(st.n429), float64(st.n))
	return r, nil
}

// warmUp fills the client's connection pool and starts its limiter: 32
// one-record reads per datasheet, 16 at a time.
func warmUp(ctx context.Context, c *apitable.Client, sheets []*apitabletest.Datasheet) {
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	for _, ds := range sheets {
		for range 32 {
			sem <- struct{}{}
			wg.Go(func() {
				defer func() { <-sem }()
				_, _ = c.Records.List(ctx, ds.ID, &apitable.ListRecordsParams{PageSize: 1})
			})
		}
	}
	wg.Wait()
}

// netCases lists the real-network measurements: every operation cold and
// warm at every latency; 8 datasheets at once; the long runs next to the
// naive way.
func netCases(o options) []netCase {
	var cs []netCase
	for _, mult := range o.Latencies {
		for _, op := range operations(o) {
			for _, warm := range []bool{false, true} {
				heap := op.name == "all" && !warm && mult == o.Latencies[len(o.Latencies)/2]
				cs = append(cs, netCase{section: "ops", mult: mult, op: op, warm: warm, sheets: 1, heap: heap})
			}
		}
	}
	mid := o.Latencies[len(o.Latencies)/2]
	if o.Sheets > 1 {
		create := operations(o)[0]
		cs = append(cs, netCase{section: "datasheets", mult: mid, op: create, sheets: 1},
			netCase{section: "datasheets", mult: mid, op: create, sheets: o.Sheets})
	}
	if o.LongN > 0 && o.LongRead > 0 {
		long := operations(options{N: o.LongN, Read: o.LongRead})
		for _, op := range []operation{long[0], long[3]} {
			for _, naive := range []bool{false, true} {
				cs = append(cs, netCase{section: "long", mult: mid, op: op, naive: naive, sheets: 1, heap: true})
			}
		}
	}
	return cs
}

func (r netResult) String() string {
	return fmt.Sprintf("%s %gms %s %s %s ×%d: %s, fraction %.3f (good %.3f), 429s %d/%d",
		r.Section, r.LatencyMS, r.Op, r.Start, r.Mode, r.Datasheets, fmtMS(r.WallMS), r.LimitFraction, r.GoodFraction, r.Answered429, r.Requests)
}

// longHeap measures the SDK alone (canned pages, no fake in the process)
// reading the short and the long table with All: its peak heap must not
// grow with the table.
func longHeap(ctx context.Context, o options) ([]heapRun, error) {
	if o.LongRead <= 0 {
		return nil, nil
	}
	lat := o.latency(o.Latencies[len(o.Latencies)/2])
	var runs []heapRun
	for _, n := range []int{o.Read, o.LongRead} {
		r, err := heapCanned(ctx, o, lat, n)
		if err != nil {
			return nil, err
		}
		runs = append(runs, r)
	}
	return runs, nil
}
