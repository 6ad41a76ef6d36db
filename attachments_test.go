package apitable_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/apitable-go/apitable"
	"github.com/apitable-go/apitable/apitabletest"
)

// attNopLimiter never waits, so 429 retries do not sleep for the limiter's
// one-second pause.
type attNopLimiter struct{}

func (attNopLimiter) Wait(ctx context.Context, _ string) error     { return ctx.Err() }
func (attNopLimiter) Pause(context.Context, string, time.Duration) {}

// attCapture records each upload request's multipart body as it passes to
// the fake, then forwards an identical body.
type attCapture struct {
	base http.RoundTripper
	mu   sync.Mutex
	reqs []capturedUpload
}

type capturedUpload struct {
	method, path, auth, contentType string
	parts                           []capturedPart
}

type capturedPart struct {
	formName, fileName, contentType string
	data                            []byte
}

func (c *attCapture) RoundTrip(r *http.Request) (*http.Response, error) {
	raw, err := io.ReadAll(r.Body)
	_ = r.Body.Close()
	if err != nil {
		return nil, err
	}
	cu := capturedUpload{method: r.Method, path: r.URL.Path, auth: r.Header.Get("Authorization"), contentType: r.Header.Get("Content-Type")}
	if _, params, err := mime.ParseMediaType(cu.contentType); err == nil {
		mr := multipart.NewReader(bytes.NewReader(raw), params["boundary"])
		for {
			p, err := mr.NextPart()
			if err != nil {
				break
			}
			data, _ := io.ReadAll(p)
			cu.parts = append(cu.parts, capturedPart{formName: p.FormName(), fileName: p.FileName(), contentType: p.Header.Get("Content-Type"), data: data})
		}
	}
	c.mu.Lock()
	c.reqs = append(c.reqs, cu)
	c.mu.Unlock()
	r2 := r.Clone(r.Context())
	r2.Body = io.NopCloser(bytes.NewReader(raw))
	r2.ContentLength = int64(len(raw))
	return c.base.RoundTrip(r2)
}

// plainReader hides every method but Read (no Seek, no WriteTo).
type plainReader struct{ r io.Reader }

func (p *plainReader) Read(b []byte) (int, error) { return p.r.Read(b) }

// genReader yields n deterministic bytes without allocating; after
// cancelAt bytes it calls cancel (once).
type genReader struct {
	n, off   int64
	cancelAt int64
	cancel   func()
}

func (g *genReader) Read(p []byte) (int, error) {
	if g.n >= 0 && g.off >= g.n {
		return 0, io.EOF
	}
	if g.n >= 0 && int64(len(p)) > g.n-g.off {
		p = p[:g.n-g.off]
	}
	for i := range p {
		p[i] = byte((g.off + int64(i)) * 31 >> 3) //nolint:gosec // G115: truncation to a byte is the intended pattern
	}
	g.off += int64(len(p))
	if g.cancel != nil && g.off >= g.cancelAt {
		g.cancel()
		g.cancel = nil
	}
	return len(p), nil
}

func attPNG(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		img.Set(x, x%h, color.RGBA{R: 200, A: 255})
	}
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, img))
	return buf.Bytes()
}

// attServer is a fake behind a gateway prefix, without its rate limiter.
func attServer(t *testing.T, opts ...apitabletest.ServerOption) *apitabletest.Server {
	t.Helper()
	return apitabletest.NewServer(t, append([]apitabletest.ServerOption{apitabletest.WithPathPrefix("/gateway"), apitabletest.WithoutRateLimit()}, opts...)...)
}

func attSheet(t *testing.T, srv *apitabletest.Server) *apitabletest.Datasheet {
	t.Helper()
	return srv.AddDatasheet(srv.SpaceID(), apitabletest.DatasheetSpec{
		Name:   "Files",
		Fields: []apitabletest.FieldSpec{{Name: "Title", Type: "SingleText", Property: map[string]any{}}, {Name: "Files", Type: "Attachment"}},
	})
}

func attUploads(srv *apitabletest.Server) int {
	n := 0
	for _, r := range srv.Requests() {
		if strings.HasSuffix(r.Path, "/attachments") {
			n++
		}
	}
	return n
}

var tokenRE = regexp.MustCompile(`^space/\d{4}/\d{2}/\d{2}/[0-9a-f]{32}$`)

func TestUploadRequestShapeAndResult(t *testing.T) {
	t.Parallel()
	srv := attServer(t)
	ds := attSheet(t, srv)
	capt := &attCapture{base: srv.Transport()}
	c := memClient(t, srv, capt)

	pic := attPNG(t, 7, 5)
	text := bytes.Repeat([]byte("hello, world\n"), 1000) // > 512 bytes: the peek must not lose bytes
	cases := []struct {
		name       string
		file       string
		r          io.Reader
		params     *apitable.UploadParams
		data       []byte
		wantType   string
		wantWidth  int
		wantHeight int
	}{
		{name: "png seekable", file: "photo.png", r: bytes.NewReader(pic), data: pic, wantType: "image/png", wantWidth: 7, wantHeight: 5},
		{name: "text plain reader", file: "notes.txt", r: &plainReader{bytes.NewReader(text)}, data: text, wantType: "text/plain; charset=utf-8"},
		{name: "explicit type", file: `we"ird\name ü.bin`, r: &plainReader{bytes.NewReader(text)}, params: &apitable.UploadParams{ContentType: "application/x-custom", Size: int64(len(text))}, data: text, wantType: "application/x-custom"},
		{name: "empty file", file: "empty.dat", r: bytes.NewReader(nil), data: []byte{}, wantType: "text/plain; charset=utf-8"},
	}
	for _, tc := range cases { //nolint:paralleltest // the subtests share one capturing transport and each expects only its own request
		t.Run(tc.name, func(t *testing.T) {
			capt.mu.Lock()
			capt.reqs = nil
			capt.mu.Unlock()
			att, err := c.Attachments.Upload(t.Context(), ds.ID, tc.file, tc.r, tc.params)
			require.NoError(t, err)

			capt.mu.Lock()
			require.Len(t, capt.reqs, 1)
			req := capt.reqs[0]
			capt.mu.Unlock()
			assert.Equal(t, "POST", req.method)
			assert.Equal(t, "/gateway/fusion/v1/datasheets/"+ds.ID+"/attachments", req.path)
			assert.Equal(t, "Bearer "+srv.Token(), req.auth)
			assert.True(t, strings.HasPrefix(req.contentType, "multipart/form-data; boundary="), req.contentType)
			require.Len(t, req.parts, 1, "exactly one part")
			p := req.parts[0]
			assert.Equal(t, "file", p.formName)
			assert.Equal(t, tc.file, p.fileName)
			assert.Equal(t, tc.wantType, p.contentType)
			assert.True(t, bytes.Equal(tc.data, p.data), "sent bytes differ")

			assert.Regexp(t, tokenRE, att.Token)
			want := apitable.Attachment{
				Token: att.Token, Name: tc.file, Size: int64(len(tc.data)), MimeType: tc.wantType,
				Width: tc.wantWidth, Height: tc.wantHeight, URL: att.URL,
			}
			if d := cmp.Diff(want, *att); d != "" {
				t.Errorf("attachment (-want +got):\n%s", d)
			}
			assert.True(t, strings.HasSuffix(att.URL, "/"+att.Token), att.URL)
			stored, ok := srv.Attachment(att.Token)
			require.True(t, ok)
			assert.True(t, bytes.Equal(tc.data, stored), "stored bytes differ")
		})
	}
}

func TestUploadThenWriteCell(t *testing.T) {
	t.Parallel()
	srv := attServer(t)
	ds := attSheet(t, srv)
	c := memClient(t, srv, srv.Transport())
	att, err := c.Attachments.Upload(t.Context(), ds.ID, "a.png", bytes.NewReader(attPNG(t, 3, 2)), nil)
	require.NoError(t, err)
	recs, err := c.Records.Create(t.Context(), ds.ID, []apitable.Fields{{"Title": "x", "Files": att}}, nil)
	require.NoError(t, err)
	require.Len(t, recs, 1)
	got, err := recs[0].Fields.Attachments("Files")
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, att.Token, got[0].Token)
	assert.Equal(t, "a.png", got[0].Name)
	assert.Equal(t, 3, got[0].Width)
}

// TestUploadLoopback streams a few MB over real HTTP (chunked request body).
func TestUploadLoopback(t *testing.T) {
	t.Parallel()
	srv := attServer(t)
	ds := attSheet(t, srv)
	c := srv.Client()
	data, err := io.ReadAll(&genReader{n: 3<<20 + 17})
	require.NoError(t, err)
	for _, r := range []io.Reader{bytes.NewReader(data), &plainReader{bytes.NewReader(data)}} {
		att, err := c.Attachments.Upload(t.Context(), ds.ID, "big.bin", r, nil)
		require.NoError(t, err)
		assert.Equal(t, int64(len(data)), att.Size)
		stored, ok := srv.Attachment(att.Token)
		require.True(t, ok)
		assert.True(t, bytes.Equal(data, stored))
	}
}

func TestUploadCapacity(t *testing.T) {
	t.Parallel()
	srv := attServer(t, apitabletest.WithAttachmentCapacity(100))
	ds := attSheet(t, srv)
	c := memClient(t, srv, srv.Transport())

	_, err := c.Attachments.Upload(t.Context(), ds.ID, "a", strings.NewReader(strings.Repeat("a", 60)), nil)
	require.NoError(t, err)
	// Would go beyond the capacity while streaming.
	_, err = c.Attachments.Upload(t.Context(), ds.ID, "b", strings.NewReader(strings.Repeat("b", 60)), nil)
	_ = requireAPIError(t, err, apitable.ErrAttachmentUpload, 200, 426, "The Space has reached its maximum attachment capacity")
	_, err = c.Attachments.Upload(t.Context(), ds.ID, "c", strings.NewReader(strings.Repeat("c", 40)), nil)
	require.NoError(t, err)
	assert.Equal(t, int64(100), srv.AttachmentUsage(srv.SpaceID()))
	// Full: refused before the file is read.
	_, err = c.Attachments.Upload(t.Context(), ds.ID, "d", strings.NewReader("d"), nil)
	_ = requireAPIError(t, err, apitable.ErrAttachmentUpload, 200, 426, "The Space has reached its maximum attachment capacity")
}

func requireAPIError(t *testing.T, err error, sentinel error, status, code int, msg string) *apitable.APIError {
	t.Helper()
	require.Error(t, err)
	require.ErrorIs(t, err, sentinel)
	var ae *apitable.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, status, ae.HTTPStatus)
	assert.Equal(t, code, ae.Code)
	assert.Equal(t, msg, ae.Message)
	return ae
}

func TestUploadPermission(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		role apitabletest.Role
		ok   bool
	}{
		{apitabletest.RoleManager, true}, {apitabletest.RoleEditor, true}, {apitabletest.RoleUpdater, true},
		{apitabletest.RoleReader, false}, {apitabletest.RoleNone, false},
	} {
		t.Run(tc.role.String(), func(t *testing.T) {
			t.Parallel()
			srv := attServer(t)
			ds := attSheet(t, srv)
			srv.SetPermission(ds.ID, tc.role)
			c := memClient(t, srv, srv.Transport())
			_, err := c.Attachments.Upload(t.Context(), ds.ID, "a.txt", strings.NewReader("abc"), nil)
			if tc.ok {
				require.NoError(t, err)
				return
			}
			_ = requireAPIError(t, err, apitable.ErrNodePermission, 200, 602, "No permission to operate on the node")
			assert.Zero(t, srv.AttachmentUsage(srv.SpaceID()))
		})
	}
}

func TestUploadQuirk201(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		code int
		msg  string
	}{{200, "Failed to upload attachment "}, {500, "SERVER_ERROR (1)"}} {
		t.Run(fmt.Sprint(tc.code), func(t *testing.T) {
			t.Parallel()
			srv := attServer(t)
			ds := attSheet(t, srv)
			c := memClient(t, srv, srv.Transport())
			srv.InjectFault(apitabletest.Fault{Method: "POST", Path: "/attachments", Status: 201, Code: tc.code, Message: tc.msg})
			_, err := c.Attachments.Upload(t.Context(), ds.ID, "a.txt", strings.NewReader("abc"), nil)
			ae := requireAPIError(t, err, apitable.ErrAttachmentUpload, 201, tc.code, tc.msg)
			assert.Equal(t, 1, ae.Attempts)
			assert.NotErrorIs(t, err, apitable.ErrServer)
			assert.NotErrorIs(t, err, apitable.ErrOutcomeUnknown)
			assert.Contains(t, err.Error(), tc.msg)
			assert.Equal(t, 1, attUploads(srv))
		})
	}
}

func TestUploadDroppedAfterStoredIsOutcomeUnknown(t *testing.T) {
	t.Parallel()
	srv := attServer(t)
	ds := attSheet(t, srv)
	c := memClient(t, srv, srv.Transport())
	srv.InjectFault(apitabletest.Fault{Method: "POST", Path: "/attachments", Drop: apitabletest.DropAfterHandling})
	// Seekable, so only the ambiguity (not the body) prevents a retry.
	_, err := c.Attachments.Upload(t.Context(), ds.ID, "a.txt", strings.NewReader("stored once"), nil)
	require.ErrorIs(t, err, apitable.ErrOutcomeUnknown)
	assert.Equal(t, 1, attUploads(srv), "an ambiguous upload is never re-sent")
	assert.Equal(t, int64(len("stored once")), srv.AttachmentUsage(srv.SpaceID()), "the fake stored it")
}

func TestUploadRetriesSeekerAfter429(t *testing.T) {
	t.Parallel()
	srv := attServer(t)
	ds := attSheet(t, srv)
	capt := &attCapture{base: srv.Transport()}
	c := memClient(t, srv, capt, apitable.WithLimiter(attNopLimiter{}))
	data, _ := io.ReadAll(&genReader{n: 70_000})
	r := bytes.NewReader(data)
	_, err := r.Seek(1000, io.SeekStart) // the upload starts at r's offset
	require.NoError(t, err)
	srv.InjectFault(apitabletest.Fault{Method: "POST", Path: "/attachments", Status: 429, Count: 2})
	att, err := c.Attachments.Upload(t.Context(), ds.ID, "a.bin", r, nil)
	require.NoError(t, err)
	capt.mu.Lock()
	defer capt.mu.Unlock()
	require.Len(t, capt.reqs, 3)
	for i, req := range capt.reqs {
		require.Len(t, req.parts, 1)
		assert.True(t, bytes.Equal(data[1000:], req.parts[0].data), "attempt %d bytes", i)
	}
	stored, _ := srv.Attachment(att.Token)
	assert.True(t, bytes.Equal(data[1000:], stored))
}

func TestUploadPlainReaderNotRetriedAfter429(t *testing.T) {
	t.Parallel()
	srv := attServer(t)
	ds := attSheet(t, srv)
	// attCapture reads each body whole, as a real connection streams it
	// while the server decides (the fake's fault path never reads it).
	c := memClient(t, srv, &attCapture{base: srv.Transport()}, apitable.WithLimiter(attNopLimiter{}))
	srv.InjectFault(apitabletest.Fault{Method: "POST", Path: "/attachments", Status: 429})
	_, err := c.Attachments.Upload(t.Context(), ds.ID, "a.bin", &plainReader{&genReader{n: 10_000}}, nil)
	require.ErrorIs(t, err, apitable.ErrRateLimited)
	var ae *apitable.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 429, ae.HTTPStatus)
	assert.NotContains(t, err.Error(), "re-read")
	assert.Equal(t, 1, attUploads(srv))

	// A stream that fits in the sniffed 512 bytes is held in memory, so it
	// can be re-sent.
	srv.InjectFault(apitabletest.Fault{Method: "POST", Path: "/attachments", Status: 429})
	att, err := c.Attachments.Upload(t.Context(), ds.ID, "small.txt", &plainReader{strings.NewReader("tiny")}, nil)
	require.NoError(t, err)
	stored, _ := srv.Attachment(att.Token)
	assert.Equal(t, "tiny", string(stored))
	assert.Equal(t, 3, attUploads(srv))
}

func TestUploadRetriesUnsentPlainReader(t *testing.T) {
	t.Parallel()
	srv := attServer(t)
	ds := attSheet(t, srv)
	c := memClient(t, srv, srv.Transport(), apitable.WithLimiter(attNopLimiter{}))
	// Dropped before the body was read: nothing of r was consumed.
	srv.InjectFault(apitabletest.Fault{Method: "POST", Path: "/attachments", Drop: apitabletest.DropBeforeHandling})
	data, _ := io.ReadAll(&genReader{n: 5000})
	att, err := c.Attachments.Upload(t.Context(), ds.ID, "a.bin", &plainReader{bytes.NewReader(data)}, nil)
	require.NoError(t, err)
	stored, _ := srv.Attachment(att.Token)
	assert.True(t, bytes.Equal(data, stored))
}

func TestUploadMaxSizeWhileStreaming(t *testing.T) {
	t.Parallel()
	srv := attServer(t)
	ds := attSheet(t, srv)
	c := memClient(t, srv, srv.Transport(), apitable.WithLimiter(attNopLimiter{}))
	for _, r := range []io.Reader{&plainReader{&genReader{n: 50_000}}, bytes.NewReader(make([]byte, 50_000))} {
		_, err := c.Attachments.Upload(t.Context(), ds.ID, "big.bin", r, &apitable.UploadParams{MaxSize: 20_000})
		require.ErrorIs(t, err, apitable.ErrInvalidRequest)
		var ve *apitable.ValidationError
		require.ErrorAs(t, err, &ve)
		assert.Contains(t, err.Error(), "exceeds")
		assert.Contains(t, err.Error(), "20000")
	}
	assert.Equal(t, 2, attUploads(srv), "one attempt each, never retried")
	assert.Zero(t, srv.AttachmentUsage(srv.SpaceID()))
}

func TestUploadReaderError(t *testing.T) {
	t.Parallel()
	srv := attServer(t)
	ds := attSheet(t, srv)
	c := memClient(t, srv, srv.Transport())
	boom := errors.New("disk on fire")
	r := io.MultiReader(&genReader{n: 5000}, iotestErrReader{boom})
	_, err := c.Attachments.Upload(t.Context(), ds.ID, "a.bin", r, nil)
	require.ErrorIs(t, err, boom)
	assert.Equal(t, 1, attUploads(srv))
	assert.Zero(t, srv.AttachmentUsage(srv.SpaceID()))
}

type iotestErrReader struct{ err error }

func (r iotestErrReader) Read([]byte) (int, error) { return 0, r.err }

// TestUploadCancelMidStream is not parallel: goleak looks at every
// goroutine.
func TestUploadCancelMidStream(t *testing.T) { //nolint:paralleltest // goleak.VerifyNone looks at every goroutine in the process
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	srv := attServer(t)
	ds := attSheet(t, srv)
	for _, name := range []string{"memory", "loopback"} { //nolint:paralleltest // goleak.VerifyNone looks at every goroutine in the process
		t.Run(name, func(t *testing.T) {
			c := memClient(t, srv, srv.Transport())
			if name == "loopback" {
				c = srv.Client()
			}
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			r := &genReader{n: -1, cancelAt: 2 << 20, cancel: cancel} // endless
			done := make(chan error, 1)
			go func() {
				_, err := c.Attachments.Upload(ctx, ds.ID, "endless.bin", &plainReader{r}, nil)
				done <- err
			}()
			select {
			case err := <-done:
				require.ErrorIs(t, err, context.Canceled)
			case <-time.After(20 * time.Second):
				t.Fatal("upload did not stop after cancel")
			}
		})
	}
	srv.Close()
	http.DefaultTransport.(*http.Transport).CloseIdleConnections()
}

func TestUploadValidation(t *testing.T) {
	t.Parallel()
	srv := attServer(t)
	ds := attSheet(t, srv)
	c := memClient(t, srv, srv.Transport())
	r := strings.NewReader("x")
	cases := []struct {
		name, dst, file string
		r               io.Reader
		params          *apitable.UploadParams
		field           string
	}{
		{"empty datasheet", "", "a", r, nil, "datasheetID"},
		{"bad datasheet", "dst/x", "a", r, nil, "datasheetID"},
		{"empty name", ds.ID, "", r, nil, "name"},
		{"newline in name", ds.ID, "a\nb", r, nil, "name"},
		{"CR in name", ds.ID, "a\rb", r, nil, "name"},
		{"NUL in name", ds.ID, "a\x00b", r, nil, "name"},
		{"nil reader", ds.ID, "a", nil, nil, "r"},
		{"negative max", ds.ID, "a", r, &apitable.UploadParams{MaxSize: -1}, "MaxSize"},
		{"bad size", ds.ID, "a", r, &apitable.UploadParams{Size: -2}, "Size"},
		{"size over default max", ds.ID, "a", r, &apitable.UploadParams{Size: 1<<30 + 1}, "Size"},
		{"size over max", ds.ID, "a", r, &apitable.UploadParams{Size: 11, MaxSize: 10}, "Size"},
		{"header injection", ds.ID, "a", r, &apitable.UploadParams{ContentType: "text/plain\r\nX-Evil: 1"}, "ContentType"},
		{"bad content type", ds.ID, "a", r, &apitable.UploadParams{ContentType: "not a type"}, "ContentType"},
	}
	for _, tc := range cases { //nolint:paralleltest // the assertions after the loop (no requests, reader untouched) must see these subtests
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.Attachments.Upload(t.Context(), tc.dst, tc.file, tc.r, tc.params)
			require.ErrorIs(t, err, apitable.ErrInvalidRequest)
			var ve *apitable.ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, tc.field, ve.Field)
			if strings.HasPrefix(tc.name, "size over") {
				assert.Contains(t, err.Error(), "exceeds")
			}
		})
	}
	assert.Empty(t, srv.Requests(), "validation happens before any I/O")
	assert.Equal(t, 1, r.Len(), "the reader was not touched")
}

// closeTracker is a ReadCloser that records Close.
type closeTracker struct {
	io.Reader
	closed *atomic.Int32
}

func (c closeTracker) Close() error { c.closed.Add(1); return nil }

func TestUploadMany(t *testing.T) {
	t.Parallel()
	srv := attServer(t)
	ds := attSheet(t, srv)
	c := memClient(t, srv, srv.Transport())
	var closed atomic.Int32
	open := func(s string) func() (io.ReadCloser, error) {
		return func() (io.ReadCloser, error) { return closeTracker{strings.NewReader(s), &closed}, nil }
	}
	openErr := errors.New("no such file")
	files := []apitable.UploadFile{
		{Name: "a.txt", Open: open("alpha")},
		{Name: "missing.txt", Open: func() (io.ReadCloser, error) { return nil, openErr }},
		{Name: "c.bin", Reader: bytes.NewReader([]byte{1, 2, 3}), Params: &apitable.UploadParams{ContentType: "application/octet-stream"}},
		{Name: "d.txt", Open: open("delta")},
	}
	res, err := c.Attachments.UploadMany(t.Context(), ds.ID, files)
	require.Error(t, err)
	require.ErrorIs(t, err, openErr)
	assert.Contains(t, err.Error(), `"missing.txt"`)
	require.Len(t, res, 4)
	for i, want := range []string{"alpha", "", "\x01\x02\x03", "delta"} {
		assert.Equal(t, files[i].Name, res[i].Name)
		if i == 1 {
			assert.ErrorIs(t, res[i].Err, openErr)
			assert.Nil(t, res[i].Attachment)
			continue
		}
		require.NoError(t, res[i].Err)
		stored, ok := srv.Attachment(res[i].Attachment.Token)
		require.True(t, ok)
		assert.Equal(t, want, string(stored))
	}
	assert.Equal(t, "application/octet-stream", res[2].Attachment.MimeType)
	assert.Equal(t, int32(2), closed.Load(), "opened files are closed")
	assert.Equal(t, 3, attUploads(srv), "one request per file")

	// All good: nil error.
	res, err = c.Attachments.UploadMany(t.Context(), ds.ID, files[:1])
	require.NoError(t, err)
	require.Len(t, res, 1)
	// Empty input: no request.
	res, err = c.Attachments.UploadMany(t.Context(), ds.ID, nil)
	require.NoError(t, err)
	assert.Empty(t, res)
}

func TestUploadManyStopsOnFatal(t *testing.T) {
	t.Parallel()
	srv := attServer(t)
	ds := attSheet(t, srv)
	srv.SetPermission(ds.ID, apitabletest.RoleReader)
	c := memClient(t, srv, srv.Transport())
	var opened atomic.Int32
	files := make([]apitable.UploadFile, 3)
	for i := range files {
		files[i] = apitable.UploadFile{Name: fmt.Sprintf("f%d", i), Open: func() (io.ReadCloser, error) {
			opened.Add(1)
			return io.NopCloser(strings.NewReader("x")), nil
		}}
	}
	res, err := c.Attachments.UploadMany(t.Context(), ds.ID, files)
	require.ErrorIs(t, err, apitable.ErrNodePermission)
	require.Len(t, res, 3)
	require.ErrorIs(t, res[0].Err, apitable.ErrNodePermission)
	for _, r := range res[1:] {
		var na *apitable.NotAttemptedError
		require.ErrorAs(t, r.Err, &na)
		assert.ErrorIs(t, r.Err, apitable.ErrNodePermission)
	}
	assert.Equal(t, int32(1), opened.Load(), "files after a fatal error are not opened")
	assert.Equal(t, 1, attUploads(srv))

	// A cancelled context stops before the first file.
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	res, err = c.Attachments.UploadMany(ctx, ds.ID, files)
	require.ErrorIs(t, err, context.Canceled)
	for _, r := range res {
		assert.ErrorIs(t, r.Err, context.Canceled)
	}
}

// TestUploadManyReportsThroughBatchError: UploadMany's error is a
// *BatchError whose chunks are the files: an upload answered 500 (it may
// have been stored) is outcome-unknown and does not stop the others.
func TestUploadManyReportsThroughBatchError(t *testing.T) {
	t.Parallel()
	srv := attServer(t)
	ds := attSheet(t, srv)
	c := memClient(t, srv, srv.Transport())
	files := make([]apitable.UploadFile, 3)
	for i := range files {
		files[i] = apitable.UploadFile{Name: fmt.Sprintf("f%d.txt", i), Reader: strings.NewReader(fmt.Sprint(i))}
	}
	_, err := c.Attachments.UploadMany(t.Context(), ds.ID, files[:1])
	require.NoError(t, err)
	srv.InjectFault(apitabletest.Fault{Method: "POST", Path: "/attachments", Status: 500})
	files[0].Reader = strings.NewReader("0")
	res, err := c.Attachments.UploadMany(t.Context(), ds.ID, files)
	var be *apitable.BatchError
	require.ErrorAs(t, err, &be)
	assert.Equal(t, "upload", be.Op)
	assert.Equal(t, ds.ID, be.DatasheetID)
	require.Len(t, be.Chunks, 3)
	assert.Equal(t, []int{0}, be.Indices(apitable.ChunkOutcomeUnknown))
	assert.Equal(t, []int{1, 2}, be.Indices(apitable.ChunkApplied))
	require.ErrorIs(t, err, apitable.ErrOutcomeUnknown)
	assert.Contains(t, err.Error(), "1 of 3 files not uploaded")
	assert.Contains(t, be.Chunks[0].Err.Error(), `"f0.txt"`)
	require.ErrorIs(t, res[0].Err, apitable.ErrOutcomeUnknown)
	assert.NotNil(t, res[1].Attachment)
	assert.NotNil(t, res[2].Attachment)

	// A fatal failure: the files after it were not attempted, and say why.
	srv.SetPermission(ds.ID, apitabletest.RoleReader)
	for i := range files {
		files[i].Reader = strings.NewReader("x")
	}
	_, err = c.Attachments.UploadMany(t.Context(), ds.ID, files)
	require.ErrorAs(t, err, &be)
	assert.Equal(t, []int{0, 1, 2}, be.Indices(apitable.ChunkFailed))
	var na *apitable.NotAttemptedError
	require.ErrorAs(t, be.Chunks[1].Err, &na)
	assert.False(t, na.ContextDone)
	assert.Contains(t, na.Error(), "not sent after an earlier chunk failed")
}

func TestUploadManyValidation(t *testing.T) {
	t.Parallel()
	srv := attServer(t)
	c := memClient(t, srv, srv.Transport())
	r := strings.NewReader("x")
	for _, tc := range []struct { //nolint:paralleltest // the assertion after the loop (no requests) must see these subtests
		name  string
		files []apitable.UploadFile
		field string
	}{
		{"no name", []apitable.UploadFile{{Reader: r}}, "files[0].Name"},
		{"neither", []apitable.UploadFile{{Name: "a", Reader: r}, {Name: "b"}}, "files[1]"},
		{"both", []apitable.UploadFile{{Name: "a", Reader: r, Open: func() (io.ReadCloser, error) { return nil, nil }}}, "files[0]"},
		{"params", []apitable.UploadFile{{Name: "a", Reader: r, Params: &apitable.UploadParams{Size: 5, MaxSize: 1}}}, "files[0].Params.Size"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.Attachments.UploadMany(t.Context(), "dstAAAAAAAAAAAAAAA", tc.files)
			var ve *apitable.ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, tc.field, ve.Field)
		})
	}
	assert.Empty(t, srv.Requests())
}

// BenchmarkUploadMemory streams a generated 200 MB file over loopback HTTP
// to a server that discards it, and reports the peak heap growth seen
// during the upload (sampled every millisecond) next to the bytes
// allocated per upload. Run with:
//
//	go test -run '^$' -bench UploadMemory -benchtime 1x
func BenchmarkUploadMemory(b *testing.B) {
	const size = 200 << 20
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_, _ = fmt.Fprintf(w, `{"code":200,"success":true,"message":"SUCCESS","data":{"token":"space/2024/01/01/0123456789abcdef0123456789abcdef","name":"big.bin","size":%d,"mimeType":"application/octet-stream"}}`, n)
	}))
	defer ts.Close()
	c, err := apitable.New("tok", apitable.WithBaseURL(ts.URL), apitable.WithAttemptTimeout(5*time.Minute))
	if err != nil {
		b.Fatal(err)
	}
	var peak uint64
	b.ReportAllocs()
	b.SetBytes(size)
	for b.Loop() {
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		stop := make(chan struct{})
		sampled := make(chan uint64)
		go func() {
			var m runtime.MemStats
			var hi uint64
			t := time.NewTicker(time.Millisecond)
			defer t.Stop()
			for {
				runtime.ReadMemStats(&m)
				hi = max(hi, m.HeapAlloc)
				select {
				case <-stop:
					sampled <- hi
					return
				case <-t.C:
				}
			}
		}()
		att, err := c.Attachments.Upload(context.Background(), "dstAAAAAAAAAAAAAAA", "big.bin", &plainReader{&genReader{n: size}}, nil)
		close(stop)
		hi := <-sampled
		if err != nil {
			b.Fatal(err)
		}
		if att.Size < size { // the server counts the multipart framing too
			b.Fatalf("server got %d bytes", att.Size)
		}
		if hi > before.HeapAlloc {
			peak = max(peak, hi-before.HeapAlloc)
		}
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-growth-MB")
}
