package apitable

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

// cellsJSON is a record's fields as the server sends them with
// cellFormat=json (server-behaviour.md §8.1), plus a few values of the wrong kind.
const cellsJSON = `{
  "Title": "hello",
  "Blank": "",
  "Amount": 42,
  "Ratio": 0.5,
  "Neg": -3,
  "Huge": 1e300,
  "Done": true,
  "Off": false,
  "Nothing": null,
  "Due": 1659459289000,
  "Tags": ["red", "blue"],
  "NoTags": [],
  "Mixed": ["red", 1],
  "Files": [
    {"id": "atcA", "name": "a.png", "size": 1684539, "mimeType": "image/png",
     "token": "space/2022/08/03/831b", "width": 2592, "height": 3872,
     "url": "https://host/space/2022/08/03/831b", "preview": "https://host/p"},
    {"id": "atcB", "name": "b.pdf", "size": 10, "mimeType": "application/pdf",
     "token": "space/b", "url": "https://host/space/b", "width": null}
  ],
  "BadFiles": [{"token": "t", "size": "big"}],
  "FracFiles": [{"token": "t", "size": 1.5}],
  "NotFiles": ["x"],
  "People": [
    {"id": "1234", "unitId": "5678", "type": "Member", "name": "Ann", "avatar": "https://a"},
    {"id": "99", "type": "Team", "name": "Ops"}
  ],
  "BadPeople": [{"id": 5}],
  "Site": {"title": "Example", "text": "https://example.com", "favicon": ""},
  "SiteText": "https://plain.example",
  "BadSite": {"text": true},
  "Author": {"id": "u-1", "name": "Bob", "avatar": "https://b"},
  "BadAuthor": {"id": "u-1", "name": 2},
  "Docs": [{"documentId": "doc1", "title": "Spec"}],
  "BadDocs": [{"documentId": ["x"]}],
  "Lookup": [1, "x", true, null],
  "Obj": {"a": 1}
}`

func decodeCells(t *testing.T) Fields {
	t.Helper()
	var f Fields
	if err := json.Unmarshal([]byte(cellsJSON), &f); err != nil {
		t.Fatal(err)
	}
	return f
}

// get adapts a getter to a common signature for the tables.
func get[T any](fn func(Fields, string) (T, error), key string) func(Fields) (any, error) {
	return func(f Fields) (any, error) { return fn(f, key) }
}

func TestFieldsGetters(t *testing.T) {
	t.Parallel()
	f := decodeCells(t)
	te := func(field, want, got string) *CellTypeError {
		return &CellTypeError{Field: field, Want: want, Got: got}
	}
	tests := []struct {
		name    string
		get     func(Fields) (any, error)
		want    any
		wantErr error // ErrCellEmpty or a *CellTypeError (compared by value)
	}{
		// Text
		{"Text/present", get(Fields.Text, "Title"), "hello", nil},
		{"Text/empty string", get(Fields.Text, "Blank"), "", nil},
		{"Text/absent", get(Fields.Text, "Missing"), "", ErrCellEmpty},
		{"Text/null", get(Fields.Text, "Nothing"), "", ErrCellEmpty},
		{"Text/number", get(Fields.Text, "Amount"), "", te("Amount", "string", "number")},
		{"Text/array", get(Fields.Text, "Tags"), "", te("Tags", "string", "array")},
		// Number
		{"Number/int", get(Fields.Number, "Amount"), 42.0, nil},
		{"Number/percent fraction", get(Fields.Number, "Ratio"), 0.5, nil},
		{"Number/absent", get(Fields.Number, "Missing"), 0.0, ErrCellEmpty},
		{"Number/null", get(Fields.Number, "Nothing"), 0.0, ErrCellEmpty},
		{"Number/string", get(Fields.Number, "Title"), 0.0, te("Title", "number", "string")},
		{"Number/bool", get(Fields.Number, "Done"), 0.0, te("Done", "number", "boolean")},
		// Int
		{"Int/present", get(Fields.Int, "Amount"), int64(42), nil},
		{"Int/negative", get(Fields.Int, "Neg"), int64(-3), nil},
		{"Int/ms", get(Fields.Int, "Due"), int64(1659459289000), nil},
		{"Int/absent", get(Fields.Int, "Missing"), int64(0), ErrCellEmpty},
		{"Int/null", get(Fields.Int, "Nothing"), int64(0), ErrCellEmpty},
		{"Int/fraction", get(Fields.Int, "Ratio"), int64(0), te("Ratio", "integer", "number")},
		{"Int/out of range", get(Fields.Int, "Huge"), int64(0), te("Huge", "integer in the int64 range", "number")},
		{"Int/string", get(Fields.Int, "Title"), int64(0), te("Title", "integer", "string")},
		// Bool
		{"Bool/checked", get(Fields.Bool, "Done"), true, nil},
		{"Bool/false", get(Fields.Bool, "Off"), false, nil},
		{"Bool/absent is unchecked", get(Fields.Bool, "Missing"), false, nil},
		{"Bool/null is unchecked", get(Fields.Bool, "Nothing"), false, nil},
		{"Bool/string", get(Fields.Bool, "Title"), false, te("Title", "boolean", "string")},
		{"Bool/number", get(Fields.Bool, "Amount"), false, te("Amount", "boolean", "number")},
		// Time
		{"Time/ms", get(Fields.Time, "Due"), time.Date(2022, 8, 2, 16, 54, 49, 0, time.UTC), nil},
		{"Time/absent", get(Fields.Time, "Missing"), time.Time{}, ErrCellEmpty},
		{"Time/null", get(Fields.Time, "Nothing"), time.Time{}, ErrCellEmpty},
		{"Time/string", get(Fields.Time, "Title"), time.Time{}, te("Title", "millisecond timestamp", "string")},
		{"Time/out of range", get(Fields.Time, "Huge"), time.Time{}, te("Huge", "millisecond timestamp in the int64 range", "number")},
		// Strings
		{"Strings/present", get(Fields.Strings, "Tags"), []string{"red", "blue"}, nil},
		{"Strings/empty array", get(Fields.Strings, "NoTags"), []string{}, nil},
		{"Strings/absent", get(Fields.Strings, "Missing"), []string(nil), ErrCellEmpty},
		{"Strings/null", get(Fields.Strings, "Nothing"), []string(nil), ErrCellEmpty},
		{"Strings/scalar", get(Fields.Strings, "Title"), []string(nil), te("Title", "array of strings", "string")},
		{"Strings/mixed", get(Fields.Strings, "Mixed"), []string(nil), te("Mixed[1]", "string", "number")},
		// Attachments
		{"Attachments/present", get(Fields.Attachments, "Files"), []Attachment{
			{ID: "atcA", Token: "space/2022/08/03/831b", Name: "a.png", Size: 1684539, MimeType: "image/png", //nolint:gosec // G101: an attachment token (a file path), not a credential
				Width: 2592, Height: 3872, URL: "https://host/space/2022/08/03/831b", Preview: "https://host/p"},
			{ID: "atcB", Token: "space/b", Name: "b.pdf", Size: 10, MimeType: "application/pdf", URL: "https://host/space/b"},
		}, nil},
		{"Attachments/absent", get(Fields.Attachments, "Missing"), []Attachment(nil), ErrCellEmpty},
		{"Attachments/null", get(Fields.Attachments, "Nothing"), []Attachment(nil), ErrCellEmpty},
		{"Attachments/object", get(Fields.Attachments, "Obj"), []Attachment(nil), te("Obj", "array of attachment objects", "object")},
		{"Attachments/string element", get(Fields.Attachments, "NotFiles"), []Attachment(nil), te("NotFiles[0]", "attachment object", "string")},
		{"Attachments/bad member", get(Fields.Attachments, "BadFiles"), []Attachment(nil), te("BadFiles[0].size", "integer", "string")},
		{"Attachments/fractional size", get(Fields.Attachments, "FracFiles"), []Attachment(nil), te("FracFiles[0].size", "integer", "number")},
		// Members
		{"Members/present", get(Fields.Members, "People"), []Member{
			{ID: "1234", UnitID: "5678", Type: "Member", Name: "Ann", Avatar: "https://a"},
			{ID: "99", Type: "Team", Name: "Ops"},
		}, nil},
		{"Members/absent", get(Fields.Members, "Missing"), []Member(nil), ErrCellEmpty},
		{"Members/null", get(Fields.Members, "Nothing"), []Member(nil), ErrCellEmpty},
		{"Members/string", get(Fields.Members, "Title"), []Member(nil), te("Title", "array of member objects", "string")},
		{"Members/bad member", get(Fields.Members, "BadPeople"), []Member(nil), te("BadPeople[0].id", "string", "number")},
		// URL
		{"URL/object", get(Fields.URL, "Site"), URL{Text: "https://example.com", Title: "Example"}, nil},
		{"URL/plain string", get(Fields.URL, "SiteText"), URL{Text: "https://plain.example"}, nil},
		{"URL/absent", get(Fields.URL, "Missing"), URL{}, ErrCellEmpty},
		{"URL/null", get(Fields.URL, "Nothing"), URL{}, ErrCellEmpty},
		{"URL/number", get(Fields.URL, "Amount"), URL{}, te("Amount", "URL object or string", "number")},
		{"URL/bad member", get(Fields.URL, "BadSite"), URL{}, te("BadSite.text", "string", "boolean")},
		// User
		{"User/present", get(Fields.User, "Author"), User{ID: "u-1", Name: "Bob", Avatar: "https://b"}, nil},
		{"User/absent", get(Fields.User, "Missing"), User{}, ErrCellEmpty},
		{"User/null", get(Fields.User, "Nothing"), User{}, ErrCellEmpty},
		{"User/array", get(Fields.User, "People"), User{}, te("People", "user object", "array")},
		{"User/bad member", get(Fields.User, "BadAuthor"), User{}, te("BadAuthor.name", "string", "number")},
		// WorkDocs
		{"WorkDocs/present", get(Fields.WorkDocs, "Docs"), []WorkDoc{{DocumentID: "doc1", Title: "Spec"}}, nil},
		{"WorkDocs/absent", get(Fields.WorkDocs, "Missing"), []WorkDoc(nil), ErrCellEmpty},
		{"WorkDocs/null", get(Fields.WorkDocs, "Nothing"), []WorkDoc(nil), ErrCellEmpty},
		{"WorkDocs/bool", get(Fields.WorkDocs, "Done"), []WorkDoc(nil), te("Done", "array of work doc objects", "boolean")},
		{"WorkDocs/bad member", get(Fields.WorkDocs, "BadDocs"), []WorkDoc(nil), te("BadDocs[0].documentId", "string", "array")},
		// Values
		{"Values/array", get(Fields.Values, "Lookup"), []any{1.0, "x", true, nil}, nil},
		{"Values/scalar is one element", get(Fields.Values, "Amount"), []any{42.0}, nil},
		{"Values/object is one element", get(Fields.Values, "Obj"), []any{map[string]any{"a": 1.0}}, nil},
		{"Values/absent", get(Fields.Values, "Missing"), []any(nil), ErrCellEmpty},
		{"Values/null", get(Fields.Values, "Nothing"), []any(nil), ErrCellEmpty},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := tt.get(f)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("value mismatch (-want +got):\n%s", diff)
			}
			switch want := tt.wantErr.(type) { //nolint:errorlint // switches on the table's expected error, not on a returned one
			case nil:
				if err != nil {
					t.Fatalf("err = %v, want nil", err)
				}
			case *CellTypeError:
				var cte *CellTypeError
				if !errors.As(err, &cte) {
					t.Fatalf("err = %v, want *CellTypeError", err)
				}
				if diff := cmp.Diff(want, cte); diff != "" {
					t.Errorf("CellTypeError mismatch (-want +got):\n%s", diff)
				}
				if errors.Is(err, ErrCellEmpty) || errors.Is(err, ErrInvalidRequest) {
					t.Errorf("type error %v matches a sentinel", err)
				}
			default:
				if !errors.Is(err, want) {
					t.Fatalf("err = %v, want %v", err, want)
				}
				if errors.Is(err, ErrInvalidRequest) {
					t.Errorf("%v matches ErrInvalidRequest", err)
				}
			}
		})
	}
}

func TestFieldsHas(t *testing.T) {
	t.Parallel()
	f := decodeCells(t)
	for key, want := range map[string]bool{"Title": true, "Blank": true, "Off": true, "NoTags": true, "Nothing": false, "Missing": false} {
		if got := f.Has(key); got != want {
			t.Errorf("Has(%q) = %v, want %v", key, got, want)
		}
	}
	var nilFields Fields
	if nilFields.Has("x") {
		t.Error("nil Fields has a cell")
	}
	if _, err := nilFields.Text("x"); !errors.Is(err, ErrCellEmpty) {
		t.Errorf("nil Fields Text err = %v", err)
	}
}

// TestRecordCells reads cells through Record's own decoder, the path a
// client takes.
func TestRecordCells(t *testing.T) {
	t.Parallel()
	var r Record
	body := `{"recordId":"recA","createdAt":1609459200000,"fields":{"Name":"x","Due":1609459200000,"Done":true}}`
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		t.Fatal(err)
	}
	due, err := r.Fields.Time("Due")
	if err != nil || !due.Equal(r.CreatedAt) || due.Location() != time.UTC {
		t.Errorf("Time = %v, %v; want %v UTC", due, err, r.CreatedAt)
	}
	if name, err := r.Fields.Text("Name"); name != "x" || err != nil {
		t.Errorf("Text = %q, %v", name, err)
	}
	if done, err := r.Fields.Bool("Done"); !done || err != nil {
		t.Errorf("Bool(Done) = %v, %v", done, err)
	}
	if flag, err := r.Fields.Bool("Flag"); flag || err != nil {
		t.Errorf("Bool(Flag) = %v, %v; want false, nil", flag, err)
	}
}

// TestFieldsTypedValues reads back values a caller put into Fields.
func TestFieldsTypedValues(t *testing.T) {
	t.Parallel()
	when := time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)
	files := []Attachment{{Token: "t", Name: "n"}}
	f := Fields{
		"when": when, "files": files, "url": URL{Text: "https://x"}, "tags": []string{"a"},
		"n": 7, "big": uint64(math.MaxUint64), "num": json.Number("12"), "f32": float32(1.5),
		"mixed":   []any{Attachment{Token: "t2", Name: "n2"}, map[string]any{"token": "t3", "name": "n3"}},
		"nilTime": (*time.Time)(nil), "nilURL": (*URL)(nil), "user": User{ID: "u"},
	}
	check := func(name string, got, want any, err error) {
		t.Helper()
		if err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", name, diff)
		}
	}
	tm, err := f.Time("when")
	check("Time", tm, when, err)
	fs, err := f.Attachments("files")
	check("Attachments", fs, files, err)
	fs[0].Name = "changed"
	if files[0].Name != "n" {
		t.Error("Attachments returned the caller's slice")
	}
	mixed, err := f.Attachments("mixed")
	check("Attachments mixed", mixed, []Attachment{{Token: "t2", Name: "n2"}, {Token: "t3", Name: "n3"}}, err)
	u, err := f.URL("url")
	check("URL", u, URL{Text: "https://x"}, err)
	ss, err := f.Strings("tags")
	check("Strings", ss, []string{"a"}, err)
	vs, err := f.Values("tags")
	check("Values typed slice", vs, []any{"a"}, err)
	n, err := f.Int("n")
	check("Int int", n, int64(7), err)
	n, err = f.Int("num")
	check("Int json.Number", n, int64(12), err)
	x, err := f.Number("f32")
	check("Number float32", x, 1.5, err)
	usr, err := f.User("user")
	check("User", usr, User{ID: "u"}, err)
	if _, err := f.Int("big"); err == nil {
		t.Error("Int(MaxUint64) succeeded")
	}
	if _, err := f.Time("nilTime"); !errors.Is(err, ErrCellEmpty) {
		t.Errorf("Time(nil *time.Time) err = %v", err)
	}
	if _, err := f.URL("nilURL"); !errors.Is(err, ErrCellEmpty) {
		t.Errorf("URL(nil *URL) err = %v", err)
	}
	if f.Has("nilURL") {
		t.Error("Has(nil *URL) = true")
	}
	var cte *CellTypeError
	if _, err := f.Text("when"); !errors.As(err, &cte) || cte.Got != "time.Time" {
		t.Errorf("Text(time.Time) err = %v, want Got time.Time", err)
	}
}

func TestCellTypeErrorMessage(t *testing.T) {
	t.Parallel()
	err := error(&CellTypeError{Field: "Files[2].size", Want: "integer", Got: "string"})
	if got, want := err.Error(), `apitable: field "Files[2].size": got string, want integer`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestEncodeCell(t *testing.T) {
	t.Parallel()
	when := time.Date(2021, 1, 1, 8, 0, 0, 0, time.FixedZone("CST", 8*3600)) // 2021-01-01T00:00Z
	whenPtr := &when
	tests := []struct {
		name string
		in   any
		want string // exact JSON of the result
	}{
		{"nil clears", nil, `null`},
		{"string", "hello", `"hello"`},
		{"int", 42, `42`},
		{"float", 0.5, `0.5`},
		{"float32", float32(1.5), `1.5`},
		{"bool", true, `true`},
		{"link ids", []string{"recA", "recB"}, `["recA","recB"]`},
		{"raw", json.RawMessage(`{"x":1}`), `{"x":1}`},
		{"map passes through", map[string]any{"text": "https://x", "favicon": "f"}, `{"favicon":"f","text":"https://x"}`},
		{"time as ms", when, `1609459200000`},
		{"time pointer", whenPtr, `1609459200000`},
		{"nil time pointer", (*time.Time)(nil), `null`},
		{"time before epoch", time.Date(1969, 12, 31, 23, 59, 59, 999e6, time.UTC), `-1`},
		{"attachment", Attachment{ID: "atc1", Token: "space/t", Name: "a.png", Size: 3, MimeType: "image/png", Width: 1, Height: 2, URL: "https://u", Preview: "https://p"},
			`[{"token":"space/t","name":"a.png"}]`},
		{"attachment pointer", &Attachment{Token: "t", Name: "n"}, `[{"token":"t","name":"n"}]`},
		{"nil attachment pointer", (*Attachment)(nil), `null`},
		{"attachments", []Attachment{{Token: "t1", Name: "n1", URL: "u"}, {Token: "t2", Name: "n2"}},
			`[{"token":"t1","name":"n1"},{"token":"t2","name":"n2"}]`},
		{"no attachments clears", []Attachment{}, `[]`},
		{"nil attachments", []Attachment(nil), `null`},
		{"url", URL{Text: "https://example.com", Title: "Example", Favicon: "https://f"}, `{"text":"https://example.com","title":"Example"}`},
		{"url without title", URL{Text: "https://example.com"}, `{"text":"https://example.com"}`},
		{"url pointer", &URL{Text: "https://x"}, `{"text":"https://x"}`},
		{"nil url pointer", (*URL)(nil), `null`},
		{"member read value", Member{ID: "1234", UnitID: "5678", Type: "Member", Name: "Ann", Avatar: "a"}, `[{"id":"1234"}]`},
		{"members", []Member{{ID: "1"}, {UnitID: "2"}, {Name: "Ops", Type: "Team"}}, `[{"id":"1"},{"unitId":"2"},{"name":"Ops","type":"Team"}]`},
		{"member pointer", &Member{ID: "1"}, `[{"id":"1"}]`},
		{"member by id", MemberByID("1234"), `[{"id":"1234"}]`},
		{"member by unit id", MemberByUnitID("5678"), `[{"unitId":"5678"}]`},
		{"member by name", MemberByName("Ann", "Member"), `[{"name":"Ann","type":"Member"}]`},
		{"member ref pointer", &[]MemberRef{MemberByID("1")}[0], `[{"id":"1"}]`},
		{"nil member ref pointer", (*MemberRef)(nil), `null`},
		{"member refs", []MemberRef{MemberByID("1"), MemberByName("Ops", "Team")}, `[{"id":"1"},{"name":"Ops","type":"Team"}]`},
		{"no members clears", []MemberRef{}, `[]`},
		{"[]any of typed elements", []any{MemberByID("1"), Member{ID: "2"}, Attachment{Token: "t", Name: "n"}, when, 1.5, "s"},
			`[{"id":"1"},{"id":"2"},{"token":"t","name":"n"},1609459200000,1.5,"s"]`},
		{"[]any plain", []any{"a", 1.0}, `["a",1]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := encodeCell(tt.in)
			if err != nil {
				t.Fatalf("encodeCell: %v", err)
			}
			b, err := json.Marshal(got)
			if err != nil {
				t.Fatalf("marshal: %v", err)
			}
			if string(b) != tt.want {
				t.Errorf("wire = %s, want %s", b, tt.want)
			}
		})
	}
}

func TestEncodeCellInvalid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		in        any
		wantField string // Field of the error from encodeFields under key "k"
		reason    string // substring of Reason
	}{
		{"NaN", math.NaN(), "k", "not finite"},
		{"+Inf", math.Inf(1), "k", "not finite"},
		{"-Inf float32", float32(math.Inf(-1)), "k", "not finite"},
		{"NaN in []any", []any{1.0, math.NaN()}, "k[1]", "not finite"},
		{"zero time", time.Time{}, "k", "zero time"},
		{"zero time pointer", &time.Time{}, "k", "zero time"},
		{"time beyond JS Date", time.Date(300000, 1, 1, 0, 0, 0, 0, time.UTC), "k", "out of the server's range"},
		{"time far beyond int64 ms", time.Unix(math.MaxInt64/2, 0), "k", "out of the server's range"},
		{"url without text", URL{Title: "t"}, "k", "URL text"},
		{"attachment without token", Attachment{Name: "n"}, "k[0]", "token"},
		{"attachment without name", []Attachment{{Token: "t", Name: "n"}, {Token: "t"}}, "k[1]", "name"},
		{"attachment in []any", []any{Attachment{Token: "t"}}, "k[0]", "name"},
		{"member name empty", MemberByName("", "Member"), "k[0]", "name is empty"},
		{"member bad type", MemberByName("Ann", "Guest"), "k[0]", `"Guest"`},
		{"member type number", MemberByName("Ann", "3"), "k[0]", "neither Member nor Team"},
		{"zero member ref", MemberRef{}, "k[0]", "empty member reference"},
		{"member without id", []Member{{ID: "1"}, {}}, "k[1]", "neither ID"},
		{"member with name bad type", Member{Name: "Ann"}, "k[0]", "neither Member nor Team"},
		{"NaN in a map", map[string]any{"x": math.NaN()}, "k", "cannot be encoded as JSON"},
		{"NaN in []float64", []float64{1, math.Inf(1)}, "k", "cannot be encoded as JSON"},
		{"invalid raw JSON", json.RawMessage(`{`), "k", "cannot be encoded as JSON"},
		{"channel", make(chan int), "k", "cannot be encoded as JSON"},
		{"bad MemberRef in a map", map[string]any{"m": MemberRef{}}, "k", "empty member reference"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, err := encodeCell(tt.in); !errors.Is(err, ErrInvalidRequest) {
				t.Fatalf("encodeCell err = %v, want ErrInvalidRequest", err)
			}
			in := Fields{"ok": "x", "k": tt.in}
			out, err := encodeFields(in)
			if out != nil {
				t.Errorf("encodeFields returned %v with an error", out)
			}
			var ve *ValidationError
			if !errors.As(err, &ve) || !errors.Is(err, ErrInvalidRequest) {
				t.Fatalf("encodeFields err = %v, want *ValidationError", err)
			}
			if errors.Is(err, ErrCellEmpty) {
				t.Error("validation error matches ErrCellEmpty")
			}
			if ve.Field != tt.wantField || !strings.Contains(ve.Reason, tt.reason) {
				t.Errorf("got Field %q Reason %q, want Field %q and %q in Reason", ve.Field, ve.Reason, tt.wantField, tt.reason)
			}
		})
	}
}

func TestEncodeFields(t *testing.T) {
	t.Parallel()
	when := time.UnixMilli(1609459200000).UTC()
	tags := []string{"a", "b"}
	mixed := []any{MemberByID("1"), "x"}
	in := Fields{
		"Name":   "x",
		"Due":    when,
		"Tags":   tags,
		"Files":  []Attachment{{ID: "atc", Token: "t", Name: "n", URL: "u"}},
		"Site":   URL{Text: "https://x", Favicon: "f"},
		"Owner":  MemberByName("Ann", "Member"),
		"Mixed":  mixed,
		"Clear":  nil,
		"Raw":    json.RawMessage(`[1,2]`),
		"Nested": map[string]any{"t": when},
	}
	before := Fields{}
	for k, v := range in {
		before[k] = v
	}
	out, err := encodeFields(in)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"Clear":null,"Due":1609459200000,"Files":[{"token":"t","name":"n"}],"Mixed":[{"id":"1"},"x"],` +
		`"Name":"x","Nested":{"t":"2021-01-01T00:00:00Z"},"Owner":[{"name":"Ann","type":"Member"}],"Raw":[1,2],` +
		`"Site":{"text":"https://x"},"Tags":["a","b"]}`
	// Nested maps are not walked: a time.Time inside one keeps its
	// encoding/json form.
	var gotV, wantV map[string]any
	if err := json.Unmarshal(b, &gotV); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(want), &wantV); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wantV, gotV); diff != "" {
		t.Errorf("wire mismatch (-want +got):\n%s", diff)
	}
	// The caller's map and slices are untouched.
	if diff := cmp.Diff(before, in, cmp.AllowUnexported(MemberRef{}), cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })); diff != "" {
		t.Errorf("input mutated (-before +after):\n%s", diff)
	}
	if _, ok := mixed[0].(MemberRef); !ok {
		t.Errorf("[]any element replaced in the caller's slice: %#v", mixed[0])
	}
	if out["Tags"].([]string)[0] != "a" {
		t.Error("tags changed")
	}

	empty, err := encodeFields(nil)
	if err != nil || empty == nil || len(empty) != 0 {
		t.Errorf("encodeFields(nil) = %v, %v; want empty map", empty, err)
	}
}

// TestEncodeFieldsFirstErrorSorted checks that the reported cell does not
// depend on map order.
func TestEncodeFieldsFirstErrorSorted(t *testing.T) {
	t.Parallel()
	in := Fields{"b": math.NaN(), "a": URL{}, "c": time.Time{}}
	for range 20 {
		_, err := encodeFields(in)
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Field != "a" {
			t.Fatalf("err = %v, want Field a", err)
		}
	}
}

func TestMemberRef(t *testing.T) {
	t.Parallel()
	tests := []struct {
		ref     MemberRef
		json    string
		str     string
		wantErr bool
	}{
		{MemberByID("1"), `{"id":"1"}`, `MemberByID("1")`, false},
		{MemberByUnitID("2"), `{"unitId":"2"}`, `MemberByUnitID("2")`, false},
		{MemberByName("Ops", "Team"), `{"name":"Ops","type":"Team"}`, `MemberByName("Ops", "Team")`, false},
		{MemberByName("Ops", "team"), ``, `MemberByName("Ops", "team")`, true},
		{MemberRef{}, ``, `MemberByName("", "")`, true},
	}
	for _, tt := range tests {
		t.Run(tt.str, func(t *testing.T) {
			t.Parallel()
			b, err := json.Marshal(tt.ref)
			if tt.wantErr {
				if !errors.Is(err, ErrInvalidRequest) {
					t.Errorf("Marshal err = %v, want ErrInvalidRequest", err)
				}
			} else if err != nil || string(b) != tt.json {
				t.Errorf("Marshal = %s, %v; want %s", b, err, tt.json)
			}
			if got := tt.ref.String(); got != tt.str {
				t.Errorf("String() = %q, want %q", got, tt.str)
			}
		})
	}
}

// TestReadWriteRoundTrip checks that the read forms of server-behaviour.md §8.1 written back
// through encodeCell give the write forms of server-behaviour.md §8.1.
func TestReadWriteRoundTrip(t *testing.T) {
	t.Parallel()
	f := decodeCells(t)
	files, err := f.Attachments("Files")
	if err != nil {
		t.Fatal(err)
	}
	people, err := f.Members("People")
	if err != nil {
		t.Fatal(err)
	}
	site, err := f.URL("Site")
	if err != nil {
		t.Fatal(err)
	}
	due, err := f.Time("Due")
	if err != nil {
		t.Fatal(err)
	}
	out, err := encodeFields(Fields{"Files": files, "People": people, "Site": site, "Due": due})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"Due":1659459289000,"Files":[{"token":"space/2022/08/03/831b","name":"a.png"},{"token":"space/b","name":"b.pdf"}],` +
		`"People":[{"id":"1234"},{"id":"99"}],"Site":{"text":"https://example.com","title":"Example"}}`
	if string(b) != want {
		t.Errorf("wire =\n%s\nwant\n%s", b, want)
	}
}

func TestFieldType(t *testing.T) {
	t.Parallel()
	type props struct{ link, computed, readOnly, primary bool }
	tests := map[FieldType]props{
		FieldSingleText:       {primary: true},
		FieldText:             {primary: true},
		FieldNumber:           {primary: true},
		FieldCurrency:         {primary: true},
		FieldPercent:          {primary: true},
		FieldRating:           {},
		FieldCheckbox:         {},
		FieldSingleSelect:     {},
		FieldMultiSelect:      {},
		FieldDateTime:         {primary: true},
		FieldAttachment:       {},
		FieldURL:              {primary: true},
		FieldEmail:            {primary: true},
		FieldPhone:            {primary: true},
		FieldMember:           {},
		FieldMagicLink:        {link: true},
		FieldTwoWayLink:       {link: true},
		FieldOneWayLink:       {link: true},
		FieldMagicLookUp:      {computed: true, readOnly: true},
		FieldFormula:          {computed: true, readOnly: true, primary: true},
		FieldAutoNumber:       {computed: true, readOnly: true, primary: true},
		FieldCreatedTime:      {computed: true, readOnly: true},
		FieldLastModifiedTime: {computed: true, readOnly: true},
		FieldCreatedBy:        {computed: true, readOnly: true},
		FieldLastModifiedBy:   {computed: true, readOnly: true},
		FieldCascader:         {},
		FieldButton:           {readOnly: true},
		FieldWorkDoc:          {readOnly: true},
		FieldNotSupport:       {readOnly: true},
	}
	if len(tests) != 29 {
		t.Fatalf("%d types in the table, want the 29 of server-behaviour.md §8", len(tests))
	}
	for ft, want := range tests {
		t.Run(string(ft), func(t *testing.T) {
			t.Parallel()
			got := props{ft.IsLink(), ft.IsComputed(), ft.ReadOnly(), ft.CanBePrimary()}
			if got != want {
				t.Errorf("got %+v, want %+v", got, want)
			}
			if !ft.Known() {
				t.Error("not Known")
			}
			wantCanon := ft
			if ft == FieldMagicLink {
				wantCanon = FieldTwoWayLink
			}
			if c := ft.Canonical(); c != wantCanon {
				t.Errorf("Canonical() = %q, want %q", c, wantCanon)
			}
		})
	}
	unknown := FieldType("Hologram")
	if unknown.Known() || unknown.ReadOnly() || unknown.IsLink() || unknown.CanBePrimary() || unknown.Canonical() != unknown {
		t.Error("unknown type has properties")
	}
	if FieldType("twoWayLink").IsLink() {
		t.Error("type names are case-sensitive")
	}
}

// callAll calls every getter on key and checks the invariants that hold
// for any cell.
func callAll(t *testing.T, f Fields, key string) {
	t.Helper()
	has := f.Has(key)
	errs := []error{}
	add := func(_ any, err error) { errs = append(errs, err) }
	add(f.Text(key))
	add(f.Number(key))
	add(f.Int(key))
	add(f.Time(key))
	add(f.Strings(key))
	add(f.Attachments(key))
	add(f.Members(key))
	add(f.URL(key))
	add(f.User(key))
	add(f.WorkDocs(key))
	add(f.Values(key))
	b, bErr := f.Bool(key)
	for i, err := range errs {
		empty := errors.Is(err, ErrCellEmpty)
		if empty == has {
			t.Fatalf("getter %d on %q: Has=%v but err=%v", i, key, has, err)
		}
		var cte *CellTypeError
		if err != nil && !empty && !errors.As(err, &cte) {
			t.Fatalf("getter %d on %q: unexpected error type %T: %v", i, key, err, err)
		}
		if errors.Is(err, ErrInvalidRequest) {
			t.Fatalf("getter %d on %q: %v matches ErrInvalidRequest", i, key, err)
		}
		if cte != nil && cte.Error() == "" {
			t.Fatal("empty error message")
		}
	}
	if !has && (b || bErr != nil) {
		t.Fatalf("Bool on empty %q = %v, %v", key, b, bErr)
	}
	if vs, err := f.Values(key); has && (err != nil || len(vs) == 0 && !isEmptyArray(f[key])) {
		t.Fatalf("Values(%q) = %v, %v", key, vs, err)
	}
}

func isEmptyArray(v any) bool {
	a, ok := v.([]any)
	return ok && len(a) == 0
}

func FuzzFieldsAccessors(f *testing.F) {
	f.Add([]byte(cellsJSON))
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"a":null,"b":[null,{"size":1e30}],"c":{"text":{}},"d":-1e19,"e":[{"width":1e10}]}`))
	f.Add([]byte(`{"x":[{"id":"1","unitId":2}],"y":9.3e18,"z":[[]],"w":"\u0000"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var fields Fields
		if err := json.Unmarshal(data, &fields); err != nil {
			return
		}
		for key := range fields {
			callAll(t, fields, key)
		}
		callAll(t, fields, "\x00missing")
		// Whatever the server sent can be written back as is.
		out, err := encodeFields(fields)
		if err != nil {
			t.Fatalf("encodeFields of decoded JSON: %v", err)
		}
		if _, err := json.Marshal(out); err != nil {
			t.Fatalf("marshal: %v", err)
		}
	})
}

func FuzzEncodeCell(f *testing.F) {
	f.Add(uint8(0), "space/t", "a.png", 0.0, int64(1609459200000))
	f.Add(uint8(1), "https://x", "", 0.0, int64(0))
	f.Add(uint8(2), "", "Team", 0.0, int64(0))
	f.Add(uint8(3), "Ann", "Member", 0.0, int64(-1))
	f.Add(uint8(4), "", "", math.Inf(1), int64(0))
	f.Add(uint8(5), "", "", 0.0, int64(math.MaxInt64))
	f.Add(uint8(6), "1", "2", math.NaN(), int64(7))
	f.Add(uint8(7), "\xff", "", 1.5, int64(math.MinInt64))
	f.Add(uint8(8), "x", "", math.Copysign(0, -1), int64(1))
	f.Add(uint8(9), "", "n", 0.0, int64(1))
	f.Add(uint8(1), "000000", "\xd8\xc9", 0.0, int64(0)) // invalid UTF-8 in a title
	f.Add(uint8(14), "Ann", "Member", math.NaN(), int64(0))
	f.Add(uint8(15), `{"text":"x"}`, "", 0.0, int64(0))
	f.Fuzz(func(t *testing.T, kind uint8, s1, s2 string, x float64, n int64) {
		var v any
		switch kind % 16 {
		case 0:
			v = Attachment{Token: s1, Name: s2, Size: n, Width: int(n)}
		case 1:
			v = URL{Text: s1, Title: s2, Favicon: s2}
		case 2:
			v = MemberByID(s1)
		case 3:
			v = MemberByName(s1, s2)
		case 4:
			v = x
		case 5:
			v = time.UnixMilli(n)
		case 6:
			v = []any{x, s1, MemberByUnitID(s2), time.Unix(n, 0)}
		case 7:
			v = time.Unix(n, int64(x))
		case 8:
			v = []Member{{ID: s1, Name: s2, Type: s2}}
		case 9:
			v = []Attachment{{Token: s1, Name: s2}, {Token: s2, Name: s1}}
		case 10:
			v = float32(x)
		case 11:
			v = &URL{Text: s1}
		case 12:
			v = []MemberRef{MemberByName(s1, s2), MemberByID(s2)}
		case 13:
			v = Member{UnitID: s1, Name: s2}
		case 14:
			v = map[string]any{"x": x, s1: []any{MemberByName(s2, s1)}}
		case 15:
			v = json.RawMessage(s1)
		}
		got, err := encodeCell(v)
		if err != nil {
			var ve *ValidationError
			if !errors.As(err, &ve) || !errors.Is(err, ErrInvalidRequest) {
				t.Fatalf("encodeCell(%#v) error %T %v is not a ValidationError", v, err, err)
			}
			return
		}
		b, err := json.Marshal(got)
		if err != nil {
			t.Fatalf("encodeCell(%#v) = %#v, which does not marshal: %v", v, got, err)
		}
		// Written values read back as what was written.
		var back Fields
		if err := json.Unmarshal([]byte(`{"k":`+string(b)+`}`), &back); err != nil {
			t.Fatalf("wire %s does not decode: %v", b, err)
		}
		switch w := v.(type) {
		case time.Time:
			tm, err := back.Time("k")
			if err != nil || tm.UnixMilli() != w.UnixMilli() {
				t.Fatalf("time %v wrote %s read back %v, %v", w, b, tm, err)
			}
		case URL:
			u, err := back.URL("k")
			if !utf8.ValidString(w.Text) || !utf8.ValidString(w.Title) {
				return // encoding/json replaces invalid bytes
			}
			if err != nil || u.Text != w.Text || u.Title != w.Title {
				t.Fatalf("URL %#v wrote %s read back %#v, %v", w, b, u, err)
			}
		}
	})
}
