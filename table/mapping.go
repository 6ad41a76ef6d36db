package table

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/apitable-go/apitable"
)

// goKind is the family of a mapped Go type.
type goKind int

const (
	kindString goKind = iota + 1
	kindInt
	kindUint
	kindFloat
	kindBool
	kindTime
	kindStrings
	kindAttachments
	kindMembers
	kindMemberRefs
	kindURL
	kindUser
	kindWorkDocs
	kindValues
	kindAny
)

var (
	timeType       = reflect.TypeFor[time.Time]()
	urlType        = reflect.TypeFor[apitable.URL]()
	userType       = reflect.TypeFor[apitable.User]()
	attachmentType = reflect.TypeFor[apitable.Attachment]()
	memberType     = reflect.TypeFor[apitable.Member]()
	memberRefType  = reflect.TypeFor[apitable.MemberRef]()
	workDocType    = reflect.TypeFor[apitable.WorkDoc]()
	recordMetaType = reflect.TypeFor[RecordMeta]()
	fieldIDPattern = regexp.MustCompile(`^fld[0-9A-Za-z]{10}$`)
	tagOptPattern  = regexp.MustCompile(`^[a-z]+$`)
)

// fieldMap is one mapped struct field.
type fieldMap struct {
	goName              string // "Due" or "Base.Due"
	index               []int
	key                 string // tag key: a field name or id
	keyByID             bool
	kind                goKind
	typ                 reflect.Type // the Go type, without the pointer
	ptr                 bool
	omitempty, readonly bool
}

type mapping struct {
	typ    reflect.Type
	fields []fieldMap
	byID   bool // some field is named by id: requests use FieldKeyID
	// Index paths of the record id and timestamps; nil when absent.
	meta, id, created, updated []int
}

// parseMapping reads T's fields and tags.
func parseMapping(t reflect.Type) (*mapping, error) {
	if t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("apitable: table.Of[%s]: the row type must be a struct", t)
	}
	m := &mapping{typ: t}
	if err := m.walk(t, nil, ""); err != nil {
		return nil, fmt.Errorf("apitable: table.Of[%s]: %w", t, err)
	}
	if len(m.fields) == 0 {
		return nil, fmt.Errorf("apitable: table.Of[%s]: no field is mapped", t)
	}
	seen := make(map[string]string, len(m.fields))
	for _, f := range m.fields {
		if prev, dup := seen[f.key]; dup {
			return nil, fmt.Errorf("apitable: table.Of[%s]: fields %s and %s both map to %q", t, prev, f.goName, f.key)
		}
		seen[f.key] = f.goName
		if f.keyByID {
			m.byID = true
		}
	}
	if m.meta != nil && (m.id != nil || m.created != nil || m.updated != nil) {
		return nil, fmt.Errorf("apitable: table.Of[%s]: RecordMeta and the recordid/createdat/updatedat options exclude each other", t)
	}
	return m, nil
}

func (m *mapping) walk(t reflect.Type, index []int, prefix string) error {
	for i := range t.NumField() {
		sf := t.Field(i)
		idx := append(slices.Clone(index), i)
		goName := prefix + sf.Name
		tag, tagged := sf.Tag.Lookup("apitable")
		if tag == "-" {
			continue
		}
		ft := sf.Type
		if ft == recordMetaType {
			if !sf.IsExported() && !sf.Anonymous {
				continue
			}
			if m.meta != nil {
				return fmt.Errorf("field %s: a second RecordMeta", goName)
			}
			m.meta = idx
			continue
		}
		if sf.Anonymous && !tagged {
			if ft.Kind() == reflect.Struct && kindOf(ft) == 0 {
				if err := m.walk(ft, idx, goName+"."); err != nil {
					return err
				}
				continue
			}
			if ft.Kind() == reflect.Pointer && ft.Elem().Kind() == reflect.Struct {
				return fmt.Errorf("field %s: embedded struct pointers are not supported (embed the struct)", goName)
			}
		}
		if !sf.IsExported() {
			if tagged {
				return fmt.Errorf("field %s: unexported fields cannot be mapped", goName)
			}
			continue
		}
		f, meta, err := parseTag(tag, sf.Name)
		if err != nil {
			return fmt.Errorf("field %s: %w", goName, err)
		}
		if meta != "" {
			if err := m.setMeta(meta, goName, idx, ft); err != nil {
				return err
			}
			continue
		}
		f.goName, f.index = goName, idx
		if ft.Kind() == reflect.Pointer {
			f.ptr, ft = true, ft.Elem()
		}
		f.typ, f.kind = ft, kindOf(ft)
		if f.kind == 0 || (f.ptr && f.kind == kindAny) {
			return fmt.Errorf("field %s: unsupported type %s (see Of for the supported types; tag it `apitable:\"-\"` to skip it)", goName, sf.Type)
		}
		if f.kind == kindUser || f.kind == kindWorkDocs {
			f.readonly = true
		}
		m.fields = append(m.fields, f)
	}
	return nil
}

func (m *mapping) setMeta(opt, goName string, idx []int, ft reflect.Type) error {
	var dst *[]int
	switch opt {
	case "recordid":
		if ft.Kind() != reflect.String {
			return fmt.Errorf("field %s: recordid needs a string field, not %s", goName, ft)
		}
		dst = &m.id
	case "createdat", "updatedat":
		if ft != timeType {
			return fmt.Errorf("field %s: %s needs a time.Time field, not %s", goName, opt, ft)
		}
		dst = &m.created
		if opt == "updatedat" {
			dst = &m.updated
		}
	}
	if *dst != nil {
		return fmt.Errorf("field %s: a second %s field", goName, opt)
	}
	*dst = idx
	return nil
}

// parseTag parses `key,opt,opt`; meta is "recordid", "createdat" or
// "updatedat" for those options.
func parseTag(tag, goName string) (f fieldMap, meta string, err error) {
	explicitName := strings.HasPrefix(tag, "name=")
	var metas []string
options:
	for {
		i := strings.LastIndexByte(tag, ',')
		if i < 0 {
			break
		}
		// Options are written without spaces, so "City, Country" is a name.
		switch opt := tag[i+1:]; opt {
		case "omitempty":
			f.omitempty = true
		case "readonly":
			f.readonly = true
		case "recordid", "createdat", "updatedat":
			metas = append(metas, opt)
		default:
			if (opt == "" || tagOptPattern.MatchString(opt)) && !explicitName {
				return f, "", fmt.Errorf("unknown tag option %q (write name=… for a field name containing it)", opt)
			}
			break options
		}
		tag = tag[:i]
	}
	if len(metas) > 0 {
		if len(metas) > 1 || tag != "" || f.omitempty || f.readonly {
			return f, "", fmt.Errorf("option %s takes no field name and no other option", metas[0])
		}
		return f, metas[0], nil
	}
	switch {
	case strings.HasPrefix(tag, "id="):
		f.key, f.keyByID = tag[len("id="):], true
		if err := apitable.ValidateID("id", f.key); err != nil {
			return f, "", fmt.Errorf("bad field id %q", f.key)
		}
	case explicitName:
		f.key = tag[len("name="):]
		if f.key == "" {
			return f, "", errors.New("empty field name after name=")
		}
	case tag == "":
		f.key = goName
	default:
		f.key, f.keyByID = tag, fieldIDPattern.MatchString(tag)
	}
	return f, "", nil
}

// kindOf returns the cell kind of a (non-pointer) Go type, 0 if unsupported.
func kindOf(t reflect.Type) goKind {
	switch t {
	case timeType:
		return kindTime
	case urlType:
		return kindURL
	case userType:
		return kindUser
	}
	switch t.Kind() {
	case reflect.String:
		return kindString
	case reflect.Bool:
		return kindBool
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return kindInt
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return kindUint
	case reflect.Float32, reflect.Float64:
		return kindFloat
	case reflect.Interface:
		if t.NumMethod() == 0 {
			return kindAny
		}
	case reflect.Slice:
		e := t.Elem()
		switch {
		case e == attachmentType:
			return kindAttachments
		case e == memberType:
			return kindMembers
		case e == memberRefType:
			return kindMemberRefs
		case e == workDocType:
			return kindWorkDocs
		case e.Kind() == reflect.String:
			return kindStrings
		case e.Kind() == reflect.Interface && e.NumMethod() == 0:
			return kindValues
		}
	}
	return 0
}

// staticKeys returns the wire keys when they need no lookup: every field
// named by name, or every field named by id. Otherwise nil.
func (m *mapping) staticKeys() []string {
	keys := make([]string, len(m.fields))
	for i, f := range m.fields {
		if m.byID && !f.keyByID {
			return nil
		}
		keys[i] = f.key
	}
	return keys
}

// find returns the index of the field named name (Go field name first,
// then tag key), or -1.
func (m *mapping) find(name string) int {
	for i, f := range m.fields {
		if f.goName == name {
			return i
		}
	}
	for i, f := range m.fields {
		if f.key == name {
			return i
		}
	}
	return -1
}

func (m *mapping) hasID() bool { return m.meta != nil || m.id != nil }

func (m *mapping) recordID(v reflect.Value) string {
	if m.meta != nil {
		return v.FieldByIndex(m.meta).Interface().(RecordMeta).ID
	}
	return v.FieldByIndex(m.id).String()
}
