package fake

import "fmt"

var colorHues = []string{"deepPurple", "indigo", "blue", "teal", "green", "yellow", "orange", "tangerine", "pink", "red"}

var colorValues = [][]string{
	{"#E5E1FC", "#E1E6FC", "#DDEBFD", "#DCF3F1", "#DCF2DF", "#FFF5D6", "#FFE9D9", "#FFE4DB", "#FDE2EF", "#FFDDDA"},
	{"#C3B9F8", "#B9C6F8", "#B1CFFB", "#ADE3DF", "#ADE2B6", "#FFE9A8", "#FFD2B0", "#FFC6B3", "#FAC0DC", "#FFB9B3"},
	{"#A292F4", "#92A6F4", "#84B3F9", "#7CD5CE", "#7DD28A", "#FFDD7A", "#FFBC87", "#FFA88B", "#F79FC9", "#FF968D"},
	{"#7B67EE", "#6782EE", "#5596F6", "#4BC6BC", "#4CC15E", "#FFD04D", "#FFA55E", "#FF8A63", "#F47DB5", "#FF7366"},
}

func colorJSON(n int) map[string]any {
	hue := colorHues[n%10]
	level := n / 10
	val := colorValues[level%len(colorValues)][n%10]
	return map[string]any{"name": fmt.Sprintf("%s_%d", hue, level), "value": val}
}

var emojiNative = map[string]string{
	"star": "⭐", "white_check_mark": "✅", "heart": "❤️", "thumbsup": "👍", "+1": "👍", "fire": "🔥",
	"smiley": "😃", "flag-cn": "🇨🇳", "rocket": "🚀", "ballot_box_with_check": "☑️", "heavy_check_mark": "✔️",
	"100": "💯", "moneybag": "💰", "bulb": "💡", "dart": "🎯",
}

func nativeEmoji(slug string) string {
	if e, ok := emojiNative[slug]; ok {
		return e
	}
	return slug
}

var readOnlyTypes = map[string]bool{
	"Formula": true, "MagicLookUp": true, "AutoNumber": true, "CreatedTime": true, "LastModifiedTime": true,
	"CreatedBy": true, "LastModifiedBy": true, "Button": true,
}

// fieldJSON renders a field as in GET fields (server-behaviour.md §7.3, §8.3).
func (s *Backend) fieldJSON(ds *datasheet, f *field, primary bool) map[string]any {
	out := map[string]any{"id": f.id, "name": f.name, "type": f.typ, "editable": !readOnlyTypes[f.typ]}
	if primary {
		out["isPrimary"] = true
	}
	if f.desc != "" {
		out["desc"] = f.desc
	}
	if p := s.fieldPropertyJSON(ds, f); p != nil {
		out["property"] = p
	}
	return out
}

// fieldPropertyJSON is a field's property as list fields answers it
// (server-behaviour.md §8); nil for types without one.
func (s *Backend) fieldPropertyJSON(ds *datasheet, f *field) map[string]any {
	switch f.typ {
	case "SingleText", "Number", "Percent", "Currency":
		return numberPropertyJSON(f)
	case "Rating":
		return map[string]any{"icon": nativeEmoji(f.propString("icon")), "max": f.propNum("max", 5)}
	case "Checkbox":
		return map[string]any{"icon": nativeEmoji(f.propString("icon"))}
	case "SingleSelect", "MultiSelect":
		opts := []any{}
		for _, o := range f.options {
			opts = append(opts, map[string]any{"id": o.id, "name": o.name, "color": colorJSON(o.color)})
		}
		return map[string]any{"options": opts}
	case "DateTime", "CreatedTime", "LastModifiedTime":
		return datePropertyJSON(f)
	case "Member":
		return s.memberPropertyJSON(ds, f)
	case "CreatedBy", "LastModifiedBy":
		return map[string]any{"options": []any{map[string]any{"id": userID, "name": userName, "avatar": ""}}}
	case "TwoWayLink":
		return f.copyProps("foreignDatasheetId", "brotherFieldId", "limitToViewId", "limitSingleRecord")
	case "OneWayLink":
		return f.copyProps("foreignDatasheetId", "limitToViewId", "limitSingleRecord")
	case "MagicLookUp":
		out := f.copyProps("relatedLinkFieldId", "targetFieldId", "rollupFunction", "enableFilterSort", "sortInfo", "lookUpLimit", "filterInfo", "format")
		if _, ok := out["rollupFunction"]; !ok {
			out["rollupFunction"] = "VALUES"
		}
		out["valueType"] = "Array"
		return out
	case "Formula":
		out := f.copyProps("expression", "format")
		_, err := parseFormula(f.propString("expression"))
		out["valueType"] = "String"
		out["hasError"] = err != nil && f.propString("expression") != ""
		return out
	case "Button", "Cascader":
		if len(f.prop) == 0 {
			return nil
		}
		return f.copyProps(keysOf(f.prop)...)
	}
	return nil
}

// copyProps copies the given keys of the stored property, skipping absent
// and null ones.
func (f *field) copyProps(keys ...string) map[string]any {
	out := map[string]any{}
	for _, k := range keys {
		if v, ok := f.prop[k]; ok && v != nil {
			out[k] = v
		}
	}
	return out
}

// numberPropertyJSON is the property of SingleText and the number types.
func numberPropertyJSON(f *field) map[string]any {
	var out map[string]any
	switch f.typ {
	case "SingleText":
		out = f.copyProps("defaultValue")
		if _, ok := out["defaultValue"]; !ok {
			out["defaultValue"] = ""
		}
	case "Number":
		out = f.copyProps("defaultValue", "commaStyle", "symbol")
		out["precision"] = f.propNum("precision", 0)
	case "Percent":
		out = f.copyProps("defaultValue")
		out["precision"] = f.propNum("precision", 0)
	case "Currency":
		out = f.copyProps("defaultValue", "symbolAlign")
		out["precision"] = f.propNum("precision", 2)
		out["symbol"] = f.propString("symbol")
	}
	return out
}

// datePropertyJSON is the property of the date types: format joins the
// date and time formats when the time is shown.
func datePropertyJSON(f *field) map[string]any {
	format := f.propString("dateFormat")
	if f.propBool("includeTime") {
		format += " " + f.propString("timeFormat")
	}
	out := map[string]any{"format": format, "includeTime": f.propBool("includeTime")}
	if z := f.propString("timeZone"); z != "" {
		out["timeZone"] = z
	}
	if f.propBool("includeTimeZone") {
		out["includeTimeZone"] = true
	}
	if f.typ == "DateTime" && f.propBool("autoFill") {
		out["autoFill"] = true
	}
	return out
}

// memberPropertyJSON lists as options the units some record of the
// datasheet holds in the field.
func (s *Backend) memberPropertyJSON(ds *datasheet, f *field) map[string]any {
	used := map[string]bool{}
	for _, r := range ds.records {
		for _, id := range idList(r.cells[f.id]) {
			used[id] = true
		}
	}
	opts := []any{}
	for _, u := range s.st.spaces[ds.spaceID].units {
		if used[u.id] {
			o := map[string]any{"id": u.id, "name": u.name, "type": u.typ}
			if u.avatar != "" {
				o["avatar"] = u.avatar
			}
			opts = append(opts, o)
		}
	}
	return map[string]any{"options": opts, "isMulti": f.propBool("isMulti"), "shouldSendMsg": f.propBool("shouldSendMsg"), "subscription": f.propBool("subscription")}
}

func keysOf(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// listFields: GET /fusion/v1/datasheets/{datasheetId}/fields (server-behaviour.md §6.5).
func (s *Backend) listFields(rs *reqState) (*result, *apiError) {
	ds := s.st.dsts[rs.params["datasheetId"]]
	if ds == nil {
		return nil, errDatasheetNotFound()
	}
	if aerr := s.readGuard(ds); aerr != nil {
		return nil, aerr // server-behaviour.md §6.5
	}
	var vw *view
	if vid := rs.r.URL.Query().Get("viewId"); vid != "" {
		if vw = ds.view(vid); vw == nil {
			return nil, errParam(fmt.Sprintf("View (%s) does not exist", vid))
		}
	}
	out := []any{}
	for i, f := range ds.fields {
		if vw != nil && vw.hidden[f.id] {
			continue
		}
		out = append(out, s.fieldJSON(ds, f, i == 0))
	}
	return &result{data: map[string]any{"fields": out}}, nil
}

// listViews: GET /fusion/v1/datasheets/{datasheetId}/views (server-behaviour.md §6.8).
func (s *Backend) listViews(rs *reqState) (*result, *apiError) {
	ds := s.st.dsts[rs.params["datasheetId"]]
	if ds == nil {
		return nil, errDatasheetNotFound()
	}
	out := []any{}
	for _, v := range ds.views {
		out = append(out, map[string]any{"id": v.id, "name": v.name, "type": v.typ})
	}
	return &result{data: map[string]any{"views": out}}, nil
}
