package fake

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// fieldRouteDatasheet applies the field guard (server-behaviour.md §6.6).
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

// createField: POST /fusion/v1/spaces/{spaceId}/datasheets/{datasheetId}/fields (server-behaviour.md §6.6).
func (s *Backend) createField(rs *reqState) (*result, *apiError) {
	ds, aerr := s.fieldRouteDatasheet(rs)
	if aerr != nil {
		return nil, aerr
	}
	body, _ := rs.json.(map[string]any)
	name, typ, aerr := checkCreateFieldDTO(body)
	if aerr != nil {
		return nil, aerr
	}
	prop := body["property"]
	if m := s.validateFieldProperty(typ, prop); m != "" {
		return nil, errParam(m)
	}
	pm, _ := prop.(map[string]any)
	if typ == "MagicLookUp" {
		if aerr := s.checkLookupRefs(ds, pm); aerr != nil {
			return nil, aerr
		}
	}
	if fieldNameTaken(ds, name) {
		return nil, errParam("name must be unique")
	}
	if len(ds.fields) >= 200 {
		return nil, &apiError{status: 200, code: 211, msg: "Failed to create data"}
	}
	if !s.roleLocked(ds.id).canManageFields() {
		return nil, errOperationDenied() // OT layer (server-behaviour.md §6.6)
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

// checkCreateFieldDTO checks name and type: both strings (else HTTP 500
// with every failure), a name of 1..100 characters, a known type.
func checkCreateFieldDTO(body map[string]any) (name, typ string, aerr *apiError) {
	var msgs []string
	name, nameOK := body["name"].(string)
	typ, typOK := body["type"].(string)
	if !nameOK {
		msgs = append(msgs, "name must be a string")
	}
	if !typOK {
		msgs = append(msgs, "type must be a string")
	}
	switch {
	case len(msgs) > 0:
		return "", "", errServer(msgs)
	case name == "":
		return "", "", errParam("Invalid value for name")
	case jsLen(name) > 100:
		return "", "", errParam("$name's length must not be greater than $100")
	case !knownTypes[typ] || typ == "NotSupport":
		return "", "", errParam("Invalid value for type")
	}
	return name, typ, nil
}

// checkLookupRefs checks the field ids a lookup property names: its link
// field, the target field in the linked datasheet, and the sort and filter
// fields (also of the linked datasheet; the fake does not check
// sortability or filter operators).
func (s *Backend) checkLookupRefs(ds *datasheet, pm map[string]any) *apiError {
	rel, _ := pm["relatedLinkFieldId"].(string)
	lf := ds.fieldByID(rel)
	if lf == nil {
		return errParam(fmt.Sprintf("The link field ID \"%s\" associated with the lookup field does not exist.", rel))
	}
	if lf.typ != "TwoWayLink" && lf.typ != "OneWayLink" {
		return errParam(fmt.Sprintf("The field ID \"%s\" associated with the lookup field is not a link field.", rel))
	}
	tgt, _ := pm["targetFieldId"].(string)
	fds := s.st.dsts[lf.propString("foreignDatasheetId")]
	if fds == nil || fds.fieldByID(tgt) == nil {
		return errParam(fmt.Sprintf("The field ID \"%s\" referenced by the lookup field does not exist.", tgt))
	}
	if si, ok := pm["sortInfo"].(map[string]any); ok {
		rules, _ := si["rules"].([]any)
		for _, r := range rules {
			rm, _ := r.(map[string]any)
			if id, _ := rm["fieldId"].(string); fds.fieldByID(id) == nil {
				return errParam(fmt.Sprintf("The sorting field ID \"%s\" specified by the lookup field does not exist.", id))
			}
		}
	}
	if fi, ok := pm["filterInfo"].(map[string]any); ok {
		conds, _ := fi["conditions"].([]any)
		for _, c := range conds {
			cm, _ := c.(map[string]any)
			if id, _ := cm["fieldId"].(string); fds.fieldByID(id) == nil {
				return errParam(fmt.Sprintf("The filtering field ID \"%s\" specified by the lookup field does not exist.", id))
			}
		}
	}
	return nil
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

// fieldNameTaken is the server's uniqueness check (server-behaviour.md §6.6): MySQL
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

// createTransform applies what the server's property transforms do to a
// validated create-field property before storing it (server-behaviour.md §8.4): precision
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

// deleteField: DELETE /fusion/v1/spaces/{spaceId}/datasheets/{datasheetId}/fields/{fieldId} (server-behaviour.md §6.7).
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
		return nil, errOperationDenied() // OT layer (server-behaviour.md §6.7)
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
