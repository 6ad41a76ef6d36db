// Package fake is the model and the HTTP handlers behind apitabletest: the
// in-memory store (spaces, nodes, datasheets, fields, views, records,
// cells, attachments) and the API that reads and writes it, following the
// open-source server as docs/server-behaviour.md describes it.
//
// It knows nothing about the network: faults, latency, dropped
// connections, the request log and the in-memory transport live in
// apitabletest, which calls Backend.Handle for every request that reaches
// the API.
package fake

import (
	"net/http"
	"sync"
	"time"
)

// Config is what the API needs to know about the server's settings.
type Config struct {
	Token       string
	RatePoints  int // v1 rate limit per window; < 1 disables it
	RateWindow  time.Duration
	MaxPerWrite int    // records per create, update or delete
	MaxRows     int    // row cap of a datasheet
	Prefix      string // path prefix before /fusion ("" or "/x")
	BodyLimit   int64  // request body cap in bytes
	AttachCap   int64  // per-space attachment capacity in bytes
	// Unanswered, when set, is called for a request the real server
	// never answers (server-behaviour.md §4.1 case 1: a lone DTO validation failure; server-behaviour.md §6.9: an
	// upload without a file part), before the fake writes anything.
	// reason is the fake's tidy answer. It returns true to have the fake
	// write that answer, false when it dealt with the request itself
	// (waited for the client to give up, or dropped the connection).
	Unanswered func(w http.ResponseWriter, r *http.Request, reason string) (answer bool)
	// Notice, when set, receives a line a test author should see that is
	// not in the answer: why a filterByFormula was rejected (the real
	// server answers code 400 with an empty message), or that it is valid
	// on the server but outside what the fake evaluates.
	Notice func(msg string)
	// Now is the clock of the formula functions TODAY() and NOW(); nil
	// means time.Now.
	Now func() time.Time
}

// Backend is the fake API server without its network face. It is safe for
// concurrent use: one mutex guards the store.
type Backend struct {
	cfg Config

	mu        sync.Mutex
	idCounter uint64
	reqID     uint64
	windows   map[string]*window
	st        *store
}

// New returns an empty backend (no spaces).
func New(cfg Config) *Backend {
	s := &Backend{cfg: cfg, windows: map[string]*window{}}
	s.st = newStore(s)
	return s
}

// ReadBody reads the request body up to the configured limit; tooLarge
// reports a body over it. Multipart uploads are not read: their handler
// streams them (docs/server-behaviour.md §6.9) and their bytes are not
// logged.
func (s *Backend) ReadBody(r *http.Request) (body []byte, tooLarge bool) {
	if isMultipart(r) {
		return nil, false
	}
	return readLimited(r.Body, s.cfg.BodyLimit)
}

// WriteError writes an error envelope with the given HTTP status,
// business code and message.
func (s *Backend) WriteError(w http.ResponseWriter, status, code int, msg string) {
	s.writeError(w, &apiError{status: status, code: code, msg: msg})
}

// WriteHeaders sets the headers every answer carries (request-id, and
// Content-Type when ct is not empty).
func (s *Backend) WriteHeaders(w http.ResponseWriter, ct string) { s.writeHeaders(w, ct) }

// Handle runs the API for one request whose body was read with ReadBody
// and writes the answer; it returns the HTTP status and business code for
// the request log.
func (s *Backend) Handle(w http.ResponseWriter, r *http.Request, body []byte, tooLarge bool) (status, code int) {
	return s.handle(w, r, body, tooLarge)
}
