package main

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Report: targets, their evaluation and the markdown/JSON output.

type target struct {
	Name   string `json:"name"`
	Target string `json:"target"`
	Got    string `json:"got"`
	Met    bool   `json:"met"`
}

type report struct {
	Params options     `json:"params"`
	Go     string      `json:"go"`
	Procs  int         `json:"gomaxprocs"`
	Load   []string    `json:"loadAverage,omitempty"` // /proc/loadavg at start and end, where available
	Scale  string      `json:"scale"`
	Ops    []opResult  `json:"ops"`
	Net    []netResult `json:"network"`
	// LongHeap: All over -read and -long-read records, client only.
	LongHeap []heapRun    `json:"longHeap,omitempty"`
	Heap     heapResult   `json:"heap"`
	Decode   decodeResult `json:"decode"`
	Targets  []target     `json:"targets"`
	Notes    []string     `json:"notes"`
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
	r.Targets = slices.DeleteFunc(r.Targets, func(t target) bool { return !r.ran(t.Name) })
	r.Notes = []string{
		"Limit fraction = requests / (last arrival − first arrival + 1/rate), from the fake's request log; 429s and retries count. " +
			"The client's limiter paces at 98% of the configured rate, so 0.98 is its ceiling.",
		"Real network: the fake emulates arrival jitter and a connection-setup round trip (apitabletest.WithNetwork) and counts 5 points per time-scaled window; " +
			"the client uses apitable.NewWindowLimiter with the same window. Cold = fresh client, empty pool, fresh server window; warm = the same client after 32 one-record reads, started once their last window has expired. " +
			"Fraction (needed requests) = requests the call needs ÷ (span × ceiling): 429s and retries do not count as useful. Naive = one request at a time (the official JS SDK's way).",
		"Retries = requests logged by the fake − requests the call needs without retries (create/update/delete: ⌈N/10⌉; All: ⌈read/1000⌉).",
		"Naive = one request at a time, waiting for each answer: Records.Create/Update/Delete of ≤10 records per call, Records.List pages back to back.",
		"Peak heap growth = peak of " + metricHeap + " (sampled every " + heapSampling.String() + ") minus a baseline taken after a GC once the table is seeded. " +
			"It includes garbage not yet collected, so it depends on GOGC and on the baseline: a larger seeded table raises the baseline and hence the next GC target. " +
			"Allocated bytes/record (" + metricAllocBytes + ") does not depend on GOGC.",
		"Loopback rows include the fake, which runs in the same process: its per-page work (filtering the whole table, rendering and encoding a page) is in the heap and the allocations. " +
			"Client-only rows run the same All over a transport serving canned pages (same record shape), so they show the SDK alone.",
	}
	r.Targets = append(r.Targets, r.netTargets()...) // may add notes
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

// ran reports whether the section a target judges was run (-sections).
func (r *report) ran(name string) bool {
	switch {
	case strings.HasPrefix(name, "peak heap"):
		return r.Params.runs("heap")
	case strings.HasPrefix(name, "decode"):
		return r.Params.runs("decode")
	}
	return r.Params.runs("rate")
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

	r.netMarkdown(w)

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
