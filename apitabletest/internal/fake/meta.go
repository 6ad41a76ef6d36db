package fake

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

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

// fieldJSON renders a field as in GET fields (§7.3, §8.3).
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

func (s *Backend) fieldPropertyJSON(ds *datasheet, f *field) map[string]any {
	p := f.prop
	copyKeys := func(keys ...string) map[string]any {
		out := map[string]any{}
		for _, k := range keys {
			if v, ok := p[k]; ok && v != nil {
				out[k] = v
			}
		}
		return out
	}
	switch f.typ {
	case "SingleText":
		out := copyKeys("defaultValue")
		if _, ok := out["defaultValue"]; !ok {
			out["defaultValue"] = ""
		}
		return out
	case "Number":
		out := copyKeys("defaultValue", "commaStyle", "symbol")
		out["precision"] = f.propNum("precision", 0)
		return out
	case "Percent":
		out := copyKeys("defaultValue")
		out["precision"] = f.propNum("precision", 0)
		return out
	case "Currency":
		out := copyKeys("defaultValue", "symbolAlign")
		out["precision"] = f.propNum("precision", 2)
		out["symbol"] = f.propString("symbol")
		return out
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
	case "Member":
		sp := s.st.spaces[ds.spaceID]
		used := map[string]bool{}
		for _, r := range ds.records {
			for _, id := range idList(r.cells[f.id]) {
				used[id] = true
			}
		}
		opts := []any{}
		for _, u := range sp.units {
			if used[u.id] {
				o := map[string]any{"id": u.id, "name": u.name, "type": u.typ}
				if u.avatar != "" {
					o["avatar"] = u.avatar
				}
				opts = append(opts, o)
			}
		}
		return map[string]any{"options": opts, "isMulti": f.propBool("isMulti"), "shouldSendMsg": f.propBool("shouldSendMsg"), "subscription": f.propBool("subscription")}
	case "CreatedBy", "LastModifiedBy":
		return map[string]any{"options": []any{map[string]any{"id": userID, "name": userName, "avatar": ""}}}
	case "TwoWayLink":
		return copyKeys("foreignDatasheetId", "brotherFieldId", "limitToViewId", "limitSingleRecord")
	case "OneWayLink":
		return copyKeys("foreignDatasheetId", "limitToViewId", "limitSingleRecord")
	case "MagicLookUp":
		out := copyKeys("relatedLinkFieldId", "targetFieldId", "rollupFunction", "enableFilterSort", "sortInfo", "lookUpLimit", "filterInfo", "format")
		if _, ok := out["rollupFunction"]; !ok {
			out["rollupFunction"] = "VALUES"
		}
		out["valueType"] = "Array"
		return out
	case "Formula":
		out := copyKeys("expression", "format")
		_, err := parseFormula(f.propString("expression"))
		out["valueType"] = "String"
		out["hasError"] = err != nil && f.propString("expression") != ""
		return out
	case "Button", "Cascader":
		if len(p) == 0 {
			return nil
		}
		return copyKeys(keysOf(p)...)
	}
	return nil
}

func keysOf(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// listFields: GET /fusion/v1/datasheets/{datasheetId}/fields (§6.5).
func (s *Backend) listFields(rs *reqState) (*result, *apiError) {
	ds := s.st.dsts[rs.params["datasheetId"]]
	if ds == nil {
		return nil, errDatasheetNotFound()
	}
	if aerr := s.readGuard(ds); aerr != nil {
		return nil, aerr // §6.5
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

// listViews: GET /fusion/v1/datasheets/{datasheetId}/views (§6.8).
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

// listSpaces: GET /fusion/v1/spaces (§6.12).
func (s *Backend) listSpaces(rs *reqState) (*result, *apiError) {
	out := []any{}
	for _, id := range s.st.spaceOrder {
		sp := s.st.spaces[id]
		if sp.member {
			out = append(out, map[string]any{"id": sp.id, "name": sp.name, "isAdmin": true})
		}
	}
	return &result{data: map[string]any{"spaces": out}}, nil
}

func (s *Backend) nodeJSON(n *node) map[string]any {
	out := map[string]any{"id": n.id, "name": n.name, "type": n.typ, "isFav": false, "permission": int(n.role)}
	if n.icon != "" {
		out["icon"] = n.icon
	}
	return out
}

// listRootNodes: GET /fusion/v1/spaces/{spaceId}/nodes (§6.13).
func (s *Backend) listRootNodes(rs *reqState) (*result, *apiError) {
	sp := s.st.spaces[rs.params["spaceId"]]
	out := []any{}
	for _, id := range sp.root {
		if n := s.st.nodes[id]; n != nil {
			out = append(out, s.nodeJSON(n))
		}
	}
	return &result{data: map[string]any{"nodes": out}}, nil
}

// nodeDetail: GET /fusion/v1/nodes/{nodeId} (§6.14).
func (s *Backend) nodeDetail(rs *reqState) (*result, *apiError) {
	n := s.st.nodes[rs.params["nodeId"]]
	if n == nil {
		return nil, errDatasheetNotFound()
	}
	if sid, ok := rs.params["spaceId"]; ok && n.spaceID != sid {
		return nil, errDatasheetNotFound()
	}
	if !s.st.spaces[n.spaceID].member {
		return nil, errNotInSpace()
	}
	out := s.nodeJSON(n)
	if len(n.children) > 0 {
		var ch []any
		for _, id := range n.children {
			if c := s.st.nodes[id]; c != nil {
				ch = append(ch, s.nodeJSON(c))
			}
		}
		out["children"] = ch
	}
	return &result{data: out}, nil
}

// searchNodes: GET /fusion/v2/spaces/{spaceId}/nodes (§6.15).
func (s *Backend) searchNodes(rs *reqState) (*result, *apiError) {
	q := rs.r.URL.Query()
	var fails []dtoFailure
	typ := q.Get("type")
	switch typ {
	case "Folder", "Datasheet", "Form", "Dashboard", "Mirror", "Automation":
	default:
		fails = append(fails, dtoFailure{id: "api_params_invalid_node_type", text: `The type must be one of the following values: "Folder", "Datasheet", "Form", "Dashboard", "Mirror".`})
	}
	perms := map[int]bool{}
	var raw []string
	for _, v := range q["permissions"] {
		raw = append(raw, strings.Split(v, ",")...)
	}
	for _, p := range raw {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || n < 0 || n > 3 {
			fails = append(fails, dtoFailure{id: "api_params_invalid_permissions", text: "The permissions argument must be one of the following integer values: 0,1,2,3."})
			break
		}
		perms[n] = true
	}
	if aerr := dtoError(fails); aerr != nil {
		return nil, aerr
	}
	if len(perms) == 0 {
		perms = map[int]bool{0: true, 1: true, 2: true, 3: true}
	}
	query := q.Get("query")
	sp := s.st.spaces[rs.params["spaceId"]]
	out := []any{}
	var walk func(ids []string, parent string)
	walk = func(ids []string, parent string) {
		for _, id := range ids {
			n := s.st.nodes[id]
			if n == nil {
				continue
			}
			if n.typ == typ && perms[int(n.role)] && strings.Contains(n.name, query) {
				o := s.nodeJSON(n)
				if parent != "" {
					o["parentId"] = parent
				}
				out = append(out, o)
			}
			walk(n.children, n.id)
		}
	}
	walk(sp.root, "")
	return &result{data: map[string]any{"nodes": out}}, nil
}

// fieldRouteDatasheet applies the field guard (§6.6).
func (s *Backend) fieldRouteDatasheet(rs *reqState) (*datasheet, *apiError) {
	ds := s.st.dsts[rs.params["datasheetId"]]
	if ds == nil {
		return nil, errDatasheetNotFound()
	}
	if ds.spaceID != rs.params["spaceId"] {
		return nil, &apiError{status: 200, code: 301, msg: "Datasheet not visible"}
	}
	if aerr := s.readGuard(ds); aerr != nil {
		return nil, aerr
	}
	return ds, nil
}

// propKey is one key of a create-field property schema (§8.4).
type propKey struct {
	name, kind string // kind: string, number, boolean, array, object, any
	required   bool
	min, max   float64 // number range, when max > min
	oneOf      []string
}

var dateFormats = []string{"YYYY/MM/DD", "YYYY-MM-DD", "DD/MM/YYYY", "YYYY-MM", "MM-DD", "YYYY", "MM", "DD"}

var dateKeys = []propKey{
	{name: "dateFormat", kind: "string", required: true, oneOf: dateFormats},
	{name: "timeFormat", kind: "string", oneOf: []string{"HH:mm", "hh:mm"}},
	{name: "includeTime", kind: "boolean"},
}

var collectKeys = []propKey{
	{name: "collectType", kind: "number", oneOf: []string{"0", "1"}},
	{name: "fieldIdCollection", kind: "array"},
}

func schemaKeys(groups ...[]propKey) []propKey {
	var out []propKey
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}

// propertySchemas are the open property schemas of §8.4, in key order;
// keys not listed are rejected (`"x" is not allowed`), like Joi does.
var propertySchemas = map[string][]propKey{
	"SingleText": {{name: "defaultValue", kind: "string"}},
	"Number": {{name: "precision", kind: "number", required: true, min: 0, max: 1000},
		{name: "defaultValue", kind: "string"}, {name: "symbol", kind: "string"}},
	"Percent": {{name: "precision", kind: "number", required: true, min: 0, max: 10}, {name: "defaultValue", kind: "string"}},
	"Currency": {{name: "symbol", kind: "string"}, {name: "precision", kind: "number", min: 0, max: 10},
		{name: "defaultValue", kind: "string"}, {name: "symbolAlign", kind: "string", oneOf: []string{"Default", "Left", "Right"}}},
	"Rating":       {{name: "icon", kind: "string", required: true}, {name: "max", kind: "number", required: true, min: 0, max: 10}},
	"Checkbox":     {{name: "icon", kind: "string", required: true}},
	"SingleSelect": {{name: "options", kind: "array", required: true}, {name: "defaultValue", kind: "string"}},
	"MultiSelect":  {{name: "options", kind: "array", required: true}, {name: "defaultValue", kind: "array"}},
	"DateTime": schemaKeys(dateKeys, []propKey{{name: "autoFill", kind: "boolean"},
		{name: "timeZone", kind: "string"}, {name: "includeTimeZone", kind: "boolean"}}),
	"CreatedTime":      schemaKeys(dateKeys, []propKey{{name: "timeZone", kind: "string"}, {name: "includeTimeZone", kind: "boolean"}}),
	"LastModifiedTime": schemaKeys(dateKeys, []propKey{{name: "timeZone", kind: "string"}, {name: "includeTimeZone", kind: "boolean"}}, collectKeys),
	"LastModifiedBy":   collectKeys,
	"Member":           {{name: "isMulti", kind: "boolean"}, {name: "shouldSendMsg", kind: "boolean"}, {name: "subscription", kind: "boolean"}},
	"TwoWayLink":       linkKeys,
	"MagicLink":        linkKeys,
	"OneWayLink":       linkKeys,
	"MagicLookUp": {{name: "relatedLinkFieldId", kind: "string", required: true}, {name: "targetFieldId", kind: "string", required: true},
		{name: "rollupFunction", kind: "string", oneOf: []string{"VALUES", "AVERAGE", "COUNT", "COUNTA", "COUNTALL", "SUM", "MIN", "MAX",
			"AND", "OR", "XOR", "CONCATENATE", "ARRAYJOIN", "ARRAYUNIQUE", "ARRAYCOMPACT"}},
		{name: "format", kind: "object"}, {name: "enableFilterSort", kind: "boolean"}, {name: "filterInfo", kind: "object"},
		{name: "sortInfo", kind: "object"}, {name: "lookUpLimit", kind: "string", oneOf: []string{"ALL", "FIRST"}}},
	"Formula": {{name: "expression", kind: "string"}, {name: "format", kind: "object"}},
	"Button":  {{name: "text", kind: "string"}, {name: "style", kind: "object"}, {name: "action", kind: "object"}},
}

var linkKeys = []propKey{{name: "foreignDatasheetId", kind: "string", required: true},
	{name: "limitToViewId", kind: "string"}, {name: "limitSingleRecord", kind: "boolean"}, {name: "conversion", kind: "any"}}

// propNumber reads a schema number: a JSON number or a numeric string
// (Joi converts).
func propNumber(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		return f, err == nil && strings.TrimSpace(x) != ""
	}
	return 0, false
}

// checkPropKey returns the Joi message for a bad value of key k, or "".
func checkPropKey(k propKey, v any) string {
	q := strconv.Quote(k.name)
	switch k.kind {
	case "string":
		str, ok := v.(string)
		if !ok {
			return q + " must be a string"
		}
		if len(k.oneOf) > 0 && !slicesContains(k.oneOf, str) {
			return q + " must be one of [" + strings.Join(k.oneOf, ", ") + "]"
		}
	case "number":
		n, ok := propNumber(v)
		if !ok {
			return q + " must be a number"
		}
		if len(k.oneOf) > 0 && !slicesContains(k.oneOf, strconv.FormatFloat(n, 'f', -1, 64)) {
			return q + " must be one of [" + strings.Join(k.oneOf, ", ") + "]"
		}
		if k.max > k.min {
			if n < k.min {
				return fmt.Sprintf("%s must be greater than or equal to %g", q, k.min)
			}
			if n > k.max {
				return fmt.Sprintf("%s must be less than or equal to %g", q, k.max)
			}
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			return q + " must be a boolean"
		}
	case "array":
		if _, ok := v.([]any); !ok {
			return q + " must be an array"
		}
	case "object":
		if _, ok := v.(map[string]any); !ok {
			return q + " must be of type object"
		}
	}
	return ""
}

func slicesContains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// isEmojiSlug accepts emoji-mart style slugs ("star", "white_check_mark",
// "+1", "flag-cn"). The fake cannot know every slug; it rejects what is
// certainly not one, such as the native character read back from GET
// fields.
func isEmojiSlug(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '_' && r != '-' && r != '+' {
			return false
		}
	}
	return true
}

// validateFieldProperty checks a create-field property against the type's
// schema (§8.4), returning the §4.3 message (Joi's first error) or "".
func (s *Backend) validateFieldProperty(typ string, prop any) string {
	switch typ {
	case "Text", "URL", "Email", "Phone", "Attachment", "AutoNumber", "CreatedBy", "WorkDoc", "Cascader":
		if prop != nil {
			return typ + " not support set property"
		}
		return ""
	}
	pm, isObj := prop.(map[string]any)
	if !isObj {
		return `"value" must be of type object`
	}
	schema := propertySchemas[typ]
	known := map[string]bool{}
	for _, k := range schema {
		known[k.name] = true
		v, ok := pm[k.name]
		if !ok {
			if k.required {
				return strconv.Quote(k.name) + " is required"
			}
			continue
		}
		if m := checkPropKey(k, v); m != "" {
			return m
		}
	}
	first := ""
	for k := range pm {
		if !known[k] && (first == "" || k < first) {
			first = k
		}
	}
	if first != "" {
		return strconv.Quote(first) + " is not allowed"
	}
	switch typ {
	case "Rating", "Checkbox":
		if !isEmojiSlug(pm["icon"].(string)) {
			return "icon is not Emoji slug"
		}
	case "SingleSelect", "MultiSelect":
		for i, o := range pm["options"].([]any) {
			om, _ := o.(map[string]any)
			p := fmt.Sprintf(`"options[%d]`, i)
			if om == nil {
				return p + `" must be of type object`
			}
			name, ok := om["name"]
			if !ok {
				return p + `.name" is required`
			}
			if ns, ok := name.(string); !ok {
				return p + `.name" must be a string`
			} else if ns == "" {
				return p + `.name" is not allowed to be empty`
			}
			if _, ok := om["id"]; ok {
				if _, isStr := om["id"].(string); !isStr {
					return p + `.id" must be a string`
				}
				if _, ok := om["color"]; !ok {
					return p + `.color" is required`
				}
			}
			if c, ok := om["color"]; ok {
				if _, isNum := c.(float64); !isNum {
					return p + `.color" must be a number`
				}
			}
			for k := range om {
				if k != "name" && k != "id" && k != "color" {
					return p + "." + k + `" is not allowed`
				}
			}
		}
		if typ == "MultiSelect" {
			if dv, ok := pm["defaultValue"].([]any); ok {
				for i, v := range dv {
					if _, isStr := v.(string); !isStr {
						return fmt.Sprintf(`"defaultValue[%d]" must be a string`, i)
					}
				}
			}
		}
	case "TwoWayLink", "MagicLink", "OneWayLink":
		if id, _ := pm["foreignDatasheetId"].(string); s.st.dsts[id] == nil {
			return `"foreignDatasheetId" is invalid`
		}
	}
	return ""
}

// createField: POST /fusion/v1/spaces/{spaceId}/datasheets/{datasheetId}/fields (§6.6).
func (s *Backend) createField(rs *reqState) (*result, *apiError) {
	ds, aerr := s.fieldRouteDatasheet(rs)
	if aerr != nil {
		return nil, aerr
	}
	body, _ := rs.json.(map[string]any)
	var msgs []string
	name, nameOK := body["name"].(string)
	typ, typOK := body["type"].(string)
	if !nameOK {
		msgs = append(msgs, "name must be a string")
	}
	if !typOK {
		msgs = append(msgs, "type must be a string")
	}
	if len(msgs) > 0 {
		return nil, errServer(msgs)
	}
	if name == "" {
		return nil, errParam("Invalid value for name")
	}
	if jsLen(name) > 100 {
		return nil, errParam("$name's length must not be greater than $100")
	}
	if !knownTypes[typ] || typ == "NotSupport" {
		return nil, errParam("Invalid value for type")
	}
	prop := body["property"]
	if m := s.validateFieldProperty(typ, prop); m != "" {
		return nil, errParam(m)
	}
	pm, _ := prop.(map[string]any)
	if typ == "MagicLookUp" {
		rel, _ := pm["relatedLinkFieldId"].(string)
		lf := ds.fieldByID(rel)
		if lf == nil {
			return nil, errParam(fmt.Sprintf("The link field ID \"%s\" associated with the lookup field does not exist.", rel))
		}
		if lf.typ != "TwoWayLink" && lf.typ != "OneWayLink" {
			return nil, errParam(fmt.Sprintf("The field ID \"%s\" associated with the lookup field is not a link field.", rel))
		}
		tgt, _ := pm["targetFieldId"].(string)
		fds := s.st.dsts[lf.propString("foreignDatasheetId")]
		if fds == nil || fds.fieldByID(tgt) == nil {
			return nil, errParam(fmt.Sprintf("The field ID \"%s\" referenced by the lookup field does not exist.", tgt))
		}
		// Sort and filter fields are fields of the linked datasheet. (The
		// fake does not check sortability or filter operators.)
		if si, ok := pm["sortInfo"].(map[string]any); ok {
			rules, _ := si["rules"].([]any)
			for _, r := range rules {
				rm, _ := r.(map[string]any)
				if id, _ := rm["fieldId"].(string); fds.fieldByID(id) == nil {
					return nil, errParam(fmt.Sprintf("The sorting field ID \"%s\" specified by the lookup field does not exist.", id))
				}
			}
		}
		if fi, ok := pm["filterInfo"].(map[string]any); ok {
			conds, _ := fi["conditions"].([]any)
			for _, c := range conds {
				cm, _ := c.(map[string]any)
				if id, _ := cm["fieldId"].(string); fds.fieldByID(id) == nil {
					return nil, errParam(fmt.Sprintf("The filtering field ID \"%s\" specified by the lookup field does not exist.", id))
				}
			}
		}
	}
	if fieldNameTaken(ds, name) {
		return nil, errParam("name must be unique")
	}
	if len(ds.fields) >= 200 {
		return nil, &apiError{status: 200, code: 211, msg: "Failed to create data"}
	}
	if !s.roleLocked(ds.id).canManageFields() {
		return nil, errOperationDenied() // OT layer (§6.6)
	}
	f, err := s.buildField(ds, name, typ, createTransform(typ, pm), false)
	if err != nil {
		return nil, errParam("Invalid value for type")
	}
	ds.fields = append(ds.fields, f)
	if err := s.resolveFieldRefs(ds, f); err != nil {
		ds.fields = ds.fields[:len(ds.fields)-1]
		return nil, errParam(err.Error())
	}
	return &result{data: map[string]any{"id": f.id, "name": f.name}}, nil
}

// jsLen is a string's JavaScript length (UTF-16 code units), which the
// server's length checks use.
func jsLen(s string) int {
	n := 0
	for _, r := range s {
		n++
		if utf8.RuneLen(r) == 4 {
			n++
		}
	}
	return n
}

// fieldNameTaken is the server's uniqueness check (§6.6): MySQL
// JSON_SEARCH, i.e. LIKE semantics, case-sensitive, with "%" and "_" in the
// new name acting as wildcards.
func fieldNameTaken(ds *datasheet, name string) bool {
	for _, f := range ds.fields {
		if likeMatch(name, f.name) {
			return true
		}
	}
	return false
}

func likeMatch(pattern, s string) bool {
	p, t := []rune(pattern), []rune(s)
	var match func(i, j int) bool
	match = func(i, j int) bool {
		for i < len(p) {
			switch p[i] {
			case '%':
				for k := j; k <= len(t); k++ {
					if match(i+1, k) {
						return true
					}
				}
				return false
			case '_':
				if j >= len(t) {
					return false
				}
			default:
				if j >= len(t) || t[j] != p[i] {
					return false
				}
			}
			i++
			j++
		}
		return j == len(t)
	}
	return match(0, 0)
}

// createTransform applies what the server's property transforms do to a
// validated create-field property before storing it (§8.4): precision
// becomes a number, and date fields drop timeZone and includeTimeZone.
func createTransform(typ string, pm map[string]any) map[string]any {
	if pm == nil {
		return nil
	}
	out := make(map[string]any, len(pm))
	for k, v := range pm {
		out[k] = v
	}
	if v, ok := out["precision"]; ok {
		if n, ok := propNumber(v); ok {
			out["precision"] = n
		}
	}
	switch typ {
	case "DateTime", "CreatedTime", "LastModifiedTime":
		delete(out, "timeZone")
		delete(out, "includeTimeZone")
	}
	return out
}

// deleteField: DELETE /fusion/v1/spaces/{spaceId}/datasheets/{datasheetId}/fields/{fieldId} (§6.7).
func (s *Backend) deleteField(rs *reqState) (*result, *apiError) {
	ds, aerr := s.fieldRouteDatasheet(rs)
	if aerr != nil {
		return nil, aerr
	}
	conversion := "keepText"
	if body, ok := rs.json.(map[string]any); ok {
		if c, ok := body["conversion"]; ok {
			cs, _ := c.(string)
			if cs != "delete" && cs != "keepText" {
				return nil, errParam("Invalid value for {property}")
			}
			conversion = cs
		}
	}
	fid := rs.params["fieldId"]
	f := ds.fieldByID(fid)
	if f == nil {
		return nil, errParam(fmt.Sprintf("fieldId \"%s\" does not exist", fid))
	}
	if ds.fields[0] == f {
		return nil, errParam("The primary field can't be deleted")
	}
	if !s.roleLocked(ds.id).canManageFields() {
		return nil, errOperationDenied() // OT layer (§6.7)
	}
	s.removeField(ds, f)
	if f.typ == "TwoWayLink" {
		fds := s.st.dsts[f.propString("foreignDatasheetId")]
		if fds != nil && fds != ds {
			if bro := fds.fieldByID(f.propString("brotherFieldId")); bro != nil {
				if conversion == "delete" {
					s.removeField(fds, bro)
				} else {
					// keepText: the sibling becomes a text field.
					for _, r := range fds.records {
						if v, ok := r.cells[bro.id]; ok {
							r.cells[bro.id] = strings.Join(idList(v), ", ")
						}
					}
					bro.typ = "Text"
					bro.prop = map[string]any{}
				}
			}
		}
	}
	return &result{data: map[string]any{}}, nil
}

func (s *Backend) removeField(ds *datasheet, f *field) {
	n := ds.fields[:0]
	for _, x := range ds.fields {
		if x != f {
			n = append(n, x)
		}
	}
	ds.fields = n
	for _, r := range ds.records {
		delete(r.cells, f.id)
	}
	for _, v := range ds.views {
		delete(v.hidden, f.id)
		rules := v.sort[:0]
		for _, r := range v.sort {
			if r.fieldID != f.id {
				rules = append(rules, r)
			}
		}
		v.sort = rules
	}
}

var primaryTypes = map[string]bool{"SingleText": true, "Text": true, "Number": true, "DateTime": true, "Formula": true,
	"URL": true, "Phone": true, "Email": true, "Currency": true, "Percent": true, "AutoNumber": true}

// createDatasheet: POST /fusion/v1/spaces/{spaceId}/datasheets (§6.11).
func (s *Backend) createDatasheet(rs *reqState) (*result, *apiError) {
	body, _ := rs.json.(map[string]any)
	var msgs []string
	name, nameOK := body["name"].(string)
	if !nameOK {
		msgs = append(msgs, "name must be a string")
	}
	for _, k := range []string{"description", "folderId", "preNodeId"} {
		if v, ok := body[k]; ok && v != nil {
			if _, ok := v.(string); !ok {
				msgs = append(msgs, k+" must be a string")
			}
		}
	}
	fieldsRaw, _ := body["fields"].([]any)
	for i, fr := range fieldsRaw {
		fm, _ := fr.(map[string]any)
		if _, ok := fm["name"].(string); !ok {
			msgs = append(msgs, fmt.Sprintf("fields.%d.name must be a string", i))
		}
		if _, ok := fm["type"].(string); !ok {
			msgs = append(msgs, fmt.Sprintf("fields.%d.type must be a string", i))
		}
	}
	if len(msgs) > 0 {
		return nil, errServer(msgs)
	}
	if name == "" {
		return nil, errParam("datasheet must contain name keys")
	}
	if jsLen(name) > 100 {
		return nil, errParam("$name's length must not be greater than $100")
	}
	if len(fieldsRaw) > 200 {
		return nil, errParam("fields must contain no more than 200 elements")
	}
	type fdef struct {
		name, typ string
		prop      map[string]any
	}
	var defs []fdef
	seen := map[string]bool{}
	for _, fr := range fieldsRaw {
		fm := fr.(map[string]any)
		fn, ft := fm["name"].(string), fm["type"].(string)
		if fn == "" {
			return nil, errParam("Invalid value for field.name")
		}
		if jsLen(fn) > 100 {
			return nil, errParam("$field.name's length must not be greater than $100")
		}
		if !knownTypes[ft] || ft == "NotSupport" {
			return nil, errParam(fmt.Sprintf("Invalid value for fields[%s].type", fn))
		}
		if m := s.validateFieldProperty(ft, fm["property"]); m != "" {
			return nil, errParam(fmt.Sprintf("Invalid value for fields[%s].property", fn))
		}
		pm, _ := fm["property"].(map[string]any)
		defs = append(defs, fdef{fn, ft, pm})
	}
	for _, d := range defs {
		if seen[d.name] {
			return nil, errParam("field.name must be unique")
		}
		seen[d.name] = true
	}
	if len(defs) > 0 && !primaryTypes[defs[0].typ] {
		return nil, errParam("The primary field type can't be " + defs[0].typ)
	}
	if desc, _ := body["description"].(string); jsLen(desc) > 500 {
		return nil, errParam("$description's length must not be greater than $500")
	}
	spaceID := rs.params["spaceId"]
	sp := s.st.spaces[spaceID]
	folderID, _ := body["folderId"].(string)
	var folder *node
	if folderID != "" {
		folder = s.st.nodes[folderID]
		if folder == nil || folder.typ != "Folder" || folder.spaceID != spaceID {
			return nil, errParam("Invalid value for folderId")
		}
	}
	preNodeID, _ := body["preNodeId"].(string)
	siblings := &sp.root
	if folder != nil {
		siblings = &folder.children
	}
	insertAt := 0
	if preNodeID != "" {
		idx := -1
		for i, id := range *siblings {
			if id == preNodeID {
				idx = i
			}
		}
		if idx < 0 {
			return nil, errParam("Invalid value for preNodeId")
		}
		insertAt = idx + 1
	}
	ds := &datasheet{id: s.newID("dst", 15), name: name, spaceID: spaceID, records: map[string]*record{}, nextAuto: 1}
	s.st.dsts[ds.id] = ds
	if len(defs) == 0 {
		defs = []fdef{{"Title", "SingleText", map[string]any{"defaultValue": ""}}, {"Options", "MultiSelect", map[string]any{"options": []any{}}}, {"Attachments", "Attachment", nil}}
	}
	var fieldsOut []any
	for _, d := range defs {
		f, err := s.buildField(ds, d.name, d.typ, createTransform(d.typ, d.prop), false)
		if err != nil {
			delete(s.st.dsts, ds.id)
			return nil, errParam(fmt.Sprintf("Invalid value for fields[%s].property", d.name))
		}
		ds.fields = append(ds.fields, f)
		if err := s.resolveFieldRefs(ds, f); err != nil {
			delete(s.st.dsts, ds.id)
			return nil, errParam(fmt.Sprintf("Invalid value for fields[%s].property", d.name))
		}
		fieldsOut = append(fieldsOut, map[string]any{"id": f.id, "name": f.name})
	}
	ds.views = []*view{{id: s.newID("viw", 10), name: "Grid view", typ: "Grid", hidden: map[string]bool{}}}
	// A new datasheet starts with 3 empty records (§6.11).
	for i := 0; i < 3; i++ {
		s.insertRecordLocked(ds, nil, len(ds.order))
	}
	n := &node{id: ds.id, name: name, typ: "Datasheet", spaceID: spaceID, parentID: folderID}
	s.st.nodes[n.id] = n
	*siblings = append((*siblings)[:insertAt], append([]string{n.id}, (*siblings)[insertAt:]...)...)
	return &result{data: map[string]any{"id": ds.id, "createdAt": time.Now().UnixMilli(), "fields": fieldsOut}}, nil
}
