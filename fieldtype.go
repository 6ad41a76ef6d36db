package apitable

// FieldType is the API name of a field type (§8 of the API description), as
// returned in Field.Type and sent when creating a field. Names are
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

// Known reports whether t is one of the type names listed in §8.
func (t FieldType) Known() bool {
	switch t {
	case FieldSingleText, FieldText, FieldNumber, FieldCurrency, FieldPercent,
		FieldRating, FieldCheckbox, FieldSingleSelect, FieldMultiSelect,
		FieldDateTime, FieldAttachment, FieldURL, FieldEmail, FieldPhone,
		FieldMember, FieldMagicLink, FieldTwoWayLink, FieldOneWayLink,
		FieldMagicLookUp, FieldFormula, FieldAutoNumber, FieldCreatedTime,
		FieldLastModifiedTime, FieldCreatedBy, FieldLastModifiedBy,
		FieldCascader, FieldButton, FieldWorkDoc, FieldNotSupport:
		return true
	}
	return false
}

// Canonical returns FieldTwoWayLink for both FieldMagicLink and
// FieldTwoWayLink (the same kind of field: older servers call it MagicLink)
// and t itself for every other type. Compare canonical types.
func (t FieldType) Canonical() FieldType {
	if t == FieldMagicLink {
		return FieldTwoWayLink
	}
	return t
}

// IsLink reports whether t links to records of another datasheet:
// MagicLink, TwoWayLink or OneWayLink. Their cells hold record ids and are
// read with Fields.Strings and written as []string.
func (t FieldType) IsLink() bool {
	switch t {
	case FieldMagicLink, FieldTwoWayLink, FieldOneWayLink:
		return true
	}
	return false
}

// IsComputed reports whether the server computes the cells of t: MagicLookUp,
// Formula, AutoNumber, CreatedTime, LastModifiedTime, CreatedBy and
// LastModifiedBy. Every computed type is also ReadOnly.
func (t FieldType) IsComputed() bool {
	switch t {
	case FieldMagicLookUp, FieldFormula, FieldAutoNumber, FieldCreatedTime,
		FieldLastModifiedTime, FieldCreatedBy, FieldLastModifiedBy:
		return true
	}
	return false
}

// ReadOnly reports whether the API refuses values for cells of t (§8.1): the
// computed types, plus WorkDoc (only null is accepted), Button and
// NotSupport (any value, even null, makes the server fail with HTTP 500).
// Leave such fields out of writes. It is false for unknown types.
func (t FieldType) ReadOnly() bool {
	switch t {
	case FieldWorkDoc, FieldButton, FieldNotSupport:
		return true
	}
	return t.IsComputed()
}

// CanBePrimary reports whether a field of type t may be the primary (first)
// field of a new datasheet (§8.4): SingleText, Text, Number, DateTime,
// Formula, URL, Phone, Email, Currency, Percent and AutoNumber.
func (t FieldType) CanBePrimary() bool {
	switch t {
	case FieldSingleText, FieldText, FieldNumber, FieldDateTime, FieldFormula,
		FieldURL, FieldPhone, FieldEmail, FieldCurrency, FieldPercent,
		FieldAutoNumber:
		return true
	}
	return false
}
