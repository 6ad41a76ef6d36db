package fake

import (
	"fmt"
	"time"
)

var primaryTypes = map[string]bool{"SingleText": true, "Text": true, "Number": true, "DateTime": true, "Formula": true,
	"URL": true, "Phone": true, "Email": true, "Currency": true, "Percent": true, "AutoNumber": true}

// createDatasheet: POST /fusion/v1/spaces/{spaceId}/datasheets (server-behaviour.md §6.11).
func (s *Backend) createDatasheet(rs *reqState) (*result, *apiError) {
	body, _ := rs.json.(map[string]any)
	name, fieldsRaw, aerr := checkCreateDatasheetDTO(body)
	if aerr != nil {
		return nil, aerr
	}
	defs, aerr := s.datasheetFieldDefs(fieldsRaw)
	if aerr != nil {
		return nil, aerr
	}
	if desc, _ := body["description"].(string); jsLen(desc) > 500 {
		return nil, errParam("$description's length must not be greater than $500")
	}
	spaceID := rs.params["spaceId"]
	folderID, _ := body["folderId"].(string)
	preNodeID, _ := body["preNodeId"].(string)
	siblings, insertAt, aerr := s.datasheetPlace(spaceID, folderID, preNodeID)
	if aerr != nil {
		return nil, aerr
	}
	ds := &datasheet{id: s.newID("dst", 15), name: name, spaceID: spaceID, records: map[string]*record{}, nextAuto: 1}
	s.st.dsts[ds.id] = ds
	if len(defs) == 0 {
		defs = []fieldDef{{"Title", "SingleText", map[string]any{"defaultValue": ""}}, {"Options", "MultiSelect", map[string]any{"options": []any{}}}, {"Attachments", "Attachment", nil}}
	}
	fieldsOut, aerr := s.addDatasheetFields(ds, defs)
	if aerr != nil {
		delete(s.st.dsts, ds.id)
		return nil, aerr
	}
	ds.views = []*view{{id: s.newID("viw", 10), name: "Grid view", typ: "Grid", hidden: map[string]bool{}}}
	// A new datasheet starts with 3 empty records (server-behaviour.md §6.11).
	for i := 0; i < 3; i++ {
		s.insertRecordLocked(ds, nil, len(ds.order))
	}
	n := &node{id: ds.id, name: name, typ: "Datasheet", spaceID: spaceID, parentID: folderID}
	s.st.nodes[n.id] = n
	*siblings = append((*siblings)[:insertAt], append([]string{n.id}, (*siblings)[insertAt:]...)...)
	return &result{data: map[string]any{"id": ds.id, "createdAt": time.Now().UnixMilli(), "fields": fieldsOut}}, nil
}

// checkCreateDatasheetDTO runs the DTO type checks (all failures together,
// HTTP 500 with the array message), then the name and field-count limits.
func checkCreateDatasheetDTO(body map[string]any) (name string, fieldsRaw []any, aerr *apiError) {
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
	fieldsRaw, _ = body["fields"].([]any)
	for i, fr := range fieldsRaw {
		fm, _ := fr.(map[string]any)
		if _, ok := fm["name"].(string); !ok {
			msgs = append(msgs, fmt.Sprintf("fields.%d.name must be a string", i))
		}
		if _, ok := fm["type"].(string); !ok {
			msgs = append(msgs, fmt.Sprintf("fields.%d.type must be a string", i))
		}
	}
	switch {
	case len(msgs) > 0:
		return "", nil, errServer(msgs)
	case name == "":
		return "", nil, errParam("datasheet must contain name keys")
	case jsLen(name) > 100:
		return "", nil, errParam("$name's length must not be greater than $100")
	case len(fieldsRaw) > 200:
		return "", nil, errParam("fields must contain no more than 200 elements")
	}
	return name, fieldsRaw, nil
}

// fieldDef is one field of a create-datasheet body.
type fieldDef struct {
	name, typ string
	prop      map[string]any
}

// datasheetFieldDefs validates the fields of a create-datasheet body
// (checked by checkCreateDatasheetDTO to have string names and types):
// name, type and property of each, unique names, a primary-capable first
// type.
func (s *Backend) datasheetFieldDefs(fieldsRaw []any) ([]fieldDef, *apiError) {
	var defs []fieldDef
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
		defs = append(defs, fieldDef{fn, ft, pm})
	}
	seen := map[string]bool{}
	for _, d := range defs {
		if seen[d.name] {
			return nil, errParam("field.name must be unique")
		}
		seen[d.name] = true
	}
	if len(defs) > 0 && !primaryTypes[defs[0].typ] {
		return nil, errParam("The primary field type can't be " + defs[0].typ)
	}
	return defs, nil
}

// datasheetPlace finds where a new datasheet goes: the sibling list (the
// space's root or the folder's children) and the index after preNodeID.
func (s *Backend) datasheetPlace(spaceID, folderID, preNodeID string) (siblings *[]string, insertAt int, aerr *apiError) {
	siblings = &s.st.spaces[spaceID].root
	if folderID != "" {
		folder := s.st.nodes[folderID]
		if folder == nil || folder.typ != "Folder" || folder.spaceID != spaceID {
			return nil, 0, errParam("Invalid value for folderId")
		}
		siblings = &folder.children
	}
	if preNodeID == "" {
		return siblings, 0, nil
	}
	idx := -1
	for i, id := range *siblings {
		if id == preNodeID {
			idx = i
		}
	}
	if idx < 0 {
		return nil, 0, errParam("Invalid value for preNodeId")
	}
	return siblings, idx + 1, nil
}

// addDatasheetFields builds the fields of a new datasheet and returns them
// as the answer lists them.
func (s *Backend) addDatasheetFields(ds *datasheet, defs []fieldDef) ([]any, *apiError) {
	var fieldsOut []any
	for _, d := range defs {
		f, err := s.buildField(ds, d.name, d.typ, createTransform(d.typ, d.prop), false)
		if err != nil {
			return nil, errParam(fmt.Sprintf("Invalid value for fields[%s].property", d.name))
		}
		ds.fields = append(ds.fields, f)
		if err := s.resolveFieldRefs(ds, f); err != nil {
			return nil, errParam(fmt.Sprintf("Invalid value for fields[%s].property", d.name))
		}
		fieldsOut = append(fieldsOut, map[string]any{"id": f.id, "name": f.name})
	}
	return fieldsOut, nil
}
