package table

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/apitable-go/apitable"
)

func TestParseTag(t *testing.T) {
	t.Parallel()
	type out struct {
		Key                 string
		ByID                bool
		OmitEmpty, ReadOnly bool
		Meta                string
		Err                 bool
	}
	tests := []struct {
		tag  string
		want out
	}{
		{"", out{Key: "Go"}},
		{"Due date", out{Key: "Due date"}},
		{"Due date,omitempty", out{Key: "Due date", OmitEmpty: true}},
		{",omitempty,readonly", out{Key: "Go", OmitEmpty: true, ReadOnly: true}},
		{"Label,readonly,omitempty", out{Key: "Label", OmitEmpty: true, ReadOnly: true}},
		{"fldAbc1234567", out{Key: "fldAbc1234567", ByID: true}},
		{"fldAbc1234567,omitempty", out{Key: "fldAbc1234567", ByID: true, OmitEmpty: true}},
		{"fldAbc123456", out{Key: "fldAbc123456"}},     // 9 characters: a name
		{"fldAbc12345678", out{Key: "fldAbc12345678"}}, // 11: a name
		{"fld-bc1234567", out{Key: "fld-bc1234567"}},
		{"name=fldAbc1234567", out{Key: "fldAbc1234567"}},
		{"id=fldX", out{Key: "fldX", ByID: true}},
		{"id=custom_id,readonly", out{Key: "custom_id", ByID: true, ReadOnly: true}},
		{"City, Country", out{Key: "City, Country"}},
		{"City, Country,omitempty", out{Key: "City, Country", OmitEmpty: true}},
		{"name=Size,large", out{Key: "Size,large"}},
		{"name=Size,large,omitempty", out{Key: "Size,large", OmitEmpty: true}},
		{"name=a,", out{Key: "a,"}}, // name= takes everything that is not an option
		{"Size,large", out{Err: true}},
		{"Title,omitemtpy", out{Err: true}},
		{"Title,", out{Err: true}},
		{"name=", out{Err: true}},
		{"id=", out{Err: true}},
		{"id=a b", out{Err: true}},
		{",recordid", out{Meta: "recordid"}},
		{",createdat", out{Meta: "createdat"}},
		{",updatedat", out{Meta: "updatedat"}},
		{"ID,recordid", out{Err: true}},
		{",recordid,omitempty", out{Err: true}},
		{",recordid,createdat", out{Err: true}},
	}
	for _, tc := range tests {
		f, meta, err := parseTag(tc.tag, "Go")
		got := out{Key: f.key, ByID: f.keyByID, OmitEmpty: f.omitempty, ReadOnly: f.readonly, Meta: meta, Err: err != nil}
		if got.Err || got.Meta != "" {
			got = out{Meta: meta, Err: got.Err}
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("parseTag(%q) (-want +got):\n%s (err %v)", tc.tag, diff, err)
		}
	}
}

func TestCompatibleFormulaAndLookupValueTypes(t *testing.T) {
	t.Parallel()
	formula := func(vt string) *apitable.Field {
		return &apitable.Field{Type: apitable.FieldFormula, Property: &apitable.FormulaProperty{ValueType: vt}}
	}
	lookup := func(vt string) *apitable.Field {
		return &apitable.Field{Type: apitable.FieldMagicLookUp, Property: &apitable.MagicLookUpProperty{ValueType: vt}}
	}
	tests := []struct {
		f    *apitable.Field
		kind goKind
		want bool
	}{
		{formula("String"), kindString, true},
		{formula("String"), kindFloat, false},
		{formula("Number"), kindInt, true},
		{formula("Number"), kindString, false},
		{formula("Boolean"), kindBool, true},
		{formula("DateTime"), kindTime, true},
		{formula("DateTime"), kindInt, false},
		{formula("Array"), kindStrings, true},
		{formula("Array"), kindValues, true},
		{formula(""), kindFloat, true},
		{formula(""), kindAttachments, false},
		{lookup("Array"), kindStrings, true},
		{lookup("Number"), kindStrings, false},
		{lookup("Number"), kindValues, true},
		{lookup("Number"), kindAny, true},
		{&apitable.Field{Type: apitable.FieldMagicLink}, kindStrings, true},
		{&apitable.Field{Type: apitable.FieldMember}, kindMemberRefs, true},
		{&apitable.Field{Type: apitable.FieldButton}, kindString, false},
		{&apitable.Field{Type: "Future"}, kindString, false},
		{&apitable.Field{Type: "Future"}, kindAny, true},
	}
	for _, tc := range tests {
		if got := compatible(tc.kind, tc.f); got != tc.want {
			t.Errorf("compatible(%d, %s %v) = %v, want %v", tc.kind, tc.f.Type, tc.f.Property, got, tc.want)
		}
	}
}

// TestEveryFieldTypeHasAGoType: each known field type accepts some Go type
// besides any and []any, and the hint of Check names one.
func TestEveryFieldTypeHasAGoType(t *testing.T) {
	t.Parallel()
	for _, ft := range []apitable.FieldType{apitable.FieldSingleText, apitable.FieldText, apitable.FieldNumber, apitable.FieldCurrency, apitable.FieldPercent,
		apitable.FieldRating, apitable.FieldCheckbox, apitable.FieldSingleSelect, apitable.FieldMultiSelect, apitable.FieldDateTime, apitable.FieldAttachment,
		apitable.FieldURL, apitable.FieldEmail, apitable.FieldPhone, apitable.FieldMember, apitable.FieldMagicLink, apitable.FieldTwoWayLink, apitable.FieldOneWayLink,
		apitable.FieldMagicLookUp, apitable.FieldFormula, apitable.FieldAutoNumber, apitable.FieldCreatedTime, apitable.FieldLastModifiedTime,
		apitable.FieldCreatedBy, apitable.FieldLastModifiedBy, apitable.FieldCascader, apitable.FieldWorkDoc} {
		f := &apitable.Field{Type: ft}
		ok := false
		for k := kindString; k < kindValues; k++ {
			ok = ok || compatible(k, f)
		}
		if !ok {
			t.Errorf("%s: no typed Go field fits", ft)
		}
		if suggestGoType(f) == "" || suggestGoType(f) == "any" {
			t.Errorf("%s: no Go type suggested", ft)
		}
	}
	if got := suggestGoType(&apitable.Field{Type: apitable.FieldButton}); got != "any" {
		t.Errorf("Button: %q", got)
	}
}
