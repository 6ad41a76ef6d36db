package fake

// State snapshots: the whole store written as JSON and read back, so a
// local development server (cmd/apitable-fake -state) keeps its data
// across restarts. Rate-limit windows and the request-id counter are not
// kept.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
)

const snapshotVersion = 1

type snapshot struct {
	Version    int                    `json:"version"`
	IDCounter  uint64                 `json:"idCounter"`
	UnitSeq    uint64                 `json:"unitSeq"`
	Spaces     []snapSpace            `json:"spaces"`
	Nodes      []snapNode             `json:"nodes"`
	Assets     []snapAsset            `json:"assets"`
	Datasheets []snapDatasheet        `json:"datasheets"`
	Embeds     map[string][]snapEmbed `json:"embeds,omitempty"`
}

type snapSpace struct {
	ID     string     `json:"id"`
	Name   string     `json:"name"`
	Member bool       `json:"member"`
	Used   int64      `json:"used"`
	Units  []snapUnit `json:"units"`
	Root   []string   `json:"root"`
	RootID string     `json:"rootId"`
}

type snapUnit struct {
	ID     string `json:"id"`
	UnitID string `json:"unitId"`
	Name   string `json:"name"`
	Type   string `json:"type"`
	Avatar string `json:"avatar,omitempty"`
}

type snapNode struct {
	ID       string   `json:"id"`
	Name     string   `json:"name"`
	Type     string   `json:"type"`
	Icon     string   `json:"icon,omitempty"`
	SpaceID  string   `json:"spaceId"`
	ParentID string   `json:"parentId,omitempty"`
	Children []string `json:"children,omitempty"`
	Role     Role     `json:"role"`
}

type snapAsset struct {
	Token   string `json:"token"`
	Name    string `json:"name"`
	MIME    string `json:"mime"`
	Size    int    `json:"size"`
	Width   int    `json:"width,omitempty"`
	Height  int    `json:"height,omitempty"`
	SpaceID string `json:"spaceId,omitempty"`
	Data    []byte `json:"data"`
}

type snapOption struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Color int    `json:"color"`
}

type snapField struct {
	ID      string         `json:"id"`
	Name    string         `json:"name"`
	Type    string         `json:"type"`
	Prop    map[string]any `json:"prop,omitempty"`
	Options []snapOption   `json:"options,omitempty"`
	Desc    string         `json:"desc,omitempty"`
}

type snapSort struct {
	FieldID string `json:"fieldId"`
	Desc    bool   `json:"desc,omitempty"`
}

type snapView struct {
	ID     string     `json:"id"`
	Name   string     `json:"name"`
	Type   string     `json:"type"`
	Filter string     `json:"filter,omitempty"`
	Sort   []snapSort `json:"sort,omitempty"`
	Hidden []string   `json:"hidden,omitempty"`
}

type snapRecord struct {
	ID           string           `json:"id"`
	Cells        map[string]any   `json:"cells"`
	CreatedAt    int64            `json:"createdAt"`
	UpdatedAt    int64            `json:"updatedAt"`
	FieldUpdated map[string]int64 `json:"fieldUpdated,omitempty"`
	AutoNumber   int64            `json:"autoNumber"`
}

type snapDatasheet struct {
	ID         string       `json:"id"`
	Name       string       `json:"name"`
	SpaceID    string       `json:"spaceId"`
	Fields     []snapField  `json:"fields"`
	Views      []snapView   `json:"views"`
	Records    []snapRecord `json:"records"` // in row order
	NextAuto   int64        `json:"nextAuto"`
	DeletedIDs []string     `json:"deletedIds,omitempty"`
}

type snapEmbed struct {
	ID      string         `json:"id"`
	Payload map[string]any `json:"payload,omitempty"`
	Theme   string         `json:"theme,omitempty"`
}

// SaveState writes the whole store to w as JSON.
func (s *Backend) SaveState(w io.Writer) error {
	s.mu.Lock()
	snap := s.snapshotLocked()
	s.mu.Unlock()
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(snap)
}

func (s *Backend) snapshotLocked() *snapshot {
	st := s.st
	snap := &snapshot{Version: snapshotVersion, IDCounter: s.idCounter, UnitSeq: st.unitSeq}
	for _, id := range st.spaceOrder {
		sp := st.spaces[id]
		ss := snapSpace{ID: sp.id, Name: sp.name, Member: sp.member, Used: sp.used, Root: sp.root, RootID: sp.rootID}
		for _, u := range sp.units {
			ss.Units = append(ss.Units, snapUnit{ID: u.id, UnitID: u.unitID, Name: u.name, Type: u.typ, Avatar: u.avatar})
		}
		snap.Spaces = append(snap.Spaces, ss)
	}
	for _, n := range sortedValues(st.nodes) {
		snap.Nodes = append(snap.Nodes, snapNode{ID: n.id, Name: n.name, Type: n.typ, Icon: n.icon, SpaceID: n.spaceID, ParentID: n.parentID, Children: n.children, Role: n.role})
	}
	for _, a := range sortedValues(st.assets) {
		snap.Assets = append(snap.Assets, snapAsset{Token: a.token, Name: a.name, MIME: a.mime, Size: a.size, Width: a.width, Height: a.height, SpaceID: a.spaceID, Data: a.data})
	}
	for _, ds := range sortedValues(st.dsts) {
		snap.Datasheets = append(snap.Datasheets, snapshotDatasheet(ds))
	}
	for id, links := range st.embeds {
		if snap.Embeds == nil {
			snap.Embeds = map[string][]snapEmbed{}
		}
		for _, l := range links {
			snap.Embeds[id] = append(snap.Embeds[id], snapEmbed{ID: l.id, Payload: l.payload, Theme: l.theme})
		}
	}
	return snap
}

func snapshotDatasheet(ds *datasheet) snapDatasheet {
	sd := snapDatasheet{ID: ds.id, Name: ds.name, SpaceID: ds.spaceID, NextAuto: ds.nextAuto, DeletedIDs: ds.deletedIDs}
	for _, f := range ds.fields {
		sf := snapField{ID: f.id, Name: f.name, Type: f.typ, Prop: f.prop, Desc: f.desc}
		for _, o := range f.options {
			sf.Options = append(sf.Options, snapOption{ID: o.id, Name: o.name, Color: o.color})
		}
		sd.Fields = append(sd.Fields, sf)
	}
	for _, v := range ds.views {
		sv := snapView{ID: v.id, Name: v.name, Type: v.typ, Filter: v.filter}
		for _, r := range v.sort {
			sv.Sort = append(sv.Sort, snapSort{FieldID: r.fieldID, Desc: r.desc})
		}
		for fid, h := range v.hidden {
			if h {
				sv.Hidden = append(sv.Hidden, fid)
			}
		}
		sd.Views = append(sd.Views, sv)
	}
	sd.Records = make([]snapRecord, 0, len(ds.order))
	for _, id := range ds.order {
		r := ds.records[id]
		sd.Records = append(sd.Records, snapRecord{ID: r.id, Cells: r.cells, CreatedAt: r.createdAt, UpdatedAt: r.updatedAt, FieldUpdated: r.fieldUpdated, AutoNumber: r.autoNumber})
	}
	return sd
}

// LoadState replaces the whole store with one written by SaveState. It
// returns the id of the first space.
func (s *Backend) LoadState(r io.Reader) (string, error) {
	raw, err := io.ReadAll(r)
	if err != nil {
		return "", err
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var snap snapshot
	if err := d.Decode(&snap); err != nil {
		return "", fmt.Errorf("state: %w", err)
	}
	if snap.Version != snapshotVersion {
		return "", fmt.Errorf("state: version %d, want %d", snap.Version, snapshotVersion)
	}
	st := newStore(s)
	st.unitSeq = snap.UnitSeq
	for _, ss := range snap.Spaces {
		sp := &space{id: ss.ID, name: ss.Name, member: ss.Member, used: ss.Used, root: ss.Root, rootID: ss.RootID}
		for _, u := range ss.Units {
			sp.units = append(sp.units, &unit{id: u.ID, unitID: u.UnitID, name: u.Name, typ: u.Type, avatar: u.Avatar})
		}
		st.spaces[sp.id] = sp
		st.spaceOrder = append(st.spaceOrder, sp.id)
	}
	for _, n := range snap.Nodes {
		st.nodes[n.ID] = &node{id: n.ID, name: n.Name, typ: n.Type, icon: n.Icon, spaceID: n.SpaceID, parentID: n.ParentID, children: n.Children, role: n.Role}
	}
	for _, a := range snap.Assets {
		st.assets[a.Token] = &asset{token: a.Token, name: a.Name, mime: a.MIME, size: a.Size, width: a.Width, height: a.Height, spaceID: a.SpaceID, data: a.Data}
	}
	for _, sd := range snap.Datasheets {
		st.dsts[sd.ID] = restoreDatasheet(sd)
	}
	for id, links := range snap.Embeds {
		if st.embeds == nil {
			st.embeds = map[string][]*embedLink{}
		}
		for _, l := range links {
			numbersToFloat(l.Payload)
			st.embeds[id] = append(st.embeds[id], &embedLink{id: l.ID, payload: l.Payload, theme: l.Theme})
		}
	}
	s.mu.Lock()
	s.st = st
	s.idCounter = snap.IDCounter
	s.mu.Unlock()
	if len(snap.Spaces) == 0 {
		return "", nil
	}
	return snap.Spaces[0].ID, nil
}

func restoreDatasheet(sd snapDatasheet) *datasheet {
	ds := &datasheet{id: sd.ID, name: sd.Name, spaceID: sd.SpaceID, nextAuto: sd.NextAuto, deletedIDs: sd.DeletedIDs,
		records: make(map[string]*record, len(sd.Records)), order: make([]string, 0, len(sd.Records))}
	for _, sf := range sd.Fields {
		f := &field{id: sf.ID, name: sf.Name, typ: sf.Type, prop: jsonMap(sf.Prop), desc: sf.Desc}
		for _, o := range sf.Options {
			f.options = append(f.options, &option{id: o.ID, name: o.Name, color: o.Color})
		}
		ds.fields = append(ds.fields, f)
	}
	for _, sv := range sd.Views {
		v := &view{id: sv.ID, name: sv.Name, typ: sv.Type, filter: sv.Filter, hidden: map[string]bool{}}
		for _, r := range sv.Sort {
			v.sort = append(v.sort, sortRule{fieldID: r.FieldID, desc: r.Desc})
		}
		for _, fid := range sv.Hidden {
			v.hidden[fid] = true
		}
		ds.views = append(ds.views, v)
	}
	for _, sr := range sd.Records {
		ds.records[sr.ID] = &record{id: sr.ID, cells: jsonMap(sr.Cells), createdAt: sr.CreatedAt, updatedAt: sr.UpdatedAt, fieldUpdated: sr.FieldUpdated, autoNumber: sr.AutoNumber}
		ds.order = append(ds.order, sr.ID)
	}
	return ds
}

// jsonMap turns the json.Numbers of a decoded object into float64, as the
// store holds them; an absent object becomes an empty map.
func jsonMap(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	numbersToFloat(m)
	return m
}

// sortedValues returns the map's values ordered by key, so a snapshot is
// the same for the same store.
func sortedValues[T any](m map[string]*T) []*T {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make([]*T, len(keys))
	for i, k := range keys {
		out[i] = m[k]
	}
	return out
}
