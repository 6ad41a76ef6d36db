package fake

// The model: spaces, units, nodes, assets, datasheets, fields, views and
// records as the store holds them.

import "fmt"

// The token user (server-behaviour.md §2): every request acts as this user.
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
	used     int64 // bytes of stored attachments (capacity, server-behaviour.md §6.9)
	units    []*unit
	root     []string // node ids of the root folder's children
	rootID   string   // the root folder's node id: parentId of root-level nodes
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
