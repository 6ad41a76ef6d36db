package apitable

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Typed tables: a struct type mapped to the fields of one datasheet with
// struct tags, read and written through RecordsService.

// ErrSchemaMismatch is matched (errors.Is) by the *SchemaError that
// Table.Check returns when the struct does not fit the datasheet's fields,
// and by the error of any Table method that needs field ids and finds a
// name-tagged field missing.
var ErrSchemaMismatch = errors.New("apitable: struct does not match the datasheet's fields")

// SchemaProblemKind classifies a SchemaProblem.
type SchemaProblemKind int

// Kinds of schema problems.
const (
	// SchemaFieldMissing: no field has the tagged name or id (the field was
	// renamed or deleted, or the tag is wrong).
	SchemaFieldMissing SchemaProblemKind = iota + 1
	// SchemaTypeMismatch: the Go type cannot hold the field's values.
	SchemaTypeMismatch
	// SchemaFieldReadOnly: the field's type is read-only (computed, WorkDoc,
	// Button) but the Go field would be written: tag it ",readonly".
	SchemaFieldReadOnly
	// SchemaFieldDuplicate: two Go fields map to the same datasheet field
	// (one by name, the other by id).
	SchemaFieldDuplicate
)

// String returns "missing", "type mismatch", "read-only" or "duplicate".
func (k SchemaProblemKind) String() string {
	switch k {
	case SchemaFieldMissing:
		return "missing"
	case SchemaTypeMismatch:
		return "type mismatch"
	case SchemaFieldReadOnly:
		return "read-only"
	case SchemaFieldDuplicate:
		return "duplicate"
	}
	return "SchemaProblemKind(" + strconv.Itoa(int(k)) + ")"
}

// SchemaProblem is one difference between a struct mapped with TableOf and
// the live fields of its datasheet.
type SchemaProblem struct {
	// GoField is the struct field's name ("Due", or "Base.Due" for a field
	// of an embedded struct).
	GoField string
	// Key is the field name or id the struct field is tagged with.
	Key  string
	Kind SchemaProblemKind
	// FieldType is the live field's type; "" when it is missing.
	FieldType FieldType
	// Reason says what is wrong, in a sentence fragment.
	Reason string
}

// String returns the problem on one line: the Go field, then the reason.
func (p SchemaProblem) String() string { return p.GoField + ": " + p.Reason }

// SchemaError lists every problem Table.Check found. It matches
// ErrSchemaMismatch.
type SchemaError struct {
	DatasheetID string
	// Type is the Go type of the table's rows, e.g. "main.Task".
	Type     string
	Problems []SchemaProblem
}

// Error returns one line naming every problem.
func (e *SchemaError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.String()
	}
	return fmt.Sprintf("apitable: %s does not match datasheet %s: %s", e.Type, e.DatasheetID, strings.Join(parts, "; "))
}

// Is makes SchemaError match ErrSchemaMismatch.
func (e *SchemaError) Is(target error) bool { return target == ErrSchemaMismatch }

// RecordMeta holds a record's id and timestamps in a struct mapped with
// TableOf: embed it (or give it a named field) and reads fill it in, while
// Update and Delete take the record id from it. It is never written as
// cells. CreatedAt and UpdatedAt are zero in the results of Create, Update
// and Upsert (the server omits them there).
type RecordMeta struct {
	ID        string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Table is a typed view of one datasheet: each row is a T, a struct whose
// fields map to the datasheet's fields with struct tags. Build it with
// TableOf. A Table is safe for concurrent use.
type Table[T any] struct {
	c           *Client
	datasheetID string
	m           *mapping
	// keys holds the wire key of every mapped field, once known: set by
	// TableOf when no lookup is needed, otherwise by the first call that
	// needs it (or Check). sem serialises that lookup.
	keys atomic.Pointer[[]string]
	sem  chan struct{}
}

// TablePage is one page of a Table: the rows and the paging information of
// RecordsPage.
type TablePage[T any] struct {
	Records []T
	// Total is the number of matching records.
	Total int
	// PageNum echoes the page number.
	PageNum int
	// PageSize is the number of records in this page.
	PageSize int
}

// TableOf returns the typed view of a datasheet whose rows are T, a struct
// type. It parses T's fields once and does no I/O; call Check to compare
// the struct with the live fields.
//
// # Mapping
//
// Each exported field of T maps to one datasheet field, named by its tag:
//
//	Title string    `apitable:"Title"`          // by field name
//	Due   time.Time `apitable:"Due date,omitempty"`
//	Score float64   `apitable:"fldAbc1234567"`  // by field id
//	Notes string                                // untagged: by the Go name, "Notes"
//	Cache []byte    `apitable:"-"`              // skipped
//
// A tag value of the form of a field id (^fld[0-9A-Za-z]{10}$) names the
// field by id; other values name it by its exact name. The explicit forms
// `apitable:"id=…"` and `apitable:"name=…"` decide for names that look like
// ids and ids of other shapes. Options follow the name after commas and are
// recognised from the right, so names may contain commas ("City, Country"):
//
//   - omitempty: Create, Update and Upsert leave the cell out when the value
//     is empty (zero number, false, "", zero time, nil or empty slice, nil
//     pointer), so Update leaves the cell alone instead of clearing it.
//   - readonly: never written; for computed fields (Formula, lookups,
//     AutoNumber, created/modified time …). User and []WorkDoc fields are
//     always read-only.
//
// With "name=…" a trailing segment that is not an option belongs to the
// name; otherwise an unknown lower-case option is an error (a typo such as
// ",omitemtpy" would otherwise silently become part of the name).
// Unexported fields are ignored. Fields of embedded structs without a tag
// are mapped as if they were fields of T, like encoding/json does.
//
// Untagged exported fields map by their Go name. Since the API silently
// drops cells of unknown fields (§0.7), run Check (in a test or at start-up)
// to catch a Go name that is not a field name.
//
// # Record id and timestamps
//
// An embedded (or named) RecordMeta receives the record id and timestamps.
// Alternatively tag a string field `apitable:",recordid"` and time.Time
// fields `apitable:",createdat"` / `apitable:",updatedat"`.
//
// # Names or ids on the wire
//
// When every field is named by name, requests use FieldKeyName. When any
// field is named by id, requests use FieldKeyID for all of them: the ids of
// the fields named by name are then looked up once with Fields.List (on the
// first call that needs them, or by Check) and kept for the Table's
// lifetime. Mapping by id therefore survives renames in the datasheet;
// mapping by name does not (Check reports the renamed field as missing).
//
// # Go types
//
// A Go field's type decides how its cell is read (with the getter of
// Fields in parentheses) and written. Named types with these underlying
// kinds work too (type Status string):
//
//	string               SingleText, Text, Email, Phone, SingleSelect, Cascader (Text)
//	int…, uint…, float…  Number, Currency, Percent, Rating, AutoNumber (Int / Number)
//	bool                 Checkbox; absent = false (Bool)
//	time.Time            DateTime, CreatedTime, LastModifiedTime (Time)
//	[]string             MultiSelect, MagicLink/TwoWayLink/OneWayLink, text lookups (Strings)
//	[]Attachment         Attachment (Attachments)
//	[]Member             Member (Members); written by Member.ID
//	[]MemberRef          Member; read as MemberByID of each member
//	URL                  URL (URL)
//	User                 CreatedBy, LastModifiedBy (User); read-only
//	[]WorkDoc            WorkDoc (WorkDocs); read-only
//	[]any                any field, typically MagicLookUp and Formula (Values)
//	any                  any field: the cell as decoded from JSON
//
// Formula fields match the Go type of their value type (String → string,
// Number → numbers, Boolean → bool, DateTime → time.Time, Array → []string).
// A pointer to any of these types except any is an optional value: nil
// reads as an empty cell, and a nil pointer is written as null, which clears
// the cell on Update (unless omitempty). Non-pointer empty values ("", zero
// time, empty slices, zero URL) are written as null as well; numbers and
// bools are always written as they are (0, false). Create never sends null
// cells: a new record's cells start empty.
//
// Reading an absent cell gives the zero value (a nil pointer); a cell of
// another kind (text in a number field) is an error naming the Go field and
// the record id, wrapping *CellTypeError.
//
// Any other field type makes TableOf fail with an error naming the field.
func TableOf[T any](c *Client, datasheetID string) (*Table[T], error) {
	if c == nil {
		return nil, &ValidationError{Field: "c", Reason: "nil Client"}
	}
	if err := checkID("datasheetID", datasheetID); err != nil {
		return nil, err
	}
	m, err := parseMapping(reflect.TypeFor[T]())
	if err != nil {
		return nil, err
	}
	t := &Table[T]{c: c, datasheetID: datasheetID, m: m, sem: make(chan struct{}, 1)}
	if keys := m.staticKeys(); keys != nil {
		t.keys.Store(&keys)
	}
	return t, nil
}

// DatasheetID returns the id of the table's datasheet.
func (t *Table[T]) DatasheetID() string { return t.datasheetID }

// fieldKey is the FieldKey of every request of the table.
func (t *Table[T]) fieldKey() FieldKey {
	if t.m.byID {
		return FieldKeyID
	}
	return FieldKeyName
}

// wireKeys returns the key sent for each mapped field, looking ids up once
// when needed.
func (t *Table[T]) wireKeys(ctx context.Context) ([]string, error) {
	if k := t.keys.Load(); k != nil {
		return *k, nil
	}
	select {
	case t.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-t.sem }()
	if k := t.keys.Load(); k != nil {
		return *k, nil
	}
	fields, err := t.c.Fields.List(ctx, t.datasheetID, nil)
	if err != nil {
		return nil, fmt.Errorf("apitable: looking up the field ids of %s: %w", t.m.typ, err)
	}
	keys, problems := t.m.match(fields)
	var missing []SchemaProblem
	for i, p := range problems {
		if p.Kind == SchemaFieldMissing && keys[t.m.find(problems[i].GoField)] == "" {
			missing = append(missing, p)
		}
	}
	if len(missing) > 0 {
		return nil, &SchemaError{DatasheetID: t.datasheetID, Type: t.m.typ.String(), Problems: missing}
	}
	t.keys.Store(&keys)
	return keys, nil
}

// Check compares T with the datasheet's live fields (one Fields.List call)
// and returns a *SchemaError (matching ErrSchemaMismatch) naming every
// problem: a tagged field that is missing (renamed or deleted), a Go type
// that cannot hold the field's values (see TableOf for the compatible
// types), a Go field not tagged ",readonly" that maps to a read-only field
// type, and two Go fields mapping to the same field. Fields of the
// datasheet that T does not map are fine. When T names fields by id,
// Check also refreshes the looked-up ids of the fields it names by name.
//
// GET /fusion/v1/datasheets/{datasheetId}/fields. Bucket: the datasheet.
// Retry class: read.
func (t *Table[T]) Check(ctx context.Context) error {
	fields, err := t.c.Fields.List(ctx, t.datasheetID, nil)
	if err != nil {
		return err
	}
	keys, problems := t.m.match(fields)
	if len(problems) > 0 {
		return &SchemaError{DatasheetID: t.datasheetID, Type: t.m.typ.String(), Problems: problems}
	}
	if t.m.byID {
		t.keys.Store(&keys)
	}
	return nil
}

// listParams copies params, checks what the table sets itself, and
// translates field references (Go field names or tag keys) to wire keys.
func (t *Table[T]) listParams(params *ListRecordsParams, keys []string) (*ListRecordsParams, error) {
	var p ListRecordsParams
	if params != nil {
		p = *params
	}
	if p.CellFormat != "" && p.CellFormat != CellFormatJSON {
		return nil, invalid("CellFormat", "a Table reads %q cells only", CellFormatJSON)
	}
	if p.FieldKey != "" && p.FieldKey != t.fieldKey() {
		return nil, invalid("FieldKey", "a Table of %s sets FieldKey %q itself", t.m.typ, t.fieldKey())
	}
	p.FieldKey = t.fieldKey()
	p.CellFormat = ""
	if p.Sort != nil {
		p.Sort = slices.Clone(p.Sort)
		for i := range p.Sort {
			if j := t.m.find(p.Sort[i].Field); j >= 0 {
				p.Sort[i].Field = keys[j]
			}
		}
	}
	if p.Fields != nil {
		p.Fields = slices.Clone(p.Fields)
		for i, f := range p.Fields {
			if j := t.m.find(f); j >= 0 {
				p.Fields[i] = keys[j]
			}
		}
	}
	p.RecordIDs = slices.Clone(p.RecordIDs)
	return &p, nil
}

// List returns one page of rows. params are those of Records.List, with
// these differences: Sort[].Field and Fields may name T's fields by Go
// field name or by tag key (other names are sent as they are); FieldKey is
// set by the Table (a different value is an error) and CellFormat must be
// empty or CellFormatJSON.
//
// Requests as Records.List (plus a Fields.List once, see TableOf).
func (t *Table[T]) List(ctx context.Context, params *ListRecordsParams) (*TablePage[T], error) {
	keys, err := t.wireKeys(ctx)
	if err != nil {
		return nil, err
	}
	p, err := t.listParams(params, keys)
	if err != nil {
		return nil, err
	}
	page, err := t.c.Records.List(ctx, t.datasheetID, p)
	if err != nil {
		return nil, err
	}
	out := &TablePage[T]{Records: make([]T, len(page.Records)), Total: page.Total, PageNum: page.PageNum, PageSize: page.PageSize}
	for i := range page.Records {
		if out.Records[i], err = t.decode(&page.Records[i], keys); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// All iterates over every matching row in server order, as Records.All
// does (pages requested ahead, break stops all I/O, ranging again starts
// over). params as for List. On failure, including a row that cannot be
// decoded into T, it yields (zero T, err) once and stops.
func (t *Table[T]) All(ctx context.Context, params *ListRecordsParams) iter.Seq2[T, error] {
	var cp *ListRecordsParams
	if params != nil {
		c := *params
		c.Sort, c.Fields, c.RecordIDs = slices.Clone(c.Sort), slices.Clone(c.Fields), slices.Clone(c.RecordIDs)
		cp = &c
	}
	return func(yield func(T, error) bool) {
		var zero T
		keys, err := t.wireKeys(ctx)
		if err != nil {
			yield(zero, err)
			return
		}
		p, err := t.listParams(cp, keys)
		if err != nil {
			yield(zero, err)
			return
		}
		for rec, err := range t.c.Records.All(ctx, t.datasheetID, p) {
			if err != nil {
				yield(zero, err)
				return
			}
			v, err := t.decode(&rec, keys)
			if err != nil {
				yield(zero, err)
				return
			}
			if !yield(v, nil) {
				return
			}
		}
	}
}

// Get returns the row of one record; ErrRecordNotFound when there is none.
//
// Requests as Records.Get.
func (t *Table[T]) Get(ctx context.Context, recordID string) (T, error) {
	var zero T
	keys, err := t.wireKeys(ctx)
	if err != nil {
		return zero, err
	}
	rec, err := t.c.Records.Get(ctx, t.datasheetID, recordID, &GetRecordParams{FieldKey: t.fieldKey()})
	if err != nil {
		return zero, err
	}
	return t.decode(rec, keys)
}

// Create adds one record per row and returns the created rows as the
// server answered them, record ids (and computed fields) filled in. The id
// fields of the inputs are ignored. Chunking, ordering and errors are those
// of Records.Create: on partial failure the error is the *BatchError of
// Records.Create unchanged (its indices are those of rows) and the entries
// of rows not applied are zero values.
//
// Requests as Records.Create.
func (t *Table[T]) Create(ctx context.Context, rows []T) ([]T, error) {
	if len(rows) == 0 {
		return []T{}, nil
	}
	keys, err := t.wireKeys(ctx)
	if err != nil {
		return nil, err
	}
	in := make([]Fields, len(rows))
	for i := range rows {
		in[i] = t.m.encode(reflect.ValueOf(&rows[i]).Elem(), keys, true)
	}
	recs, err := t.c.Records.Create(ctx, t.datasheetID, in, &CreateRecordsParams{FieldKey: t.fieldKey()})
	return t.results(recs, keys, err)
}

// Update writes every row to the record of its id (RecordMeta.ID or the
// ",recordid" field): each mapped, writable field is sent, empty values as
// null (clearing the cell) unless tagged omitempty. A row without an id is
// a *ValidationError before any request. Returns the updated rows as the
// server answered them; errors as for Create.
//
// Requests as Records.Update.
func (t *Table[T]) Update(ctx context.Context, rows []T) ([]T, error) {
	if len(rows) == 0 {
		return []T{}, nil
	}
	ids, err := t.ids(rows)
	if err != nil {
		return nil, err
	}
	keys, err := t.wireKeys(ctx)
	if err != nil {
		return nil, err
	}
	in := make([]RecordUpdate, len(rows))
	for i := range rows {
		in[i] = RecordUpdate{ID: ids[i], Fields: t.m.encode(reflect.ValueOf(&rows[i]).Elem(), keys, false)}
	}
	recs, err := t.c.Records.Update(ctx, t.datasheetID, in, &UpdateRecordsParams{FieldKey: t.fieldKey()})
	return t.results(recs, keys, err)
}

// Upsert writes rows identified by keyFields, as Records.Upsert does: a row
// whose key values match an existing record updates it, the others are
// created. keyFields name fields of T by Go field name or by tag key (name
// or id); they must be writable and every row needs a value for them. The
// rows' id fields are ignored. Values are sent as by Update. Returns the
// written rows as the server answered them; errors as for Create (the
// *BatchError has Op "upsert").
//
// Requests as Records.Upsert.
func (t *Table[T]) Upsert(ctx context.Context, rows []T, keyFields ...string) ([]T, error) {
	if len(keyFields) == 0 {
		return nil, invalid("keyFields", "at least one key field is needed")
	}
	idx := make([]int, len(keyFields))
	for i, k := range keyFields {
		j := t.m.find(k)
		if j < 0 {
			return nil, invalid(fmt.Sprintf("keyFields[%d]", i), "%s has no field %q", t.m.typ, k)
		}
		if t.m.fields[j].readonly {
			return nil, invalid(fmt.Sprintf("keyFields[%d]", i), "field %s is read-only", t.m.fields[j].goName)
		}
		idx[i] = j
	}
	if len(rows) == 0 {
		return []T{}, nil
	}
	keys, err := t.wireKeys(ctx)
	if err != nil {
		return nil, err
	}
	wireKF := make([]string, len(idx))
	for i, j := range idx {
		wireKF[i] = keys[j]
	}
	in := make([]Fields, len(rows))
	for i := range rows {
		in[i] = t.m.encode(reflect.ValueOf(&rows[i]).Elem(), keys, false)
	}
	recs, err := t.c.Records.Upsert(ctx, t.datasheetID, in, wireKF, &UpsertParams{FieldKey: t.fieldKey()})
	return t.results(recs, keys, err)
}

// Delete removes the records of rows, by their ids (RecordMeta.ID or the
// ",recordid" field). A row without an id is a *ValidationError before any
// request. Errors as for Records.Delete.
//
// Requests as Records.Delete.
func (t *Table[T]) Delete(ctx context.Context, rows []T) error {
	ids, err := t.ids(rows)
	if err != nil {
		return err
	}
	return t.c.Records.Delete(ctx, t.datasheetID, ids)
}

// ids returns the record id of every row.
func (t *Table[T]) ids(rows []T) ([]string, error) {
	if !t.m.hasID() {
		return nil, invalid("", "%s has no record id field (embed apitable.RecordMeta or tag a string field `apitable:\",recordid\"`)", t.m.typ)
	}
	ids := make([]string, len(rows))
	for i := range rows {
		ids[i] = t.m.recordID(reflect.ValueOf(&rows[i]).Elem())
		if ids[i] == "" {
			return nil, invalid(fmt.Sprintf("records[%d].ID", i), "no record id")
		}
	}
	return ids, nil
}

// results decodes the records of a write. A write error (such as a
// *BatchError) is returned unchanged unless decoding also failed; then both
// are joined.
func (t *Table[T]) results(recs []Record, keys []string, werr error) ([]T, error) {
	if recs == nil {
		return nil, werr
	}
	out := make([]T, len(recs))
	var derr error
	for i := range recs {
		if recs[i].ID == "" {
			continue // not applied
		}
		v, err := t.decode(&recs[i], keys)
		if err != nil && derr == nil {
			derr = fmt.Errorf("apitable: the write was applied, but: %w", err)
		}
		out[i] = v
	}
	if derr != nil {
		return out, errors.Join(werr, derr)
	}
	return out, werr
}

func (t *Table[T]) decode(rec *Record, keys []string) (T, error) {
	var v T
	err := t.m.decode(rec, keys, reflect.ValueOf(&v).Elem())
	return v, err
}

// ---------------------------------------------------------------------------
// Mapping of a struct type

// cellKind is the family of a mapped Go type.
type cellKind int

const (
	kindString cellKind = iota + 1
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
	urlType        = reflect.TypeFor[URL]()
	userType       = reflect.TypeFor[User]()
	attachmentType = reflect.TypeFor[Attachment]()
	memberType     = reflect.TypeFor[Member]()
	memberRefType  = reflect.TypeFor[MemberRef]()
	workDocType    = reflect.TypeFor[WorkDoc]()
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
	kind                cellKind
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
		return nil, fmt.Errorf("apitable: TableOf[%s]: the row type must be a struct", t)
	}
	m := &mapping{typ: t}
	if err := m.walk(t, nil, ""); err != nil {
		return nil, fmt.Errorf("apitable: TableOf[%s]: %w", t, err)
	}
	if len(m.fields) == 0 {
		return nil, fmt.Errorf("apitable: TableOf[%s]: no field is mapped", t)
	}
	seen := make(map[string]string, len(m.fields))
	for _, f := range m.fields {
		if prev, dup := seen[f.key]; dup {
			return nil, fmt.Errorf("apitable: TableOf[%s]: fields %s and %s both map to %q", t, prev, f.goName, f.key)
		}
		seen[f.key] = f.goName
		if f.keyByID {
			m.byID = true
		}
	}
	if m.meta != nil && (m.id != nil || m.created != nil || m.updated != nil) {
		return nil, fmt.Errorf("apitable: TableOf[%s]: RecordMeta and the recordid/createdat/updatedat options exclude each other", t)
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
			return fmt.Errorf("field %s: unsupported type %s (see TableOf for the supported types; tag it `apitable:\"-\"` to skip it)", goName, sf.Type)
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
		if err := checkID("id", f.key); err != nil {
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
func kindOf(t reflect.Type) cellKind {
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

// match compares the mapping with live fields. It returns the wire key of
// every field (the id when m.byID, else the name; "" for a missing field)
// and every problem found.
func (m *mapping) match(live []Field) ([]string, []SchemaProblem) {
	byName := make(map[string]*Field, len(live))
	byID := make(map[string]*Field, len(live))
	for i := range live {
		byName[live[i].Name] = &live[i]
		byID[live[i].ID] = &live[i]
	}
	keys := make([]string, len(m.fields))
	var problems []SchemaProblem
	mappedBy := make(map[string]string, len(m.fields)) // field id → Go field
	for i, f := range m.fields {
		p := SchemaProblem{GoField: f.goName, Key: f.key}
		var lf *Field
		if f.keyByID {
			lf = byID[f.key]
		} else {
			lf = byName[f.key]
		}
		if lf == nil {
			if f.keyByID {
				keys[i] = f.key // reads find nothing; writes are dropped
			}
			p.Kind = SchemaFieldMissing
			if f.keyByID {
				p.Reason = fmt.Sprintf("no field with id %q (deleted?)", f.key)
			} else {
				p.Reason = fmt.Sprintf("no field named %q (renamed or deleted?)", f.key)
				for _, l := range live {
					if strings.EqualFold(l.Name, f.key) {
						p.Reason += fmt.Sprintf("; did you mean %q?", l.Name)
						break
					}
				}
			}
			problems = append(problems, p)
			continue
		}
		keys[i] = lf.Name
		if m.byID {
			keys[i] = lf.ID
		}
		p.FieldType = lf.Type
		if prev, dup := mappedBy[lf.ID]; dup {
			p.Kind = SchemaFieldDuplicate
			p.Reason = fmt.Sprintf("field %q (%s) is already mapped by %s", lf.Name, lf.ID, prev)
			problems = append(problems, p)
			continue
		}
		mappedBy[lf.ID] = f.goName
		if !compatible(f.kind, lf) {
			p.Kind = SchemaTypeMismatch
			p.Reason = fmt.Sprintf("Go type %s cannot hold %s field %q", goTypeName(f), lf.Type, lf.Name)
			if want := suggestGoType(lf); want != "" {
				p.Reason += " (use " + want + ")"
			}
			problems = append(problems, p)
		}
		if !f.readonly && lf.Type.ReadOnly() {
			p.Kind = SchemaFieldReadOnly
			p.Reason = fmt.Sprintf("%s field %q is read-only: tag the Go field \",readonly\"", lf.Type, lf.Name)
			problems = append(problems, p)
		}
	}
	return keys, problems
}

func goTypeName(f fieldMap) string {
	if f.ptr {
		return "*" + f.typ.String()
	}
	return f.typ.String()
}

// valueType returns the value type of a Formula or MagicLookUp field, ""
// when unknown.
func valueType(f *Field) string {
	switch p := f.Property.(type) {
	case *FormulaProperty:
		return p.ValueType
	case *MagicLookUpProperty:
		return p.ValueType
	}
	return ""
}

// compatible reports whether a Go field of kind k can hold the cells of f
// (the table in TableOf's documentation).
func compatible(k cellKind, f *Field) bool {
	if k == kindAny || k == kindValues {
		return true
	}
	numeric := k == kindInt || k == kindUint || k == kindFloat
	switch f.Type.Canonical() {
	case FieldSingleText, FieldText, FieldEmail, FieldPhone, FieldSingleSelect, FieldCascader:
		return k == kindString
	case FieldNumber, FieldCurrency, FieldPercent, FieldRating, FieldAutoNumber:
		return numeric
	case FieldCheckbox:
		return k == kindBool
	case FieldDateTime, FieldCreatedTime, FieldLastModifiedTime:
		return k == kindTime
	case FieldMultiSelect, FieldTwoWayLink, FieldOneWayLink:
		return k == kindStrings
	case FieldAttachment:
		return k == kindAttachments
	case FieldMember:
		return k == kindMembers || k == kindMemberRefs
	case FieldURL:
		return k == kindURL
	case FieldCreatedBy, FieldLastModifiedBy:
		return k == kindUser
	case FieldWorkDoc:
		return k == kindWorkDocs
	case FieldMagicLookUp:
		// Always an array; of strings unless the target is not text.
		switch valueType(f) {
		case "Number", "Boolean", "DateTime":
			return false
		}
		return k == kindStrings
	case FieldFormula:
		switch valueType(f) {
		case "String":
			return k == kindString
		case "Number":
			return numeric
		case "Boolean":
			return k == kindBool
		case "DateTime":
			return k == kindTime
		case "Array":
			return k == kindStrings
		}
		return k == kindString || numeric || k == kindBool || k == kindTime || k == kindStrings
	}
	return false // Button, NotSupport and unknown types: any or []any only
}

// suggestGoType names the Go type that fits f best, "" when none does.
func suggestGoType(f *Field) string {
	switch f.Type.Canonical() {
	case FieldSingleText, FieldText, FieldEmail, FieldPhone, FieldSingleSelect, FieldCascader:
		return "string"
	case FieldNumber, FieldCurrency, FieldPercent, FieldRating:
		return "float64 or an integer type"
	case FieldAutoNumber:
		return "int64"
	case FieldCheckbox:
		return "bool"
	case FieldDateTime, FieldCreatedTime, FieldLastModifiedTime:
		return "time.Time"
	case FieldMultiSelect, FieldTwoWayLink, FieldOneWayLink:
		return "[]string"
	case FieldAttachment:
		return "[]apitable.Attachment"
	case FieldMember:
		return "[]apitable.Member"
	case FieldURL:
		return "apitable.URL"
	case FieldCreatedBy, FieldLastModifiedBy:
		return "apitable.User"
	case FieldWorkDoc:
		return "[]apitable.WorkDoc"
	case FieldMagicLookUp:
		switch valueType(f) {
		case "Number", "Boolean", "DateTime":
			return "[]any"
		}
		return "[]string or []any"
	case FieldFormula:
		switch valueType(f) {
		case "String":
			return "string"
		case "Number":
			return "float64"
		case "Boolean":
			return "bool"
		case "DateTime":
			return "time.Time"
		}
		return "[]any"
	}
	return "any"
}

// decode fills v (a T) from rec.
func (m *mapping) decode(rec *Record, keys []string, v reflect.Value) error {
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
func (f *fieldMap) decode(cells Fields, key string, dst reflect.Value) error {
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
	case kindString:
		var s string
		if s, err = cells.Text(key); err == nil {
			target.SetString(s)
		}
	case kindInt:
		var n int64
		if n, err = cells.Int(key); err == nil {
			if target.OverflowInt(n) {
				return &CellTypeError{Field: key, Want: "integer in the range of " + f.typ.String(), Got: "number"}
			}
			target.SetInt(n)
		}
	case kindUint:
		var n int64
		if n, err = cells.Int(key); err == nil {
			if n < 0 || target.OverflowUint(uint64(n)) {
				return &CellTypeError{Field: key, Want: "integer in the range of " + f.typ.String(), Got: "number"}
			}
			target.SetUint(uint64(n))
		}
	case kindFloat:
		var x float64
		if x, err = cells.Number(key); err == nil {
			if target.OverflowFloat(x) {
				return &CellTypeError{Field: key, Want: "number in the range of " + f.typ.String(), Got: "number"}
			}
			target.SetFloat(x)
		}
	case kindBool:
		var b bool
		if b, err = cells.Bool(key); err == nil {
			target.SetBool(b)
		}
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
		var ms []Member
		if ms, err = cells.Members(key); err == nil {
			refs := make([]MemberRef, len(ms))
			for i, mb := range ms {
				refs[i] = MemberByID(mb.ID)
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
func (m *mapping) encode(v reflect.Value, keys []string, create bool) Fields {
	out := make(Fields, len(m.fields))
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
		return src.Interface().(URL), empty
	case kindAny:
		return src.Interface(), empty
	}
	return nil, true // read-only kinds are never encoded
}
