package apitabletest

import (
	"encoding/json"
	"errors"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/apitable-go/apitable"
)

// TestPageNumOverflow: a pageNum near math.MaxInt (pageNum*pageSize
// overflows an int) is a page past the end, which the server answers with
// no records, pageSize 0, the real total and pageNum echoed
// (docs/server-behaviour.md §6.1). It used to panic in the caller's
// goroutine through the in-memory transport.
func TestPageNumOverflow(t *testing.T) {
	t.Parallel()
	s := NewServer(t, WithoutRateLimit())
	ds := taskSheet(t, s)
	for _, tc := range []struct {
		name, query string
	}{
		{"max int", "pageNum=" + strconv.Itoa(math.MaxInt)},
		{"max int, page size 1000", "pageSize=1000&pageNum=" + strconv.Itoa(math.MaxInt)},
		{"max int - 1, page size 7", "pageSize=7&pageNum=" + strconv.Itoa(math.MaxInt-1)},
		{"product overflows", "pageSize=1000&pageNum=" + strconv.Itoa(math.MaxInt/500)},
		{"beyond int", "pageNum=1e30"},
		{"with a sort", "pageSize=1000&sort[0][field]=Count&sort[0][order]=desc&pageNum=" + strconv.Itoa(math.MaxInt)},
		{"with maxRecords near max int", "maxRecords=" + strconv.Itoa(math.MaxInt) + "&pageNum=" + strconv.Itoa(math.MaxInt)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := call(t, s, "GET", recordsPath(ds)+"?"+tc.query, nil)
			wantOK(t, r, 200)
			d := r.data()
			if len(r.records()) != 0 || d["pageSize"] != 0.0 || d["total"] != 3.0 {
				t.Fatalf("data = %v, want an empty page with total 3", d)
			}
			if tc.name == "max int" && d["pageNum"] != float64(math.MaxInt) {
				t.Errorf("pageNum = %v, want it echoed", d["pageNum"])
			}
		})
	}
	// The page before an overflowing one still works.
	r := call(t, s, "GET", recordsPath(ds)+"?pageSize=2&pageNum=2", nil)
	if len(r.records()) != 1 || r.data()["total"] != 3.0 {
		t.Fatalf("page 2 = %v", r.data())
	}
	// Through the public client, in memory and over loopback.
	for name, c := range map[string]*apitable.Client{"memory": s.InMemoryClient(), "loopback": s.Client()} {
		page, err := c.Records.List(t.Context(), ds.ID, &apitable.ListRecordsParams{PageNum: math.MaxInt, PageSize: 1000})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(page.Records) != 0 || page.Total != 3 || page.PageNum != math.MaxInt {
			t.Fatalf("%s: page = %+v", name, page)
		}
	}
}

// TestHandlerPanicIsA500 makes the API panic and checks both transports
// answer HTTP 500 with the server's envelope for an uncaught exception,
// log the request, and keep serving.
func TestHandlerPanicIsA500(t *testing.T) {
	t.Parallel()
	s := NewServer(t, WithoutRateLimit())
	ds := taskSheet(t, s)
	normal := s.apiHandle
	s.apiHandle = func(w http.ResponseWriter, r *http.Request, body []byte, tooLarge bool) (int, int) {
		if strings.Contains(r.URL.RawQuery, "boom") {
			panic("boom: a bug in the API")
		}
		return normal(w, r, body, tooLarge)
	}
	want := `{"success":false,"code":500,"message":"SERVER_ERROR"}`
	check := func(t *testing.T, hr *http.Response) {
		t.Helper()
		raw, _ := io.ReadAll(hr.Body)
		if hr.StatusCode != 500 || string(raw) != want {
			t.Fatalf("answer %d %s, want 500 %s", hr.StatusCode, raw, want)
		}
		if hr.Header.Get("request-id") == "" {
			t.Errorf("no request-id header")
		}
	}
	newReq := func(t *testing.T, base string) *http.Request {
		req, err := http.NewRequestWithContext(t.Context(), "GET", base+recordsPath(ds)+"?boom=1", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+s.Token())
		return req
	}
	// In memory: the panic would otherwise unwind the caller's goroutine.
	hr, err := s.Transport().RoundTrip(newReq(t, "http://fake"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = hr.Body.Close() }()
	check(t, hr)
	// Over loopback: net/http would reset the connection.
	hr2, err := http.DefaultClient.Do(newReq(t, s.URL()))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = hr2.Body.Close() }()
	check(t, hr2)
	// Through the public client.
	_, err = s.InMemoryClient(apitable.WithRetry(0, 0, 0)).Records.List(t.Context(), ds.ID, &apitable.ListRecordsParams{Fields: []string{"boom"}})
	var ae *apitable.APIError
	if !errors.As(err, &ae) || ae.HTTPStatus != 500 {
		t.Fatalf("err = %v, want an HTTP 500 error", err)
	}
	panics := 0
	for _, r := range s.Requests() {
		if strings.Contains(r.Query.Encode(), "boom") && r.Status == 500 && r.Code == 500 {
			panics++
		}
	}
	if panics < 2 {
		t.Errorf("%d panicking requests logged as 500, want at least 2", panics)
	}
	// The server keeps serving, and its lock is free.
	if r := call(t, s, "GET", recordsPath(ds), nil); len(r.records()) != 3 {
		t.Fatalf("after the panic: %v", r.data())
	}
	if len(s.Records(ds.ID)) != 3 {
		t.Fatal("store changed")
	}
}

// TestAnswerFaults: each unusable or short answer is sent after the write
// was applied exactly once; a rejected write is answered unchanged.
func TestAnswerFaults(t *testing.T) {
	t.Parallel()
	create := `{"records":[{"fields":{"Title":"x1"}},{"fields":{"Title":"x2"}},{"fields":{"Title":"x3"}}]}`
	for _, tc := range []struct {
		mode   AnswerMode
		status int // Fault.Status
		check  func(t *testing.T, hr *http.Response, raw []byte)
	}{
		{AnswerWithoutData, 0, func(t *testing.T, hr *http.Response, raw []byte) {
			if hr.StatusCode != 201 || string(raw) != `{"code":200,"success":true,"message":"SUCCESS"}` {
				t.Fatalf("%d %s", hr.StatusCode, raw)
			}
		}},
		{AnswerWrongShape, 200, func(t *testing.T, hr *http.Response, raw []byte) {
			var env struct {
				Success bool
				Data    []string
			}
			if hr.StatusCode != 200 || json.Unmarshal(raw, &env) != nil || !env.Success || len(env.Data) != 1 {
				t.Fatalf("%d %s", hr.StatusCode, raw)
			}
		}},
		{AnswerHTML, 0, func(t *testing.T, hr *http.Response, raw []byte) {
			if hr.StatusCode != 201 || !strings.HasPrefix(hr.Header.Get("Content-Type"), "text/html") ||
				!strings.HasPrefix(string(raw), "<!DOCTYPE html>") || json.Valid(raw) {
				t.Fatalf("%d %q %s", hr.StatusCode, hr.Header.Get("Content-Type"), raw)
			}
		}},
		{AnswerError, 0, func(t *testing.T, hr *http.Response, raw []byte) {
			if hr.StatusCode != 500 || string(raw) != `{"success":false,"code":500,"message":"Internal Server Error"}` {
				t.Fatalf("%d %s", hr.StatusCode, raw)
			}
		}},
		{AnswerError, 503, func(t *testing.T, hr *http.Response, raw []byte) {
			if hr.StatusCode != 503 || !strings.Contains(string(raw), `"code":503`) {
				t.Fatalf("%d %s", hr.StatusCode, raw)
			}
		}},
		{AnswerShort, 0, func(t *testing.T, hr *http.Response, raw []byte) {
			var env struct {
				Code int
				Data struct{ Records []map[string]any }
			}
			if hr.StatusCode != 201 || json.Unmarshal(raw, &env) != nil || env.Code != 200 || len(env.Data.Records) != 2 {
				t.Fatalf("%d %s", hr.StatusCode, raw)
			}
		}},
	} {
		name := map[AnswerMode]string{AnswerWithoutData: "without data", AnswerWrongShape: "wrong shape", AnswerHTML: "html",
			AnswerShort: "short", AnswerError: "error"}[tc.mode]
		t.Run(name+"/"+strconv.Itoa(tc.status), func(t *testing.T) {
			t.Parallel()
			s := NewServer(t, WithoutRateLimit())
			ds := taskSheet(t, s)
			s.InjectFault(Fault{Method: "POST", Path: "/records", Answer: tc.mode, Status: tc.status})
			for name, send := range map[string]func(*http.Request) (*http.Response, error){
				"memory":   s.Transport().RoundTrip,
				"loopback": http.DefaultClient.Do,
			} {
				base := "http://fake"
				if name == "loopback" {
					base = s.URL()
					s.InjectFault(Fault{Method: "POST", Path: "/records", Answer: tc.mode, Status: tc.status})
				}
				req, _ := http.NewRequestWithContext(t.Context(), "POST", base+recordsPath(ds), strings.NewReader(create))
				req.Header.Set("Authorization", "Bearer "+s.Token())
				req.Header.Set("Content-Type", "application/json")
				hr, err := send(req)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				raw, _ := io.ReadAll(hr.Body)
				_ = hr.Body.Close()
				tc.check(t, hr, raw)
			}
			// The log has the status that was sent.
			for _, r := range s.Requests() {
				if r.Method == "POST" && (r.Status < 200 || (tc.mode != AnswerError && r.Status > 299)) {
					t.Errorf("logged status %d", r.Status)
				}
			}
			// Applied exactly once per request: 3 seeded + 2 × 3 created.
			titles := map[string]int{}
			for _, r := range s.Records(ds.ID) {
				titles[r.Fields["Title"].(string)]++
			}
			if len(s.Records(ds.ID)) != 9 || titles["x1"] != 2 || titles["x2"] != 2 || titles["x3"] != 2 {
				t.Fatalf("store: %v", titles)
			}
			// A write the API rejects is answered as the API answers it.
			s.InjectFault(Fault{Method: "POST", Path: "/records", Answer: tc.mode})
			wantErr(t, call(t, s, "POST", recordsPath(ds), `{"records":[{"fields":{"Nope":"x"}}]}`), 200, 400, nil)
			if len(s.Records(ds.ID)) != 9 {
				t.Fatal("rejected write applied")
			}
			// The fault was used up: the next create answers normally.
			wantOK(t, call(t, s, "POST", recordsPath(ds), create), 201)
		})
	}
}

// TestAnswerFaultsThroughClient: the public client cannot use the spoiled
// answers, while the store holds the write once.
func TestAnswerFaultsThroughClient(t *testing.T) {
	t.Parallel()
	for _, mode := range []AnswerMode{AnswerWithoutData, AnswerWrongShape, AnswerHTML, AnswerShort, AnswerError} {
		s := NewServer(t, WithoutRateLimit())
		ds := taskSheet(t, s)
		c := s.InMemoryClient()
		s.InjectFault(Fault{Method: "POST", Path: "/records", Answer: mode})
		recs, err := c.Records.Create(t.Context(), ds.ID, []apitable.Fields{{"Title": "a"}, {"Title": "b"}}, nil)
		if mode != AnswerShort && err == nil {
			t.Errorf("mode %d: Create = %v, nil error", mode, recs)
		}
		if n := len(s.Records(ds.ID)); n != 5 {
			t.Errorf("mode %d: %d records stored, want 5 (3 seeded + 2 once)", mode, n)
		}
		creates := 0
		for _, r := range s.Requests() {
			if r.Method == "POST" {
				creates++
			}
		}
		if creates != 1 {
			t.Errorf("mode %d: %d POSTs sent, want 1 (a create is never resent)", mode, creates)
		}
	}
}

// TestOuterRecover: a panic outside the API (in the fault layer) gets the
// same 500 answer, and http.ErrAbortHandler drops the in-memory
// connection instead of unwinding the caller.
func TestOuterRecover(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	var abort bool
	s.handler = s.recoverPanics(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		if abort {
			panic(http.ErrAbortHandler)
		}
		panic("boom: a bug in the fault layer")
	}))
	req, err := http.NewRequestWithContext(t.Context(), "GET", "http://fake/fusion/v1/spaces", nil)
	if err != nil {
		t.Fatal(err)
	}
	hr, err := s.Transport().RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = hr.Body.Close() }()
	raw, _ := io.ReadAll(hr.Body)
	if hr.StatusCode != 500 || string(raw) != `{"success":false,"code":500,"message":"SERVER_ERROR"}` {
		t.Fatalf("answer %d %s", hr.StatusCode, raw)
	}
	abort = true
	hr2, err := s.Transport().RoundTrip(req) //nolint:bodyclose // the round trip fails: no response
	if hr2 != nil || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("abort: %v %v", hr2, err)
	}
}
