package apitabletest

import (
	"errors"
	"net/http"
	"runtime/debug"
)

// A handler panic is a bug in the fake. It must not take the caller's
// goroutine down (the in-memory transport runs the handler there) nor
// reset a loopback connection: the server answers the way the real server
// answers an uncaught exception, HTTP 500 with code 500 and message
// "SERVER_ERROR" (docs/server-behaviour.md §4.1), logs the panic with its
// stack to the test (t.Logf) and keeps serving.
const panicMessage = "SERVER_ERROR"

// handleAPI runs the API for one request, turning a panic into the 500
// answer.
func (s *Server) handleAPI(w http.ResponseWriter, r *http.Request, body []byte, tooLarge bool) (status, code int) {
	defer func() {
		if v := recover(); v != nil {
			status, code = s.answerPanic(w, v)
		}
	}()
	return s.apiHandle(w, r, body, tooLarge)
}

// recoverPanics is the outermost handler: a panic outside the API (in the
// fault layer) gets the same 500 answer. http.ErrAbortHandler is passed on
// to net/http, which closes the connection; the in-memory transport turns
// it into a dropped connection.
func (s *Server) recoverPanics(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if err, ok := v.(error); ok && errors.Is(err, http.ErrAbortHandler) {
				if sig, ok := r.Context().Value(dropCtxKey).(*dropSignal); ok {
					sig.dropped = true // in memory: a dropped connection, not a panic
					return
				}
				panic(v)
			}
			_, _ = s.answerPanic(w, v)
		}()
		h.ServeHTTP(w, r)
	})
}

// answerPanic reports the panic to the test and writes the 500 answer.
func (s *Server) answerPanic(w http.ResponseWriter, v any) (status, code int) {
	if s.tb != nil {
		s.tb.Logf("apitabletest: handler panic (answered HTTP 500): %v\n%s", v, debug.Stack())
	}
	s.api.WriteError(w, http.StatusInternalServerError, 500, panicMessage)
	return http.StatusInternalServerError, 500
}
