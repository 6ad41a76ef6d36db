package fake

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/apitable-go/apitable/internal/formula"
)

// cellValue returns the json read value of f in rec (nil when empty),
// computing read-only fields. depth guards lookup/formula recursion.
func (s *Backend) cellValue(ds *datasheet, rec *record, f *field, depth int) any {
	if depth > 8 {
		return nil
	}
	switch f.typ {
	case "AutoNumber":
		return float64(rec.autoNumber)
	case "CreatedTime":
		return float64(rec.createdAt)
	case "LastModifiedTime":
		return float64(s.lastModified(rec, f))
	case "CreatedBy", "LastModifiedBy":
		return map[string]any{"id": userID, "name": userName, "avatar": ""}
	case "Formula":
		return s.evalFormulaField(ds, rec, f, depth)
	case "MagicLookUp":
		return s.lookupValue(ds, rec, f, depth)
	case "Button", "NotSupport":
		return nil
	}
	v, ok := rec.cells[f.id]
	if !ok {
		return nil
	}
	switch f.typ {
	case "URL":
		m := v.(map[string]any)
		t, _ := m["text"].(string)
		title, _ := m["title"].(string)
		if title == "" {
			title = t
		}
		fav, _ := m["favicon"].(string)
		return map[string]any{"title": title, "text": t, "favicon": fav}
	case "Member":
		sp := s.st.spaces[ds.spaceID]
		var out []any
		for _, id := range idList(v) {
			for _, u := range sp.units {
				if u.id == id {
					out = append(out, map[string]any{"id": u.id, "unitId": u.unitID, "type": u.typ, "name": u.name, "avatar": u.avatar})
				}
			}
		}
		if len(out) == 0 {
			return nil
		}
		return out
	case "TwoWayLink", "OneWayLink":
		// Drop ids of records deleted since.
		fds := s.st.dsts[f.propString("foreignDatasheetId")]
		var out []any
		for _, id := range idList(v) {
			if fds != nil && fds.records[id] != nil {
				out = append(out, id)
			}
		}
		if len(out) == 0 {
			return nil
		}
		return out
	}
	return v
}

func (s *Backend) lastModified(rec *record, f *field) int64 {
	if ct, _ := f.prop["collectType"].(float64); ct == 1 {
		var latest int64
		ids, _ := f.prop["fieldIdCollection"].([]any)
		for _, id := range ids {
			if fid, ok := id.(string); ok && rec.fieldUpdated[fid] > latest {
				latest = rec.fieldUpdated[fid]
			}
		}
		if latest == 0 {
			return rec.createdAt
		}
		return latest
	}
	return rec.updatedAt
}

// formulaLookup resolves {name} (or {fldId}) to a cell value of rec.
func (s *Backend) formulaLookup(ds *datasheet, rec *record, depth int) func(string) (any, bool) {
	return func(name string) (any, bool) {
		f := ds.fieldByName(name)
		if f == nil {
			f = ds.fieldByID(name)
		}
		if f == nil {
			return nil, false
		}
		return s.cellValue(ds, rec, f, depth+1), true
	}
}

func (s *Backend) evalFormulaField(ds *datasheet, rec *record, f *field, depth int) any {
	src := f.propString("expression")
	if src == "" {
		return nil
	}
	e, err := parseFormula(src)
	if err != nil {
		return nil
	}
	v, err := formula.EvalContext(e, s.formulaLookup(ds, rec, depth), s.formulaContext(ds, rec))
	if err != nil {
		return nil
	}
	if isEmptyValue(v) {
		if b, ok := v.(bool); ok && !b {
			return false
		}
		return nil
	}
	return v
}

func (s *Backend) lookupValue(ds *datasheet, rec *record, f *field, depth int) any {
	lf := ds.fieldByID(f.propString("relatedLinkFieldId"))
	if lf == nil {
		return nil
	}
	fds := s.st.dsts[lf.propString("foreignDatasheetId")]
	if fds == nil {
		return nil
	}
	tf := fds.fieldByID(f.propString("targetFieldId"))
	if tf == nil {
		return nil
	}
	var out []any
	for _, id := range idList(rec.cells[lf.id]) {
		frec := fds.records[id]
		if frec == nil {
			continue
		}
		v := s.cellValue(fds, frec, tf, depth+1)
		switch x := v.(type) {
		case nil:
		case []any:
			for _, e := range x {
				if !isEmptyValue(e) {
					out = append(out, e)
				}
			}
		default:
			if !isEmptyValue(x) {
				out = append(out, x)
			}
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// cellString renders a json read value as cellFormat=string (server-behaviour.md §8.2).
func (s *Backend) cellString(ds *datasheet, f *field, v any) (string, bool) {
	if f.typ == "Checkbox" {
		if v == true {
			return "1", true
		}
		return "0", true
	}
	if v == nil {
		return "", false
	}
	switch f.typ {
	case "Number":
		return formatNumber(v, int(f.propNum("precision", 0)), f.propString("symbol"), ""), true
	case "Currency":
		return formatNumber(v, int(f.propNum("precision", 2)), f.propString("symbol"), f.propString("symbolAlign")), true
	case "Percent":
		x, _ := v.(float64)
		return strconv.FormatFloat(x*100, 'f', int(f.propNum("precision", 0)), 64) + "%", true
	case "DateTime", "CreatedTime", "LastModifiedTime":
		x, _ := v.(float64)
		return formatDate(x, f), true
	case "URL":
		m, _ := v.(map[string]any)
		t, _ := m["text"].(string)
		return t, true
	case "Attachment":
		var parts []string
		for _, e := range v.([]any) {
			m := e.(map[string]any)
			parts = append(parts, fmt.Sprintf("%v (%v)", m["name"], m["url"]))
		}
		return strings.Join(parts, ", "), true
	case "Member":
		var parts []string
		for _, e := range v.([]any) {
			parts = append(parts, fmt.Sprint(e.(map[string]any)["name"]))
		}
		return strings.Join(parts, ", "), true
	case "CreatedBy", "LastModifiedBy":
		return fmt.Sprint(v.(map[string]any)["name"]), true
	case "TwoWayLink", "OneWayLink":
		fds := s.st.dsts[f.propString("foreignDatasheetId")]
		var parts []string
		for _, id := range idList(v) {
			if fds == nil || fds.records[id] == nil || len(fds.fields) == 0 {
				continue
			}
			pv := s.cellValue(fds, fds.records[id], fds.fields[0], 1)
			ps, _ := s.cellString(fds, fds.fields[0], pv)
			parts = append(parts, ps)
		}
		return strings.Join(parts, ", "), true
	}
	return plainString(v), true
}

func plainString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		if x {
			return "1"
		}
		return "0"
	case []any:
		parts := make([]string, 0, len(x))
		for _, e := range x {
			parts = append(parts, plainString(e))
		}
		return strings.Join(parts, ", ")
	case map[string]any:
		for _, k := range []string{"text", "name", "title"} {
			if s, ok := x[k].(string); ok {
				return s
			}
		}
	}
	return fmt.Sprint(v)
}

func formatNumber(v any, prec int, symbol, align string) string {
	x, _ := v.(float64)
	s := strconv.FormatFloat(x, 'f', prec, 64)
	if symbol == "" {
		return s
	}
	if align == "Right" {
		return s + symbol
	}
	return symbol + s
}

var dateLayouts = map[string]string{
	"YYYY/MM/DD": "2006/01/02", "YYYY-MM-DD": "2006-01-02", "DD/MM/YYYY": "02/01/2006",
	"YYYY-MM": "2006-01", "MM-DD": "01-02", "YYYY": "2006", "MM": "01", "DD": "02",
}

func formatDate(ms float64, f *field) string {
	loc := time.UTC
	if z := f.propString("timeZone"); z != "" {
		if l, err := time.LoadLocation(z); err == nil {
			loc = l
		}
	}
	t := time.UnixMilli(int64(ms)).In(loc)
	layout := dateLayouts[f.propString("dateFormat")]
	if layout == "" {
		layout = "2006/01/02"
	}
	if f.propBool("includeTime") {
		if f.propString("timeFormat") == "HH:mm" {
			layout += " 15:04"
		} else {
			layout += " 03:04"
		}
	}
	return t.Format(layout)
}
