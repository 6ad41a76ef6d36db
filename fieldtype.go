package apitable

import "strconv"

// Naming of field types. Every field type has one stem, its API type name
// (SingleText, URL, TwoWayLink, MagicLookUp, LastModifiedBy …), and up to
// three Go names built from it:
//
//   - Field<Stem> is the FieldType constant (FieldSingleText), like
//     reflect.Int;
//   - <Stem>Property is the property read from Fields.List, the dynamic type
//     of Field.Property (*SingleTextProperty);
//   - <Stem>Field is the input that creates such a field (SingleTextField),
//     a FieldPropertyInput.
//
// The facts about each type (known, read-only, computed, can be primary,
// link, its property and the ValueKind of its cells) are declared once, in
// FieldType.info; every method of FieldType reads them from there.

// FieldType is the API name of a field type (docs/server-behaviour.md §8),
// as returned in Field.Type and sent when creating a field. Names are
// case-sensitive. Types this package does not know are kept as they come.
type FieldType string

// Field types of the Fusion API.
const (
	FieldSingleText       FieldType = "SingleText"
	FieldText             FieldType = "Text"
	FieldNumber           FieldType = "Number"
	FieldCurrency         FieldType = "Currency"
	FieldPercent          FieldType = "Percent"
	FieldRating           FieldType = "Rating"
	FieldCheckbox         FieldType = "Checkbox"
	FieldSingleSelect     FieldType = "SingleSelect"
	FieldMultiSelect      FieldType = "MultiSelect"
	FieldDateTime         FieldType = "DateTime"
	FieldAttachment       FieldType = "Attachment"
	FieldURL              FieldType = "URL"
	FieldEmail            FieldType = "Email"
	FieldPhone            FieldType = "Phone"
	FieldMember           FieldType = "Member"
	FieldMagicLink        FieldType = "MagicLink" // older servers' name of FieldTwoWayLink
	FieldTwoWayLink       FieldType = "TwoWayLink"
	FieldOneWayLink       FieldType = "OneWayLink"
	FieldMagicLookUp      FieldType = "MagicLookUp"
	FieldFormula          FieldType = "Formula"
	FieldAutoNumber       FieldType = "AutoNumber"
	FieldCreatedTime      FieldType = "CreatedTime"
	FieldLastModifiedTime FieldType = "LastModifiedTime"
	FieldCreatedBy        FieldType = "CreatedBy"
	FieldLastModifiedBy   FieldType = "LastModifiedBy"
	FieldCascader         FieldType = "Cascader"
	FieldButton           FieldType = "Button"
	FieldWorkDoc          FieldType = "WorkDoc"
	FieldNotSupport       FieldType = "NotSupport"
)

// ValueKind is the kind of Go value the cells of a field hold, named after
// the Fields getter that reads them. Typed tables (package table) and code
// generators decide from it which Go types fit a field.
type ValueKind int

// Value kinds.
const (
	// ValueNone: an unknown field type.
	ValueNone ValueKind = iota
	// ValueText: a string (Fields.Text).
	ValueText
	// ValueNumber: a number (Fields.Number, Fields.Int).
	ValueNumber
	// ValueInteger: a whole number (Fields.Int), e.g. AutoNumber.
	ValueInteger
	// ValueBool: a checkbox, absent when unchecked (Fields.Bool).
	ValueBool
	// ValueTime: a point in time (Fields.Time).
	ValueTime
	// ValueStrings: option names or record ids (Fields.Strings).
	ValueStrings
	// ValueAttachments: attachments (Fields.Attachments).
	ValueAttachments
	// ValueMembers: members and teams (Fields.Members).
	ValueMembers
	// ValueURL: a URL with title (Fields.URL).
	ValueURL
	// ValueUser: one user (Fields.User).
	ValueUser
	// ValueWorkDocs: WorkDoc documents (Fields.WorkDocs).
	ValueWorkDocs
	// ValueArray: an array of numbers, booleans or dates, e.g. a lookup of a
	// Number field (Fields.Values).
	ValueArray
	// ValueComputed: decided by the field's property (Formula, MagicLookUp);
	// Field.ValueKind resolves it. When a Formula's value type is unknown,
	// Field.ValueKind keeps ValueComputed: a text, number, bool, time or
	// strings cell.
	ValueComputed
	// ValueAny: any JSON value, no typed getter (Button, NotSupport).
	ValueAny
)

var valueKindNames = [...]string{"none", "text", "number", "integer", "bool", "time", "strings",
	"attachments", "members", "URL", "user", "WorkDocs", "array", "computed", "any"}

// String returns the kind's name, e.g. "text".
func (k ValueKind) String() string {
	if k >= 0 && int(k) < len(valueKindNames) {
		return valueKindNames[k]
	}
	return "ValueKind(" + strconv.Itoa(int(k)) + ")"
}

// typeInfo holds every fact about one field type.
type typeInfo struct {
	known     bool
	canonical FieldType // the current name of an older alias (MagicLink)
	readOnly  bool      // the API refuses values for its cells
	computed  bool      // the server computes its cells (implies readOnly)
	primary   bool      // may be the primary field of a new datasheet
	link      bool      // cells hold record ids of another datasheet
	kind      ValueKind
	// property returns a new *<Stem>Property to decode the type's property
	// into; nil when the type has no typed property.
	property func() any
	// resolve, for kind ValueComputed, returns the kind of a field's cells
	// from its decoded property (nil when absent or undecodable).
	resolve func(property any) ValueKind
}

func prop[P any]() any { return new(P) }

// info returns the facts about t: the one declaration per field type
// (docs/server-behaviour.md §8). Unknown types get the zero typeInfo.
func (t FieldType) info() typeInfo {
	switch t {
	case FieldSingleText:
		return typeInfo{known: true, primary: true, kind: ValueText, property: prop[SingleTextProperty]}
	case FieldText, FieldEmail, FieldPhone:
		return typeInfo{known: true, primary: true, kind: ValueText}
	case FieldURL:
		return typeInfo{known: true, primary: true, kind: ValueURL}
	case FieldNumber:
		return typeInfo{known: true, primary: true, kind: ValueNumber, property: prop[NumberProperty]}
	case FieldCurrency:
		return typeInfo{known: true, primary: true, kind: ValueNumber, property: prop[CurrencyProperty]}
	case FieldPercent:
		return typeInfo{known: true, primary: true, kind: ValueNumber, property: prop[PercentProperty]}
	case FieldRating:
		return typeInfo{known: true, kind: ValueNumber, property: prop[RatingProperty]}
	case FieldCheckbox:
		return typeInfo{known: true, kind: ValueBool, property: prop[CheckboxProperty]}
	case FieldSingleSelect:
		return typeInfo{known: true, kind: ValueText, property: prop[SingleSelectProperty]}
	case FieldMultiSelect:
		return typeInfo{known: true, kind: ValueStrings, property: prop[MultiSelectProperty]}
	case FieldDateTime:
		return typeInfo{known: true, primary: true, kind: ValueTime, property: prop[DateTimeProperty]}
	case FieldAttachment:
		return typeInfo{known: true, kind: ValueAttachments}
	case FieldMember:
		return typeInfo{known: true, kind: ValueMembers, property: prop[MemberProperty]}
	case FieldMagicLink:
		return typeInfo{known: true, canonical: FieldTwoWayLink, link: true, kind: ValueStrings, property: prop[TwoWayLinkProperty]}
	case FieldTwoWayLink:
		return typeInfo{known: true, link: true, kind: ValueStrings, property: prop[TwoWayLinkProperty]}
	case FieldOneWayLink:
		return typeInfo{known: true, link: true, kind: ValueStrings, property: prop[OneWayLinkProperty]}
	case FieldMagicLookUp:
		return typeInfo{known: true, readOnly: true, computed: true, kind: ValueComputed, property: prop[MagicLookUpProperty], resolve: lookupValueKind}
	case FieldFormula:
		return typeInfo{known: true, readOnly: true, computed: true, primary: true, kind: ValueComputed, property: prop[FormulaProperty], resolve: formulaValueKind}
	case FieldAutoNumber:
		return typeInfo{known: true, readOnly: true, computed: true, primary: true, kind: ValueInteger}
	case FieldCreatedTime:
		return typeInfo{known: true, readOnly: true, computed: true, kind: ValueTime, property: prop[CreatedTimeProperty]}
	case FieldLastModifiedTime:
		return typeInfo{known: true, readOnly: true, computed: true, kind: ValueTime, property: prop[LastModifiedTimeProperty]}
	case FieldCreatedBy:
		return typeInfo{known: true, readOnly: true, computed: true, kind: ValueUser, property: prop[CreatedByProperty]}
	case FieldLastModifiedBy:
		return typeInfo{known: true, readOnly: true, computed: true, kind: ValueUser, property: prop[LastModifiedByProperty]}
	case FieldCascader:
		return typeInfo{known: true, kind: ValueText}
	case FieldWorkDoc:
		// Only null is accepted.
		return typeInfo{known: true, readOnly: true, kind: ValueWorkDocs}
	case FieldButton:
		// Any value, even null, makes the server fail with HTTP 500.
		return typeInfo{known: true, readOnly: true, kind: ValueAny, property: prop[ButtonProperty]}
	case FieldNotSupport:
		return typeInfo{known: true, readOnly: true, kind: ValueAny}
	}
	return typeInfo{}
}

// formulaValueKind is the kind of a Formula's cells by its value type;
// ValueComputed when unknown.
func formulaValueKind(property any) ValueKind {
	p, _ := property.(*FormulaProperty)
	if p == nil {
		return ValueComputed
	}
	switch p.ValueType {
	case "String":
		return ValueText
	case "Number":
		return ValueNumber
	case "Boolean":
		return ValueBool
	case "DateTime":
		return ValueTime
	case "Array":
		return ValueStrings
	}
	return ValueComputed
}

// lookupValueKind is the kind of a MagicLookUp's cells: always an array,
// of strings unless the looked-up values are numbers, booleans or dates.
func lookupValueKind(property any) ValueKind {
	if p, _ := property.(*MagicLookUpProperty); p != nil {
		switch p.ValueType {
		case "Number", "Boolean", "DateTime":
			return ValueArray
		}
	}
	return ValueStrings
}

// Known reports whether t is one of the type names of the Fusion API.
func (t FieldType) Known() bool { return t.info().known }

// Canonical returns FieldTwoWayLink for both FieldMagicLink and
// FieldTwoWayLink (the same kind of field: older servers call it MagicLink)
// and t itself for every other type. Compare canonical types.
func (t FieldType) Canonical() FieldType {
	if c := t.info().canonical; c != "" {
		return c
	}
	return t
}

// IsLink reports whether t links to records of another datasheet:
// MagicLink, TwoWayLink or OneWayLink. Their cells hold record ids and are
// read with Fields.Strings and written as []string.
func (t FieldType) IsLink() bool { return t.info().link }

// IsComputed reports whether the server computes the cells of t: MagicLookUp,
// Formula, AutoNumber, CreatedTime, LastModifiedTime, CreatedBy and
// LastModifiedBy. Every computed type is also ReadOnly.
func (t FieldType) IsComputed() bool { return t.info().computed }

// ReadOnly reports whether the API refuses values for cells of t
// (docs/server-behaviour.md §8.1): the computed types, plus WorkDoc (only
// null is accepted), Button and NotSupport (any value, even null, makes the
// server fail with HTTP 500). Leave such fields out of writes. It is false
// for unknown types.
func (t FieldType) ReadOnly() bool { return t.info().readOnly }

// CanBePrimary reports whether a field of type t may be the primary (first)
// field of a new datasheet (docs/server-behaviour.md §8.4): SingleText,
// Text, Number, DateTime, Formula, URL, Phone, Email, Currency, Percent and
// AutoNumber.
func (t FieldType) CanBePrimary() bool { return t.info().primary }

// ValueKind returns the kind of value the cells of t hold: ValueComputed
// for Formula and MagicLookUp (see Field.ValueKind), ValueNone for unknown
// types.
func (t FieldType) ValueKind() ValueKind { return t.info().kind }
