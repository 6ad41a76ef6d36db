package apitable

import (
	"encoding/json"
)

// This file holds the field properties as read from GET fields (§8.3 of the
// API description). The inputs for creating fields are in fields.go.

// SingleTextProperty is the property of a SingleText field.
type SingleTextProperty struct {
	DefaultValue string `json:"defaultValue"`
}

// NumberProperty is the property of a Number or Percent field. Percent
// fields have no CommaStyle or Symbol.
type NumberProperty struct {
	DefaultValue string `json:"defaultValue"`
	// Precision is the number of decimal places.
	Precision  int    `json:"precision"`
	CommaStyle string `json:"commaStyle"`
	Symbol     string `json:"symbol"`
}

// CurrencyProperty is the property of a Currency field.
type CurrencyProperty struct {
	DefaultValue string `json:"defaultValue"`
	Precision    int    `json:"precision"`
	Symbol       string `json:"symbol"`
	// SymbolAlign is "Default", "Left", "Right" or "" when the server omits
	// it.
	SymbolAlign string `json:"symbolAlign"`
}

// RatingProperty is the property of a Rating field.
type RatingProperty struct {
	// Icon is the native emoji character (e.g. "⭐"), not the slug used to
	// create the field (§0.11).
	Icon string `json:"icon"`
	// Max is the highest rating.
	Max int `json:"max"`
}

// CheckboxProperty is the property of a Checkbox field.
type CheckboxProperty struct {
	// Icon is the native emoji character (e.g. "✅"), not the slug used to
	// create the field.
	Icon string `json:"icon"`
}

// Color is a select option's color: Name is "<hue>_<level>" (e.g.
// "deepPurple_0") and Value its "#rrggbb".
type Color struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// SelectOption is one option of a SingleSelect or MultiSelect field.
type SelectOption struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Color Color  `json:"color"`
}

// SelectProperty is the property of a SingleSelect or MultiSelect field.
type SelectProperty struct {
	Options []SelectOption `json:"options"`
}

// DateTimeProperty is the property of a DateTime, CreatedTime or
// LastModifiedTime field.
type DateTimeProperty struct {
	// Format is the date format, followed by a space and the time format
	// when IncludeTime is set, e.g. "YYYY/MM/DD HH:mm".
	Format          string `json:"format"`
	IncludeTime     bool   `json:"includeTime"`
	TimeZone        string `json:"timeZone"`
	IncludeTimeZone bool   `json:"includeTimeZone"`
	// AutoFill (DateTime only) fills new records with the creation time.
	AutoFill bool `json:"autoFill"`
}

// MemberProperty is the property of a Member field.
type MemberProperty struct {
	// Options are the units that appear in the field's cells.
	Options       []Member `json:"options"`
	IsMulti       bool     `json:"isMulti"`
	ShouldSendMsg bool     `json:"shouldSendMsg"`
	Subscription  bool     `json:"subscription"`
}

// UserProperty is the property of a CreatedBy or LastModifiedBy field.
type UserProperty struct {
	Options []User `json:"options"`
}

// LinkProperty is the property of a MagicLink, TwoWayLink or OneWayLink
// field. BrotherFieldID, the sibling field in the foreign datasheet, is set
// for two-way links only.
type LinkProperty struct {
	ForeignDatasheetID string `json:"foreignDatasheetId"`
	BrotherFieldID     string `json:"brotherFieldId"`
	LimitToViewID      string `json:"limitToViewId"`
	LimitSingleRecord  bool   `json:"limitSingleRecord"`
}

// RollupFunction is how a lookup field combines the looked-up values.
type RollupFunction string

// Rollup functions of lookup fields (§8.3).
const (
	RollupValues       RollupFunction = "VALUES"
	RollupAverage      RollupFunction = "AVERAGE"
	RollupCount        RollupFunction = "COUNT"
	RollupCountA       RollupFunction = "COUNTA"
	RollupCountAll     RollupFunction = "COUNTALL"
	RollupSum          RollupFunction = "SUM"
	RollupMin          RollupFunction = "MIN"
	RollupMax          RollupFunction = "MAX"
	RollupAnd          RollupFunction = "AND"
	RollupOr           RollupFunction = "OR"
	RollupXor          RollupFunction = "XOR"
	RollupConcatenate  RollupFunction = "CONCATENATE"
	RollupArrayJoin    RollupFunction = "ARRAYJOIN"
	RollupArrayUnique  RollupFunction = "ARRAYUNIQUE"
	RollupArrayCompact RollupFunction = "ARRAYCOMPACT"
)

func (f RollupFunction) known() bool {
	switch f {
	case RollupValues, RollupAverage, RollupCount, RollupCountA, RollupCountAll,
		RollupSum, RollupMin, RollupMax, RollupAnd, RollupOr, RollupXor,
		RollupConcatenate, RollupArrayJoin, RollupArrayUnique, RollupArrayCompact:
		return true
	}
	return false
}

// LookupSortRule is one sort rule of a lookup field: a field of the linked
// datasheet.
type LookupSortRule struct {
	FieldID string `json:"fieldId"`
	Desc    bool   `json:"desc"`
}

// LookupSort is the sort of a lookup field's values.
type LookupSort struct {
	Rules []LookupSortRule `json:"rules"`
}

// LookupCondition is one filter condition of a lookup field, on a field of
// the linked datasheet. FieldType is filled in by the server when reading
// and is never sent.
type LookupCondition struct {
	FieldID   string    `json:"fieldId"`
	FieldType FieldType `json:"fieldType,omitempty"`
	Operator  string    `json:"operator"`
	Value     any       `json:"value"`
}

// LookupFilter is the filter of a lookup field's values.
type LookupFilter struct {
	// Conjunction is "and" or "or".
	Conjunction string            `json:"conjunction"`
	Conditions  []LookupCondition `json:"conditions"`
}

// LookupEntityField is the field a lookup finally reads, with its
// datasheet.
type LookupEntityField struct {
	DatasheetID string `json:"datasheetId"`
	Field       *Field `json:"field"`
}

// Lookup limits (§8.4 lookUpLimit).
const (
	LookupLimitAll   = "ALL"
	LookupLimitFirst = "FIRST"
)

// LookupProperty is the property of a MagicLookUp field.
type LookupProperty struct {
	RelatedLinkFieldID string         `json:"relatedLinkFieldId"`
	TargetFieldID      string         `json:"targetFieldId"`
	RollupFunction     RollupFunction `json:"rollupFunction"`
	EnableFilterSort   bool           `json:"enableFilterSort"`
	SortInfo           *LookupSort    `json:"sortInfo"`
	// LookUpLimit is LookupLimitAll, LookupLimitFirst or "".
	LookUpLimit string `json:"lookUpLimit"`
	HasError    bool   `json:"hasError"`
	// ValueType is "String", "Boolean", "Number", "DateTime" or "Array".
	ValueType   string             `json:"valueType"`
	EntityField *LookupEntityField `json:"entityField"`
	FilterInfo  *LookupFilter      `json:"filterInfo"`
	Format      *FieldFormat       `json:"format"`
}

// FormulaProperty is the property of a Formula field.
type FormulaProperty struct {
	Expression string `json:"expression"`
	// ValueType is "String", "Boolean", "Number", "DateTime" or "Array".
	ValueType string       `json:"valueType"`
	HasError  bool         `json:"hasError"`
	Format    *FieldFormat `json:"format"`
}

// FieldFormat is how a formula or lookup result is formatted. Type is
// "DateTime", "Number", "Percent" or "Currency"; the other fields are
// flattened from the server's nested "format" object and set per Type.
type FieldFormat struct {
	Type string
	// DateTime formats.
	DateFormat      string
	TimeFormat      string
	IncludeTime     bool
	TimeZone        string
	IncludeTimeZone bool
	// Number, Percent and Currency formats.
	Precision int
	// Currency formats.
	Symbol string
}

type fieldFormatJSON struct {
	Type   string `json:"type"`
	Format struct {
		DateFormat      string `json:"dateFormat,omitempty"`
		TimeFormat      string `json:"timeFormat,omitempty"`
		IncludeTime     bool   `json:"includeTime,omitempty"`
		TimeZone        string `json:"timeZone,omitempty"`
		IncludeTimeZone bool   `json:"includeTimeZone,omitempty"`
		Precision       int    `json:"precision,omitempty"`
		Symbol          string `json:"symbol,omitempty"`
	} `json:"format"`
}

// UnmarshalJSON decodes the server's {"type": …, "format": {…}} shape.
func (f *FieldFormat) UnmarshalJSON(b []byte) error {
	var raw fieldFormatJSON
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	x := raw.Format
	*f = FieldFormat{Type: raw.Type, DateFormat: x.DateFormat, TimeFormat: x.TimeFormat,
		IncludeTime: x.IncludeTime, TimeZone: x.TimeZone, IncludeTimeZone: x.IncludeTimeZone,
		Precision: x.Precision, Symbol: x.Symbol}
	return nil
}

// MarshalJSON encodes the server's nested shape.
func (f FieldFormat) MarshalJSON() ([]byte, error) {
	var raw fieldFormatJSON
	raw.Type = f.Type
	raw.Format.DateFormat, raw.Format.TimeFormat, raw.Format.IncludeTime = f.DateFormat, f.TimeFormat, f.IncludeTime
	raw.Format.TimeZone, raw.Format.IncludeTimeZone = f.TimeZone, f.IncludeTimeZone
	raw.Format.Precision, raw.Format.Symbol = f.Precision, f.Symbol
	return json.Marshal(raw)
}

// ButtonProperty is the property of a Button field.
type ButtonProperty struct {
	Text   string       `json:"text"`
	Style  ButtonStyle  `json:"style"`
	Action ButtonAction `json:"action"`
}

// ButtonStyle is a button's look: Type "Background" or "OnlyText".
type ButtonStyle struct {
	Type  string `json:"type"`
	Color Color  `json:"color"`
}

// ButtonAction is what a button does: Type "OpenLink" or
// "TriggerAutomation".
type ButtonAction struct {
	Type       string            `json:"type"`
	OpenLink   *ButtonOpenLink   `json:"openLink"`
	Automation *ButtonAutomation `json:"automation"`
}

// ButtonOpenLink is the link a button opens: Type "Url" or "Expression".
type ButtonOpenLink struct {
	Type       string `json:"type"`
	Expression string `json:"expression"`
}

// ButtonAutomation is the automation a button triggers.
type ButtonAutomation struct {
	AutomationID string `json:"automationId"`
	TriggerID    string `json:"triggerId"`
}

// decodeProperty decodes a field's property by type. It returns nil for
// types without a typed property and for a property that does not decode.
func decodeProperty(t FieldType, raw json.RawMessage) any {
	var p any
	switch t.Canonical() {
	case FieldSingleText:
		p = &SingleTextProperty{}
	case FieldNumber, FieldPercent:
		p = &NumberProperty{}
	case FieldCurrency:
		p = &CurrencyProperty{}
	case FieldRating:
		p = &RatingProperty{}
	case FieldCheckbox:
		p = &CheckboxProperty{}
	case FieldSingleSelect, FieldMultiSelect:
		p = &SelectProperty{}
	case FieldDateTime, FieldCreatedTime, FieldLastModifiedTime:
		p = &DateTimeProperty{}
	case FieldMember:
		p = &MemberProperty{}
	case FieldCreatedBy, FieldLastModifiedBy:
		p = &UserProperty{}
	case FieldTwoWayLink, FieldOneWayLink:
		p = &LinkProperty{}
	case FieldMagicLookUp:
		p = &LookupProperty{}
	case FieldFormula:
		p = &FormulaProperty{}
	case FieldButton:
		p = &ButtonProperty{}
	default:
		return nil
	}
	if err := json.Unmarshal(raw, p); err != nil {
		return nil
	}
	return p
}
