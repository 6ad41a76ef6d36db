package table

import (
	"fmt"
	"reflect"
	"strconv"
	"time"

	"github.com/apitable-go/apitable"
)

// decode fills v (a T) from rec.
func (m *mapping) decode(rec *apitable.Record, keys []string, v reflect.Value) error {
	switch {
	case m.meta != nil:
		v.FieldByIndex(m.meta).Set(reflect.ValueOf(RecordMeta{ID: rec.ID, CreatedAt: rec.CreatedAt, UpdatedAt: rec.UpdatedAt}))
	default:
		if m.id != nil {
			v.FieldByIndex(m.id).SetString(rec.ID)
		}
		if m.created != nil {
			v.FieldByIndex(m.created).Set(reflect.ValueOf(rec.CreatedAt))
		}
		if m.updated != nil {
			v.FieldByIndex(m.updated).Set(reflect.ValueOf(rec.UpdatedAt))
		}
	}
	for i := range m.fields {
		f := &m.fields[i]
		if err := f.decode(rec.Fields, keys[i], v.FieldByIndex(f.index)); err != nil {
			return fmt.Errorf("apitable: record %s: field %s: %w", rec.ID, f.goName, err)
		}
	}
	return nil
}

// decode sets dst (the struct field) from the cell key of cells.
func (f *fieldMap) decode(cells apitable.Fields, key string, dst reflect.Value) error {
	if !cells.Has(key) { // absent or null: zero, nil pointer, unchecked
		dst.SetZero()
		return nil
	}
	target := dst
	if f.ptr {
		target = reflect.New(f.typ).Elem()
	}
	var val any
	var err error
	switch f.kind {
	case kindString, kindInt, kindUint, kindFloat, kindBool:
		err = f.decodeScalar(cells, key, target)
	case kindTime:
		val, err = cells.Time(key)
	case kindStrings:
		var ss []string
		if ss, err = cells.Strings(key); err == nil {
			s := reflect.MakeSlice(f.typ, len(ss), len(ss))
			for i, e := range ss {
				s.Index(i).SetString(e)
			}
			target.Set(s)
		}
	case kindAttachments:
		val, err = cells.Attachments(key)
	case kindMembers:
		val, err = cells.Members(key)
	case kindMemberRefs:
		var ms []apitable.Member
		if ms, err = cells.Members(key); err == nil {
			refs := make([]apitable.MemberRef, len(ms))
			for i, mb := range ms {
				refs[i] = apitable.MemberByID(mb.ID)
			}
			val = refs
		}
	case kindURL:
		val, err = cells.URL(key)
	case kindUser:
		val, err = cells.User(key)
	case kindWorkDocs:
		val, err = cells.WorkDocs(key)
	case kindValues:
		val, err = cells.Values(key)
	case kindAny:
		target.Set(reflect.ValueOf(cells[key]))
	}
	if err != nil {
		return err
	}
	if val != nil {
		target.Set(reflect.ValueOf(val).Convert(f.typ))
	}
	if f.ptr {
		dst.Set(target.Addr())
	}
	return nil
}

// encode returns the cells of v (a T) for a write. Read-only fields are
// left out, so are empty values of omitempty fields, and with create also
// every null.
func (m *mapping) encode(v reflect.Value, keys []string, create bool) apitable.Fields {
	out := make(apitable.Fields, len(m.fields))
	for i := range m.fields {
		f := &m.fields[i]
		if f.readonly {
			continue
		}
		val, empty := f.encode(v.FieldByIndex(f.index))
		if (f.omitempty && empty) || (create && val == nil) {
			continue
		}
		out[keys[i]] = val
	}
	return out
}

// encode returns the value written for src (the struct field) and whether
// it is empty for omitempty: a nil pointer, or a zero or empty non-pointer
// value.
func (f *fieldMap) encode(src reflect.Value) (any, bool) {
	empty := false
	if f.ptr {
		if src.IsNil() {
			return nil, true
		}
		src = src.Elem()
	} else {
		empty = src.IsZero() || (src.Kind() == reflect.Slice && src.Len() == 0)
	}
	switch f.kind {
	case kindString:
		if s := src.String(); s != "" {
			return s, empty
		}
		return nil, empty
	case kindInt:
		return src.Int(), empty
	case kindUint:
		return src.Uint(), empty
	case kindFloat:
		if f.typ.Kind() == reflect.Float32 {
			// The shortest decimal of the float32, not its float64 widening
			// (0.1 rather than 0.10000000149011612).
			x, _ := strconv.ParseFloat(strconv.FormatFloat(src.Float(), 'g', -1, 32), 64)
			return x, empty
		}
		return src.Float(), empty
	case kindBool:
		return src.Bool(), empty
	case kindTime:
		t := src.Interface().(time.Time)
		if t.IsZero() {
			return nil, true // also when src.IsZero is false (a zero instant with a location)
		}
		return t, empty
	case kindStrings:
		if src.Len() == 0 {
			return nil, empty
		}
		ss := make([]string, src.Len())
		for i := range ss {
			ss[i] = src.Index(i).String()
		}
		return ss, empty
	case kindAttachments, kindMembers, kindMemberRefs, kindValues:
		if src.Len() == 0 {
			return nil, empty
		}
		return src.Convert(reflect.SliceOf(f.typ.Elem())).Interface(), empty
	case kindURL:
		if src.IsZero() {
			return nil, empty
		}
		return src.Interface().(apitable.URL), empty
	case kindAny:
		return src.Interface(), empty
	}
	return nil, true // read-only kinds are never encoded
}

// decodeScalar sets target from a text, number or bool cell.
func (f *fieldMap) decodeScalar(cells apitable.Fields, key string, target reflect.Value) error {
	var err error
	switch f.kind {
	case kindString:
		var s string
		if s, err = cells.Text(key); err == nil {
			target.SetString(s)
		}
	case kindInt:
		var n int64
		if n, err = cells.Int(key); err == nil {
			if target.OverflowInt(n) {
				return &apitable.CellTypeError{Field: key, Want: "integer in the range of " + f.typ.String(), Got: "number"}
			}
			target.SetInt(n)
		}
	case kindUint:
		var n int64
		if n, err = cells.Int(key); err == nil {
			if n < 0 || target.OverflowUint(uint64(n)) {
				return &apitable.CellTypeError{Field: key, Want: "integer in the range of " + f.typ.String(), Got: "number"}
			}
			target.SetUint(uint64(n))
		}
	case kindFloat:
		var x float64
		if x, err = cells.Number(key); err == nil {
			if target.OverflowFloat(x) {
				return &apitable.CellTypeError{Field: key, Want: "number in the range of " + f.typ.String(), Got: "number"}
			}
			target.SetFloat(x)
		}
	case kindBool:
		var b bool
		if b, err = cells.Bool(key); err == nil {
			target.SetBool(b)
		}
	}
	return err
}
