package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/apitable-go/apitable"
	"github.com/apitable-go/apitable/apitabletest"
)

// Rate budget: each operation done the SDK's way and the naive way against
// the rate-limited fake, and the share of the budget each one spends.

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
