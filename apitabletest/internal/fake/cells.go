package fake

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/apitable-go/apitable/internal/formula"
)

func parseFormula(src string) (formula.Expr, error) { return formula.Parse(src) }

// writeCtx validates and converts the cells of one write request (the field
// pipe of server-behaviour.md §6.2/§6.3, server-behaviour.md §8.1, §4.3 messages).
type writeCtx struct {
	s          *Backend
	ds         *datasheet
	byID       bool
	newOptions map[*field][]*option // options to create on commit
}

// convertRecord converts one record's fields (keys in body order). It
// returns the converted cells by field id (nil = clear); unknown keys are
// dropped.
func (w *writeCtx) convertRecord(keys []string, vals map[string]any, byID bool) (map[string]any, *apiError) {
	w.byID = byID
	out := map[string]any{}
	for _, k := range keys {
		f := w.ds.fieldByKey(k, byID)
		if f == nil {
			continue // unknown keys are silently dropped (server-behaviour.md §0.7)
		}
		v, aerr := w.convertCell(f, vals[k])
		if aerr != nil {
			return nil, aerr
		}
		out[f.id] = v
	}
	return out, nil
}

func typeErr(f *field, byID bool, what string) *apiError {
	return errParam(fmt.Sprintf("field:%s %s", f.label(byID), what))
}

func isNumber(v any) bool {
	x, ok := v.(float64)
	return ok && !math.IsNaN(x) && !math.IsInf(x, 0)
}

// convertCell validates v for f and returns the stored value.
func (w *writeCtx) convertCell(f *field, v any) (any, *apiError) {
	switch f.typ {
	case "Button", "NotSupport":
		return nil, errServer("Cannot read properties of undefined (reading 'throwException')")
	case "WorkDoc":
		if v != nil {
			return nil, errParam("WorkDoc field can't be edited")
		}
		return nil, nil
	}
	if msg, ok := readOnlyMessages[f.typ]; ok {
		return nil, errParam(msg)
	}
	if v == nil {
		return nil, nil // null clears editable cells
	}
	switch f.typ {
	case "SingleText", "Text", "Email", "Phone", "Cascader":
		s, ok := v.(string)
		if !ok {
			name := map[string]string{"SingleText": "Single Select", "Text": "Text", "Email": "Email", "Phone": "Phone", "Cascader": "Text"}[f.typ]
			return nil, typeErr(f, w.byID, name+" field value must be string")
		}
		return s, nil
	case "URL":
		return convertURL(f, v)
	case "Number", "Currency", "Percent", "Rating", "Checkbox", "DateTime":
		return w.convertScalar(f, v)
	case "SingleSelect", "MultiSelect":
		return w.convertSelect(f, v)
	case "Member":
		return w.convertMember(f, v)
	case "TwoWayLink", "OneWayLink":
		return w.convertLink(f, v)
	case "Attachment":
		return w.convertAttachment(v)
	}
	return nil, errServer("Cannot read properties of undefined (reading 'throwException')")
}

// convertURL accepts a string (the link's text) or {text, title, favicon}.
func convertURL(f *field, v any) (any, *apiError) {
	switch x := v.(type) {
	case string:
		if x == "" {
			return nil, nil
		}
		return map[string]any{"text": x}, nil
	case map[string]any:
		t, _ := x["text"].(string)
		if t == "" {
			return nil, errParam(f.name + " must contain text keys")
		}
		out := map[string]any{"text": t}
		if ti, ok := x["title"].(string); ok && ti != "" {
			out["title"] = ti
		}
		if fv, ok := x["favicon"].(string); ok && fv != "" {
			out["favicon"] = fv
		}
		return out, nil
	case []any:
		return nil, errParam(f.name + " must contain text keys")
	}
	return nil, errParam(fmt.Sprintf("field:%s URL field value must be string", f.name))
}

// convertScalar converts the number, rating, checkbox and date types; a
// rating of 0 and an unchecked checkbox clear the cell.
func (w *writeCtx) convertScalar(f *field, v any) (any, *apiError) {
	switch f.typ {
	case "Rating":
		if !isNumber(v) {
			return nil, typeErr(f, w.byID, "Rating field value must be a number")
		}
		x := v.(float64)
		if x > f.propNum("max", 5) {
			return nil, errParam("Rating field value can't be greater than 5 (only supports 0, 1, 2, 3, 4, or 5)")
		}
		if x < 0 {
			return nil, errParam("Rating field value can't be smaller than 0 (only supports 0, 1, 2, 3, 4, or 5)")
		}
		if x == 0 {
			return nil, nil
		}
		return x, nil
	case "Checkbox":
		b, ok := v.(bool)
		if !ok {
			return nil, typeErr(f, w.byID, "Checkbox field value must be boolean")
		}
		if !b {
			return nil, nil
		}
		return true, nil
	case "DateTime":
		ms, ok := parseDateValue(v, f.propString("timeZone"))
		if !ok {
			return nil, typeErr(f, w.byID, "Date field value must be a UTC or timestamp")
		}
		return ms, nil
	}
	if !isNumber(v) { // Number, Currency, Percent
		return nil, typeErr(f, w.byID, f.typ+" field value must be a number")
	}
	return v, nil
}

// convertSelect converts select values, adding unknown option names to the
// field (on commit); empty names are dropped.
func (w *writeCtx) convertSelect(f *field, v any) (any, *apiError) {
	if f.typ == "SingleSelect" {
		s, ok := v.(string)
		if !ok {
			return nil, typeErr(f, w.byID, "Single Select field value must be string")
		}
		if s == "" {
			return nil, nil
		}
		w.ensureOption(f, s)
		return s, nil
	}
	arr, ok := v.([]any)
	if !ok {
		return nil, typeErr(f, w.byID, "Multiple Select field value must be array")
	}
	var out []any
	for _, e := range arr {
		s, ok := e.(string)
		if !ok {
			return nil, typeErr(f, w.byID, "Multiple Select field value must be string")
		}
		if s == "" {
			continue
		}
		w.ensureOption(f, s)
		out = append(out, s)
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

func (w *writeCtx) ensureOption(f *field, name string) {
	if f.optionByName(name) != nil {
		return
	}
	for _, o := range w.newOptions[f] {
		if o.name == name {
			return
		}
	}
	all := append(append([]*option{}, f.options...), w.newOptions[f]...)
	w.newOptions[f] = append(w.newOptions[f], &option{id: w.s.newID("opt", 10), name: name, color: nextColor(all)})
}

// commitOptions creates the select options collected during conversion.
func (w *writeCtx) commitOptions() {
	for f, opts := range w.newOptions {
		f.options = append(f.options, opts...)
	}
	clear(w.newOptions)
}

func (w *writeCtx) convertMember(f *field, v any) (any, *apiError) {
	arr, ok := v.([]any)
	if !ok {
		return nil, typeErr(f, w.byID, "Member field value must be array")
	}
	if len(arr) > 1 && !f.propBool("isMulti") {
		return nil, errParam("The Member field was set to receive one unit only")
	}
	sp := w.s.st.spaces[w.ds.spaceID]
	var out []any
	for _, e := range arr {
		m, _ := e.(map[string]any)
		if m == nil {
			m = map[string]any{}
		}
		var u *unit
		idv, hasID := m["id"]
		uidv, hasUID := m["unitId"]
		switch {
		case hasID && idv != nil:
			id, ok := idv.(string)
			if !ok {
				return nil, typeErr(f, w.byID, "Member ID must be string\n")
			}
			for _, x := range sp.units {
				if x.id == id {
					u = x
				}
			}
			if u == nil {
				return nil, errParam("The unit specified by the unit ID does not exist")
			}
		case hasUID && uidv != nil:
			id, ok := uidv.(string)
			if !ok {
				return nil, typeErr(f, w.byID, "Member ID must be string\n")
			}
			for _, x := range sp.units {
				if x.unitID == id && x.typ == "Member" {
					u = x
				}
			}
			if u == nil {
				return nil, errParam("The unit specified by the unit ID does not exist")
			}
		default:
			name, _ := m["name"].(string)
			if name == "" {
				return nil, errParam("Member name can't be null")
			}
			if m["type"] == nil {
				return nil, errParam("Member type can't be null")
			}
			typ := ""
			switch t := m["type"].(type) {
			case string:
				typ = t
			case float64:
				typ = map[float64]string{3: "Member", 1: "Team"}[t]
			}
			for _, x := range sp.units {
				if x.name == name && x.typ == typ {
					u = x
					break
				}
			}
			if u == nil {
				return nil, errParam("The unit specified by the unit Name does not exist")
			}
		}
		out = append(out, u.id)
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

func (w *writeCtx) convertLink(f *field, v any) (any, *apiError) {
	arr, ok := v.([]any)
	if !ok {
		return nil, typeErr(f, w.byID, "Link field value must be array")
	}
	if len(arr) == 0 {
		return nil, typeErr(f, w.byID, "recordId value can't be empty array or null")
	}
	if len(arr) > 1 && f.propBool("limitSingleRecord") {
		return nil, typeErr(f, w.byID, "The Link field was set to receive one recordId only")
	}
	fds := w.s.st.dsts[f.propString("foreignDatasheetId")]
	var ids, missing, uniq []string
	seen := map[string]bool{}
	for _, e := range arr {
		id, ok := e.(string)
		if !ok {
			return nil, typeErr(f, w.byID, "Link field value must be array")
		}
		ids = append(ids, id)
		if !seen[id] {
			seen[id] = true
			uniq = append(uniq, id)
			if fds == nil || fds.records[id] == nil {
				missing = append(missing, id)
			}
		}
	}
	if len(missing) > 0 {
		sep := ","
		if len(missing) == len(uniq) {
			sep = ", "
		}
		return nil, errParam(fmt.Sprintf("The linked field specifies a record (%s) that does not exist", strings.Join(missing, sep)))
	}
	// Stored as sent (server-behaviour.md §8.1: room-server passes duplicates on); keep unique
	// ids for sane two-way sync.
	_ = ids
	return stringsToAny(uniq), nil
}

func (w *writeCtx) convertAttachment(v any) (any, *apiError) {
	arr, ok := v.([]any)
	if !ok {
		return nil, errParam("Attachment type must be array")
	}
	var out []any
	for _, e := range arr {
		m, _ := e.(map[string]any)
		if m == nil || m["token"] == nil {
			return nil, errParam("Attachment token can't be null")
		}
		if m["name"] == nil {
			return nil, errParam("Attachment name can't be null")
		}
		tok, ok := m["token"].(string)
		if !ok {
			return nil, errParam("Attachment token must be string")
		}
		name, ok := m["name"].(string)
		if !ok {
			return nil, errParam("Attachment name must be string")
		}
		a := w.s.st.assets[tok]
		if a == nil {
			return nil, errParam("The attachment specified by the token does not exist")
		}
		item := map[string]any{"id": w.s.newID("atc", 10), "name": name, "size": float64(a.size), "mimeType": a.mime, "token": a.token, "url": a.url()}
		if a.width > 0 {
			item["width"] = float64(a.width)
			item["height"] = float64(a.height)
		}
		out = append(out, item)
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// parseDateValue accepts ms-epoch numbers (stored exactly when they look
// like ms timestamps) and date strings (parsed in zone, default UTC).
func parseDateValue(v any, zone string) (float64, bool) {
	loc := time.UTC
	if zone != "" {
		if l, err := time.LoadLocation(zone); err == nil {
			loc = l
		}
	}
	switch x := v.(type) {
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return 0, false
		}
		if x >= 1e10 || x <= -1e10 || x < 0 {
			return x, true
		}
		// Small numbers parse as date strings (server-behaviour.md §8.1): 2021 is the year.
		return parseDateString(strconv.FormatFloat(x, 'f', -1, 64), loc)
	case string:
		if n, err := strconv.ParseFloat(x, 64); err == nil && len(x) >= 11 {
			return n, true
		}
		return parseDateString(x, loc)
	case bool:
		return 0, false
	}
	return 0, false
}

func parseDateString(s string, loc *time.Location) (float64, bool) {
	s = strings.TrimSpace(s)
	withZone := []string{time.RFC3339Nano, "2006-01-02T15:04:05Z07:00", "2006-01-02T15:04Z07:00"}
	for _, l := range withZone {
		if t, err := time.Parse(l, s); err == nil {
			// server-behaviour.md §8.1: the UTC wall clock is re-read in the zone.
			_, off := t.In(loc).Zone()
			return float64(t.UnixMilli() - int64(off)*1000), true
		}
	}
	local := []string{"2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02", "2006/01/02 15:04:05", "2006/01/02 15:04", "2006/01/02", "2006-01", "2006"}
	for _, l := range local {
		if t, err := time.ParseInLocation(l, s, loc); err == nil {
			return float64(t.UnixMilli()), true
		}
	}
	return 0, false
}
