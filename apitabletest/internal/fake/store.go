package fake

import (
	"bytes"
	"crypto/sha1" //nolint:gosec // only makes asset tokens shaped like the server's; not used for security
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	_ "image/gif"  // attachment dimensions
	_ "image/jpeg" // attachment dimensions
	_ "image/png"  // attachment dimensions
	"time"
)

// The token user (§2): every request acts as this user.
const (
	UserID   = "a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5"
	UserName = "apitabletest user"
	userID   = UserID
	userName = UserName
)

// AssetHost is the storage host of attachment URLs.
const AssetHost = "https://assets.apitabletest.invalid/"

const assetHost = AssetHost

type store struct {
	s          *Backend
	spaces     map[string]*space
	spaceOrder []string
	dsts       map[string]*datasheet
	nodes      map[string]*node
	assets     map[string]*asset
	unitSeq    uint64
	embeds     map[string][]*embedLink // node id → its embed links, in creation order
}

type space struct {
	id, name string
	member   bool
	used     int64 // bytes of stored attachments (capacity, §6.9)
	units    []*unit
	root     []string // node ids of the root folder's children
}

type unit struct {
	id, unitID, name, typ, avatar string
}

type node struct {
	id, name, typ, icon, spaceID, parentID string
	children                               []string
	role                                   Role // the token user's permission (SetPermission)
}

type asset struct {
	token, name, mime string
	size              int
	width, height     int
	spaceID           string
	data              []byte
}

func (a *asset) url() string { return assetHost + a.token }

type option struct {
	id, name string
	color    int
}

type field struct {
	id, name, typ string
	prop          map[string]any // stored property (json kinds), minus options
	options       []*option      // SingleSelect / MultiSelect
	desc          string
}

type sortRule struct {
	fieldID string
	desc    bool
}

type view struct {
	id, name, typ string
	filter        string
	sort          []sortRule
	hidden        map[string]bool
}

type record struct {
	id                   string
	cells                map[string]any // field id → stored json value (editable types)
	createdAt, updatedAt int64
	fieldUpdated         map[string]int64
	autoNumber           int64
}

type datasheet struct {
	id, name, spaceID string
	fields            []*field
	views             []*view
	records           map[string]*record
	order             []string // first view row order
	nextAuto          int64
	deletedIDs        []string
}

func newStore(s *Backend) *store {
	return &store{
		s:      s,
		spaces: map[string]*space{},
		dsts:   map[string]*datasheet{},
		nodes:  map[string]*node{},
		assets: map[string]*asset{},
	}
}

func (d *datasheet) fieldByID(id string) *field {
	for _, f := range d.fields {
		if f.id == id {
			return f
		}
	}
	return nil
}

func (d *datasheet) fieldByName(name string) *field {
	for _, f := range d.fields {
		if f.name == name {
			return f
		}
	}
	return nil
}

// fieldByKey resolves a field by name or id according to fieldKey.
func (d *datasheet) fieldByKey(key string, byID bool) *field {
	if byID {
		return d.fieldByID(key)
	}
	return d.fieldByName(key)
}

func (d *datasheet) view(id string) *view {
	for _, v := range d.views {
		if v.id == id {
			return v
		}
	}
	return nil
}

func (f *field) optionByName(name string) *option {
	for _, o := range f.options {
		if o.name == name {
			return o
		}
	}
	return nil
}

func (f *field) label(byID bool) string {
	if byID {
		return f.id
	}
	return f.name
}

func (f *field) propString(k string) string {
	s, _ := f.prop[k].(string)
	return s
}

func (f *field) propBool(k string) bool {
	b, _ := f.prop[k].(bool)
	return b
}

func (f *field) propNum(k string, def float64) float64 {
	switch v := f.prop[k].(type) {
	case float64:
		return v
	case string:
		var x float64
		if _, err := fmt.Sscan(v, &x); err == nil {
			return x
		}
	}
	return def
}

// ---- seeding API ----

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
	id, uid := s.newUnitIDs()
	sp.units = append(sp.units, &unit{id: id, unitID: uid, name: userName, typ: "Member"})
	id, uid = s.newUnitIDs()
	sp.units = append(sp.units, &unit{id: id, unitID: uid, name: "Teammate", typ: "Member"})
	s.st.spaces[sp.id] = sp
	s.st.spaceOrder = append(s.st.spaceOrder, sp.id)
	return sp.id
}

// AddForeignSpace adds a space the token user is not a member of (requests
// to it answer 403, §2).
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
	if sp == nil {
		return nil, fmt.Errorf("unknown space %q", spaceID)
	}
	if spec.Name == "" {
		return nil, fmt.Errorf("empty datasheet name")
	}
	if len(spec.Fields) == 0 {
		return nil, fmt.Errorf("no fields")
	}
	ds := &datasheet{id: s.newID("dst", 15), name: spec.Name, spaceID: spaceID, records: map[string]*record{}, nextAuto: 1}
	// Register first so self links and lookups resolve.
	s.st.dsts[ds.id] = ds
	fail := func(err error) (*Datasheet, error) {
		delete(s.st.dsts, ds.id)
		return nil, err
	}
	seen := map[string]bool{}
	for _, fs := range spec.Fields {
		if fs.Name == "" || seen[fs.Name] {
			return fail(fmt.Errorf("field name %q empty or duplicate", fs.Name))
		}
		seen[fs.Name] = true
	}
	// Two passes: plain fields first, so lookups can name any field.
	pending := []*field{}
	for _, fs := range spec.Fields {
		f, err := s.buildField(ds, fs.Name, fs.Type, fs.Property, true)
		if err != nil {
			return fail(fmt.Errorf("field %q: %w", fs.Name, err))
		}
		f.desc = fs.Desc
		ds.fields = append(ds.fields, f)
		pending = append(pending, f)
	}
	for _, f := range pending {
		if err := s.resolveFieldRefs(ds, f); err != nil {
			return fail(fmt.Errorf("field %q: %w", f.name, err))
		}
	}
	views := spec.Views
	if len(views) == 0 {
		views = []ViewSpec{{Name: "Grid view"}}
	}
	for _, vs := range views {
		v := &view{id: s.newID("viw", 10), name: vs.Name, typ: vs.Type, filter: vs.Filter, hidden: map[string]bool{}}
		if v.typ == "" {
			v.typ = "Grid"
		}
		if v.name == "" {
			v.name = "Grid view"
		}
		if v.filter != "" {
			if _, err := parseFormula(v.filter); err != nil {
				return fail(fmt.Errorf("view %q filter: %w", vs.Name, err))
			}
		}
		for _, so := range vs.Sort {
			f := ds.fieldByName(so.Field)
			if f == nil {
				return fail(fmt.Errorf("view %q: unknown sort field %q", vs.Name, so.Field))
			}
			v.sort = append(v.sort, sortRule{fieldID: f.id, desc: so.Desc})
		}
		for _, h := range vs.Hidden {
			f := ds.fieldByName(h)
			if f == nil {
				return fail(fmt.Errorf("view %q: unknown hidden field %q", vs.Name, h))
			}
			v.hidden[f.id] = true
		}
		ds.views = append(ds.views, v)
	}
	// Node.
	n := &node{id: ds.id, name: ds.name, typ: "Datasheet", spaceID: spaceID, parentID: spec.FolderID}
	if spec.FolderID != "" {
		parent := s.st.nodes[spec.FolderID]
		if parent == nil || parent.typ != "Folder" || parent.spaceID != spaceID {
			return fail(fmt.Errorf("unknown folder %q", spec.FolderID))
		}
		parent.children = append(parent.children, n.id)
	} else {
		sp.root = append(sp.root, n.id)
	}
	s.st.nodes[n.id] = n
	// Records, through the same conversion as API writes.
	out := &Datasheet{ID: ds.id, SpaceID: spaceID, FieldIDs: map[string]string{}}
	for _, f := range ds.fields {
		out.FieldIDs[f.name] = f.id
	}
	for _, v := range ds.views {
		out.ViewIDs = append(out.ViewIDs, v.id)
	}
	for i, rf := range spec.Records {
		raw, err := json.Marshal(rf)
		if err != nil {
			return fail(fmt.Errorf("record %d: %w", i, err))
		}
		keys, vals, err := decodeOrderedObject(raw)
		if err != nil {
			return fail(fmt.Errorf("record %d: %w", i, err))
		}
		w := &writeCtx{s: s, ds: ds, newOptions: map[*field][]*option{}}
		cells, aerr := w.convertRecord(keys, vals, false)
		if aerr != nil {
			return fail(fmt.Errorf("record %d: %s", i, aerr.messageText()))
		}
		w.commitOptions()
		rec := s.insertRecordLocked(ds, cells, len(ds.order))
		out.RecordIDs = append(out.RecordIDs, rec.id)
	}
	return out, nil
}

// insertRecordLocked creates a record with converted cells at position pos
// of the row order.
func (s *Backend) insertRecordLocked(ds *datasheet, cells map[string]any, pos int) *record {
	now := time.Now().UnixMilli()
	rec := &record{id: s.newID("rec", 10), cells: map[string]any{}, createdAt: now, updatedAt: now, fieldUpdated: map[string]int64{}, autoNumber: ds.nextAuto}
	ds.nextAuto++
	ds.records[rec.id] = rec
	if pos > len(ds.order) {
		pos = len(ds.order)
	}
	ds.order = append(ds.order, "")
	copy(ds.order[pos+1:], ds.order[pos:])
	ds.order[pos] = rec.id
	for fid, v := range cells {
		s.setCellLocked(ds, rec, fid, v, now)
	}
	return rec
}

// setCellLocked stores a converted value (nil clears), keeping two-way
// links in sync.
func (s *Backend) setCellLocked(ds *datasheet, rec *record, fid string, v any, now int64) bool {
	f := ds.fieldByID(fid)
	if f == nil {
		return false
	}
	old, had := rec.cells[fid]
	if isEmptyValue(v) {
		if !had {
			return false
		}
		delete(rec.cells, fid)
	} else {
		if had && jsonEqual(old, v) {
			return false
		}
		rec.cells[fid] = v
	}
	rec.fieldUpdated[fid] = now
	rec.updatedAt = now
	if f.typ == "TwoWayLink" {
		s.syncSibling(ds, rec, f, idList(old), idList(v), now)
	}
	return true
}

// syncSibling updates the brother field of a two-way link after rec's cell
// changed from oldIDs to newIDs.
func (s *Backend) syncSibling(ds *datasheet, rec *record, f *field, oldIDs, newIDs []string, now int64) {
	fds := s.st.dsts[f.propString("foreignDatasheetId")]
	bro := f.propString("brotherFieldId")
	if fds == nil || bro == "" || (fds == ds && bro == f.id) {
		return
	}
	in := func(list []string, id string) bool {
		for _, x := range list {
			if x == id {
				return true
			}
		}
		return false
	}
	touch := func(frec *record, add bool) {
		cur := idList(frec.cells[bro])
		has := in(cur, rec.id)
		switch {
		case add && !has:
			cur = append(cur, rec.id)
		case !add && has:
			n := cur[:0:0]
			for _, x := range cur {
				if x != rec.id {
					n = append(n, x)
				}
			}
			cur = n
		default:
			return
		}
		if len(cur) == 0 {
			delete(frec.cells, bro)
		} else {
			frec.cells[bro] = stringsToAny(cur)
		}
		frec.fieldUpdated[bro] = now
		frec.updatedAt = now
	}
	for _, id := range oldIDs {
		if !in(newIDs, id) {
			if fr := fds.records[id]; fr != nil {
				touch(fr, false)
			}
		}
	}
	for _, id := range newIDs {
		if fr := fds.records[id]; fr != nil {
			touch(fr, true)
		}
	}
}

func idList(v any) []string {
	var out []string
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
	case []string:
		out = append(out, x...)
	}
	return out
}

func stringsToAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

func isEmptyValue(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case bool:
		return !x
	case []any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	}
	return false
}

func jsonEqual(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}

// normalizeJSON round-trips v through JSON so it only holds json kinds.
func normalizeJSON(v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var out any
	d := json.NewDecoder(bytes.NewReader(b))
	if err := d.Decode(&out); err != nil {
		return nil, err
	}
	return out, nil
}

// readOnlyTypes maps computed types to their §4.3 message.
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
		for _, o := range opts {
			var name string
			color := -1
			var id string
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
				return nil, fmt.Errorf("option without name")
			}
			if color < 0 {
				color = nextColor(f.options)
			}
			if id == "" {
				id = s.newID("opt", 10)
			}
			f.options = append(f.options, &option{id: id, name: name, color: color})
		}
	case "SingleText":
		if _, ok := pm["defaultValue"]; !ok {
			pm["defaultValue"] = ""
		}
	case "Currency":
		if pm["symbol"] == nil || pm["symbol"] == "" {
			pm["symbol"] = "$"
		}
		if p, _ := pm["precision"].(float64); p == 0 {
			pm["precision"] = 2.0
		}
	case "Number", "Percent":
		if _, ok := pm["precision"]; !ok {
			pm["precision"] = 0.0
		}
	case "Rating":
		if _, ok := pm["max"]; !ok {
			pm["max"] = 5.0
		}
		if _, ok := pm["icon"]; !ok {
			pm["icon"] = "star"
		}
	case "Checkbox":
		if _, ok := pm["icon"]; !ok {
			pm["icon"] = "white_check_mark"
		}
	case "DateTime", "CreatedTime", "LastModifiedTime":
		if _, ok := pm["dateFormat"]; !ok {
			pm["dateFormat"] = "YYYY/MM/DD"
		}
		if _, ok := pm["timeFormat"]; !ok {
			pm["timeFormat"] = "hh:mm"
		}
		if _, ok := pm["includeTime"]; !ok {
			pm["includeTime"] = false
		}
	case "Member":
		for _, k := range []string{"isMulti", "shouldSendMsg", "subscription"} {
			b, _ := pm[k].(bool)
			pm[k] = b
		}
	case "TwoWayLink", "OneWayLink":
		fd, _ := pm["foreignDatasheetId"].(string)
		if fd == "" || fd == "self" {
			pm["foreignDatasheetId"] = ds.id
		} else if s.st.dsts[fd] == nil {
			return nil, fmt.Errorf("unknown foreignDatasheetId %q", fd)
		}
	case "Formula":
		if _, ok := pm["expression"]; !ok {
			pm["expression"] = ""
		}
	}
	return f, nil
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

// decodeOrderedObject decodes a JSON object keeping key order (a repeated
// key keeps its first position and its last value, like JSON.parse).
func decodeOrderedObject(raw []byte) ([]string, map[string]any, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	tok, err := d.Token()
	if err != nil {
		return nil, nil, err
	}
	if delim, ok := tok.(json.Delim); !ok || delim != '{' {
		return nil, nil, fmt.Errorf("not an object")
	}
	var keys []string
	vals := map[string]any{}
	for d.More() {
		kt, err := d.Token()
		if err != nil {
			return nil, nil, err
		}
		k, _ := kt.(string)
		var v any
		if err := d.Decode(&v); err != nil {
			return nil, nil, err
		}
		if _, dup := vals[k]; !dup {
			keys = append(keys, k)
		}
		vals[k] = numbersToFloat(v)
	}
	return keys, vals, nil
}

// numbersToFloat converts json.Number values to float64 (keeping NaN-free
// semantics of JSON).
func numbersToFloat(v any) any {
	switch x := v.(type) {
	case json.Number:
		f, err := x.Float64()
		if err != nil {
			return x.String()
		}
		return f
	case []any:
		for i := range x {
			x[i] = numbersToFloat(x[i])
		}
	case map[string]any:
		for k := range x {
			x[k] = numbersToFloat(x[k])
		}
	}
	return v
}
