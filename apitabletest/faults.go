package apitabletest

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// DropMode says how an injected fault drops the connection.
type DropMode int

const (
	// DropNone answers normally (with the fault's status, if any).
	DropNone DropMode = iota
	// DropBeforeHandling closes the connection before the request is
	// processed: nothing is applied.
	DropBeforeHandling
	// DropAfterHandling processes and commits the request, then closes the
	// connection without sending the response.
	DropAfterHandling
)

// Fault is an injected failure: for the next Count matching requests, or,
// with Rate set, for each matching request with probability Rate for as
// long as it is installed (see InjectFault and ClearFaults).
type Fault struct {
	Method string // "" matches any method
	Path   string // substring of the request path; "" matches any
	Count  int    // how many matching requests it applies to (0 means 1); ignored when Rate is set
	// Rate, when in (0, 1], makes the fault probabilistic: every matching
	// request is hit with this probability (one draw per matching request,
	// from the server's generator; see WithSeed), and the fault stays
	// installed until ClearFaults. A request the draw spares goes on to the
	// next installed fault. 0 means the Count behaviour; values above 1
	// count as 1.
	Rate    float64
	Status  int // HTTP status to answer with, as an error envelope
	Code    int // business code; defaults to Status
	Message string
	Drop    DropMode
	Delay   time.Duration // extra delay before answering (ends with the request ctx)
	Body    string        // raw body sent instead of an envelope, with Status
	// Answer, when not AnswerNormal, lets the request through to the API
	// (a write is applied exactly once) and then replaces a successful
	// answer with an unusable, short or error one (see AnswerMode).
	// Status, when set, becomes the HTTP status of that answer. Drop takes
	// precedence over Answer.
	Answer AnswerMode
}

type faultState struct {
	f    Fault
	left int
}

// InjectFault makes the next f.Count requests matching f.Method and f.Path
// fail as f describes or, when f.Rate is set, each matching request with
// probability f.Rate until ClearFaults. Faults are matched in the order
// they were injected, before anything else (authentication, rate limit) is
// checked; at most one fault hits a request.
func (s *Server) InjectFault(f Fault) {
	n := f.Count
	if n <= 0 {
		n = 1
	}
	s.mu.Lock()
	s.faults = append(s.faults, &faultState{f: f, left: n})
	s.mu.Unlock()
}

// ClearFaults removes every installed fault, counted and probabilistic.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	s.faults = nil
	s.mu.Unlock()
}

// takeFault finds the first fault that hits the request, consuming one use
// of a counted fault.
func (s *Server) takeFault(method, path string) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, fs := range s.faults {
		if fs.f.Method != "" && !strings.EqualFold(fs.f.Method, method) {
			continue
		}
		if fs.f.Path != "" && !strings.Contains(path, fs.f.Path) {
			continue
		}
		if fs.f.Rate > 0 {
			if s.rng.Float64() >= fs.f.Rate {
				continue // spared by the draw
			}
			f := fs.f
			return &f
		}
		fs.left--
		if fs.left <= 0 {
			s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
		}
		f := fs.f
		return &f
	}
	return nil
}

// AnswerMode says how an injected fault spoils the answer to a request the
// API has processed: the write is committed, then the client gets a 2xx it
// cannot use, or one that reports less than was done. A request the API
// rejects (an error envelope, nothing applied) is answered unchanged.
type AnswerMode int

const (
	// AnswerNormal sends the API's answer.
	AnswerNormal AnswerMode = iota
	// AnswerWithoutData sends the success envelope without its data key.
	AnswerWithoutData
	// AnswerWrongShape sends the success envelope with data of the wrong
	// shape: a JSON array of strings where every route answers an object
	// or a list of objects.
	AnswerWrongShape
	// AnswerHTML sends an HTML page (Content-Type text/html) with the
	// answer's 2xx status, as a proxy in front of the server might.
	AnswerHTML
	// AnswerShort sends the API's answer with the last record left out of
	// data.records: a create of n records is applied but the answer lists
	// n-1. Answers without a record list are sent unchanged.
	AnswerShort
	// AnswerError sends an error after the write was applied: the fault's
	// Status (default 500) as an error envelope with its Code and Message
	// (or its raw Body), as a Status fault does before handling.
	AnswerError
)

// answerAfterCommit runs the API, then sends the answer f.Answer asks for
// in place of a successful one. It returns the status and business code
// sent, for the request log.
func (s *Server) answerAfterCommit(w http.ResponseWriter, r *http.Request, f *Fault, body []byte, tooLarge bool) (status, code int) {
	rec := newRecorder()
	status, code = s.handleAPI(rec, r, body, tooLarge)
	if f.Answer == AnswerError && status >= 200 && status <= 299 && code == 200 {
		ef := *f
		if ef.Status == 0 {
			ef.Status = http.StatusInternalServerError
		}
		return s.writeFaultStatus(w, &ef)
	}
	out, ct, ok := spoilAnswer(f.Answer, status, code, rec.body.Bytes())
	if !ok {
		rec.copyTo(w)
		return status, code
	}
	if f.Status != 0 {
		status = f.Status
	}
	if ct == "text/html; charset=utf-8" {
		code = 0
	}
	for k, vs := range rec.header {
		w.Header()[k] = vs
	}
	w.Header().Set("Content-Type", ct)
	w.WriteHeader(status)
	_, _ = w.Write(out)
	return status, code
}

// spoilAnswer returns the body (and its content type) that replaces a
// successful answer; ok is false when the answer is to be sent unchanged.
func spoilAnswer(mode AnswerMode, status, code int, body []byte) (out []byte, ct string, ok bool) {
	const jsonType = "application/json; charset=utf-8"
	if status < 200 || status > 299 || code != 200 {
		return nil, "", false
	}
	switch mode {
	case AnswerWithoutData:
		return []byte(`{"code":200,"success":true,"message":"SUCCESS"}`), jsonType, true
	case AnswerWrongShape:
		return []byte(`{"code":200,"success":true,"message":"SUCCESS","data":["apitabletest: data of the wrong shape"]}`), jsonType, true
	case AnswerHTML:
		page := "<!DOCTYPE html>\n<html><head><title>" + strconv.Itoa(status) + " " + http.StatusText(status) +
			"</title></head><body><h1>Welcome</h1><p>apitabletest: an HTML page instead of the API's answer.</p></body></html>\n"
		return []byte(page), "text/html; charset=utf-8", true
	case AnswerShort:
		short, ok := dropLastRecord(body)
		return short, jsonType, ok
	}
	return nil, "", false
}

// dropLastRecord removes the last element of data.records from a success
// envelope, keeping every other key as it was.
func dropLastRecord(body []byte) ([]byte, bool) {
	var env map[string]json.RawMessage
	if json.Unmarshal(body, &env) != nil {
		return nil, false
	}
	var data map[string]json.RawMessage
	if json.Unmarshal(env["data"], &data) != nil {
		return nil, false
	}
	var recs []json.RawMessage
	if json.Unmarshal(data["records"], &recs) != nil || len(recs) == 0 {
		return nil, false
	}
	var err error
	if data["records"], err = json.Marshal(recs[:len(recs)-1]); err != nil {
		return nil, false
	}
	if env["data"], err = json.Marshal(data); err != nil {
		return nil, false
	}
	out, err := json.Marshal(env)
	return out, err == nil
}
