package apitable

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// DatasheetsService creates datasheets (server-behaviour.md §6.11 of the API description).
type DatasheetsService struct{ c *Client }

// CreateDatasheetParams describe a new datasheet.
type CreateDatasheetParams struct {
	// Name is required, at most 100 characters (UTF-16 code units, as the
	// server counts).
	Name string
	// Description is plain text, at most 500 characters.
	Description string
	// FolderID places the datasheet in a folder ("fod…"); default the
	// space's root.
	FolderID string
	// PreNodeID is the node to insert after, inside FolderID when both are
	// given; default the first position.
	PreNodeID string
	// Fields are the datasheet's fields, at most 200, with unique names; the
	// first becomes the primary field and must be of a type that can be
	// primary (FieldType.CanBePrimary). Without Fields the server creates
	// "Title" (SingleText), "Options" (MultiSelect) and "Attachments"
	// (Attachment).
	Fields []CreateFieldParams
}

// CreatedDatasheet is the result of Datasheets.Create.
type CreatedDatasheet struct {
	// ID is the new datasheet's id, "dst…".
	ID        string
	CreatedAt time.Time
	// Fields are the datasheet's fields in order.
	Fields []CreatedField
}

type createDatasheetWire struct {
	Name        string            `json:"name"`
	Description string            `json:"description,omitempty"`
	FolderID    string            `json:"folderId,omitempty"`
	PreNodeID   string            `json:"preNodeId,omitempty"`
	Fields      []createFieldWire `json:"fields,omitempty"`
}

func (p CreateDatasheetParams) wire() (createDatasheetWire, error) {
	w := createDatasheetWire{Name: p.Name, Description: p.Description, FolderID: p.FolderID, PreNodeID: p.PreNodeID}
	if p.Name == "" {
		return w, invalid("Name", "required")
	}
	if n := jsLen(p.Name); n > maxNameLen {
		return w, invalid("Name", "at most %d characters, got %d", maxNameLen, n)
	}
	if n := jsLen(p.Description); n > maxDescriptionLen {
		return w, invalid("Description", "at most %d characters, got %d", maxDescriptionLen, n)
	}
	if p.FolderID != "" {
		if err := checkID("FolderID", p.FolderID); err != nil {
			return w, err
		}
	}
	if p.PreNodeID != "" {
		if err := checkID("PreNodeID", p.PreNodeID); err != nil {
			return w, err
		}
	}
	if len(p.Fields) > maxFieldsPerSheet {
		return w, invalid("Fields", "at most %d fields, got %d", maxFieldsPerSheet, len(p.Fields))
	}
	seen := make(map[string]int, len(p.Fields))
	for i, f := range p.Fields {
		prefix := fmt.Sprintf("Fields[%d].", i)
		fw, err := f.wire(prefix)
		if err != nil {
			return w, err
		}
		if j, dup := seen[f.Name]; dup {
			return w, invalid(prefix+"Name", "duplicate of Fields[%d].Name %q", j, f.Name)
		}
		seen[f.Name] = i
		if i == 0 && !fw.Type.CanBePrimary() {
			return w, invalid(prefix+"Property", "the first field is the primary field, which cannot be of type %s", fw.Type)
		}
		w.Fields = append(w.Fields, fw)
	}
	return w, nil
}

// Create creates a datasheet in a space. Everything is checked before
// sending: name and description lengths, the field count, each field's
// name and property, duplicate names and the primary field's type.
//
// Besides its fields, a new datasheet has one view ("Grid view") and three
// empty records, which remain when Fields are given (server-behaviour.md §6.11).
//
// POST /fusion/v1/spaces/{spaceId}/datasheets. Rate-limit bucket: the space.
// Retry class: create — never re-sent after the request may have reached
// the server (ErrOutcomeUnknown).
func (s *DatasheetsService) Create(ctx context.Context, spaceID string, params CreateDatasheetParams) (*CreatedDatasheet, error) {
	if err := checkID("spaceID", spaceID); err != nil {
		return nil, err
	}
	w, err := params.wire()
	if err != nil {
		return nil, err
	}
	body, err := json.Marshal(w)
	if err != nil {
		return nil, invalid("Fields", "%v", err)
	}
	cl := &call{route: routeCreateDatasheet, ids: []string{spaceID}, body: body}
	var res struct {
		ID        string         `json:"id"`
		CreatedAt int64          `json:"createdAt"`
		Fields    []CreatedField `json:"fields"`
	}
	if err := s.c.do(ctx, cl, &res); err != nil {
		return nil, err
	}
	if res.Fields == nil {
		res.Fields = []CreatedField{}
	}
	return &CreatedDatasheet{ID: res.ID, CreatedAt: msTime(res.CreatedAt), Fields: res.Fields}, nil
}
