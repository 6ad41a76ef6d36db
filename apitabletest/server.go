// Package apitabletest provides an in-memory fake of the APITable Fusion API
// for tests, in the spirit of net/http/httptest.
//
// The fake follows the API as the real server implements it
// (docs/server-behaviour.md, cited as §n below): the response envelope, the guard
// order (route → auth → rate limit → body parser → space/datasheet checks →
// parameter validation → pipes → service), the business codes and messages,
// paging, batch limits, select-option auto-creation, computed fields and the
// rate limiter. Where it deliberately differs from the real server, the
// difference is documented on the relevant option or in the package notes
// below.
//
// Deviations:
//   - DTO validation failures (server-behaviour.md §4.1): the real server never answers a lone
//     failure (the connection hangs); by default the fake answers HTTP 200,
//     code 400, with the tip text of server-behaviour.md §4.3, as the spec recommends, and logs
//     a line saying the real server would not answer (t.Logf, or the
//     WithLogger logger). WithServerHangs holds such requests unanswered
//     like the real server. Several failures or a nested failure give HTTP
//     500, code 500, with message as a JSON array of raw tip ids, like the
//     real server.
//   - Permissions: the token user is a member of every space added with
//     AddSpace and manager of every node unless SetPermission says
//     otherwise (see Role for the capability table and its UNCONFIRMED
//     rows). Field-level permissions are not modelled. A node without
//     permission (RoleNone) is still listed, with permission -1.
//   - Attachments (server-behaviour.md §6.9): more than one file part in an upload answers
//     HTTP 200, code 428 "You have uploaded the maximum number of
//     attachments", as the published API reference documents; the
//     open-source server never raises it (it stores every part and answers
//     with the first). A multipart body without a file part gets code 400
//     "Attachment name can't be empty " where the real server never
//     answers. The space capacity (WithAttachmentCapacity) is checked
//     before the file is read and again once its size is known.
//   - Date strings written to DateTime cells are parsed in UTC (or the
//     field's timeZone); the real server uses its process zone (server-behaviour.md §8.1).
//     Numbers (ms epoch) are stored exactly, as on the real server.
//   - cellFormat=string formats dates in the field's timeZone or UTC.
//   - The v1 rate limiter always uses the configured points (no plan QPS
//     look-up, no whitelist).
//   - v2 node search matches query like the server's LIKE '%query%' on a
//     utf8mb4_unicode_ci column ("%" and "_" wildcards, "\" escapes),
//     with the collation approximated: case folding plus accent removal
//     for Latin-1 and Latin Extended-A letters (é = e, Ł = l); UCA
//     expansions such as ß = ss or æ = ae are not modelled.
//   - Formulas (filterByFormula, view filters, Formula fields) are
//     evaluated with the server's semantics (JavaScript comparisons, blanks,
//     dates as ms) for 81 of 82 server functions; see internal/formula for
//     the list. Dates are read and split in UTC (the server uses its process
//     zone); TODAY() and NOW() read WithClock's clock. A formula the server
//     would reject is answered as the server does (HTTP 200, code 400, empty
//     message) and the reason is logged (t.Logf or WithLogger); one that
//     calls the server function the fake does not evaluate (SET_LOCALE)
//     gets the same answer and the log line "formula function X is valid
//     on the server but not evaluated by apitabletest". A row on which the
//     formula fails to evaluate is left out, as on the server, and the
//     first such failure is logged. Operator precedence differs where "&"
//     meets a comparison (the server reads "a" & "b" = "ab" as
//     "a" & ("b" = "ab")): parenthesise.
//
// Clients: Client, NewClient and InMemoryClient build an apitable.Client
// for the server that is fast by default. The server has no rate limit
// unless a test turns it on with WithRateLimit; without one its clients do
// not pace at all (apitable.WithRateLimit(math.Inf(1))), wait milliseconds
// between retries (apitable.WithRetry(3, time.Millisecond,
// 10*time.Millisecond)) and hold a datasheet back for a millisecond after
// an injected 429 (apitable.WithRateWindow(time.Millisecond)): 100 creates
// and one 429 take about 10–25 ms. With WithRateLimit(points, window)
// the clients mirror that limit (points per window, a pause of one window
// after a 429), like a client configured for a server with that limit.
// Options passed to the client come after these and win. To test
// rate-limit behaviour on purpose, turn the server's limit on and send
// faster than it allows (e.g. a client with apitable.WithRateLimit(50)):
// the server answers with the real 429.
//
// Use NewServer in tests; New (with Close) elsewhere, such as the
// cmd/apitable-fake program.
package apitabletest

import (
	"bytes"
	"cmp"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apitable-go/apitable/apitabletest/internal/fake"
)

// ServerOption configures a Server.
type ServerOption func(*config)

// config is the API's settings (fake.Config) plus the network face's.
type config struct {
	fake.Config
	latency   time.Duration
	seed      uint64
	seeded    bool
	hangs     bool           // WithServerHangs
	logger    *slog.Logger   // WithLogger
	spaceName string         // WithDefaultSpaceName
	network   NetworkProfile // WithNetwork's jitter and connection setup
}

func defaultConfig() config {
	return config{Config: fake.Config{
		Token:       "apitabletest-token",
		RatePoints:  0, // off: tests are fast unless they turn it on (WithRateLimit)
		RateWindow:  time.Second,
		MaxPerWrite: 10,
		MaxRows:     50000,
		BodyLimit:   100 << 20,
		AttachCap:   1 << 30,
	}}
}

// WithToken sets the API token the server accepts (default
// "apitabletest-token").
func WithToken(token string) ServerOption { return func(c *config) { c.Token = token } }

// WithRateLimit turns the v1 rate limit on: points requests per fixed
// window per (datasheet-or-space id, token), server-behaviour.md §3. The real server's default
// is WithRateLimit(5, time.Second). The fake's default is no limit, so that
// tests are fast; the clients it makes mirror whichever limit it has (see
// Clients in the package documentation). points < 1 disables the limiter.
func WithRateLimit(points int, window time.Duration) ServerOption {
	return func(c *config) {
		c.RatePoints = points
		c.RateWindow = window
	}
}

// WithDefaultSpaceName names the default space (SpaceID) that New creates
// (default "apitabletest space").
func WithDefaultSpaceName(name string) ServerOption {
	return func(c *config) { c.spaceName = name }
}

// WithoutRateLimit disables the rate limiter (the default).
func WithoutRateLimit() ServerOption { return func(c *config) { c.RatePoints = 0 } }

// WithLatency adds a fixed delay before every request is handled. The delay
// ends early when the request's context is done.
func WithLatency(d time.Duration) ServerOption { return func(c *config) { c.latency = d } }

// WithMaxRecordsPerWrite sets the maximum number of records per create,
// update or delete (default 10, server-behaviour.md §6.2).
func WithMaxRecordsPerWrite(n int) ServerOption { return func(c *config) { c.MaxPerWrite = n } }

// WithMaxRows sets the row cap of a datasheet (default 50000); a create
// beyond it answers HTTP 500, code 304 (server-behaviour.md §6.2).
func WithMaxRows(n int) ServerOption { return func(c *config) { c.MaxRows = n } }

// WithPathPrefix serves the API under prefix, e.g. "/gateway" gives
// "/gateway/fusion/v1/...".
func WithPathPrefix(prefix string) ServerOption {
	return func(c *config) { c.Prefix = "/" + strings.Trim(prefix, "/") }
}

// WithSeed makes the draws of probabilistic faults (Fault.Rate)
// deterministic: the same seed and the same sequence of matching requests
// give the same faults. Without it the server seeds itself randomly.
func WithSeed(seed uint64) ServerOption {
	return func(c *config) { c.seed, c.seeded = seed, true }
}

// Request is one request received by the server, as logged by Requests.
// The Authorization header is never stored.
type Request struct {
	Method string
	Path   string
	Query  url.Values
	Body   []byte
	// Status is the HTTP status answered (0 when the connection was
	// dropped) and Code the envelope's business code (0 when none).
	Status int
	Code   int
	Time   time.Time
}

// Server is the fake APITable server. It is safe for concurrent use.
type Server struct {
	cfg config
	tb  testing.TB

	api *fake.Backend // the model and the API handlers
	// apiHandle is api.Handle; tests replace it to make the API panic.
	apiHandle func(w http.ResponseWriter, r *http.Request, body []byte, tooLarge bool) (status, code int)
	defSpace  string

	mu     sync.Mutex // guards log, faults and rng
	log    []Request
	faults []*faultState
	rng    *rand.Rand // fault draws
	net    *netem     // the emulated network (network.go)

	srvOnce sync.Once
	srv     *httptest.Server
	closed  bool
	closing chan struct{} // closed by Close: ends requests held by WithServerHangs
	handler http.Handler
}

// New starts a fake server without a testing.TB (for programs). The caller
// must call Close. Prefer NewServer in tests.
func New(opts ...ServerOption) *Server {
	cfg := defaultConfig()
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	if cfg.Prefix == "/" {
		cfg.Prefix = ""
	}
	seed := cfg.seed
	if !cfg.seeded {
		seed = rand.Uint64() //nolint:gosec // G404: seeds the fake's reproducible fault/latency choices, not security
	}
	s := &Server{cfg: cfg, closing: make(chan struct{}), rng: rand.New(rand.NewPCG(seed, seed^0x9E3779B97F4A7C15))} //nolint:gosec // G404: a seedable RNG so tests can replay fault schedules
	cfg.Unanswered = s.unanswered
	cfg.Notice = s.notice
	s.api = fake.New(cfg.Config)
	s.net = newNetem(cfg.network, cfg.latency, seed)
	s.apiHandle = s.api.Handle
	s.handler = s.recoverPanics(http.HandlerFunc(s.serveHTTP))
	s.defSpace = s.AddSpace(cmp.Or(cfg.spaceName, "apitabletest space"))
	return s
}

// NewServer returns a fake server for the test and registers Close with
// t.Cleanup.
func NewServer(t testing.TB, opts ...ServerOption) *Server {
	t.Helper()
	s := New(opts...)
	s.tb = t
	t.Cleanup(s.Close)
	return s
}

// URL returns the base URL of the server (http://127.0.0.1:port plus the
// path prefix). The loopback listener is started on the first call.
func (s *Server) URL() string {
	s.srvOnce.Do(func() {
		s.mu.Lock()
		closed := s.closed
		s.mu.Unlock()
		if closed {
			return
		}
		srv := httptest.NewUnstartedServer(s.handler)
		srv.Config.ConnContext = connContext // marks new connections (network.go)
		srv.Start()
		s.srv = srv
	})
	if s.srv == nil {
		return ""
	}
	return s.srv.URL + s.cfg.Prefix
}

// Token returns the API token the server accepts.
func (s *Server) Token() string { return s.cfg.Token }

// SpaceID returns the id of the default space created by New.
func (s *Server) SpaceID() string { return s.defSpace }

// Handler returns the server's http.Handler (network faults need a
// connection that can be hijacked; without one they answer HTTP 502 with
// an empty body).
func (s *Server) Handler() http.Handler { return s.handler }

// Close stops the loopback listener, if it was started. It is safe to call
// more than once.
func (s *Server) Close() {
	s.mu.Lock()
	if !s.closed {
		s.closed = true
		close(s.closing)
	}
	s.mu.Unlock()
	s.srvOnce.Do(func() {})
	if s.srv != nil {
		s.srv.CloseClientConnections()
		s.srv.Close()
	}
}

// Requests returns a copy of the request log in arrival order (requests
// are logged when answered, so the log is sorted by Time).
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.log))
	for i, r := range s.log {
		r.Query = cloneValues(r.Query)
		r.Body = bytes.Clone(r.Body)
		out[i] = r
	}
	slices.SortStableFunc(out, func(a, b Request) int { return a.Time.Compare(b.Time) })
	return out
}

// ResetRequests empties the request log.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	s.log = nil
	s.mu.Unlock()
}

func (s *Server) fatalf(format string, args ...any) {
	if s.tb != nil {
		s.tb.Helper()
		s.tb.Fatalf(format, args...)
		return
	}
	panic(fmt.Sprintf("apitabletest: "+format, args...))
}

func cloneValues(v url.Values) url.Values {
	if v == nil {
		return nil
	}
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}
