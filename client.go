package apitable

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// Version is this module's version, sent in the User-Agent.
const Version = "0.1.0"

// DefaultBaseURL is the hosted service's API host.
const DefaultBaseURL = "https://api.apitable.com"

const (
	defaultAttemptTimeout = 30 * time.Second
	defaultMaxResponse    = 64 << 20 // bytes of a success body
	maxErrorBody          = 1 << 20  // bytes read of an error body
	defaultMaxPerWrite    = 10       // records per create/update/delete (docs/server-behaviour.md §0.5)
	maxPageSize           = 1000
	// defaultRateWindow is how long a key is held back after a 429 unless
	// WithRateWindow says otherwise: the server counts fixed one-second
	// windows by default (docs/server-behaviour.md §3).
	defaultRateWindow = time.Second
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

	// token returns the API token. A func, because fmt and reflection
	// print a func as an address: no verb of a Client, a *Client or a
	// service shows the token.
	token       func() string
	tokenHash   string
	baseURL     *url.URL
	userAgent   string
	logger      *slog.Logger
	limiter     Limiter
	pool        *connPool // its transport's connections, as seen in GotConn (ratelimit_pool.go)
	retrier     *retryablehttp.Client
	routes      *[numRoutes]route // routeTable(), built once in New
	retryMax    int
	retryMin    time.Duration
	retryMaxW   time.Duration
	maxPerWrite int
	maxInFlight int
	maxResponse int64
	schemaCheck bool         // WithSchemaCheck
	schemas     *schemaCache // field lists by datasheet id (schema.go)
	// throttlePause is how long a key is held back after a 429: one of the
	// server's windows (WithRateWindow).
	throttlePause time.Duration
}

// String describes the client without its token.
func (c Client) String() string {
	base := ""
	if c.baseURL != nil {
		base = c.baseURL.String()
	}
	return fmt.Sprintf("apitable.Client{baseURL: %q, token: [redacted]}", base)
}

// GoString is String, so %#v does not print the token either.
func (c Client) GoString() string { return c.String() }

// Format prints String for every verb, so no fmt verb reveals the token.
func (c Client) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, c.String()) }

// redact replaces the token in text that came from the server (a proxy
// may echo the Authorization header back).
func (c *Client) redact(s string) string {
	if t := c.token(); t != "" && strings.Contains(s, t) {
		return strings.ReplaceAll(s, t, "[redacted]")
	}
	return s
}

type config struct {
	baseURL        string
	httpClient     *http.Client
	userAgent      string
	logger         *slog.Logger
	rate           float64
	rateWindow     time.Duration
	limiter        Limiter
	retryMax       int
	retryMin       time.Duration
	retryMaxWait   time.Duration
	maxPerWrite    int
	maxInFlight    int
	insecure       bool
	attemptTimeout time.Duration
	maxResponse    int64
	schemaCheck    bool
	schemaMaxAge   time.Duration
}

// Option configures a Client. Options are applied in order by New, which
// reports the first invalid one.
type Option func(*config) error

// WithBaseURL sets the server's base URL (default https://api.apitable.com).
// It may carry a path prefix, e.g. https://gateway.example.com/apitable, for
// self-hosted servers behind a gateway. A trailing /fusion/v1 or /fusion/v2
// (a common slip: the routes add it themselves) is stripped by New. Plain http is refused unless the
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
// for network jitter. math.Inf(1) turns the pacing off, for a server
// without a rate limit (apitabletest's default). It has no effect when
// WithLimiter is given.
func WithRateLimit(perSecond float64) Option {
	return func(c *config) error {
		if !(perSecond > 0) {
			return fmt.Errorf("apitable: WithRateLimit: rate must be positive, got %v", perSecond)
		}
		c.rate = perSecond
		return nil
	}
}

// WithRateWindow sets the length of the server's rate-limit window
// (default one second; a self-hosted server's LIMIT_DURATION): after a 429
// the client holds that datasheet's requests back for one window, the time
// the server's counter takes to start again (docs/server-behaviour.md §3).
// The clients of apitabletest set it to the fake's window.
func WithRateWindow(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("apitable: WithRateWindow: need a positive duration, got %v", d)
		}
		c.rateWindow = d
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
//
// A 429 (rate limited) is not a failure of the request, which the server
// did not process: 429s have their own budget of 30 retries per call, for
// creates too, paced by the rate limiter's pause rather than the backoff,
// within the context's deadline. maxRetries 0 disables them too.
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

// WithSchemaCheck makes the client check the field names (or ids, with
// FieldKeyID) of records requests against the datasheet's fields before
// sending, and reject unknown ones with a *ValidationError that names the
// field and suggests the closest existing one, e.g.
//
//	apitable: invalid request: Fields[0]: unknown field "Titel" in datasheet dst… (did you mean "Title"?)
//
// The error matches ErrFieldNotFound and ErrInvalidRequest. Checked: the
// cell keys of Create, Update and Upsert (which the server would otherwise
// drop silently) and their KeyFields; Fields, Sort and the {Name}
// references of FilterByFormula in List, All and Get.
//
// Cost: the client fetches each datasheet's field list (Fields.List, one
// request in the datasheet's rate budget) on first use and keeps it for
// maxAge (0 means DefaultSchemaMaxAge, 5 minutes); concurrent calls share
// one fetch. The list is fetched again early when Fields.Create or
// Fields.Delete go through this client, when a checked request still gets
// a field error from the server, and once when a name is missing from a
// list older than 10 seconds (so a field added elsewhere is found), which
// bounds the cost of a repeated misspelt name to one request per datasheet
// per 10 seconds. FieldsService.Schema reads the same cache.
func WithSchemaCheck(maxAge time.Duration) Option {
	return func(c *config) error {
		if maxAge < 0 {
			return fmt.Errorf("apitable: WithSchemaCheck: negative max age %v", maxAge)
		}
		c.schemaCheck = true
		if maxAge > 0 {
			c.schemaMaxAge = maxAge
		}
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
		rateWindow:   defaultRateWindow,
		retryMax:     3,
		retryMin:     time.Second,
		retryMaxWait: 15 * time.Second,
		maxPerWrite:  defaultMaxPerWrite,
		maxInFlight:  16,
		maxResponse:  defaultMaxResponse,
		schemaMaxAge: DefaultSchemaMaxAge,
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
		token:       func() string { return token },
		tokenHash:   tokenHash(token),
		baseURL:     base,
		userAgent:   "apitable-go/" + Version,
		logger:      cfg.logger,
		limiter:     cfg.limiter,
		pool:        &connPool{},
		retryMax:    cfg.retryMax,
		retryMin:    cfg.retryMin,
		retryMaxW:   cfg.retryMaxWait,
		maxPerWrite: cfg.maxPerWrite,
		maxInFlight: cfg.maxInFlight,
		maxResponse: cfg.maxResponse,
		schemaCheck: cfg.schemaCheck,
		schemas:     newSchemaCache(cfg.schemaMaxAge),

		throttlePause: cfg.rateWindow,
	}
	if cfg.userAgent != "" {
		c.userAgent = cfg.userAgent + " " + c.userAgent
	}
	if c.logger == nil {
		c.logger = slog.New(slog.DiscardHandler)
	}
	if c.limiter == nil {
		c.limiter = newClientLimiter(cfg.rate, cfg.rateWindow)
	}
	c.routes = routeTable()
	hc := c.httpClient(cfg)
	c.retrier = c.newRetrier(hc)

	c.Records = &RecordsService{c: c}
	c.Fields = &FieldsService{c: c}
	c.Views = &ViewsService{c: c}
	c.Attachments = &AttachmentsService{c: c}
	c.Datasheets = &DatasheetsService{c: c}
	c.Spaces = &SpacesService{c: c}
	c.Nodes = &NodesService{c: c}
	return c, nil
}

// httpClient returns a copy of the caller's http.Client (never modified)
// whose transport runs attempts: its Timeout becomes the per-attempt
// timeout, applied after the limiter's wait, and redirects that leave the
// origin drop the token.
func (c *Client) httpClient(cfg config) *http.Client {
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
	inner := hc.Transport
	if inner == nil {
		// Our own pool: http.DefaultTransport keeps 2 idle connections per
		// host, and bulk calls keep up to maxInFlight requests in flight,
		// so the default would churn connections.
		inner = http.DefaultTransport
		if dt, ok := http.DefaultTransport.(*http.Transport); ok {
			tr := dt.Clone()
			tr.MaxIdleConnsPerHost = max(64, 2*c.maxInFlight)
			inner = tr
		}
	}
	hc.Transport = &attemptTransport{base: inner, client: c, timeout: timeout}
	return hc
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
	// The routes start with /fusion/v1 or /fusion/v2: a base URL that ends
	// with it would double it (and answer 404). Strip it.
	for _, suffix := range []string{"/fusion/v1", "/fusion/v2"} {
		if len(u.Path) >= len(suffix) && strings.EqualFold(u.Path[len(u.Path)-len(suffix):], suffix) {
			u.Path = u.Path[:len(u.Path)-len(suffix)]
			break
		}
	}
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
