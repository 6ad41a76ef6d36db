package apitable

// Hostile and broken servers (issue 5, item 4). Every case must end in a
// clear error (or a clean decode), never a panic, never a leaked goroutine.
// These tests are not parallel: each checks for goroutine leaks at its end,
// which is only meaningful while no other test runs.

import (
	"bufio"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/apitable-go/apitable/internal/retry"
)

// noLeaks registers a goroutine-leak check that runs after every cleanup
// registered later (servers, transports). Call it first.
func noLeaks(t *testing.T) {
	t.Helper()
	opts := []goleak.Option{
		goleak.IgnoreTopFunction("net/http.(*persistConn).readLoop"),
		goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"),
		goleak.IgnoreTopFunction("internal/poll.runtime_pollWait"),
		goleak.IgnoreCurrent(),
	}
	t.Cleanup(func() { goleak.VerifyNone(t, opts...) })
}

// hostileServer starts a loopback server that logs nothing and is torn down
// (connections included) when the test ends.
func hostileServer(t *testing.T, h http.Handler, tlsOn bool) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	if tlsOn {
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(func() {
		srv.CloseClientConnections()
		srv.Close()
	})
	return srv
}

// hostileClient returns a client on its own transport (closed at the end,
// so idle connections do not outlive the test) with fast retries: 3
// attempts in all.
func hostileClient(t *testing.T, base string, opts ...Option) *Client {
	t.Helper()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(tr.CloseIdleConnections)
	all := []Option{
		WithBaseURL(base),
		WithHTTPClient(&http.Client{Transport: tr}),
		WithRetry(2, time.Millisecond, 2*time.Millisecond),
		WithRateLimit(1e6),
	}
	c, err := New(secret, append(all, opts...)...)
	require.NoError(t, err)
	return c
}

// patternReader yields n bytes of b repeated, without allocating them.
type patternReader struct {
	b byte
	n int64
}

func (r *patternReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > r.n {
		p = p[:r.n]
	}
	for i := range p {
		p[i] = r.b
	}
	r.n -= int64(len(p))
	return len(p), nil
}

// bigEnvelope streams a success envelope of about size bytes.
func bigEnvelope(size int64) io.Reader {
	const prefix = `{"success":true,"code":200,"message":"SUCCESS","data":{"records":[],"pad":"`
	const suffix = `"}}`
	return io.MultiReader(strings.NewReader(prefix),
		&patternReader{b: 'x', n: size - int64(len(prefix)+len(suffix))},
		strings.NewReader(suffix))
}

// streamBody answers status with body, counting the bytes the server
// managed to write.
func streamBody(w http.ResponseWriter, status int, body io.Reader, written *atomic.Int64) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	buf := make([]byte, 32<<10)
	for {
		n, err := body.Read(buf)
		if n > 0 {
			m, werr := w.Write(buf[:n])
			written.Add(int64(m))
			if werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

const okRecords = `{"success":true,"code":200,"message":"SUCCESS","data":{"total":0,"pageNum":1,"pageSize":0,"records":[]}}`

func TestHostileOversizedSuccessBody(t *testing.T) { //nolint:paralleltest // a goroutine-leak check (goleak via noLeaks) looks at the whole process
	noLeaks(t)
	var written atomic.Int64
	srv := hostileServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		streamBody(w, 200, bigEnvelope(1<<20), &written)
	}), false)
	c := hostileClient(t, srv.URL, WithMaxResponseBytes(64<<10))
	_, err := c.Records.List(t.Context(), "dstA", nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "response body exceeds 65536 bytes")
	assert.Contains(t, err.Error(), "WithMaxResponseBytes")
	assert.Contains(t, err.Error(), "GET /fusion/v1/datasheets/dstA/records")
}

// TestHostileDefaultCap70MiB streams 70 MiB (never held by the test) against
// the default 64 MiB cap.
func TestHostileDefaultCap70MiB(t *testing.T) { //nolint:paralleltest // a goroutine-leak check (goleak via noLeaks) looks at the whole process
	noLeaks(t)
	const size = 70 << 20
	var written atomic.Int64
	srv := hostileServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		streamBody(w, 200, bigEnvelope(size), &written)
	}), false)
	c := hostileClient(t, srv.URL)

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := c.Records.List(t.Context(), "dstA", nil)
	runtime.ReadMemStats(&after)
	require.Error(t, err)
	assert.Contains(t, err.Error(), fmt.Sprintf("response body exceeds %d bytes", defaultMaxResponse))
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("70 MiB body vs 64 MiB cap: allocated %d MiB during the call, heap in use %d MiB, sys %d→%d MiB, server wrote %d MiB",
		alloc>>20, after.HeapInuse>>20, before.Sys>>20, after.Sys>>20, written.Load()>>20)
	// The cap bounds memory: the reader grows to 64 MiB (plus append
	// growth, about 160 MiB in all); the body is not copied again.
	assert.Less(t, alloc, uint64(5*defaultMaxResponse), "allocation during the call")
}

// TestHostileOversizedErrorBody: an error body is read up to 1 MiB only.
func TestHostileOversizedErrorBody(t *testing.T) { //nolint:paralleltest // a goroutine-leak check (goleak via noLeaks) looks at the whole process
	noLeaks(t)
	const size = 64 << 20
	var written atomic.Int64
	srv := hostileServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body := io.MultiReader(strings.NewReader("<html><body>Bad Request "), &patternReader{b: 'z', n: size})
		streamBody(w, http.StatusBadRequest, body, &written)
	}), false)
	c := hostileClient(t, srv.URL)
	start := time.Now()
	_, err := c.Records.List(t.Context(), "dstA", nil)
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.ErrorIs(t, err, ErrInvalidRequest)
	assert.Equal(t, 400, apiErr.HTTPStatus)
	assert.Equal(t, 1, apiErr.Attempts, "a 400 is definite")
	assert.True(t, strings.HasPrefix(apiErr.Snippet, "<html><body>Bad Request zzz"), apiErr.Snippet)
	assert.LessOrEqual(t, len(apiErr.Snippet), 120+len("…"))
	assert.Contains(t, err.Error(), "HTTP 400")
	assert.Contains(t, err.Error(), "unexpected body")
	assert.NotContains(t, err.Error(), "\n")
	// Closing after 1 MiB stops the server's writes; loopback socket
	// buffers absorb a few MiB at most.
	assert.Eventually(t, func() bool {
		w := written.Load()
		time.Sleep(20 * time.Millisecond)
		return w == written.Load()
	}, 5*time.Second, 10*time.Millisecond)
	t.Logf("error body: server wrote %d KiB of %d MiB in %v", written.Load()>>10, size>>20, time.Since(start))
	assert.Less(t, written.Load(), int64(32<<20), "the client read far more than 1 MiB of the error body")

	// A valid envelope whose message makes the body exceed 1 MiB is cut
	// too: the truncated body is reported as a snippet.
	srv2 := hostileServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusForbidden)
		_, _ = fmt.Fprintf(w, `{"success":false,"code":403,"message":"%s"}`, strings.Repeat("m", 2<<20))
	}), false)
	c2 := hostileClient(t, srv2.URL)
	_, err = c2.Records.List(t.Context(), "dstA", nil)
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 403, apiErr.HTTPStatus)
	assert.ErrorIs(t, err, ErrForbidden)
	assert.True(t, strings.HasPrefix(apiErr.Snippet, `{"success":false,"code":403`), apiErr.Snippet)
	assert.Less(t, len(err.Error()), 400)
}

func TestHostileDeepAndWideJSON(t *testing.T) { //nolint:paralleltest // a goroutine-leak check (goleak via noLeaks) looks at the whole process
	noLeaks(t)
	deep := func(n int, open, close string) string {
		return strings.Repeat(open, n) + strings.Repeat(close, n)
	}
	wide := func(n int) string {
		var b strings.Builder
		b.WriteString("{")
		for i := range n {
			if i > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, `"k%d":%d`, i, i)
		}
		b.WriteString("}")
		return b.String()
	}
	const n = 100_000
	cases := []struct {
		name string
		body string
		// ok: the body decodes; else the error must contain want.
		ok   bool
		want string
	}{
		{"bare unterminated brackets", strings.Repeat("[", n), false, "response is not an API envelope"},
		{"bare brackets in an object", `{"a":` + strings.Repeat("[", n), false, "response is not an API envelope"},
		{"deep data array", `{"success":true,"code":200,"data":` + deep(n, "[", "]") + `}`, false, "response is not an API envelope"},
		{"deep data object", `{"success":true,"code":200,"data":` + deep(n, `{"a":`, "}") + `}`, false, "response is not an API envelope"},
		{"deep message", `{"success":false,"code":400,"message":` + deep(n, "[", "]") + `}`, false, "response is not an API envelope"},
		{"deep cell within the limit", `{"success":true,"code":200,"data":{"records":[{"recordId":"rec1","fields":{"A":` + deep(9000, "[", "]") + `}}]}}`, true, ""},
		{"deep cell beyond the limit", `{"success":true,"code":200,"data":{"records":[{"recordId":"rec1","fields":{"A":` + deep(20_000, "[", "]") + `}}]}}`, false, "response is not an API envelope"},
		{"wide fields", `{"success":true,"code":200,"data":{"records":[{"recordId":"rec1","fields":` + wide(n) + `}]}}`, true, ""},
		{"wide envelope", `{"success":true,"code":200,"data":{"records":[]},` + wide(n)[1:], true, ""},
		{"wide data where an object is expected", `{"success":true,"code":200,"data":` + wide(n) + `}`, true, ""},
	}
	srvBody := make(chan string, 1)
	srv := hostileServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = fmt.Fprint(w, <-srvBody)
	}), false)
	c := hostileClient(t, srv.URL, WithRetry(0, 0, 0))
	for _, tc := range cases { //nolint:paralleltest // a goroutine-leak check (goleak via noLeaks) looks at the whole process
		t.Run(tc.name, func(t *testing.T) {
			srvBody <- tc.body
			page, err := c.Records.List(t.Context(), "dstA", nil)
			if tc.ok {
				require.NoError(t, err)
				if tc.name == "wide fields" {
					require.Len(t, page.Records, 1)
					assert.Len(t, page.Records[0].Fields, n)
				}
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			var apiErr *APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, 200, apiErr.HTTPStatus)
			assert.NotEmpty(t, apiErr.Snippet)
			assert.Less(t, len(err.Error()), 300)
		})
	}
}

func TestHostileEnvelopeWrongTypes(t *testing.T) { //nolint:paralleltest // a goroutine-leak check (goleak via noLeaks) looks at the whole process
	noLeaks(t)
	const notEnvelope = "response is not an API envelope"
	cases := []struct {
		name    string
		body    string
		ok      bool
		apiErr  bool   // an *APIError, else a local decoding error
		want    string // in err.Error()
		snippet bool   // the APIError carries the body's start
		is      error
	}{
		{"success as string", `{"success":"true","code":200,"data":{"records":[]}}`, false, true, notEnvelope, true, nil},
		{"success as number", `{"success":1,"code":200,"data":{"records":[]}}`, false, true, notEnvelope, true, nil},
		{"success null", `{"success":null,"code":200,"data":{"records":[]}}`, false, true, notEnvelope, true, nil},
		{"success missing", `{"code":200,"data":{"records":[]}}`, false, true, notEnvelope, true, nil},
		{"failure with code as string", `{"success":false,"code":"301","message":"Can't find the specified datasheet"}`, false, true, notEnvelope, true, nil},
		{"failure with fractional code", `{"success":false,"code":3.5,"message":"x"}`, false, true, notEnvelope, true, nil},
		{"failure with huge code", `{"success":false,"code":1e400,"message":"x"}`, false, true, notEnvelope, true, nil},
		{"failure with message object", `{"success":false,"code":400,"message":{"text":"Invalid fields"}}`, false, true, "code 400 (HTTP 200)", false, ErrInvalidRequest},
		{"failure with message number", `{"success":false,"code":301,"message":42}`, false, true, "code 301 (HTTP 200)", false, ErrDatasheetNotFound},
		{"failure with multi-line message", `{"success":false,"code":400,"message":"line one\nline two\r\nthree"}`, false, true, "code 400 (HTTP 200): line one", false, ErrInvalidRequest},
		{"success with code as string", `{"success":true,"code":"200","data":{"records":[]}}`, true, false, "", false, nil},
		{"success with message object", `{"success":true,"code":200,"message":{},"data":{"records":[]}}`, true, false, "", false, nil},
		{"data as string", `{"success":true,"code":200,"data":"records"}`, false, false, "decoding data: json: cannot unmarshal string into Go value of type apitable.", false, nil},
		{"data as array", `{"success":true,"code":200,"data":[1,2]}`, false, false, "decoding data: json: cannot unmarshal array", false, nil},
		{"records as string", `{"success":true,"code":200,"data":{"records":"none"}}`, false, false, "decoding data: json: cannot unmarshal string into Go struct field", false, nil},
		{"record fields as array", `{"success":true,"code":200,"data":{"records":[{"recordId":"rec1","fields":[]}]}}`, false, false, "decoding data", false, nil},
		{"top-level array", `[{"success":true}]`, false, true, notEnvelope, true, nil},
		{"top-level string", `"success"`, false, true, notEnvelope, true, nil},
		{"empty body", ``, false, true, notEnvelope, false, nil},
		{"NUL bytes", "\x00\x00\x00", false, true, notEnvelope, true, nil},
		{"invalid UTF-8", "{\"success\":false,\"code\":400,\"message\":\"\xff\xfe\"}", false, true, "code 400", false, ErrInvalidRequest},
	}
	srvBody := make(chan string, 1)
	srv := hostileServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = fmt.Fprint(w, <-srvBody)
	}), false)
	c := hostileClient(t, srv.URL, WithRetry(0, 0, 0))
	for _, tc := range cases { //nolint:paralleltest // a goroutine-leak check (goleak via noLeaks) looks at the whole process
		t.Run(tc.name, func(t *testing.T) {
			srvBody <- tc.body
			_, err := c.Records.List(t.Context(), "dstA", nil)
			if tc.ok {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.NotContains(t, err.Error(), "\n", "one line")
			assert.NotContains(t, err.Error(), "\r", "one line")
			assert.Contains(t, err.Error(), "GET /fusion/v1/datasheets/dstA/records")
			var apiErr *APIError
			if !tc.apiErr {
				assert.False(t, errors.As(err, &apiErr), "a local decoding error, not an API error: %v", err)
				return
			}
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, 200, apiErr.HTTPStatus)
			if tc.snippet {
				assert.NotEmpty(t, apiErr.Snippet)
			}
			if tc.is != nil {
				assert.ErrorIs(t, err, tc.is)
			}
		})
	}
}

// TestHostileSuccessWithoutData: a route that returns data fails clearly;
// Delete, whose data is legitimately absent (server-behaviour.md §6.4), succeeds.
func TestHostileSuccessWithoutData(t *testing.T) { //nolint:paralleltest // a goroutine-leak check (goleak via noLeaks) looks at the whole process
	noLeaks(t)
	for _, body := range []string{
		`{"success":true,"code":200,"message":"SUCCESS"}`,
		`{"success":true,"code":200,"message":"SUCCESS","data":null}`,
		`{"success":true}`,
	} {
		var mu sync.Mutex
		var methods []string
		srv := hostileServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			methods = append(methods, r.Method)
			mu.Unlock()
			_, _ = fmt.Fprint(w, body)
		}), false)
		c := hostileClient(t, srv.URL, WithRetry(0, 0, 0))
		_, err := c.Records.List(t.Context(), "dstA", nil)
		require.Error(t, err, body)
		assert.Contains(t, err.Error(), "GET /fusion/v1/datasheets/dstA/records: success response without data")

		_, err = c.Records.Create(t.Context(), "dstA", []Fields{{"A": "x"}}, nil)
		require.Error(t, err, body)
		assert.Contains(t, err.Error(), "POST /fusion/v1/datasheets/dstA/records: success response without data")

		_, err = c.Nodes.Get(t.Context(), "fod1")
		require.Error(t, err, body)
		assert.Contains(t, err.Error(), "success response without data")

		require.NoError(t, c.Records.Delete(t.Context(), "dstA", []string{"rec1", "rec2"}), body)
		mu.Lock()
		assert.Equal(t, []string{"GET", "POST", "GET", "DELETE"}, methods)
		mu.Unlock()
	}
}

func TestHostileHTMLErrorPages(t *testing.T) { //nolint:paralleltest // a goroutine-leak check (goleak via noLeaks) looks at the whole process
	noLeaks(t)
	const page = "<!DOCTYPE html>\n<html>\n<head><title>%d Gateway</title></head>\n<body><h1>nginx says %d</h1></body>\n</html>\n"
	for _, status := range []int{200, 502, 503} { //nolint:paralleltest // a goroutine-leak check (goleak via noLeaks) looks at the whole process
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			var hits atomic.Int32
			srv := hostileServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				n := hits.Add(1)
				w.Header().Set("Content-Type", "text/html")
				w.Header().Set("request-id", fmt.Sprintf("req-%d", n))
				w.WriteHeader(status)
				_, _ = fmt.Fprintf(w, page, status, n)
			}), false)
			c := hostileClient(t, srv.URL)
			_, err := c.Records.List(t.Context(), "dstA", nil)
			var apiErr *APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, status, apiErr.HTTPStatus)
			assert.Zero(t, apiErr.Code)
			assert.True(t, strings.HasPrefix(apiErr.Snippet, "<!DOCTYPE html> <html> <head><title>"), apiErr.Snippet)
			assert.NotContains(t, err.Error(), "\n")
			if status == 200 {
				assert.Equal(t, int32(1), hits.Load(), "a 200 is a definite answer")
				assert.Contains(t, err.Error(), "HTTP 200: response is not an API envelope")
				assert.NotErrorIs(t, err, ErrServer)
				return
			}
			// 502/503 on a GET: retried, then the last real answer.
			assert.Equal(t, int32(3), hits.Load())
			assert.Equal(t, 3, apiErr.Attempts)
			assert.Equal(t, "req-3", apiErr.RequestID, "the last attempt's error")
			assert.Contains(t, apiErr.Snippet, "nginx says 3")
			assert.ErrorIs(t, err, ErrServer)
			assert.Contains(t, err.Error(), fmt.Sprintf("HTTP %d: unexpected body", status))
			assert.Contains(t, err.Error(), "(after 3 attempts)")
		})
	}
}

// slowloris answers 200 at once, then trickles one byte per second until
// the client goes away.
func slowloris(hits *atomic.Int32) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, `{"success":true,`)
		w.(http.Flusher).Flush()
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-r.Context().Done():
				return
			case <-tick.C:
				if _, err := io.WriteString(w, " "); err != nil {
					return
				}
				w.(http.Flusher).Flush()
			}
		}
	}
}

func TestHostileSlowlorisGET(t *testing.T) { //nolint:paralleltest // a goroutine-leak check (goleak via noLeaks) looks at the whole process
	noLeaks(t)
	var hits atomic.Int32
	srv := hostileServer(t, slowloris(&hits), false)
	c := hostileClient(t, srv.URL, WithAttemptTimeout(300*time.Millisecond))
	start := time.Now()
	_, err := c.Records.List(t.Context(), "dstA", nil)
	elapsed := time.Since(start)
	require.Error(t, err)
	t.Logf("GET against slowloris: %v after %v", err, elapsed)
	assert.Contains(t, err.Error(), "attempt timed out after 300ms")
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.NotErrorIs(t, err, ErrOutcomeUnknown, "a read has no outcome to be unsure about")
	assert.Equal(t, int32(3), hits.Load(), "a read is retried after a timeout")
	assert.Less(t, elapsed, 3*time.Second)
}

func TestHostileSlowlorisCreate(t *testing.T) { //nolint:paralleltest // a goroutine-leak check (goleak via noLeaks) looks at the whole process
	noLeaks(t)
	var hits atomic.Int32
	srv := hostileServer(t, slowloris(&hits), false)
	c := hostileClient(t, srv.URL, WithAttemptTimeout(300*time.Millisecond))
	start := time.Now()
	_, err := c.Records.Create(t.Context(), "dstA", []Fields{{"A": "x"}}, nil)
	require.Error(t, err)
	t.Logf("create against slowloris: %v after %v", err, time.Since(start))
	assert.ErrorIs(t, err, ErrOutcomeUnknown)
	assert.Contains(t, err.Error(), "attempt timed out after 300ms")
	var be *BatchError
	require.ErrorAs(t, err, &be)
	assert.Equal(t, []int{0}, be.Indices(ChunkOutcomeUnknown))
	assert.Equal(t, int32(1), hits.Load(), "a create is never re-sent")
}

// TestHostileRedirectToOtherHost: the token never follows a redirect to
// another host (127.0.0.1 → localhost), whatever the redirect status.
func TestHostileRedirectToOtherHost(t *testing.T) { //nolint:paralleltest // a goroutine-leak check (goleak via noLeaks) looks at the whole process
	noLeaks(t)
	for _, status := range []int{http.StatusMovedPermanently, http.StatusFound, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} { //nolint:paralleltest // a goroutine-leak check (goleak via noLeaks) looks at the whole process
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			var bHits atomic.Int32
			var bAuth atomic.Value
			b := hostileServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				bHits.Add(1)
				bAuth.Store(r.Header.Get("Authorization") + "|" + r.URL.String())
				_, _ = fmt.Fprint(w, okRecords)
			}), false)
			bURL := strings.Replace(b.URL, "127.0.0.1", "localhost", 1)
			var aAuth atomic.Value
			a := hostileServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				aAuth.Store(r.Header.Get("Authorization"))
				http.Redirect(w, r, bURL+r.URL.RequestURI(), status) //nolint:gosec // G710: a test server whose redirects are the point of the test
			}), false)
			c := hostileClient(t, a.URL)
			_, err := c.Records.List(t.Context(), "dstA", nil)
			require.NoError(t, err, "B answers a valid page")
			assert.Equal(t, "Bearer "+secret, aAuth.Load(), "A, the configured host, gets the token")
			require.Equal(t, int32(1), bHits.Load())
			got := bAuth.Load().(string)
			assert.NotContains(t, got, secret)
			assert.True(t, strings.HasPrefix(got, "|"), "B saw an Authorization header: %q", got)
		})
	}
}

// TestHostileRedirectToOtherPort: same host name, another port (another
// origin, maybe another service). Go's client keeps Authorization when only
// the port changes; the client must not.
func TestHostileRedirectToOtherPort(t *testing.T) { //nolint:paralleltest // a goroutine-leak check (goleak via noLeaks) looks at the whole process
	noLeaks(t)
	var bAuth atomic.Value
	b := hostileServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		bAuth.Store("seen:" + r.Header.Get("Authorization"))
		_, _ = fmt.Fprint(w, okRecords)
	}), false)
	a := hostileServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, b.URL+r.URL.RequestURI(), http.StatusTemporaryRedirect) //nolint:gosec // G710: a test server whose redirects are the point of the test
	}), false)
	c := hostileClient(t, a.URL)
	_, err := c.Records.List(t.Context(), "dstA", nil)
	require.NoError(t, err)
	assert.Equal(t, "seen:", bAuth.Load(), "the token leaked to another port")
}

// TestHostileRedirectCallerPolicy: the caller's CheckRedirect still
// decides; here it refuses to follow, and the 307 itself is the answer.
func TestHostileRedirectCallerPolicy(t *testing.T) { //nolint:paralleltest // a goroutine-leak check (goleak via noLeaks) looks at the whole process
	noLeaks(t)
	var hits atomic.Int32
	srv := hostileServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Redirect(w, r, "/elsewhere", http.StatusTemporaryRedirect)
	}), false)
	tr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(tr.CloseIdleConnections)
	hc := &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	c := hostileClient(t, srv.URL, WithHTTPClient(hc))
	_, err := c.Records.List(t.Context(), "dstA", nil)
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusTemporaryRedirect, apiErr.HTTPStatus)
	assert.Contains(t, err.Error(), "HTTP 307: response is not an API envelope")
	assert.Equal(t, int32(1), hits.Load())
}

// TestHostileRedirectWithinOrigin: a redirect on the same origin keeps the
// token (a gateway that moves a path).
func TestHostileRedirectWithinOrigin(t *testing.T) { //nolint:paralleltest // a goroutine-leak check (goleak via noLeaks) looks at the whole process
	noLeaks(t)
	var auth atomic.Value
	srv := hostileServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/moved") {
			http.Redirect(w, r, "/moved"+r.URL.RequestURI(), http.StatusTemporaryRedirect) //nolint:gosec // G710: a test server whose redirects are the point of the test
			return
		}
		auth.Store(r.Header.Get("Authorization"))
		_, _ = fmt.Fprint(w, okRecords)
	}), false)
	c := hostileClient(t, srv.URL)
	_, err := c.Records.List(t.Context(), "dstA", nil)
	require.NoError(t, err)
	assert.Equal(t, "Bearer "+secret, auth.Load())
}

func TestHostileRedirectLoop(t *testing.T) { //nolint:paralleltest // a goroutine-leak check (goleak via noLeaks) looks at the whole process
	noLeaks(t)
	var hits atomic.Int32
	srv := hostileServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Redirect(w, r, r.URL.RequestURI(), http.StatusTemporaryRedirect) //nolint:gosec // G710: a test server whose redirects are the point of the test
	}), false)
	c := hostileClient(t, srv.URL)
	_, err := c.Records.List(t.Context(), "dstA", nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "stopped after 10 redirects")
	assert.Equal(t, retry.Local, retry.ClassifyError(err))
	assert.Equal(t, int32(10), hits.Load(), "one call (the first request and 9 redirects; the 10th is refused), not retried")
}

// connCounter counts the TCP connections a server accepts.
func connCounter(srv *httptest.Server) *atomic.Int32 {
	var n atomic.Int32
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			n.Add(1)
		}
	}
	return &n
}

func TestHostileUntrustedCertificate(t *testing.T) { //nolint:paralleltest // a goroutine-leak check (goleak via noLeaks) looks at the whole process
	noLeaks(t)
	var hits atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		_, _ = fmt.Fprint(w, okRecords)
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	conns := connCounter(srv)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	// The default http client: the test server's certificate is not trusted.
	c, err := New(secret, WithBaseURL(srv.URL), WithRetry(2, time.Millisecond, 2*time.Millisecond), WithRateLimit(1e6))
	require.NoError(t, err)
	for _, create := range []bool{false, true} {
		conns.Store(0)
		if create {
			_, err = c.Records.Create(t.Context(), "dstA", []Fields{{"A": "x"}}, nil)
			assert.NotErrorIs(t, err, ErrOutcomeUnknown, "the handshake failed: nothing was sent")
		} else {
			_, err = c.Records.List(t.Context(), "dstA", nil)
		}
		require.Error(t, err)
		assert.Contains(t, err.Error(), "x509: certificate signed by unknown authority")
		assert.Equal(t, retry.Local, retry.ClassifyError(err))
		assert.Equal(t, int32(1), conns.Load(), "certificate errors are never retried")
	}
	assert.Zero(t, hits.Load())
}

func TestHostilePlainHTTPAsHTTPS(t *testing.T) { //nolint:paralleltest // a goroutine-leak check (goleak via noLeaks) looks at the whole process
	noLeaks(t)
	var hits atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	conns := connCounter(srv)
	srv.Start()
	t.Cleanup(srv.Close)
	c := hostileClient(t, "https://"+srv.Listener.Addr().String())
	_, err := c.Records.List(t.Context(), "dstA", nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "tls: first record does not look like a TLS handshake")
	assert.Equal(t, retry.Local, retry.ClassifyError(err))
	assert.Equal(t, int32(1), conns.Load(), "one attempt")
	assert.Zero(t, hits.Load())
}

// hangUp reads the request, then closes the connection without a response.
func hangUp(hits *atomic.Int32) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		_, _ = io.Copy(io.Discard, r.Body)
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			panic(err)
		}
		_ = buf.Flush()
		_ = conn.Close()
	}
}

func TestHostileHangUpGET(t *testing.T) { //nolint:paralleltest // a goroutine-leak check (goleak via noLeaks) looks at the whole process
	noLeaks(t)
	var hits atomic.Int32
	srv := hostileServer(t, hangUp(&hits), false)
	c := hostileClient(t, srv.URL)
	_, err := c.Records.List(t.Context(), "dstA", nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "GET /fusion/v1/datasheets/dstA/records: EOF")
	assert.ErrorIs(t, err, io.EOF)
	assert.NotErrorIs(t, err, ErrOutcomeUnknown)
	assert.Equal(t, int32(3), hits.Load(), "retried, then the last error")
}

func TestHostileHangUpCreate(t *testing.T) { //nolint:paralleltest // a goroutine-leak check (goleak via noLeaks) looks at the whole process
	noLeaks(t)
	var hits atomic.Int32
	srv := hostileServer(t, hangUp(&hits), false)
	c := hostileClient(t, srv.URL)
	_, err := c.Records.Create(t.Context(), "dstA", []Fields{{"A": "x"}}, nil)
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrOutcomeUnknown)
	assert.ErrorIs(t, err, io.EOF)
	assert.Contains(t, err.Error(), "outcome unknown (the request may have been applied): apitable: POST /fusion/v1/datasheets/dstA/records: EOF")
	var be *BatchError
	require.ErrorAs(t, err, &be)
	assert.Equal(t, []int{0}, be.Indices(ChunkOutcomeUnknown))
	assert.Equal(t, int32(1), hits.Load(), "sent once")
}

// TestHostileGarbageStatusLine: bytes that are not HTTP at all.
func TestHostileGarbageStatusLine(t *testing.T) { //nolint:paralleltest // a goroutine-leak check (goleak via noLeaks) looks at the whole process
	noLeaks(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var hits atomic.Int32
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			hits.Add(1)
			_, _ = bufio.NewReader(conn).ReadString('\n')
			_, _ = io.WriteString(conn, "SSH-2.0-OpenSSH_9.6\r\n\x00\x01\x02garbage\r\n\r\n")
			_ = conn.Close()
		}
	}()
	t.Cleanup(func() { _ = ln.Close(); <-done })
	c := hostileClient(t, "http://"+ln.Addr().String())
	_, err = c.Records.List(t.Context(), "dstA", nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "malformed HTTP response")
	assert.Equal(t, int32(3), hits.Load(), "a read is retried after a broken answer")
	_, err = c.Records.Create(t.Context(), "dstA", []Fields{{"A": "x"}}, nil)
	assert.ErrorIs(t, err, ErrOutcomeUnknown)
	assert.Equal(t, int32(4), hits.Load(), "a create is sent once")
}

// TestHostileGzipBomb: a small gzip body that inflates past the cap. The
// transport inflates it transparently; the cap counts inflated bytes.
func TestHostileGzipBomb(t *testing.T) { //nolint:paralleltest // a goroutine-leak check (goleak via noLeaks) looks at the whole process
	noLeaks(t)
	var compressed atomic.Int64
	srv := hostileServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Encoding", "gzip")
		cw := &countWriter{w: w, n: &compressed}
		zw := gzip.NewWriter(cw)
		_, _ = io.Copy(zw, bigEnvelope(256<<20))
		_ = zw.Close()
	}), false)
	c := hostileClient(t, srv.URL, WithMaxResponseBytes(8<<20))
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := c.Records.List(t.Context(), "dstA", nil)
	runtime.ReadMemStats(&after)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "response body exceeds 8388608 bytes")
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("gzip bomb (256 MiB inflated): allocated %d MiB, server sent %d KiB compressed", alloc>>20, compressed.Load()>>10)
	assert.Less(t, alloc, uint64(128<<20))
}

type countWriter struct {
	w io.Writer
	n *atomic.Int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n.Add(int64(n))
	return n, err
}

// TestHostileNoHeaders: the server reads the request and never answers.
func TestHostileNoHeaders(t *testing.T) { //nolint:paralleltest // a goroutine-leak check (goleak via noLeaks) looks at the whole process
	noLeaks(t)
	var hits atomic.Int32
	srv := hostileServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		_, _ = io.Copy(io.Discard, r.Body)
		<-r.Context().Done()
	}), false)
	c := hostileClient(t, srv.URL, WithAttemptTimeout(200*time.Millisecond))
	_, err := c.Records.List(t.Context(), "dstA", nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "attempt timed out after 200ms")
	assert.Equal(t, int32(3), hits.Load())
	_, err = c.Records.Create(t.Context(), "dstA", []Fields{{"A": "x"}}, nil)
	assert.ErrorIs(t, err, ErrOutcomeUnknown)
	assert.Contains(t, err.Error(), "attempt timed out after 200ms")
	assert.Equal(t, int32(4), hits.Load(), "the create is sent once")
}

// TestHostileSuccessEnvelopeUnderErrorStatus: a success body under an HTTP
// error status is not trusted (a proxy or cache answered, not the API).
func TestHostileSuccessEnvelopeUnderErrorStatus(t *testing.T) {
	t.Parallel()
	for _, status := range []int{400, 500, 503} {
		c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(status)
			_, _ = fmt.Fprint(w, `{"success":true,"code":200,"message":"SUCCESS","data":{"records":[{"recordId":"rec1","fields":{"A":"x"}}]}}`)
		}, WithRetry(1, time.Millisecond, time.Millisecond))
		_, err := c.Records.Create(t.Context(), "dstA", []Fields{{"A": "x"}}, nil)
		var apiErr *APIError
		require.ErrorAs(t, err, &apiErr, "HTTP %d", status)
		assert.Equal(t, status, apiErr.HTTPStatus)
		assert.Contains(t, apiErr.Error(), "error status with a success envelope")
		var be *BatchError
		require.ErrorAs(t, err, &be)
		assert.Empty(t, be.Indices(ChunkApplied), "HTTP %d: nothing is reported applied", status)
		_, err = c.Records.List(t.Context(), "dstA", nil)
		assert.ErrorAs(t, err, &apiErr)
	}
}

// TestHostileUnusableWriteAnswerIsOutcomeUnknown: a write answered 2xx
// whose body cannot be used (success without data, wrong-typed data, an
// HTML page with 201, a body over the size cap) may have been applied: it
// is outcome-unknown, never a definite failure a caller would re-send
// (issue 12 item 1).
func TestHostileUnusableWriteAnswerIsOutcomeUnknown(t *testing.T) { //nolint:paralleltest // a goroutine-leak check (goleak via noLeaks) looks at the whole process
	noLeaks(t)
	const limit = 4 << 10
	answers := []struct {
		name, body string
		withData   bool // the write expects data (a delete does not)
	}{
		{"no data", `{"success":true,"code":200,"message":"SUCCESS"}`, true},
		{"wrong-typed data", `{"success":true,"code":200,"data":{"records":"x","id":7,"token":[1],"linkId":[2]}}`, true},
		{"html 201", `<html><body>Created</body></html>`, false},
		{"over the cap", `{"success":true,"code":200,"data":{"records":[],"pad":"` + strings.Repeat("x", limit) + `"}}`, false},
	}
	writes := []struct {
		name     string
		needData bool
		call     func(c *Client) error
	}{
		{"Records.Create", true, func(c *Client) error {
			_, err := c.Records.Create(t.Context(), "dstA", []Fields{{"A": "x"}}, nil)
			return err
		}},
		{"Records.Update", true, func(c *Client) error {
			_, err := c.Records.Update(t.Context(), "dstA", []RecordUpdate{{ID: "rec1", Fields: Fields{"A": "x"}}}, nil)
			return err
		}},
		{"Records.Delete", false, func(c *Client) error { return c.Records.Delete(t.Context(), "dstA", []string{"rec1"}) }},
		{"Attachments.Upload", true, func(c *Client) error {
			_, err := c.Attachments.Upload(t.Context(), "dstA", "a.txt", strings.NewReader("hello"), nil)
			return err
		}},
		{"Fields.Create", true, func(c *Client) error {
			_, err := c.Fields.Create(t.Context(), "spcS", "dstA", CreateFieldParams{Name: "B", Property: SingleTextField{}})
			return err
		}},
		{"Datasheets.Create", true, func(c *Client) error {
			_, err := c.Datasheets.Create(t.Context(), "spcS", CreateDatasheetParams{Name: "S"})
			return err
		}},
		{"Nodes.CreateEmbedLink", true, func(c *Client) error {
			_, err := c.Nodes.CreateEmbedLink(t.Context(), "spcS", "dstA", nil)
			return err
		}},
	}
	srvBody := make(chan string, 1)
	var hits atomic.Int32
	srv := hostileServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusCreated)
		_, _ = fmt.Fprint(w, <-srvBody)
	}), false)
	c := hostileClient(t, srv.URL, WithMaxResponseBytes(limit))
	for _, a := range answers { //nolint:paralleltest // one server answers the subtests in turn, and noLeaks looks at the whole process
		for _, w := range writes {
			if a.withData && !w.needData {
				continue // a delete legitimately has no data
			}
			t.Run(a.name+"/"+w.name, func(t *testing.T) {
				hits.Store(0)
				srvBody <- a.body
				err := w.call(c)
				require.Error(t, err)
				assert.ErrorIs(t, err, ErrOutcomeUnknown, "%v", err)
				assert.Equal(t, int32(1), hits.Load(), "sent once")
			})
		}
	}
}
