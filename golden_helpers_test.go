package apitable_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"
)

// A golden fixture (testdata/golden/<service>_<op>_<case>.json) holds the
// exchanges one public method has with the server: the requests the client
// sends (recorded with -update) and the answers the server gives (written by
// hand, in the shapes of docs/server-behaviour.md), plus the decoded result.
// Struct fields are declared in alphabetical order so that the files have
// sorted keys.
type goldenFixture struct {
	// Comment says what the case covers.
	Comment string `json:"comment,omitempty"`
	// Concurrent fixtures compare the requests as a multiset (chunks and
	// pages are sent concurrently); the others in order.
	Concurrent bool `json:"concurrent,omitempty"`
	// Error is the returned error's text, "" for nil.
	Error     string           `json:"error,omitempty"`
	Exchanges []goldenExchange `json:"exchanges"`
	// Result is the returned value as JSON.
	Result json.RawMessage `json:"result,omitempty"`
}

type goldenExchange struct {
	// Match, in concurrent fixtures, is a substring of the request (method,
	// path, decoded query, body) that picks this exchange when recording.
	Match    string         `json:"match,omitempty"`
	Request  *goldenRequest `json:"request,omitempty"`
	Response goldenResponse `json:"response"`
}

type goldenRequest struct {
	Body      json.RawMessage     `json:"body,omitempty"`
	Headers   map[string]string   `json:"headers"`
	Method    string              `json:"method"`
	Multipart []goldenPart        `json:"multipart,omitempty"`
	Path      string              `json:"path"`
	Query     map[string][]string `json:"query,omitempty"`
	RawQuery  string              `json:"rawQuery,omitempty"`
}

type goldenPart struct {
	Content     string `json:"content"`
	ContentType string `json:"contentType"`
	Filename    string `json:"filename,omitempty"`
	Name        string `json:"name"`
}

type goldenResponse struct {
	Body   json.RawMessage `json:"body,omitempty"`
	Status int             `json:"status"`
}

const goldenToken = "golden-test-token"

// goldenHeaders are the request headers a fixture records.
var goldenHeaders = []string{"Accept", "Authorization", "Content-Type"}

// canonJSON re-encodes JSON with sorted keys, numbers as written, no HTML
// escaping, indented.
func canonJSON(raw []byte) (json.RawMessage, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return marshalGolden(v)
}

func marshalGolden(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// captureRequest turns an incoming request into its golden form.
func captureRequest(r *http.Request) (*goldenRequest, error) {
	g := &goldenRequest{Method: r.Method, Path: r.URL.EscapedPath(), RawQuery: r.URL.RawQuery, Headers: map[string]string{}}
	if q := r.URL.Query(); len(q) > 0 {
		g.Query = q
	}
	for _, h := range goldenHeaders {
		if v := r.Header.Get(h); v != "" {
			g.Headers[h] = strings.ReplaceAll(v, goldenToken, "<token>")
		}
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	mt, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch {
	case mt == "multipart/form-data":
		g.Headers["Content-Type"] = "multipart/form-data; boundary=<boundary>"
		mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
		for {
			p, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return nil, err
			}
			content, err := io.ReadAll(p)
			if err != nil {
				return nil, err
			}
			if !utf8.Valid(content) {
				return nil, fmt.Errorf("part %q: keep golden upload contents UTF-8", p.FormName())
			}
			g.Multipart = append(g.Multipart, goldenPart{Name: p.FormName(), Filename: p.FileName(), ContentType: p.Header.Get("Content-Type"), Content: string(content)})
		}
	case len(body) > 0:
		if g.Body, err = canonJSON(body); err != nil {
			return nil, fmt.Errorf("request body is not JSON: %w: %q", err, body)
		}
	}
	return g, nil
}

// matchText is what Match substrings are searched in.
func (g *goldenRequest) matchText() string {
	q, _ := url.QueryUnescape(g.RawQuery)
	return g.Method + " " + g.Path + "?" + q + " " + string(g.Body)
}

// requestDiff describes how got differs from want, "" when equal.
func requestDiff(want, got *goldenRequest) string {
	if want == nil {
		return "fixture has no recorded request (run with -update)"
	}
	var d []string
	add := func(what string, w, g any) {
		if !reflect.DeepEqual(w, g) {
			d = append(d, fmt.Sprintf("%s: got %v, want %v", what, jsonText(g), jsonText(w)))
		}
	}
	add("method", want.Method, got.Method)
	add("path", want.Path, got.Path)
	add("query", want.Query, got.Query)
	if reflect.DeepEqual(want.Query, got.Query) && want.RawQuery != got.RawQuery {
		d = append(d, fmt.Sprintf("raw query (same decoded values, different encoding): got %q, want %q", got.RawQuery, want.RawQuery))
	}
	add("headers", want.Headers, got.Headers)
	wb, _ := canonJSON(want.Body)
	gb, _ := canonJSON(got.Body)
	add("body", string(wb), string(gb))
	add("multipart", want.Multipart, got.Multipart)
	return strings.Join(d, "\n\t")
}

func jsonText(v any) string {
	if s, ok := v.(string); ok {
		return fmt.Sprintf("%q", s)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// goldenServer answers with the fixture's responses and records what the
// client sent.
type goldenServer struct {
	t      *testing.T
	fx     *goldenFixture
	update bool

	mu       sync.Mutex
	used     []bool
	got      []*goldenRequest // by exchange index (update mode)
	problems []string
	n        int // requests received
}

func newGoldenServer(t *testing.T, fx *goldenFixture, update bool) *goldenServer {
	return &goldenServer{t: t, fx: fx, update: update, used: make([]bool, len(fx.Exchanges)), got: make([]*goldenRequest, len(fx.Exchanges))}
}

func (s *goldenServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	req, err := captureRequest(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.n
	s.n++
	if err != nil {
		s.problems = append(s.problems, fmt.Sprintf("request %d: %v", n, err))
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	i := s.pick(n, req)
	if i < 0 {
		s.problems = append(s.problems, fmt.Sprintf("request %d matches no exchange of the fixture: %s", n, jsonText(req)))
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, `{"success":false,"code":404,"message":"golden: unexpected request"}`)
		return
	}
	s.used[i], s.got[i] = true, req
	ex := s.fx.Exchanges[i]
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(ex.Response.Status)
	_, _ = w.Write(ex.Response.Body)
}

// pick chooses the exchange that answers request n, -1 for none. In order
// mode it is the n-th; in concurrent mode the first unused exchange whose
// recorded request equals req (or, when recording, whose Match occurs in it).
func (s *goldenServer) pick(n int, req *goldenRequest) int {
	if !s.fx.Concurrent {
		if n >= len(s.fx.Exchanges) {
			return -1
		}
		if d := requestDiff(s.fx.Exchanges[n].Request, req); d != "" && !s.update {
			s.problems = append(s.problems, fmt.Sprintf("request %d differs from the fixture:\n\t%s", n, d))
		}
		return n
	}
	hinted := -1 // the exchange Match picks, for the diff
	for i, ex := range s.fx.Exchanges {
		if s.used[i] {
			continue
		}
		hint := strings.Contains(req.matchText(), ex.Match)
		if s.update && hint {
			return i
		}
		if !s.update && requestDiff(ex.Request, req) == "" {
			return i
		}
		if hint && hinted < 0 {
			hinted = i
		}
	}
	if hinted >= 0 {
		s.problems = append(s.problems, fmt.Sprintf("request %d differs from exchange %d (picked by match %q):\n\t%s", n, hinted, s.fx.Exchanges[hinted].Match, requestDiff(s.fx.Exchanges[hinted].Request, req)))
	}
	return -1
}

// finish reports the unused exchanges, and records the requests in update
// mode.
func (s *goldenServer) finish() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.problems {
		s.t.Error(p)
	}
	for i, used := range s.used {
		if !used {
			s.t.Errorf("exchange %d of the fixture was never requested", i)
		}
		if s.update && used {
			s.fx.Exchanges[i].Request = s.got[i]
		}
	}
}

func readGolden(path string) (*goldenFixture, error) {
	b, err := os.ReadFile(path) //nolint:gosec // G304: a fixture under testdata/golden
	if err != nil {
		return nil, err
	}
	var fx goldenFixture
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&fx); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &fx, nil
}

func writeGolden(path string, fx *goldenFixture) error {
	for i := range fx.Exchanges {
		body, err := canonJSON(fx.Exchanges[i].Response.Body)
		if err != nil {
			return err
		}
		fx.Exchanges[i].Response.Body = body
	}
	b, err := marshalGolden(fx)
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644) //nolint:gosec // G306: a fixture checked into the repository, readable like its other files
}

// snake turns a method name into the fixture name's op: CreateEmbedLink →
// create_embed_link.
func snake(s string) string {
	var b strings.Builder
	for i, r := range s {
		if i > 0 && r >= 'A' && r <= 'Z' {
			b.WriteByte('_')
		}
		b.WriteRune(r)
	}
	return strings.ToLower(b.String())
}
