package apitabletest

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"time"
)

type ctxKey int

const (
	faultCtxKey ctxKey = iota
	dropCtxKey
)

// preFault carries the fault already taken by the in-memory transport.
type preFault struct{ f *Fault }

// dropSignal lets the handler tell the in-memory transport to drop the
// connection after handling.
type dropSignal struct{ dropped bool }

// serveHTTP is the server's handler: faults and latency first, then the
// API.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	var f *Fault
	if pf, ok := ctx.Value(faultCtxKey).(*preFault); ok {
		f = pf.f
	} else {
		f = s.takeFault(r.Method, r.URL.Path)
	}
	if err := sleepCtx(ctx, s.net.delay(ctx)); err != nil {
		return
	}
	start := time.Now() // the (emulated) arrival
	body, tooLarge := s.api.ReadBody(r)
	entry := Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Body: body, Time: start}
	if f != nil {
		if err := sleepCtx(ctx, f.Delay); err != nil {
			return
		}
		if s.applyFault(w, r, f, &entry, body, tooLarge) {
			s.logRequest(entry)
			return
		}
	}
	entry.Status, entry.Code = s.handleAPI(w, r, body, tooLarge)
	s.logRequest(entry)
}

// applyFault answers the request as f says and fills the log entry; it
// returns false when f leaves the request to the API (no drop, no status,
// no answer change).
func (s *Server) applyFault(w http.ResponseWriter, r *http.Request, f *Fault, entry *Request, body []byte, tooLarge bool) bool {
	switch {
	case f.Drop == DropBeforeHandling:
		s.drop(w, r)
		return true
	case f.Drop == DropAfterHandling:
		_, _ = s.handleAPI(newRecorder(), r, body, tooLarge)
		s.drop(w, r)
		return true
	case f.Answer != AnswerNormal:
		entry.Status, entry.Code = s.answerAfterCommit(w, r, f, body, tooLarge)
		return true
	case f.Status != 0:
		entry.Status, entry.Code = s.writeFaultStatus(w, f)
		return true
	}
	return false
}

// writeFaultStatus answers with the fault's status: its raw Body, or an
// error envelope with its code and message.
func (s *Server) writeFaultStatus(w http.ResponseWriter, f *Fault) (status, code int) {
	if f.Body != "" {
		s.api.WriteHeaders(w, "")
		w.WriteHeader(f.Status)
		_, _ = io.WriteString(w, f.Body) //nolint:gosec // a test fake: the fault body is the test author's, written verbatim on purpose
		return f.Status, 0
	}
	code = f.Code
	if code == 0 {
		code = f.Status
	}
	msg := f.Message
	if msg == "" {
		msg = http.StatusText(f.Status)
	}
	s.api.WriteError(w, f.Status, code, msg)
	return f.Status, code
}

func (s *Server) logRequest(e Request) {
	s.mu.Lock()
	s.log = append(s.log, e)
	s.mu.Unlock()
}

// drop closes the connection without an answer.
func (s *Server) drop(w http.ResponseWriter, r *http.Request) {
	if sig, ok := r.Context().Value(dropCtxKey).(*dropSignal); ok {
		sig.dropped = true
		return
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		w.WriteHeader(http.StatusBadGateway)
		return
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		return
	}
	_ = conn.Close()
}

// sleepCtx waits for d or until ctx is done.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// recorder is a minimal in-memory ResponseWriter.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func newRecorder() *recorder { return &recorder{header: http.Header{}} }

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(b)
}

// copyTo sends the recorded answer to w.
func (r *recorder) copyTo(w http.ResponseWriter) {
	for k, vs := range r.header {
		w.Header()[k] = vs
	}
	if r.status != 0 {
		w.WriteHeader(r.status)
	}
	_, _ = w.Write(r.body.Bytes())
}
