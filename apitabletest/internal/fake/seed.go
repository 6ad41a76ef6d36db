package fake

import (
	"bytes"
	"crypto/sha1" //nolint:gosec // only makes asset tokens shaped like the server's; not used for security
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	_ "image/gif"  // attachment dimensions
	_ "image/jpeg" // attachment dimensions
	_ "image/png"  // attachment dimensions
	"maps"
	"slices"
	"time"
)

// Seeding: what apitabletest.Server.Add* and SeedDatasheet do.

// FieldSpec, ViewSpec, SortSpec, DatasheetSpec and Datasheet mirror the
// apitabletest types of the same names, which document them.

// FieldSpec describes a field to seed.
type FieldSpec struct {
	Name     string
	Type     string
	Property map[string]any
	Desc     string
}

// ViewSpec describes a view to seed.
type ViewSpec struct {
	Name   string
	Type   string
	Filter string
	Sort   []SortSpec
	Hidden []string
}

// SortSpec is a view sort rule.
type SortSpec struct {
	Field string
	Desc  bool
}

// DatasheetSpec describes a datasheet to seed.
type DatasheetSpec struct {
	Name     string
	Fields   []FieldSpec
	Views    []ViewSpec
	Records  []map[string]any
	FolderID string
}

// Datasheet describes a seeded datasheet.
type Datasheet struct {
	ID        string
	SpaceID   string
	FieldIDs  map[string]string
	ViewIDs   []string
	RecordIDs []string
}

func (s *Backend) newUnitIDs() (id, unitID string) {
	s.st.unitSeq++
	return fmt.Sprintf("%d", uint64(1700000000000000000)+s.st.unitSeq*7919), fmt.Sprintf("%d", uint64(1000000)+s.st.unitSeq)
}

// AddSpace adds a space and returns its id. The token user is a member
// (and admin) of it; the space starts with two member units: the token user
// and "Teammate".
func (s *Backend) AddSpace(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	sp := &space{id: s.newID("spc", 10), name: name, member: true}
	// The root folder's id does not take a counter step, so every other
	// id stays what it was before root ids existed.
	sp.rootID = "fod" + scrambleID(s.idCounter+1<<58, 10)
	id, uid := s.newUnitIDs()
	sp.units = append(sp.units, &unit{id: id, unitID: uid, name: userName, typ: "Member"})
	id, uid = s.newUnitIDs()
	sp.units = append(sp.units, &unit{id: id, unitID: uid, name: "Teammate", typ: "Member"})
	s.st.spaces[sp.id] = sp
	s.st.spaceOrder = append(s.st.spaceOrder, sp.id)
	return sp.id
}

// AddForeignSpace adds a space the token user is not a member of (requests
// to it answer 403, server-behaviour.md §2).
func (s *Backend) AddForeignSpace(name string) string {
	id := s.AddSpace(name)
	s.mu.Lock()
	s.st.spaces[id].member = false
	s.mu.Unlock()
	return id
}

// AddUnit adds a unit of type typ ("Member" or "Team") to the space and
// returns its unit id.
func (s *Backend) AddUnit(spaceID, name, typ string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sp := s.st.spaces[spaceID]
	if sp == nil {
		return "", fmt.Errorf("unknown space %q", spaceID)
	}
	id, uid := s.newUnitIDs()
	sp.units = append(sp.units, &unit{id: id, unitID: uid, name: name, typ: typ})
	return id, nil
}

// AddAttachment stores an asset and returns its token, which Attachment
// cells accept as [{"token": token, "name": name}]. Image dimensions are
// read from PNG, JPEG and GIF data.
func (s *Backend) AddAttachment(spaceID, name, mimeType string, data []byte) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.addAssetLocked(name, mimeType, data)
	s.chargeAssetLocked(spaceID, a, data)
	return a.token
}

func (s *Backend) addAssetLocked(name, mimeType string, data []byte) *asset {
	s.idCounter++
	sum := sha1.Sum(append([]byte(fmt.Sprintf("%d:", s.idCounter)), data...)) //nolint:gosec // a unique asset token, not a security hash
	day := time.Now().UTC().Format("2006/01/02")
	a := &asset{token: "space/" + day + "/" + hex.EncodeToString(sum[:16]), name: name, mime: mimeType, size: len(data)}
	if cfg, _, err := image.DecodeConfig(bytes.NewReader(data)); err == nil {
		a.width, a.height = cfg.Width, cfg.Height
	}
	s.st.assets[a.token] = a
	return a
}

// AddFolder adds a folder node at the root of the space and returns its id.
func (s *Backend) AddFolder(spaceID, name string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sp := s.st.spaces[spaceID]
	if sp == nil {
		return "", fmt.Errorf("unknown space %q", spaceID)
	}
	n := &node{id: s.newID("fod", 10), name: name, typ: "Folder", spaceID: spaceID}
	s.st.nodes[n.id] = n
	sp.root = append(sp.root, n.id)
	return n.id, nil
}

// SeedDatasheet adds a datasheet described by spec to the space.
func (s *Backend) SeedDatasheet(spaceID string, spec DatasheetSpec) (*Datasheet, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, err := s.addDatasheetLocked(spaceID, spec)
	if err != nil {
		return nil, fmt.Errorf("apitabletest: AddDatasheet(%q): %w", spec.Name, err)
	}
	return d, nil
}

func (s *Backend) addDatasheetLocked(spaceID string, spec DatasheetSpec) (*Datasheet, error) {
	sp := s.st.spaces[spaceID]
	switch {
	case sp == nil:
		return nil, fmt.Errorf("unknown space %q", spaceID)
	case spec.Name == "":
		return nil, fmt.Errorf("empty datasheet name")
	case len(spec.Fields) == 0:
		return nil, fmt.Errorf("no fields")
	}
	ds := &datasheet{id: s.newID("dst", 15), name: spec.Name, spaceID: spaceID, records: make(map[string]*record, len(spec.Records)), nextAuto: 1}
	// Register first so self links and lookups resolve.
	s.st.dsts[ds.id] = ds
	out, err := s.seedDatasheetLocked(sp, ds, spec)
	if err != nil {
		delete(s.st.dsts, ds.id)
		return nil, err
	}
	return out, nil
}

// seedDatasheetLocked fills the registered datasheet ds from spec: fields,
// views, its node, then records.
func (s *Backend) seedDatasheetLocked(sp *space, ds *datasheet, spec DatasheetSpec) (*Datasheet, error) {
	if err := s.seedFields(ds, spec.Fields); err != nil {
		return nil, err
	}
	if err := s.seedViews(ds, spec.Views); err != nil {
		return nil, err
	}
	n := &node{id: ds.id, name: ds.name, typ: "Datasheet", spaceID: sp.id, parentID: spec.FolderID}
	if spec.FolderID != "" {
		parent := s.st.nodes[spec.FolderID]
		if parent == nil || parent.typ != "Folder" || parent.spaceID != sp.id {
			return nil, fmt.Errorf("unknown folder %q", spec.FolderID)
		}
		parent.children = append(parent.children, n.id)
	} else {
		sp.root = append(sp.root, n.id)
	}
	s.st.nodes[n.id] = n
	out := &Datasheet{ID: ds.id, SpaceID: sp.id, FieldIDs: map[string]string{}}
	for _, f := range ds.fields {
		out.FieldIDs[f.name] = f.id
	}
	for _, v := range ds.views {
		out.ViewIDs = append(out.ViewIDs, v.id)
	}
	out.RecordIDs = make([]string, 0, len(spec.Records))
	ds.order = slices.Grow(ds.order, len(spec.Records))
	w := &writeCtx{s: s, ds: ds, newOptions: map[*field][]*option{}}
	vals := map[string]any{} // scratch, reused for every record
	for i, rf := range spec.Records {
		id, err := s.seedRecord(w, rf, vals)
		if err != nil {
			return nil, fmt.Errorf("record %d: %w", i, err)
		}
		out.RecordIDs = append(out.RecordIDs, id)
	}
	return out, nil
}

// seedFields builds the fields in two passes: plain fields first, so
// links and lookups can name any field of the datasheet.
func (s *Backend) seedFields(ds *datasheet, specs []FieldSpec) error {
	seen := map[string]bool{}
	for _, fs := range specs {
		if fs.Name == "" || seen[fs.Name] {
			return fmt.Errorf("field name %q empty or duplicate", fs.Name)
		}
		seen[fs.Name] = true
	}
	for _, fs := range specs {
		f, err := s.buildField(ds, fs.Name, fs.Type, fs.Property, true)
		if err != nil {
			return fmt.Errorf("field %q: %w", fs.Name, err)
		}
		f.desc = fs.Desc
		ds.fields = append(ds.fields, f)
	}
	for _, f := range ds.fields {
		if err := s.resolveFieldRefs(ds, f); err != nil {
			return fmt.Errorf("field %q: %w", f.name, err)
		}
	}
	return nil
}

// seedViews adds the views (default: one "Grid view").
func (s *Backend) seedViews(ds *datasheet, specs []ViewSpec) error {
	if len(specs) == 0 {
		specs = []ViewSpec{{Name: "Grid view"}}
	}
	for _, vs := range specs {
		v, err := s.seedView(ds, vs)
		if err != nil {
			return fmt.Errorf("view %q: %w", vs.Name, err)
		}
		ds.views = append(ds.views, v)
	}
	return nil
}

func (s *Backend) seedView(ds *datasheet, vs ViewSpec) (*view, error) {
	v := &view{id: s.newID("viw", 10), name: vs.Name, typ: vs.Type, filter: vs.Filter, hidden: map[string]bool{}}
	if v.typ == "" {
		v.typ = "Grid"
	}
	if v.name == "" {
		v.name = "Grid view"
	}
	if v.filter != "" {
		if _, err := parseFormula(v.filter); err != nil {
			return nil, fmt.Errorf("filter: %w", err)
		}
	}
	for _, so := range vs.Sort {
		f := ds.fieldByName(so.Field)
		if f == nil {
			return nil, fmt.Errorf("unknown sort field %q", so.Field)
		}
		v.sort = append(v.sort, sortRule{fieldID: f.id, desc: so.Desc})
	}
	for _, h := range vs.Hidden {
		f := ds.fieldByName(h)
		if f == nil {
			return nil, fmt.Errorf("unknown hidden field %q", h)
		}
		v.hidden[f.id] = true
	}
	return v, nil
}

// seedRecord adds one record through the same conversion as API writes.
func (s *Backend) seedRecord(w *writeCtx, rf map[string]any, vals map[string]any) (string, error) {
	// Keys in sorted order, as json.Marshal of the map would give them;
	// values brought to JSON kinds without a JSON round trip when they
	// already are plain (the fast path that makes seeding a million rows
	// take seconds).
	keys := slices.Sorted(maps.Keys(rf))
	clear(vals)
	for k, v := range rf {
		jv, err := jsonKinds(v)
		if err != nil {
			return "", err
		}
		vals[k] = jv
	}
	ds := w.ds
	cells, aerr := w.convertRecord(keys, vals, false)
	if aerr != nil {
		return "", errors.New(aerr.messageText())
	}
	w.commitOptions()
	return s.insertRecordLocked(ds, cells, len(ds.order)).id, nil
}
