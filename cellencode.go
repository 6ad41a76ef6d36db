package apitable

import (
	"encoding/json"
	"errors"
	"maps"
	"math"
	"reflect"
	"slices"
	"strconv"
	"time"
)

// The write side of cells: how the Go values of a Fields map are encoded
// into the JSON the server accepts (docs/server-behaviour.md §8.1), checked
// before anything is sent.

// maxJSMillis is the largest magnitude of a JavaScript Date (±1e8 days): the
// server cannot represent a time beyond it.
const maxJSMillis = 8_640_000_000_000_000

// attachmentWire is the write form of an attachment (server-behaviour.md §8.1).
type attachmentWire struct {
	Token string `json:"token"`
	Name  string `json:"name"`
}

// urlWire is the write form of a URL cell (server-behaviour.md §8.1).
type urlWire struct {
	Text  string `json:"text"`
	Title string `json:"title,omitempty"`
}

// encodeFields encodes every cell of a write with encodeCell into a new map;
// f is not modified. Keys are checked in sorted order, so the error names
// the first invalid cell deterministically; its Field is the cell's key.
func encodeFields(f Fields) (map[string]any, error) {
	out := make(map[string]any, len(f))
	for _, k := range slices.Sorted(maps.Keys(f)) {
		v, err := encodeCell(f[k])
		if err != nil {
			return nil, withField(k, err)
		}
		out[k] = v
	}
	return out, nil
}

// withField puts the cell key in front of a ValidationError's Field.
func withField(key string, err error) error {
	var ve *ValidationError
	if !errors.As(err, &ve) {
		return &ValidationError{Field: key, Reason: err.Error()}
	}
	field := key
	if ve.Field != "" {
		field = key + ve.Field
	}
	return &ValidationError{Field: field, Reason: ve.Reason}
}

// encodeCell converts one value of a write into what json.Marshal turns into
// the wire form of server-behaviour.md §8.1:
//
//   - nil (and nil pointers of the types below) stays nil: clears the cell;
//   - time.Time, *time.Time → milliseconds since the epoch (int64);
//   - Attachment, *Attachment, []Attachment → [{"token","name"}];
//   - URL, *URL → {"text","title"} (title omitted when empty);
//   - Member, []Member, MemberRef, []MemberRef → [{"id"}], [{"unitId"}] or
//     [{"name","type"}];
//   - []any: elements of the types above are converted to one array item
//     each (an Attachment to {"token","name"}, a time to ms …);
//   - float64/float32 must be finite;
//   - everything else (string, other numbers, bool, []string, map[string]any,
//     json.RawMessage …) passes through unchanged.
//
// Values that can never be valid are rejected with a *ValidationError whose
// Field is empty or a suffix such as "[2]" (encodeFields prefixes the key).
// So are values that encoding/json cannot encode (NaN inside a map, a
// channel, invalid json.RawMessage): when the error is nil, json.Marshal of
// the result succeeds.
func encodeCell(v any) (any, error) {
	out, err := convertCell(v)
	if err != nil {
		return nil, err
	}
	switch out.(type) {
	case nil, string, bool, int, int64, float64, float32, []string,
		[]attachmentWire, []memberWire, urlWire:
		// Always encodable.
	default:
		if _, err := json.Marshal(out); err != nil {
			return nil, invalid("", "value of type %T cannot be encoded as JSON: %v", v, err)
		}
	}
	return out, nil
}

// convertCell does the conversions of encodeCell.
func convertCell(v any) (any, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case *time.Time:
		if x == nil {
			return nil, nil
		}
		return encodeTime(*x)
	case *Attachment:
		if x == nil {
			return nil, nil
		}
		return encodeSlice([]Attachment{*x}, encodeAttachment)
	case *URL:
		if x == nil {
			return nil, nil
		}
		return encodeURL(*x)
	case *Member:
		if x == nil {
			return nil, nil
		}
		return encodeSlice([]Member{*x}, encodeMember)
	case *MemberRef:
		if x == nil {
			return nil, nil
		}
		return encodeSlice([]MemberRef{*x}, MemberRef.wire)
	case time.Time:
		return encodeTime(x)
	case Attachment:
		return encodeSlice([]Attachment{x}, encodeAttachment)
	case []Attachment:
		return encodeSlice(x, encodeAttachment)
	case URL:
		return encodeURL(x)
	case Member:
		return encodeSlice([]Member{x}, encodeMember)
	case []Member:
		return encodeSlice(x, encodeMember)
	case MemberRef:
		return encodeSlice([]MemberRef{x}, MemberRef.wire)
	case []MemberRef:
		return encodeSlice(x, MemberRef.wire)
	case float64:
		return x, checkFinite(x)
	case float32:
		return x, checkFinite(float64(x))
	case []any:
		return encodeArray(x)
	}
	return v, nil
}

// encodeArray converts the typed elements of a []any into array items,
// copying the slice only when an element changes.
func encodeArray(a []any) (any, error) {
	var out []any
	for i, e := range a {
		w, err := encodeElem(e)
		if err != nil {
			return nil, withField(elemSuffix(i), err)
		}
		if out == nil && !sameValue(w, e) {
			out = slices.Clone(a)
		}
		if out != nil {
			out[i] = w
		}
	}
	if out == nil {
		return a, nil
	}
	return out, nil
}

// sameValue reports whether encodeElem left e as it was (by identity of the
// interface's type; converted elements always change type).
func sameValue(w, e any) bool {
	return reflect.TypeOf(w) == reflect.TypeOf(e)
}

// encodeElem converts one element of a []any.
func encodeElem(e any) (any, error) {
	switch x := e.(type) {
	case time.Time:
		return encodeTime(x)
	case Attachment:
		return encodeAttachment(x)
	case Member:
		return encodeMember(x)
	case MemberRef:
		return x.wire()
	case float64:
		return x, checkFinite(x)
	case float32:
		return x, checkFinite(float64(x))
	}
	return e, nil
}

func encodeSlice[T, W any](in []T, enc func(T) (W, error)) (any, error) {
	if in == nil {
		return nil, nil
	}
	out := make([]W, len(in))
	for i, e := range in {
		w, err := enc(e)
		if err != nil {
			return nil, withField(elemSuffix(i), err)
		}
		out[i] = w
	}
	return out, nil
}

func elemSuffix(i int) string { return "[" + strconv.Itoa(i) + "]" }

func checkFinite(f float64) error {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return invalid("", "number %v is not finite", f)
	}
	return nil
}

func encodeTime(t time.Time) (any, error) {
	if t.IsZero() {
		return nil, &ValidationError{Reason: "zero time.Time (use nil to clear the cell)"}
	}
	// Compare seconds first: UnixMilli is undefined far outside int64 ms.
	if s := t.Unix(); s > maxJSMillis/1000 || s < -maxJSMillis/1000 {
		return nil, invalid("", "time %s is out of the server's range", t.UTC().Format(time.RFC3339))
	}
	ms := t.UnixMilli()
	if ms > maxJSMillis || ms < -maxJSMillis {
		return nil, invalid("", "time %s is out of the server's range", t.UTC().Format(time.RFC3339))
	}
	return ms, nil
}

func encodeAttachment(a Attachment) (attachmentWire, error) {
	switch {
	case a.Token == "":
		return attachmentWire{}, &ValidationError{Reason: "attachment token is empty (upload the file first)"}
	case a.Name == "":
		return attachmentWire{}, &ValidationError{Reason: "attachment name is empty"}
	}
	return attachmentWire{Token: a.Token, Name: a.Name}, nil
}

func encodeURL(u URL) (any, error) {
	if u.Text == "" {
		return nil, &ValidationError{Reason: "URL text is empty"}
	}
	return urlWire{Text: u.Text, Title: u.Title}, nil
}

func encodeMember(m Member) (memberWire, error) {
	switch {
	case m.ID != "":
		return memberWire{ID: m.ID}, nil
	case m.UnitID != "":
		return memberWire{UnitID: m.UnitID}, nil
	case m.Name != "":
		return MemberByName(m.Name, m.Type).wire()
	}
	return memberWire{}, &ValidationError{Reason: "member has neither ID, UnitID nor Name"}
}

// MemberRef is a reference to a member or team for writing a Member cell.
// Build it with MemberByID, MemberByUnitID or MemberByName and put a
// MemberRef or []MemberRef into Fields. The zero MemberRef is invalid.
type MemberRef struct {
	id, unitID, name, typ string
}

// MemberByID refers to a unit by its id (Member.ID as read).
func MemberByID(id string) MemberRef { return MemberRef{id: id} }

// MemberByUnitID refers to a member by its original unit id (Member.UnitID
// as read). The server resolves this form for members only, not teams.
func MemberByUnitID(unitID string) MemberRef { return MemberRef{unitID: unitID} }

// MemberByName refers to a unit by its exact name; typ is "Member" or
// "Team". Other types and an empty name are rejected when the write is
// encoded.
func MemberByName(name, typ string) MemberRef { return MemberRef{name: name, typ: typ} }

// MarshalJSON encodes the reference as the API's write form: {"id"},
// {"unitId"} or {"name","type"}. It fails for an invalid reference.
func (r MemberRef) MarshalJSON() ([]byte, error) {
	w, err := r.wire()
	if err != nil {
		return nil, err
	}
	return json.Marshal(w)
}

// String returns a short description for logs and test failures.
func (r MemberRef) String() string {
	switch {
	case r.id != "":
		return "MemberByID(" + strconv.Quote(r.id) + ")"
	case r.unitID != "":
		return "MemberByUnitID(" + strconv.Quote(r.unitID) + ")"
	}
	return "MemberByName(" + strconv.Quote(r.name) + ", " + strconv.Quote(r.typ) + ")"
}

type memberWire struct {
	ID     string `json:"id,omitempty"`
	UnitID string `json:"unitId,omitempty"`
	Name   string `json:"name,omitempty"`
	Type   string `json:"type,omitempty"`
}

func (r MemberRef) wire() (memberWire, error) {
	switch {
	case r.id != "":
		return memberWire{ID: r.id}, nil
	case r.unitID != "":
		return memberWire{UnitID: r.unitID}, nil
	case r.name == "" && r.typ == "":
		return memberWire{}, &ValidationError{Reason: "empty member reference (use MemberByID, MemberByUnitID or MemberByName)"}
	case r.name == "":
		return memberWire{}, &ValidationError{Reason: "member name is empty"}
	case r.typ != "Member" && r.typ != "Team":
		return memberWire{}, invalid("", "member type %q is neither Member nor Team", r.typ)
	}
	return memberWire{Name: r.name, Type: r.typ}, nil
}
