package apitable

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode"
)

// Sentinel errors. Every failure the client returns matches at most one of the
// code sentinels below through errors.Is (a finer sentinel of the 400 family
// matches ErrInvalidRequest too), plus ErrOutcomeUnknown for writes whose
// effect could not be determined.
var (
	// ErrDatasheetNotFound: business code 301 (unknown or invisible datasheet
	// or node).
	ErrDatasheetNotFound = errors.New("apitable: datasheet not found")
	// ErrRowLimitExceeded: code 304 (server row cap, sent with HTTP 500) and
	// the plan limits 305 and 309.
	ErrRowLimitExceeded = errors.New("apitable: row limit exceeded")
	// ErrInvalidRequest: code 400, the server's DTO validation failures, and
	// every check this package makes before sending (see ValidationError).
	// The finer sentinels below tell the common code-400 answers apart; each
	// of them matches ErrInvalidRequest too.
	ErrInvalidRequest = errors.New("apitable: invalid request")
	// ErrRecordNotFound: a record id that does not exist (or was deleted):
	// Records.Get found no such record (the server skips unknown ids
	// silently when reading, so Get checks), or the server rejected an
	// update or delete with "The record specified by the recordId does not
	// exist". A link cell naming a missing record is only ErrInvalidRequest.
	ErrRecordNotFound error = &invalidKind{"apitable: record not found"}
	// ErrFieldNotFound: a field name or id the datasheet does not have, in
	// Fields ("Invalid fields"), Sort ("The sorted field … does not exist"),
	// a write whose record has no known field left ("The format of the
	// fields parameter value is wrong": the server drops unknown columns
	// silently otherwise), a lookup field's references, or a field delete;
	// also the schema check's rejection before sending (WithSchemaCheck).
	ErrFieldNotFound error = &invalidKind{"apitable: field not found"}
	// ErrViewNotFound: an unknown ViewID ("The specified view does not
	// exist", "View (…) does not exist").
	ErrViewNotFound error = &invalidKind{"apitable: view not found"}
	// ErrUnitNotFound: a member cell naming a unit (member, team) by id or
	// name that the space does not have.
	ErrUnitNotFound error = &invalidKind{"apitable: unit not found"}
	// ErrFormulaRejected: the server rejected FilterByFormula (code 400 with
	// an empty message; the error quotes the formula, see APIError.Formula).
	ErrFormulaRejected error = &invalidKind{"apitable: formula rejected"}
	// ErrUnauthorized: code 401, a missing or unknown API token.
	ErrUnauthorized = errors.New("apitable: unauthorized")
	// ErrForbidden: code 403, the token user is not in the space or the
	// monthly quota is used up.
	ErrForbidden = errors.New("apitable: forbidden")
	// ErrAPINotFound: code 404, the route does not exist on this server.
	ErrAPINotFound = errors.New("apitable: API not found")
	// ErrAttachmentUpload: code 426, the space's attachment capacity is full
	// or the storage backend failed.
	ErrAttachmentUpload = errors.New("apitable: attachment upload failed")
	// ErrAttachmentLimit: code 428, attachment size or count limits.
	ErrAttachmentLimit = errors.New("apitable: attachment limit exceeded")
	// ErrRateLimited: code 429, the request rate limit, after retries ran out.
	ErrRateLimited = errors.New("apitable: rate limited")
	// ErrServer: code 500 and any other 5xx answer.
	ErrServer = errors.New("apitable: server error")
	// ErrNodePermission: codes 601 (access denied) and 602 (no permission to
	// operate on the node, operation denied).
	ErrNodePermission = errors.New("apitable: no permission on node")
	// ErrOutcomeUnknown marks a write that may or may not have been applied:
	// the request was sent and no definite answer came back (timeout, reset,
	// 5xx). It is never retried automatically for creates and uploads. The
	// error also wraps the cause.
	ErrOutcomeUnknown = errors.New("apitable: outcome unknown")
)

// codeSentinels is the business-code table: the codes of
// docs/server-behaviour.md §4.2 mapped to one sentinel each.
var codeSentinels = map[int]error{
	301: ErrDatasheetNotFound,
	304: ErrRowLimitExceeded,
	305: ErrRowLimitExceeded,
	309: ErrRowLimitExceeded,
	400: ErrInvalidRequest,
	413: ErrInvalidRequest,
	415: ErrInvalidRequest,
	401: ErrUnauthorized,
	403: ErrForbidden,
	404: ErrAPINotFound,
	426: ErrAttachmentUpload,
	428: ErrAttachmentLimit,
	429: ErrRateLimited,
	500: ErrServer,
	601: ErrNodePermission,
	602: ErrNodePermission,
}

// invalidKind is a finer sentinel of the 400 family: it is also
// ErrInvalidRequest.
type invalidKind struct{ msg string }

func (e *invalidKind) Error() string { return e.msg }

// Unwrap makes the sentinel match ErrInvalidRequest.
func (e *invalidKind) Unwrap() error { return ErrInvalidRequest }

// sentinelFor returns the sentinel of a business code, falling back to the
// HTTP status when the code is unknown (an HTML error page from a proxy has
// no code at all).
func sentinelFor(code, status int) error {
	if s, ok := codeSentinels[code]; ok {
		return s
	}
	switch {
	case status >= 500:
		return ErrServer
	case status == http.StatusTooManyRequests:
		return ErrRateLimited
	case status == http.StatusUnauthorized:
		return ErrUnauthorized
	case status == http.StatusForbidden:
		return ErrForbidden
	case status == http.StatusNotFound:
		return ErrAPINotFound
	case status >= 400:
		return ErrInvalidRequest
	}
	return nil
}

// APIError is a failure answered by the server: an envelope with
// success:false, or a response that is not the JSON envelope at all.
type APIError struct {
	// HTTPStatus is the HTTP status code of the last attempt. Most business
	// errors arrive with 200.
	HTTPStatus int
	// Code is the business code of the envelope (301, 400, 602 …); 0 when
	// the body was not an envelope.
	Code int
	// Message is the server's message. Array messages (the server's DTO
	// validation path) are joined with "; ".
	Message string
	// Messages holds every message when the server sent an array.
	Messages []string
	// Method and Path identify the call: Path is the API path with its ids,
	// such as /fusion/v1/datasheets/dst0Yj5aNeoHldqvf6/records (without the
	// base URL's prefix and the query).
	Method string
	Path   string
	// Route is the route's template, such as
	// /fusion/v1/datasheets/{datasheetId}/records, for metrics and logs.
	Route string
	// RequestID is the server's request-id header, for support requests.
	RequestID string
	// Attempts is the number of HTTP attempts made, retries included.
	Attempts int
	// RetryAfter is the server's Retry-After, when it sent one (APITable
	// normally does not).
	RetryAfter time.Duration
	// Snippet holds the start of a body that was not a JSON envelope.
	Snippet string
	// Formula is the FilterByFormula of a list call that the server
	// rejected (code 400 with the formula tip's empty message); the error
	// then matches ErrFormulaRejected and quotes it.
	Formula string
}

// Error returns one line without token, headers or body beyond a short snippet.
func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("apitable: ")
	if e.Method != "" {
		fmt.Fprintf(&b, "%s %s: ", e.Method, e.Path)
	}
	switch {
	case e.formulaRejected():
		// The server's message is empty: say what it rejected.
		fmt.Fprintf(&b, "filterByFormula rejected by the server (code %d): %q", e.Code, e.Formula)
	case e.Code != 0:
		fmt.Fprintf(&b, "code %d", e.Code)
		if e.HTTPStatus != 0 && e.HTTPStatus != e.Code {
			fmt.Fprintf(&b, " (HTTP %d)", e.HTTPStatus)
		}
	default:
		fmt.Fprintf(&b, "HTTP %d", e.HTTPStatus)
	}
	switch {
	case e.formulaRejected():
	case e.Message != "":
		fmt.Fprintf(&b, ": %s", oneLine(e.Message))
	case e.Snippet != "":
		fmt.Fprintf(&b, ": unexpected body %q", e.Snippet)
	}
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " (after %d attempts)", e.Attempts)
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, " [request-id %s]", oneLine(e.RequestID))
	}
	return b.String()
}

// oneLine replaces line breaks and other control characters in text from
// the server with spaces, so that Error stays one line.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, s)
}

// Is reports whether target is the sentinel of this error: the finer
// sentinel of a known code-400 message (which is also ErrInvalidRequest),
// else the sentinel of its code.
func (e *APIError) Is(target error) bool {
	s := e.sentinel()
	if s == nil {
		return false
	}
	if k, ok := s.(*invalidKind); ok {
		return target == k || target == ErrInvalidRequest
	}
	return s == target
}

// sentinel returns the one sentinel of this error.
func (e *APIError) sentinel() error {
	if e.Code == 400 {
		if e.formulaRejected() {
			return ErrFormulaRejected
		}
		if s := messageSentinel(e.Message); s != nil {
			return s
		}
	}
	return sentinelFor(e.Code, e.HTTPStatus)
}

// formulaRejected reports the server's answer to a bad filterByFormula: code
// 400 with the formula tip's text (empty), on a call that sent a formula.
func (e *APIError) formulaRejected() bool {
	return e.Code == 400 && e.Formula != "" && isFormulaTip(e.Message)
}

// ValidationError is a request rejected by this package before any I/O. It
// matches ErrInvalidRequest.
type ValidationError struct {
	// Field names the parameter at fault, e.g. "PageSize" or "records[3]".
	Field string
	// Reason says what is wrong with it.
	Reason string
}

func (e *ValidationError) Error() string {
	if e.Field == "" {
		return "apitable: invalid request: " + e.Reason
	}
	return "apitable: invalid request: " + e.Field + ": " + e.Reason
}

// Is makes ValidationError match ErrInvalidRequest.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalidRequest }

func invalid(field, format string, args ...any) error {
	return &ValidationError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// outcomeUnknownError wraps the cause of a write whose effect is unknown.
type outcomeUnknownError struct{ cause error }

func (e *outcomeUnknownError) Error() string {
	return "apitable: outcome unknown (the request may have been applied): " + e.cause.Error()
}
func (e *outcomeUnknownError) Unwrap() []error { return []error{ErrOutcomeUnknown, e.cause} }

// ChunkStatus is what happened to one chunk of a batch write.
type ChunkStatus int

const (
	// ChunkApplied means the server applied the chunk.
	ChunkApplied ChunkStatus = iota
	// ChunkFailed means the chunk was definitely not applied: a definite
	// error answer, or it was never sent (then Err is a *NotAttemptedError).
	// Re-sending it is safe.
	ChunkFailed
	// ChunkOutcomeUnknown means the chunk was sent and no definite answer came
	// back; it may or may not have been applied. It was not re-sent. Check
	// the datasheet before re-sending a create.
	ChunkOutcomeUnknown
)

func (s ChunkStatus) String() string {
	switch s {
	case ChunkApplied:
		return "applied"
	case ChunkFailed:
		return "failed"
	case ChunkOutcomeUnknown:
		return "outcome unknown"
	}
	return "ChunkStatus(" + fmt.Sprint(int(s)) + ")"
}

// ChunkResult reports one chunk of a batch write.
type ChunkResult struct {
	// Index is the chunk's position in Chunks.
	Index int
	// Inputs are the indices of the chunk's inputs, ascending. For plain
	// chunks they are Start, Start+1, …, End-1. Upsert, KeyFields recovery
	// and a delete finished after an ambiguous attempt can make chunks of
	// inputs that are not contiguous; then Start and End are both 0.
	Inputs     []int
	Start, End int
	Status     ChunkStatus
	// Records holds the server's records for an applied create or update.
	Records []Record
	// Err is the cause for a failed or unknown chunk; a *NotAttemptedError
	// for a chunk that was never sent.
	Err error
}

// BatchError reports a batch write (Records.Create, Update, Delete, Upsert
// and Attachments.UploadMany) in which at least one chunk was not applied.
// It lists every chunk, so a caller can resume exactly what is missing:
// re-send the failed chunks, check the datasheet for the ones with an
// unknown outcome. errors.Is matches the sentinels of the chunks' causes
// (ErrOutcomeUnknown included). For UploadMany each chunk is one file.
type BatchError struct {
	// Op names the call: "create" (Records.Create), "update"
	// (Records.Update), "delete" (Records.Delete), "upsert" (Records.Upsert,
	// and the table package's Upsert) or "upload"
	// (Attachments.UploadMany). The table package's Create, Update and
	// Delete report the Records call they make.
	Op          string
	DatasheetID string
	// Chunks has one entry per chunk, in input order.
	Chunks []ChunkResult
}

func (e *BatchError) count(s ChunkStatus) int {
	n := 0
	for _, c := range e.Chunks {
		if c.Status == s {
			n++
		}
	}
	return n
}

// Error summarises the counts and the first cause.
func (e *BatchError) Error() string {
	var first error
	for _, c := range e.Chunks {
		if c.Err != nil {
			first = c.Err
			break
		}
	}
	what, unit := "records in", "chunks not applied"
	if e.Op == "upload" {
		what, unit = "files to", "files not uploaded"
	}
	msg := fmt.Sprintf("apitable: %s %s %s: %d of %d %s (%d failed, %d outcome unknown)",
		e.Op, what, e.DatasheetID, len(e.Chunks)-e.count(ChunkApplied), len(e.Chunks), unit,
		e.count(ChunkFailed), e.count(ChunkOutcomeUnknown))
	if first != nil {
		msg += "; first: " + first.Error()
	}
	return msg
}

// Unwrap returns the causes of the chunks that were not applied.
func (e *BatchError) Unwrap() []error {
	var errs []error
	for _, c := range e.Chunks {
		if c.Err != nil {
			errs = append(errs, c.Err)
		}
	}
	return errs
}

// Indices returns the input indices of the chunks with status s, in order.
func (e *BatchError) Indices(s ChunkStatus) []int {
	var idx []int
	for _, c := range e.Chunks {
		if c.Status == s {
			idx = append(idx, c.Inputs...)
		}
	}
	slices.Sort(idx)
	return idx
}

// NotAttemptedError is the cause of a chunk that was never sent: the
// context ended before its turn (ContextDone), or an earlier chunk's
// failure (Cause) meant it would fail the same way. Such a chunk is
// reported ChunkFailed: it is definitely not applied.
type NotAttemptedError struct {
	// Cause is the context's error when ContextDone, else the earlier
	// chunk's failure.
	Cause error
	// ContextDone reports that the chunk was not sent because the context
	// was cancelled or its deadline passed.
	ContextDone bool
}

func (e *NotAttemptedError) Error() string {
	if e.ContextDone {
		return "apitable: not sent, the context ended: " + e.Cause.Error()
	}
	return "apitable: not sent after an earlier chunk failed: " + e.Cause.Error()
}

// Unwrap returns the cause.
func (e *NotAttemptedError) Unwrap() error { return e.Cause }

// checkID rejects ids that cannot name an API object before any I/O: empty,
// whitespace, or characters that would change the request's path.
func checkID(field, id string) error {
	switch {
	case id == "":
		return invalid(field, "empty id")
	case strings.TrimSpace(id) != id || strings.ContainsAny(id, " \t\r\n"):
		return invalid(field, "id %q contains whitespace", id)
	case strings.ContainsAny(id, "/?#\\%"):
		return invalid(field, "id %q contains a character not allowed in ids", id)
	case strings.Contains(id, ".."):
		return invalid(field, "id %q contains \"..\"", id)
	case id == ".":
		return invalid(field, "id \".\" is a dot segment, not an id")
	}
	for _, r := range id {
		if r < 0x20 || r == 0x7f {
			return invalid(field, "id %q contains a control character", id)
		}
	}
	return nil
}
