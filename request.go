package apitable

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"reflect"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/apitable-go/apitable/internal/envelope"
	"github.com/apitable-go/apitable/internal/retry"
)

// maxThrottledRetries bounds the retries of one call after 429 answers. A
// 429 means the server did not process the request, so it is retried for
// every kind, creates included, with a budget of its own, much larger than
// the failures' (WithRetry).
const maxThrottledRetries = 30

// call is one API request as a service method describes it: the route, its
// ids in template order, the query and the body.
type call struct {
	route routeID
	ids   []string
	query string // encoded query
	body  []byte // JSON body, nil for none
	// upload, when set, produces the body of each attempt (multipart).
	upload *uploadBody
	// admitted is called once, when the first attempt passes the limiter
	// (the ordered pipeline of bulk calls waits for it).
	admitted func()
	// inOrder: its requests must arrive in the order they left, although
	// its route's may leave together (an update changing a record twice:
	// the later change must land last).
	inOrder bool
	// formula is the filterByFormula the call sends, a note for its error:
	// the server rejects a bad one with an empty message, so the final
	// APIError names it (APIError.Formula, ErrFormulaRejected).
	formula string
}

// uploadBody is a streamed request body.
type uploadBody struct {
	body        func() (io.Reader, error)
	contentType string
	// rewindable reports whether the body can be produced again; a retry
	// the policy would allow is vetoed when it cannot.
	rewindable func() bool
}

// callState is the one per-call value the retry engine's callbacks and the
// transport see, carried in the request context (the channel
// go-retryablehttp offers): the route's declaration and what the attempts
// so far have learnt.
type callState struct {
	call *call
	decl route
	path string // the route's path with the ids filled in, for errors and logs
	key  string // limiter key, "" when the route is not limited

	attempts  int  // attempts started
	failures  int  // retries spent on failures
	throttles int  // retries spent on 429s
	ambiguous bool // some attempt was sent without a definite answer
	wait      time.Duration
	// classified is the attempt whose outcome checkRetry has decided; a
	// second call for the same attempt returns retryAgain unchanged.
	classified int
	retryAgain bool
	admitted   func()
}

type stateKey struct{}

func stateFrom(ctx context.Context) *callState {
	st, _ := ctx.Value(stateKey{}).(*callState)
	return st
}

// name is "METHOD /real/path" for errors.
func (st *callState) name() string { return st.decl.method + " " + st.path }

// errorf formats an error about the call: "apitable: GET /fusion/v1/…: …".
func (st *callState) errorf(format string, args ...any) error {
	return fmt.Errorf("apitable: "+st.name()+": "+format, args...)
}

// do sends cl and decodes the data of the answer into out (nil: none). The
// stages, in order: describe the call (route declaration, path, limiter
// key) → go-retryablehttp runs attempts (each one: back off → limiter →
// send → read the body, in attemptTransport; then checkRetry classifies it
// once) → decode the final answer.
func (c *Client) do(ctx context.Context, cl *call, out any) error {
	if ctx == nil {
		return invalid("ctx", "nil context")
	}
	var decl route
	if cl.route >= 0 && cl.route < numRoutes {
		decl = c.routes[cl.route] // an undeclared id keeps the zero route; fill reports it
	}
	raw, escaped, ok := decl.fill(cl.ids)
	if !ok {
		return fmt.Errorf("apitable: route %d called with %d ids", cl.route, len(cl.ids))
	}
	st := &callState{call: cl, decl: decl, path: raw, admitted: cl.admitted}
	if k := decl.limitKey(cl.ids); k != "" {
		st.key = k + ":" + c.tokenHash
	}
	req, err := c.newRequest(context.WithValue(ctx, stateKey{}, st), st, escaped)
	if err != nil {
		return st.errorf("%w", err)
	}
	start := time.Now()
	resp, err := c.retrier.Do(req)
	if err != nil {
		return c.transportError(ctx, st, err)
	}
	err = c.decode(resp, st, out)
	_ = resp.Body.Close() // in memory already: closing changes nothing
	c.logger.LogAttrs(ctx, slog.LevelDebug, "apitable call",
		slog.String("method", decl.method), slog.String("path", decl.path),
		slog.Int("status", resp.StatusCode), slog.Int("attempts", st.attempts),
		slog.Duration("duration", time.Since(start)))
	return err
}

// newRequest builds the request of a call: URL from the base and the
// escaped path, headers, and the body (bytes, or the upload's producer).
func (c *Client) newRequest(ctx context.Context, st *callState, escapedPath string) (*retryablehttp.Request, error) {
	u := *c.baseURL
	u.RawPath = u.EscapedPath() + escapedPath
	u.Path += st.path
	u.RawQuery = st.call.query
	var body any
	switch {
	case st.call.upload != nil:
		body = retryablehttp.ReaderFunc(st.call.upload.body)
	case st.call.body != nil:
		body = st.call.body
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, st.decl.method, u.String(), body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token())
	req.Header.Set("User-Agent", c.userAgent)
	req.Header.Set("Accept", "application/json")
	switch {
	case st.call.upload != nil:
		req.Header.Set("Content-Type", st.call.upload.contentType)
	case st.call.body != nil:
		req.Header.Set("Content-Type", "application/json")
	}
	return req, nil
}

// newRetrier builds the one retry engine of the client. Its callbacks are
// methods: per-call facts reach them through the request context.
func (c *Client) newRetrier(hc *http.Client) *retryablehttp.Client {
	return &retryablehttp.Client{
		HTTPClient: hc,
		// Our checkRetry enforces the budgets (failures and 429s apart);
		// this only keeps the engine from cutting them short.
		RetryMax:     c.retryMax + maxThrottledRetries + 1,
		RetryWaitMin: c.retryMin,
		RetryWaitMax: c.retryMaxW,
		CheckRetry:   c.checkRetry,
		Backoff:      noBackoff,
		ErrorHandler: lastAttempt,
	}
}

// noBackoff is the engine's Backoff: go-retryablehttp passes it no context
// (and no response after a transport error), so it cannot see the call.
// attemptTransport waits the backoff checkRetry chose instead, before the
// next attempt's limiter wait.
func noBackoff(_, _ time.Duration, _ int, _ *http.Response) time.Duration { return 0 }

// lastAttempt is the engine's ErrorHandler: the last attempt's own answer
// or error, never a generic "giving up".
func lastAttempt(resp *http.Response, err error, _ int) (*http.Response, error) {
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// checkRetry is the retry classifier (README.md, Retries), called once per
// attempt. It classifies the attempt, decides from the class and the
// route's kind within the budgets, and sets the wait before the next one.
func (c *Client) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	st := stateFrom(ctx)
	if st == nil {
		return false, err
	}
	if st.classified == st.attempts {
		return st.retryAgain, nil // already decided for this attempt
	}
	st.classified = st.attempts
	class, retryAfter := classify(resp, err)
	if class == retry.Ambiguous {
		st.ambiguous = true
	}
	if !c.retryable(st, class) {
		return false, nil
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		return false, ctxErr
	}
	wait, ok := c.nextWait(ctx, st, class, retryAfter)
	if !ok {
		return false, nil
	}
	st.wait, st.retryAgain = wait, true
	c.logger.LogAttrs(ctx, slog.LevelWarn, "apitable retry",
		slog.String("method", st.decl.method), slog.String("path", st.decl.path),
		slog.String("class", class.String()), slog.Int("attempt", st.attempts),
		slog.Duration("wait", wait))
	return true, nil
}

// classify returns the class of one attempt and the server's Retry-After.
func classify(resp *http.Response, err error) (retry.Class, time.Duration) {
	if err != nil {
		return retry.ClassifyError(err), 0
	}
	code, arrayMsg := 0, false
	if resp.StatusCode >= 500 {
		if bb, ok := resp.Body.(*bufferedBody); ok {
			code, arrayMsg = bb.envelopeCode()
		}
	}
	retryAfter, _ := retry.ParseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
	return retry.ClassifyStatus(resp.StatusCode, code, arrayMsg), retryAfter
}

// retryable applies the decision table (class × the route's kind) and the
// vetoes: retries disabled, an upload that cannot be produced again.
func (c *Client) retryable(st *callState, class retry.Class) bool {
	if !retry.ShouldRetry(class, st.decl.kind) || c.retryMax == 0 {
		return false
	}
	up := st.call.upload
	return up == nil || up.rewindable == nil || up.rewindable()
}

// nextWait applies the budgets (failures and 429s apart) and the context's
// deadline, and returns the wait before the next attempt.
func (c *Client) nextWait(ctx context.Context, st *callState, class retry.Class, retryAfter time.Duration) (time.Duration, bool) {
	var wait, earliest time.Duration
	if class == retry.Throttled {
		if st.throttles >= maxThrottledRetries || retryAfter > c.retryMaxW {
			return 0, false // the APIError carries RetryAfter for the caller
		}
		st.throttles++
		// The limiter's pause (set by the transport) spaces the retry; a
		// limiter that cannot pause, or a route without one, backs off.
		wait = retryAfter
		if _, pauses := c.limiter.(Pauser); !pauses || st.key == "" {
			wait = max(wait, retry.Backoff(st.throttles-1, c.retryMin, c.retryMaxW))
		} else {
			earliest = c.throttlePause
		}
	} else {
		if st.failures >= c.retryMax {
			return 0, false
		}
		st.failures++
		wait = retry.Backoff(st.failures-1, c.retryMin, c.retryMaxW)
	}
	if dl, ok := ctx.Deadline(); ok && time.Now().Add(max(wait, earliest)).After(dl) {
		return 0, false // waiting would pass the deadline: return the real error now
	}
	return wait, true
}

// transportError reports a call whose last attempt got no HTTP answer.
func (c *Client) transportError(ctx context.Context, st *callState, err error) error {
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
	wrapped := st.errorf("%w", err)
	if st.decl.kind.Writes() && st.ambiguous {
		return &outcomeUnknownError{cause: wrapped}
	}
	return wrapped
}

// decode turns the final answer into the call's result: nil with out
// filled, or the error the caller sees. Besides the server's own answer
// (see answer) it applies the write rules: a write that may have been
// processed and whose answer cannot be used is outcome-unknown, never a
// definite failure (a caller would re-send it and duplicate it).
func (c *Client) decode(resp *http.Response, st *callState, out any) error {
	apiErr, err := c.answer(resp, st, out)
	writes := st.decl.kind.Writes()
	switch {
	case err != nil:
		if writes && resp.StatusCode < 300 {
			return &outcomeUnknownError{cause: err} // a 2xx we cannot read: applied or not, we cannot tell
		}
		return err
	case apiErr == nil:
		return nil
	case st.ambiguous && st.decl.gone != nil && st.decl.gone(apiErr, st.call.ids):
		return nil // an earlier, ambiguous attempt deleted it
	case writes && (st.ambiguous || unusable(apiErr) ||
		retry.ClassifyStatus(apiErr.HTTPStatus, apiErr.Code, apiErr.Messages != nil) == retry.Ambiguous):
		return &outcomeUnknownError{cause: apiErr}
	case st.decl.mapError != nil:
		return st.decl.mapError(apiErr)
	}
	return apiErr
}

// unusable reports a 2xx answer that is not an API envelope (an HTML page
// with 201, a proxy's page): the request may well have been processed.
func unusable(e *APIError) bool { return e.HTTPStatus >= 200 && e.HTTPStatus < 300 && e.Code == 0 }

// answer reads what the server said: the API error the body carries, if
// any, else the data decoded into out. The second result is a local
// failure to use a success answer (body too large, no data, data of the
// wrong shape). Text from the server has the token redacted.
func (c *Client) answer(resp *http.Response, st *callState, out any) (*APIError, error) {
	limit := c.maxResponse
	if resp.StatusCode >= 400 {
		limit = maxErrorBody
	}
	bb, ok := resp.Body.(*bufferedBody)
	if !ok {
		var err error
		if bb, err = readBody(resp, limit); err != nil {
			return nil, st.errorf("reading response: %w", err)
		}
	}
	body := bb.data[:min(int64(len(bb.data)), limit)]
	truncated := bb.truncated || int64(len(bb.data)) > limit
	if truncated && resp.StatusCode < 400 {
		return nil, st.errorf("response body exceeds %d bytes (see WithMaxResponseBytes)", limit)
	}
	if !truncated && resp.StatusCode < 400 && out != nil && decodeSuccess(body, out) {
		return nil, nil
	}
	base := APIError{
		HTTPStatus: resp.StatusCode,
		Method:     st.decl.method,
		Path:       st.path,
		Route:      st.decl.path,
		RequestID:  c.redact(resp.Header.Get("request-id")),
		Attempts:   st.attempts,
	}
	if d, ok := retry.ParseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
		base.RetryAfter = d
	}
	env, err := envelope.Decode(body)
	switch {
	case err != nil || truncated:
		base.Snippet = c.redact(envelope.Snippet(body, 120))
		if resp.StatusCode < 400 {
			// A 2xx that is not an envelope (a captive portal, a proxy
			// page) is still a failure of the call.
			base.Message = "response is not an API envelope"
		}
		return &base, nil
	case !env.Success:
		base.Code = env.Code
		base.Message = c.redact(env.Message())
		if env.ArrayMessage {
			base.Messages = make([]string, len(env.Messages))
			for i, m := range env.Messages {
				base.Messages[i] = c.redact(m)
			}
		}
		if base.Code == 0 {
			base.Code = resp.StatusCode
		}
		if base.Code == 400 && isFormulaTip(base.Message) {
			base.Formula = c.redact(st.call.formula)
		}
		return &base, nil
	case resp.StatusCode >= 400:
		// success:true under an error status: something between us and
		// the API (a proxy, a cache) answered; do not trust the data.
		base.Message = "error status with a success envelope"
		base.Snippet = c.redact(envelope.Snippet(body, 120))
		return &base, nil
	case out == nil:
		return nil, nil
	case env.Data == nil:
		return nil, st.errorf("success response without data")
	}
	if err := json.Unmarshal(env.Data, out); err != nil {
		return nil, st.errorf("decoding data: %w", err)
	}
	return nil, nil
}

// decodeSuccess is the fast path for the common answer, a success envelope
// with data: one pass of encoding/json straight into out. It reports false
// (and the careful path decodes again and explains) for anything else: an
// error envelope, a body that is not an envelope, data that is null,
// absent or does not fit out.
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

// name is "METHOD /path/with/ids" of a call, for errors found after do.
func (cl *call) name() string {
	decl := cl.route.decl()
	raw, _, _ := decl.fill(cl.ids)
	return decl.method + " " + raw
}
