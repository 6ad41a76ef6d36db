package apitable

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptrace"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apitable-go/apitable/internal/envelope"
	"github.com/apitable-go/apitable/internal/retry"
)

// attemptTransport runs one attempt of a call: back off → wait for the
// rate limiter → send under the attempt's timeout → read the whole body,
// still under that timeout. The retry engine above it then sees a response
// whose body is in memory (a *bufferedBody), so a body that stalls or breaks
// off is a failed attempt like any other.
type attemptTransport struct {
	base    http.RoundTripper
	client  *Client
	timeout time.Duration
}

func (t *attemptTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	st := stateFrom(ctx)
	if st == nil {
		return t.base.RoundTrip(req) // not a call of ours (never happens)
	}
	conn := connTrace{key: st.key, pool: t.client.pool}
	defer func() { conn.pool.done(&conn.ticket, conn.kept, conn.multiplexed) }()
	reserved, err := t.admit(ctx, st, &conn.ticket)
	if err != nil {
		if req.Body != nil {
			_ = req.Body.Close() // a RoundTripper closes the body, even on error
		}
		return nil, &retry.LocalError{Err: err}
	}
	start := time.Now()
	actx, cancel := context.WithTimeout(ctx, t.timeout)
	defer cancel()
	var wrote atomic.Bool
	conn.ctx, conn.start, conn.reserved = actx, time.Now(), reserved
	if st.key != "" {
		switch p := t.client.limiter.(type) {
		case memberPacer:
			conn.planner = p
		case ArrivalPacer:
			conn.pacer = p
		}
	}
	actx = httptrace.WithClientTrace(actx, &httptrace.ClientTrace{
		GotConn: conn.gotConn,
		WroteRequest: func(info httptrace.WroteRequestInfo) {
			if info.Err == nil {
				wrote.Store(true)
			}
		},
	})
	resp, err := t.base.RoundTrip(req.WithContext(actx))
	conn.settleUnused(err == nil || wrote.Load())
	if err != nil {
		err = t.timedOut(actx, ctx, err)
		if !wrote.Load() {
			return nil, &retry.NotSentError{Err: err}
		}
		return nil, err
	}
	conn.answered(t.client.limiter)
	limit := t.client.maxResponse
	if resp.StatusCode >= 400 {
		limit = maxErrorBody
	}
	body, err := readBody(resp, limit)
	_ = resp.Body.Close()
	conn.kept = err == nil && !resp.Close // read whole, so the connection went back to the pool
	conn.multiplexed = resp.ProtoMajor == 2
	if resp.StatusCode == http.StatusTooManyRequests && st.key != "" {
		t.throttled(ctx, st, body)
	}
	t.client.logger.LogAttrs(ctx, slog.LevelDebug, "apitable attempt",
		slog.String("method", st.decl.method), slog.String("path", st.decl.path),
		slog.Int("status", resp.StatusCode), slog.Int("attempt", st.attempts),
		slog.Duration("duration", time.Since(start)))
	if err != nil {
		_ = body.Close()
		return nil, fmt.Errorf("reading response: %w", t.timedOut(actx, ctx, err))
	}
	resp.Body = body
	return resp, nil
}

// throttled tells the limiter about a 429: a ThrottleHandler gets the
// rate the message states (and a lower one adopted is logged at warn), a
// Pauser is paused for one window.
func (t *attemptTransport) throttled(ctx context.Context, st *callState, body *bufferedBody) {
	switch l := t.client.limiter.(type) {
	case ThrottleHandler:
		stated := 0.0
		if env, err := envelope.Decode(body.data); err == nil {
			stated = statedRate(env.Message())
		}
		if l.Throttled(ctx, st.key, stated) {
			t.client.logger.LogAttrs(ctx, slog.LevelWarn, "apitable rate limit lowered to the server's stated budget",
				slog.String("path", st.decl.path), slog.Float64("requestsPerSecond", stated))
		}
	case Pauser:
		l.Pause(ctx, st.key, t.client.throttlePause)
	}
}

// connTrace notes when and how an attempt got its connection, and lets an
// ArrivalPacer hold the request before it is written.
type connTrace struct {
	ctx         context.Context //nolint:containedctx // the attempt's, for the pacer's hold inside the trace hook
	key         string
	pacer       ArrivalPacer
	planner     memberPacer // the in-process limiter: its answers tighten the plan
	reserved    *member     // the place its Wait reserved for this attempt
	pool        *connPool   // the client's view of its connections (ratelimit_pool.go)
	ticket      poolTicket
	kept        bool      // the answer was read whole: the connection went back to the pool
	multiplexed bool      // the answer came over HTTP/2
	start       time.Time // the attempt's, for a transport that never reports its connection
	mu          sync.Mutex
	at          time.Time
	info        httptrace.GotConnInfo
	placed      *member
}

func (c *connTrace) gotConn(info httptrace.GotConnInfo) {
	var placed *member
	switch {
	case c.planner != nil:
		placed, _ = c.planner.sending(c.ctx, c.key, !info.Reused, c.reserved) // a done ctx fails the write
	case c.pacer != nil:
		_ = c.pacer.Sending(c.ctx, c.key, !info.Reused)
	}
	c.pool.got(&c.ticket, info.Conn, info.Reused)
	c.mu.Lock()
	c.at, c.info, c.placed = time.Now(), info, placed
	c.mu.Unlock()
}

// settleUnused settles the reserved place of an attempt whose transport
// never reported a connection: taken at about its place when the request
// was sent, else given back.
func (c *connTrace) settleUnused(sent bool) {
	if c.reserved == nil || c.planner == nil {
		return
	}
	c.mu.Lock()
	got := !c.at.IsZero()
	c.mu.Unlock()
	switch {
	case got:
	case sent:
		c.planner.departed(c.key, c.reserved)
	default:
		c.planner.release(c.key, c.reserved)
	}
}

// answered tells the limiter the round trip of the answered attempt.
func (c *connTrace) answered(l Limiter) {
	c.mu.Lock()
	at, reused, placed := c.at, c.info.Reused, c.placed
	c.mu.Unlock()
	got := !at.IsZero()
	if !got {
		// The transport never reported a connection: the round trip from
		// handing it the request still shows the spread (not the pool's).
		at, reused = c.start, true
	}
	rtt := time.Since(at)
	if got {
		c.pool.observe(rtt, reused)
	}
	if c.key == "" {
		return
	}
	switch o := l.(type) {
	case memberPacer:
		o.answered(c.key, placed, rtt, reused)
	case RoundTripObserver:
		o.Observe(c.key, rtt, reused)
	}
}

// admit waits the backoff checkRetry chose, then for the rate limiter
// and for a connection coming back (ratelimit_pool.go), and tells the
// call's pipeline once that its first attempt passed.
func (t *attemptTransport) admit(ctx context.Context, st *callState, ticket *poolTicket) (*member, error) {
	st.attempts++
	if st.wait > 0 {
		if err := sleep(ctx, st.wait); err != nil {
			return nil, err
		}
		st.wait = 0
	}
	var reserved *member
	if st.key != "" {
		start := time.Now()
		var err error
		if p, ok := t.client.limiter.(memberPacer); ok {
			together := st.decl.together() && !st.call.inOrder
			reserved, err = p.reserve(ctx, st.key, together) // handed to this attempt's Sending
			// Then a connection (reserved is nil when the key is not paced).
			if err == nil && reserved != nil {
				grow := func(now time.Time, conns int) bool { return p.newConnWorth(st.key, reserved, now, conns) }
				if err = t.client.pool.await(ctx, ticket, grow); err != nil {
					p.release(st.key, reserved)
				}
			}
		} else if err = t.client.limiter.Wait(ctx, st.key); err == nil {
			err = t.client.pool.await(ctx, ticket, nil)
		}
		if err != nil {
			return nil, err
		}
		if waited := time.Since(start); waited > 2*time.Second {
			t.client.logger.LogAttrs(ctx, slog.LevelWarn, "apitable rate limit wait",
				slog.String("path", st.decl.path), slog.Duration("waited", waited))
		}
	}
	if st.admitted != nil {
		st.admitted()
		st.admitted = nil
	}
	return reserved, nil
}

// timedOut says so when the attempt's own timeout (not the caller's
// context) ended the attempt.
func (t *attemptTransport) timedOut(attempt, parent context.Context, err error) error {
	if errors.Is(attempt.Err(), context.DeadlineExceeded) && parent.Err() == nil {
		return fmt.Errorf("attempt timed out after %v: %w", t.timeout, err)
	}
	return err
}

// readBody reads at most limit bytes of the body and notes whether there
// was more. A body of known length goes into a buffer of that size; one of unknown length (chunked, decompressed) grows by doubling, capped
// at limit, so reading a body of the cap's size allocates about twice the
// cap in all and holds at most 1.5 times at once, where io.ReadAll's
// regrowth allocated about 2.5 times.
func readBody(resp *http.Response, limit int64) (*bufferedBody, error) {
	if n := resp.ContentLength; n > 0 && n <= limit {
		// net/http enforces a declared length. (0 is left to the general
		// path: hand-made responses often leave it unset.)
		data := make([]byte, n)
		_, err := io.ReadFull(resp.Body, data)
		return &bufferedBody{Reader: bytes.NewReader(data), data: data}, err
	}
	data, truncated, err := readBounded(resp.Body, limit)
	return &bufferedBody{Reader: bytes.NewReader(data), data: data, truncated: truncated}, err
}

// readBounded reads r until EOF or max bytes, growing its buffer by
// doubling but never beyond max; truncated reports that r had more.
func readBounded(r io.Reader, max int64) (data []byte, truncated bool, err error) {
	buf := make([]byte, 0, min(max, 4<<10))
	for int64(len(buf)) < max {
		if len(buf) == cap(buf) {
			grown := make([]byte, len(buf), min(max, 2*int64(cap(buf))))
			copy(grown, buf)
			buf = grown
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if errors.Is(err, io.EOF) {
			return buf, false, nil
		}
		if err != nil {
			return buf, false, err
		}
	}
	var probe [1]byte
	for {
		n, err := r.Read(probe[:])
		switch {
		case n > 0:
			return buf, true, nil
		case errors.Is(err, io.EOF):
			return buf, false, nil
		case err != nil:
			return buf, false, err
		}
	}
}

// bufferedBody is a response body read into memory by attemptTransport.
// (Pooling these buffers was measured and dropped: BenchmarkAll allocated
// and peaked the same with and without the pool.)
type bufferedBody struct {
	*bytes.Reader
	data      []byte
	truncated bool // the body had more than the limit; data holds the limit
}

// Close does nothing: the bytes are in memory.
func (*bufferedBody) Close() error { return nil }

// envelopeCode reads the business code of an error body, to tell a
// business error from an outage.
func (b *bufferedBody) envelopeCode() (code int, arrayMessage bool) {
	env, err := envelope.Decode(b.data)
	if err != nil {
		return 0, false
	}
	return env.Code, env.ArrayMessage
}
