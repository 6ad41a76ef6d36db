package apitabletest

import (
	"fmt"
	"strings"
	"testing"
)

// The server-behaviour.md §4.3 "Field and datasheet management" messages, including those the
// client's own checks never let through.

func TestCreateFieldMessages(t *testing.T) {
	t.Parallel()
	s := NewServer(t, WithoutRateLimit())
	ds := taskSheet(t, s)
	p := "/fusion/v1/spaces/" + s.SpaceID() + "/datasheets/" + ds.ID + "/fields"
	tests := []struct {
		name   string
		body   string
		status int
		code   int
		msg    any
	}{
		{"name missing", `{"type":"Text"}`, 500, 500, []string{"name must be a string"}},
		{"both missing", `{}`, 500, 500, []string{"name must be a string", "type must be a string"}},
		{"name not a string", `{"name":1,"type":"Text"}`, 500, 500, []string{"name must be a string"}},
		{"empty name", `{"name":"","type":"Text"}`, 200, 400, "Invalid value for name"},
		{"long name", `{"name":"` + strings.Repeat("n", 101) + `","type":"Text"}`, 200, 400, "$name's length must not be greater than $100"},
		{"long name in UTF-16 units", `{"name":"` + strings.Repeat("😀", 51) + `","type":"Text"}`, 200, 400, "$name's length must not be greater than $100"},
		{"unknown type", `{"name":"x","type":"text"}`, 200, 400, "Invalid value for type"},
		{"NotSupport", `{"name":"x","type":"NotSupport"}`, 200, 400, "Invalid value for type"},
		{"precision required", `{"name":"x","type":"Number","property":{}}`, 200, 400, `"precision" is required`},
		{"precision type", `{"name":"x","type":"Number","property":{"precision":"two"}}`, 200, 400, `"precision" must be a number`},
		{"precision min", `{"name":"x","type":"Number","property":{"precision":-1}}`, 200, 400, `"precision" must be greater than or equal to 0`},
		{"precision max", `{"name":"x","type":"Number","property":{"precision":1001}}`, 200, 400, `"precision" must be less than or equal to 1000`},
		{"SingleText null", `{"name":"x","type":"SingleText"}`, 200, 400, `"value" must be of type object`},
		{"Member array", `{"name":"x","type":"Member","property":[]}`, 200, 400, `"value" must be of type object`},
		{"Text with {}", `{"name":"x","type":"Text","property":{}}`, 200, 400, "Text not support set property"},
		{"URL with object", `{"name":"x","type":"URL","property":{"a":1}}`, 200, 400, "URL not support set property"},
		{"icon required", `{"name":"x","type":"Rating","property":{"max":5}}`, 200, 400, `"icon" is required`},
		{"max required", `{"name":"x","type":"Rating","property":{"icon":"star"}}`, 200, 400, `"max" is required`},
		{"icon native", `{"name":"x","type":"Rating","property":{"icon":"⭐","max":5}}`, 200, 400, "icon is not Emoji slug"},
		{"unknown key", `{"name":"x","type":"Checkbox","property":{"icon":"star","color":"red"}}`, 200, 400, `"color" is not allowed`},
		{"symbolAlign", `{"name":"x","type":"Currency","property":{"symbolAlign":"Up"}}`, 200, 400, `"symbolAlign" must be one of [Default, Left, Right]`},
		{"options required", `{"name":"x","type":"SingleSelect","property":{}}`, 200, 400, `"options" is required`},
		{"option name empty", `{"name":"x","type":"MultiSelect","property":{"options":[{"name":""}]}}`, 200, 400, `"options[0].name" is not allowed to be empty`},
		{"option id without color", `{"name":"x","type":"MultiSelect","property":{"options":[{"name":"a","id":"optAAAAAAAAAA"}]}}`, 200, 400, `"options[0].color" is required`},
		{"dateFormat required", `{"name":"x","type":"CreatedTime","property":{}}`, 200, 400, `"dateFormat" is required`},
		{"autoFill on CreatedTime", `{"name":"x","type":"CreatedTime","property":{"dateFormat":"YYYY","autoFill":true}}`, 200, 400, `"autoFill" is not allowed`},
		{"collectType", `{"name":"x","type":"LastModifiedBy","property":{"collectType":2}}`, 200, 400, `"collectType" must be one of [0, 1]`},
		{"lookup ids required", `{"name":"x","type":"MagicLookUp","property":{}}`, 200, 400, `"relatedLinkFieldId" is required`},
		{"duplicate", `{"name":"Title","type":"Text"}`, 200, 400, "name must be unique"},
		{"duplicate by LIKE", `{"name":"T_tle","type":"Text"}`, 200, 400, "name must be unique"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			wantErr(t, call(t, s, "POST", p, tt.body), tt.status, tt.code, tt.msg)
		})
	}
}

func TestCreateFieldStoresTransformedProperty(t *testing.T) {
	t.Parallel()
	s := NewServer(t, WithoutRateLimit())
	ds := taskSheet(t, s)
	p := "/fusion/v1/spaces/" + s.SpaceID() + "/datasheets/" + ds.ID + "/fields"
	wantOK(t, call(t, s, "POST", p, `{"name":"When","type":"DateTime","property":{"dateFormat":"YYYY","timeZone":"Asia/Tokyo","includeTimeZone":true}}`), 201)
	wantOK(t, call(t, s, "POST", p, `{"name":"Num","type":"Number","property":{"precision":"3"}}`), 201)
	wantOK(t, call(t, s, "POST", p, `{"name":"Who","type":"Member","property":{}}`), 201)
	r := call(t, s, "GET", "/fusion/v1/datasheets/"+ds.ID+"/fields", nil)
	props := map[string]string{}
	for _, f := range r.data()["fields"].([]any) {
		fm := f.(map[string]any)
		props[fm["name"].(string)] = string(encodeJSON(fm["property"]))
	}
	want := map[string]string{
		"When": `{"format":"YYYY","includeTime":false}`,
		"Num":  `{"precision":3}`,
		"Who":  `{"isMulti":false,"options":[],"shouldSendMsg":false,"subscription":false}`,
	}
	for k, v := range want {
		if props[k] != v {
			t.Errorf("%s property = %s, want %s", k, props[k], v)
		}
	}
}

func TestDeleteFieldMessages(t *testing.T) {
	t.Parallel()
	s := NewServer(t, WithoutRateLimit())
	ds := taskSheet(t, s)
	p := "/fusion/v1/spaces/" + s.SpaceID() + "/datasheets/" + ds.ID + "/fields/"
	wantErr(t, call(t, s, "DELETE", p+ds.FieldIDs["Count"], `{"conversion":"drop"}`), 200, 400, "Invalid value for {property}")
	wantErr(t, call(t, s, "DELETE", p+"fldNope0000000", nil), 200, 400, `fieldId "fldNope0000000" does not exist`)
	wantErr(t, call(t, s, "DELETE", p+ds.FieldIDs["Title"], nil), 200, 400, "The primary field can't be deleted")
	wantOK(t, call(t, s, "DELETE", p+ds.FieldIDs["Count"], nil), 200)
}

func TestCreateDatasheetMessages(t *testing.T) {
	t.Parallel()
	s := NewServer(t, WithoutRateLimit())
	p := "/fusion/v1/spaces/" + s.SpaceID() + "/datasheets"
	field := func(name, typ string) string { return fmt.Sprintf(`{"name":%q,"type":%q}`, name, typ) }
	fields := func(fs ...string) string { return `"fields":[` + strings.Join(fs, ",") + `]` }
	many := make([]string, 201)
	for i := range many {
		many[i] = field(fmt.Sprintf("f%d", i), "Text")
	}
	tests := []struct {
		name   string
		body   string
		status int
		code   int
		msg    any
	}{
		{"name missing", `{}`, 500, 500, []string{"name must be a string"}},
		{"description not a string", `{"name":"x","description":1}`, 500, 500, []string{"description must be a string"}},
		{"field name missing", `{"name":"x","fields":[{"type":"Text"}]}`, 500, 500, []string{"fields.0.name must be a string"}},
		{"empty name", `{"name":""}`, 200, 400, "datasheet must contain name keys"},
		{"long name", `{"name":"` + strings.Repeat("n", 101) + `"}`, 200, 400, "$name's length must not be greater than $100"},
		{"too many fields", `{"name":"x",` + fields(many...) + `}`, 200, 400, "fields must contain no more than 200 elements"},
		{"empty field name", `{"name":"x",` + fields(field("", "Text")) + `}`, 200, 400, "Invalid value for field.name"},
		{"long field name", `{"name":"x",` + fields(field(strings.Repeat("f", 101), "Text")) + `}`, 200, 400, "$field.name's length must not be greater than $100"},
		{"bad type before duplicate", `{"name":"x",` + fields(field("a", "Text"), field("a", "Nope")) + `}`, 200, 400, "Invalid value for fields[a].type"},
		{"bad property", `{"name":"x",` + fields(field("a", "Text"), `{"name":"n","type":"Number","property":{}}`) + `}`, 200, 400, "Invalid value for fields[n].property"},
		{"duplicate", `{"name":"x",` + fields(field("a", "Text"), field("a", "Text")) + `}`, 200, 400, "field.name must be unique"},
		{"primary type", `{"name":"x",` + fields(`{"name":"c","type":"Checkbox","property":{"icon":"star"}}`) + `}`, 200, 400, "The primary field type can't be Checkbox"},
		{"long description", `{"name":"x","description":"` + strings.Repeat("d", 501) + `"}`, 200, 400, "$description's length must not be greater than $500"},
		{"folder", `{"name":"x","folderId":"fodNope000000"}`, 200, 400, "Invalid value for folderId"},
		{"pre node", `{"name":"x","preNodeId":"dstNope000000000000"}`, 200, 400, "Invalid value for preNodeId"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			wantErr(t, call(t, s, "POST", p, tt.body), tt.status, tt.code, tt.msg)
		})
	}
}
