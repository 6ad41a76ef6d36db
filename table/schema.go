package table

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/apitable-go/apitable"
)

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

// SchemaProblem is one difference between a struct mapped with Of and
// the live fields of its datasheet.
type SchemaProblem struct {
	// GoField is the struct field's name ("Due", or "Base.Due" for a field
	// of an embedded struct).
	GoField string
	// Key is the field name or id the struct field is tagged with.
	Key  string
	Kind SchemaProblemKind
	// FieldType is the live field's type; "" when it is missing.
	FieldType apitable.FieldType
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
// that cannot hold the field's values (see Of for the compatible
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

// match compares the mapping with live fields. It returns the wire key of
// every field (the id when m.byID, else the name; "" for a missing field)
// and every problem found.
func (m *mapping) match(live []apitable.Field) ([]string, []SchemaProblem) {
	byName := make(map[string]*apitable.Field, len(live))
	byID := make(map[string]*apitable.Field, len(live))
	for i := range live {
		byName[live[i].Name] = &live[i]
		byID[live[i].ID] = &live[i]
	}
	keys := make([]string, len(m.fields))
	var problems []SchemaProblem
	mappedBy := make(map[string]string, len(m.fields)) // field id → Go field
	for i, f := range m.fields {
		p := SchemaProblem{GoField: f.goName, Key: f.key}
		var lf *apitable.Field
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

// compatible reports whether a Go field of kind k can hold the cells of f
// (the table in Of's documentation), from the field's apitable.ValueKind.
func compatible(k goKind, f *apitable.Field) bool {
	if k == kindAny || k == kindValues {
		return true
	}
	numeric := k == kindInt || k == kindUint || k == kindFloat
	switch f.ValueKind() {
	case apitable.ValueText:
		return k == kindString
	case apitable.ValueNumber, apitable.ValueInteger:
		return numeric
	case apitable.ValueBool:
		return k == kindBool
	case apitable.ValueTime:
		return k == kindTime
	case apitable.ValueStrings:
		return k == kindStrings
	case apitable.ValueAttachments:
		return k == kindAttachments
	case apitable.ValueMembers:
		return k == kindMembers || k == kindMemberRefs
	case apitable.ValueURL:
		return k == kindURL
	case apitable.ValueUser:
		return k == kindUser
	case apitable.ValueWorkDocs:
		return k == kindWorkDocs
	case apitable.ValueComputed: // a formula of unknown value type
		return k == kindString || numeric || k == kindBool || k == kindTime || k == kindStrings
	}
	return false // ValueArray, ValueAny and unknown types: any or []any only
}

// suggestGoType names the Go type that fits f best, "any" when only any
// does.
func suggestGoType(f *apitable.Field) string {
	switch f.ValueKind() {
	case apitable.ValueText:
		return "string"
	case apitable.ValueNumber:
		if f.Type.IsComputed() {
			return "float64" // a formula's numbers may have decimals
		}
		return "float64 or an integer type"
	case apitable.ValueInteger:
		return "int64"
	case apitable.ValueBool:
		return "bool"
	case apitable.ValueTime:
		return "time.Time"
	case apitable.ValueStrings:
		if f.Type.IsComputed() {
			return "[]string or []any"
		}
		return "[]string"
	case apitable.ValueAttachments:
		return "[]apitable.Attachment"
	case apitable.ValueMembers:
		return "[]apitable.Member"
	case apitable.ValueURL:
		return "apitable.URL"
	case apitable.ValueUser:
		return "apitable.User"
	case apitable.ValueWorkDocs:
		return "[]apitable.WorkDoc"
	case apitable.ValueArray, apitable.ValueComputed:
		return "[]any"
	}
	return "any"
}
