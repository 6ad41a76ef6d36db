package apitabletest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/apitable-go/apitable/apitabletest/internal/fake"
)

type resp struct {
	status int
	header http.Header
	raw    []byte
	env    map[string]any
}

func (r resp) code() int {
	c, _ := r.env["code"].(float64)
	return int(c)
}

func (r resp) msg() any { return r.env["message"] }

func (r resp) data() map[string]any {
	d, _ := r.env["data"].(map[string]any)
	return d
}

func (r resp) records() []map[string]any {
	var out []map[string]any
	for _, x := range r.data()["records"].([]any) {
		out = append(out, x.(map[string]any))
	}
	return out
}

// call sends a request through the in-memory transport. body: nil (no
// body), string (raw JSON) or any (marshalled).
func call(t testing.TB, s *Server, method, path string, body any, hdr ...string) resp {
	t.Helper()
	var rd io.Reader
	ct := ""
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
		ct = "application/json"
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
		ct = "application/json"
	}
	req, err := http.NewRequestWithContext(t.Context(), method, "http://fake"+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+s.Token())
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i+1] == "" {
			req.Header.Del(hdr[i])
		} else {
			req.Header.Set(hdr[i], hdr[i+1])
		}
	}
	hr, err := s.Transport().RoundTrip(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer func() { _ = hr.Body.Close() }()
	raw, _ := io.ReadAll(hr.Body)
	r := resp{status: hr.StatusCode, header: hr.Header, raw: raw}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &r.env); err != nil {
			t.Fatalf("%s %s: body %q: %v", method, path, raw, err)
		}
	}
	return r
}

func wantErr(t testing.TB, r resp, status, code int, msg any) {
	t.Helper()
	if r.status != status || r.code() != code {
		t.Fatalf("got HTTP %d code %d (%s), want HTTP %d code %d", r.status, r.code(), r.raw, status, code)
	}
	if _, has := r.env["data"]; has {
		t.Errorf("error body has data key: %s", r.raw)
	}
	if r.env["success"] != false {
		t.Errorf("success = %v", r.env["success"])
	}
	if msg != nil {
		got, _ := json.Marshal(r.msg())
		want, _ := json.Marshal(msg)
		if !bytes.Equal(got, want) {
			t.Errorf("message = %s, want %s", got, want)
		}
	}
}

func wantOK(t testing.TB, r resp, status int) {
	t.Helper()
	if r.status != status || r.code() != 200 || r.env["success"] != true || r.env["message"] != "SUCCESS" {
		t.Fatalf("got HTTP %d body %s, want HTTP %d success", r.status, r.raw, status)
	}
}

// taskSheet seeds a datasheet with common field types.
func taskSheet(t testing.TB, s *Server) *Datasheet {
	t.Helper()
	return s.AddDatasheet(s.SpaceID(), DatasheetSpec{
		Name: "Tasks",
		Fields: []FieldSpec{
			{Name: "Title", Type: "SingleText"},
			{Name: "Count", Type: "Number", Property: map[string]any{"precision": 1}},
			{Name: "Status", Type: "SingleSelect", Property: map[string]any{"options": []any{"Todo", "Done"}}},
			{Name: "Tags", Type: "MultiSelect", Property: map[string]any{"options": []any{"a", "b"}}},
			{Name: "Done", Type: "Checkbox"},
			{Name: "Due", Type: "DateTime", Property: map[string]any{"dateFormat": "YYYY-MM-DD"}},
			{Name: "Ratio", Type: "Percent", Property: map[string]any{"precision": 0}},
		},
		Views: []ViewSpec{
			{Name: "Grid view"},
			{Name: "Open", Filter: `{Done} = FALSE()`, Sort: []SortSpec{{Field: "Count", Desc: true}}, Hidden: []string{"Ratio"}},
		},
		Records: []map[string]any{
			{"Title": "one", "Count": 1, "Status": "Todo", "Tags": []string{"a"}},
			{"Title": "two", "Count": 2, "Status": "Done", "Done": true, "Ratio": 0.5},
			{"Title": "three", "Count": 3, "Tags": []string{"a", "b"}, "Due": 1609459200000},
		},
	})
}

func recordsPath(ds *Datasheet) string { return "/fusion/v1/datasheets/" + ds.ID + "/records" }

// Constants of the fake's model that tests compare answers with.
const (
	assetHost = fake.AssetHost
	userID    = fake.UserID
	userName  = fake.UserName
)

// encodeJSON encodes v as the fake does (no HTML escaping, no newline).
func encodeJSON(v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}
