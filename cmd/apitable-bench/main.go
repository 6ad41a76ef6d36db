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
//	    [-decode-time 1s] [-jitter 0.125] [-conn-setup 1] [-datasheets 8]
//	    [-long-n 20000] [-long-read 200000]
//	    [-sections rate,network,heap,decode] [-json]
//
// The "network" section runs the operations again over an emulated real
// network (apitabletest.WithNetwork: ±jitter on every arrival, a
// connection-setup round trip on every new connection) against a fake
// whose window is time-scaled too (5 points per 5/rate seconds), cold
// (fresh client and pool) and warm, reports the server's 429s per 500
// requests, writes 8 datasheets at once, and runs the long create and All
// next to one request at a time.
//
// It prints a markdown table (or, with -json, one JSON document) and exits
// 0; missed targets are reported, not fatal.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"
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
	Jitter     float64   `json:"jitter"`    // ± arrival jitter, multiple of the interval
	ConnSetup  float64   `json:"connSetup"` // connection setup, multiple of the latency
	Sheets     int       `json:"datasheets"`
	LongN      int       `json:"longN"`
	LongRead   int       `json:"longRead"`
	Sections   []string  `json:"sections"`
	decodeTime time.Duration
	json       bool
	cpuProfile string
}

func (o options) runs(section string) bool { return slices.Contains(o.Sections, section) }

func (o options) interval() time.Duration { return time.Second / time.Duration(o.Rate) }

func (o options) latency(mult float64) time.Duration {
	return time.Duration(mult * float64(o.interval()))
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("apitable-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Float64Var(&o.Jitter, "jitter", 0.125, "real network: ± arrival jitter, as a multiple of the interval (0.125 = ±25 ms at the real server's pace)")
	fs.Float64Var(&o.ConnSetup, "conn-setup", 1, "real network: connection setup of a new connection, as a multiple of the latency (1 = one round trip)")
	fs.IntVar(&o.Sheets, "datasheets", 8, "real network: datasheets written at once by one client (≤ 1: skip)")
	fs.IntVar(&o.LongN, "long-n", 20000, "real network: records of the long create (0: skip the long runs)")
	fs.IntVar(&o.LongRead, "long-read", 200000, "real network: records of the long All (0: skip the long runs)")
	sections := fs.String("sections", "rate,network,heap,decode", "sections to run")
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
	o.Sections = strings.Split(*sections, ",")
	if o.Jitter < 0 || o.ConnSetup < 0 || o.LongN < 0 || o.LongRead < 0 {
		return o, errors.New("-jitter, -conn-setup, -long-n and -long-read must not be negative")
	}
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
		if !o.runs("rate") {
			break
		}
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

	for _, nc := range netCases(o) {
		if !o.runs("network") {
			break
		}
		r, err := measureNet(ctx, o, nc)
		if err != nil {
			_, _ = fmt.Fprintln(stderr, "apitable-bench:", err)
			return 1
		}
		progress("%s", r)
		rep.Net = append(rep.Net, r)
	}
	if o.runs("network") {
		progress("long All heap, client only: %d vs %d records", o.Read, o.LongRead)
		if rep.LongHeap, err = longHeap(ctx, o); err != nil {
			_, _ = fmt.Fprintln(stderr, "apitable-bench:", err)
			return 1
		}
	}
	if o.runs("heap") {
		progress("heap: All over %d and %d records", o.HeapSmall, o.HeapLarge)
		if rep.Heap, err = measureHeap(ctx, o); err != nil {
			_, _ = fmt.Fprintln(stderr, "apitable-bench:", err)
			return 1
		}
	}
	if o.runs("decode") {
		progress("decode: %d-record page", decodeRecs)
		if rep.Decode, err = measureDecode(ctx, o); err != nil {
			_, _ = fmt.Fprintln(stderr, "apitable-bench:", err)
			return 1
		}
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
