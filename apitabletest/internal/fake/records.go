package fake

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"time"
)

// Record writes: create, update and delete (server-behaviour.md §6.2–§6.4).

type writeItem struct {
	recordID string
	cells    map[string]any
}

// parseWriteBody runs the DTO checks and the field pipe of a write (server-behaviour.md §6.2,
// server-behaviour.md §6.3, §9 item 8).
func (s *Backend) parseWriteBody(ds *datasheet, body any, update bool) ([]writeItem, bool, *writeCtx, *apiError) {
	obj, _ := body.(map[string]any)
	var fails []dtoFailure
	byID := false
	if fk, ok := obj["fieldKey"]; ok && fk != nil {
		switch fk {
		case "id":
			byID = true
		case "name":
		default:
			if update {
				fails = append(fails, dtoFailure{id: "api_params_invalid_value", text: "Invalid value for {property}"})
			} else {
				fails = append(fails, dtoFailure{id: "api_params_invalid_field_key", text: `Invalid fieldKey (only supports "id" or "name")`})
			}
		}
	}
	recs, isArr := obj["records"].([]any)
	if !isArr || len(recs) == 0 {
		if update {
			fails = append(fails, dtoFailure{id: "api_params_empty_error", text: "{property} should not be empty"})
		} else {
			fails = append(fails, dtoFailure{id: "api_params_records_empty_error", text: "records value can't be empty array or null "})
		}
	} else {
		for i, it := range recs {
			m, ok := it.(map[string]any)
			if !ok {
				fails = append(fails, dtoFailure{id: "records.nested property records must be either object or array", nested: true})
				continue
			}
			if update {
				if _, ok := m["recordId"].(string); !ok {
					fails = append(fails, dtoFailure{id: fmt.Sprintf("records.%d.api_params_instance_recordid_error", i), nested: true})
				}
			}
			if _, ok := m["fields"].(map[string]any); !ok {
				fails = append(fails, dtoFailure{id: fmt.Sprintf("records.%d.api_params_instance_fields_error", i), nested: true})
			}
		}
	}
	if aerr := dtoError(fails); aerr != nil {
		return nil, false, nil, aerr
	}
	// Field pipe: per record, per field in body order.
	w := &writeCtx{s: s, ds: ds, newOptions: map[*field][]*option{}}
	raws := rawRecordFields(rawBody(obj))
	items := make([]writeItem, len(recs))
	for i, it := range recs {
		m := it.(map[string]any)
		var keys []string
		if i < len(raws) && raws[i] != nil {
			keys = raws[i]
		} else {
			for k := range m["fields"].(map[string]any) {
				keys = append(keys, k)
			}
			sort.Strings(keys)
		}
		cells, aerr := w.convertRecord(keys, m["fields"].(map[string]any), byID)
		if aerr != nil {
			return nil, false, nil, aerr
		}
		items[i] = writeItem{cells: cells}
		if update {
			items[i].recordID = m["recordId"].(string)
		}
	}
	for _, it := range items {
		if len(it.cells) == 0 {
			return nil, false, nil, errParam("The format of the fields parameter value is wrong")
		}
	}
	if len(items) > s.cfg.MaxPerWrite {
		return nil, false, nil, errTooMany(s.cfg.MaxPerWrite)
	}
	return items, byID, w, nil
}

func errTooMany(n int) *apiError {
	return errParam(fmt.Sprintf("Can't update/delete/create more than $%d  records in one single request", n))
}

// rawBody returns the raw request body stored in the body object by
// bodyObject, used to recover the key order of fields objects.
func rawBody(obj map[string]any) []byte {
	b, _ := obj[rawBodyKey].([]byte)
	return b
}

const rawBodyKey = "\x00raw"

// rawRecordFields returns, per record, the keys of its fields object in
// body order.
func rawRecordFields(raw []byte) [][]string {
	if raw == nil {
		return nil
	}
	var top struct {
		Records []struct {
			Fields json.RawMessage `json:"fields"`
		} `json:"records"`
	}
	if err := json.Unmarshal(raw, &top); err != nil {
		return nil
	}
	out := make([][]string, len(top.Records))
	for i, r := range top.Records {
		if keys, _, err := decodeOrderedObject(r.Fields); err == nil {
			out[i] = keys
		}
	}
	return out
}

func bodyObject(rs *reqState) map[string]any {
	obj, _ := rs.json.(map[string]any)
	if obj == nil {
		return map[string]any{}
	}
	cp := make(map[string]any, len(obj)+1)
	for k, v := range obj {
		cp[k] = v
	}
	cp[rawBodyKey] = rs.body
	return cp
}

// createRecords: POST /fusion/v1/datasheets/{datasheetId}/records (server-behaviour.md §6.2).
func (s *Backend) createRecords(rs *reqState) (*result, *apiError) {
	ds := s.st.dsts[rs.params["datasheetId"]]
	if ds == nil {
		return nil, errDatasheetNotFound()
	}
	if aerr := s.readGuard(ds); aerr != nil {
		return nil, aerr
	}
	items, byID, w, aerr := s.parseWriteBody(ds, bodyObject(rs), false)
	if aerr != nil {
		return nil, aerr
	}
	if len(ds.order)+len(items) > s.cfg.MaxRows {
		return nil, &apiError{status: 500, code: 304, msg: "the usage of this function exceed the 50000 records limit of beta version"}
	}
	q := rs.r.URL.Query()
	var vw *view
	if vid := q.Get("viewId"); vid != "" {
		if vw = ds.view(vid); vw == nil {
			return nil, errParam(fmt.Sprintf("View (%s) does not exist", vid))
		}
	}
	if !s.roleLocked(ds.id).canAddRows() {
		return nil, errOperationDenied() // OT layer (server-behaviour.md §6.2, §4.2)
	}
	w.commitOptions()
	// Omitted fields get their default value (server-behaviour.md §6.2).
	out := make([]recordOut, 0, len(items))
	pos := len(ds.order)
	for _, it := range items {
		cells := it.cells
		for _, f := range ds.fields {
			if _, ok := cells[f.id]; ok {
				continue
			}
			if dv, ok := defaultValue(f); ok {
				cells[f.id] = dv
			}
		}
		rec := s.insertRecordLocked(ds, cells, pos)
		pos++
		out = append(out, s.renderRecord(ds, rec, visibleFields(ds, vw), byID, false, false))
	}
	return &result{data: map[string]any{"records": out}}, nil
}

func defaultValue(f *field) (any, bool) {
	dv, ok := f.prop["defaultValue"]
	if !ok || dv == nil || dv == "" {
		return nil, false
	}
	switch f.typ {
	case "SingleText", "Text":
		if s, ok := dv.(string); ok {
			return s, true
		}
	case "Number", "Currency", "Percent":
		if s, ok := dv.(string); ok {
			if x, err := strconv.ParseFloat(s, 64); err == nil {
				return x, true
			}
		}
		if x, ok := dv.(float64); ok {
			return x, true
		}
	case "SingleSelect":
		if s, ok := dv.(string); ok && f.optionByName(s) != nil {
			return s, true
		}
	}
	return nil, false
}

// updateRecords: PATCH/PUT /fusion/v1/datasheets/{datasheetId}/records
// (server-behaviour.md §6.3).
func (s *Backend) updateRecords(rs *reqState) (*result, *apiError) {
	ds := s.st.dsts[rs.params["datasheetId"]]
	if ds == nil {
		return nil, errDatasheetNotFound()
	}
	if aerr := s.readGuard(ds); aerr != nil {
		return nil, aerr
	}
	items, byID, w, aerr := s.parseWriteBody(ds, bodyObject(rs), true)
	if aerr != nil {
		return nil, aerr
	}
	for _, it := range items {
		if ds.records[it.recordID] == nil {
			return nil, errParam("The record specified by the recordId does not exist")
		}
	}
	q := rs.r.URL.Query()
	var vw *view
	if vid := q.Get("viewId"); vid != "" {
		if vw = ds.view(vid); vw == nil {
			return nil, errParam(fmt.Sprintf("View (%s) does not exist", vid))
		}
	}
	// Cells the user may not edit are skipped silently (server-behaviour.md §6.3): a reader's
	// PATCH changes nothing and succeeds.
	editable := s.roleLocked(ds.id).canEditCells()
	if editable {
		w.commitOptions()
	}
	now := time.Now().UnixMilli()
	changed := false
	var order []string
	seen := map[string]bool{}
	for _, it := range items {
		rec := ds.records[it.recordID]
		fids := make([]string, 0, len(it.cells))
		for fid := range it.cells {
			if !editable {
				break
			}
			fids = append(fids, fid)
		}
		sort.Strings(fids)
		for _, fid := range fids {
			if s.setCellLocked(ds, rec, fid, it.cells[fid], now) {
				changed = true
			}
		}
		if !seen[rec.id] {
			seen[rec.id] = true
			order = append(order, rec.id)
		}
	}
	cols := visibleFields(ds, vw)
	if !changed {
		// Nothing changed: current records with the first view's columns.
		cols = visibleFields(ds, ds.views[0])
	}
	out := make([]recordOut, 0, len(order))
	for _, id := range order {
		out = append(out, s.renderRecord(ds, ds.records[id], cols, byID, false, true))
	}
	return &result{data: map[string]any{"records": out}}, nil
}

// deleteRecords: DELETE /fusion/v1/datasheets/{datasheetId}/records (server-behaviour.md §6.4).
func (s *Backend) deleteRecords(rs *reqState) (*result, *apiError) {
	ds := s.st.dsts[rs.params["datasheetId"]]
	if ds == nil {
		return nil, errDatasheetNotFound()
	}
	if aerr := s.readGuard(ds); aerr != nil {
		return nil, aerr
	}
	q := rs.r.URL.Query()
	ids, _ := queryList(q, "recordIds")
	if len(ids) == 0 {
		return nil, errParam("recordIds should not be empty")
	}
	if len(ids) > s.cfg.MaxPerWrite {
		return nil, errTooMany(s.cfg.MaxPerWrite)
	}
	var uniq []string
	seen := map[string]bool{}
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			uniq = append(uniq, id)
		}
	}
	for _, id := range uniq {
		if ds.records[id] == nil {
			return nil, errParam("The record specified by the recordId does not exist")
		}
	}
	for _, k := range []string{"viewId", "fields", "sort"} {
		if _, ok := q[k]; ok {
			return nil, errServer("Cannot read properties of undefined (reading 'fieldMap')")
		}
	}
	if !s.roleLocked(ds.id).canDeleteRows() {
		return nil, errOperationDenied() // OT layer (server-behaviour.md §6.4, §4.2)
	}
	now := time.Now().UnixMilli()
	for _, id := range uniq {
		rec := ds.records[id]
		for _, f := range ds.fields {
			if f.typ == "TwoWayLink" {
				if _, ok := rec.cells[f.id]; ok {
					s.setCellLocked(ds, rec, f.id, nil, now)
				}
			}
		}
		delete(ds.records, id)
		ds.deletedIDs = append(ds.deletedIDs, id)
	}
	n := ds.order[:0]
	for _, id := range ds.order {
		if !seen[id] {
			n = append(n, id)
		}
	}
	ds.order = n
	return &result{}, nil
}
