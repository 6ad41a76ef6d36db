package apitable

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/apitable-go/apitable/internal/envelope"
	"github.com/apitable-go/apitable/internal/retry"
)

// Version is this module's version, sent in the User-Agent.
const Version = "0.1.0"

// DefaultBaseURL is the hosted service's API host.
const DefaultBaseURL = "https://api.apitable.com"

const (
	defaultAttemptTimeout = 30 * time.Second
	defaultMaxResponse    = 64 << 20 // bytes of a success body
	maxErrorBody          = 1 << 20  // bytes read of an error body
	defaultMaxPerWrite    = 10       // records per create/update/delete (§0.5)
	maxPageSize           = 1000
	// throttlePause is how long a key is held back after a 429: the server
	// counts fixed one-second windows (§3).
	throttlePause = time.Second
	// paceFactor: the in-process limiter spaces requests 2% wider than the
	// budget. The server's windows start at the first request that reaches
	// it, so a request sent exactly one interval late but delivered a few
	// milliseconds faster than the one before it would land in the old,
	// full window. 2% leaves 20 ms of jitter per window.
	paceFactor = 0.98
)

// Client talks to one APITable server with one API token. It is safe for
// concurrent use and immutable after New; share one per token per process so
// that its rate limiter sees every request.
type Client struct {
	// Records, Fields, … are the API's services.
	Records     *RecordsService
	Fields      *FieldsService
	Views       *ViewsService
	Attachments *AttachmentsService
	Datasheets  *DatasheetsService
	Spaces      *SpacesService
	Nodes       *NodesService

	token       string
	tokenHash   string
	baseURL     *url.URL
	userAgent   string
	logger      *slog.Logger
	limiter     Limiter
	http        *http.Client
	retryMax    int
	retryMin    time.Duration
	retryMaxW   time.Duration
	maxPerWrite int
	maxInFlight int
	maxResponse int64
}

// String describes the client without its token.
func (c *Client) String() string {
	return fmt.Sprintf("apitable.Client{baseURL: %q, token: [redacted]}", c.baseURL.String())
}

// GoString is String, so %#v does not print the token either.
func (c *Client) GoString() string { return c.String() }

// Format prints String for every verb, so no fmt verb reveals the token.
func (c *Client) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, c.String()) }

type config struct {
	baseURL        string
	httpClient     *http.Client
	userAgent      string
	logger         *slog.Logger
	rate           float64
	limiter        Limiter
	retryMax       int
	retryMin       time.Duration
	retryMaxWait   time.Duration
	maxPerWrite    int
	maxInFlight    int
	insecure       bool
	attemptTimeout time.Duration
	maxResponse    int64
}

// Option configures a Client. Options are applied in order by New, which
// reports the first invalid one.
type Option func(*config) error

// WithBaseURL sets the server's base URL (default https://api.apitable.com).
// It may carry a path prefix, e.g. https://gateway.example.com/apitable, for
// self-hosted servers behind a gateway. Plain http is refused unless the
// host is a loopback address or WithInsecureHTTP is given.
func WithBaseURL(base string) Option {
	return func(c *config) error {
		if strings.TrimSpace(base) == "" {
			return errors.New("apitable: WithBaseURL: empty base URL")
		}
		c.baseURL = base
		return nil
	}
}

// WithHTTPClient sets the http.Client to send requests with. The client is
// copied, never modified: its Transport is wrapped by the rate limiter, and
// its Timeout becomes the per-attempt timeout (applied after the rate
// limiter's wait, so queueing for the budget does not eat into it).
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) error {
		if hc == nil {
			return errors.New("apitable: WithHTTPClient: nil client")
		}
		c.httpClient = hc
		return nil
	}
}

// WithUserAgent puts a product token in front of this library's User-Agent.
func WithUserAgent(ua string) Option {
	return func(c *config) error {
		if strings.ContainsAny(ua, "\r\n") {
			return errors.New("apitable: WithUserAgent: line break in user agent")
		}
		c.userAgent = ua
		return nil
	}
}

// WithLogger sets the logger: debug per attempt, warn per retry and per long
// rate-limit wait. Tokens, headers, bodies and cell values are never logged.
// The default discards everything.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l == nil {
			return errors.New("apitable: WithLogger: nil logger")
		}
		c.logger = l
		return nil
	}
}

// WithRateLimit sets the server's budget in requests per second per
// datasheet (default 5, the server's default; self-hosted servers may allow
// more). The in-process limiter paces requests at 98% of it, leaving room
// for network jitter. It has no effect when WithLimiter is given.
func WithRateLimit(perSecond float64) Option {
	return func(c *config) error {
		if !(perSecond > 0) {
			return fmt.Errorf("apitable: WithRateLimit: rate must be positive, got %v", perSecond)
		}
		c.rate = perSecond
		return nil
	}
}

// WithLimiter replaces the in-process limiter, e.g. with one shared by
// several processes.
func WithLimiter(l Limiter) Option {
	return func(c *config) error {
		if l == nil {
			return errors.New("apitable: WithLimiter: nil limiter")
		}
		c.limiter = l
		return nil
	}
}

// WithRetry sets how many times a failed attempt is retried (default 3) and
// the bounds of the jittered exponential backoff (default 1s to 15s).
// maxRetries 0 disables retries.
func WithRetry(maxRetries int, minWait, maxWait time.Duration) Option {
	return func(c *config) error {
		switch {
		case maxRetries < 0:
			return fmt.Errorf("apitable: WithRetry: negative retries %d", maxRetries)
		case minWait < 0 || maxWait < minWait:
			return fmt.Errorf("apitable: WithRetry: need 0 <= minWait <= maxWait, got %v, %v", minWait, maxWait)
		}
		c.retryMax, c.retryMin, c.retryMaxWait = maxRetries, minWait, maxWait
		return nil
	}
}

// WithMaxRecordsPerWrite sets how many records one create, update or delete
// request carries (default 10, the API's limit; self-hosted servers can raise
// it).
func WithMaxRecordsPerWrite(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return fmt.Errorf("apitable: WithMaxRecordsPerWrite: need at least 1, got %d", n)
		}
		c.maxPerWrite = n
		return nil
	}
}

// WithMaxInFlight caps how many requests one bulk call (All, Create, Update,
// Delete) keeps in flight (default 16). The rate limiter decides the pace;
// this only bounds memory and connections when latency is high.
func WithMaxInFlight(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return fmt.Errorf("apitable: WithMaxInFlight: need at least 1, got %d", n)
		}
		c.maxInFlight = n
		return nil
	}
}

// WithAttemptTimeout bounds each HTTP attempt, from sending the request to
// reading the whole body (default 30s). Waiting for the rate limiter does not
// count. The context's deadline bounds the whole call.
func WithAttemptTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("apitable: WithAttemptTimeout: need a positive duration, got %v", d)
		}
		c.attemptTimeout = d
		return nil
	}
}

// WithMaxResponseBytes caps the size of a response body (default 64 MiB); a
// larger body fails the call instead of exhausting memory.
func WithMaxResponseBytes(n int64) Option {
	return func(c *config) error {
		if n < 1 {
			return fmt.Errorf("apitable: WithMaxResponseBytes: need a positive size, got %d", n)
		}
		c.maxResponse = n
		return nil
	}
}

// WithInsecureHTTP allows a plain-http base URL on a non-loopback host. The
// token then travels in clear text; use it only inside a trusted network.
func WithInsecureHTTP() Option {
	return func(c *config) error {
		c.insecure = true
		return nil
	}
}

// New returns a Client for token. It does no I/O and reads no environment.
func New(token string, opts ...Option) (*Client, error) {
	if strings.TrimSpace(token) == "" {
		return nil, errors.New("apitable: New: empty API token")
	}
	if strings.ContainsAny(token, "\r\n") {
		return nil, errors.New("apitable: New: API token contains a line break")
	}
	cfg := config{
		baseURL:      DefaultBaseURL,
		rate:         DefaultRateLimit,
		retryMax:     3,
		retryMin:     time.Second,
		retryMaxWait: 15 * time.Second,
		maxPerWrite:  defaultMaxPerWrite,
		maxInFlight:  16,
		maxResponse:  defaultMaxResponse,
	}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	base, err := parseBaseURL(cfg.baseURL, cfg.insecure)
	if err != nil {
		return nil, err
	}
	c := &Client{
		token:       token,
		tokenHash:   tokenHash(token),
		baseURL:     base,
		userAgent:   "apitable-go/" + Version,
		logger:      cfg.logger,
		limiter:     cfg.limiter,
		retryMax:    cfg.retryMax,
		retryMin:    cfg.retryMin,
		retryMaxW:   cfg.retryMaxWait,
		maxPerWrite: cfg.maxPerWrite,
		maxInFlight: cfg.maxInFlight,
		maxResponse: cfg.maxResponse,
	}
	if cfg.userAgent != "" {
		c.userAgent = cfg.userAgent + " " + c.userAgent
	}
	if c.logger == nil {
		c.logger = slog.New(slog.DiscardHandler)
	}
	if c.limiter == nil {
		c.limiter = NewLimiter(cfg.rate*paceFactor, 1)
	}
	// Copy the caller's client; never mutate it.
	hc := &http.Client{}
	if cfg.httpClient != nil {
		*hc = *cfg.httpClient
	}
	timeout := cfg.attemptTimeout
	if timeout == 0 {
		timeout = hc.Timeout
	}
	if timeout == 0 {
		timeout = defaultAttemptTimeout
	}
	hc.Timeout = 0 // applied per attempt by the transport, after the limiter
	hc.CheckRedirect = dropTokenOffOrigin(hc.CheckRedirect)
	base2 := hc.Transport
	if base2 == nil {
		// Our own pool: http.DefaultTransport keeps 2 idle connections per
		// host, and bulk calls keep up to maxInFlight requests in flight,
		// so the default would churn connections.
		base2 = http.DefaultTransport
		if dt, ok := http.DefaultTransport.(*http.Transport); ok {
			t := dt.Clone()
			t.MaxIdleConnsPerHost = max(64, 2*c.maxInFlight)
			base2 = t
		}
	}
	hc.Transport = &attemptTransport{base: base2, client: c, timeout: timeout}
	c.http = hc

	c.Records = &RecordsService{c: c}
	c.Fields = &FieldsService{c: c}
	c.Views = &ViewsService{c: c}
	c.Attachments = &AttachmentsService{c: c}
	c.Datasheets = &DatasheetsService{c: c}
	c.Spaces = &SpacesService{c: c}
	c.Nodes = &NodesService{c: c}
	return c, nil
}

func parseBaseURL(raw string, insecure bool) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return nil, fmt.Errorf("apitable: invalid base URL: %w", err)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("apitable: invalid base URL %q: no host", raw)
	}
	if u.User != nil {
		return nil, errors.New("apitable: invalid base URL: user info is not allowed (use the token)")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("apitable: invalid base URL %q: no query or fragment allowed", raw)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !insecure && !isLoopback(u.Hostname()) {
			return nil, fmt.Errorf("apitable: base URL %q uses plain http: the API requires https (use WithInsecureHTTP to allow it)", raw)
		}
	default:
		return nil, fmt.Errorf("apitable: invalid base URL %q: scheme must be https", raw)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

// dropTokenOffOrigin wraps a CheckRedirect function (nil: Go's default, at
// most 10 redirects) so that the Authorization header is dropped when a
// redirect leaves the first request's origin. Go's client drops it only when
// the host name changes; it keeps it when just the port or the scheme
// changes, which would hand the token to another service on the same host or
// send it in clear text after an https→http redirect.
func dropTokenOffOrigin(next func(*http.Request, []*http.Request) error) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		if first := via[0].URL; req.URL.Scheme != first.Scheme || !strings.EqualFold(req.URL.Host, first.Host) {
			req.Header.Del("Authorization")
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects") // Go's wording, classified as local
		}
		return nil
	}
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// call describes one API request.
type call struct {
	method   string
	segments []string // raw path segments after the base URL, e.g. fusion v1 datasheets dst… records
	template string   // route template for errors and logs
	query    string   // encoded query
	body     []byte   // JSON body, nil for none
	// upload, when set, produces a fresh body per attempt (multipart).
	upload      func() (io.Reader, error)
	contentType string
	kind        retry.Kind
	// doneIfMissing makes a retried delete that finds nothing succeed.
	doneIfMissing func(*APIError) bool
	// admitted is called once, when the first attempt passes the limiter.
	admitted func()
	// canRetry, when set, vetoes a retry the policy would allow (an upload
	// whose stream cannot be re-read).
	canRetry func() bool
	// mapError, when set, replaces the final API error (route quirks such
	// as the upload's success:false under HTTP 201).
	mapError func(*APIError) error
}

// callState is the per-call state shared by the transport and the retry
// policy through the request context.
type callState struct {
	call      *call
	key       string // limiter key, "" when the route is not limited
	attempts  int
	ambiguous bool // some attempt was sent without a definite answer
	nextWait  time.Duration
	admitted  func()
}

type stateKey struct{}

func stateFrom(ctx context.Context) *callState {
	st, _ := ctx.Value(stateKey{}).(*callState)
	return st
}

func (c *Client) url(cl *call) string {
	u := *c.baseURL
	var raw, esc strings.Builder
	raw.WriteString(u.Path)
	esc.WriteString(u.EscapedPath())
	for _, s := range cl.segments {
		raw.WriteString("/" + s)
		esc.WriteString("/" + url.PathEscape(s))
	}
	u.Path = raw.String()
	u.RawPath = esc.String()
	u.RawQuery = cl.query
	return u.String()
}

// do runs the pipeline: limit → send/retry → decode the envelope into out.
func (c *Client) do(ctx context.Context, cl *call, out any) error {
	if ctx == nil {
		return invalid("ctx", "nil context")
	}
	st := &callState{call: cl, admitted: cl.admitted}
	if cl.segments[0] == "fusion" && len(cl.segments) > 1 && cl.segments[1] == "v1" {
		st.key = limitKey(cl.segments) + ":" + c.tokenHash // v2 routes are not limited (§3)
	}
	ctx = context.WithValue(ctx, stateKey{}, st)

	var body any
	switch {
	case cl.upload != nil:
		body = retryablehttp.ReaderFunc(cl.upload)
	case cl.body != nil:
		body = cl.body
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, cl.method, c.url(cl), body)
	if err != nil {
		return fmt.Errorf("apitable: %s %s: %w", cl.method, cl.template, err)
	}
	req.SetResponseHandler(c.readBody)
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("User-Agent", c.userAgent)
	req.Header.Set("Accept", "application/json")
	if cl.contentType != "" {
		req.Header.Set("Content-Type", cl.contentType)
	} else if cl.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}

	rc := &retryablehttp.Client{
		HTTPClient:   c.http,
		RetryMax:     c.retryMax,
		RetryWaitMin: c.retryMin,
		RetryWaitMax: c.retryMaxW,
		CheckRetry:   c.checkRetry,
		Backoff: func(_, _ time.Duration, _ int, _ *http.Response) time.Duration {
			return st.nextWait
		},
		ErrorHandler: func(resp *http.Response, err error, _ int) (*http.Response, error) {
			return resp, err
		},
	}
	start := time.Now()
	resp, err := rc.Do(req)
	if err != nil {
		if resp != nil {
			_ = resp.Body.Close()
		}
		return c.transportError(ctx, cl, st, err)
	}
	defer func() { _ = resp.Body.Close() }() // the body has been decoded; a Close error changes nothing
	apiErr, err := c.decode(resp, cl, st, out)
	if bb, ok := resp.Body.(*bufferedBody); ok {
		bb.release() // decoded: nothing refers to the bytes any more
	}
	c.logger.LogAttrs(ctx, slog.LevelDebug, "apitable call",
		slog.String("method", cl.method), slog.String("path", cl.template),
		slog.Int("status", resp.StatusCode), slog.Int("attempts", st.attempts),
		slog.Duration("duration", time.Since(start)))
	if err != nil {
		return err
	}
	if apiErr == nil {
		return nil
	}
	if st.ambiguous && cl.doneIfMissing != nil && cl.doneIfMissing(apiErr) {
		return nil // an earlier attempt deleted it (STYLE.md §8 class 3)
	}
	if cl.kind.Writes() && (st.ambiguous || retry.ClassifyStatus(apiErr.HTTPStatus, apiErr.Code, apiErr.Messages != nil) == retry.Ambiguous) {
		return &outcomeUnknownError{cause: apiErr}
	}
	if cl.mapError != nil {
		return cl.mapError(apiErr)
	}
	return apiErr
}

func (c *Client) transportError(ctx context.Context, cl *call, st *callState, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // drop the URL: its query may carry user data
	}
	if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
		// Only ctxErr is the cause: wrapping the attempt's error too would let,
		// say, a per-attempt timeout match context.DeadlineExceeded after the
		// caller cancelled.
		err = fmt.Errorf("%w (last attempt: %v)", ctxErr, err) //nolint:errorlint // the attempt's error is text only, see above
	}
	wrapped := fmt.Errorf("apitable: %s %s: %w", cl.method, cl.template, err)
	if cl.kind.Writes() && st.ambiguous {
		return &outcomeUnknownError{cause: wrapped}
	}
	return wrapped
}

// decode reads the body and returns the API error it carries, if any. The
// second result is a local failure (body too large, undecodable data).
func (c *Client) decode(resp *http.Response, cl *call, st *callState, out any) (*APIError, error) {
	limit := c.maxResponse
	if resp.StatusCode >= 400 {
		limit = maxErrorBody
	}
	var body []byte
	var err error
	if bb, ok := resp.Body.(*bufferedBody); ok {
		body = bb.data[:min(int64(len(bb.data)), limit+1)]
	} else {
		body, err = io.ReadAll(io.LimitReader(resp.Body, limit+1))
	}
	if err != nil {
		err = fmt.Errorf("apitable: %s %s: reading response: %w", cl.method, cl.template, err)
		if cl.kind.Writes() {
			return nil, &outcomeUnknownError{cause: err}
		}
		return nil, err
	}
	truncated := int64(len(body)) > limit
	if truncated && resp.StatusCode < 400 {
		return nil, fmt.Errorf("apitable: %s %s: response body exceeds %d bytes (see WithMaxResponseBytes)", cl.method, cl.template, limit)
	}
	base := APIError{
		HTTPStatus: resp.StatusCode,
		Method:     cl.method,
		Path:       cl.template,
		RequestID:  resp.Header.Get("request-id"),
		Attempts:   st.attempts,
	}
	if d, ok := retry.ParseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
		base.RetryAfter = d
	}
	if !truncated && resp.StatusCode < 400 && out != nil && decodeSuccess(body, out) {
		return nil, nil
	}
	env, err := envelope.Decode(body)
	if err != nil || truncated {
		e := base
		e.Snippet = envelope.Snippet(body, 120)
		if resp.StatusCode < 400 {
			// A 2xx that is not an envelope (a captive portal, a proxy
			// page) is still a failure of the call.
			e.Message = "response is not an API envelope"
		}
		return &e, nil
	}
	if !env.Success {
		e := base
		e.Code = env.Code
		e.Message = env.Message()
		if env.ArrayMessage {
			e.Messages = env.Messages
		}
		if e.Code == 0 {
			e.Code = resp.StatusCode
		}
		return &e, nil
	}
	if resp.StatusCode >= 400 {
		// success:true under an error status: something between us and
		// the API (a proxy, a cache) answered; do not trust the data.
		e := base
		e.Message = "error status with a success envelope"
		e.Snippet = envelope.Snippet(body, 120)
		return &e, nil
	}
	if out == nil {
		return nil, nil
	}
	if env.Data == nil {
		return nil, fmt.Errorf("apitable: %s %s: success response without data", cl.method, cl.template)
	}
	if err := json.Unmarshal(env.Data, out); err != nil {
		return nil, fmt.Errorf("apitable: %s %s: decoding data: %w", cl.method, cl.template, err)
	}
	return nil, nil
}

// decodeSuccess is the fast path for the common answer, a success envelope
// with data: one pass of encoding/json straight into out. It reports false
// (and the careful path below decodes again and explains) for anything
// else: an error envelope, a body that is not an envelope, data that is
// null, absent or does not fit out.
func decodeSuccess(body []byte, out any) bool {
	var probe struct {
		Success *bool `json:"success"`
		Data    any   `json:"data"`
	}
	probe.Data = out // a non-nil pointer in an interface: decoded in place
	if err := json.Unmarshal(body, &probe); err != nil || probe.Success == nil || !*probe.Success || probe.Data == nil {
		return false
	}
	// An absent data key leaves out untouched: a zero out cannot tell that
	// from data that decoded to zero, so let the careful path check.
	return !reflect.ValueOf(out).Elem().IsZero()
}

// readBody reads the whole body, bounded as in decode, inside the attempt
// and under its timeout: a body that stalls or breaks off is then a failed
// attempt that checkRetry classifies (a read is retried, a create becomes
// ErrOutcomeUnknown), not a failure found after the retry loop has ended.
func (c *Client) readBody(resp *http.Response) error {
	limit := c.maxResponse
	if resp.StatusCode >= 400 {
		limit = maxErrorBody
	}
	var body []byte
	var err error
	pooled := false
	if n := resp.ContentLength; n > 0 && n <= limit {
		// Known length (net/http enforces it): a pooled buffer, no
		// regrowth. (0 is left to ReadAll: hand-made responses often
		// leave it unset.)
		body, pooled = bodyBuffer(int(n)), true
		_, err = io.ReadFull(resp.Body, body)
	} else {
		body, err = io.ReadAll(io.LimitReader(resp.Body, limit+1))
	}
	_ = resp.Body.Close()
	resp.Body = &bufferedBody{Reader: bytes.NewReader(body), data: body, pooled: pooled}
	if err != nil {
		return fmt.Errorf("reading response: %w", err)
	}
	return nil
}

// bodyPool recycles the buffers of response bodies: a page of records is
// about a megabyte, and nothing refers to its bytes once it is decoded
// (encoding/json copies every string out).
var bodyPool sync.Pool

func bodyBuffer(n int) []byte {
	if bp, ok := bodyPool.Get().(*[]byte); ok && cap(*bp) >= n {
		return (*bp)[:n]
	}
	return make([]byte, n)
}

// release returns a pooled buffer once the body has been decoded.
func (b *bufferedBody) release() {
	if b.pooled && cap(b.data) <= maxPooledBody {
		data := b.data[:0]
		b.data, b.pooled = nil, false
		bodyPool.Put(&data)
	}
}

// maxPooledBody keeps unusually large bodies out of the pool.
const maxPooledBody = 8 << 20

// bufferedBody is a body readBody has read; decode takes its bytes as they
// are instead of copying them again.
type bufferedBody struct {
	*bytes.Reader
	data   []byte
	pooled bool
}

func (*bufferedBody) Close() error { return nil }

// checkRetry is the retry classifier (STYLE.md §8). It decides from the
// failure class and the call kind, computes the wait, and gives up early
// when the wait would pass the context's deadline.
func (c *Client) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	st := stateFrom(ctx)
	if st == nil {
		return false, err
	}
	var class retry.Class
	var retryAfter time.Duration
	if err != nil {
		class = retry.ClassifyError(err)
	} else {
		code, arrayMsg := 0, false
		if resp.StatusCode >= 500 {
			code, arrayMsg = peekEnvelope(resp)
		}
		class = retry.ClassifyStatus(resp.StatusCode, code, arrayMsg)
		if d, ok := retry.ParseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
			retryAfter = d
		}
	}
	if class == retry.Ambiguous {
		st.ambiguous = true
	}
	if !retry.ShouldRetry(class, st.call.kind) || (st.call.canRetry != nil && !st.call.canRetry()) {
		return false, nil
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		return false, ctxErr
	}
	if st.attempts > c.retryMax {
		return false, nil
	}
	wait := retry.Backoff(st.attempts-1, c.retryMin, c.retryMaxW)
	if class == retry.Throttled {
		// The limiter already holds the key back for a window. Back off
		// exponentially too (a flat wait would wake with the callers held
		// by the pause and lose to them every time), and at least what
		// the server asked for, capped.
		wait = max(wait, retryAfter)
		if retryAfter > c.retryMaxW {
			return false, nil // the APIError carries RetryAfter for the caller
		}
	}
	if dl, ok := ctx.Deadline(); ok && time.Now().Add(wait).After(dl) {
		return false, nil // sleeping would pass the deadline: return the real error now
	}
	st.nextWait = wait
	c.logger.LogAttrs(ctx, slog.LevelWarn, "apitable retry",
		slog.String("method", st.call.method), slog.String("path", st.call.template),
		slog.String("class", class.String()), slog.Int("attempt", st.attempts),
		slog.Duration("wait", wait))
	return true, nil
}

// peekEnvelope reads a 5xx body (bounded) to tell a business error from an
// outage, and puts the bytes back for the decoder.
func peekEnvelope(resp *http.Response) (code int, arrayMessage bool) {
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	_ = resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if err != nil {
		return 0, false
	}
	env, err := envelope.Decode(body)
	if err != nil {
		return 0, false
	}
	return env.Code, env.ArrayMessage
}

// attemptTransport sits under the retry loop: every attempt waits for the
// rate limiter, gets its own timeout, and learns whether it was sent.
type attemptTransport struct {
	base    http.RoundTripper
	client  *Client
	timeout time.Duration
}

func (t *attemptTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	st := stateFrom(ctx)
	if st != nil {
		st.attempts++
		if st.key != "" {
			start := time.Now()
			if err := t.client.limiter.Wait(ctx, st.key); err != nil {
				return nil, &retry.LocalError{Err: err}
			}
			if waited := time.Since(start); waited > 2*time.Second {
				t.client.logger.LogAttrs(ctx, slog.LevelWarn, "apitable rate limit wait",
					slog.String("path", st.call.template), slog.Duration("waited", waited))
			}
		}
		if st.admitted != nil {
			st.admitted()
			st.admitted = nil
		}
	}
	ctx, cancel := context.WithTimeout(ctx, t.timeout)
	var wrote atomic.Bool
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		WroteRequest: func(info httptrace.WroteRequestInfo) {
			if info.Err == nil {
				wrote.Store(true)
			}
		},
	})
	resp, err := t.base.RoundTrip(req.WithContext(ctx))
	if err != nil {
		if ctx.Err() == context.DeadlineExceeded && req.Context().Err() == nil {
			err = fmt.Errorf("attempt timed out after %v: %w", t.timeout, err)
		}
		cancel()
		if !wrote.Load() {
			return nil, &retry.NotSentError{Err: err}
		}
		return nil, err
	}
	if resp.StatusCode == http.StatusTooManyRequests && st != nil && st.key != "" {
		if p, ok := t.client.limiter.(Pauser); ok {
			p.Pause(ctx, st.key, throttlePause)
		}
	}
	resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel, ctx: ctx, parent: req.Context(), timeout: t.timeout}
	return resp, nil
}

// cancelOnClose ends the attempt's context when the body is closed, and
// says so when the attempt's timeout cut the body off.
type cancelOnClose struct {
	io.ReadCloser
	cancel      context.CancelFunc
	ctx, parent context.Context
	timeout     time.Duration
}

func (b *cancelOnClose) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && !errors.Is(err, io.EOF) && errors.Is(b.ctx.Err(), context.DeadlineExceeded) && b.parent.Err() == nil {
		err = fmt.Errorf("attempt timed out after %v: %w", b.timeout, err)
	}
	return n, err
}

func (b *cancelOnClose) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}
