package apitable

import (
	"context"
	"encoding/json"
)

// FieldsService lists, creates and deletes the fields (columns) of
// datasheets (docs/server-behaviour.md §6.5–6.7).
type FieldsService struct{ c *Client }

// ListFieldsParams are the options of Fields.List.
type ListFieldsParams struct {
	// ViewID lists the fields of that view, in its column order, without
	// the fields it hides. Without it every field is listed, hidden ones
	// included, in the first view's column order.
	ViewID string
}

// Field is one field of a datasheet as listed by Fields.List
// (docs/server-behaviour.md §7.3).
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
	// Property is the decoded property: a *<Stem>Property of the field's
	// type (*SingleTextProperty, *NumberProperty, *PercentProperty,
	// *CurrencyProperty, *RatingProperty, *CheckboxProperty,
	// *SingleSelectProperty, *MultiSelectProperty, *DateTimeProperty,
	// *CreatedTimeProperty, *LastModifiedTimeProperty, *MemberProperty,
	// *CreatedByProperty, *LastModifiedByProperty, *TwoWayLinkProperty (also
	// for MagicLink), *OneWayLinkProperty, *MagicLookUpProperty,
	// *FormulaProperty, *ButtonProperty).
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

// Create adds a field at the end of a datasheet's columns. The property is
// checked against the server's schema (docs/server-behaviour.md §8.4)
// before anything is sent.
//
// Errors from the server include code 400 "name must be unique", the
// lookup checks of docs/server-behaviour.md §4.3, code 211 "Failed to
// create data" when the datasheet already has 200 fields, and 602 without
// manage permission.
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
	// Drop the cached field list (schema.go) whatever the outcome: a
	// create whose outcome is unknown may have added the field.
	defer s.c.forgetSchema(datasheetID)
	if err := s.c.do(ctx, cl, &res); err != nil {
		return nil, err
	}
	return &res, nil
}

// FieldConversion says what happens to the sibling of a deleted two-way
// link field.
type FieldConversion string

// Conversions of Fields.Delete (docs/server-behaviour.md §6.7).
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
		// A DELETE carries a JSON content type only with a body (docs/server-behaviour.md §1).
		cl.body, _ = json.Marshal(map[string]FieldConversion{"conversion": params.Conversion})
	}
	defer s.c.forgetSchema(datasheetID) // the cached field list (schema.go)
	return s.c.do(ctx, cl, nil)
}

// ValueKind returns the kind of value the field's cells hold: that of its
// type, with Formula and MagicLookUp resolved by the value type of their
// property. A Formula of value type String is ValueText, Number
// ValueNumber, Boolean ValueBool, DateTime ValueTime and Array
// ValueStrings; without a known value type it stays ValueComputed. A
// MagicLookUp of Number, Boolean or DateTime values is ValueArray, any
// other ValueStrings.
func (f *Field) ValueKind() ValueKind {
	info := f.Type.info()
	if info.resolve != nil {
		return info.resolve(f.Property)
	}
	return info.kind
}
