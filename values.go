package apitable

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"time"
)

// ErrCellEmpty is matched by the getters' error when the cell is absent or
// JSON null. The server omits empty cells, so this is the normal answer for
// an empty cell. The getters return a *CellEmptyError that names the field
// and matches ErrCellEmpty; compare with errors.Is. It does not match
// ErrInvalidRequest.
var ErrCellEmpty = errors.New("apitable: cell is empty")

// CellEmptyError is the getters' error for an empty cell: it names the
// field and matches ErrCellEmpty through errors.Is.
//
// A Fields map does not know the datasheet's schema, and the server omits
// empty cells, so an absent key is either an empty cell or a field that
// does not exist (a misspelt name): Absent says only that the key was not
// in the map. To tell the two apart, check the keys you read against the
// datasheet's fields once, with FieldsService.Schema and Schema.Check, or
// let the client check every request with WithSchemaCheck.
type CellEmptyError struct {
	// Field is the key that was read.
	Field string
	// Absent is true when the key was not in the map at all, false when it
	// held JSON null (or a nil pointer).
	Absent bool
}

// Error names the field, e.g. `apitable: field "Title": cell is empty`.
// An absent key adds that it may also be an unknown field.
func (e *CellEmptyError) Error() string {
	if e.Absent {
		return fmt.Sprintf("apitable: field %q: cell is empty (not in the record: an empty cell, or no such field)", e.Field)
	}
	return fmt.Sprintf("apitable: field %q: cell is empty", e.Field)
}

// Unwrap returns ErrCellEmpty.
func (e *CellEmptyError) Unwrap() error { return ErrCellEmpty }

// CellTypeError is returned by the getters of Fields when a cell holds a
// value of another kind than the getter reads (Text on a number, Strings on
// an array with a non-string element …). It does not match ErrInvalidRequest.
type CellTypeError struct {
	// Field is the key of the cell; when an element or member is at fault it
	// is followed by its index and name, e.g. `Files[2]` or `Files[2].size`.
	Field string
	// Want describes what the getter reads, e.g. "string" or "attachment object".
	Want string
	// Got is the JSON kind found: "null", "boolean", "number", "string",
	// "array" or "object"; or the Go type for a value that did not come
	// from JSON.
	Got string
}

// Error returns one line naming the field and both kinds.
func (e *CellTypeError) Error() string {
	return fmt.Sprintf("apitable: field %q: got %s, want %s", e.Field, e.Got, e.Want)
}

// Attachment is one file of an Attachment cell (server-behaviour.md §7.7), and the result of an
// upload (which lacks ID). Read it with Fields.Attachments. To write, put an
// Attachment or []Attachment into Fields: only Token and Name are sent, both
// required.
type Attachment struct {
	ID       string `json:"id,omitempty"`
	Token    string `json:"token"`
	Name     string `json:"name"`
	Size     int64  `json:"size,omitempty"`
	MimeType string `json:"mimeType,omitempty"`
	Width    int    `json:"width,omitempty"`
	Height   int    `json:"height,omitempty"`
	URL      string `json:"url,omitempty"`
	Preview  string `json:"preview,omitempty"`
}

// Member is one unit (member or team) of a Member cell as read with
// Fields.Members. Writing a Member (or []Member) sends a reference by ID, or
// by UnitID when ID is empty; see MemberRef for the other forms.
type Member struct {
	// ID is the unit id used by the API.
	ID string `json:"id,omitempty"`
	// UnitID is the original unit id.
	UnitID string `json:"unitId,omitempty"`
	// Type is "Member" or "Team".
	Type   string `json:"type,omitempty"`
	Name   string `json:"name,omitempty"`
	Avatar string `json:"avatar,omitempty"`
}

// URL is the value of a URL cell as read with Fields.URL. Title falls back to
// Text on the server; Favicon is "" when there is none. Writing a URL sends
// Text (required) and Title (when not empty); Favicon is not sent.
type URL struct {
	Text    string `json:"text"`
	Title   string `json:"title,omitempty"`
	Favicon string `json:"favicon,omitempty"`
}

// User is the value of a CreatedBy or LastModifiedBy cell, read with
// Fields.User. These fields are read-only.
type User struct {
	ID     string `json:"id"`
	Name   string `json:"name,omitempty"`
	Avatar string `json:"avatar,omitempty"`
}

// WorkDoc is one document of a WorkDoc cell, read with Fields.WorkDocs. The
// API accepts only null for WorkDoc cells.
type WorkDoc struct {
	DocumentID string `json:"documentId"`
	Title      string `json:"title,omitempty"`
}

// ---------------------------------------------------------------------------
// Read side

// Has reports whether the cell key holds a value: present and not JSON null
// (nor a nil pointer put in by the caller).
func (f Fields) Has(key string) bool {
	v, ok := f[key]
	return ok && !isNil(v)
}

// cell returns the value of key or a *CellEmptyError.
func (f Fields) cell(key string) (any, error) {
	v, ok := f[key]
	if !ok || isNil(v) {
		return nil, &CellEmptyError{Field: key, Absent: !ok}
	}
	return v, nil
}

// isNil reports whether v is nil or a nil pointer.
func isNil(v any) bool {
	if v == nil {
		return true
	}
	rv := reflect.ValueOf(v)
	return rv.Kind() == reflect.Pointer && rv.IsNil()
}

// Text returns a string cell: SingleText, Text, Email, Phone, SingleSelect,
// Cascader and text-valued Formula or lookup results. It does not convert
// other kinds: a number is a *CellTypeError (read it with Number).
func (f Fields) Text(key string) (string, error) {
	v, err := f.cell(key)
	if err != nil {
		return "", err
	}
	s, ok := v.(string)
	if !ok {
		return "", typeError(key, "string", v)
	}
	return s, nil
}

// Number returns a number cell: Number, Currency, Percent (a fraction: 0.5 is
// 50 %), Rating, AutoNumber and number-valued Formula results. A numeric
// string is a *CellTypeError.
func (f Fields) Number(key string) (float64, error) {
	v, err := f.cell(key)
	if err != nil {
		return 0, err
	}
	n, ok := toFloat(v)
	if !ok {
		return 0, typeError(key, "number", v)
	}
	return n, nil
}

// Int returns a number cell that must be an integer in the int64 range, such
// as AutoNumber or a Number field with precision 0. A fractional number is a
// *CellTypeError with Want "integer".
func (f Fields) Int(key string) (int64, error) {
	v, err := f.cell(key)
	if err != nil {
		return 0, err
	}
	return toInt64(key, v)
}

// Bool returns a Checkbox cell. The server omits unchecked checkboxes, so an
// absent (or null) cell is false with a nil error; only a value of another
// kind is an error.
func (f Fields) Bool(key string) (bool, error) {
	v, err := f.cell(key)
	if errors.Is(err, ErrCellEmpty) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	b, ok := v.(bool)
	if !ok {
		return false, typeError(key, "boolean", v)
	}
	return b, nil
}

// Time returns a DateTime, CreatedTime or LastModifiedTime cell. The API
// sends milliseconds since the epoch; the result is in UTC, rounded to the
// millisecond. A date string is a *CellTypeError. A time.Time put into
// Fields by the caller is returned as is.
func (f Fields) Time(key string) (time.Time, error) {
	v, err := f.cell(key)
	if err != nil {
		return time.Time{}, err
	}
	switch t := v.(type) {
	case time.Time:
		return t, nil
	case *time.Time:
		return *t, nil
	}
	ms, ok := toFloat(v)
	if !ok {
		return time.Time{}, typeError(key, "millisecond timestamp", v)
	}
	ms = math.Round(ms)
	if !(ms >= -(1<<63) && ms < 1<<63) {
		return time.Time{}, &CellTypeError{Field: key, Want: "millisecond timestamp in the int64 range", Got: "number"}
	}
	return time.UnixMilli(int64(ms)).UTC(), nil
}

// Strings returns an array-of-strings cell: MultiSelect option names, the
// record ids of MagicLink/TwoWayLink/OneWayLink cells, or a lookup of text.
// Every element must be a string; a single string is a *CellTypeError. The
// result is a new slice.
func (f Fields) Strings(key string) ([]string, error) {
	v, err := f.cell(key)
	if err != nil {
		return nil, err
	}
	switch a := v.(type) {
	case []string:
		return slices.Clone(a), nil
	case []any:
		out := make([]string, len(a))
		for i, e := range a {
			s, ok := e.(string)
			if !ok {
				return nil, typeError(elemPath(key, i), "string", e)
			}
			out[i] = s
		}
		return out, nil
	}
	return nil, typeError(key, "array of strings", v)
}

// Attachments returns an Attachment cell (server-behaviour.md §7.7). Missing members are left
// zero; a member of the wrong kind is a *CellTypeError naming it.
func (f Fields) Attachments(key string) ([]Attachment, error) {
	return readObjects(f, key, "attachment object", func(r *objReader) Attachment {
		return Attachment{
			ID: r.str("id"), Token: r.str("token"), Name: r.str("name"),
			Size: r.int64("size"), MimeType: r.str("mimeType"),
			Width: r.int("width"), Height: r.int("height"),
			URL: r.str("url"), Preview: r.str("preview"),
		}
	})
}

// Members returns a Member cell: the units it holds, in order.
func (f Fields) Members(key string) ([]Member, error) {
	return readObjects(f, key, "member object", func(r *objReader) Member {
		return Member{
			ID: r.str("id"), UnitID: r.str("unitId"), Type: r.str("type"),
			Name: r.str("name"), Avatar: r.str("avatar"),
		}
	})
}

// WorkDocs returns a WorkDoc cell: the documents it holds, in order.
func (f Fields) WorkDocs(key string) ([]WorkDoc, error) {
	return readObjects(f, key, "work doc object", func(r *objReader) WorkDoc {
		return WorkDoc{DocumentID: r.str("documentId"), Title: r.str("title")}
	})
}

// URL returns a URL cell. The API reads it as an object {title, text,
// favicon}; a plain string (a URL written as text, or a formula) is returned
// as URL{Text: s}.
func (f Fields) URL(key string) (URL, error) {
	v, err := f.cell(key)
	if err != nil {
		return URL{}, err
	}
	switch u := v.(type) {
	case string:
		return URL{Text: u}, nil
	case URL:
		return u, nil
	case *URL:
		return *u, nil
	case map[string]any:
		r := objReader{m: u, path: key}
		out := URL{Text: r.str("text"), Title: r.str("title"), Favicon: r.str("favicon")}
		if r.err != nil {
			return URL{}, r.err
		}
		return out, nil
	}
	return URL{}, typeError(key, "URL object or string", v)
}

// User returns a CreatedBy or LastModifiedBy cell: an object {id, name,
// avatar}.
func (f Fields) User(key string) (User, error) {
	v, err := f.cell(key)
	if err != nil {
		return User{}, err
	}
	switch u := v.(type) {
	case User:
		return u, nil
	case map[string]any:
		r := objReader{m: u, path: key}
		out := User{ID: r.str("id"), Name: r.str("name"), Avatar: r.str("avatar")}
		if r.err != nil {
			return User{}, r.err
		}
		return out, nil
	}
	return User{}, typeError(key, "user object", v)
}

// Values returns a cell as a list of JSON values, for MagicLookUp cells and
// array-valued Formula results. An array is returned as a new slice of its
// elements; any other non-empty value (a scalar Formula result, an object)
// is returned as a one-element slice, so Values never reports a
// *CellTypeError. Elements are as decoded by encoding/json.
func (f Fields) Values(key string) ([]any, error) {
	v, err := f.cell(key)
	if err != nil {
		return nil, err
	}
	if a, ok := v.([]any); ok {
		return slices.Clone(a), nil
	}
	rv := reflect.ValueOf(v)
	if (rv.Kind() == reflect.Slice || rv.Kind() == reflect.Array) && rv.Type().Elem().Kind() != reflect.Uint8 {
		out := make([]any, rv.Len())
		for i := range out {
			out[i] = rv.Index(i).Interface()
		}
		return out, nil
	}
	return []any{v}, nil
}

// readObjects reads an array of objects, or the package's own typed slice of
// T that a caller put into Fields.
func readObjects[T any](f Fields, key, want string, read func(*objReader) T) ([]T, error) {
	v, err := f.cell(key)
	if err != nil {
		return nil, err
	}
	switch a := v.(type) {
	case []T:
		return slices.Clone(a), nil
	case []any:
		out := make([]T, len(a))
		for i, e := range a {
			switch o := e.(type) {
			case T:
				out[i] = o
			case map[string]any:
				r := objReader{m: o, path: elemPath(key, i)}
				out[i] = read(&r)
				if r.err != nil {
					return nil, r.err
				}
			default:
				return nil, typeError(elemPath(key, i), want, e)
			}
		}
		return out, nil
	}
	return nil, typeError(key, "array of "+want+"s", v)
}

// objReader reads members of a decoded JSON object, remembering the first
// member of the wrong kind. Absent and null members read as zero.
type objReader struct {
	m    map[string]any
	path string
	err  error
}

func (r *objReader) get(name string) any {
	v := r.m[name]
	if v == nil || r.err != nil {
		return nil
	}
	return v
}

func (r *objReader) str(name string) string {
	v := r.get(name)
	if v == nil {
		return ""
	}
	s, ok := v.(string)
	if !ok {
		r.err = typeError(r.path+"."+name, "string", v)
	}
	return s
}

func (r *objReader) int64(name string) int64 {
	v := r.get(name)
	if v == nil {
		return 0
	}
	n, err := toInt64(r.path+"."+name, v)
	if err != nil {
		r.err = err
	}
	return n
}

func (r *objReader) int(name string) int {
	n := r.int64(name)
	if n < math.MinInt || n > math.MaxInt {
		if r.err == nil {
			r.err = &CellTypeError{Field: r.path + "." + name, Want: "integer in the int range", Got: "number"}
		}
		return 0
	}
	return int(n)
}

func elemPath(key string, i int) string { return key + "[" + strconv.Itoa(i) + "]" }

func typeError(field, want string, v any) error {
	return &CellTypeError{Field: field, Want: want, Got: jsonKind(v)}
}

// jsonKind names the JSON kind of a decoded value, or the Go type of any
// other value.
func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case float64, float32, json.Number, int, int8, int16, int32, int64,
		uint, uint8, uint16, uint32, uint64:
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

// toFloat converts the numeric values that may sit in Fields: float64 from
// encoding/json, json.Number from a decoder with UseNumber, and Go numbers a
// caller put in. NaN and infinities are not numbers here.
func toFloat(v any) (float64, bool) {
	var f float64
	switch n := v.(type) {
	case float64:
		f = n
	case float32:
		f = float64(n)
	case json.Number:
		x, err := n.Float64()
		if err != nil {
			return 0, false
		}
		f = x
	case int:
		f = float64(n)
	case int8:
		f = float64(n)
	case int16:
		f = float64(n)
	case int32:
		f = float64(n)
	case int64:
		f = float64(n)
	case uint:
		f = float64(n)
	case uint8:
		f = float64(n)
	case uint16:
		f = float64(n)
	case uint32:
		f = float64(n)
	case uint64:
		f = float64(n)
	default:
		return 0, false
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

// toInt64 converts a numeric value that must be integral and fit in int64.
func toInt64(field string, v any) (int64, error) {
	switch n := v.(type) {
	case int:
		return int64(n), nil
	case int64:
		return n, nil
	case int32:
		return int64(n), nil
	case json.Number:
		if i, err := n.Int64(); err == nil {
			return i, nil
		}
	case uint64:
		if n > math.MaxInt64 {
			return 0, &CellTypeError{Field: field, Want: "integer in the int64 range", Got: "number"}
		}
		return int64(n), nil
	}
	f, ok := toFloat(v)
	if !ok {
		return 0, typeError(field, "integer", v)
	}
	if f != math.Trunc(f) {
		return 0, &CellTypeError{Field: field, Want: "integer", Got: "number"}
	}
	if !(f >= -(1<<63) && f < 1<<63) {
		return 0, &CellTypeError{Field: field, Want: "integer in the int64 range", Got: "number"}
	}
	return int64(f), nil
}
