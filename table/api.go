// Package table maps Go structs to the records of one APITable datasheet:
// a typed view over package apitable, built only on its public API.
//
//	type Task struct {
//		table.RecordMeta
//		Title string    `apitable:"Title"`
//		Due   time.Time `apitable:"Due date,omitempty"`
//	}
//	tasks, err := table.Of[Task](client, "dst…")
//	err = tasks.Check(ctx) // the struct still fits the datasheet
//	for task, err := range tasks.All(ctx, nil) { … }
//
// Of documents the struct tags and the Go types each field type maps to.
// The package is split by concern: api.go (Table and its methods),
// mapping.go (tags → mapping), schema.go (Check, SchemaError), codec.go
// (rows ↔ cells).
package table

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"reflect"
	"slices"
	"sync/atomic"
	"time"

	"github.com/apitable-go/apitable"
)

// RecordMeta holds a record's id and timestamps in a struct mapped with
// Of: embed it (or give it a named field) and reads fill it in, while
// Update and Delete take the record id from it. It is never written as
// cells. The results of Update carry both timestamps (UpdatedAt is the
// update's time), and so do the rows Upsert updated; the results of Create,
// and the rows Upsert created, have them zero: the server omits them in
// its answer to a create (docs/server-behaviour.md §6.2).
type RecordMeta struct {
	ID        string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Table is a typed view of one datasheet: each row is a T, a struct whose
// fields map to the datasheet's fields with struct tags. Build it with
// Of. A Table is safe for concurrent use.
type Table[T any] struct {
	c           *apitable.Client
	datasheetID string
	m           *mapping
	// keys holds the wire key of every mapped field, once known: set by
	// Of when no lookup is needed, otherwise by the first call that
	// needs it (or Check). sem serialises that lookup.
	keys atomic.Pointer[[]string]
	sem  chan struct{}
}

// Page is one page of a Table: the rows and the paging information of
// apitable.RecordsPage.
type Page[T any] struct {
	Records []T
	// Total is the number of matching records.
	Total int
	// PageNum echoes the page number.
	PageNum int
	// PageSize is the number of records in this page.
	PageSize int
}

// Of returns the typed view of a datasheet whose rows are T, a struct
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
// drops cells of unknown fields (docs/server-behaviour.md §0.7), run Check
// (in a test or at start-up) to catch a Go name that is not a field name.
//
// # Record id and timestamps
//
// An embedded (or named) RecordMeta receives the record id and timestamps.
// Alternatively tag a string field `apitable:",recordid"` and time.Time
// fields `apitable:",createdat"` / `apitable:",updatedat"`.
//
// # Names or ids on the wire
//
// When every field is named by name, requests use apitable.FieldKeyName.
// When any field is named by id, requests use apitable.FieldKeyID for all
// of them: the ids of the fields named by name are then looked up once with
// Fields.List (on the first call that needs them, or by Check) and kept for
// the Table's lifetime. Mapping by id therefore survives renames in the datasheet;
// mapping by name does not (Check reports the renamed field as missing).
//
// # Go types
//
// A Go field's type decides how its cell is read (with the getter of
// apitable.Fields in parentheses) and written, by the field's
// apitable.ValueKind (Field.ValueKind). Named types with these underlying
// kinds work too (type Status string):
//
//	string                 ValueText: SingleText, Text, Email, Phone, SingleSelect, Cascader (Text)
//	int…, uint…, float…    ValueNumber, ValueInteger: Number, Currency, Percent, Rating, AutoNumber (Int / Number)
//	bool                   ValueBool: Checkbox; absent = false (Bool)
//	time.Time              ValueTime: DateTime, CreatedTime, LastModifiedTime (Time)
//	[]string               ValueStrings: MultiSelect, MagicLink/TwoWayLink/OneWayLink, text lookups (Strings)
//	[]apitable.Attachment  ValueAttachments: Attachment (Attachments)
//	[]apitable.Member      ValueMembers: Member (Members); written by Member.ID
//	[]apitable.MemberRef   ValueMembers: Member; read as MemberByID of each member
//	apitable.URL           ValueURL: URL (URL)
//	apitable.User          ValueUser: CreatedBy, LastModifiedBy (User); read-only
//	[]apitable.WorkDoc     ValueWorkDocs: WorkDoc (WorkDocs); read-only
//	[]any                  any field, typically MagicLookUp and Formula (Values)
//	any                    any field: the cell as decoded from JSON
//
// Formula fields match the Go type of their value type (String → string,
// Number → numbers, Boolean → bool, DateTime → time.Time, Array → []string);
// lookups of numbers, booleans or dates (ValueArray) fit []any and any only.
// A pointer to any of these types except any is an optional value: nil
// reads as an empty cell, and a nil pointer is written as null, which clears
// the cell on Update (unless omitempty). Non-pointer empty values ("", zero
// time, empty slices, zero URL) are written as null as well; numbers and
// bools are always written as they are (0, false). Create never sends null
// cells: a new record's cells start empty.
//
// Reading an absent cell gives the zero value (a nil pointer); a cell of
// another kind (text in a number field) is an error naming the Go field and
// the record id, wrapping *apitable.CellTypeError.
//
// Any other field type makes Of fail with an error naming the field.
func Of[T any](c *apitable.Client, datasheetID string) (*Table[T], error) {
	if c == nil {
		return nil, &apitable.ValidationError{Field: "c", Reason: "nil Client"}
	}
	if err := apitable.ValidateID("datasheetID", datasheetID); err != nil {
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
func (t *Table[T]) fieldKey() apitable.FieldKey {
	if t.m.byID {
		return apitable.FieldKeyID
	}
	return apitable.FieldKeyName
}

// listParams copies params, checks what the table sets itself, and
// translates field references (Go field names or tag keys) to wire keys.
func (t *Table[T]) listParams(params *apitable.ListRecordsParams, keys []string) (*apitable.ListRecordsParams, error) {
	var p apitable.ListRecordsParams
	if params != nil {
		p = *params
	}
	if p.CellFormat != "" && p.CellFormat != apitable.CellFormatJSON {
		return nil, invalid("CellFormat", "a Table reads %q cells only", apitable.CellFormatJSON)
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
// empty or apitable.CellFormatJSON.
//
// Requests as Records.List (plus a Fields.List once, see Of).
func (t *Table[T]) List(ctx context.Context, params *apitable.ListRecordsParams) (*Page[T], error) {
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
	out := &Page[T]{Records: make([]T, len(page.Records)), Total: page.Total, PageNum: page.PageNum, PageSize: page.PageSize}
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
func (t *Table[T]) All(ctx context.Context, params *apitable.ListRecordsParams) iter.Seq2[T, error] {
	var cp *apitable.ListRecordsParams
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

// Get returns the row of one record; apitable.ErrRecordNotFound when there is none.
//
// Requests as Records.Get.
func (t *Table[T]) Get(ctx context.Context, recordID string) (T, error) {
	var zero T
	keys, err := t.wireKeys(ctx)
	if err != nil {
		return zero, err
	}
	rec, err := t.c.Records.Get(ctx, t.datasheetID, recordID, &apitable.GetRecordParams{FieldKey: t.fieldKey()})
	if err != nil {
		return zero, err
	}
	return t.decode(rec, keys)
}

// Create adds one record per row and returns the created rows as the
// server answered them, record ids (and computed fields) filled in. The id
// fields of the inputs are ignored. Chunking, ordering and errors are those
// of Records.Create: on partial failure the error is the *apitable.BatchError of
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
	in := make([]apitable.Fields, len(rows))
	for i := range rows {
		in[i] = t.m.encode(reflect.ValueOf(&rows[i]).Elem(), keys, true)
	}
	recs, err := t.c.Records.Create(ctx, t.datasheetID, in, &apitable.CreateRecordsParams{FieldKey: t.fieldKey()})
	return t.results(recs, keys, err)
}

// Update writes every row to the record of its id (RecordMeta.ID or the
// ",recordid" field): each mapped, writable field is sent, empty values as
// null (clearing the cell) unless tagged omitempty. A row without an id is
// a *apitable.ValidationError before any request. Returns the updated rows as the
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
	in := make([]apitable.RecordUpdate, len(rows))
	for i := range rows {
		in[i] = apitable.RecordUpdate{ID: ids[i], Fields: t.m.encode(reflect.ValueOf(&rows[i]).Elem(), keys, false)}
	}
	recs, err := t.c.Records.Update(ctx, t.datasheetID, in, &apitable.UpdateRecordsParams{FieldKey: t.fieldKey()})
	return t.results(recs, keys, err)
}

// Upsert writes rows identified by keyFields, as Records.Upsert does: a row
// whose key values match an existing record updates it, the others are
// created. keyFields name fields of T by Go field name or by tag key (name
// or id); they must be writable and every row needs a value for them. The
// rows' id fields are ignored. Values are sent as by Update. Returns the
// written rows as the server answered them; errors as for Create (the
// *apitable.BatchError has Op "upsert").
//
// Requests as Records.Upsert.
func (t *Table[T]) Upsert(ctx context.Context, rows []T, keyFields []string) ([]T, error) {
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
	in := make([]apitable.Fields, len(rows))
	for i := range rows {
		in[i] = t.m.encode(reflect.ValueOf(&rows[i]).Elem(), keys, false)
	}
	recs, err := t.c.Records.Upsert(ctx, t.datasheetID, in, wireKF, &apitable.UpsertParams{FieldKey: t.fieldKey()})
	return t.results(recs, keys, err)
}

// Delete removes the records of rows, by their ids (RecordMeta.ID or the
// ",recordid" field). A row without an id is a *apitable.ValidationError before any
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
		return nil, invalid("", "%s has no record id field (embed table.RecordMeta or tag a string field `apitable:\",recordid\"`)", t.m.typ)
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
// *apitable.BatchError) is returned unchanged unless decoding also failed; then both
// are joined.
func (t *Table[T]) results(recs []apitable.Record, keys []string, werr error) ([]T, error) {
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

func (t *Table[T]) decode(rec *apitable.Record, keys []string) (T, error) {
	var v T
	err := t.m.decode(rec, keys, reflect.ValueOf(&v).Elem())
	return v, err
}

// invalid returns the *apitable.ValidationError of a request rejected
// before any I/O.
func invalid(field, format string, args ...any) error {
	return &apitable.ValidationError{Field: field, Reason: fmt.Sprintf(format, args...)}
}
