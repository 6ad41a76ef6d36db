package apitabletest

import (
	"github.com/apitable-go/apitable"
	"github.com/apitable-go/apitable/apitabletest/internal/fake"
)

// FieldSpec describes a field to seed. Type is an API type name of server-behaviour.md §8
// ("SingleText", "Number", "MultiSelect", "MagicLink"/"TwoWayLink", …).
// Property is the field property in the shape of server-behaviour.md §8.4 (create field);
// select options may also be given as plain strings. For link fields
// "foreignDatasheetId" may be omitted (or "self") for a self link; a
// two-way link to another datasheet creates the sibling field there. For
// MagicLookUp, "relatedLinkFieldId" and "targetFieldId" may be field names.
// For Formula, "expression" references fields as {Field name}.
type FieldSpec struct {
	Name     string
	Type     string
	Property map[string]any
	Desc     string
}

// ViewSpec describes a view to seed.
type ViewSpec struct {
	Name   string
	Type   string // default "Grid"
	Filter string // optional formula: rows shown in the view
	Sort   []SortSpec
	Hidden []string // names of hidden fields
}

// SortSpec is a view sort rule.
type SortSpec struct {
	Field string
	Desc  bool
}

// DatasheetSpec describes a datasheet to seed.
type DatasheetSpec struct {
	Name   string
	Fields []FieldSpec
	Views  []ViewSpec // default: one "Grid view"
	// Records are keyed by field name, values in the write format of server-behaviour.md §8.1.
	Records []map[string]any
	// FolderID optionally places the datasheet in a folder (see AddFolder).
	FolderID string
}

// Datasheet describes a seeded datasheet.
type Datasheet struct {
	ID        string
	SpaceID   string
	FieldIDs  map[string]string // name → fld id
	ViewIDs   []string
	RecordIDs []string
}

// AddSpace adds a space and returns its id. The token user is a member
// (and admin) of it; the space starts with two member units: the token user
// and "Teammate".
func (s *Server) AddSpace(name string) string { return s.api.AddSpace(name) }

// AddForeignSpace adds a space the token user is not a member of (requests
// to it answer 403, server-behaviour.md §2).
func (s *Server) AddForeignSpace(name string) string { return s.api.AddForeignSpace(name) }

// AddMember adds a member unit to the space and returns its unit id (the
// "id" of Member cells). Member cells accept {"id": unitID}, {"unitId":
// …} or {"name": name, "type": "Member"}.
func (s *Server) AddMember(spaceID, name string) string {
	if s.tb != nil {
		s.tb.Helper()
	}
	return s.addUnit("AddMember", spaceID, name, "Member")
}

// AddTeam adds a team unit to the space and returns its unit id.
func (s *Server) AddTeam(spaceID, name string) string {
	if s.tb != nil {
		s.tb.Helper()
	}
	return s.addUnit("AddTeam", spaceID, name, "Team")
}

func (s *Server) addUnit(op, spaceID, name, typ string) string {
	if s.tb != nil {
		s.tb.Helper()
	}
	id, err := s.api.AddUnit(spaceID, name, typ)
	if err != nil {
		s.fatalf("%s: %v", op, err)
		return ""
	}
	return id
}

// AddAttachment stores an asset and returns its token, which Attachment
// cells accept as [{"token": token, "name": name}]. Image dimensions are
// read from PNG, JPEG and GIF data.
func (s *Server) AddAttachment(spaceID, name, mimeType string, data []byte) string {
	return s.api.AddAttachment(spaceID, name, mimeType, data)
}

// AddFolder adds a folder node at the root of the space and returns its id.
func (s *Server) AddFolder(spaceID, name string) string {
	if s.tb != nil {
		s.tb.Helper()
	}
	id, err := s.api.AddFolder(spaceID, name)
	if err != nil {
		s.fatalf("AddFolder: %v", err)
		return ""
	}
	return id
}

// AddDatasheet seeds a datasheet in the space. An invalid spec fails the
// test (t.Fatalf); use SeedDatasheet to get an error instead.
func (s *Server) AddDatasheet(spaceID string, spec DatasheetSpec) *Datasheet {
	if s.tb != nil {
		s.tb.Helper()
	}
	d, err := s.SeedDatasheet(spaceID, spec)
	if err != nil {
		s.fatalf("%v", err)
		return nil
	}
	return d
}

// SeedDatasheet is AddDatasheet returning an error for an invalid spec.
func (s *Server) SeedDatasheet(spaceID string, spec DatasheetSpec) (*Datasheet, error) {
	d, err := s.api.SeedDatasheet(spaceID, spec.internal())
	if err != nil {
		return nil, err
	}
	return &Datasheet{ID: d.ID, SpaceID: d.SpaceID, FieldIDs: d.FieldIDs, ViewIDs: d.ViewIDs, RecordIDs: d.RecordIDs}, nil
}

func (spec DatasheetSpec) internal() fake.DatasheetSpec {
	out := fake.DatasheetSpec{Name: spec.Name, Records: spec.Records, FolderID: spec.FolderID}
	for _, f := range spec.Fields {
		out.Fields = append(out.Fields, fake.FieldSpec(f))
	}
	for _, v := range spec.Views {
		iv := fake.ViewSpec{Name: v.Name, Type: v.Type, Filter: v.Filter, Hidden: v.Hidden}
		for _, so := range v.Sort {
			iv.Sort = append(iv.Sort, fake.SortSpec(so))
		}
		out.Views = append(out.Views, iv)
	}
	return out
}

// Records returns every record of the datasheet in first-view row order,
// with Fields keyed by field name in the json read format (computed fields
// included, empty cells omitted). An unknown datasheet fails the test.
func (s *Server) Records(datasheetID string) []apitable.Record {
	if s.tb != nil {
		s.tb.Helper()
	}
	recs, ok := s.api.Records(datasheetID)
	if !ok {
		s.fatalf("Records: unknown datasheet %q", datasheetID)
		return nil
	}
	out := make([]apitable.Record, len(recs))
	for i, r := range recs {
		out[i] = apitable.Record{ID: r.ID, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, Fields: apitable.Fields(r.Fields)}
	}
	return out
}
