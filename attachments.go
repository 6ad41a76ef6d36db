package apitable

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/apitable-go/apitable/internal/batch"
	"github.com/apitable-go/apitable/internal/retry"
)

// AttachmentsService uploads files to a datasheet's space (server-behaviour.md §6.9). An
// uploaded file becomes an Attachment, which is then written into an
// Attachment cell with Records.Create or Records.Update.
type AttachmentsService struct{ c *Client }

// DefaultMaxUploadSize is the default UploadParams.MaxSize: 1 GiB, the
// limit of the server's storage backend and gateway (server-behaviour.md §6.9).
const DefaultMaxUploadSize int64 = 1 << 30

// sniffLen is how many leading bytes http.DetectContentType looks at.
const sniffLen = 512

const uploadTemplate = "/fusion/v1/datasheets/{datasheetId}/attachments"

// UploadParams tunes an upload. The zero value (or nil) detects the content
// type and allows up to DefaultMaxUploadSize bytes.
type UploadParams struct {
	// ContentType is sent as the file part's Content-Type, e.g.
	// "image/png". Empty: detected from the first 512 bytes with
	// http.DetectContentType (no byte of the stream is lost).
	ContentType string
	// Size is an optional hint of the file's length in bytes (0 or -1:
	// unknown). A hint above MaxSize fails before anything is read or sent.
	// The body is streamed either way; the hint is not sent.
	Size int64
	// MaxSize caps the file's length (default DefaultMaxUploadSize). A Size
	// hint above it fails before sending with a *ValidationError (matching
	// ErrInvalidRequest, "exceeds"); a stream that turns out longer aborts
	// the transfer with the same kind of error.
	MaxSize int64
}

// Upload uploads one file to the space of the datasheet and returns the
// stored attachment (token, name, size, mimeType, image width and height,
// url, preview), ready to be written into an Attachment cell.
//
// POST /fusion/v1/datasheets/{datasheetId}/attachments, as
// multipart/form-data with one file part named "file" whose filename is
// name. The body is streamed from r: memory does not grow with the file's
// size. Rate-limit bucket: the datasheet. Retry class: upload — an attempt
// that may have reached the server (timeout, reset, 5xx) is never re-sent
// and the error matches ErrOutcomeUnknown. A 429 or a failure before the
// request was sent is retried only when the stream can be re-read: r is an
// io.ReadSeeker (each attempt seeks back to r's offset at the call), or
// nothing beyond the first 512 bytes had been read yet. Otherwise the first
// answer is final (a 429 returns an error matching ErrRateLimited).
//
// Errors: ErrAttachmentUpload for a full space (426) and for the storage
// failures the server reports with HTTP 201 and success:false (server-behaviour.md §6.9);
// ErrNodePermission (602) without edit permission on the datasheet;
// ErrInvalidRequest for bad arguments and for a file above MaxSize. The
// client's attempt timeout (WithAttemptTimeout, default 30s) also bounds
// the transfer: raise it for large files on slow links. Upload returns only
// after it has stopped reading r, so a Read of r that blocks delays the
// return; cancelling ctx stops the transfer. Upload does not close r.
func (s *AttachmentsService) Upload(ctx context.Context, datasheetID, name string, r io.Reader, params *UploadParams) (*Attachment, error) {
	if ctx == nil {
		return nil, invalid("ctx", "nil context")
	}
	if err := checkID("datasheetID", datasheetID); err != nil {
		return nil, err
	}
	if err := checkUploadName("name", name); err != nil {
		return nil, err
	}
	if r == nil {
		return nil, invalid("r", "nil reader")
	}
	var p UploadParams
	if params != nil {
		p = *params
	}
	if err := p.validate(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("apitable: POST %s: %w", uploadTemplate, err)
	}
	u, err := newUploadSource(r, name, p)
	if err != nil {
		return nil, err
	}
	cl := &call{route: routeUploadAttachment, ids: []string{datasheetID}, upload: &uploadBody{
		body: u.body, contentType: "multipart/form-data; boundary=" + u.boundary, rewindable: u.rewindable}}
	var out Attachment
	err = s.c.do(ctx, cl, &out)
	u.finish()
	if f := u.fatalErr(); f != nil {
		// The body was cut short on our side (too large, r failed): the
		// server cannot have stored a complete file.
		return nil, fmt.Errorf("apitable: POST %s: %w", uploadTemplate, f)
	}
	if err != nil {
		return nil, err
	}
	return &out, nil
}

func (p *UploadParams) validate() error {
	if p.MaxSize < 0 {
		return invalid("MaxSize", "must not be negative, got %d", p.MaxSize)
	}
	if p.MaxSize == 0 {
		p.MaxSize = DefaultMaxUploadSize
	}
	if p.Size < -1 {
		return invalid("Size", "must be -1 (unknown) or more, got %d", p.Size)
	}
	if p.Size > p.MaxSize {
		return invalid("Size", "%d bytes exceeds the maximum upload size of %d bytes (UploadParams.MaxSize)", p.Size, p.MaxSize)
	}
	if p.ContentType != "" {
		if strings.ContainsAny(p.ContentType, "\x00\r\n") {
			return invalid("ContentType", "contains a control character")
		}
		if _, _, err := mime.ParseMediaType(p.ContentType); err != nil {
			return invalid("ContentType", "%q is not a media type: %v", p.ContentType, err)
		}
	}
	return nil
}

func checkUploadName(field, name string) error {
	switch {
	case name == "":
		return invalid(field, "empty file name")
	case strings.ContainsAny(name, "\x00\r\n"):
		return invalid(field, "file name %q contains NUL, CR or LF", name)
	}
	return nil
}

// errNotRewindable is returned by the body factory when an attempt would
// need the stream again but it cannot be re-read.
var errNotRewindable = errors.New("upload body cannot be re-read (pass an io.ReadSeeker to allow retries)")

// errBodyClosed ends a producer whose attempt is over.
var errBodyClosed = errors.New("apitable: upload attempt ended")

// uploadSource streams one upload; body hands go-retryablehttp a fresh
// multipart body per attempt.
type uploadSource struct {
	r        io.Reader
	seeker   io.ReadSeeker // nil when r cannot seek
	start    int64         // r's offset at the call
	peek     []byte        // first bytes of a non-seekable r
	whole    bool          // peek holds the entire stream
	touched  atomic.Bool   // r was read beyond peek (non-seekable r)
	name     string
	ctype    string
	boundary string
	maxSize  int64

	mu    sync.Mutex
	cur   *uploadAttempt
	fatal error
}

func newUploadSource(r io.Reader, name string, p UploadParams) (*uploadSource, error) {
	u := &uploadSource{r: r, name: name, ctype: p.ContentType, maxSize: p.MaxSize}
	if rs, ok := r.(io.ReadSeeker); ok {
		// Some ReadSeekers cannot seek (an *os.File on a pipe): probe.
		if off, err := rs.Seek(0, io.SeekCurrent); err == nil {
			u.seeker, u.start = rs, off
		}
	}
	if u.ctype == "" || u.seeker == nil {
		buf := make([]byte, sniffLen)
		n, err := io.ReadFull(r, buf)
		switch {
		case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
			u.whole = true
		case err != nil:
			return nil, fmt.Errorf("apitable: POST %s: reading the upload: %w", uploadTemplate, err)
		}
		buf = buf[:n]
		if u.ctype == "" {
			u.ctype = http.DetectContentType(buf)
		}
		if u.seeker == nil {
			u.peek = buf
			if u.whole && int64(n) > u.maxSize {
				return nil, invalid("r", "file of %d bytes exceeds the maximum upload size of %d bytes (UploadParams.MaxSize)", n, u.maxSize)
			}
		}
	}
	u.boundary = multipart.NewWriter(io.Discard).Boundary()
	return u, nil
}

// rewindable reports whether another attempt can send the whole stream.
func (u *uploadSource) rewindable() bool {
	return u.seeker != nil || u.whole || !u.touched.Load()
}

func (u *uploadSource) setFatal(err error) {
	u.mu.Lock()
	if u.fatal == nil {
		u.fatal = err
	}
	u.mu.Unlock()
}

func (u *uploadSource) fatalErr() error {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.fatal
}

// body is the per-attempt body factory. go-retryablehttp also calls it once
// when building the request (to probe for a length) and closes that body
// unread; bodies start streaming on their first Read.
func (u *uploadSource) body() (io.Reader, error) {
	u.mu.Lock()
	prev := u.cur
	u.cur = nil
	u.mu.Unlock()
	if prev != nil {
		prev.stop(true) // never two producers on r at once
	}
	if f := u.fatalErr(); f != nil {
		return nil, &retry.LocalError{Err: f}
	}
	if !u.rewindable() {
		return nil, &retry.LocalError{Err: errNotRewindable}
	}
	a := &uploadAttempt{u: u}
	u.mu.Lock()
	u.cur = a
	u.mu.Unlock()
	return a, nil
}

// finish stops the last attempt and waits until its producer no longer
// touches r.
func (u *uploadSource) finish() {
	u.mu.Lock()
	a := u.cur
	u.cur = nil
	u.mu.Unlock()
	if a != nil {
		a.stop(true)
	}
}

// content returns the file's bytes for one attempt.
func (u *uploadSource) content() (io.Reader, error) {
	switch {
	case u.seeker != nil:
		if _, err := u.seeker.Seek(u.start, io.SeekStart); err != nil {
			return nil, fmt.Errorf("seeking the upload back to offset %d: %w", u.start, err)
		}
		return u.seeker, nil
	case u.whole:
		return bytes.NewReader(u.peek), nil
	}
	return io.MultiReader(bytes.NewReader(u.peek), &touchReader{u: u}), nil
}

type touchReader struct{ u *uploadSource }

func (t *touchReader) Read(p []byte) (int, error) {
	t.u.touched.Store(true)
	return t.u.r.Read(p)
}

// sourceReader remembers the source's own error, to tell it from a write
// error (the attempt ended) after io.Copy.
type sourceReader struct {
	r   io.Reader
	err error
}

func (s *sourceReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err != nil && err != io.EOF {
		s.err = err
	}
	return n, err
}

var quoteEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`)

// produce writes one attempt's multipart body into pw.
func (u *uploadSource) produce(pw *io.PipeWriter, done chan<- struct{}) {
	defer close(done)
	fail := func(err error) {
		u.setFatal(err)
		_ = pw.CloseWithError(&retry.LocalError{Err: err})
	}
	src, err := u.content()
	if err != nil {
		fail(err)
		return
	}
	mw := multipart.NewWriter(pw)
	if err := mw.SetBoundary(u.boundary); err != nil {
		fail(err)
		return
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="file"; filename="`+quoteEscaper.Replace(u.name)+`"`)
	h.Set("Content-Type", u.ctype)
	part, err := mw.CreatePart(h)
	if err != nil {
		_ = pw.CloseWithError(err) // the attempt ended before the header went out
		return
	}
	limit := u.maxSize
	if limit < math.MaxInt64 {
		limit++
	}
	sr := &sourceReader{r: io.LimitReader(src, limit)}
	n, err := io.CopyBuffer(part, sr, make([]byte, 32<<10))
	switch {
	case sr.err != nil:
		fail(fmt.Errorf("reading the upload: %w", sr.err))
		return
	case err != nil:
		_ = pw.CloseWithError(err) // the attempt ended (closed body)
		return
	case n > u.maxSize:
		fail(&ValidationError{Field: "r", Reason: fmt.Sprintf("file exceeds the maximum upload size of %d bytes (UploadParams.MaxSize); upload aborted", u.maxSize)})
		return
	}
	if err := mw.Close(); err != nil {
		_ = pw.CloseWithError(err)
		return
	}
	_ = pw.Close()
}

// uploadAttempt is one attempt's body: a pipe fed by a producer goroutine
// started on the first Read and stopped by Close (which net/http calls when
// the attempt ends, whatever happened).
type uploadAttempt struct {
	u      *uploadSource
	mu     sync.Mutex
	pr     *io.PipeReader
	done   chan struct{}
	closed bool
}

func (a *uploadAttempt) Read(p []byte) (int, error) {
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		return 0, errBodyClosed
	}
	if a.pr == nil {
		pr, pw := io.Pipe()
		a.pr, a.done = pr, make(chan struct{})
		go a.u.produce(pw, a.done)
	}
	pr := a.pr
	a.mu.Unlock()
	return pr.Read(p)
}

// Close ends the attempt; the producer stops at its next write.
func (a *uploadAttempt) Close() error {
	a.stop(false)
	return nil
}

func (a *uploadAttempt) stop(wait bool) {
	a.mu.Lock()
	a.closed = true
	pr, done := a.pr, a.done
	a.mu.Unlock()
	if pr == nil {
		return
	}
	_ = pr.CloseWithError(errBodyClosed)
	if wait {
		<-done
	}
}

// mapUploadError maps the upload route's quirk (server-behaviour.md §6.9): failures during the
// upload itself arrive as HTTP 201 with success:false and code 200 ("Failed
// to upload attachment ") or 500 ("SERVER_ERROR (1)").
func mapUploadError(e *APIError) error {
	if e.HTTPStatus >= 200 && e.HTTPStatus < 300 && (e.Code == 200 || e.Code == 500) {
		return &uploadFailedError{api: e}
	}
	return e
}

// uploadFailedError is an in-upload failure: it matches ErrAttachmentUpload
// (only) and errors.As finds the *APIError.
type uploadFailedError struct{ api *APIError }

func (e *uploadFailedError) Error() string {
	return e.api.Error() + " (attachment upload failed in storage)"
}

func (e *uploadFailedError) Is(target error) bool { return target == ErrAttachmentUpload }

func (e *uploadFailedError) As(target any) bool {
	if p, ok := target.(**APIError); ok {
		*p = e.api
		return true
	}
	return false
}

// UploadFile is one file of UploadMany. Give either Open or Reader.
type UploadFile struct {
	// Name is the file name stored with the attachment.
	Name string
	// Open opens the file just before its upload; UploadMany closes it
	// afterwards. Return an io.ReadSeeker-capable ReadCloser (an *os.File)
	// to allow retries after a 429.
	Open func() (io.ReadCloser, error)
	// Reader is used when Open is nil. The caller owns it: UploadMany
	// does not close it.
	Reader io.Reader
	// Params is passed to Upload (nil for defaults).
	Params *UploadParams
}

// UploadResult is the outcome of one file of UploadMany.
type UploadResult struct {
	Name string
	// Attachment is the uploaded file, nil when Err is set.
	Attachment *Attachment
	// Err is why the file is not uploaded: the upload's error, Open's
	// error, or a *NotAttemptedError when the context ended or an earlier
	// fatal failure stopped the batch.
	Err error
}

// UploadMany uploads files one by one (the API takes one file per request;
// the datasheet's rate limiter paces them) and returns one result per file,
// in input order. Every file is validated before anything is sent.
//
// The error is nil when every file was uploaded; otherwise it is a
// *BatchError (Op "upload") whose chunks are the files (chunk i is file i),
// so errors.Is matches the failed files' sentinels and Indices lists the
// files by status. A failure that would repeat for every file — ctx done,
// 401, 403, 404, 301 (datasheet not found), 601/602 (no permission), 426
// space capacity full — stops the batch: the remaining files are not
// opened and get a *NotAttemptedError. Other failures only fail their file;
// a file whose upload may have reached the server is ChunkOutcomeUnknown.
//
// Each file is one POST /fusion/v1/datasheets/{datasheetId}/attachments;
// see Upload for the bucket and the retry class.
func (s *AttachmentsService) UploadMany(ctx context.Context, datasheetID string, files []UploadFile) ([]UploadResult, error) {
	if err := checkUploadMany(ctx, datasheetID, files); err != nil {
		return nil, err
	}
	opts := s.c.batchOptions(1)
	opts.InFlight = 1 // a file is opened just before its upload
	opts.Admits = false
	rep := batch.Run(ctx, files, opts, func(ctx context.Context, f []UploadFile, _ func()) ([]*Attachment, error) {
		att, err := s.uploadOne(ctx, datasheetID, f[0])
		if err != nil {
			return nil, fmt.Errorf("upload %q: %w", f[0].Name, err)
		}
		return []*Attachment{att}, nil
	})
	results := make([]UploadResult, len(files))
	for i, f := range files {
		results[i] = UploadResult{Name: f.Name, Attachment: rep.Results[i]}
	}
	err := batchError[*Attachment]("upload", datasheetID, rep, nil)
	var be *BatchError
	if errors.As(err, &be) {
		for _, c := range be.Chunks {
			if c.Status != ChunkApplied {
				results[c.Inputs[0]].Err = c.Err
			}
		}
	}
	return results, err
}

func checkUploadMany(ctx context.Context, datasheetID string, files []UploadFile) error {
	if err := checkCtx(ctx); err != nil {
		return err
	}
	if err := checkID("datasheetID", datasheetID); err != nil {
		return err
	}
	for i, f := range files {
		field := fmt.Sprintf("files[%d]", i)
		if err := checkUploadName(field+".Name", f.Name); err != nil {
			return err
		}
		if (f.Open == nil) == (f.Reader == nil) {
			return invalid(field, "give exactly one of Open and Reader")
		}
		if f.Params != nil {
			p := *f.Params
			if err := p.validate(); err != nil {
				var ve *ValidationError
				if errors.As(err, &ve) {
					ve.Field = field + ".Params." + ve.Field
				}
				return err
			}
		}
	}
	return nil
}

func (s *AttachmentsService) uploadOne(ctx context.Context, datasheetID string, f UploadFile) (*Attachment, error) {
	r := f.Reader
	if f.Open != nil {
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("apitable: opening %q: %w", f.Name, err)
		}
		if rc == nil {
			return nil, fmt.Errorf("apitable: opening %q: Open returned a nil reader", f.Name)
		}
		defer func() { _ = rc.Close() }() // only read from: a Close error changes nothing
		r = rc
	}
	return s.Upload(ctx, datasheetID, f.Name, r, f.Params)
}
