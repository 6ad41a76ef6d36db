// Package apitable is a client for the APITable Fusion API (v1, and v2 node
// search), for the hosted service and for self-hosted servers.
//
// # Authentication
//
// Create one Client per API token and share it:
//
//	client, err := apitable.New(os.Getenv("APITABLE_TOKEN"))
//
// The token is sent as "Authorization: Bearer <token>" and never appears in
// errors, logs or any fmt verb of the client. New does no I/O and reads no
// environment. Self-hosted servers: WithBaseURL("https://apitable.example.com"),
// which may carry a path prefix. Plain http is refused except on loopback or
// with WithInsecureHTTP.
//
// # Limits and rate limiting
//
// The server allows 5 requests per second per token and datasheet, counted in
// fixed one-second windows, and answers 429 beyond that without Retry-After.
// The client keys its limiter exactly as the server does: the route's
// datasheet id, else its space id, else one bucket per token (v2 node search
// is not limited). Every attempt, retries included, waits for the limiter,
// which spaces requests evenly (burst 1) so that no window sees more than the
// budget. After a 429 the key is held back for a window, slowing concurrent
// callers too. WithRateLimit changes the budget, WithRateWindow the window
// (a self-hosted server's LIMIT_DURATION); WithLimiter plugs in another
// Limiter (for example one shared by several processes).
//
// A write carries at most 10 records (WithMaxRecordsPerWrite for servers that
// allow more) and a page at most 1000. Records.Create, Update and Delete take
// any number of records and chunk them; several chunks are in flight when the
// latency exceeds the limiter's interval, so the budget is spent fully.
//
// # Retries
//
// Each failure is classified. Requests that never reached the server and 429
// answers are retried for every call. Ambiguous failures (a timeout or reset
// after sending, 500/502/503/504) are retried for reads, updates and deletes,
// whose repetition is harmless, but never for creates and uploads: those
// return an error matching ErrOutcomeUnknown, since the server may have
// applied them. Definite answers (business errors, other 4xx) are never
// retried. Backoff is jittered exponential (default 1s to 15s, 3 retries, see
// WithRetry) and never sleeps past the context's deadline; when retries run
// out the last real error is returned. 429 answers have their own budget (30
// retries per call), spaced by the rate limiter's pause. A write answered 2xx
// with a body that cannot be used is ErrOutcomeUnknown too.
//
// # Errors
//
// Every failure answered by the server is an *APIError (HTTP status, business
// code, message, method, route, request id, attempts). Most business errors
// arrive with HTTP 200 and success:false; the client always reads the
// envelope. errors.Is matches one sentinel per business code:
// ErrDatasheetNotFound (301), ErrRowLimitExceeded (304, 305, 309),
// ErrInvalidRequest (400, and every check made before sending: see
// ValidationError), ErrUnauthorized (401), ErrForbidden (403), ErrAPINotFound
// (404), ErrAttachmentUpload (426), ErrAttachmentLimit (428), ErrRateLimited
// (429), ErrServer (500 and other 5xx), ErrNodePermission (601, 602).
//
// Code 400 covers many mistakes that only the message tells apart. The
// common ones have finer sentinels, each of which also matches
// ErrInvalidRequest: ErrRecordNotFound (an update or delete of a record
// that does not exist; Records.Get finding none), ErrFieldNotFound (an
// unknown field in Fields or Sort, or a write with no known field left),
// ErrViewNotFound, ErrUnitNotFound (a member cell naming an unknown member
// or team) and ErrFormulaRejected (FilterByFormula; the server's message is
// empty, so the error quotes the formula, see APIError.Formula). The server
// writes its messages in the token owner's language, which the request
// cannot choose; the finer sentinels recognise its texts in every language
// it ships, so match errors with errors.Is, never with the message text.
//
// Batch writes that fail in part return a *BatchError listing every chunk as
// applied, failed or of unknown outcome.
//
// # Services
//
// Client.Records lists, iterates, gets, creates, updates, deletes and
// upserts records; Fields lists, creates (typed property builders) and
// deletes fields; Views lists views; Datasheets creates datasheets;
// Attachments streams uploads; Spaces lists spaces; Nodes reads the file
// tree, searches it (v2) and manages embed links. Package formula builds
// filterByFormula expressions in which no value can change the formula.
//
// # Exactly-once creates
//
// A create whose answer was lost is never re-sent blindly. With
// CreateRecordsParams.KeyFields, Create looks such chunks up by key and
// re-sends only the records that are missing; Records.Upsert updates the
// records whose keys exist and creates the rest.
//
// # Iterators
//
// Records.All returns an iter.Seq2[Record, error] over every matching record,
// reading pages ahead within the rate budget and yielding them in order.
// Breaking out of the loop stops all I/O.
//
// # Typed values
//
// Record.Fields holds the cells as decoded JSON. Its getters (Text, Number,
// Bool, Time, Strings, Attachments, Members, URL, …) tell an empty cell
// (ErrCellEmpty; the server omits empty cells) from a value of another type
// (*CellTypeError); both errors name the field. The server also drops
// unknown cells of a write silently: WithSchemaCheck rejects unknown field
// names before sending, and FieldsService.Schema tells "no such field" from
// "empty cell". For writes, put Go values or this package's types into
// Fields: time.Time is sent as milliseconds, Attachment as {token, name},
// URL as {text, title}, MemberByID/MemberByName as member references.
//
// # Testing
//
// Package apitabletest is an in-memory fake of the API for unit tests, like
// net/http/httptest: apitabletest.NewServer(t) serves seeded spaces,
// datasheets and records with the real server's envelope, messages and
// limits, records the requests it receives and injects faults. Its clients
// (srv.Client()) are fast by default: the fake has no rate limit unless a
// test turns it on (apitabletest.WithRateLimit), and then the clients
// mirror it. cmd/apitable-fake serves it as a program.
package apitable
