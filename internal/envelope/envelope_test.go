package envelope

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

func raw(s string) json.RawMessage { return json.RawMessage(s) }

func TestDecode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body string
		want *Envelope
	}{
		{
			name: "success with data",
			body: `{ "code": 200, "success": true, "message": "SUCCESS", "data": {"records":[{"recordId":"rec1"}]} }`,
			want: &Envelope{Success: true, Code: 200, Messages: []string{"SUCCESS"},
				Data: raw(`{"records":[{"recordId":"rec1"}]}`)},
		},
		{
			name: "success without data",
			body: `{"code":200,"success":true,"message":"SUCCESS"}`,
			want: &Envelope{Success: true, Code: 200, Messages: []string{"SUCCESS"}},
		},
		{
			name: "data null",
			body: `{"code":200,"success":true,"message":"SUCCESS","data":null}`,
			want: &Envelope{Success: true, Code: 200, Messages: []string{"SUCCESS"}},
		},
		{
			name: "data null with spaces",
			body: `{"code":200,"success":true,"data" :  null  }`,
			want: &Envelope{Success: true, Code: 200},
		},
		{
			name: "data scalar",
			body: `{"success":true,"code":200,"data":0}`,
			want: &Envelope{Success: true, Code: 200, Data: raw(`0`)},
		},
		{
			name: "data empty string",
			body: `{"success":true,"code":200,"data":""}`,
			want: &Envelope{Success: true, Code: 200, Data: raw(`""`)},
		},
		{
			name: "data with surrounding whitespace",
			body: "{\"success\":true,\"data\":\n\t[1, 2]\n}",
			want: &Envelope{Success: true, Data: raw("[1, 2]")},
		},
		{
			name: "body surrounded by whitespace",
			body: "\r\n\t {\"success\":true,\"code\":200}\n\n",
			want: &Envelope{Success: true, Code: 200},
		},
		{
			name: "error with string message",
			body: `{ "success": false, "code": 301, "message": "Can't find the specified datasheet" }`,
			want: &Envelope{Code: 301, Messages: []string{"Can't find the specified datasheet"}},
		},
		{
			name: "429",
			body: `{"code":429,"success":false,"message":"The API request rate for the current space is 5 queries per second (QPS). Upgrading the space allows for a higher call frequency. Contact us: sales@aitable.ai."}`,
			want: &Envelope{Code: 429, Messages: []string{"The API request rate for the current space is 5 queries per second (QPS). Upgrading the space allows for a higher call frequency. Contact us: sales@aitable.ai."}},
		},
		{
			name: "error with empty string message",
			body: `{"success":false,"code":426,"message":""}`,
			want: &Envelope{Code: 426, Messages: []string{""}},
		},
		{
			name: "error with escaped message",
			body: `{"success":false,"code":305,"message":"{\"key\":\"max_rows_per_sheet\",\"specification\":50000,\"usage\":50003}"}`,
			want: &Envelope{Code: 305,
				Messages: []string{`{"key":"max_rows_per_sheet","specification":50000,"usage":50003}`}},
		},
		{
			name: "error with array message",
			body: `{"success":false,"code":500,"message":["api_params_pagesize_min_error","api_params_pagenum_min_error"]}`,
			want: &Envelope{Code: 500, ArrayMessage: true,
				Messages: []string{"api_params_pagesize_min_error", "api_params_pagenum_min_error"}},
		},
		{
			name: "error with one-element array message",
			body: `{"success":false,"code":500,"message":["records.0.api_params_instance_fields_error"]}`,
			want: &Envelope{Code: 500, ArrayMessage: true,
				Messages: []string{"records.0.api_params_instance_fields_error"}},
		},
		{
			name: "error with array of non-strings",
			body: `{"success":false,"code":500,"message":["a", 1, 2.5, true, null, {"k":"v"}, ["x"]]}`,
			want: &Envelope{Code: 500, ArrayMessage: true,
				Messages: []string{"a", "1", "2.5", "true", "null", `{"k":"v"}`, `["x"]`}},
		},
		{
			name: "error with empty array message",
			body: `{"success":false,"code":500,"message":[]}`,
			want: &Envelope{Code: 500, ArrayMessage: true},
		},
		{
			name: "message is a number",
			body: `{"success":false,"code":500,"message":42}`,
			want: &Envelope{Code: 500},
		},
		{
			name: "message is an object",
			body: `{"success":false,"code":500,"message":{"en":"x"}}`,
			want: &Envelope{Code: 500},
		},
		{
			name: "message is a bool",
			body: `{"success":false,"code":500,"message":false}`,
			want: &Envelope{Code: 500},
		},
		{
			name: "code missing",
			body: `{"success":false,"message":"boom"}`,
			want: &Envelope{Messages: []string{"boom"}},
		},
		{
			name: "code missing on success",
			body: `{"success":true}`,
			want: &Envelope{Success: true},
		},
		{
			name: "code as float 200.0",
			body: `{"success":true,"code":200.0}`,
			want: &Envelope{Success: true, Code: 200},
		},
		{
			name: "code as exponent",
			body: `{"success":false,"code":3.01e2}`,
			want: &Envelope{Code: 301},
		},
		{
			name: "code negative",
			body: `{"success":false,"code":-1}`,
			want: &Envelope{Code: -1},
		},
		{
			name: "code non-integer on success is ignored",
			body: `{"success":true,"code":200.5,"data":[]}`,
			want: &Envelope{Success: true, Data: raw(`[]`)},
		},
		{
			name: "code string on success is ignored",
			body: `{"success":true,"code":"200"}`,
			want: &Envelope{Success: true},
		},
		{
			name: "extra keys ignored",
			body: `{"success":true,"code":200,"traceId":"abc","data":{}}`,
			want: &Envelope{Success: true, Code: 200, Data: raw(`{}`)},
		},
		// encoding/json keeps the last of duplicate keys.
		{
			name: "duplicate success, last wins",
			body: `{"success":false,"success":true,"code":200}`,
			want: &Envelope{Success: true, Code: 200},
		},
		{
			name: "duplicate code, last wins",
			body: `{"success":false,"code":200,"code":301}`,
			want: &Envelope{Code: 301},
		},
		{
			name: "duplicate data, last wins",
			body: `{"success":true,"data":{"a":1},"data":[2]}`,
			want: &Envelope{Success: true, Data: raw(`[2]`)},
		},
		{
			name: "duplicate data, last is null",
			body: `{"success":true,"data":{"a":1},"data":null}`,
			want: &Envelope{Success: true},
		},
		{
			name: "duplicate message, string then array",
			body: `{"success":false,"code":500,"message":"x","message":["y","z"]}`,
			want: &Envelope{Code: 500, ArrayMessage: true, Messages: []string{"y", "z"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Decode([]byte(tt.body))
			if err != nil {
				t.Fatalf("Decode(%s) error: %v", tt.body, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Decode(%s) mismatch (-want +got):\n%s", tt.body, diff)
			}
		})
	}
}

func TestDecodeNotEnvelope(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body string
	}{
		{"nil", ""},
		{"whitespace", " \t\r\n "},
		{"array", "[]"},
		{"array of envelope", `[{"success":true}]`},
		{"null", "null"},
		{"string", `"success"`},
		{"number", "200"},
		{"true", "true"},
		{"html page", "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"},
		{"nginx 504", "<html>\r\n<head><title>504 Gateway Time-out</title></head>\r\n</html>\r\n"},
		{"plain text", "Request body is too large"},
		{"empty object", "{}"},
		{"truncated", `{"success":true,"code":200,"data":{"records":[`},
		{"truncated after brace", "{"},
		{"truncated key", `{"succ`},
		{"trailing garbage", `{"success":true}x`},
		{"two objects", `{"success":true}{"success":false}`},
		{"success missing", `{"code":200,"message":"SUCCESS","data":{}}`},
		{"success string", `{"success":"true","code":200}`},
		{"success number", `{"success":1,"code":200}`},
		{"success object", `{"success":{},"code":200}`},
		{"success array", `{"success":[true],"code":200}`},
		{"code non-integer on failure", `{"success":false,"code":301.5,"message":"x"}`},
		{"code string on failure", `{"success":false,"code":"301","message":"x"}`},
		{"code bool on failure", `{"success":false,"code":true}`},
		{"code huge on failure", `{"success":false,"code":1e300}`},
		{"invalid utf-8 inside string", "{\"success\":true,\"message\":\"\xff\"}x"},
		{"single quotes", `{'success':true}`},
		{"BOM", "\ufeff{\"success\":true}"},
		{"deeper than encoding/json allows", strings.Repeat("[", 20000)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Decode([]byte(tt.body))
			if !errors.Is(err, ErrNotEnvelope) {
				t.Errorf("Decode(%.60q) error = %v, want ErrNotEnvelope", tt.body, err)
			}
			if got != nil {
				t.Errorf("Decode(%.60q) = %+v, want nil envelope", tt.body, got)
			}
		})
	}
	if _, err := Decode(nil); !errors.Is(err, ErrNotEnvelope) {
		t.Errorf("Decode(nil) error = %v, want ErrNotEnvelope", err)
	}
}

// TestDecodeSuccessNull: "success": null is not a boolean success key (the
// package documents ErrNotEnvelope for that), so it must not decode as a
// failure envelope.
func TestDecodeSuccessNull(t *testing.T) {
	t.Parallel()
	for _, body := range []string{
		`{"success":null}`,
		`{"success":null,"code":200,"message":"SUCCESS","data":{}}`,
		`{"success":true,"success":null}`,
	} {
		got, err := Decode([]byte(body))
		if !errors.Is(err, ErrNotEnvelope) {
			t.Errorf("Decode(%s) = %+v, %v; want nil, ErrNotEnvelope", body, got, err)
		}
	}
}

func TestDecodeMessageNull(t *testing.T) {
	t.Parallel()
	got, err := Decode([]byte(`{"success":false,"code":500,"message":null}`))
	if err != nil {
		t.Fatal(err)
	}
	if got.ArrayMessage || got.Message() != "" {
		t.Errorf("message null: ArrayMessage=%v Message()=%q, want false, \"\"", got.ArrayMessage, got.Message())
	}
}

func TestMessage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		msgs []string
		want string
	}{
		{nil, ""},
		{[]string{"one"}, "one"},
		{[]string{"a", "b", "c"}, "a; b; c"},
		{[]string{"", ""}, "; "},
	}
	for _, tt := range tests {
		e := &Envelope{Messages: tt.msgs}
		if got := e.Message(); got != tt.want {
			t.Errorf("Message(%q) = %q, want %q", tt.msgs, got, tt.want)
		}
	}
}

func TestDecodeDeepNesting(t *testing.T) {
	t.Parallel()
	for _, depth := range []int{1000, 5000} {
		for _, open := range []string{"[", `{"a":`} {
			close := "]"
			if open != "[" {
				close = "}"
			}
			data := strings.Repeat(open, depth) + "1" + strings.Repeat(close, depth)
			body := `{"success":true,"code":200,"data":` + data + `}`
			got, err := Decode([]byte(body))
			if err != nil {
				t.Fatalf("depth %d %q: %v", depth, open, err)
			}
			if !bytes.Equal(got.Data, []byte(data)) {
				t.Errorf("depth %d %q: data not preserved", depth, open)
			}
			// Nested arrays as message: each element is re-marshalled.
			msgBody := `{"success":false,"code":500,"message":[` + data + `]}`
			got, err = Decode([]byte(msgBody))
			if err != nil {
				t.Fatalf("message depth %d %q: %v", depth, open, err)
			}
			if !got.ArrayMessage || len(got.Messages) != 1 {
				t.Errorf("message depth %d %q: got %d messages", depth, open, len(got.Messages))
			}
		}
	}
	// Far deeper than the decoder supports: an error, not a panic or a hang.
	deep := `{"success":true,"data":` + strings.Repeat("[", 1<<20) + strings.Repeat("]", 1<<20) + `}`
	if _, err := Decode([]byte(deep)); !errors.Is(err, ErrNotEnvelope) {
		t.Errorf("2^20-deep data: err = %v, want ErrNotEnvelope", err)
	}
}

func TestDecodeHugeData(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString(`[`)
	for i := range 20000 {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"recordId":"recXXXXXXXXXXXXX","fields":{"Name":"` + strings.Repeat("x", 50) + `"}}`)
	}
	b.WriteString(`]`)
	data := b.String()
	got, err := Decode([]byte(`{"success":true,"code":200,"data":` + data + `}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Data) != len(data) {
		t.Errorf("data length %d, want %d", len(got.Data), len(data))
	}
}

// TestDecodeDoesNotAliasBody: Data must stay valid after the caller reuses
// its body buffer.
func TestDecodeDoesNotAliasBody(t *testing.T) {
	t.Parallel()
	body := []byte(`{"success":true,"data":{"a":1}}`)
	got, err := Decode(body)
	if err != nil {
		t.Fatal(err)
	}
	for i := range body {
		body[i] = ' '
	}
	if string(got.Data) != `{"a":1}` {
		t.Errorf("Data = %s after body reuse, want {\"a\":1}", got.Data)
	}
}

func TestSnippet(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body string
		n    int
		want string
	}{
		{"empty", "", 10, ""},
		{"blank", " \n\t ", 10, ""},
		{"short", "hello", 10, "hello"},
		{"trimmed", "  hello \n", 10, "hello"},
		{"exact length", "abcde", 5, "abcde"},
		{"truncated", "abcdef", 3, "abc…"},
		{"n zero", "abc", 0, "…"},
		{"truncated after trim", "   abcdef   ", 4, "abcd…"},
		{"newlines folded", "line1\nline2\r\n\tline3", 100, "line1 line2 line3"},
		{"runs of spaces folded", "a    b\n\n\nc", 100, "a b c"},
		{"fold after cut", "ab\n\ncdef", 5, "ab c…"},
		{"html", "<html>\r\n<head><title>504 Gateway Time-out</title></head>\r\n</html>", 40,
			"<html> <head><title>504 Gateway Time-ou…"}, // 40 bytes counted before folding,
		{"cut inside 2-byte rune", "héllo", 2, "h…"},
		{"cut after 2-byte rune", "héllo", 3, "hé…"},
		{"cut inside 3-byte rune", "日本語", 4, "日…"},
		{"cut inside 4-byte rune", "a😀b", 3, "a…"},
		{"cut before first rune ends", "😀😀", 2, "…"},
		{"invalid utf-8 kept short", "a\xffb", 10, "a?b"},
		{"invalid utf-8 at cut", "abc\xff\xfe", 4, "abc?"}, // one "?" per run of bad bytes
		{"invalid utf-8 run replaced once", "a\xff\xfe\xfdb", 10, "a?b"},
		{"nul and control kept", "a\x00b", 10, "a\x00b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := Snippet([]byte(tt.body), tt.n); got != tt.want {
				t.Errorf("Snippet(%q, %d) = %q, want %q", tt.body, tt.n, got, tt.want)
			}
		})
	}
}

// TestSnippetInvalidUTF8BeforeCut: an invalid byte early in a long body must
// not make Snippet throw away everything after it. The cut-back loop only
// needs to drop a partial rune at the cut (at most 3 bytes).
func TestSnippetInvalidUTF8BeforeCut(t *testing.T) {
	t.Parallel()
	tests := []struct {
		body string
		n    int
		want string
	}{
		{"a\xffbcdef", 5, "a?bcd…"},
		{"caf\xe9 au lait, s'il vous pla\xeet", 12, "caf? au lait…"}, // Latin-1 text
		{"\xff" + strings.Repeat("x", 300), 10, "?xxxxxxxxx…"},
	}
	for _, tt := range tests {
		if got := Snippet([]byte(tt.body), tt.n); got != tt.want {
			t.Errorf("Snippet(%q, %d) = %q, want %q", tt.body, tt.n, got, tt.want)
		}
	}
}

func checkSnippet(t *testing.T, body []byte, n int, got string) {
	t.Helper()
	if !utf8.ValidString(got) {
		t.Fatalf("Snippet(%q, %d) = %q, not valid UTF-8", body, n, got)
	}
	if strings.ContainsAny(got, "\n\r\t\v\f") {
		t.Fatalf("Snippet(%q, %d) = %q, not a single line", body, n, got)
	}
	if got != strings.TrimSpace(got) {
		t.Fatalf("Snippet(%q, %d) = %q, has surrounding space", body, n, got)
	}
	text := strings.TrimSuffix(got, "…")
	// "?" replaces a run of one or more invalid bytes, so text never grows.
	if len(text) > n {
		t.Fatalf("Snippet(%q, %d) = %q, more than %d bytes of body", body, n, got, n)
	}
	if len(bytes.TrimSpace(body)) <= n && strings.HasSuffix(got, "…") && !bytes.HasSuffix(bytes.TrimSpace(body), []byte("…")) {
		t.Fatalf("Snippet(%q, %d) = %q, ellipsis without truncation", body, n, got)
	}
}

func FuzzSnippet(f *testing.F) {
	for _, s := range []string{"", "abc", "héllo", "a\xffb", "a\nb\r\nc", "日本語", "😀😀", "  x  "} {
		f.Add([]byte(s), 3)
	}
	f.Fuzz(func(t *testing.T, body []byte, n int) {
		if n < 0 || n > 1<<16 {
			return // callers pass a small positive constant
		}
		checkSnippet(t, body, n, Snippet(body, n))
	})
}

var decodeSeeds = []string{
	`{"code":200,"success":true,"message":"SUCCESS","data":{"records":[]}}`,
	`{"success":false,"code":301,"message":"Can't find the specified datasheet"}`,
	`{"success":false,"code":500,"message":["a","b"]}`,
	`{"success":false,"code":500,"message":["a",1,null,{"x":[1]}]}`,
	`{"success":true,"data":null}`,
	`{"success":true,"code":200.0}`,
	`{"success":false,"code":200.5}`,
	`{"success":"true"}`,
	`{"success":null}`,
	`{"success":true,"success":false}`,
	`{"SUCCESS":true,"Data":1}`,
	`[]`, `null`, ``, "  \n", `<html></html>`, `{"success":tr`, `{`,
	"{\"success\":true,\"message\":\"\xff\"}",
	`{"success":true,"data":[[[[[[[[[[]]]]]]]]]]}`,
}

// FuzzDecode: Decode never panics; it fails only with ErrNotEnvelope and a nil
// envelope; a decoded envelope came from a valid JSON object with a success
// key, and its fields are internally consistent.
func FuzzDecode(f *testing.F) {
	for _, s := range decodeSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		orig := bytes.Clone(body)
		env, err := Decode(body)
		if !bytes.Equal(body, orig) {
			t.Fatalf("Decode modified its input")
		}
		if err != nil {
			if !errors.Is(err, ErrNotEnvelope) {
				t.Fatalf("Decode(%q) error %v, want ErrNotEnvelope", body, err)
			}
			if env != nil {
				t.Fatalf("Decode(%q) returned an envelope with an error", body)
			}
			return
		}
		if env == nil {
			t.Fatalf("Decode(%q) = nil, nil", body)
		}
		var succ struct {
			Success json.RawMessage `json:"success"`
		}
		if json.Unmarshal(bytes.TrimSpace(body), &succ) != nil || string(succ.Success) != strconv.FormatBool(env.Success) {
			t.Fatalf("Decode(%q): nil error but success is %q, Success %v", body, succ.Success, env.Success)
		}
		trimmed := bytes.TrimSpace(body)
		if len(trimmed) == 0 || trimmed[0] != '{' || !json.Valid(trimmed) {
			t.Fatalf("Decode(%q) accepted a body that is not a JSON object", body)
		}
		if env.Data != nil {
			if !json.Valid(env.Data) {
				t.Fatalf("Decode(%q): Data %q is not valid JSON", body, env.Data)
			}
			if string(env.Data) == "null" {
				t.Fatalf("Decode(%q): Data is the literal null", body)
			}
		}
		if !env.ArrayMessage && len(env.Messages) > 1 {
			t.Fatalf("Decode(%q): %d messages without ArrayMessage", body, len(env.Messages))
		}
		for _, m := range env.Messages {
			if !utf8.ValidString(m) {
				t.Fatalf("Decode(%q): message %q is not valid UTF-8", body, m)
			}
		}
		// Decoding is deterministic and insensitive to surrounding space.
		env2, err := Decode(append(append([]byte(" \n"), body...), '\t'))
		if err != nil {
			t.Fatalf("Decode(%q) ok, but with surrounding space: %v", body, err)
		}
		if diff := cmp.Diff(env, env2); diff != "" {
			t.Fatalf("Decode(%q) differs with surrounding space (-first +second):\n%s", body, diff)
		}
	})
}
