package fake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/apitable-go/apitable/internal/formula"
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

// renderRecord renders rec with the given columns (§7.1); empty cells are
// omitted (an unchecked checkbox is "0" with cellFormat=string, §8.2).
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

// ---- query parsing (§6.1 encodings) ----

var indexedKey = regexp.MustCompile(`^([A-Za-z]+)\[(\d*)\](?:\[([A-Za-z]+)\])?$`)

// queryList collects an array parameter: name=a&name=b, name=a,b (comma
// split only for a single unbracketed occurrence), name[]=a, name[0]=a.
func queryList(q url.Values, name string) ([]string, bool) {
	plain, hasPlain := q[name]
	var bracket []string
	type idx struct {
		i int
		v []string
	}
	var indexed []idx
	for k, vs := range q {
		m := indexedKey.FindStringSubmatch(k)
		if m == nil || m[1] != name || m[3] != "" {
			continue
		}
		if m[2] == "" {
			bracket = append(bracket, vs...)
		} else {
			n, _ := strconv.Atoi(m[2])
			indexed = append(indexed, idx{n, vs})
		}
	}
	sort.Slice(indexed, func(a, b int) bool { return indexed[a].i < indexed[b].i })
	if !hasPlain && len(bracket) == 0 && len(indexed) == 0 {
		return nil, false
	}
	var vals []string
	if hasPlain && len(plain) == 1 && len(bracket) == 0 && len(indexed) == 0 {
		vals = strings.Split(plain[0], ",")
	} else {
		vals = append(vals, plain...)
		vals = append(vals, bracket...)
		for _, x := range indexed {
			vals = append(vals, x.v...)
		}
	}
	out := vals[:0:0]
	for _, v := range vals {
		if v != "" {
			out = append(out, v)
		}
	}
	return out, true
}

type sortReq struct {
	field   string
	order   string
	noOrder bool
	json    bool
}

// parseSort reads the sort parameter in its three encodings (§6.1).
func parseSort(q url.Values) ([]sortReq, []dtoFailure, *apiError) {
	type rule struct {
		fields, orders []string
	}
	rules := map[int]*rule{}
	var order []int
	unindexed := &rule{}
	hasUnindexed := false
	for k, vs := range q {
		m := indexedKey.FindStringSubmatch(k)
		if m == nil || m[1] != "sort" || m[3] == "" {
			continue
		}
		var r *rule
		if m[2] == "" {
			r = unindexed
			hasUnindexed = true
		} else {
			n, _ := strconv.Atoi(m[2])
			if rules[n] == nil {
				rules[n] = &rule{}
				order = append(order, n)
			}
			r = rules[n]
		}
		switch m[3] {
		case "field":
			r.fields = append(r.fields, vs...)
		case "order":
			r.orders = append(r.orders, vs...)
		}
	}
	sort.Ints(order)
	var out []sortReq
	conv := func(r *rule) sortReq {
		sr := sortReq{field: strings.Join(r.fields, ",")}
		if len(r.fields) == 0 {
			sr.field = "undefined"
		}
		if len(r.orders) == 0 {
			sr.noOrder = true
		} else {
			sr.order = strings.ToLower(strings.Join(r.orders, ","))
		}
		return sr
	}
	for _, n := range order {
		out = append(out, conv(rules[n]))
	}
	if hasUnindexed {
		out = append(out, conv(unindexed))
	}
	if len(out) > 0 {
		return out, nil, nil
	}
	// JSON form: sort={"field":"A","order":"desc"}[,{…}].
	var fails []dtoFailure
	i := 0
	for _, raw := range q["sort"] {
		var items []any
		if err := json.Unmarshal([]byte("["+raw+"]"), &items); err != nil {
			return nil, nil, errServer([]string{"sort.api_params_instance_sort_error"})
		}
		for _, it := range items {
			m, _ := it.(map[string]any)
			if m == nil {
				fails = append(fails, dtoFailure{id: "sort.nested property sort must be either object or array", nested: true})
				i++
				continue
			}
			f, fok := m["field"].(string)
			o, _ := m["order"].(string)
			if !fok {
				fails = append(fails, dtoFailure{id: fmt.Sprintf("sort.%d.api_params_instance_sort_error", i), nested: true})
			} else if o != "asc" && o != "desc" {
				fails = append(fails, dtoFailure{id: fmt.Sprintf("sort.%d.api_params_invalid_order_sort", i), nested: true})
			}
			out = append(out, sortReq{field: f, order: o, json: true})
			i++
		}
	}
	return out, fails, nil
}

// numParam parses a numeric query parameter the way class-transformer's
// Number() does.
func numParam(q url.Values, name string) (float64, bool, bool) {
	vs, ok := q[name]
	if !ok {
		return 0, false, true
	}
	v := strings.TrimSpace(vs[len(vs)-1])
	if v == "" {
		return 0, true, true
	}
	x, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return 0, true, false
	}
	return x, true, true
}

// listRecords: GET /fusion/v1/datasheets/{datasheetId}/records (§6.1).
func (s *Backend) listRecords(rs *reqState) (*result, *apiError) {
	ds := s.st.dsts[rs.params["datasheetId"]]
	if ds == nil {
		return nil, errDatasheetNotFound()
	}
	q := rs.r.URL.Query()
	var vw *view
	if vid := q.Get("viewId"); vid != "" {
		if vw = ds.view(vid); vw == nil {
			return nil, errParam("The specified view does not exist")
		}
	}
	// DTO validation.
	var fails []dtoFailure
	pageSize, pageNum := 100, 1
	if x, present, ok := numParam(q, "pageSize"); present {
		switch {
		case ok && x == -1:
			pageSize = -1
		case !ok || x < 1:
			fails = append(fails, dtoFailure{id: "api_params_pagesize_min_error", text: "pagesize value can't be smaller than 1"})
		case x > 1000:
			fails = append(fails, dtoFailure{id: "api_params_pagesize_max_error", text: "pagesize value can't be greater than 1000"})
		default:
			pageSize = int(x)
		}
	}
	if x, present, ok := numParam(q, "maxRecords"); present && (!ok || x < 1) {
		fails = append(fails, dtoFailure{id: "api_params_maxrecords_min_error", text: "maxRecords value can't be smaller than 1"})
	}
	maxRecords := -1
	if x, present, ok := numParam(q, "maxRecords"); present && ok && x >= 1 {
		maxRecords = int(x)
	}
	if x, present, ok := numParam(q, "pageNum"); present {
		if !ok || x < 1 {
			fails = append(fails, dtoFailure{id: "api_params_pagenum_min_error", text: "pageNum value can't be smaller than 1"})
		} else {
			pageNum = int(x)
		}
	}
	cellFormat := "json"
	if vs, ok := q["cellFormat"]; ok {
		cellFormat = vs[len(vs)-1]
		if cellFormat != "json" && cellFormat != "string" {
			fails = append(fails, dtoFailure{id: "api_params_cellformat_error", text: `cellFormat value only supports "string" or "id"`})
		}
	}
	byID := false
	if vs, ok := q["fieldKey"]; ok {
		switch vs[len(vs)-1] {
		case "id":
			byID = true
		case "name":
		default:
			fails = append(fails, dtoFailure{id: "api_params_invalid_field_key", text: `Invalid fieldKey (only supports "id" or "name")`})
		}
	}
	sorts, sortFails, aerr := parseSort(q)
	if aerr != nil {
		return nil, aerr
	}
	fails = append(fails, sortFails...)
	if aerr := dtoError(fails); aerr != nil {
		return nil, aerr
	}
	if aerr := s.readGuard(ds); aerr != nil {
		return nil, aerr // §6.5: loading the datasheet checks read permission
	}
	// Query pipe: sort fields, then fields.
	var rules []sortRule
	for _, sr := range sorts {
		if sr.noOrder {
			return nil, errServer("Cannot read properties of undefined (reading 'toLowerCase')")
		}
		f := ds.fieldByKey(sr.field, byID)
		if f == nil {
			return nil, errParam(fmt.Sprintf("The sorted field \"%s\" does not exist", sr.field))
		}
		rules = append(rules, sortRule{fieldID: f.id, desc: sr.order == "desc"})
	}
	cols := visibleFields(ds, vw)
	if names, ok := queryList(q, "fields"); ok && len(names) > 0 {
		var sel []*field
		for _, n := range names {
			f := ds.fieldByKey(n, byID)
			if f == nil {
				return nil, errParam("Invalid fields")
			}
			if vw != nil && vw.hidden[f.id] {
				continue
			}
			sel = append(sel, f)
		}
		cols = sel
	}
	var filter formula.Expr
	if src := q.Get("filterByFormula"); src != "" {
		e, err := parseFormula(src)
		if err != nil {
			return nil, errParam("")
		}
		for _, name := range formula.Fields(e) {
			if ds.fieldByName(name) == nil && ds.fieldByID(name) == nil {
				return nil, errParam("")
			}
		}
		filter = e
	}
	// Rows.
	var rows []*record
	ids, hasIDs := queryList(q, "recordIds")
	if hasIDs && len(ids) > 0 {
		for _, id := range ids {
			if r := ds.records[id]; r != nil {
				rows = append(rows, r)
			}
		}
	} else {
		hasIDs = false
		if filter == nil && (vw == nil || (vw.filter == "" && len(vw.sort) == 0)) && len(rules) == 0 && pageSize != -1 {
			// Plain paging in first-view order: look up only the page's
			// rows, so a page costs the same in a table of any size.
			total := len(ds.order)
			if maxRecords > 0 && total > maxRecords {
				total = maxRecords
			}
			lo := min((pageNum-1)*pageSize, total)
			hi := min(lo+pageSize, total)
			out := make([]recordOut, 0, hi-lo)
			for _, id := range ds.order[lo:hi] {
				out = append(out, s.renderRecord(ds, ds.records[id], cols, byID, cellFormat == "string", true))
			}
			return &result{data: map[string]any{"total": total, "pageNum": pageNum, "pageSize": len(out), "records": out}}, nil
		}
		rows = make([]*record, 0, len(ds.order))
		for _, id := range ds.order {
			rows = append(rows, ds.records[id])
		}
	}
	if vw != nil && vw.filter != "" {
		rows = s.filterRows(ds, rows, vw.filter, nil)
	}
	if filter != nil {
		rows = s.filterRows(ds, rows, "", filter)
	}
	if vw != nil && !hasIDs {
		rules = append(rules, vw.sort...)
	}
	s.sortRecords(ds, rows, rules)
	if maxRecords > 0 && len(rows) > maxRecords {
		rows = rows[:maxRecords]
	}
	total := len(rows)
	page := rows
	if pageSize != -1 {
		lo := (pageNum - 1) * pageSize
		hi := lo + pageSize
		if lo > len(rows) {
			lo = len(rows)
		}
		if hi > len(rows) {
			hi = len(rows)
		}
		page = rows[lo:hi]
	}
	out := make([]recordOut, 0, len(page))
	for _, r := range page {
		out = append(out, s.renderRecord(ds, r, cols, byID, cellFormat == "string", true))
	}
	return &result{data: map[string]any{"total": total, "pageNum": pageNum, "pageSize": len(out), "records": out}}, nil
}

func (s *Backend) filterRows(ds *datasheet, rows []*record, src string, e formula.Expr) []*record {
	if e == nil {
		var err error
		if e, err = parseFormula(src); err != nil {
			return rows
		}
	}
	out := rows[:0:0]
	for _, r := range rows {
		v, err := formula.Eval(e, s.formulaLookup(ds, r, 0))
		if err == nil && formula.Truthy(v) {
			out = append(out, r)
		}
	}
	return out
}

// ---- writes ----

type writeItem struct {
	recordID string
	cells    map[string]any
}

// parseWriteBody runs the DTO checks and the field pipe of a write (§6.2,
// §6.3, §9 item 8).
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

// createRecords: POST /fusion/v1/datasheets/{datasheetId}/records (§6.2).
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
		return nil, errOperationDenied() // OT layer (§6.2, §4.2)
	}
	w.commitOptions()
	// Omitted fields get their default value (§6.2).
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
// (§6.3).
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
	// Cells the user may not edit are skipped silently (§6.3): a reader's
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

// deleteRecords: DELETE /fusion/v1/datasheets/{datasheetId}/records (§6.4).
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
		return nil, errOperationDenied() // OT layer (§6.4, §4.2)
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
