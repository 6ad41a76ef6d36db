package apitable

import (
	"encoding/json"
)

// This file holds the field properties as read from GET fields
// (docs/server-behaviour.md §8.3), one <Stem>Property per field type. The
// inputs for creating fields are in fieldcreate.go.

// SingleTextProperty is the property of a SingleText field.
type SingleTextProperty struct {
	DefaultValue string `json:"defaultValue"`
}

// NumberProperty is the property of a Number field.
type NumberProperty struct {
	DefaultValue string `json:"defaultValue"`
	// Precision is the number of decimal places.
	Precision  int    `json:"precision"`
	CommaStyle string `json:"commaStyle"`
	Symbol     string `json:"symbol"`
}

// PercentProperty is the property of a Percent field: the shape of
// NumberProperty, without CommaStyle or Symbol.
type PercentProperty NumberProperty

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
	// create the field (docs/server-behaviour.md §0.11).
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

// SingleSelectProperty is the property of a SingleSelect field.
type SingleSelectProperty struct {
	Options []SelectOption `json:"options"`
}

// MultiSelectProperty is the property of a MultiSelect field, of the shape
// of SingleSelectProperty.
type MultiSelectProperty SingleSelectProperty

// DateTimeProperty is the property of a DateTime field.
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

// CreatedTimeProperty is the property of a CreatedTime field, of the shape
// of DateTimeProperty.
type CreatedTimeProperty DateTimeProperty

// LastModifiedTimeProperty is the property of a LastModifiedTime field, of
// the shape of DateTimeProperty.
type LastModifiedTimeProperty DateTimeProperty

// MemberProperty is the property of a Member field.
type MemberProperty struct {
	// Options are the units that appear in the field's cells.
	Options       []Member `json:"options"`
	IsMulti       bool     `json:"isMulti"`
	ShouldSendMsg bool     `json:"shouldSendMsg"`
	Subscription  bool     `json:"subscription"`
}

// CreatedByProperty is the property of a CreatedBy field.
type CreatedByProperty struct {
	Options []User `json:"options"`
}

// LastModifiedByProperty is the property of a LastModifiedBy field, of the
// shape of CreatedByProperty.
type LastModifiedByProperty CreatedByProperty

// TwoWayLinkProperty is the property of a TwoWayLink (or MagicLink) field.
// BrotherFieldID is the sibling field in the foreign datasheet.
type TwoWayLinkProperty struct {
	ForeignDatasheetID string `json:"foreignDatasheetId"`
	BrotherFieldID     string `json:"brotherFieldId"`
	LimitToViewID      string `json:"limitToViewId"`
	LimitSingleRecord  bool   `json:"limitSingleRecord"`
}

// OneWayLinkProperty is the property of a OneWayLink field, of the shape of
// TwoWayLinkProperty (BrotherFieldID is empty).
type OneWayLinkProperty TwoWayLinkProperty

// RollupFunction is how a lookup field combines the looked-up values.
type RollupFunction string

// Rollup functions of lookup fields (docs/server-behaviour.md §8.3).
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

// Lookup limits (docs/server-behaviour.md §8.4, lookUpLimit).
const (
	LookupLimitAll   = "ALL"
	LookupLimitFirst = "FIRST"
)

// MagicLookUpProperty is the property of a MagicLookUp field.
type MagicLookUpProperty struct {
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

// decodeProperty decodes a field's property into the type's
// <Stem>Property. It returns nil for types without a typed property and
// for a property that does not decode.
func decodeProperty(t FieldType, raw json.RawMessage) any {
	newProperty := t.info().property
	if newProperty == nil {
		return nil
	}
	p := newProperty()
	if err := json.Unmarshal(raw, p); err != nil {
		return nil
	}
	return p
}
