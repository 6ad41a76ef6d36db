package apitable

import (
	"encoding/json"
	"fmt"
	"reflect"
)

// This file holds the inputs that create fields (docs/server-behaviour.md
// server-behaviour.md §8.4): CreateFieldParams and one <Stem>Field per creatable field type,
// each checking its values against the server's schema before anything is
// sent. They stay in this package because FieldsService.Create and
// Datasheets.Create share their validation through the unexported
// FieldPropertyInput.property method.

// CreateFieldParams describe a new field: its name and its type with its
// property, given by one of the *Field input types (TextField,
// NumberField, SingleSelectField …).
type CreateFieldParams struct {
	// Name is required, at most 100 characters (counted as UTF-16 code
	// units, like the server), and must be unique in the datasheet. The
	// server's uniqueness check treats "%" and "_" in the new name as
	// wildcards (docs/server-behaviour.md §6.6).
	Name string
	// Property gives the type and its property. Required.
	Property FieldPropertyInput
}

// CreatedField is a field created by Fields.Create or Datasheets.Create.
type CreatedField struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type createFieldWire struct {
	Name     string    `json:"name"`
	Type     FieldType `json:"type"`
	Property any       `json:"property,omitempty"`
}

const (
	maxNameLen        = 100
	maxDescriptionLen = 500
	maxFieldsPerSheet = 200
)

// jsLen is the length of s as JavaScript counts it (UTF-16 code units),
// which is how the server measures names.
func jsLen(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// wire validates the params and returns the request body. prefix names the
// params in errors ("" for Fields.Create).
func (p CreateFieldParams) wire(prefix string) (createFieldWire, error) {
	if p.Name == "" {
		return createFieldWire{}, invalid(prefix+"Name", "required")
	}
	if n := jsLen(p.Name); n > maxNameLen {
		return createFieldWire{}, invalid(prefix+"Name", "at most %d characters, got %d", maxNameLen, n)
	}
	if p.Property == nil {
		return createFieldWire{}, invalid(prefix+"Property", "required: one of the field input types, e.g. SingleTextField{}")
	}
	if v := reflect.ValueOf(p.Property); v.Kind() == reflect.Pointer && v.IsNil() {
		return createFieldWire{}, invalid(prefix+"Property", "nil %T", p.Property)
	}
	t := p.Property.FieldType()
	if t == "" {
		return createFieldWire{}, invalid(prefix+"Property", "no field type")
	}
	prop, err := p.Property.property()
	if err != nil {
		return createFieldWire{}, prefixField(prefix+"Property", err)
	}
	return createFieldWire{Name: p.Name, Type: t, Property: prop}, nil
}

// FieldPropertyInput is the type and property of a new field. It is
// implemented by the input types of this package, one per creatable type
// (TextField, NumberField, SingleSelectField, TwoWayLinkField …), which check
// their values against the server's schema before anything is sent, and
// by RawFieldProperty for anything they do not cover.
type FieldPropertyInput interface {
	// FieldType is the type sent.
	FieldType() FieldType
	// property validates and returns the property to send; nil sends none.
	property() (any, error)
}

// RawFieldProperty sends Type and Property as given, unchecked: for types
// and property keys this package does not model (Button, Cascader, keys of
// newer servers). An empty Property sends none.
type RawFieldProperty struct {
	Type     FieldType
	Property json.RawMessage
}

// FieldType returns r.Type.
func (r RawFieldProperty) FieldType() FieldType { return r.Type }

func (r RawFieldProperty) property() (any, error) {
	if len(r.Property) == 0 {
		return nil, nil
	}
	if !json.Valid(r.Property) {
		return nil, invalid("", "Property is not valid JSON")
	}
	return r.Property, nil
}

// noProperty is shared by the types the server refuses any property for.
type noProperty struct{}

func (noProperty) property() (any, error) { return nil, nil }

// TextField is a multi-line text field. It takes no property.
type TextField struct{ noProperty }

// FieldType returns FieldText.
func (TextField) FieldType() FieldType { return FieldText }

// URLField is a URL field. It takes no property.
type URLField struct{ noProperty }

// FieldType returns FieldURL.
func (URLField) FieldType() FieldType { return FieldURL }

// EmailField is an email field. It takes no property.
type EmailField struct{ noProperty }

// FieldType returns FieldEmail.
func (EmailField) FieldType() FieldType { return FieldEmail }

// PhoneField is a phone field. It takes no property.
type PhoneField struct{ noProperty }

// FieldType returns FieldPhone.
func (PhoneField) FieldType() FieldType { return FieldPhone }

// AttachmentField is an attachment field. It takes no property.
type AttachmentField struct{ noProperty }

// FieldType returns FieldAttachment.
func (AttachmentField) FieldType() FieldType { return FieldAttachment }

// AutoNumberField is an auto-number field. It takes no property.
type AutoNumberField struct{ noProperty }

// FieldType returns FieldAutoNumber.
func (AutoNumberField) FieldType() FieldType { return FieldAutoNumber }

// CreatedByField is a created-by field. It takes no property.
type CreatedByField struct{ noProperty }

// FieldType returns FieldCreatedBy.
func (CreatedByField) FieldType() FieldType { return FieldCreatedBy }

// WorkDocField is a WorkDoc field. It takes no property.
type WorkDocField struct{ noProperty }

// FieldType returns FieldWorkDoc.
func (WorkDocField) FieldType() FieldType { return FieldWorkDoc }

// CascaderField is a cascader field. The API creates it without a property;
// whether such a field is usable is unconfirmed (docs/server-behaviour.md §8.4).
type CascaderField struct{ noProperty }

// FieldType returns FieldCascader.
func (CascaderField) FieldType() FieldType { return FieldCascader }

// SingleTextField is a single-line text field. It is sent with a property
// object, at least {} (the server rejects a SingleText without one).
type SingleTextField struct {
	DefaultValue string
}

// FieldType returns FieldSingleText.
func (SingleTextField) FieldType() FieldType { return FieldSingleText }

func (f SingleTextField) property() (any, error) {
	return struct {
		DefaultValue string `json:"defaultValue,omitempty"`
	}{f.DefaultValue}, nil
}

// NumberField is a number field.
type NumberField struct {
	// Precision is the number of decimal places, 0..1000; always sent (the
	// server requires it).
	Precision    int
	DefaultValue string
	Symbol       string
}

// FieldType returns FieldNumber.
func (NumberField) FieldType() FieldType { return FieldNumber }

func (f NumberField) property() (any, error) {
	if f.Precision < 0 || f.Precision > 1000 {
		return nil, invalid("Precision", "must be between 0 and 1000, got %d", f.Precision)
	}
	return struct {
		Precision    int    `json:"precision"`
		DefaultValue string `json:"defaultValue,omitempty"`
		Symbol       string `json:"symbol,omitempty"`
	}{f.Precision, f.DefaultValue, f.Symbol}, nil
}

// PercentField is a percent field.
type PercentField struct {
	// Precision is the number of decimal places, 0..10; always sent.
	Precision    int
	DefaultValue string
}

// FieldType returns FieldPercent.
func (PercentField) FieldType() FieldType { return FieldPercent }

func (f PercentField) property() (any, error) {
	if f.Precision < 0 || f.Precision > 10 {
		return nil, invalid("Precision", "must be between 0 and 10, got %d", f.Precision)
	}
	return struct {
		Precision    int    `json:"precision"`
		DefaultValue string `json:"defaultValue,omitempty"`
	}{f.Precision, f.DefaultValue}, nil
}

// Currency symbol alignments.
const (
	SymbolAlignDefault = "Default"
	SymbolAlignLeft    = "Left"
	SymbolAlignRight   = "Right"
)

// CurrencyField is a currency field. The server replaces every falsy value
// by its default: an empty Symbol is stored as "$", a nil or zero Precision
// as 2 (so a currency with 0 decimals cannot be created through the API),
// an empty SymbolAlign as "Default".
type CurrencyField struct {
	Symbol string
	// Precision is the number of decimal places, 0..10.
	Precision    *int
	DefaultValue string
	// SymbolAlign is "", SymbolAlignDefault, SymbolAlignLeft or
	// SymbolAlignRight.
	SymbolAlign string
}

// FieldType returns FieldCurrency.
func (CurrencyField) FieldType() FieldType { return FieldCurrency }

func (f CurrencyField) property() (any, error) {
	if f.Precision != nil && (*f.Precision < 0 || *f.Precision > 10) {
		return nil, invalid("Precision", "must be between 0 and 10, got %d", *f.Precision)
	}
	switch f.SymbolAlign {
	case "", SymbolAlignDefault, SymbolAlignLeft, SymbolAlignRight:
	default:
		return nil, invalid("SymbolAlign", "must be %q, %q or %q, got %q", SymbolAlignDefault, SymbolAlignLeft, SymbolAlignRight, f.SymbolAlign)
	}
	return struct {
		Symbol       string `json:"symbol,omitempty"`
		Precision    *int   `json:"precision,omitempty"`
		DefaultValue string `json:"defaultValue,omitempty"`
		SymbolAlign  string `json:"symbolAlign,omitempty"`
	}{f.Symbol, f.Precision, f.DefaultValue, f.SymbolAlign}, nil
}

// checkEmojiSlug checks an icon: an emoji slug such as "star" or
// "white_check_mark" (the server answers "icon is not Emoji slug"
// otherwise). The native character, as read back, is not accepted.
func checkEmojiSlug(field, s string) error {
	if s == "" {
		return invalid(field, "required: an emoji slug such as \"star\"")
	}
	for _, r := range s {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '_' && r != '-' && r != '+' {
			return invalid(field, "%q is not an emoji slug (like \"star\" or \"white_check_mark\")", s)
		}
	}
	return nil
}

// RatingField is a rating field. Both keys are required by the server.
type RatingField struct {
	// Icon is an emoji slug, e.g. "star" (read back as "⭐").
	Icon string
	// Max is the highest rating, 0..10 (usually 5).
	Max int
}

// FieldType returns FieldRating.
func (RatingField) FieldType() FieldType { return FieldRating }

func (f RatingField) property() (any, error) {
	if err := checkEmojiSlug("Icon", f.Icon); err != nil {
		return nil, err
	}
	if f.Max < 0 || f.Max > 10 {
		return nil, invalid("Max", "must be between 0 and 10, got %d", f.Max)
	}
	return struct {
		Icon string `json:"icon"`
		Max  int    `json:"max"`
	}{f.Icon, f.Max}, nil
}

// CheckboxField is a checkbox field.
type CheckboxField struct {
	// Icon is an emoji slug, required, e.g. "white_check_mark" (read back as
	// "✅").
	Icon string
}

// FieldType returns FieldCheckbox.
func (CheckboxField) FieldType() FieldType { return FieldCheckbox }

func (f CheckboxField) property() (any, error) {
	if err := checkEmojiSlug("Icon", f.Icon); err != nil {
		return nil, err
	}
	return struct {
		Icon string `json:"icon"`
	}{f.Icon}, nil
}

// SelectOptionInput is an option of a new select field. Without ID and
// Color the server picks them.
type SelectOptionInput struct {
	// Name is required.
	Name string
	// ID optionally sets the option id ("opt…"); then Color is required.
	ID string
	// Color is the color index: hue n mod 10 (deepPurple, indigo, blue,
	// teal, green, yellow, orange, tangerine, pink, red), level n / 10.
	Color *int
}

type selectOptionWire struct {
	Name  string `json:"name"`
	ID    string `json:"id,omitempty"`
	Color *int   `json:"color,omitempty"`
}

func selectOptions(opts []SelectOptionInput) ([]selectOptionWire, error) {
	out := make([]selectOptionWire, len(opts))
	for i, o := range opts {
		f := fmt.Sprintf("Options[%d]", i)
		if o.Name == "" {
			return nil, invalid(f+".Name", "required")
		}
		if o.ID != "" {
			if err := checkID(f+".ID", o.ID); err != nil {
				return nil, err
			}
			if o.Color == nil {
				return nil, invalid(f+".Color", "required when ID is set")
			}
		}
		if o.Color != nil && *o.Color < 0 {
			return nil, invalid(f+".Color", "must not be negative, got %d", *o.Color)
		}
		out[i] = selectOptionWire(o)
	}
	return out, nil
}

// SingleSelectField is a single-select field. Options may be empty: writing
// an unknown option name to a cell creates the option.
type SingleSelectField struct {
	Options      []SelectOptionInput
	DefaultValue string
}

// FieldType returns FieldSingleSelect.
func (SingleSelectField) FieldType() FieldType { return FieldSingleSelect }

func (f SingleSelectField) property() (any, error) {
	opts, err := selectOptions(f.Options)
	if err != nil {
		return nil, err
	}
	return struct {
		Options      []selectOptionWire `json:"options"`
		DefaultValue string             `json:"defaultValue,omitempty"`
	}{opts, f.DefaultValue}, nil
}

// MultiSelectField is a multi-select field.
type MultiSelectField struct {
	Options      []SelectOptionInput
	DefaultValue []string
}

// FieldType returns FieldMultiSelect.
func (MultiSelectField) FieldType() FieldType { return FieldMultiSelect }

func (f MultiSelectField) property() (any, error) {
	opts, err := selectOptions(f.Options)
	if err != nil {
		return nil, err
	}
	for i, v := range f.DefaultValue {
		if v == "" {
			return nil, invalid(fmt.Sprintf("DefaultValue[%d]", i), "empty option name")
		}
	}
	return struct {
		Options      []selectOptionWire `json:"options"`
		DefaultValue []string           `json:"defaultValue,omitempty"`
	}{opts, f.DefaultValue}, nil
}

// MemberField is a member field. Every flag is sent; the server stores
// false for each flag not set (the UI's defaults of true do not apply to
// API-created fields).
type MemberField struct {
	IsMulti       bool
	ShouldSendMsg bool
	Subscription  bool
}

// FieldType returns FieldMember.
func (MemberField) FieldType() FieldType { return FieldMember }

func (f MemberField) property() (any, error) {
	return struct {
		IsMulti       bool `json:"isMulti"`
		ShouldSendMsg bool `json:"shouldSendMsg"`
		Subscription  bool `json:"subscription"`
	}{f.IsMulti, f.ShouldSendMsg, f.Subscription}, nil
}

// TwoWayLinkField is a two-way link to the records of another (or the
// same) datasheet; it adds a sibling field to the foreign datasheet.
type TwoWayLinkField struct {
	// ForeignDatasheetID is required.
	ForeignDatasheetID string
	// LimitToViewID restricts the choices to a view of the foreign
	// datasheet.
	LimitToViewID string
	// LimitSingleRecord allows one linked record per cell.
	LimitSingleRecord bool
}

// FieldType returns FieldTwoWayLink.
func (TwoWayLinkField) FieldType() FieldType { return FieldTwoWayLink }

func (f TwoWayLinkField) property() (any, error) {
	return linkProperty(f.ForeignDatasheetID, f.LimitToViewID, f.LimitSingleRecord)
}

// OneWayLinkField is a one-way link to the records of another (or the
// same) datasheet: no sibling field is added.
type OneWayLinkField struct {
	// ForeignDatasheetID is required.
	ForeignDatasheetID string
	// LimitToViewID restricts the choices to a view of the foreign
	// datasheet.
	LimitToViewID string
	// LimitSingleRecord allows one linked record per cell.
	LimitSingleRecord bool
}

// FieldType returns FieldOneWayLink.
func (OneWayLinkField) FieldType() FieldType { return FieldOneWayLink }

func (f OneWayLinkField) property() (any, error) {
	return linkProperty(f.ForeignDatasheetID, f.LimitToViewID, f.LimitSingleRecord)
}

func linkProperty(foreignDatasheetID, limitToViewID string, limitSingleRecord bool) (any, error) {
	if err := checkID("ForeignDatasheetID", foreignDatasheetID); err != nil {
		return nil, err
	}
	if limitToViewID != "" {
		if err := checkID("LimitToViewID", limitToViewID); err != nil {
			return nil, err
		}
	}
	return struct {
		ForeignDatasheetID string `json:"foreignDatasheetId"`
		LimitToViewID      string `json:"limitToViewId,omitempty"`
		LimitSingleRecord  bool   `json:"limitSingleRecord,omitempty"`
	}{foreignDatasheetID, limitToViewID, limitSingleRecord}, nil
}
