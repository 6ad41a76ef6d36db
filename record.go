package apitable

import (
	"encoding/json"
	"fmt"
	"time"
)

// Record is one row of a datasheet (server-behaviour.md §7.1 of the API description).
type Record struct {
	// ID is the record id, "rec…".
	ID string
	// CreatedAt and UpdatedAt are set in reads and in the results of
	// Update; they are zero when the server omits them, as it does in its
	// answer to a create (Create, and the created rows of Upsert).
	CreatedAt time.Time
	UpdatedAt time.Time
	// Fields maps field names (or ids, with FieldKey "id") to cell values as
	// decoded from JSON. Empty cells are absent: the server omits them. Use
	// the typed getters of Fields to read them.
	Fields Fields
}

// Fields holds the cells of a record, keyed by field name or id. Values read
// from the server are what encoding/json produces (string, float64, bool,
// []any, map[string]any); values written may also be the typed values of this
// package (Attachment, URL, MemberRef …) and time.Time, which is sent as
// milliseconds since the epoch. A nil value clears the cell on update.
type Fields map[string]any

type recordJSON struct {
	ID        string `json:"recordId"`
	CreatedAt int64  `json:"createdAt,omitempty"`
	UpdatedAt int64  `json:"updatedAt,omitempty"`
	Fields    Fields `json:"fields"`
}

// recordWire is the decoding form of a record. Fields is typed any on
// purpose: encoding/json decodes an untyped object on its fast path (no
// reflection per cell), which a map-typed field would not get.
type recordWire struct {
	ID        string `json:"recordId"`
	CreatedAt int64  `json:"createdAt"`
	UpdatedAt int64  `json:"updatedAt"`
	Fields    any    `json:"fields"`
}

// UnmarshalJSON decodes the API's record object.
func (r *Record) UnmarshalJSON(b []byte) error {
	var raw recordWire
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	rec, err := raw.record()
	if err != nil {
		return err
	}
	*r = rec
	return nil
}

func (raw *recordWire) record() (Record, error) {
	r := Record{ID: raw.ID, CreatedAt: msTime(raw.CreatedAt), UpdatedAt: msTime(raw.UpdatedAt)}
	switch f := raw.Fields.(type) {
	case map[string]any:
		r.Fields = Fields(f)
	case nil:
		r.Fields = Fields{}
	default:
		return Record{}, fmt.Errorf("apitable: record %s: fields is a JSON %T, not an object", raw.ID, f)
	}
	return r, nil
}

// MarshalJSON encodes the record in the API's shape, timestamps as ms.
func (r Record) MarshalJSON() ([]byte, error) {
	raw := recordJSON{ID: r.ID, Fields: r.Fields}
	if !r.CreatedAt.IsZero() {
		raw.CreatedAt = r.CreatedAt.UnixMilli()
	}
	if !r.UpdatedAt.IsZero() {
		raw.UpdatedAt = r.UpdatedAt.UnixMilli()
	}
	if raw.Fields == nil {
		raw.Fields = Fields{}
	}
	return json.Marshal(raw)
}

func msTime(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}
