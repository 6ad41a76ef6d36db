package fake

import (
	"encoding/json"
	"time"
)

// StoredRecord is a record as a test inspects it: Fields keyed by field
// name in the json read format (computed fields included, empty cells
// omitted), values as a client decodes them (float64, []any,
// map[string]any).
type StoredRecord struct {
	ID                   string
	CreatedAt, UpdatedAt time.Time
	Fields               map[string]any
}

// Records returns every record of the datasheet in first-view row order;
// ok is false for an unknown datasheet.
func (s *Backend) Records(datasheetID string) (out []StoredRecord, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ds := s.st.dsts[datasheetID]
	if ds == nil {
		return nil, false
	}
	out = make([]StoredRecord, 0, len(ds.order))
	for _, id := range ds.order {
		rec := ds.records[id]
		ro := s.renderRecord(ds, rec, ds.fields, false, false, true)
		fields := map[string]any{}
		for _, k := range ro.Fields.keys {
			// Round-trip through JSON so values are exactly what a client
			// decodes.
			var v any
			_ = json.Unmarshal(encodeJSON(ro.Fields.vals[k]), &v)
			fields[k] = v
		}
		out = append(out, StoredRecord{
			ID:        rec.id,
			CreatedAt: time.UnixMilli(rec.createdAt).UTC(),
			UpdatedAt: time.UnixMilli(rec.updatedAt).UTC(),
			Fields:    fields,
		})
	}
	return out, true
}
