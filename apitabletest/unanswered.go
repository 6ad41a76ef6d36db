package apitabletest

import (
	"fmt"
	"log/slog"
	"net/http"
)

// WithServerHangs makes the server behave like the real one for the
// requests the real server never answers: a lone DTO validation failure
// (pageSize outside 1..1000, a bad cellFormat or fieldKey, "records": [],
// docs/server-behaviour.md §4.1 case 1) and an upload without a file part
// (server-behaviour.md §6.9). Such a request gets no answer: the server holds it until the
// request's context ends (the client gives up) or the server is closed
// (then the connection is dropped). Over the in-memory Transport the
// client's RoundTrip returns its context's error, so set a deadline.
//
// Without this option the fake answers those requests tidily (HTTP 200,
// code 400, the tip text) and logs that the real server would not answer.
func WithServerHangs() ServerOption { return func(c *config) { c.hangs = true } }

// WithLogger sends the server's notices (requests the real server would
// not answer, why a filterByFormula was rejected) to l. A server made by
// NewServer without it logs them with t.Logf; one made by New without it
// does not log.
func WithLogger(l *slog.Logger) ServerOption { return func(c *config) { c.logger = l } }

// unanswered is fake.Config.Unanswered: it decides what happens to a
// request the real server never answers.
func (s *Server) unanswered(w http.ResponseWriter, r *http.Request, reason string) bool {
	if !s.cfg.hangs {
		s.notice(fmt.Sprintf("the real server would not answer %s %s (%q): it leaves the connection open until the client times out (docs/server-behaviour.md §4.1); the fake answers HTTP 200, code 400 (WithServerHangs makes it hang)",
			r.Method, r.URL.Path, reason))
		return true
	}
	select {
	case <-r.Context().Done():
	case <-s.closing:
		s.drop(w, r)
	}
	return false
}

// notice logs a line to the test or the WithLogger logger.
func (s *Server) notice(msg string) {
	switch {
	case s.cfg.logger != nil:
		s.cfg.logger.Info("apitabletest: " + msg)
	case s.tb != nil:
		s.tb.Helper()
		s.tb.Logf("apitabletest: %s", msg)
	}
}
