// Package retry holds the pure parts of the retry policy: failure classes,
// the decision table of class × call kind, backoff and Retry-After parsing.
// It never imports the root package.
package retry

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Kind says what a call does to server state, which decides whether an
// ambiguous failure may be retried.
type Kind int

const (
	// Unspecified is the zero Kind: a route that forgot to state its kind.
	// It is treated as the safest class, like Create: never re-sent after
	// an ambiguous failure, and such a failure is an unknown outcome.
	Unspecified Kind = iota
	// Read is a GET, always safe to repeat.
	Read
	// Update is a PATCH/PUT by record id; repeating it writes the same values.
	Update
	// Delete is a DELETE by id; a repeat that finds nothing counts as done.
	Delete
	// Create is a POST that adds state; a repeat would duplicate it.
	Create
	// Upload is a streamed POST; a repeat duplicates it and may be impossible.
	Upload
)

func (k Kind) String() string {
	switch k {
	case Read:
		return "read"
	case Update:
		return "update"
	case Delete:
		return "delete"
	case Create:
		return "create"
	case Upload:
		return "upload"
	case Unspecified:
		return "unspecified"
	}
	return "unknown"
}

// Writes reports whether the call changes server state; every kind but
// Read may (Unspecified included).
func (k Kind) Writes() bool { return k != Read }

// RepeatSafe reports whether repeating an already-applied call is harmless.
func (k Kind) RepeatSafe() bool { return k == Read || k == Update || k == Delete }

// Class is the class of one failed attempt (docs/design.md, "Retry classes").
type Class int

const (
	// OK is a definite answer that needs no retry (success or a business error).
	OK Class = iota
	// NotSent means the request never reached the server (dial, DNS, refused).
	NotSent
	// Throttled is HTTP 429, rejected unprocessed.
	Throttled
	// Ambiguous means sent, but no definite answer (timeout, reset, EOF, 5xx).
	Ambiguous
	// Definite is a definite failure that a repeat would not change.
	Definite
	// Local is a failure on our side that a repeat would not change (TLS
	// verification, bad URL, body that cannot be rewound).
	Local
)

func (c Class) String() string {
	names := [...]string{"ok", "not-sent", "throttled", "ambiguous", "definite", "local"}
	if c < 0 || int(c) >= len(names) {
		return "unknown"
	}
	return names[c]
}

// ShouldRetry is the decision table: class × kind.
func ShouldRetry(c Class, k Kind) bool {
	switch c {
	case NotSent, Throttled:
		return true
	case Ambiguous:
		return k.RepeatSafe()
	}
	return false
}

// NotSentError marks a transport error that happened before the request
// was written to a connection.
type NotSentError struct{ Err error }

func (e *NotSentError) Error() string { return e.Err.Error() }
func (e *NotSentError) Unwrap() error { return e.Err }

// LocalError marks a failure on the client's side that a repeat would not
// change, such as a rate-limiter wait that cannot finish before the deadline.
type LocalError struct{ Err error }

func (e *LocalError) Error() string { return e.Err.Error() }
func (e *LocalError) Unwrap() error { return e.Err }

// ClassifyError classifies a transport error (no HTTP response).
func ClassifyError(err error) Class {
	if err == nil {
		return OK
	}
	var (
		unknownAuthority x509.UnknownAuthorityError
		hostname         x509.HostnameError
		certInvalid      x509.CertificateInvalidError
		verify           *tls.CertificateVerificationError
		recordHeader     tls.RecordHeaderError
	)
	switch {
	case errors.As(err, &verify), errors.As(err, &unknownAuthority), errors.As(err, &hostname),
		errors.As(err, &certInvalid), errors.As(err, &recordHeader):
		return Local
	case strings.Contains(err.Error(), "stopped after") && strings.Contains(err.Error(), "redirects"):
		return Local
	case strings.Contains(err.Error(), "unsupported protocol scheme"), errors.Is(err, http.ErrSchemeMismatch):
		return Local
	}
	var le *LocalError
	if errors.As(err, &le) {
		return Local
	}
	var ns *NotSentError
	if errors.As(err, &ns) {
		return NotSent
	}
	return Ambiguous
}

// ClassifyStatus classifies an HTTP answer from its status and, for 5xx,
// from what the envelope says: a 500 carrying business code 304 (row cap) or
// an array message (DTO validation, server-behaviour.md §4.1) is a definite answer, not an outage.
func ClassifyStatus(status, code int, arrayMessage bool) Class {
	switch {
	case status == http.StatusTooManyRequests:
		return Throttled
	case status == http.StatusInternalServerError && (arrayMessage || (code != 0 && code != 500)):
		return Definite
	case status == http.StatusInternalServerError, status == http.StatusBadGateway,
		status == http.StatusServiceUnavailable, status == http.StatusGatewayTimeout:
		return Ambiguous
	case status >= 400:
		return Definite
	}
	return OK
}

// Backoff returns the wait before retry number n (0-based): equal jitter
// over an exponential ceiling, never below min, never above max.
func Backoff(n int, min, max time.Duration) time.Duration {
	if min <= 0 {
		return 0
	}
	if max < min {
		max = min
	}
	ceil := min
	for i := 0; i < n && ceil < max; i++ {
		if ceil > max/2 {
			ceil = max // doubling would pass max (or overflow)
			break
		}
		ceil *= 2
	}
	if ceil > max {
		ceil = max
	}
	half := ceil / 2
	wait := half + time.Duration(rand.Int64N(int64(half)+1)) //nolint:gosec // G404: backoff jitter needs no cryptographic randomness
	if wait < min {
		wait = min
	}
	return wait
}

// ParseRetryAfter reads a Retry-After header (seconds or HTTP date).
func ParseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if s, err := strconv.ParseInt(v, 10, 64); err == nil {
		if s < 0 {
			return 0, false
		}
		if s > int64(24*time.Hour/time.Second) {
			s = int64(24 * time.Hour / time.Second)
		}
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		d := t.Sub(now)
		if d < 0 {
			d = 0
		}
		return d, true
	}
	return 0, false
}
