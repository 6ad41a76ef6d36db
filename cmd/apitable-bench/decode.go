package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"time"

	"github.com/apitable-go/apitable"
)

// Decoding: the cost of decoding one records page, next to encoding/json
// into maps.

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
