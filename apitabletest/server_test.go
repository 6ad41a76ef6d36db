package apitabletest

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"testing/synctest"
	"time"
)

func TestEnvelopeAuthAndRouting(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	ds := taskSheet(t, s)
	tests := []struct {
		name         string
		method, path string
		auth         string // "" = valid token; "-" = no header
		status, code int
		msg          string
	}{
		{"unknown route", "GET", "/fusion/v1/nope", "", 404, 404, "The API does not exist"},
		{"unknown route no auth", "GET", "/fusion/v1/nope", "-", 404, 404, "The API does not exist"},
		{"wrong method", "POST", "/fusion/v1/datasheets/" + ds.ID + "/views", "", 404, 404, "The API does not exist"},
		{"outside fusion", "GET", "/other", "", 404, 404, "The API does not exist"},
		{"no header", "GET", recordsPath(ds), "-", 401, 401, "Unauthorized"},
		{"lowercase bearer", "GET", recordsPath(ds), "bearer " + s.Token(), 401, 401, "Unauthorized"},
		{"wrong token", "GET", recordsPath(ds), "Bearer nope", 401, 401, "Unauthorized"},
		{"wrong token user bucket", "GET", "/fusion/v1/spaces", "Bearer nope", 401, 401, "Unauthorized"},
		{"unknown datasheet", "GET", "/fusion/v1/datasheets/dstXXXXXXXXXXXXXXX/records", "", 200, 301, "Can't find the specified datasheet"},
		{"unknown space", "GET", "/fusion/v1/spaces/spcXXXXXXXXXX/nodes", "", 200, 400, "Space doesn't exist, please adjust the spaceId and try again"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var hdr []string
			switch tc.auth {
			case "":
			case "-":
				hdr = []string{"Authorization", ""}
			default:
				hdr = []string{"Authorization", tc.auth}
			}
			r := call(t, s, tc.method, tc.path, nil, hdr...)
			wantErr(t, r, tc.status, tc.code, tc.msg)
			if r.header.Get("request-id") == "" || !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
				t.Errorf("headers: %v", r.header)
			}
		})
	}
}

func TestOptionsAndSuccessEnvelope(t *testing.T) {
	t.Parallel()
	s := NewServer(t, WithPathPrefix("/gateway"))
	ds := taskSheet(t, s)
	r := call(t, s, "OPTIONS", "/gateway/fusion/v1/anything", nil, "Authorization", "")
	if r.status != 204 || len(r.raw) != 0 {
		t.Fatalf("OPTIONS: %d %q", r.status, r.raw)
	}
	r = call(t, s, "GET", "/fusion/v1/datasheets/"+ds.ID+"/views", nil)
	wantErr(t, r, 404, 404, "The API does not exist")
	r = call(t, s, "GET", "/gateway/fusion/v1/datasheets/"+ds.ID+"/views", nil)
	wantOK(t, r, 200)
	if !strings.HasPrefix(string(r.raw), `{"code":200,"success":true,"message":"SUCCESS","data":`) {
		t.Errorf("envelope key order: %s", r.raw)
	}
	r = call(t, s, "POST", "/gateway"+recordsPath(ds), map[string]any{"records": []any{map[string]any{"fields": map[string]any{"Title": "x"}}}})
	wantOK(t, r, 201)
	id := r.records()[0]["recordId"].(string)
	r = call(t, s, "DELETE", "/gateway"+recordsPath(ds)+"?recordIds="+id, nil)
	wantOK(t, r, 200)
	if _, has := r.env["data"]; has {
		t.Errorf("DELETE has data: %s", r.raw)
	}
}

func TestBodyParser(t *testing.T) {
	t.Parallel()
	s := NewServer(t, WithoutRateLimit())
	ds := taskSheet(t, s)
	p := recordsPath(ds)
	tests := []struct {
		name, method, body, ct string
		cl                     bool
		status, code           int
		msg                    string
	}{
		{"empty json post", "POST", "", "application/json", false, 400, 400, "Body cannot be empty when content-type is set to 'application/json'"},
		{"empty json patch", "PATCH", "", "application/json", false, 400, 400, "Body cannot be empty when content-type is set to 'application/json'"},
		{"malformed", "POST", "{", "application/json", false, 500, 500, ""},
		{"xml", "POST", "<a/>", "application/xml", false, 415, 415, "Unsupported Media Type: application/xml"},
	}
	for _, tc := range tests { //nolint:paralleltest // the DELETE after the loop shares the server and must run after these subtests
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequestWithContext(t.Context(), tc.method, "http://fake"+p, strings.NewReader(tc.body))
			req.Header.Set("Authorization", "Bearer "+s.Token())
			req.Header.Set("Content-Type", tc.ct)
			hr, err := s.Transport().RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = hr.Body.Close() }()
			raw, _ := io.ReadAll(hr.Body)
			if hr.StatusCode != tc.status || !strings.Contains(string(raw), `"code":`+strconv.Itoa(tc.code)) || !strings.Contains(string(raw), tc.msg) {
				t.Fatalf("got %d %s", hr.StatusCode, raw)
			}
		})
	}
	// DELETE with JSON content type and an explicit Content-Length: 0 (server-behaviour.md §1).
	h := s.Handler()
	req, _ := http.NewRequest("DELETE", "http://fake"+p+"?recordIds="+ds.RecordIDs[0], nil)
	req.Header.Set("Authorization", "Bearer "+s.Token())
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Content-Length", "0")
	rec := newRecorder()
	h.ServeHTTP(rec, req)
	if rec.status != 400 || !strings.Contains(rec.body.String(), "Body cannot be empty") {
		t.Fatalf("DELETE with Content-Length: %d %s", rec.status, rec.body.String())
	}
	// Without the header the DELETE goes through.
	r := call(t, s, "DELETE", p+"?recordIds="+ds.RecordIDs[0], nil, "Content-Type", "application/json")
	wantOK(t, r, 200)
}

func TestRateLimit(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		s := NewServer(t, WithRateLimit(3, time.Second))
		a := taskSheet(t, s)
		b := taskSheet(t, s)
		for i := 0; i < 3; i++ {
			wantOK(t, call(t, s, "GET", recordsPath(a), nil), 200)
		}
		r := call(t, s, "GET", recordsPath(a)+"?viewId=x", nil)
		wantErr(t, r, 429, 429, "The API request rate for the current space is 3 queries per second (QPS). Upgrading the space allows for a higher call frequency. Contact us: sales@aitable.ai.")
		if !strings.HasPrefix(string(r.raw), `{"code":429,"success":false,"message":`) || r.header.Get("Retry-After") != "" {
			t.Errorf("429 shape: %s %v", r.raw, r.header)
		}
		// Another datasheet has its own bucket; v2 is not limited.
		wantOK(t, call(t, s, "GET", recordsPath(b), nil), 200)
		for i := 0; i < 5; i++ {
			wantOK(t, call(t, s, "GET", "/fusion/v2/spaces/"+s.SpaceID()+"/nodes?type=Datasheet", nil), 200)
		}
		// Failing requests consume points too (server-behaviour.md §3).
		for i := 0; i < 2; i++ {
			call(t, s, "GET", recordsPath(b)+"?pageSize=0", nil)
		}
		wantErr(t, call(t, s, "GET", recordsPath(b), nil), 429, 429, nil)
		time.Sleep(time.Second)
		wantOK(t, call(t, s, "GET", recordsPath(a), nil), 200)
		// user bucket
		for i := 0; i < 3; i++ {
			wantOK(t, call(t, s, "GET", "/fusion/v1/spaces", nil), 200)
		}
		wantErr(t, call(t, s, "GET", "/fusion/v1/spaces", nil), 429, 429, nil)
	})
}

func TestTransportTraceAndFaults(t *testing.T) {
	t.Parallel()
	s := NewServer(t, WithoutRateLimit())
	ds := taskSheet(t, s)
	send := func(t *testing.T, method, path, body string) (*http.Response, []string, error) {
		var mu sync.Mutex
		var events []string
		tr := &httptrace.ClientTrace{
			GotConn:      func(httptrace.GotConnInfo) { mu.Lock(); events = append(events, "conn"); mu.Unlock() },
			WroteRequest: func(httptrace.WroteRequestInfo) { mu.Lock(); events = append(events, "wrote"); mu.Unlock() },
		}
		ctx := httptrace.WithClientTrace(t.Context(), tr)
		var rd io.Reader
		if body != "" {
			rd = strings.NewReader(body)
		}
		req, _ := http.NewRequestWithContext(ctx, method, "http://fake"+path, rd)
		req.Header.Set("Authorization", "Bearer "+s.Token())
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := s.Transport().RoundTrip(req)
		return resp, events, err
	}
	create := `{"records":[{"fields":{"Title":"faulty"}}]}`
	count := func() int { return len(s.Records(ds.ID)) }
	n0 := count()

	// Normal: both hooks.
	resp, ev, err := send(t, "GET", recordsPath(ds), "")
	if err != nil || resp.StatusCode != 200 || strings.Join(ev, ",") != "conn,wrote" {
		t.Fatalf("normal: %v %v", err, ev)
	}
	_ = resp.Body.Close()
	// DropBeforeHandling: no WroteRequest, nothing applied.
	s.InjectFault(Fault{Method: "POST", Path: "/records", Drop: DropBeforeHandling})
	_, ev, err = send(t, "POST", recordsPath(ds), create) //nolint:bodyclose // the drop makes the round trip fail: no response
	if err == nil || !errors.Is(err, syscall.ECONNRESET) || strings.Join(ev, ",") != "conn" {
		t.Fatalf("drop before: %v %v", err, ev)
	}
	if count() != n0 {
		t.Fatalf("drop before applied the write")
	}
	// DropAfterHandling: applied, error after WroteRequest.
	s.InjectFault(Fault{Method: "POST", Drop: DropAfterHandling})
	_, ev, err = send(t, "POST", recordsPath(ds), create) //nolint:bodyclose // the drop makes the round trip fail: no response
	if err == nil || !errors.Is(err, io.ErrUnexpectedEOF) || strings.Join(ev, ",") != "conn,wrote" {
		t.Fatalf("drop after: %v %v", err, ev)
	}
	if count() != n0+1 {
		t.Fatalf("drop after did not apply the write")
	}
	// Status fault with Count 2, then normal.
	s.InjectFault(Fault{Path: ds.ID, Count: 2, Status: 503, Message: "busy"})
	for i := 0; i < 2; i++ {
		r := call(t, s, "GET", recordsPath(ds), nil)
		wantErr(t, r, 503, 503, "busy")
	}
	wantOK(t, call(t, s, "GET", recordsPath(ds), nil), 200)
	// Business code under HTTP 200, and a raw body.
	s.InjectFault(Fault{Status: 200, Code: 301, Message: "Can't find the specified datasheet"})
	wantErr(t, call(t, s, "GET", recordsPath(ds), nil), 200, 301, "Can't find the specified datasheet")
	s.InjectFault(Fault{Status: 502, Body: "<html>bad gateway</html>"})
	resp, _, err = send(t, "GET", recordsPath(ds), "")
	raw, _ := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 502 || string(raw) != "<html>bad gateway</html>" {
		t.Fatalf("raw body fault: %v %d %q", err, resp.StatusCode, raw)
	}
	_ = resp.Body.Close()
	// Method filter: a GET does not consume a POST fault.
	s.InjectFault(Fault{Method: "POST", Status: 500})
	wantOK(t, call(t, s, "GET", recordsPath(ds), nil), 200)
	wantErr(t, call(t, s, "POST", recordsPath(ds), create), 500, 500, nil)
}

func TestTransportContext(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		s := NewServer(t, WithLatency(time.Second), WithoutRateLimit())
		ds := taskSheet(t, s)
		ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, "GET", "http://fake"+recordsPath(ds), nil)
		req.Header.Set("Authorization", "Bearer "+s.Token())
		start := time.Now()
		_, err := s.Transport().RoundTrip(req) //nolint:bodyclose // the deadline makes the round trip fail: no response
		if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) != 100*time.Millisecond {
			t.Fatalf("err %v after %v", err, time.Since(start))
		}
		// Latency without deadline: fake time advances by exactly 1s.
		start = time.Now()
		wantOK(t, call(t, s, "GET", recordsPath(ds), nil), 200)
		if time.Since(start) != time.Second {
			t.Fatalf("latency %v", time.Since(start))
		}
		// Fault delay honours ctx.
		s.InjectFault(Fault{Delay: time.Hour})
		ctx2, cancel2 := context.WithTimeout(t.Context(), 2*time.Second)
		defer cancel2()
		req, _ = http.NewRequestWithContext(ctx2, "GET", "http://fake"+recordsPath(ds), nil)
		req.Header.Set("Authorization", "Bearer "+s.Token())
		if _, err := s.Transport().RoundTrip(req); !errors.Is(err, context.DeadlineExceeded) { //nolint:bodyclose // the deadline makes the round trip fail: no response
			t.Fatalf("delay: %v", err)
		}
	})
}

func TestRealListenerFaults(t *testing.T) {
	t.Parallel()
	s := NewServer(t, WithoutRateLimit(), WithPathPrefix("/gw"))
	ds := taskSheet(t, s)
	hc := &http.Client{Timeout: 5 * time.Second}
	do := func(method, body string) (*http.Response, error) {
		var rd io.Reader
		if body != "" {
			rd = strings.NewReader(body)
		}
		req, _ := http.NewRequestWithContext(t.Context(), method, s.URL()+recordsPath(ds), rd)
		req.Header.Set("Authorization", "Bearer "+s.Token())
		req.Header.Set("Content-Type", "application/json")
		resp, err := hc.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
		}
		return resp, err
	}
	create := `{"records":[{"fields":{"Title":"net"}}]}`
	if !strings.HasSuffix(s.URL(), "/gw") || !strings.HasPrefix(s.URL(), "http://127.0.0.1:") {
		t.Fatalf("URL %q", s.URL())
	}
	n0 := len(s.Records(ds.ID))
	s.InjectFault(Fault{Method: "POST", Drop: DropBeforeHandling})
	if _, err := do("POST", create); err == nil { //nolint:bodyclose // do drains and closes the body
		t.Fatal("drop before: no error")
	}
	if len(s.Records(ds.ID)) != n0 {
		t.Fatal("drop before applied")
	}
	s.InjectFault(Fault{Method: "POST", Drop: DropAfterHandling})
	if _, err := do("POST", create); err == nil { //nolint:bodyclose // do drains and closes the body
		t.Fatal("drop after: no error")
	}
	if len(s.Records(ds.ID)) != n0+1 {
		t.Fatal("drop after not applied")
	}
	s.InjectFault(Fault{Status: 502, Body: "<html/>"})
	resp, err := do("GET", "") //nolint:bodyclose // do drains and closes the body
	if err != nil || resp.StatusCode != 502 {
		t.Fatalf("status fault: %v", err)
	}
	resp, err = do("POST", create) //nolint:bodyclose // do drains and closes the body
	if err != nil || resp.StatusCode != 201 {
		t.Fatalf("normal: %v %v", resp, err)
	}
}

func TestRequestLog(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	ds := taskSheet(t, s)
	call(t, s, "GET", recordsPath(ds)+"?pageSize=2&fields=Title", nil)
	call(t, s, "POST", recordsPath(ds), `{"records":[{"fields":{"Title":"x"}}]}`)
	call(t, s, "GET", "/fusion/v1/nope", nil)
	got := s.Requests()
	if len(got) != 3 {
		t.Fatalf("log: %+v", got)
	}
	if got[0].Method != "GET" || got[0].Path != recordsPath(ds) || got[0].Query.Get("pageSize") != "2" || got[0].Status != 200 || got[0].Code != 200 {
		t.Errorf("entry 0: %+v", got[0])
	}
	if got[1].Method != "POST" || string(got[1].Body) != `{"records":[{"fields":{"Title":"x"}}]}` || got[1].Status != 201 {
		t.Errorf("entry 1: %+v", got[1])
	}
	if got[2].Status != 404 || got[2].Code != 404 || got[2].Time.IsZero() {
		t.Errorf("entry 2: %+v", got[2])
	}
	s.ResetRequests()
	if len(s.Requests()) != 0 {
		t.Fatal("reset")
	}
}
