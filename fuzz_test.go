package apitable

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"unicode"

	"github.com/apitable-go/apitable/internal/envelope"
)

// fuzzBases are base URLs with and without a gateway prefix, one of them
// with a prefix that needs escaping.
var fuzzBases = []string{
	"https://api.apitable.com",
	"https://gw.example.com/apitable",
	"https://gw.example.com/a%20b/c/",
}

// FuzzCheckIDAndPath: checkID never panics; an id it accepts stays exactly
// one path segment of the request URL, under the base path prefix, and
// survives dot-segment removal (what servers and proxies apply); an id it
// rejects is an ErrInvalidRequest.
func FuzzCheckIDAndPath(f *testing.F) {
	for _, s := range []string{
		"dst0Yj5aNeoHldqvf6", "recV3ElniQavT", "fld_1-x", "viw.1", "spcX:1", "a;b", "a,b", "a=b&c",
		"", " ", "dst/x", "dst?x", "dst#x", "..", "dst..x", "dst%2F", `dst\x`, "dst\x00", "dst\u2028",
		".", "...", ".a", "a.", "%2e", "日本語", "\xff\xfe", "a+b", "@", "~user",
	} {
		for i := range fuzzBases {
			f.Add(s, uint8(i))
		}
	}
	f.Fuzz(func(t *testing.T, id string, base uint8) {
		err := checkID("id", id)
		if err != nil {
			if !errors.Is(err, ErrInvalidRequest) {
				t.Fatalf("checkID(%q) = %v, not ErrInvalidRequest", id, err)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("checkID(%q) error spans lines: %q", id, err)
			}
			return
		}
		if id == "" {
			t.Fatal("empty id accepted")
		}
		c, err := New(secret, WithBaseURL(fuzzBases[int(base)%len(fuzzBases)]))
		if err != nil {
			t.Fatal(err)
		}
		prefix := c.baseURL.EscapedPath()
		cl := &call{route: routeListRecords, ids: []string{id}}
		decl := cl.route.decl()
		rawPath, escPath, ok := decl.fill(cl.ids)
		if !ok {
			t.Fatal("fill failed")
		}
		req, err := c.newRequest(t.Context(), &callState{call: cl, decl: decl, path: rawPath}, escPath)
		if err != nil {
			t.Fatalf("id %q: %v", id, err)
		}
		raw := req.URL.String()
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatalf("id %q: built URL %q does not parse: %v", id, raw, err)
		}
		if u.Host != c.baseURL.Host || u.RawQuery != "" || u.Fragment != "" {
			t.Fatalf("id %q changed host, query or fragment: %q", id, raw)
		}
		esc := u.EscapedPath()
		if !strings.HasPrefix(esc, prefix+"/fusion/v1/datasheets/") {
			t.Fatalf("id %q: path %q lost the base prefix %q", id, esc, prefix)
		}
		want := strings.Count(prefix, "/") + 5
		segs := strings.Split(strings.TrimPrefix(esc, "/"), "/")
		if len(segs) != want {
			t.Fatalf("id %q: path %q has %d segments, want %d", id, esc, len(segs), want)
		}
		got, err := url.PathUnescape(segs[want-2])
		if err != nil || got != id {
			t.Fatalf("id %q: segment %q unescapes to %q (%v)", id, segs[want-2], got, err)
		}
		if segs[want-1] != "records" {
			t.Fatalf("id %q: last segment %q", id, segs[want-1])
		}
		// Servers and proxies remove dot segments (RFC 3986 §5.2.4): an
		// id must not change the path they route on.
		if norm := u.ResolveReference(&url.URL{}).EscapedPath(); norm != esc {
			t.Fatalf("id %q: path %q becomes %q after dot-segment removal", id, esc, norm)
		}
	})
}

// fuzzClients: the default limits and a small success cap, to reach the
// truncation paths with small inputs.
var fuzzClients = func() [2]*Client {
	var cs [2]*Client
	for i, o := range []Option{nil, WithMaxResponseBytes(256)} {
		c, err := New(secret, o)
		if err != nil {
			panic(err)
		}
		cs[i] = c
	}
	return cs
}()

// FuzzAPIErrorDecode feeds any status and body to decode: it never panics,
// never returns both an API error and a local one, turns every body that is
// not an envelope or says success:false into an *APIError, and that error's
// message is one line without the token.
func FuzzAPIErrorDecode(f *testing.F) {
	seeds := []struct {
		status int
		body   string
	}{
		{200, `{"success":true,"code":200,"message":"SUCCESS","data":{"records":[]}}`},
		{201, `{"success":true,"code":200,"message":"SUCCESS","data":{"records":[{"recordId":"rec1","fields":{"A":1}}]}}`},
		{200, `{"success":true,"code":200,"message":"SUCCESS"}`},
		{200, `{"success":true,"code":200,"data":"x"}`},
		{200, `{"success":false,"code":301,"message":"Can't find the specified datasheet"}`},
		{200, `{"success":false,"code":400,"message":"line\nbreak\r\u2028x"}`},
		{500, `{"success":false,"code":500,"message":["a","b",{"c":1}]}`},
		{500, `{"success":false,"code":304,"message":"limit"}`},
		{429, `{"code":429,"success":false,"message":"slow down"}`},
		{502, "<html><body>502 Bad Gateway</body></html>"},
		{200, "<html>captive portal</html>"},
		{503, ""},
		{401, `{"success":false,"code":"401","message":{"x":1}}`},
		{200, `{"success":"false","code":1e400}`},
		{500, `{"success":true,"code":200,"data":{"records":[]}}`},
		{200, `{"success":false,"code":400,"message":"Bearer ` + secret + `"}`},
		{200, strings.Repeat("[", 20000)},
		{99, "\xff\xfe\x00"},
	}
	for i, s := range seeds {
		f.Add(s.status, []byte(s.body), "req-1", "", i%2 == 0, i%3 == 0)
	}
	f.Add(429, []byte(`{"success":false,"code":429}`), "", "120", true, false)
	f.Add(200, []byte(`{"success":false,"code":400}`), "a\nb", "Wed, 21 Oct 2015 07:28:00 GMT", false, true)
	f.Fuzz(func(t *testing.T, status int, body []byte, requestID, retryAfter string, withOut, smallCap bool) {
		if status < 100 || status > 999 {
			status = 100 + int(uint(status)%900)
		}
		c := fuzzClients[0]
		if smallCap {
			c = fuzzClients[1]
		}
		h := http.Header{}
		h.Set("request-id", requestID)
		h.Set("Retry-After", retryAfter)
		resp := &http.Response{StatusCode: status, Header: h, Body: io.NopCloser(bytes.NewReader(body))}
		cl := &call{route: routeCreateRecords, ids: []string{"dstA"}}
		st := &callState{call: cl, decl: cl.route.decl(), path: "/fusion/v1/datasheets/dstA/records", attempts: 1}
		var out any
		if withOut {
			out = &recordsResult{}
		}
		apiErr, err := c.answer(resp, st, out)
		if apiErr != nil && err != nil {
			t.Fatalf("both an API error (%v) and a local error (%v)", apiErr, err)
		}
		env, envErr := envelope.Decode(body)
		limit := c.maxResponse
		if status >= 400 {
			limit = maxErrorBody
		}
		tooBig := int64(len(body)) > limit
		switch {
		case tooBig && status < 400:
			if err == nil || !strings.Contains(err.Error(), "exceeds") {
				t.Fatalf("oversized success body: err %v", err)
			}
		case envErr != nil || tooBig:
			if apiErr == nil {
				t.Fatalf("status %d, body not an envelope: no APIError (err %v)", status, err)
			}
			if apiErr.Code != 0 {
				t.Fatalf("non-envelope with code %d", apiErr.Code)
			}
		case !env.Success:
			if apiErr == nil {
				t.Fatalf("success:false without an APIError (err %v)", err)
			}
		}
		if err != nil {
			msg := err.Error()
			if strings.ContainsFunc(msg, unicode.IsControl) {
				t.Fatalf("local error not one line: %q", msg)
			}
			if strings.Contains(msg, secret) && !bytes.Contains(body, []byte(secret)) {
				t.Fatalf("local error carries the token: %q", msg)
			}
		}
		if apiErr == nil {
			return
		}
		msg := apiErr.Error()
		if strings.ContainsFunc(msg, unicode.IsControl) || strings.ContainsAny(msg, "\u2028\u2029") {
			t.Fatalf("APIError.Error() is not one line: %q", msg)
		}
		if !strings.HasPrefix(msg, "apitable: POST /fusion/v1/datasheets/dstA/records: ") {
			t.Fatalf("APIError.Error() lacks the call: %q", msg)
		}
		serverSent := strings.Contains(apiErr.Message, secret) || strings.Contains(apiErr.Snippet, secret) ||
			strings.Contains(apiErr.RequestID, secret)
		if !serverSent && strings.Contains(msg, secret) {
			t.Fatalf("APIError.Error() carries the token: %q", msg)
		}
		if apiErr.HTTPStatus != status || apiErr.Attempts != 1 || apiErr.Method != "POST" {
			t.Fatalf("APIError fields: %+v", apiErr)
		}
		if len(apiErr.Snippet) > 120+len("…") {
			t.Fatalf("snippet of %d bytes", len(apiErr.Snippet))
		}
		if apiErr.RetryAfter < 0 {
			t.Fatalf("negative RetryAfter %v", apiErr.RetryAfter)
		}
		matched := 0
		for _, s := range []error{ErrDatasheetNotFound, ErrRowLimitExceeded, ErrInvalidRequest, ErrUnauthorized,
			ErrForbidden, ErrAPINotFound, ErrAttachmentUpload, ErrAttachmentLimit, ErrRateLimited, ErrServer, ErrNodePermission} {
			if errors.Is(apiErr, s) {
				matched++
			}
		}
		if matched > 1 || errors.Is(apiErr, ErrOutcomeUnknown) {
			t.Fatalf("APIError %v matches %d sentinels", apiErr, matched)
		}
	})
}
