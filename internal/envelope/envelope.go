// Package envelope decodes the Fusion API's response envelope (server-behaviour.md §1.1):
// {"success":bool,"code":int,"message":string|[]string,"data":…}.
package envelope

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"unicode/utf8"
)

// Envelope is a decoded response body.
type Envelope struct {
	Success bool
	Code    int
	// Messages holds the message; one entry for a string message, several
	// for the DTO-validation array form (server-behaviour.md §4.1).
	Messages []string
	// ArrayMessage is true when the server sent message as an array.
	ArrayMessage bool
	// Data is the raw data value; nil when the key was absent or null.
	Data json.RawMessage
}

// Message joins the messages with "; ".
func (e *Envelope) Message() string { return strings.Join(e.Messages, "; ") }

type wire struct {
	Success json.RawMessage `json:"success"`
	Code    json.RawMessage `json:"code"`
	Message json.RawMessage `json:"message"`
	Data    json.RawMessage `json:"data"`
}

// ErrNotEnvelope is returned for a body that is not a JSON object with a
// boolean success key.
var ErrNotEnvelope = errors.New("body is not an API envelope")

// Decode parses body. It never panics; a body that is not an envelope gives
// ErrNotEnvelope.
func Decode(body []byte) (*Envelope, error) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return nil, ErrNotEnvelope
	}
	var w wire
	if err := json.Unmarshal(trimmed, &w); err != nil {
		return nil, ErrNotEnvelope
	}
	env := &Envelope{}
	switch string(w.Success) { // a JSON null would unmarshal into false silently
	case "true":
		env.Success = true
	case "false":
	default:
		return nil, ErrNotEnvelope
	}
	if len(w.Code) > 0 {
		var f float64
		if err := json.Unmarshal(w.Code, &f); err == nil && f == float64(int(f)) {
			env.Code = int(f)
		} else if !env.Success {
			return nil, ErrNotEnvelope
		}
	}
	if len(w.Message) > 0 {
		var s string
		var arr []any
		switch {
		case json.Unmarshal(w.Message, &s) == nil:
			env.Messages = []string{s}
		case json.Unmarshal(w.Message, &arr) == nil:
			env.ArrayMessage = true
			for _, m := range arr {
				if ms, ok := m.(string); ok {
					env.Messages = append(env.Messages, ms)
				} else {
					b, _ := json.Marshal(m)
					env.Messages = append(env.Messages, string(b))
				}
			}
		}
	}
	if len(w.Data) > 0 && !bytes.Equal(w.Data, []byte("null")) {
		env.Data = w.Data
	}
	return env, nil
}

// Snippet returns at most n bytes of body as valid, single-line text, for
// error messages about bodies that are not envelopes.
func Snippet(body []byte, n int) string {
	if n < 0 {
		n = 0
	}
	s := strings.ToValidUTF8(string(bytes.TrimSpace(body)), "?")
	if len(s) > n {
		cut := n
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut-- // do not split a character
		}
		s = s[:cut] + "…"
	}
	return strings.Join(strings.Fields(s), " ")
}
