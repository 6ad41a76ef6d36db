package apitable

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
)

// FieldsService lists, creates and deletes the fields (columns) of
// datasheets (§6.5–6.7 of the API description).
type FieldsService struct{ c *Client }

// ListFieldsParams are the options of Fields.List.
type ListFieldsParams struct {
	// ViewID lists the fields of that view, in its column order, without
	// the fields it hides. Without it every field is listed, hidden ones
	// included, in the first view's column order.
	ViewID string
}

// Field is one field of a datasheet as listed by Fields.List (§7.3).
type Field struct {
	// ID is the field id, "fld…".
	ID   string
	Name string
	// Type is the API type name. Two-way links come as FieldTwoWayLink from
	// current servers and FieldMagicLink from older ones; compare
	// Type.Canonical().
	Type FieldType
	// Editable reports whether the token user may write cells of this
	// field; always false for computed types and Button.
	Editable bool
	// IsPrimary is set on the primary field (the first column).
	IsPrimary bool
	// Desc is the field's description, "" when none.
	Desc string
	// Property is the decoded property, a pointer to one of the *Property
	// types by Type:
	//
	//	SingleText                              *SingleTextProperty
	//	Number, Percent                         *NumberProperty
	//	Currency                                *CurrencyProperty
	//	Rating                                  *RatingProperty
	//	Checkbox                                *CheckboxProperty
	//	SingleSelect, MultiSelect               *SelectProperty
	//	DateTime, CreatedTime, LastModifiedTime *DateTimeProperty
	//	Member                                  *MemberProperty
	//	CreatedBy, LastModifiedBy               *UserProperty
	//	MagicLink, TwoWayLink, OneWayLink       *LinkProperty
	//	MagicLookUp                             *LookupProperty
	//	Formula                                 *FormulaProperty
	//	Button                                  *ButtonProperty
	//
	// It is nil when the server sends no property (Text, URL, Email, Phone,
	// Attachment, AutoNumber, WorkDoc …), for types this package does not
	// model (Cascader, new types), and when the property does not have the
	// expected shape: decoding a field never fails because of its property.
	// RawProperty always holds what the server sent.
	Property any
	// RawProperty is the property JSON as received; nil when absent.
	RawProperty json.RawMessage
}

type fieldJSON struct {
	ID        string          `json:"id"`
	Name      string          `json:"name"`
	Type      FieldType       `json:"type"`
	Editable  bool            `json:"editable"`
	IsPrimary bool            `json:"isPrimary,omitempty"`
	Desc      string          `json:"desc,omitempty"`
	Property  json.RawMessage `json:"property,omitempty"`
}

// UnmarshalJSON decodes the API's field object; see Field.Property.
func (f *Field) UnmarshalJSON(b []byte) error {
	var raw fieldJSON
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*f = Field{ID: raw.ID, Name: raw.Name, Type: raw.Type, Editable: raw.Editable,
		IsPrimary: raw.IsPrimary, Desc: raw.Desc}
	if len(raw.Property) > 0 && string(raw.Property) != "null" {
		f.RawProperty = append(json.RawMessage(nil), raw.Property...)
		f.Property = decodeProperty(raw.Type, f.RawProperty)
	}
	return nil
}

// MarshalJSON encodes the field in the API's shape, with RawProperty as its
// property.
func (f Field) MarshalJSON() ([]byte, error) {
	return json.Marshal(fieldJSON{ID: f.ID, Name: f.Name, Type: f.Type, Editable: f.Editable,
		IsPrimary: f.IsPrimary, Desc: f.Desc, Property: f.RawProperty})
}

// List returns the fields of a datasheet. The API does not page fields.
//
// GET /fusion/v1/datasheets/{datasheetId}/fields. Rate-limit bucket: the
// datasheet. Retry class: read.
func (s *FieldsService) List(ctx context.Context, datasheetID string, params *ListFieldsParams) ([]Field, error) {
	if err := checkID("datasheetID", datasheetID); err != nil {
		return nil, err
	}
	viewID := ""
	if params != nil && params.ViewID != "" {
		if err := checkID("ViewID", params.ViewID); err != nil {
			return nil, err
		}
		viewID = params.ViewID
	}
	cl := &call{route: routeListFields, ids: []string{datasheetID}, query: viewQuery(viewID)}
	var res struct {
		Fields []Field `json:"fields"`
	}
	if err := s.c.do(ctx, cl, &res); err != nil {
		return nil, err
	}
	if res.Fields == nil {
		res.Fields = []Field{}
	}
	return res.Fields, nil
}

// CreateFieldParams describe a new field: its name and its type with its
// property, given by one of the *Field input types (TextField,
// NumberField, SingleSelectField …).
type CreateFieldParams struct {
	// Name is required, at most 100 characters (counted as UTF-16 code
	// units, like the server), and must be unique in the datasheet. The
	// server's uniqueness check treats "%" and "_" in the new name as
	// wildcards (§6.6).
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

// Create adds a field at the end of a datasheet's columns. The property is
// checked against the server's schema (§8.4) before anything is sent.
//
// Errors from the server include code 400 "name must be unique", the lookup
// checks of §4.3, code 211 "Failed to create data" when the datasheet
// already has 200 fields, and 602 without manage permission.
//
// POST /fusion/v1/spaces/{spaceId}/datasheets/{datasheetId}/fields.
// Rate-limit bucket: the datasheet (the last dst… segment of the path).
// Retry class: create — never re-sent after the request may have reached
// the server (ErrOutcomeUnknown).
func (s *FieldsService) Create(ctx context.Context, spaceID, datasheetID string, params CreateFieldParams) (*CreatedField, error) {
	if err := checkID("spaceID", spaceID); err != nil {
		return nil, err
	}
	if err := checkID("datasheetID", datasheetID); err != nil {
		return nil, err
	}
	w, err := params.wire("")
	if err != nil {
		return nil, err
	}
	body, err := json.Marshal(w)
	if err != nil {
		return nil, invalid("Property", "%v", err)
	}
	cl := &call{route: routeCreateField, ids: []string{spaceID, datasheetID}, body: body}
	var res CreatedField
	if err := s.c.do(ctx, cl, &res); err != nil {
		return nil, err
	}
	return &res, nil
}

// FieldConversion says what happens to the sibling of a deleted two-way
// link field.
type FieldConversion string

// Conversions of Fields.Delete (§6.7).
const (
	// ConversionKeepText turns the sibling field into a text field (the
	// server's default).
	ConversionKeepText FieldConversion = "keepText"
	// ConversionDelete deletes the sibling field too.
	ConversionDelete FieldConversion = "delete"
)

// DeleteFieldParams are the options of Fields.Delete.
type DeleteFieldParams struct {
	// Conversion matters for two-way link fields only: "" (the server's
	// default, which keeps the sibling as text), ConversionKeepText or
	// ConversionDelete.
	Conversion FieldConversion
}

// Delete removes a field and its cells. The primary field cannot be
// deleted (code 400 "The primary field can't be deleted").
//
// DELETE /fusion/v1/spaces/{spaceId}/datasheets/{datasheetId}/fields/{fieldId},
// with a JSON body {"conversion": …} only when Conversion is set.
// Rate-limit bucket: the datasheet. Retry class: delete — retried after
// ambiguous failures; a retry answered `fieldId "…" does not exist` counts
// as done.
func (s *FieldsService) Delete(ctx context.Context, spaceID, datasheetID, fieldID string, params *DeleteFieldParams) error {
	if err := checkID("spaceID", spaceID); err != nil {
		return err
	}
	if err := checkID("datasheetID", datasheetID); err != nil {
		return err
	}
	if err := checkID("fieldID", fieldID); err != nil {
		return err
	}
	cl := &call{route: routeDeleteField, ids: []string{spaceID, datasheetID, fieldID}}
	if params != nil && params.Conversion != "" {
		switch params.Conversion {
		case ConversionKeepText, ConversionDelete:
		default:
			return invalid("Conversion", "must be %q or %q, got %q", ConversionKeepText, ConversionDelete, params.Conversion)
		}
		// A DELETE carries a JSON content type only with a body (§1).
		cl.body, _ = json.Marshal(map[string]FieldConversion{"conversion": params.Conversion})
	}
	return s.c.do(ctx, cl, nil)
}

// ---- field inputs (§8.4) ----

// FieldPropertyInput is the type and property of a new field. It is
// implemented by the input types of this package, one per creatable type
// (TextField, NumberField, SingleSelectField, LinkField …), which check
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
// whether such a field is usable is unconfirmed (§8.4).
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

// checkDateFormats checks a date format (one of YYYY/MM/DD, YYYY-MM-DD,
// DD/MM/YYYY, YYYY-MM, MM-DD, YYYY, MM, DD) and a time format ("", "HH:mm"
// or "hh:mm").
func checkDateFormats(date, tm string, dateRequired bool) error {
	switch date {
	case "YYYY/MM/DD", "YYYY-MM-DD", "DD/MM/YYYY", "YYYY-MM", "MM-DD", "YYYY", "MM", "DD":
	case "":
		if dateRequired {
			return invalid("DateFormat", "required: one of YYYY/MM/DD, YYYY-MM-DD, DD/MM/YYYY, YYYY-MM, MM-DD, YYYY, MM, DD")
		}
	default:
		return invalid("DateFormat", "must be one of YYYY/MM/DD, YYYY-MM-DD, DD/MM/YYYY, YYYY-MM, MM-DD, YYYY, MM, DD, got %q", date)
	}
	switch tm {
	case "", "HH:mm", "hh:mm":
	default:
		return invalid("TimeFormat", "must be \"HH:mm\" or \"hh:mm\", got %q", tm)
	}
	return nil
}

type dateTimeWire struct {
	DateFormat        string   `json:"dateFormat"`
	TimeFormat        string   `json:"timeFormat,omitempty"`
	IncludeTime       bool     `json:"includeTime,omitempty"`
	AutoFill          bool     `json:"autoFill,omitempty"`
	CollectType       int      `json:"collectType,omitempty"`
	FieldIDCollection []string `json:"fieldIdCollection,omitempty"`
}

// DateTimeField is a date field. The server's defaults: time format
// "hh:mm", no time, no auto-fill. (The schema also accepts a time zone,
// which the server then drops, so it is not offered here.)
type DateTimeField struct {
	// DateFormat is required: YYYY/MM/DD, YYYY-MM-DD, DD/MM/YYYY, YYYY-MM,
	// MM-DD, YYYY, MM or DD.
	DateFormat string
	// TimeFormat is "", "HH:mm" or "hh:mm".
	TimeFormat  string
	IncludeTime bool
	// AutoFill fills new records with their creation time.
	AutoFill bool
}

// FieldType returns FieldDateTime.
func (DateTimeField) FieldType() FieldType { return FieldDateTime }

func (f DateTimeField) property() (any, error) {
	if err := checkDateFormats(f.DateFormat, f.TimeFormat, true); err != nil {
		return nil, err
	}
	return dateTimeWire{DateFormat: f.DateFormat, TimeFormat: f.TimeFormat, IncludeTime: f.IncludeTime, AutoFill: f.AutoFill}, nil
}

// CreatedTimeField is a created-time field; formats as in DateTimeField.
type CreatedTimeField struct {
	DateFormat  string
	TimeFormat  string
	IncludeTime bool
}

// FieldType returns FieldCreatedTime.
func (CreatedTimeField) FieldType() FieldType { return FieldCreatedTime }

func (f CreatedTimeField) property() (any, error) {
	if err := checkDateFormats(f.DateFormat, f.TimeFormat, true); err != nil {
		return nil, err
	}
	return dateTimeWire{DateFormat: f.DateFormat, TimeFormat: f.TimeFormat, IncludeTime: f.IncludeTime}, nil
}

// CollectType says which fields' edits a LastModifiedTime or LastModifiedBy
// field tracks.
type CollectType int

// Collect types (§8.4).
const (
	// CollectAllFields tracks edits of every field (the default).
	CollectAllFields CollectType = 0
	// CollectSpecifiedFields tracks the fields of FieldIDCollection.
	CollectSpecifiedFields CollectType = 1
)

func checkCollect(ct CollectType, ids []string) error {
	if ct != CollectAllFields && ct != CollectSpecifiedFields {
		return invalid("CollectType", "must be 0 (all fields) or 1 (specified fields), got %d", ct)
	}
	for i, id := range ids {
		if err := checkID(fmt.Sprintf("FieldIDCollection[%d]", i), id); err != nil {
			return err
		}
	}
	return nil
}

// LastModifiedTimeField is a last-modified-time field; formats as in
// DateTimeField.
type LastModifiedTimeField struct {
	DateFormat        string
	TimeFormat        string
	IncludeTime       bool
	CollectType       CollectType
	FieldIDCollection []string
}

// FieldType returns FieldLastModifiedTime.
func (LastModifiedTimeField) FieldType() FieldType { return FieldLastModifiedTime }

func (f LastModifiedTimeField) property() (any, error) {
	if err := checkDateFormats(f.DateFormat, f.TimeFormat, true); err != nil {
		return nil, err
	}
	if err := checkCollect(f.CollectType, f.FieldIDCollection); err != nil {
		return nil, err
	}
	return dateTimeWire{DateFormat: f.DateFormat, TimeFormat: f.TimeFormat, IncludeTime: f.IncludeTime,
		CollectType: int(f.CollectType), FieldIDCollection: f.FieldIDCollection}, nil
}

// LastModifiedByField is a last-modified-by field. It is sent with a
// property object, at least {}.
type LastModifiedByField struct {
	CollectType       CollectType
	FieldIDCollection []string
}

// FieldType returns FieldLastModifiedBy.
func (LastModifiedByField) FieldType() FieldType { return FieldLastModifiedBy }

func (f LastModifiedByField) property() (any, error) {
	if err := checkCollect(f.CollectType, f.FieldIDCollection); err != nil {
		return nil, err
	}
	return struct {
		CollectType       int      `json:"collectType,omitempty"`
		FieldIDCollection []string `json:"fieldIdCollection,omitempty"`
	}{int(f.CollectType), f.FieldIDCollection}, nil
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

// LinkField is a link to the records of another (or the same) datasheet:
// a two-way link (type TwoWayLink, which adds a sibling field to the
// foreign datasheet) or, with OneWay, a one-way link (OneWayLink).
type LinkField struct {
	// ForeignDatasheetID is required.
	ForeignDatasheetID string
	// LimitToViewID restricts the choices to a view of the foreign
	// datasheet.
	LimitToViewID string
	// LimitSingleRecord allows one linked record per cell.
	LimitSingleRecord bool
	// OneWay creates a OneWayLink instead of a TwoWayLink.
	OneWay bool
}

// FieldType returns FieldOneWayLink or FieldTwoWayLink.
func (f LinkField) FieldType() FieldType {
	if f.OneWay {
		return FieldOneWayLink
	}
	return FieldTwoWayLink
}

func (f LinkField) property() (any, error) {
	if err := checkID("ForeignDatasheetID", f.ForeignDatasheetID); err != nil {
		return nil, err
	}
	if f.LimitToViewID != "" {
		if err := checkID("LimitToViewID", f.LimitToViewID); err != nil {
			return nil, err
		}
	}
	return struct {
		ForeignDatasheetID string `json:"foreignDatasheetId"`
		LimitToViewID      string `json:"limitToViewId,omitempty"`
		LimitSingleRecord  bool   `json:"limitSingleRecord,omitempty"`
	}{f.ForeignDatasheetID, f.LimitToViewID, f.LimitSingleRecord}, nil
}

// FieldFormatInput formats the results of a new formula or lookup field:
// set either the date keys or the number keys, not both.
type FieldFormatInput struct {
	// Date results: DateFormat as in DateTimeField, TimeFormat "HH:mm" or
	// "hh:mm".
	DateFormat  string
	TimeFormat  string
	IncludeTime bool
	// Number results: Precision 0..10.
	Precision  *int
	Symbol     string
	CommaStyle string
}

func (f *FieldFormatInput) wire() (any, error) {
	if f == nil {
		return nil, nil
	}
	date := f.DateFormat != "" || f.TimeFormat != "" || f.IncludeTime
	num := f.Precision != nil || f.Symbol != "" || f.CommaStyle != ""
	if date && num {
		return nil, invalid("Format", "set either the date keys or the number keys")
	}
	if err := checkDateFormats(f.DateFormat, f.TimeFormat, false); err != nil {
		return nil, prefixField("Format", err)
	}
	if f.Precision != nil && (*f.Precision < 0 || *f.Precision > 10) {
		return nil, invalid("Format.Precision", "must be between 0 and 10, got %d", *f.Precision)
	}
	if num {
		return struct {
			Precision  *int   `json:"precision,omitempty"`
			Symbol     string `json:"symbol,omitempty"`
			CommaStyle string `json:"commaStyle,omitempty"`
		}{f.Precision, f.Symbol, f.CommaStyle}, nil
	}
	return struct {
		DateFormat  string `json:"dateFormat,omitempty"`
		TimeFormat  string `json:"timeFormat,omitempty"`
		IncludeTime bool   `json:"includeTime,omitempty"`
	}{f.DateFormat, f.TimeFormat, f.IncludeTime}, nil
}

// LookupField is a lookup (MagicLookUp) field: it reads TargetFieldID of
// the records linked through RelatedLinkFieldID. The server checks that
// the link field exists and is a link, and that the target, sort and
// filter fields exist in the linked datasheet.
type LookupField struct {
	// RelatedLinkFieldID is a link field of this datasheet. Required.
	RelatedLinkFieldID string
	// TargetFieldID is a field of the linked datasheet. Required.
	TargetFieldID string
	// RollupFunction combines the values (server default VALUES).
	RollupFunction   RollupFunction
	EnableFilterSort bool
	// Filter and Sort apply to the linked records (fields of the linked
	// datasheet). A condition's FieldType is not sent.
	Filter *LookupFilter
	Sort   *LookupSort
	// LookUpLimit is "", LookupLimitAll or LookupLimitFirst.
	LookUpLimit string
	Format      *FieldFormatInput
}

// FieldType returns FieldMagicLookUp.
func (LookupField) FieldType() FieldType { return FieldMagicLookUp }

type lookupConditionWire struct {
	FieldID  string `json:"fieldId"`
	Operator string `json:"operator"`
	Value    any    `json:"value"`
}

type lookupFilterWire struct {
	Conjunction string                `json:"conjunction"`
	Conditions  []lookupConditionWire `json:"conditions"`
}

func (f LookupField) property() (any, error) {
	if err := checkID("RelatedLinkFieldID", f.RelatedLinkFieldID); err != nil {
		return nil, err
	}
	if err := checkID("TargetFieldID", f.TargetFieldID); err != nil {
		return nil, err
	}
	if f.RollupFunction != "" && !f.RollupFunction.known() {
		return nil, invalid("RollupFunction", "unknown rollup function %q", f.RollupFunction)
	}
	switch f.LookUpLimit {
	case "", LookupLimitAll, LookupLimitFirst:
	default:
		return nil, invalid("LookUpLimit", "must be %q or %q, got %q", LookupLimitAll, LookupLimitFirst, f.LookUpLimit)
	}
	var filter *lookupFilterWire
	if f.Filter != nil {
		switch f.Filter.Conjunction {
		case "and", "or":
		default:
			return nil, invalid("Filter.Conjunction", "must be \"and\" or \"or\", got %q", f.Filter.Conjunction)
		}
		filter = &lookupFilterWire{Conjunction: f.Filter.Conjunction, Conditions: make([]lookupConditionWire, len(f.Filter.Conditions))}
		for i, c := range f.Filter.Conditions {
			if err := checkID(fmt.Sprintf("Filter.Conditions[%d].FieldID", i), c.FieldID); err != nil {
				return nil, err
			}
			if strings.TrimSpace(c.Operator) == "" {
				return nil, invalid(fmt.Sprintf("Filter.Conditions[%d].Operator", i), "required")
			}
			filter.Conditions[i] = lookupConditionWire{FieldID: c.FieldID, Operator: c.Operator, Value: c.Value}
		}
	}
	var sort *LookupSort
	if f.Sort != nil {
		sort = &LookupSort{Rules: append([]LookupSortRule{}, f.Sort.Rules...)}
		for i, r := range f.Sort.Rules {
			if err := checkID(fmt.Sprintf("Sort.Rules[%d].FieldID", i), r.FieldID); err != nil {
				return nil, err
			}
		}
	}
	format, err := f.Format.wire()
	if err != nil {
		return nil, err
	}
	return struct {
		RelatedLinkFieldID string            `json:"relatedLinkFieldId"`
		TargetFieldID      string            `json:"targetFieldId"`
		RollupFunction     RollupFunction    `json:"rollupFunction,omitempty"`
		Format             any               `json:"format,omitempty"`
		EnableFilterSort   bool              `json:"enableFilterSort,omitempty"`
		FilterInfo         *lookupFilterWire `json:"filterInfo,omitempty"`
		SortInfo           *LookupSort       `json:"sortInfo,omitempty"`
		LookUpLimit        string            `json:"lookUpLimit,omitempty"`
	}{f.RelatedLinkFieldID, f.TargetFieldID, f.RollupFunction, format, f.EnableFilterSort, filter, sort, f.LookUpLimit}, nil
}

// FormulaField is a formula field. It is sent with a property object, at
// least {}; an empty Expression is stored as "".
type FormulaField struct {
	// Expression references fields as {Field name} or {fld…}.
	Expression string
	Format     *FieldFormatInput
}

// FieldType returns FieldFormula.
func (FormulaField) FieldType() FieldType { return FieldFormula }

func (f FormulaField) property() (any, error) {
	format, err := f.Format.wire()
	if err != nil {
		return nil, err
	}
	return struct {
		Expression string `json:"expression,omitempty"`
		Format     any    `json:"format,omitempty"`
	}{f.Expression, format}, nil
}
