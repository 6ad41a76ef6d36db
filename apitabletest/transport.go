package apitabletest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"syscall"
)

// Transport returns an in-memory http.RoundTripper that calls the server's
// handler directly in the caller's goroutine: no network and no goroutines,
// so it works inside testing/synctest bubbles.
//
// It calls the request's httptrace hooks GotConn and then WroteRequest
// before handing the request to the handler, so a client can tell a request
// that was never sent from one that was. Injected drops become RoundTrip
// errors: DropBeforeHandling fails after GotConn and before WroteRequest
// (nothing was sent or applied; the request is not logged) with an error
// matching syscall.ECONNRESET; DropAfterHandling fails after the handler
// ran and committed, with an error matching io.ErrUnexpectedEOF. A done
// request context makes RoundTrip return the context's error. A panic in
// the fake's handler never reaches the caller: it is answered HTTP 500,
// code 500, message "SERVER_ERROR" (also over the loopback listener) and
// logged to the test.
func (s *Server) Transport() http.RoundTripper { return memTransport{s: s} }

type memTransport struct{ s *Server }

// errDropped is the cause of a DropAfterHandling failure.
type droppedError struct{ before bool }

func (e *droppedError) Error() string {
	if e.before {
		return "apitabletest: connection reset before the request was sent"
	}
	return "apitabletest: connection closed after the request was sent, no response"
}

func (e *droppedError) Unwrap() error {
	if e.before {
		return syscall.ECONNRESET
	}
	return io.ErrUnexpectedEOF
}

func (t memTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	closeBody := func() {
		if req.Body != nil {
			_ = req.Body.Close()
		}
	}
	if err := ctx.Err(); err != nil {
		closeBody()
		return nil, err
	}
	if req.URL == nil {
		closeBody()
		return nil, errors.New("apitabletest: nil request URL")
	}
	trace := httptrace.ContextClientTrace(ctx)
	if trace != nil && trace.GetConn != nil {
		trace.GetConn(req.URL.Host)
	}
	ctx, conn, reused := t.s.net.acquire(ctx) // the emulated pool (network.go)
	if trace != nil && trace.GotConn != nil {
		trace.GotConn(httptrace.GotConnInfo{Conn: conn, Reused: reused})
	}
	f := t.s.takeFault(req.Method, req.URL.Path)
	if f != nil && f.Drop == DropBeforeHandling {
		closeBody()
		return nil, &net.OpError{Op: "write", Net: "tcp", Err: &droppedError{before: true}}
	}
	if trace != nil && trace.WroteHeaders != nil {
		trace.WroteHeaders()
	}
	if trace != nil && trace.WroteRequest != nil {
		trace.WroteRequest(httptrace.WroteRequestInfo{})
	}
	sig := &dropSignal{}
	sctx := context.WithValue(ctx, faultCtxKey, &preFault{f: f})
	sctx = context.WithValue(sctx, dropCtxKey, sig)
	sreq := req.Clone(sctx)
	sreq.RequestURI = req.URL.RequestURI()
	sreq.RemoteAddr = "127.0.0.1:1"
	if sreq.Body == nil {
		sreq.Body = http.NoBody
	}
	if req.ContentLength > 0 {
		sreq.Header.Set("Content-Length", strconv.FormatInt(req.ContentLength, 10))
	} else if req.ContentLength < 0 && req.Body != nil && req.Body != http.NoBody {
		sreq.TransferEncoding = []string{"chunked"}
	}
	if sreq.Host == "" {
		sreq.Host = req.URL.Host
	}
	rec := newRecorder()
	t.s.handler.ServeHTTP(rec, sreq)
	closeBody()
	if sig.dropped {
		return nil, fmt.Errorf("apitabletest: read response: %w", &droppedError{})
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if rec.status == 0 {
		// The handler gave up (ctx done while waiting) without answering.
		return nil, fmt.Errorf("apitabletest: no response: %w", io.ErrUnexpectedEOF)
	}
	t.s.net.release(conn)
	body := rec.body.Bytes()
	resp := &http.Response{
		Status:        strconv.Itoa(rec.status) + " " + http.StatusText(rec.status),
		StatusCode:    rec.status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        rec.header,
		Body:          io.NopCloser(bytes.NewReader(body)),
		ContentLength: int64(len(body)),
		Request:       req,
	}
	return resp, nil
}

// memConn is the placeholder net.Conn reported to GotConn: one per
// emulated connection.
type memConn struct {
	net.Conn
	_ byte // non-zero size: each new memConn has its own address
}

func (*memConn) LocalAddr() net.Addr  { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)} }
func (*memConn) RemoteAddr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)} }
