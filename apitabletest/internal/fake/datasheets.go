package fake

import (
	"fmt"
	"time"
)

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
