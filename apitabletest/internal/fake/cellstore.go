package fake

import "time"

// insertRecordLocked creates a record with converted cells at position pos
// of the row order. The record takes cells over as its own cell map (one
// map less per row); callers must not use it afterwards.
func (s *Backend) insertRecordLocked(ds *datasheet, cells map[string]any, pos int) *record {
	now := time.Now().UnixMilli()
	if cells == nil {
		cells = map[string]any{}
	}
	rec := &record{id: s.newID("rec", 10), cells: cells, createdAt: now, updatedAt: now, autoNumber: ds.nextAuto}
	ds.nextAuto++
	ds.records[rec.id] = rec
	if pos > len(ds.order) {
		pos = len(ds.order)
	}
	ds.order = append(ds.order, "")
	copy(ds.order[pos+1:], ds.order[pos:])
	ds.order[pos] = rec.id
	// New cells leave fieldUpdated alone: a cell without an entry there
	// was set when the record was created (lastModified falls back to
	// createdAt), which saves a map per row.
	var links []*field
	for fid, v := range cells {
		f := ds.fieldByID(fid)
		switch {
		case f == nil || isEmptyValue(v):
			delete(cells, fid)
		case f.typ == "TwoWayLink":
			links = append(links, f)
		}
	}
	// Sync after the loop: a self link may write rec's own cells.
	for _, f := range links {
		s.syncSibling(ds, rec, f, nil, idList(cells[f.id]), now)
	}
	return rec
}

// touchField records that rec's cell of fid changed at now.
func (rec *record) touchField(fid string, now int64) {
	if rec.fieldUpdated == nil {
		rec.fieldUpdated = map[string]int64{}
	}
	rec.fieldUpdated[fid] = now
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
	rec.touchField(fid, now)
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
		frec.touchField(bro, now)
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
