package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// tiny runs the whole benchmark in well under a few seconds: few records,
// a fast clock (rate 500/s, interval 2 ms) and one latency.
var tiny = []string{"-n", "25", "-read", "1500", "-rate", "500", "-latencies", "0.5,2",
	"-heap-small", "300", "-heap-large", "2500", "-decode-time", "5ms",
	"-datasheets", "2", "-long-n", "50", "-long-read", "2500"}

func TestMarkdown(t *testing.T) { //nolint:paralleltest // runs the whole benchmark, which measures heap and timing: other tests would skew it
	var out, errb bytes.Buffer
	if code := run(tiny, &out, &errb); code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, errb.String())
	}
	s := out.String()
	for _, want := range []string{
		"# apitable-bench",
		"time-scaled 100×",
		"## Rate budget",
		"## Memory: All over 300 vs 2500 records",
		"## Decode: one page of 1000 records × 12 mixed fields",
		"## Targets",
		"## Notes",
		"| limit fraction, every SDK operation and latency | ≥ 0.95 |",
		"| decoder | CPU ns/record | wall ns/record | allocs/record | bytes/record |",
		"| SDK: Records.List over canned bytes |",
		"| encoding/json into map[string]any |",
		"| loopback (SDK + fake) | 2500 |",
		"| client only (canned pages) | 300 |",
		"## Real network",
		"| real network: server 429s per 500 requests | ≤ 1 |",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	// 2 latencies × 4 operations × 2 modes.
	rows := 0
	for _, line := range strings.Split(s, "\n") {
		if strings.HasPrefix(line, "| 1ms (0.5×) |") || strings.HasPrefix(line, "| 4ms (2×) |") {
			rows++
			if cells := strings.Split(line, "|"); len(cells) != 14 {
				t.Errorf("row has %d cells: %s", len(cells)-2, line)
			}
		}
	}
	if rows != 16 {
		t.Errorf("%d rate-budget rows, want 16:\n%s", rows, s)
	}
}

func TestJSON(t *testing.T) { //nolint:paralleltest // runs the whole benchmark, which measures heap and timing: other tests would skew it
	var out, errb bytes.Buffer
	if code := run(append([]string{"-json"}, tiny...), &out, &errb); code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, errb.String())
	}
	if errb.Len() != 0 {
		t.Errorf("stderr with -json: %s", errb.String())
	}
	var rep report
	dec := json.NewDecoder(&out)
	if err := dec.Decode(&rep); err != nil {
		t.Fatalf("decoding the JSON document: %v\n%s", err, out.String())
	}
	if dec.More() {
		t.Error("more than one JSON document")
	}
	if len(rep.Ops) != 16 {
		t.Fatalf("%d ops, want 16", len(rep.Ops))
	}
	for _, op := range rep.Ops {
		if op.Error != "" {
			t.Errorf("%s %s at %gms: %s", op.Op, op.Mode, op.LatencyMS, op.Error)
		}
		want := 3 // ⌈25/10⌉
		if op.Op == "all" {
			want = 2 // ⌈1500/1000⌉
		}
		if op.Logical != want || op.Requests < want || op.Retries != op.Requests-op.Logical {
			t.Errorf("%s %s: requests %d, logical %d, retries %d", op.Op, op.Mode, op.Requests, op.Logical, op.Retries)
		}
		if op.LimitFraction <= 0 || op.WallMS <= 0 {
			t.Errorf("%s %s: fraction %v, wall %v", op.Op, op.Mode, op.LimitFraction, op.WallMS)
		}
	}
	// Real network: 2 latencies × 4 operations × cold/warm, 1 and 2
	// datasheets, long create and All done both ways.
	if len(rep.Net) != 16+2+4 {
		t.Fatalf("%d real-network rows, want 22", len(rep.Net))
	}
	for _, r := range rep.Net {
		if r.Error != "" || r.Requests < r.Logical || r.GoodFraction <= 0 || r.GoodFraction > r.LimitFraction*(1+1e-9) {
			t.Errorf("real network: %s", r)
		}
	}
	if len(rep.Heap.Loopback) != 2 || len(rep.Heap.ClientOnly) != 2 || len(rep.Heap.Fake) != 2 {
		t.Fatalf("heap runs: %+v", rep.Heap)
	}
	for _, r := range append(rep.Heap.Loopback, rep.Heap.ClientOnly...) {
		if r.AllocBytesRec <= 0 || r.AllocsRec <= 0 {
			t.Errorf("heap run without allocations: %+v", r)
		}
	}
	d := rep.Decode
	if d.Records != 1000 || d.Fields != 12 || d.SDK.NSRecord <= 0 || d.JSONMap.NSRecord <= 0 || d.SDK.AllocsRecord <= 0 || d.CPURatio <= 0 {
		t.Errorf("decode: %+v", d)
	}
	if len(rep.Targets) == 0 || len(rep.Notes) == 0 {
		t.Error("no targets or notes")
	}
}

func TestFlags(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"-n", "0"},
		{"-rate", "0"},
		{"-latencies", "1,x"},
		{"-latencies", "-1"},
		{"extra"},
	} {
		var out, errb bytes.Buffer
		if code := run(args, &out, &errb); code != 2 {
			t.Errorf("%q: exit %d, want 2", args, code)
		}
	}
}

func TestPagesTransport(t *testing.T) {
	t.Parallel()
	// The canned transport must page like the server: total, short last
	// page, and a first record id that differs from page to page.
	rt := newPagesTransport(2500, 0)
	var firsts []string
	for page := 1; page <= 4; page++ {
		req := mustRequest(t, page)
		resp, err := rt.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		var env struct {
			Data struct {
				Total, PageNum, PageSize int
				Records                  []struct{ RecordID string }
			}
		}
		err = json.NewDecoder(resp.Body).Decode(&env)
		_ = resp.Body.Close()
		if err != nil {
			t.Fatalf("page %d: %v", page, err)
		}
		want := []int{1000, 1000, 500, 0}[page-1]
		if env.Data.Total != 2500 || env.Data.PageNum != page || len(env.Data.Records) != want || env.Data.PageSize != want {
			t.Errorf("page %d: %+v (records %d)", page, env.Data, len(env.Data.Records))
		}
		if want > 0 {
			firsts = append(firsts, env.Data.Records[0].RecordID)
		}
	}
	if firsts[0] == firsts[1] || firsts[1] == firsts[2] {
		t.Errorf("first ids repeat: %q", firsts)
	}
}

func mustRequest(t *testing.T, page int) *http.Request {
	t.Helper()
	req, err := http.NewRequest("GET", "http://127.0.0.1/fusion/v1/datasheets/dstX/records?pageSize=1000&pageNum="+strconv.Itoa(page), nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}
