package fake

import "fmt"

// readOnlyTypes maps computed types to their server-behaviour.md §4.3 message.
var readOnlyMessages = map[string]string{
	"Formula":          "Formula field can't be edited",
	"MagicLookUp":      "Lookup field can't be edited",
	"AutoNumber":       "Autonumber field can't be edited",
	"CreatedTime":      "Created Time field can't be edited",
	"LastModifiedTime": "Last Edited Time field can't be edited",
	"CreatedBy":        "Created By field can't be edited",
	"LastModifiedBy":   "Last Edited By field can't be edited",
}

var knownTypes = map[string]bool{
	"SingleText": true, "Text": true, "Number": true, "Currency": true, "Percent": true, "Rating": true,
	"Checkbox": true, "SingleSelect": true, "MultiSelect": true, "DateTime": true, "Attachment": true,
	"URL": true, "Email": true, "Phone": true, "Member": true, "MagicLink": true, "TwoWayLink": true,
	"OneWayLink": true, "MagicLookUp": true, "Formula": true, "AutoNumber": true, "CreatedTime": true,
	"LastModifiedTime": true, "CreatedBy": true, "LastModifiedBy": true, "Cascader": true, "Button": true,
	"WorkDoc": true, "NotSupport": true,
}

// buildField creates a field from a type and property (json kinds after
// normalisation). seeding relaxes property requirements.
func (s *Backend) buildField(ds *datasheet, name, typ string, prop map[string]any, seeding bool) (*field, error) {
	if !knownTypes[typ] {
		return nil, fmt.Errorf("unknown type %q", typ)
	}
	if typ == "MagicLink" {
		typ = "TwoWayLink"
	}
	np, err := normalizeJSON(prop)
	if err != nil {
		return nil, err
	}
	pm, _ := np.(map[string]any)
	if pm == nil {
		pm = map[string]any{}
	}
	f := &field{id: s.newID("fld", 10), name: name, typ: typ, prop: pm}
	switch typ {
	case "SingleSelect", "MultiSelect":
		opts, _ := pm["options"].([]any)
		delete(pm, "options")
		if err := s.addOptions(f, opts); err != nil {
			return nil, err
		}
	case "TwoWayLink", "OneWayLink":
		fd, _ := pm["foreignDatasheetId"].(string)
		if fd == "" || fd == "self" {
			pm["foreignDatasheetId"] = ds.id
		} else if s.st.dsts[fd] == nil {
			return nil, fmt.Errorf("unknown foreignDatasheetId %q", fd)
		}
	default:
		setPropertyDefaults(typ, pm)
	}
	return f, nil
}

// addOptions adds select options given as names or {id, name, color}
// objects; a missing color takes the first unused one, a missing id a new
// one.
func (s *Backend) addOptions(f *field, opts []any) error {
	for _, o := range opts {
		var name, id string
		color := -1
		switch x := o.(type) {
		case string:
			name = x
		case map[string]any:
			name, _ = x["name"].(string)
			if c, ok := x["color"].(float64); ok {
				color = int(c)
			}
			id, _ = x["id"].(string)
		}
		if name == "" {
			return fmt.Errorf("option without name")
		}
		if color < 0 {
			color = nextColor(f.options)
		}
		if id == "" {
			id = s.newID("opt", 10)
		}
		f.options = append(f.options, &option{id: id, name: name, color: color})
	}
	return nil
}

// propertyDefaults are the property keys a field of each type gets when
// they are absent.
var propertyDefaults = map[string]map[string]any{
	"SingleText":       {"defaultValue": ""},
	"Number":           {"precision": 0.0},
	"Percent":          {"precision": 0.0},
	"Rating":           {"max": 5.0, "icon": "star"},
	"Checkbox":         {"icon": "white_check_mark"},
	"DateTime":         {"dateFormat": "YYYY/MM/DD", "timeFormat": "hh:mm", "includeTime": false},
	"CreatedTime":      {"dateFormat": "YYYY/MM/DD", "timeFormat": "hh:mm", "includeTime": false},
	"LastModifiedTime": {"dateFormat": "YYYY/MM/DD", "timeFormat": "hh:mm", "includeTime": false},
	"Formula":          {"expression": ""},
}

// setPropertyDefaults completes a stored property: absent keys get their
// defaults, a Currency's empty symbol or zero precision too, and Member
// flags become booleans.
func setPropertyDefaults(typ string, pm map[string]any) {
	for k, v := range propertyDefaults[typ] {
		if _, ok := pm[k]; !ok {
			pm[k] = v
		}
	}
	switch typ {
	case "Currency":
		if pm["symbol"] == nil || pm["symbol"] == "" {
			pm["symbol"] = "$"
		}
		if p, _ := pm["precision"].(float64); p == 0 {
			pm["precision"] = 2.0
		}
	case "Member":
		for _, k := range []string{"isMulti", "shouldSendMsg", "subscription"} {
			b, _ := pm[k].(bool)
			pm[k] = b
		}
	}
}

func nextColor(opts []*option) int {
	used := map[int]bool{}
	for _, o := range opts {
		used[o.color] = true
	}
	for c := 0; ; c++ {
		if !used[c] {
			return c
		}
	}
}

// resolveFieldRefs finishes a field once all fields of its datasheet exist:
// creates the sibling of a two-way link and resolves lookup references.
func (s *Backend) resolveFieldRefs(ds *datasheet, f *field) error {
	switch f.typ {
	case "TwoWayLink":
		fds := s.st.dsts[f.propString("foreignDatasheetId")]
		if fds != ds && f.propString("brotherFieldId") == "" {
			bro := &field{id: s.newID("fld", 10), name: uniqueFieldName(fds, ds.name), typ: "TwoWayLink",
				prop: map[string]any{"foreignDatasheetId": ds.id, "brotherFieldId": f.id}}
			fds.fields = append(fds.fields, bro)
			f.prop["brotherFieldId"] = bro.id
		}
	case "MagicLookUp":
		rel := f.propString("relatedLinkFieldId")
		lf := ds.fieldByID(rel)
		if lf == nil {
			lf = ds.fieldByName(rel)
		}
		if lf == nil || (lf.typ != "TwoWayLink" && lf.typ != "OneWayLink") {
			return fmt.Errorf("relatedLinkFieldId %q is not a link field", rel)
		}
		f.prop["relatedLinkFieldId"] = lf.id
		fds := s.st.dsts[lf.propString("foreignDatasheetId")]
		tgt := f.propString("targetFieldId")
		tf := fds.fieldByID(tgt)
		if tf == nil {
			tf = fds.fieldByName(tgt)
		}
		if tf == nil {
			return fmt.Errorf("targetFieldId %q does not exist", tgt)
		}
		f.prop["targetFieldId"] = tf.id
	case "Formula":
		if e := f.propString("expression"); e != "" {
			if _, err := parseFormula(e); err != nil {
				return fmt.Errorf("expression: %w", err)
			}
		}
	}
	return nil
}

func uniqueFieldName(ds *datasheet, name string) string {
	if ds.fieldByName(name) == nil {
		return name
	}
	for i := 2; ; i++ {
		n := fmt.Sprintf("%s %d", name, i)
		if ds.fieldByName(n) == nil {
			return n
		}
	}
}
