package fake

import (
	"fmt"
	"strconv"
	"strings"
)

// propKey is one key of a create-field property schema (server-behaviour.md §8.4).
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

// propertySchemas are the open property schemas of server-behaviour.md §8.4, in key order;
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
// schema (server-behaviour.md §8.4), returning the server-behaviour.md §4.3 message (Joi's first error) or "".
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
	if m := checkSchema(propertySchemas[typ], pm); m != "" {
		return m
	}
	switch typ {
	case "Rating", "Checkbox":
		if !isEmojiSlug(pm["icon"].(string)) {
			return "icon is not Emoji slug"
		}
	case "SingleSelect", "MultiSelect":
		return checkSelectProperty(typ, pm)
	case "TwoWayLink", "MagicLink", "OneWayLink":
		if id, _ := pm["foreignDatasheetId"].(string); s.st.dsts[id] == nil {
			return `"foreignDatasheetId" is invalid`
		}
	}
	return ""
}

// checkSchema checks the keys of a property against its schema: required
// keys present, each value of its kind, then no key outside the schema
// (the alphabetically first one is named).
func checkSchema(schema []propKey, pm map[string]any) string {
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
	return ""
}

// checkSelectProperty checks the options of a select field (and a
// MultiSelect's default values).
func checkSelectProperty(typ string, pm map[string]any) string {
	for i, o := range pm["options"].([]any) {
		if m := checkSelectOption(i, o); m != "" {
			return m
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
	return ""
}

// checkSelectOption checks option i: an object with a non-empty string
// name, a string id only together with a color, a numeric color, nothing
// else.
func checkSelectOption(i int, o any) string {
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
	return ""
}
