package apitable

import (
	"fmt"
	"strings"
)

// The inputs that create date, time and computed fields (DateTime,
// CreatedTime, LastModifiedTime, LastModifiedBy, MagicLookUp, Formula), with
// their date-format and result-format checks.

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

// Collect types (docs/server-behaviour.md §8.4).
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

// MagicLookUpField is a lookup (MagicLookUp) field: it reads TargetFieldID of
// the records linked through RelatedLinkFieldID. The server checks that
// the link field exists and is a link, and that the target, sort and
// filter fields exist in the linked datasheet.
type MagicLookUpField struct {
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
func (MagicLookUpField) FieldType() FieldType { return FieldMagicLookUp }

type lookupConditionWire struct {
	FieldID  string `json:"fieldId"`
	Operator string `json:"operator"`
	Value    any    `json:"value"`
}

type lookupFilterWire struct {
	Conjunction string                `json:"conjunction"`
	Conditions  []lookupConditionWire `json:"conditions"`
}

func (f MagicLookUpField) property() (any, error) {
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
