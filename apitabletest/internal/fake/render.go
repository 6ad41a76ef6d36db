package fake

import (
	"bytes"
	"encoding/json"
)

// orderedFields is a record's fields object, marshalled in field order.
type orderedFields struct {
	keys []string
	vals map[string]any
}

func (o orderedFields) MarshalJSON() ([]byte, error) {
	// One encoder for the whole object: a page renders thousands of cells.
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	put := func(v any) error {
		if err := enc.Encode(v); err != nil {
			return err
		}
		buf.Truncate(buf.Len() - 1) // Encode's newline
		return nil
	}
	buf.WriteByte('{')
	for i, k := range o.keys {
		if i > 0 {
			buf.WriteByte(',')
		}
		if err := put(k); err != nil {
			return nil, err
		}
		buf.WriteByte(':')
		if err := put(o.vals[k]); err != nil {
			return nil, err
		}
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

type recordOut struct {
	RecordID  string        `json:"recordId"`
	CreatedAt int64         `json:"createdAt,omitempty"`
	UpdatedAt int64         `json:"updatedAt,omitempty"`
	Fields    orderedFields `json:"fields"`
}

// renderRecord renders rec with the given columns (server-behaviour.md §7.1); empty cells are
// omitted (an unchecked checkbox is "0" with cellFormat=string, server-behaviour.md §8.2).
func (s *Backend) renderRecord(ds *datasheet, rec *record, cols []*field, byID, asString, timestamps bool) recordOut {
	out := recordOut{RecordID: rec.id, Fields: orderedFields{vals: map[string]any{}}}
	if timestamps {
		out.CreatedAt, out.UpdatedAt = rec.createdAt, rec.updatedAt
	}
	for _, f := range cols {
		v := s.cellValue(ds, rec, f, 0)
		val := v
		if asString {
			str, ok := s.cellString(ds, f, v)
			if !ok {
				continue
			}
			val = str
		} else if isEmptyValue(v) && (f.typ != "Formula" || v != any(false)) {
			continue
		}
		k := f.label(byID)
		out.Fields.keys = append(out.Fields.keys, k)
		out.Fields.vals[k] = val
	}
	return out
}

// visibleFields returns the columns of view v (hidden ones dropped), or all
// fields when v is nil.
func visibleFields(ds *datasheet, v *view) []*field {
	var out []*field
	for _, f := range ds.fields {
		if v != nil && v.hidden[f.id] {
			continue
		}
		out = append(out, f)
	}
	return out
}
