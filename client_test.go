package apitable

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const secret = "usk-super-secret-token"

// newTestClient returns a client for a plain httptest server with fast retries.
func newTestClient(t *testing.T, h http.HandlerFunc, opts ...Option) *Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	base := []Option{WithBaseURL(srv.URL + "/prefix"), WithRetry(2, time.Millisecond, 2*time.Millisecond), WithRateLimit(1e6)}
	c, err := New(secret, append(base, opts...)...)
	require.NoError(t, err)
	return c
}

func TestNewValidates(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		token string
		opts  []Option
		err   string
	}{
		{"empty token", "", nil, "empty API token"},
		{"blank token", "  ", nil, "empty API token"},
		{"plain http remote", "t", []Option{WithBaseURL("http://api.example.com")}, "requires https"},
		{"bad scheme", "t", []Option{WithBaseURL("ftp://x")}, "scheme must be https"},
		{"no host", "t", []Option{WithBaseURL("https://")}, "no host"},
		{"user info", "t", []Option{WithBaseURL("https://u:p@x.com")}, "user info"},
		{"empty base", "t", []Option{WithBaseURL("")}, "empty base URL"},
		{"rate", "t", []Option{WithRateLimit(0)}, "rate must be positive"},
		{"rate NaN", "t", []Option{WithRateLimit(math.NaN())}, "rate must be positive"},
		{"window", "t", []Option{WithRateWindow(0)}, "WithRateWindow: need a positive duration"},
		{"retries", "t", []Option{WithRetry(-1, 0, 0)}, "negative retries"},
		{"waits", "t", []Option{WithRetry(1, 2*time.Second, time.Second)}, "minWait <= maxWait"},
		{"per write", "t", []Option{WithMaxRecordsPerWrite(0)}, "at least 1"},
		{"nil http client", "t", []Option{WithHTTPClient(nil)}, "nil client"},
		{"nil logger", "t", []Option{WithLogger(nil)}, "nil logger"},
		{"ua", "t", []Option{WithUserAgent("a\r\nX-Evil: 1")}, "line break"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := New(tc.token, tc.opts...)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.err)
		})
	}
	for _, ok := range [][]Option{
		nil,
		{WithBaseURL("http://127.0.0.1:8080")},
		{WithBaseURL("http://localhost/x")},
		{WithBaseURL("http://[::1]:9/")},
		{WithBaseURL("http://apitable.internal"), WithInsecureHTTP()},
		{WithBaseURL("https://gw.example.com/apitable/")},
	} {
		_, err := New("t", ok...)
		assert.NoError(t, err, "%v", ok)
	}
}

func TestNewDoesNotMutateCallersHTTPClient(t *testing.T) {
	t.Parallel()
	hc := &http.Client{Timeout: 5 * time.Second}
	_, err := New("t", WithHTTPClient(hc))
	require.NoError(t, err)
	assert.Nil(t, hc.Transport)
	assert.Equal(t, 5*time.Second, hc.Timeout)
}

func TestTokenNeverPrinted(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, "Bearer "+secret, r.Header.Get("Authorization"))
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = fmt.Fprint(w, `{"success":false,"code":401,"message":"Unauthorized"}`)
	}, WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	_, err := c.Records.List(t.Context(), "dstA", nil)
	require.ErrorIs(t, err, ErrUnauthorized)
	for _, s := range []string{
		fmt.Sprintf("%v", c), fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c), fmt.Sprintf("%s", c),
		fmt.Sprintf("%v", *c.Records), fmt.Sprintf("%+v", c.Records), fmt.Sprintf("%#v", c.Records),
		err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err), logs.String(),
	} {
		assert.NotContains(t, s, secret)
	}
	assert.Contains(t, logs.String(), "apitable call", "debug logging is on")
}

func TestBaseURLPathPrefixAndHeaders(t *testing.T) {
	t.Parallel()
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, "/prefix/fusion/v1/datasheets/dstA/records", r.URL.Path)
		assert.Equal(t, "pageNum=2&pageSize=7", r.URL.RawQuery)
		assert.True(t, strings.HasPrefix(r.Header.Get("User-Agent"), "my-app/1.0 apitable-go/"), r.Header.Get("User-Agent"))
		assert.Empty(t, r.Header.Get("Content-Type"), "GET has no body")
		_, _ = fmt.Fprint(w, `{"success":true,"code":200,"message":"SUCCESS","data":{"total":9,"pageNum":2,"pageSize":2,"records":[{"recordId":"rec1","createdAt":1659459289000,"fields":{"A":"x"}},{"recordId":"rec2","fields":{}}]}}`)
	}, WithUserAgent("my-app/1.0"))
	page, err := c.Records.List(t.Context(), "dstA", &ListRecordsParams{PageSize: 7, PageNum: 2})
	require.NoError(t, err)
	assert.Equal(t, 9, page.Total)
	assert.Equal(t, 2, page.PageSize)
	require.Len(t, page.Records, 2)
	assert.Equal(t, "rec1", page.Records[0].ID)
	assert.Equal(t, int64(1659459289000), page.Records[0].CreatedAt.UnixMilli())
	assert.True(t, page.Records[1].CreatedAt.IsZero())
	assert.Equal(t, "x", page.Records[0].Fields["A"])
}

// TestErrorTable checks each business code × HTTP status of server-behaviour.md §4.2.
func TestErrorTable(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		status   int
		body     string
		sentinel error
		code     int
		msg      string
	}{
		{"301", 200, `{"success":false,"code":301,"message":"Can't find the specified datasheet"}`, ErrDatasheetNotFound, 301, "Can't find the specified datasheet"},
		{"304 with HTTP 500", 500, `{"success":false,"code":304,"message":"the usage of this function exceed the 50000 records limit of beta version"}`, ErrRowLimitExceeded, 304, ""},
		{"304 with HTTP 200 (docs)", 200, `{"success":false,"code":304,"message":"You have exceeded the \"Public Beta\" limit of 50,000 lines"}`, ErrRowLimitExceeded, 304, ""},
		{"305", 200, `{"success":false,"code":305,"message":"{\"key\":\"max_rows_per_sheet\"}"}`, ErrRowLimitExceeded, 305, ""},
		{"309", 200, `{"success":false,"code":309,"message":"{}"}`, ErrRowLimitExceeded, 309, ""},
		{"400", 200, `{"success":false,"code":400,"message":"Invalid fields"}`, ErrInvalidRequest, 400, "Invalid fields"},
		{"400 body parser", 400, `{"success":false,"code":400,"message":"Body cannot be empty when content-type is set to 'application/json'"}`, ErrInvalidRequest, 400, ""},
		{"413", 413, `{"success":false,"code":413,"message":"Request body is too large"}`, ErrInvalidRequest, 413, ""},
		{"415", 415, `{"success":false,"code":415,"message":"Unsupported Media Type: application/xml"}`, ErrInvalidRequest, 415, ""},
		{"401", 401, `{"success":false,"code":401,"message":"Unauthorized"}`, ErrUnauthorized, 401, "Unauthorized"},
		{"403", 403, `{"success":false,"code":403,"message":"Access forbidden"}`, ErrForbidden, 403, ""},
		{"404", 404, `{"success":false,"code":404,"message":"The API does not exist"}`, ErrAPINotFound, 404, ""},
		{"426", 200, `{"success":false,"code":426,"message":"The Space has reached its maximum attachment capacity"}`, ErrAttachmentUpload, 426, ""},
		{"428", 200, `{"success":false,"code":428,"message":"The attachment size exceeds 1 GB"}`, ErrAttachmentLimit, 428, ""},
		{"429", 429, `{"code":429,"success":false,"message":"The API request rate for the current space is 5 queries per second (QPS)."}`, ErrRateLimited, 429, ""},
		{"500", 500, `{"success":false,"code":500,"message":"SERVER_ERROR (1)"}`, ErrServer, 500, "SERVER_ERROR (1)"},
		{"500 array message (DTO, server-behaviour.md §4.1)", 500, `{"success":false,"code":500,"message":["api_params_pagesize_min_error","api_params_pagenum_min_error"]}`, ErrServer, 500, "api_params_pagesize_min_error; api_params_pagenum_min_error"},
		{"601", 200, `{"success":false,"code":601,"message":"Access denied"}`, ErrNodePermission, 601, ""},
		{"602", 200, `{"success":false,"code":602,"message":"No permission to operate on the node"}`, ErrNodePermission, 602, ""},
		{"unknown code", 200, `{"success":false,"code":4002,"message":"Version Error"}`, nil, 4002, "Version Error"},
		{"html 502", 502, `<html><body><h1>502 Bad Gateway</h1></body></html>`, ErrServer, 0, ""},
		{"empty 502", 502, ``, ErrServer, 0, ""},
		{"truncated json 200", 200, `{"success":true,"code":200,"data":{"rec`, nil, 0, ""},
		{"html 200", 200, `<html>captive portal</html>`, nil, 0, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var hits atomic.Int32
			c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
				hits.Add(1)
				w.Header().Set("request-id", "req-42")
				w.WriteHeader(tc.status)
				_, _ = fmt.Fprint(w, tc.body)
			}, WithRetry(0, 0, 0))
			_, err := c.Records.List(t.Context(), "dstA", nil)
			require.Error(t, err)
			var apiErr *APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, tc.status, apiErr.HTTPStatus)
			assert.Equal(t, tc.code, apiErr.Code)
			assert.Equal(t, "GET", apiErr.Method)
			assert.Equal(t, "/fusion/v1/datasheets/dstA/records", apiErr.Path)
			assert.Equal(t, "/fusion/v1/datasheets/{datasheetId}/records", apiErr.Route)
			assert.Equal(t, "req-42", apiErr.RequestID)
			assert.Equal(t, 1, apiErr.Attempts)
			if tc.msg != "" {
				assert.Equal(t, tc.msg, apiErr.Message)
			}
			for _, s := range []error{ErrDatasheetNotFound, ErrRowLimitExceeded, ErrInvalidRequest, ErrUnauthorized,
				ErrForbidden, ErrAPINotFound, ErrAttachmentUpload, ErrAttachmentLimit, ErrRateLimited, ErrServer, ErrNodePermission, ErrOutcomeUnknown} {
				assert.Equal(t, s == tc.sentinel, errors.Is(err, s), "errors.Is(%v)", s) //nolint:errorlint // s == tc.sentinel compares two table sentinels, not a returned error
			}
			assert.NotContains(t, err.Error(), "invalid character", "a non-envelope body is never a bare JSON error")
			if tc.code == 0 {
				assert.NotEmpty(t, apiErr.Snippet+apiErr.Message+fmt.Sprint(apiErr.HTTPStatus))
			}
		})
	}
}

func TestSuccessWithoutDataIsAnError(t *testing.T) {
	t.Parallel()
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		_, _ = fmt.Fprint(w, `{"success":true,"code":200,"message":"SUCCESS"}`)
	})
	_, err := c.Records.List(t.Context(), "dstA", nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "without data")
}

func TestResponseSizeCap(t *testing.T) {
	t.Parallel()
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		_, _ = fmt.Fprint(w, `{"success":true,"code":200,"message":"SUCCESS","data":{"records":[],"pad":"`+strings.Repeat("x", 4096)+`"}}`)
	}, WithMaxResponseBytes(1024))
	_, err := c.Records.List(t.Context(), "dstA", nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "exceeds 1024 bytes")
}

func TestDeadlineNotPassedBySleep(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = fmt.Fprint(w, `{"success":false,"code":503,"message":"down"}`)
	}, WithRetry(3, time.Hour, time.Hour))
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	start := time.Now()
	_, err := c.Records.List(ctx, "dstA", nil)
	// The backoff (1h) would pass the deadline: the call returns the real
	// error at once instead of sleeping.
	assert.Less(t, time.Since(start), 5*time.Second)
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 503, apiErr.HTTPStatus)
	assert.Equal(t, int32(1), hits.Load())
}

func TestRetryAfterBeyondCapIsReturned(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Retry-After", "120")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = fmt.Fprint(w, `{"success":false,"code":429,"message":"slow down"}`)
	}, WithRetry(3, time.Millisecond, time.Second))
	_, err := c.Records.List(t.Context(), "dstA", nil)
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.ErrorIs(t, err, ErrRateLimited)
	assert.Equal(t, 120*time.Second, apiErr.RetryAfter)
	assert.Equal(t, int32(1), hits.Load())
}

func TestCheckIDRejectsPathTricks(t *testing.T) {
	t.Parallel()
	for _, id := range []string{"", " ", "dst a", "dst/x", "dst?x", "dst#x", "..", "dst..x", "dst\n", "dst%2F", `dst\x`, "dst\x00"} {
		err := checkID("id", id)
		assert.ErrorIs(t, err, ErrInvalidRequest, "%q", id)
	}
	for _, id := range []string{"dst0Yj5aNeoHldqvf6", "recV3ElniQavT", "fld_1-x", "viw.1"} {
		assert.NoError(t, checkID("id", id), "%q", id)
	}
}

// TestTokenInNoFmtOutput: no fmt verb of the client, the dereferenced
// client, any service or dereferenced service prints the token (issue 12
// item 6).
func TestTokenInNoFmtOutput(t *testing.T) {
	t.Parallel()
	c, err := New(secret)
	require.NoError(t, err)
	values := map[string]any{
		"client": c, "*client": *c,
		"Records": c.Records, "*Records": *c.Records,
		"Fields": c.Fields, "*Fields": *c.Fields,
		"Views": c.Views, "*Views": *c.Views,
		"Attachments": c.Attachments, "*Attachments": *c.Attachments,
		"Datasheets": c.Datasheets, "*Datasheets": *c.Datasheets,
		"Spaces": c.Spaces, "*Spaces": *c.Spaces,
		"Nodes": c.Nodes, "*Nodes": *c.Nodes,
	}
	for name, v := range values {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%T"} {
			out := fmt.Sprintf(verb, v)
			assert.NotContains(t, out, secret, "%s with %s: %s", name, verb, out)
			assert.NotContains(t, out, fmt.Sprintf("%x", secret), "%s with %s: %s", name, verb, out)
		}
	}
}

// TestEchoedTokenIsRedacted: a server or proxy that echoes the token back
// in a message or a body does not put it into the error.
func TestEchoedTokenIsRedacted(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, body string }{
		{"message", `{"success":false,"code":400,"message":"bad header Bearer ` + secret + `"}`},
		{"messages", `{"success":false,"code":400,"message":["a","Authorization: Bearer ` + secret + `"]}`},
		{"snippet", `<html>your header was Bearer ` + secret + `</html>`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("request-id", secret)
				_, _ = fmt.Fprint(w, tc.body)
			}, WithRetry(0, 0, 0))
			_, err := c.Records.List(t.Context(), "dstA", nil)
			var apiErr *APIError
			require.ErrorAs(t, err, &apiErr)
			assert.NotContains(t, err.Error(), secret)
			assert.NotContains(t, fmt.Sprintf("%+v", *apiErr), secret)
			assert.Contains(t, apiErr.Message+strings.Join(apiErr.Messages, " ")+apiErr.Snippet, "[redacted]")
		})
	}
}

// TestBaseURLFusionSuffixIsStripped: a base URL that ends with the API's
// own /fusion/v1 (or v2) would double it; New strips it (issue 14 item 1).
func TestBaseURLFusionSuffixIsStripped(t *testing.T) {
	t.Parallel()
	for _, suffix := range []string{"/fusion/v1", "/fusion/v1/", "/fusion/v2", "/Fusion/V1/", ""} {
		var got atomic.Value
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			got.Store(r.URL.Path)
			_, _ = fmt.Fprint(w, `{"success":true,"code":200,"data":{"records":[],"total":0}}`)
		}))
		t.Cleanup(srv.Close)
		c, err := New(secret, WithBaseURL(srv.URL+"/gw"+suffix))
		require.NoError(t, err)
		_, err = c.Records.List(t.Context(), "dstA", nil)
		require.NoError(t, err, suffix)
		assert.Equal(t, "/gw/fusion/v1/datasheets/dstA/records", got.Load(), suffix)
	}
}

// TestErrorNamesTheResource: the message carries the real path with its
// ids (not the query); the template stays in Route (issue 14 item 1).
func TestErrorNamesTheResource(t *testing.T) {
	t.Parallel()
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		_, _ = fmt.Fprint(w, `{"success":false,"code":301,"message":"Can't find the specified datasheet"}`)
	})
	_, err := c.Records.List(t.Context(), "dstNope", &ListRecordsParams{ViewID: "viwX"})
	require.Error(t, err)
	assert.Equal(t, "apitable: GET /fusion/v1/datasheets/dstNope/records: code 301 (HTTP 200): Can't find the specified datasheet", err.Error())
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, "/fusion/v1/datasheets/dstNope/records", apiErr.Path)
	assert.Equal(t, "/fusion/v1/datasheets/{datasheetId}/records", apiErr.Route)
}

// smallReads returns at most 32 KiB per Read, like a chunked body.
type smallReads struct{ r io.Reader }

func (s smallReads) Read(p []byte) (int, error) { return s.r.Read(p[:min(len(p), 32<<10)]) }

// TestReadBodyOfUnknownLengthAllocatesAboutTheCap: reading a body of
// unknown length up to the cap allocates about twice the cap in all (the
// doubling buffer, capped at the cap), never the 2.5 times io.ReadAll's
// regrowth took, and holds at most 1.5 times the cap at once (issue 12
// item 9).
func TestReadBodyOfUnknownLengthAllocatesAboutTheCap(t *testing.T) { //nolint:paralleltest // measures the process's allocations
	const limit = 16 << 20
	src := bytes.Repeat([]byte("x"), limit)
	resp := &http.Response{StatusCode: 200, ContentLength: -1, Body: io.NopCloser(smallReads{bytes.NewReader(src)})}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	bb, err := readBody(resp, limit)
	runtime.ReadMemStats(&after)
	require.NoError(t, err)
	assert.Len(t, bb.data, limit)
	ratio := float64(after.TotalAlloc-before.TotalAlloc) / limit
	t.Logf("allocated %.2f× the cap", ratio)
	assert.Less(t, ratio, 2.1, "io.ReadAll allocated 2.46×")
	assert.LessOrEqual(t, cap(bb.data), limit+1, "the buffer never outgrows the cap")
}

// TestCheckRetryDecidesOncePerAttempt: a second call for the same attempt
// (go-retryablehttp makes one when a response handler is set) returns the
// first decision and spends nothing.
func TestCheckRetryDecidesOncePerAttempt(t *testing.T) {
	t.Parallel()
	c, err := New(secret, WithRetry(3, time.Millisecond, time.Millisecond))
	require.NoError(t, err)
	cl := &call{route: routeListRecords, ids: []string{"dstA"}}
	st := &callState{call: cl, decl: cl.route.decl(), path: "/fusion/v1/datasheets/dstA/records", attempts: 1}
	ctx := context.WithValue(t.Context(), stateKey{}, st)
	resp := &http.Response{StatusCode: 503, Header: http.Header{}, Body: &bufferedBody{Reader: bytes.NewReader(nil)}}
	first, err := c.checkRetry(ctx, resp, nil)
	require.NoError(t, err)
	assert.True(t, first)
	spent, wait := st.failures, st.wait
	again, err := c.checkRetry(ctx, resp, nil)
	require.NoError(t, err)
	assert.Equal(t, first, again)
	assert.Equal(t, spent, st.failures, "no second retry spent")
	assert.Equal(t, wait, st.wait)
}
