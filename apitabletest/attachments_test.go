package apitabletest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// multipartBody builds an upload body with the given file parts (name →
// content) plus an optional plain form field.
func multipartBody(t testing.TB, files [][2]string, field bool) (string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if field {
		_ = mw.WriteField("note", "not a file")
	}
	for _, f := range files {
		w, err := mw.CreateFormFile("file", f[0])
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.WriteString(w, f[1])
	}
	_ = mw.Close()
	return mw.FormDataContentType(), buf.Bytes()
}

// upload posts raw bytes with a content type through the in-memory transport.
func upload(t testing.TB, s *Server, dst, ct string, body []byte) resp {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), "POST", "http://fake/fusion/v1/datasheets/"+dst+"/attachments", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+s.Token())
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	hr, err := s.Transport().RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = hr.Body.Close() }()
	return decodeResp(t, hr)
}

func decodeResp(t testing.TB, hr *http.Response) resp {
	t.Helper()
	raw, _ := io.ReadAll(hr.Body)
	r := resp{status: hr.StatusCode, header: hr.Header, raw: raw}
	if err := json.Unmarshal(raw, &r.env); err != nil {
		t.Fatalf("body %q: %v", raw, err)
	}
	return r
}

func TestUploadAttachmentFake(t *testing.T) {
	t.Parallel()
	s := NewServer(t, WithoutRateLimit())
	ds := taskSheet(t, s)

	ct, body := multipartBody(t, [][2]string{{"a.txt", "hello"}}, true)
	r := upload(t, s, ds.ID, ct, body)
	wantOK(t, r, 201)
	d := r.data()
	tok, _ := d["token"].(string)
	if !regexp.MustCompile(`^space/\d{4}/\d{2}/\d{2}/[0-9a-f]{32}$`).MatchString(tok) {
		t.Errorf("token %q", tok)
	}
	if d["name"] != "a.txt" || d["size"] != float64(5) || d["mimeType"] != "application/octet-stream" || d["url"] != assetHost+tok {
		t.Errorf("data = %v", d)
	}
	if data, ok := s.Attachment(tok); !ok || string(data) != "hello" {
		t.Errorf("stored %q %v", data, ok)
	}
	if got := s.AttachmentUsage(s.SpaceID()); got != 5 {
		t.Errorf("usage %d", got)
	}

	// Two file parts: 428, nothing stored.
	ct, body = multipartBody(t, [][2]string{{"a", "1"}, {"b", "2"}}, false)
	wantErr(t, upload(t, s, ds.ID, ct, body), 200, 428, "You have uploaded the maximum number of attachments")
	// Not multipart.
	wantErr(t, upload(t, s, ds.ID, "application/json", []byte(`{}`)), 200, 400, "Attachment name can't be empty ")
	// No file part.
	ct, body = multipartBody(t, nil, true)
	wantErr(t, upload(t, s, ds.ID, ct, body), 200, 400, "Attachment name can't be empty ")
	// Unknown datasheet.
	ct, body = multipartBody(t, [][2]string{{"a", "1"}}, false)
	wantErr(t, upload(t, s, "dstUNKNOWNUNKNOWN1", ct, body), 200, 301, "Can't find the specified datasheet")
	if got := s.AttachmentUsage(s.SpaceID()); got != 5 {
		t.Errorf("usage after failures %d", got)
	}
	// The upload's bytes are not kept in the request log.
	if reqs := s.Requests(); len(reqs[0].Body) != 0 || !strings.HasSuffix(reqs[0].Path, "/attachments") {
		t.Errorf("logged %d body bytes", len(reqs[0].Body))
	}
}

func TestUploadFaultQuirk(t *testing.T) {
	t.Parallel()
	s := NewServer(t, WithoutRateLimit())
	ds := taskSheet(t, s)
	s.InjectFault(Fault{Path: "/attachments", Status: 201, Code: 200, Message: "Failed to upload attachment "})
	ct, body := multipartBody(t, [][2]string{{"a", "1"}}, false)
	wantErr(t, upload(t, s, ds.ID, ct, body), 201, 200, "Failed to upload attachment ")
}

func TestAttachmentCapacity(t *testing.T) {
	t.Parallel()
	s := NewServer(t, WithoutRateLimit(), WithAttachmentCapacity(10))
	ds := taskSheet(t, s)
	ct, body := multipartBody(t, [][2]string{{"a", "12345678901"}}, false)
	wantErr(t, upload(t, s, ds.ID, ct, body), 200, 426, "The Space has reached its maximum attachment capacity")
	ct, body = multipartBody(t, [][2]string{{"a", "1234567890"}}, false)
	wantOK(t, upload(t, s, ds.ID, ct, body), 201)
	ct, body = multipartBody(t, [][2]string{{"a", "1"}}, false)
	wantErr(t, upload(t, s, ds.ID, ct, body), 200, 426, "The Space has reached its maximum attachment capacity")
	wantErr(t, call(t, s, "GET", "/fusion/v1/datasheets/"+ds.ID+"/attachments/presignedUrl", nil), 200, 426, "The Space has reached its maximum attachment capacity")
	// Another space has its own capacity.
	other := s.AddSpace("other")
	ds2 := s.AddDatasheet(other, DatasheetSpec{Name: "x", Fields: []FieldSpec{{Name: "T", Type: "SingleText"}}})
	wantOK(t, upload(t, s, ds2.ID, ct, body), 201)
}

// TestPermissions runs every role against every operation (server-behaviour.md §4.2, §6.2–§6.9).
func TestPermissions(t *testing.T) {
	t.Parallel()
	const (
		ok     = 0
		noop   = 1 // success, nothing changed
		denied = 601
		opDen  = 602 // "Operation denied"
		nodeP  = 603 // 602 "No permission to operate on the node"
	)
	type op struct {
		name string
		run  func(t *testing.T, s *Server, ds *Datasheet) resp
	}
	recID := func(s *Server, ds *Datasheet) string { return s.Records(ds.ID)[0].ID }
	ops := []op{
		{"list records", func(t *testing.T, s *Server, ds *Datasheet) resp {
			return call(t, s, "GET", recordsPath(ds), nil)
		}},
		{"list fields", func(t *testing.T, s *Server, ds *Datasheet) resp {
			return call(t, s, "GET", "/fusion/v1/datasheets/"+ds.ID+"/fields", nil)
		}},
		{"create records", func(t *testing.T, s *Server, ds *Datasheet) resp {
			return call(t, s, "POST", recordsPath(ds), map[string]any{"records": []any{map[string]any{"fields": map[string]any{"Title": "new"}}}})
		}},
		{"update records", func(t *testing.T, s *Server, ds *Datasheet) resp {
			return call(t, s, "PATCH", recordsPath(ds), map[string]any{"records": []any{map[string]any{"recordId": recID(s, ds), "fields": map[string]any{"Title": "changed", "Status": "Brand new"}}}})
		}},
		{"delete records", func(t *testing.T, s *Server, ds *Datasheet) resp {
			return call(t, s, "DELETE", recordsPath(ds)+"?recordIds="+recID(s, ds), nil)
		}},
		{"create field", func(t *testing.T, s *Server, ds *Datasheet) resp {
			return call(t, s, "POST", "/fusion/v1/spaces/"+s.SpaceID()+"/datasheets/"+ds.ID+"/fields", map[string]any{"name": "Notes", "type": "Text"})
		}},
		{"delete field", func(t *testing.T, s *Server, ds *Datasheet) resp {
			return call(t, s, "DELETE", "/fusion/v1/spaces/"+s.SpaceID()+"/datasheets/"+ds.ID+"/fields/"+ds.FieldIDs["Count"], nil)
		}},
		{"upload", func(t *testing.T, s *Server, ds *Datasheet) resp {
			ct, body := multipartBody(t, [][2]string{{"a", "1"}}, false)
			return upload(t, s, ds.ID, ct, body)
		}},
		{"presigned URL", func(t *testing.T, s *Server, ds *Datasheet) resp {
			return call(t, s, "GET", "/fusion/v1/datasheets/"+ds.ID+"/attachments/presignedUrl", nil)
		}},
		{"list views", func(t *testing.T, s *Server, ds *Datasheet) resp {
			return call(t, s, "GET", "/fusion/v1/datasheets/"+ds.ID+"/views", nil)
		}},
		{"node detail", func(t *testing.T, s *Server, ds *Datasheet) resp {
			return call(t, s, "GET", "/fusion/v1/nodes/"+ds.ID, nil)
		}},
	}
	want := map[Role][]int{
		//               list  fields create update delete fcreate fdelete upload presign views node
		RoleManager: {ok, ok, ok, ok, ok, ok, ok, ok, ok, ok, ok},
		RoleEditor:  {ok, ok, ok, ok, ok, opDen, opDen, ok, ok, ok, ok},
		RoleUpdater: {ok, ok, opDen, ok, opDen, opDen, opDen, ok, ok, ok, ok},
		RoleReader:  {ok, ok, opDen, noop, opDen, opDen, opDen, nodeP, nodeP, ok, ok},
		RoleNone:    {denied, denied, denied, denied, denied, denied, denied, nodeP, nodeP, ok, ok},
	}
	for role, outcomes := range want {
		for i, o := range ops {
			t.Run(fmt.Sprintf("%s/%s", role, o.name), func(t *testing.T) {
				t.Parallel()
				s := NewServer(t, WithoutRateLimit())
				ds := taskSheet(t, s)
				s.SetPermission(ds.ID, role)
				before := s.Records(ds.ID)
				r := o.run(t, s, ds)
				status := 200
				if r.status == 201 || (o.name == "create records" || o.name == "create field" || o.name == "upload") && outcomes[i] == ok {
					status = 201
				}
				switch outcomes[i] {
				case ok:
					wantOK(t, r, status)
				case noop:
					wantOK(t, r, 200)
					if got := s.Records(ds.ID); fmt.Sprint(got) != fmt.Sprint(before) {
						t.Errorf("records changed:\n%v\n%v", before, got)
					}
					if r.records()[0]["fields"].(map[string]any)["Title"] != "one" {
						t.Errorf("response shows a change: %s", r.raw)
					}
				case denied:
					wantErr(t, r, 200, 601, "Access denied")
				case opDen:
					wantErr(t, r, 200, 602, "Operation denied")
					if got := s.Records(ds.ID); fmt.Sprint(got) != fmt.Sprint(before) {
						t.Errorf("records changed")
					}
				case nodeP:
					wantErr(t, r, 200, 602, "No permission to operate on the node")
				}
				if o.name == "node detail" && r.data()["permission"] != float64(role) {
					t.Errorf("permission = %v, want %d", r.data()["permission"], role)
				}
			})
		}
	}
}

func TestSetPermissionNodeListing(t *testing.T) {
	t.Parallel()
	s := NewServer(t, WithoutRateLimit())
	ds := taskSheet(t, s)
	s.SetPermission(ds.ID, RoleUpdater)
	r := call(t, s, "GET", "/fusion/v1/spaces/"+s.SpaceID()+"/nodes", nil)
	wantOK(t, r, 200)
	found := false
	for _, n := range r.data()["nodes"].([]any) {
		m := n.(map[string]any)
		if m["id"] == ds.ID {
			found = true
			if m["permission"] != float64(2) {
				t.Errorf("permission %v", m["permission"])
			}
		}
	}
	if !found {
		t.Fatal("node not listed")
	}
	// v2 search filters by the permission number.
	r = call(t, s, "GET", "/fusion/v2/spaces/"+s.SpaceID()+"/nodes?type=Datasheet&permissions=2", nil)
	wantOK(t, r, 200)
	if n := len(r.data()["nodes"].([]any)); n != 1 {
		t.Errorf("v2 permissions=2: %d nodes", n)
	}
	r = call(t, s, "GET", "/fusion/v2/spaces/"+s.SpaceID()+"/nodes?type=Datasheet&permissions=0", nil)
	if n := len(r.data()["nodes"].([]any)); n != 0 {
		t.Errorf("v2 permissions=0: %d nodes", n)
	}
	if RoleUpdater.String() != "updater" || Role(9).String() != "Role(9)" {
		t.Error("Role.String")
	}
}
