package fake

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// apiError is an error answer: HTTP status, business code and message
// (a string, or []string for the DTO array form of server-behaviour.md §4.1).
type apiError struct {
	status, code int
	msg          any
	// unanswered marks an error the real server never answers: the
	// connection stays open until the client gives up (server-behaviour.md §4.1 case 1,
	// server-behaviour.md §6.9). The fake answers it tidily unless Config.Unanswered says
	// otherwise.
	unanswered bool
}

// unanswered returns e marked as never answered by the real server.
func unanswered(e *apiError) *apiError {
	e.unanswered = true
	return e
}

func (e *apiError) messageText() string {
	switch m := e.msg.(type) {
	case string:
		return m
	case []string:
		return strings.Join(m, "; ")
	}
	return fmt.Sprint(e.msg)
}

// errParam is the usual HTTP 200 / code 400 answer (server-behaviour.md §4.3).
func errParam(msg string) *apiError { return &apiError{status: 200, code: 400, msg: msg} }

func errServer(msg any) *apiError { return &apiError{status: 500, code: 500, msg: msg} }

// dtoFailure is one DTO validation failure (server-behaviour.md §4.1): the tip id sent in the
// array form and the English text sent when it is the only failure.
type dtoFailure struct {
	id, text string
	nested   bool
}

// dtoError turns the collected DTO failures into the fake's answer: a lone
// top-level failure gives HTTP 200 / code 400 with the tip text (recommended
// deviation, server-behaviour.md §4.1 case 1); anything else HTTP 500 / code 500 with the raw
// ids as an array (server-behaviour.md §4.1 case 2).
func dtoError(fs []dtoFailure) *apiError {
	if len(fs) == 0 {
		return nil
	}
	if len(fs) == 1 && !fs[0].nested {
		return unanswered(errParam(fs[0].text))
	}
	ids := make([]string, len(fs))
	for i, f := range fs {
		ids[i] = f.id
	}
	return errServer(ids)
}

// result is a success answer.
type result struct {
	status int
	data   any // nil: no data key
}

func errNotFound() *apiError {
	return &apiError{status: 404, code: 404, msg: "The API does not exist"}
}

func errUnauthorized() *apiError { return &apiError{status: 401, code: 401, msg: "Unauthorized"} }

func errNotInSpace() *apiError {
	return &apiError{status: 403, code: 403, msg: "The API token user does not belong to the space, please adjust spaceId or API token and try again"}
}

func errDatasheetNotFound() *apiError {
	return &apiError{status: 200, code: 301, msg: "Can't find the specified datasheet"}
}

func jsonErrorText(err error) string {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return "Unexpected end of JSON input"
	}
	return "Unexpected token in JSON: " + err.Error()
}

func (s *Backend) writeHeaders(w http.ResponseWriter, ct string) {
	s.mu.Lock()
	s.reqID++
	id := s.reqID
	s.mu.Unlock()
	h := w.Header()
	h.Set("request-id", "apitabletest-"+strconv.FormatUint(id, 10))
	if ct != "" {
		h.Set("Content-Type", ct)
	}
}

func encodeJSON(v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

type successEnvelope struct {
	Code    int    `json:"code"`
	Success bool   `json:"success"`
	Message string `json:"message"`
	Data    any    `json:"data,omitempty"`
}

type errorEnvelope struct {
	Success bool `json:"success"`
	Code    int  `json:"code"`
	Message any  `json:"message"`
}

// rateEnvelope keeps the key order of the 429 body of server-behaviour.md §3.
type rateEnvelope struct {
	Code    int    `json:"code"`
	Success bool   `json:"success"`
	Message string `json:"message"`
}

func (s *Backend) writeSuccess(w http.ResponseWriter, res *result) {
	s.writeHeaders(w, "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache,no-store,must-revalidate")
	w.WriteHeader(res.status)
	_, _ = w.Write(encodeJSON(successEnvelope{Code: 200, Success: true, Message: "SUCCESS", Data: res.data}))
}

func (s *Backend) writeError(w http.ResponseWriter, e *apiError) {
	s.writeHeaders(w, "application/json; charset=utf-8")
	w.WriteHeader(e.status)
	if e.status == 429 {
		_, _ = w.Write(encodeJSON(rateEnvelope{Code: e.code, Message: e.messageText()}))
		return
	}
	_, _ = w.Write(encodeJSON(errorEnvelope{Code: e.code, Message: e.msg}))
}
