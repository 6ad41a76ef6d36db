package main

import (
	"fmt"
	"strings"
)

const (
	targetNet429Per500 = 1.0
	targetLongFraction = 0.97
	targetSheetsShare  = 0.95 // n datasheets reach ≥ 95% of n × one datasheet's ceiling
)

// netTargets judges the real-network rows.
func (r *report) netTargets() []target {
	if len(r.Net) == 0 {
		return nil
	}
	minGood, minAt, max429, max429At := 2.0, "", -1.0, ""
	var one, many, longAll, shortAll *netResult
	longMin, longAt := 2.0, ""
	for i := range r.Net {
		x := &r.Net[i]
		at := fmt.Sprintf("%s %s at %gms", x.Op, x.Start, x.LatencyMS)
		switch {
		case x.Section == "ops":
			if x.GoodFraction < minGood {
				minGood, minAt = x.GoodFraction, at
			}
			if x.Per500 > max429 {
				max429, max429At = x.Per500, at
			}
			if x.Op == "all" && x.PeakHeapMB > 0 {
				shortAll = x
			}
		case x.Section == "datasheets" && x.Datasheets == 1:
			one = x
		case x.Section == "datasheets":
			many = x
		case x.Section == "long" && x.Mode == "sdk":
			if x.GoodFraction < longMin {
				longMin, longAt = x.GoodFraction, fmt.Sprintf("%s, %d records", x.Op, x.Records)
			}
			if x.Op == "all" {
				longAll = x
			}
		}
	}
	ts := []target{
		{"real network: fraction of the ceiling (requests the call needs), every op, cold and warm", fmt.Sprintf("≥ %.2f", targetFraction),
			fmt.Sprintf("min %.3f (%s)", minGood, minAt), minGood >= targetFraction},
		{"real network: server 429s per 500 requests", fmt.Sprintf("≤ %g", targetNet429Per500),
			fmt.Sprintf("max %.1f (%s)", max429, max429At), max429 <= targetNet429Per500},
	}
	if one != nil && many != nil {
		got := ratio(many.GoodFraction*float64(many.Datasheets), one.GoodFraction)
		ts = append(ts, target{fmt.Sprintf("%d datasheets at once ÷ one datasheet (throughput)", many.Datasheets),
			fmt.Sprintf("≥ %.1f", targetSheetsShare*float64(many.Datasheets)), fmt.Sprintf("%.2f", got),
			got >= targetSheetsShare*float64(many.Datasheets)})
	}
	if longAt != "" {
		ts = append(ts, target{"long runs: fraction of the ceiling", fmt.Sprintf("≥ %.2f", targetLongFraction),
			fmt.Sprintf("min %.3f (%s)", longMin, longAt), longMin >= targetLongFraction})
	}
	if longAll != nil && shortAll != nil {
		r.Notes = append(r.Notes, fmt.Sprintf("Long All over loopback: peak heap %.1f MB at %d records vs %.1f MB at %d, fake included "+
			"(its per-page work grows with its table; the SDK's own is the client-only target).",
			longAll.PeakHeapMB, longAll.Records, shortAll.PeakHeapMB, shortAll.Records))
	}
	if h := r.LongHeap; len(h) == 2 {
		ts = append(ts, heapTarget(fmt.Sprintf("long All: peak heap, %d ÷ %d records (client only)", h[1].Records, h[0].Records),
			h, ratio(h[1].PeakHeapMB, h[0].PeakHeapMB)))
	}
	return ts
}

// netMarkdown writes the real-network table.
func (r *report) netMarkdown(w *strings.Builder) {
	if len(r.Net) == 0 {
		return
	}
	o := r.Params
	fmt.Fprintf(w, "\n## Real network (jitter ±%g×, connection setup %g× the latency; window %v with %d points)\n\n",
		o.Jitter, o.ConnSetup, o.window(), serverRate)
	fmt.Fprintln(w, "| section | latency | op | start | mode | datasheets | records each | wall | requests | 429s | 429s per 500 | fraction (all requests) | fraction (needed requests) | peak heap | error |")
	fmt.Fprintln(w, "|---|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
	for _, x := range r.Net {
		heap := ""
		if x.PeakHeapMB > 0 {
			heap = fmt.Sprintf("%.1f MB", x.PeakHeapMB)
		}
		fmt.Fprintf(w, "| %s | %gms (%g×) | %s | %s | %s | %d | %d | %s | %d | %d | %.1f | %.3f | %.3f | %s | %s |\n",
			x.Section, x.LatencyMS, x.LatencyMult, x.Op, x.Start, x.Mode, x.Datasheets, x.Records, fmtMS(x.WallMS),
			x.Requests, x.Answered429, x.Per500, x.LimitFraction, x.GoodFraction, heap, mdEscape(x.Error))
	}
}
