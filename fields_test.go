package apitable_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apitable-go/apitable"
	"github.com/apitable-go/apitable/apitabletest"
)

// metaServer is a fake without its rate limit and a client whose limiter
// does not slow the tests down.
func metaServer(t *testing.T, opts ...apitable.Option) (*apitabletest.Server, *apitable.Client) {
	t.Helper()
	srv := apitabletest.NewServer(t, apitabletest.WithoutRateLimit(), apitabletest.WithPathPrefix("/gw"))
	return srv, srv.Client(append([]apitable.Option{apitable.WithRateLimit(1e6)}, opts...)...)
}

func plainSheet(t *testing.T, srv *apitabletest.Server, name string) *apitabletest.Datasheet {
	t.Helper()
	return srv.AddDatasheet(srv.SpaceID(), apitabletest.DatasheetSpec{
		Name: name,
		Fields: []apitabletest.FieldSpec{
			{Name: "Name", Type: "SingleText"},
			{Name: "Age", Type: "Number", Property: map[string]any{"precision": 0}},
		},
		Records: []map[string]any{{"Name": "Ann", "Age": 30}},
	})
}

func wantAPIError(t *testing.T, err error, sentinel error, code int, msg string) *apitable.APIError {
	t.Helper()
	var ae *apitable.APIError
	require.ErrorAs(t, err, &ae)
	if sentinel != nil {
		assert.ErrorIs(t, err, sentinel)
	}
	assert.Equal(t, code, ae.Code)
	if msg != "" {
		assert.Equal(t, msg, ae.Message)
	}
	return ae
}

func wantValidation(t *testing.T, err error, field string) {
	t.Helper()
	var ve *apitable.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.ErrorIs(t, err, apitable.ErrInvalidRequest)
	if field != "" {
		assert.Equal(t, field, ve.Field, "reason: %s", ve.Reason)
	}
}

func bodyJSON(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m), "body %q", b)
	return m
}

func ptr[T any](v T) *T { return &v }

func TestFieldsListDecodesEveryType(t *testing.T) {
	t.Parallel()
	srv, c := metaServer(t)
	sp := srv.SpaceID()
	alice := srv.AddMember(sp, "Alice")
	other := plainSheet(t, srv, "Projects")
	ds := srv.AddDatasheet(sp, apitabletest.DatasheetSpec{
		Name: "Everything",
		Fields: []apitabletest.FieldSpec{
			{Name: "Title", Type: "SingleText", Property: map[string]any{"defaultValue": "x"}, Desc: "the title"},
			{Name: "Notes", Type: "Text"},
			{Name: "Amount", Type: "Number", Property: map[string]any{"precision": 2, "commaStyle": ",", "symbol": "kg", "defaultValue": "1"}},
			{Name: "Ratio", Type: "Percent", Property: map[string]any{"precision": 1}},
			{Name: "Price", Type: "Currency", Property: map[string]any{"symbol": "€", "precision": 3, "symbolAlign": "Left"}},
			{Name: "Stars", Type: "Rating", Property: map[string]any{"icon": "star", "max": 5}},
			{Name: "Done", Type: "Checkbox", Property: map[string]any{"icon": "white_check_mark"}},
			{Name: "Status", Type: "SingleSelect", Property: map[string]any{"options": []any{"Todo", "Done"}}},
			{Name: "Tags", Type: "MultiSelect", Property: map[string]any{"options": []any{map[string]any{"name": "a", "color": 12}}}},
			{Name: "Due", Type: "DateTime", Property: map[string]any{"dateFormat": "YYYY-MM-DD", "timeFormat": "HH:mm", "includeTime": true,
				"timeZone": "Europe/Oslo", "includeTimeZone": true, "autoFill": true}},
			{Name: "Created", Type: "CreatedTime", Property: map[string]any{"dateFormat": "YYYY/MM/DD"}},
			{Name: "Edited", Type: "LastModifiedTime"},
			{Name: "Files", Type: "Attachment"},
			{Name: "Site", Type: "URL"},
			{Name: "Mail", Type: "Email"},
			{Name: "Tel", Type: "Phone"},
			{Name: "Owner", Type: "Member", Property: map[string]any{"isMulti": true}},
			{Name: "Author", Type: "CreatedBy"},
			{Name: "Editor", Type: "LastModifiedBy"},
			{Name: "Projects", Type: "TwoWayLink", Property: map[string]any{"foreignDatasheetId": other.ID}},
			{Name: "Refs", Type: "OneWayLink", Property: map[string]any{"foreignDatasheetId": other.ID, "limitSingleRecord": true}},
			{Name: "Project names", Type: "MagicLookUp", Property: map[string]any{"relatedLinkFieldId": "Projects", "targetFieldId": "Name",
				"rollupFunction": "ARRAYJOIN", "format": map[string]any{"type": "DateTime", "format": map[string]any{"dateFormat": "YYYY/MM/DD", "timeFormat": "HH:mm", "includeTime": true}}}},
			{Name: "Calc", Type: "Formula", Property: map[string]any{"expression": "{Amount} * 2", "format": map[string]any{"type": "Currency", "format": map[string]any{"precision": 2, "symbol": "$"}}}},
			{Name: "No", Type: "AutoNumber"},
			{Name: "Doc", Type: "WorkDoc"},
			{Name: "Go", Type: "Button", Property: map[string]any{"text": "Open", "style": map[string]any{"type": "Background", "color": map[string]any{"name": "blue_0", "value": "#DDEBFD"}},
				"action": map[string]any{"type": "OpenLink", "openLink": map[string]any{"type": "Url", "expression": "https://example.test"}}}},
			{Name: "Region", Type: "Cascader", Property: map[string]any{"showAll": true}},
		},
		Records: []map[string]any{{"Title": "one", "Owner": []any{map[string]any{"id": alice}}}},
	})
	ids := ds.FieldIDs
	otherFields, err := c.Fields.List(t.Context(), other.ID, nil)
	require.NoError(t, err)
	require.Len(t, otherFields, 3) // Name, Age and the sibling of Projects
	sibling := otherFields[2]
	assert.Equal(t, apitable.FieldTwoWayLink, sibling.Type)

	srv.ResetRequests()
	fields, err := c.Fields.List(t.Context(), ds.ID, nil)
	require.NoError(t, err)
	reqs := srv.Requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, "GET", reqs[0].Method)
	assert.Equal(t, "/gw/fusion/v1/datasheets/"+ds.ID+"/fields", reqs[0].Path)
	assert.Empty(t, reqs[0].Query)

	byName := map[string]apitable.Field{}
	for _, f := range fields {
		byName[f.Name] = f
	}
	require.Len(t, byName, 27)

	tests := []struct {
		name     string
		typ      apitable.FieldType
		editable bool
		want     any
	}{
		{"Title", apitable.FieldSingleText, true, &apitable.SingleTextProperty{DefaultValue: "x"}},
		{"Notes", apitable.FieldText, true, nil},
		{"Amount", apitable.FieldNumber, true, &apitable.NumberProperty{DefaultValue: "1", Precision: 2, CommaStyle: ",", Symbol: "kg"}},
		{"Ratio", apitable.FieldPercent, true, &apitable.PercentProperty{Precision: 1}},
		{"Price", apitable.FieldCurrency, true, &apitable.CurrencyProperty{Precision: 3, Symbol: "€", SymbolAlign: "Left"}},
		{"Stars", apitable.FieldRating, true, &apitable.RatingProperty{Icon: "⭐", Max: 5}},
		{"Done", apitable.FieldCheckbox, true, &apitable.CheckboxProperty{Icon: "✅"}},
		{"Status", apitable.FieldSingleSelect, true, &apitable.SingleSelectProperty{Options: []apitable.SelectOption{
			{Name: "Todo", Color: apitable.Color{Name: "deepPurple_0", Value: "#E5E1FC"}},
			{Name: "Done", Color: apitable.Color{Name: "indigo_0", Value: "#E1E6FC"}}}}},
		{"Tags", apitable.FieldMultiSelect, true, &apitable.MultiSelectProperty{Options: []apitable.SelectOption{
			{Name: "a", Color: apitable.Color{Name: "blue_1", Value: "#B1CFFB"}}}}},
		{"Due", apitable.FieldDateTime, true, &apitable.DateTimeProperty{Format: "YYYY-MM-DD HH:mm", IncludeTime: true,
			TimeZone: "Europe/Oslo", IncludeTimeZone: true, AutoFill: true}},
		{"Created", apitable.FieldCreatedTime, false, &apitable.CreatedTimeProperty{Format: "YYYY/MM/DD"}},
		{"Edited", apitable.FieldLastModifiedTime, false, &apitable.LastModifiedTimeProperty{Format: "YYYY/MM/DD"}},
		{"Files", apitable.FieldAttachment, true, nil},
		{"Site", apitable.FieldURL, true, nil},
		{"Mail", apitable.FieldEmail, true, nil},
		{"Tel", apitable.FieldPhone, true, nil},
		{"Owner", apitable.FieldMember, true, &apitable.MemberProperty{Options: []apitable.Member{{ID: alice, Name: "Alice", Type: "Member"}}, IsMulti: true}},
		{"Author", apitable.FieldCreatedBy, false, &apitable.CreatedByProperty{Options: []apitable.User{{ID: "a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5", Name: "apitabletest user"}}}},
		{"Editor", apitable.FieldLastModifiedBy, false, &apitable.LastModifiedByProperty{Options: []apitable.User{{ID: "a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5", Name: "apitabletest user"}}}},
		{"Projects", apitable.FieldTwoWayLink, true, &apitable.TwoWayLinkProperty{ForeignDatasheetID: other.ID, BrotherFieldID: sibling.ID}},
		{"Refs", apitable.FieldOneWayLink, true, &apitable.OneWayLinkProperty{ForeignDatasheetID: other.ID, LimitSingleRecord: true}},
		{"Project names", apitable.FieldMagicLookUp, false, &apitable.MagicLookUpProperty{RelatedLinkFieldID: ids["Projects"], TargetFieldID: other.FieldIDs["Name"],
			RollupFunction: apitable.RollupArrayJoin, ValueType: "Array",
			Format: &apitable.FieldFormat{Type: "DateTime", DateFormat: "YYYY/MM/DD", TimeFormat: "HH:mm", IncludeTime: true}}},
		{"Calc", apitable.FieldFormula, false, &apitable.FormulaProperty{Expression: "{Amount} * 2", ValueType: "String",
			Format: &apitable.FieldFormat{Type: "Currency", Precision: 2, Symbol: "$"}}},
		{"No", apitable.FieldAutoNumber, false, nil},
		{"Doc", apitable.FieldWorkDoc, true, nil},
		{"Go", apitable.FieldButton, false, &apitable.ButtonProperty{Text: "Open",
			Style:  apitable.ButtonStyle{Type: "Background", Color: apitable.Color{Name: "blue_0", Value: "#DDEBFD"}},
			Action: apitable.ButtonAction{Type: "OpenLink", OpenLink: &apitable.ButtonOpenLink{Type: "Url", Expression: "https://example.test"}}}},
		{"Region", apitable.FieldCascader, true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, ok := byName[tt.name]
			require.True(t, ok)
			assert.Equal(t, ids[tt.name], f.ID)
			assert.Equal(t, tt.typ, f.Type)
			assert.Equal(t, tt.editable, f.Editable)
			assert.Equal(t, tt.name == "Title", f.IsPrimary)
			if diff := cmp.Diff(tt.want, f.Property, cmpopts.IgnoreFields(apitable.SelectOption{}, "ID")); diff != "" {
				t.Errorf("Property (-want +got):\n%s", diff)
			}
			var opts []apitable.SelectOption
			switch sp := f.Property.(type) {
			case *apitable.SingleSelectProperty:
				opts = sp.Options
			case *apitable.MultiSelectProperty:
				opts = sp.Options
			}
			for _, o := range opts {
				assert.True(t, strings.HasPrefix(o.ID, "opt"), o.ID)
			}
			// RawProperty is kept whenever the server sent a property.
			if tt.want != nil || tt.name == "Region" {
				assert.True(t, json.Valid(f.RawProperty), "RawProperty %q", f.RawProperty)
			} else {
				assert.Nil(t, f.RawProperty)
			}
		})
	}
	assert.Equal(t, "the title", byName["Title"].Desc)
	assert.JSONEq(t, `{"showAll":true}`, string(byName["Region"].RawProperty))
}

func TestFieldsListView(t *testing.T) {
	t.Parallel()
	srv, c := metaServer(t)
	ds := srv.AddDatasheet(srv.SpaceID(), apitabletest.DatasheetSpec{
		Name:   "Viewed",
		Fields: []apitabletest.FieldSpec{{Name: "A", Type: "SingleText"}, {Name: "B", Type: "Text"}, {Name: "C", Type: "Text"}},
		Views:  []apitabletest.ViewSpec{{Name: "All"}, {Name: "Some", Hidden: []string{"B"}}},
	})
	fields, err := c.Fields.List(t.Context(), ds.ID, &apitable.ListFieldsParams{ViewID: ds.ViewIDs[1]})
	require.NoError(t, err)
	var names []string
	for _, f := range fields {
		names = append(names, f.Name)
	}
	assert.Equal(t, []string{"A", "C"}, names)
	reqs := srv.Requests()
	assert.Equal(t, ds.ViewIDs[1], reqs[len(reqs)-1].Query.Get("viewId"))

	// Errors from the server.
	_, err = c.Fields.List(t.Context(), ds.ID, &apitable.ListFieldsParams{ViewID: "viwNope0000000"})
	_ = wantAPIError(t, err, apitable.ErrInvalidRequest, 400, "View (viwNope0000000) does not exist")
	_, err = c.Fields.List(t.Context(), "dstNope000000000000", nil)
	_ = wantAPIError(t, err, apitable.ErrDatasheetNotFound, 301, "Can't find the specified datasheet")

	// Local validation: nothing sent.
	srv.ResetRequests()
	for _, tc := range []struct {
		id, view, field string
	}{
		{"", "", "datasheetID"},
		{"dst/x", "", "datasheetID"},
		{"dst x", "", "datasheetID"},
		{ds.ID, "viw?x", "ViewID"},
	} {
		var p *apitable.ListFieldsParams
		if tc.view != "" {
			p = &apitable.ListFieldsParams{ViewID: tc.view}
		}
		_, err := c.Fields.List(t.Context(), tc.id, p)
		wantValidation(t, err, tc.field)
	}
	assert.Empty(t, srv.Requests())
}

func TestFieldDecodingNeverFails(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		json string
		want any
		raw  string
	}{
		{"wrong kind", `{"id":"fld1","name":"N","type":"Number","property":{"precision":"two"}}`, nil, `{"precision":"two"}`},
		{"not an object", `{"id":"fld1","name":"N","type":"Rating","property":[1,2]}`, nil, `[1,2]`},
		{"unknown type", `{"id":"fld1","name":"N","type":"Hologram","property":{"x":1}}`, nil, `{"x":1}`},
		{"null", `{"id":"fld1","name":"N","type":"SingleText","property":null}`, nil, ``},
		{"absent", `{"id":"fld1","name":"N","type":"Text"}`, nil, ``},
		{"MagicLink", `{"id":"fld1","name":"N","type":"MagicLink","property":{"foreignDatasheetId":"dst1"}}`,
			&apitable.TwoWayLinkProperty{ForeignDatasheetID: "dst1"}, `{"foreignDatasheetId":"dst1"}`},
		{"extra keys", `{"id":"fld1","name":"N","type":"Checkbox","property":{"icon":"✅","new":true}}`,
			&apitable.CheckboxProperty{Icon: "✅"}, `{"icon":"✅","new":true}`},
		{"lookup entity field", `{"id":"fld1","name":"N","type":"MagicLookUp","property":{"relatedLinkFieldId":"fldA","targetFieldId":"fldB","entityField":{"datasheetId":"dst2","field":{"id":"fldB","name":"B","type":"Number","property":{"precision":1}}},"sortInfo":{"rules":[{"fieldId":"fldB","desc":true}]},"filterInfo":{"conjunction":"and","conditions":[{"fieldId":"fldB","fieldType":"Number","operator":"isGreater","value":[1]}]}}}`,
			&apitable.MagicLookUpProperty{RelatedLinkFieldID: "fldA", TargetFieldID: "fldB",
				EntityField: &apitable.LookupEntityField{DatasheetID: "dst2", Field: &apitable.Field{ID: "fldB", Name: "B", Type: apitable.FieldNumber,
					Property: &apitable.NumberProperty{Precision: 1}, RawProperty: json.RawMessage(`{"precision":1}`)}},
				SortInfo:   &apitable.LookupSort{Rules: []apitable.LookupSortRule{{FieldID: "fldB", Desc: true}}},
				FilterInfo: &apitable.LookupFilter{Conjunction: "and", Conditions: []apitable.LookupCondition{{FieldID: "fldB", FieldType: apitable.FieldNumber, Operator: "isGreater", Value: []any{1.0}}}},
			}, ``},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var f apitable.Field
			require.NoError(t, json.Unmarshal([]byte(tt.json), &f))
			if diff := cmp.Diff(tt.want, f.Property); diff != "" {
				t.Errorf("Property (-want +got):\n%s", diff)
			}
			if tt.raw == "" && tt.name != "lookup entity field" {
				assert.Nil(t, f.RawProperty)
			} else if tt.raw != "" {
				assert.JSONEq(t, tt.raw, string(f.RawProperty))
			}
			// Round trip keeps the raw property.
			b, err := json.Marshal(f)
			require.NoError(t, err)
			var back apitable.Field
			require.NoError(t, json.Unmarshal(b, &back))
			assert.Equal(t, f.RawProperty, back.RawProperty)
		})
	}
}

func TestFieldsCreateWireForm(t *testing.T) {
	t.Parallel()
	srv, c := metaServer(t)
	sp := srv.SpaceID()
	other := plainSheet(t, srv, "Other")
	ds := srv.AddDatasheet(sp, apitabletest.DatasheetSpec{
		Name: "Target",
		Fields: []apitabletest.FieldSpec{
			{Name: "Title", Type: "SingleText"},
			{Name: "Link", Type: "OneWayLink", Property: map[string]any{"foreignDatasheetId": other.ID}},
		},
	})
	tests := []struct {
		name     string
		in       apitable.FieldPropertyInput
		wireType string
		wire     string // "" when no property is sent
		want     any    // property listed afterwards
	}{
		{"text", apitable.TextField{}, "Text", "", nil},
		{"url", apitable.URLField{}, "URL", "", nil},
		{"email", apitable.EmailField{}, "Email", "", nil},
		{"phone", apitable.PhoneField{}, "Phone", "", nil},
		{"attachment", apitable.AttachmentField{}, "Attachment", "", nil},
		{"autonumber", apitable.AutoNumberField{}, "AutoNumber", "", nil},
		{"createdby", apitable.CreatedByField{}, "CreatedBy", "", &apitable.CreatedByProperty{Options: []apitable.User{{ID: "a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5", Name: "apitabletest user"}}}},
		{"workdoc", apitable.WorkDocField{}, "WorkDoc", "", nil},
		{"cascader", apitable.CascaderField{}, "Cascader", "", nil},
		{"singletext", apitable.SingleTextField{}, "SingleText", `{}`, &apitable.SingleTextProperty{}},
		{"singletext default", apitable.SingleTextField{DefaultValue: "d"}, "SingleText", `{"defaultValue":"d"}`, &apitable.SingleTextProperty{DefaultValue: "d"}},
		{"number", apitable.NumberField{}, "Number", `{"precision":0}`, &apitable.NumberProperty{}},
		{"number full", apitable.NumberField{Precision: 1000, DefaultValue: "3", Symbol: "m"}, "Number", `{"precision":1000,"defaultValue":"3","symbol":"m"}`,
			&apitable.NumberProperty{Precision: 1000, DefaultValue: "3", Symbol: "m"}},
		{"percent", apitable.PercentField{Precision: 10}, "Percent", `{"precision":10}`, &apitable.PercentProperty{Precision: 10}},
		{"currency defaults", apitable.CurrencyField{}, "Currency", `{}`, &apitable.CurrencyProperty{Precision: 2, Symbol: "$"}},
		{"currency zero precision stored as 2", apitable.CurrencyField{Precision: ptr(0), Symbol: "€", SymbolAlign: apitable.SymbolAlignRight},
			"Currency", `{"precision":0,"symbol":"€","symbolAlign":"Right"}`, &apitable.CurrencyProperty{Precision: 2, Symbol: "€", SymbolAlign: "Right"}},
		{"currency", apitable.CurrencyField{Precision: ptr(4), DefaultValue: "1"}, "Currency", `{"precision":4,"defaultValue":"1"}`,
			&apitable.CurrencyProperty{Precision: 4, Symbol: "$", DefaultValue: "1"}},
		{"rating", apitable.RatingField{Icon: "star", Max: 10}, "Rating", `{"icon":"star","max":10}`, &apitable.RatingProperty{Icon: "⭐", Max: 10}},
		{"checkbox", apitable.CheckboxField{Icon: "white_check_mark"}, "Checkbox", `{"icon":"white_check_mark"}`, &apitable.CheckboxProperty{Icon: "✅"}},
		{"singleselect empty", apitable.SingleSelectField{}, "SingleSelect", `{"options":[]}`, &apitable.SingleSelectProperty{Options: []apitable.SelectOption{}}},
		{"singleselect", apitable.SingleSelectField{Options: []apitable.SelectOptionInput{{Name: "A"}, {Name: "B", Color: ptr(3)}, {Name: "C", ID: "optCCCCCCCCCC", Color: ptr(0)}}, DefaultValue: "A"},
			"SingleSelect", `{"options":[{"name":"A"},{"name":"B","color":3},{"name":"C","id":"optCCCCCCCCCC","color":0}],"defaultValue":"A"}`,
			&apitable.SingleSelectProperty{Options: []apitable.SelectOption{
				{Name: "A", Color: apitable.Color{Name: "deepPurple_0", Value: "#E5E1FC"}},
				{Name: "B", Color: apitable.Color{Name: "teal_0", Value: "#DCF3F1"}},
				{ID: "optCCCCCCCCCC", Name: "C", Color: apitable.Color{Name: "deepPurple_0", Value: "#E5E1FC"}}}}},
		{"multiselect", apitable.MultiSelectField{Options: []apitable.SelectOptionInput{{Name: "x"}}, DefaultValue: []string{"x"}},
			"MultiSelect", `{"options":[{"name":"x"}],"defaultValue":["x"]}`,
			&apitable.MultiSelectProperty{Options: []apitable.SelectOption{{Name: "x", Color: apitable.Color{Name: "deepPurple_0", Value: "#E5E1FC"}}}}},
		{"datetime", apitable.DateTimeField{DateFormat: "DD/MM/YYYY"}, "DateTime", `{"dateFormat":"DD/MM/YYYY"}`, &apitable.DateTimeProperty{Format: "DD/MM/YYYY"}},
		{"datetime full", apitable.DateTimeField{DateFormat: "YYYY-MM-DD", TimeFormat: "HH:mm", IncludeTime: true, AutoFill: true}, "DateTime",
			`{"dateFormat":"YYYY-MM-DD","timeFormat":"HH:mm","includeTime":true,"autoFill":true}`,
			&apitable.DateTimeProperty{Format: "YYYY-MM-DD HH:mm", IncludeTime: true, AutoFill: true}},
		{"datetime default time format", apitable.DateTimeField{DateFormat: "YYYY", IncludeTime: true}, "DateTime",
			`{"dateFormat":"YYYY","includeTime":true}`, &apitable.DateTimeProperty{Format: "YYYY hh:mm", IncludeTime: true}},
		{"createdtime", apitable.CreatedTimeField{DateFormat: "MM-DD"}, "CreatedTime", `{"dateFormat":"MM-DD"}`, &apitable.CreatedTimeProperty{Format: "MM-DD"}},
		{"lastmodifiedtime", apitable.LastModifiedTimeField{DateFormat: "MM", CollectType: apitable.CollectSpecifiedFields, FieldIDCollection: []string{ds.FieldIDs["Title"]}},
			"LastModifiedTime", `{"dateFormat":"MM","collectType":1,"fieldIdCollection":["` + ds.FieldIDs["Title"] + `"]}`, &apitable.LastModifiedTimeProperty{Format: "MM"}},
		{"lastmodifiedby", apitable.LastModifiedByField{}, "LastModifiedBy", `{}`, &apitable.LastModifiedByProperty{Options: []apitable.User{{ID: "a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5", Name: "apitabletest user"}}}},
		{"member defaults false", apitable.MemberField{}, "Member", `{"isMulti":false,"shouldSendMsg":false,"subscription":false}`, &apitable.MemberProperty{Options: []apitable.Member{}}},
		{"member", apitable.MemberField{IsMulti: true, Subscription: true}, "Member", `{"isMulti":true,"shouldSendMsg":false,"subscription":true}`,
			&apitable.MemberProperty{Options: []apitable.Member{}, IsMulti: true, Subscription: true}},
		{"one-way link", apitable.OneWayLinkField{ForeignDatasheetID: other.ID, LimitSingleRecord: true, LimitToViewID: other.ViewIDs[0]}, "OneWayLink",
			`{"foreignDatasheetId":"` + other.ID + `","limitToViewId":"` + other.ViewIDs[0] + `","limitSingleRecord":true}`,
			&apitable.OneWayLinkProperty{ForeignDatasheetID: other.ID, LimitToViewID: other.ViewIDs[0], LimitSingleRecord: true}},
		{"self link", apitable.OneWayLinkField{ForeignDatasheetID: "SELF"}, "OneWayLink", `{"foreignDatasheetId":"SELF"}`, nil},
		{"lookup", apitable.MagicLookUpField{RelatedLinkFieldID: ds.FieldIDs["Link"], TargetFieldID: other.FieldIDs["Age"], RollupFunction: apitable.RollupSum,
			EnableFilterSort: true, LookUpLimit: apitable.LookupLimitAll,
			Sort:   &apitable.LookupSort{Rules: []apitable.LookupSortRule{{FieldID: other.FieldIDs["Age"], Desc: true}}},
			Filter: &apitable.LookupFilter{Conjunction: "and", Conditions: []apitable.LookupCondition{{FieldID: other.FieldIDs["Name"], FieldType: apitable.FieldSingleText, Operator: "is", Value: []string{"Ann"}}}},
			Format: &apitable.FieldFormatInput{Precision: ptr(1)}},
			"MagicLookUp", `{"relatedLinkFieldId":"` + ds.FieldIDs["Link"] + `","targetFieldId":"` + other.FieldIDs["Age"] + `","rollupFunction":"SUM","format":{"precision":1},"enableFilterSort":true,` +
				`"filterInfo":{"conjunction":"and","conditions":[{"fieldId":"` + other.FieldIDs["Name"] + `","operator":"is","value":["Ann"]}]},` +
				`"sortInfo":{"rules":[{"fieldId":"` + other.FieldIDs["Age"] + `","desc":true}]},"lookUpLimit":"ALL"}`, nil},
		{"formula", apitable.FormulaField{}, "Formula", `{}`, &apitable.FormulaProperty{ValueType: "String"}},
		{"formula expression", apitable.FormulaField{Expression: "{Title}", Format: &apitable.FieldFormatInput{DateFormat: "YYYY-MM-DD", IncludeTime: true}},
			"Formula", `{"expression":"{Title}","format":{"dateFormat":"YYYY-MM-DD","includeTime":true}}`, nil},
		{"raw", apitable.RawFieldProperty{Type: apitable.FieldButton, Property: json.RawMessage(`{"text":"Go"}`)}, "Button", `{"text":"Go"}`, nil},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if tt.name == "self link" {
				// The id must be the datasheet's own; filled in here.
				tt.in = apitable.OneWayLinkField{ForeignDatasheetID: ds.ID}
				tt.wire = `{"foreignDatasheetId":"` + ds.ID + `"}`
				tt.want = &apitable.OneWayLinkProperty{ForeignDatasheetID: ds.ID}
			}
			name := "F" + string(rune('a'+i%26)) + tt.name
			created, err := c.Fields.Create(t.Context(), sp, ds.ID, apitable.CreateFieldParams{Name: name, Property: tt.in})
			require.NoError(t, err)
			assert.Equal(t, name, created.Name)
			assert.True(t, strings.HasPrefix(created.ID, "fld"), created.ID)

			var req *apitabletest.Request
			for _, r := range srv.Requests() {
				if r.Method == "POST" && strings.Contains(string(r.Body), `"name":"`+name+`"`) {
					req = &r
				}
			}
			require.NotNil(t, req)
			assert.Equal(t, "/gw/fusion/v1/spaces/"+sp+"/datasheets/"+ds.ID+"/fields", req.Path)
			assert.Equal(t, 201, req.Status)
			body := bodyJSON(t, req.Body)
			assert.Equal(t, tt.wireType, body["type"])
			if tt.wire == "" {
				assert.NotContains(t, body, "property")
				assert.Len(t, body, 2)
			} else {
				raw, _ := json.Marshal(body["property"])
				assert.JSONEq(t, tt.wire, string(raw))
			}

			fields, err := c.Fields.List(t.Context(), ds.ID, nil)
			require.NoError(t, err)
			var got *apitable.Field
			for i := range fields {
				if fields[i].ID == created.ID {
					got = &fields[i]
				}
			}
			require.NotNil(t, got)
			assert.Equal(t, name, got.Name)
			if tt.want != nil {
				if diff := cmp.Diff(tt.want, got.Property, cmpopts.IgnoreFields(apitable.SelectOption{}, "ID"), cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("Property (-want +got):\n%s", diff)
				}
			}
		})
	}
}

func TestFieldsCreateServerErrors(t *testing.T) {
	t.Parallel()
	srv, c := metaServer(t)
	sp := srv.SpaceID()
	other := plainSheet(t, srv, "Other")
	ds := srv.AddDatasheet(sp, apitabletest.DatasheetSpec{
		Name: "Target",
		Fields: []apitabletest.FieldSpec{
			{Name: "Title", Type: "SingleText"},
			{Name: "abc", Type: "Text"},
			{Name: "Link", Type: "TwoWayLink", Property: map[string]any{"foreignDatasheetId": other.ID}},
		},
	})
	foreign := srv.AddForeignSpace("Theirs")
	secondSpace := srv.AddSpace("Second")
	raw := func(typ apitable.FieldType, prop string) apitable.FieldPropertyInput {
		return apitable.RawFieldProperty{Type: typ, Property: json.RawMessage(prop)}
	}
	lookup := func(rel, tgt string, mod func(*apitable.MagicLookUpField)) apitable.FieldPropertyInput {
		l := apitable.MagicLookUpField{RelatedLinkFieldID: rel, TargetFieldID: tgt}
		if mod != nil {
			mod(&l)
		}
		return l
	}
	tests := []struct {
		name     string
		space    string
		sheet    string
		fname    string
		in       apitable.FieldPropertyInput
		sentinel error
		code     int
		msg      string
	}{
		{"duplicate name", sp, ds.ID, "Title", apitable.TextField{}, apitable.ErrInvalidRequest, 400, "name must be unique"},
		{"LIKE wildcard collides", sp, ds.ID, "a_c", apitable.TextField{}, apitable.ErrInvalidRequest, 400, "name must be unique"},
		{"LIKE percent collides", sp, ds.ID, "Ti%", apitable.TextField{}, apitable.ErrInvalidRequest, 400, "name must be unique"},
		{"unknown type", sp, ds.ID, "x", raw("Hologram", ""), apitable.ErrInvalidRequest, 400, "Invalid value for type"},
		{"NotSupport", sp, ds.ID, "x", raw(apitable.FieldNotSupport, ""), apitable.ErrInvalidRequest, 400, "Invalid value for type"},
		{"precision required", sp, ds.ID, "x", raw(apitable.FieldNumber, `{}`), apitable.ErrInvalidRequest, 400, `"precision" is required`},
		{"precision range", sp, ds.ID, "x", raw(apitable.FieldPercent, `{"precision":11}`), apitable.ErrInvalidRequest, 400, `"precision" must be less than or equal to 10`},
		{"no property object", sp, ds.ID, "x", raw(apitable.FieldSingleText, ""), apitable.ErrInvalidRequest, 400, `"value" must be of type object`},
		{"member without object", sp, ds.ID, "x", raw(apitable.FieldMember, ""), apitable.ErrInvalidRequest, 400, `"value" must be of type object`},
		{"text with property", sp, ds.ID, "x", raw(apitable.FieldText, `{}`), apitable.ErrInvalidRequest, 400, "Text not support set property"},
		{"native emoji icon", sp, ds.ID, "x", raw(apitable.FieldCheckbox, `{"icon":"✅"}`), apitable.ErrInvalidRequest, 400, "icon is not Emoji slug"},
		{"unknown key", sp, ds.ID, "x", raw(apitable.FieldNumber, `{"precision":1,"commaStyle":","}`), apitable.ErrInvalidRequest, 400, `"commaStyle" is not allowed`},
		{"date format", sp, ds.ID, "x", raw(apitable.FieldDateTime, `{"dateFormat":"MM/DD"}`), apitable.ErrInvalidRequest, 400,
			`"dateFormat" must be one of [YYYY/MM/DD, YYYY-MM-DD, DD/MM/YYYY, YYYY-MM, MM-DD, YYYY, MM, DD]`},
		{"option color string", sp, ds.ID, "x", raw(apitable.FieldSingleSelect, `{"options":[{"name":"a","color":"red_0"}]}`), apitable.ErrInvalidRequest, 400, `"options[0].color" must be a number`},
		{"unknown foreign datasheet", sp, ds.ID, "x", apitable.TwoWayLinkField{ForeignDatasheetID: "dstNope000000000000"}, apitable.ErrInvalidRequest, 400, `"foreignDatasheetId" is invalid`},
		{"lookup link missing", sp, ds.ID, "x", lookup("fldNope0000000", other.FieldIDs["Name"], nil), apitable.ErrInvalidRequest, 400,
			`The link field ID "fldNope0000000" associated with the lookup field does not exist.`},
		{"lookup not a link", sp, ds.ID, "x", lookup(ds.FieldIDs["abc"], other.FieldIDs["Name"], nil), apitable.ErrInvalidRequest, 400,
			`The field ID "` + ds.FieldIDs["abc"] + `" associated with the lookup field is not a link field.`},
		{"lookup target missing", sp, ds.ID, "x", lookup(ds.FieldIDs["Link"], "fldNope0000000", nil), apitable.ErrInvalidRequest, 400,
			`The field ID "fldNope0000000" referenced by the lookup field does not exist.`},
		{"lookup sort missing", sp, ds.ID, "x", lookup(ds.FieldIDs["Link"], other.FieldIDs["Name"], func(l *apitable.MagicLookUpField) {
			l.Sort = &apitable.LookupSort{Rules: []apitable.LookupSortRule{{FieldID: "fldNope0000000"}}}
		}), apitable.ErrInvalidRequest, 400, `The sorting field ID "fldNope0000000" specified by the lookup field does not exist.`},
		{"lookup filter missing", sp, ds.ID, "x", lookup(ds.FieldIDs["Link"], other.FieldIDs["Name"], func(l *apitable.MagicLookUpField) {
			l.Filter = &apitable.LookupFilter{Conjunction: "or", Conditions: []apitable.LookupCondition{{FieldID: "fldNope0000000", Operator: "is"}}}
		}), apitable.ErrInvalidRequest, 400, `The filtering field ID "fldNope0000000" specified by the lookup field does not exist.`},
		{"unknown datasheet", sp, "dstNope000000000000", "x", apitable.TextField{}, apitable.ErrDatasheetNotFound, 301, "Can't find the specified datasheet"},
		{"datasheet in another space", secondSpace, ds.ID, "x", apitable.TextField{}, apitable.ErrDatasheetNotFound, 301, "Datasheet not visible"},
		{"unknown space", "spcNope0000000", ds.ID, "x", apitable.TextField{}, apitable.ErrInvalidRequest, 400, "Space doesn't exist, please adjust the spaceId and try again"},
		{"foreign space", foreign, ds.ID, "x", apitable.TextField{}, apitable.ErrForbidden, 403, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := c.Fields.Create(t.Context(), tt.space, tt.sheet, apitable.CreateFieldParams{Name: tt.fname, Property: tt.in})
			ae := wantAPIError(t, err, tt.sentinel, tt.code, tt.msg)
			assert.Equal(t, "POST", ae.Method)
			assert.Equal(t, "/fusion/v1/spaces/{spaceId}/datasheets/{datasheetId}/fields", ae.Route)
			assert.Equal(t, 1, ae.Attempts, "definite errors are not retried")
			assert.NotErrorIs(t, err, apitable.ErrOutcomeUnknown)
		})
	}
}

func TestFieldsCreateFieldLimit(t *testing.T) {
	t.Parallel()
	srv, c := metaServer(t)
	specs := make([]apitabletest.FieldSpec, 200)
	for i := range specs {
		specs[i] = apitabletest.FieldSpec{Name: "f" + string(rune('A'+i/26)) + string(rune('a'+i%26)), Type: "Text"}
	}
	ds := srv.AddDatasheet(srv.SpaceID(), apitabletest.DatasheetSpec{Name: "Full", Fields: specs})
	_, err := c.Fields.Create(t.Context(), srv.SpaceID(), ds.ID, apitable.CreateFieldParams{Name: "one more", Property: apitable.TextField{}})
	ae := wantAPIError(t, err, nil, 211, "Failed to create data")
	assert.Equal(t, 200, ae.HTTPStatus)
	assert.Equal(t, 1, ae.Attempts)
}

func TestFieldsCreateLocalValidation(t *testing.T) {
	t.Parallel()
	srv, c := metaServer(t)
	sp := srv.SpaceID()
	ds := plainSheet(t, srv, "Sheet")
	long := strings.Repeat("n", 101)
	emoji100 := strings.Repeat("😀", 51) // 102 UTF-16 code units
	tests := []struct {
		name  string
		space string
		sheet string
		p     apitable.CreateFieldParams
		field string
	}{
		{"empty space", "", ds.ID, apitable.CreateFieldParams{Name: "x", Property: apitable.TextField{}}, "spaceID"},
		{"bad space", "spc/..", ds.ID, apitable.CreateFieldParams{Name: "x", Property: apitable.TextField{}}, "spaceID"},
		{"empty datasheet", sp, "", apitable.CreateFieldParams{Name: "x", Property: apitable.TextField{}}, "datasheetID"},
		{"bad datasheet", sp, "dst#1", apitable.CreateFieldParams{Name: "x", Property: apitable.TextField{}}, "datasheetID"},
		{"no name", sp, ds.ID, apitable.CreateFieldParams{Property: apitable.TextField{}}, "Name"},
		{"long name", sp, ds.ID, apitable.CreateFieldParams{Name: long, Property: apitable.TextField{}}, "Name"},
		{"long name in UTF-16", sp, ds.ID, apitable.CreateFieldParams{Name: emoji100, Property: apitable.TextField{}}, "Name"},
		{"no property", sp, ds.ID, apitable.CreateFieldParams{Name: "x"}, "Property"},
		{"nil pointer property", sp, ds.ID, apitable.CreateFieldParams{Name: "x", Property: (*apitable.NumberField)(nil)}, "Property"},
		{"raw without type", sp, ds.ID, apitable.CreateFieldParams{Name: "x", Property: apitable.RawFieldProperty{}}, "Property"},
		{"raw bad json", sp, ds.ID, apitable.CreateFieldParams{Name: "x", Property: apitable.RawFieldProperty{Type: "Text", Property: json.RawMessage(`{`)}}, "Property"},
		{"number precision", sp, ds.ID, apitable.CreateFieldParams{Name: "x", Property: apitable.NumberField{Precision: 1001}}, "Property.Precision"},
		{"number negative", sp, ds.ID, apitable.CreateFieldParams{Name: "x", Property: apitable.NumberField{Precision: -1}}, "Property.Precision"},
		{"percent precision", sp, ds.ID, apitable.CreateFieldParams{Name: "x", Property: apitable.PercentField{Precision: 11}}, "Property.Precision"},
		{"currency precision", sp, ds.ID, apitable.CreateFieldParams{Name: "x", Property: apitable.CurrencyField{Precision: ptr(11)}}, "Property.Precision"},
		{"currency align", sp, ds.ID, apitable.CreateFieldParams{Name: "x", Property: apitable.CurrencyField{SymbolAlign: "Center"}}, "Property.SymbolAlign"},
		{"rating icon", sp, ds.ID, apitable.CreateFieldParams{Name: "x", Property: apitable.RatingField{Max: 5}}, "Property.Icon"},
		{"rating native icon", sp, ds.ID, apitable.CreateFieldParams{Name: "x", Property: apitable.RatingField{Icon: "⭐", Max: 5}}, "Property.Icon"},
		{"rating max", sp, ds.ID, apitable.CreateFieldParams{Name: "x", Property: apitable.RatingField{Icon: "star", Max: 11}}, "Property.Max"},
		{"checkbox icon", sp, ds.ID, apitable.CreateFieldParams{Name: "x", Property: apitable.CheckboxField{}}, "Property.Icon"},
		{"option name", sp, ds.ID, apitable.CreateFieldParams{Name: "x", Property: apitable.SingleSelectField{Options: []apitable.SelectOptionInput{{Name: "a"}, {}}}}, "Property.Options[1].Name"},
		{"option id without color", sp, ds.ID, apitable.CreateFieldParams{Name: "x", Property: apitable.MultiSelectField{Options: []apitable.SelectOptionInput{{Name: "a", ID: "optA"}}}}, "Property.Options[0].Color"},
		{"option negative color", sp, ds.ID, apitable.CreateFieldParams{Name: "x", Property: apitable.SingleSelectField{Options: []apitable.SelectOptionInput{{Name: "a", Color: ptr(-1)}}}}, "Property.Options[0].Color"},
		{"multiselect default", sp, ds.ID, apitable.CreateFieldParams{Name: "x", Property: apitable.MultiSelectField{DefaultValue: []string{""}}}, "Property.DefaultValue[0]"},
		{"date format missing", sp, ds.ID, apitable.CreateFieldParams{Name: "x", Property: apitable.DateTimeField{}}, "Property.DateFormat"},
		{"date format bad", sp, ds.ID, apitable.CreateFieldParams{Name: "x", Property: apitable.CreatedTimeField{DateFormat: "MM/DD"}}, "Property.DateFormat"},
		{"time format bad", sp, ds.ID, apitable.CreateFieldParams{Name: "x", Property: apitable.DateTimeField{DateFormat: "YYYY", TimeFormat: "HH:mm:ss"}}, "Property.TimeFormat"},
		{"collect type", sp, ds.ID, apitable.CreateFieldParams{Name: "x", Property: apitable.LastModifiedByField{CollectType: 2}}, "Property.CollectType"},
		{"collect ids", sp, ds.ID, apitable.CreateFieldParams{Name: "x", Property: apitable.LastModifiedTimeField{DateFormat: "YYYY", FieldIDCollection: []string{""}}}, "Property.FieldIDCollection[0]"},
		{"link without datasheet", sp, ds.ID, apitable.CreateFieldParams{Name: "x", Property: apitable.TwoWayLinkField{}}, "Property.ForeignDatasheetID"},
		{"link bad view", sp, ds.ID, apitable.CreateFieldParams{Name: "x", Property: apitable.TwoWayLinkField{ForeignDatasheetID: ds.ID, LimitToViewID: "viw/1"}}, "Property.LimitToViewID"},
		{"lookup without link", sp, ds.ID, apitable.CreateFieldParams{Name: "x", Property: apitable.MagicLookUpField{TargetFieldID: "fldA"}}, "Property.RelatedLinkFieldID"},
		{"lookup without target", sp, ds.ID, apitable.CreateFieldParams{Name: "x", Property: apitable.MagicLookUpField{RelatedLinkFieldID: "fldA"}}, "Property.TargetFieldID"},
		{"lookup rollup", sp, ds.ID, apitable.CreateFieldParams{Name: "x", Property: apitable.MagicLookUpField{RelatedLinkFieldID: "fldA", TargetFieldID: "fldB", RollupFunction: "MEDIAN"}}, "Property.RollupFunction"},
		{"lookup limit", sp, ds.ID, apitable.CreateFieldParams{Name: "x", Property: apitable.MagicLookUpField{RelatedLinkFieldID: "fldA", TargetFieldID: "fldB", LookUpLimit: "TWO"}}, "Property.LookUpLimit"},
		{"lookup conjunction", sp, ds.ID, apitable.CreateFieldParams{Name: "x", Property: apitable.MagicLookUpField{RelatedLinkFieldID: "fldA", TargetFieldID: "fldB",
			Filter: &apitable.LookupFilter{Conjunction: "AND"}}}, "Property.Filter.Conjunction"},
		{"lookup operator", sp, ds.ID, apitable.CreateFieldParams{Name: "x", Property: apitable.MagicLookUpField{RelatedLinkFieldID: "fldA", TargetFieldID: "fldB",
			Filter: &apitable.LookupFilter{Conjunction: "and", Conditions: []apitable.LookupCondition{{FieldID: "fldC"}}}}}, "Property.Filter.Conditions[0].Operator"},
		{"lookup sort id", sp, ds.ID, apitable.CreateFieldParams{Name: "x", Property: apitable.MagicLookUpField{RelatedLinkFieldID: "fldA", TargetFieldID: "fldB",
			Sort: &apitable.LookupSort{Rules: []apitable.LookupSortRule{{}}}}}, "Property.Sort.Rules[0].FieldID"},
		{"format mixed", sp, ds.ID, apitable.CreateFieldParams{Name: "x", Property: apitable.FormulaField{Format: &apitable.FieldFormatInput{DateFormat: "YYYY", Precision: ptr(1)}}}, "Property.Format"},
		{"format precision", sp, ds.ID, apitable.CreateFieldParams{Name: "x", Property: apitable.FormulaField{Format: &apitable.FieldFormatInput{Precision: ptr(11)}}}, "Property.Format.Precision"},
		{"format date", sp, ds.ID, apitable.CreateFieldParams{Name: "x", Property: apitable.FormulaField{Format: &apitable.FieldFormatInput{DateFormat: "Y"}}}, "Property.Format.DateFormat"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := c.Fields.Create(t.Context(), tt.space, tt.sheet, tt.p)
			wantValidation(t, err, tt.field)
		})
	}
	t.Cleanup(func() {
		// Runs after the parallel subtests: nothing was sent.
		assert.Empty(t, srv.Requests())
	})
}

func TestFieldsDelete(t *testing.T) {
	t.Parallel()
	srv, c := metaServer(t)
	sp := srv.SpaceID()
	other := plainSheet(t, srv, "Other")
	ds := srv.AddDatasheet(sp, apitabletest.DatasheetSpec{
		Name: "Target",
		Fields: []apitabletest.FieldSpec{
			{Name: "Title", Type: "SingleText"},
			{Name: "Gone", Type: "Text"},
			{Name: "L1", Type: "TwoWayLink", Property: map[string]any{"foreignDatasheetId": other.ID}},
			{Name: "L2", Type: "TwoWayLink", Property: map[string]any{"foreignDatasheetId": other.ID}},
		},
		Records: []map[string]any{{"Title": "a", "Gone": "bye"}},
	})
	ctx := t.Context()
	siblingOf := func(fieldID string) *apitable.Field {
		fields, err := c.Fields.List(ctx, other.ID, nil)
		require.NoError(t, err)
		for i, f := range fields {
			if lp, ok := f.Property.(*apitable.TwoWayLinkProperty); ok && lp.BrotherFieldID == fieldID {
				return &fields[i]
			}
		}
		return nil
	}
	sib1, sib2 := siblingOf(ds.FieldIDs["L1"]), siblingOf(ds.FieldIDs["L2"])
	require.NotNil(t, sib1)
	require.NotNil(t, sib2)

	// Without conversion: no body at all.
	srv.ResetRequests()
	require.NoError(t, c.Fields.Delete(ctx, sp, ds.ID, ds.FieldIDs["Gone"], nil))
	reqs := srv.Requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, "DELETE", reqs[0].Method)
	assert.Equal(t, "/gw/fusion/v1/spaces/"+sp+"/datasheets/"+ds.ID+"/fields/"+ds.FieldIDs["Gone"], reqs[0].Path)
	assert.Empty(t, reqs[0].Body)
	assert.Equal(t, 200, reqs[0].Status)
	assert.NotContains(t, srv.Records(ds.ID)[0].Fields, "Gone")

	// An empty Conversion sends no body either.
	// keepText: the sibling becomes a text field.
	srv.ResetRequests()
	require.NoError(t, c.Fields.Delete(ctx, sp, ds.ID, ds.FieldIDs["L1"], &apitable.DeleteFieldParams{Conversion: apitable.ConversionKeepText}))
	assert.JSONEq(t, `{"conversion":"keepText"}`, string(srv.Requests()[0].Body))
	fields, err := c.Fields.List(ctx, other.ID, nil)
	require.NoError(t, err)
	var kept bool
	for _, f := range fields {
		if f.ID == sib1.ID {
			kept = true
			assert.Equal(t, apitable.FieldText, f.Type)
		}
	}
	assert.True(t, kept)

	// delete: the sibling goes too.
	srv.ResetRequests()
	require.NoError(t, c.Fields.Delete(ctx, sp, ds.ID, ds.FieldIDs["L2"], &apitable.DeleteFieldParams{Conversion: apitable.ConversionDelete}))
	assert.JSONEq(t, `{"conversion":"delete"}`, string(srv.Requests()[0].Body))
	assert.Nil(t, siblingOf(ds.FieldIDs["L2"]))

	// Server errors.
	err = c.Fields.Delete(ctx, sp, ds.ID, ds.FieldIDs["Gone"], &apitable.DeleteFieldParams{})
	ae := wantAPIError(t, err, apitable.ErrInvalidRequest, 400, `fieldId "`+ds.FieldIDs["Gone"]+`" does not exist`)
	assert.Equal(t, "/fusion/v1/spaces/{spaceId}/datasheets/{datasheetId}/fields/{fieldId}", ae.Route)
	err = c.Fields.Delete(ctx, sp, ds.ID, ds.FieldIDs["Title"], nil)
	_ = wantAPIError(t, err, apitable.ErrInvalidRequest, 400, "The primary field can't be deleted")
	err = c.Fields.Delete(ctx, sp, "dstNope000000000000", ds.FieldIDs["Title"], nil)
	_ = wantAPIError(t, err, apitable.ErrDatasheetNotFound, 301, "")

	// Local validation.
	srv.ResetRequests()
	for _, tc := range []struct {
		space, sheet, field string
		p                   *apitable.DeleteFieldParams
		want                string
	}{
		{"", ds.ID, "fldX", nil, "spaceID"},
		{sp, "", "fldX", nil, "datasheetID"},
		{sp, ds.ID, "", nil, "fieldID"},
		{sp, ds.ID, "fld/../x", nil, "fieldID"},
		{sp, ds.ID, "fldX", &apitable.DeleteFieldParams{Conversion: "drop"}, "Conversion"},
	} {
		wantValidation(t, c.Fields.Delete(ctx, tc.space, tc.sheet, tc.field, tc.p), tc.want)
	}
	assert.Empty(t, srv.Requests())
}

func TestFieldsDeleteRetriedAfterDropCountsAsDone(t *testing.T) {
	t.Parallel()
	srv, c := metaServer(t)
	sp := srv.SpaceID()
	ds := srv.AddDatasheet(sp, apitabletest.DatasheetSpec{Name: "T", Fields: []apitabletest.FieldSpec{{Name: "A", Type: "SingleText"}, {Name: "B", Type: "Text"}}})
	srv.InjectFault(apitabletest.Fault{Method: "DELETE", Path: "/fields/", Drop: apitabletest.DropAfterHandling})
	require.NoError(t, c.Fields.Delete(t.Context(), sp, ds.ID, ds.FieldIDs["B"], nil))
	assert.Len(t, srv.Requests(), 2, "the retry found the field gone")
}

func TestCreatesAreNotRetriedAfterAmbiguousFailure(t *testing.T) {
	t.Parallel()
	srv, c := metaServer(t)
	sp := srv.SpaceID()
	ds := plainSheet(t, srv, "T")
	srv.InjectFault(apitabletest.Fault{Method: "POST", Path: "/fields", Drop: apitabletest.DropAfterHandling})
	_, err := c.Fields.Create(t.Context(), sp, ds.ID, apitable.CreateFieldParams{Name: "New", Property: apitable.TextField{}})
	assert.ErrorIs(t, err, apitable.ErrOutcomeUnknown)

	srv.InjectFault(apitabletest.Fault{Method: "POST", Path: "/spaces/" + sp + "/datasheets", Status: 503})
	_, err = c.Datasheets.Create(t.Context(), sp, apitable.CreateDatasheetParams{Name: "Maybe"})
	assert.ErrorIs(t, err, apitable.ErrOutcomeUnknown)
	assert.ErrorIs(t, err, apitable.ErrServer)
	assert.Len(t, srv.Requests(), 2, "one attempt each")
}

// keyLimiter records the limiter keys of the calls.
type keyLimiter struct {
	mu   sync.Mutex
	keys []string
}

func (l *keyLimiter) Wait(_ context.Context, key string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.keys = append(l.keys, key[:strings.IndexByte(key, ':')])
	return nil
}

func (l *keyLimiter) Pause(context.Context, string, time.Duration) {}

func TestMetaRateLimitBuckets(t *testing.T) {
	t.Parallel()
	lim := &keyLimiter{}
	srv, c := metaServer(t, apitable.WithLimiter(lim))
	sp := srv.SpaceID()
	ds := plainSheet(t, srv, "T")
	ctx := t.Context()
	_, err := c.Fields.List(ctx, ds.ID, nil)
	require.NoError(t, err)
	_, err = c.Views.List(ctx, ds.ID)
	require.NoError(t, err)
	f, err := c.Fields.Create(ctx, sp, ds.ID, apitable.CreateFieldParams{Name: "N", Property: apitable.TextField{}})
	require.NoError(t, err)
	require.NoError(t, c.Fields.Delete(ctx, sp, ds.ID, f.ID, nil))
	_, err = c.Datasheets.Create(ctx, sp, apitable.CreateDatasheetParams{Name: "New"})
	require.NoError(t, err)
	assert.Equal(t, []string{ds.ID, ds.ID, ds.ID, ds.ID, sp}, lim.keys)
}

func TestViewsList(t *testing.T) {
	t.Parallel()
	srv, c := metaServer(t)
	ds := srv.AddDatasheet(srv.SpaceID(), apitabletest.DatasheetSpec{
		Name:   "Views",
		Fields: []apitabletest.FieldSpec{{Name: "A", Type: "SingleText"}},
		Views:  []apitabletest.ViewSpec{{Name: "Grid view"}, {Name: "Board", Type: "Kanban"}, {Name: "Pics", Type: "Gallery"}},
	})
	views, err := c.Views.List(t.Context(), ds.ID)
	require.NoError(t, err)
	want := []apitable.View{
		{ID: ds.ViewIDs[0], Name: "Grid view", Type: apitable.ViewGrid},
		{ID: ds.ViewIDs[1], Name: "Board", Type: apitable.ViewKanban},
		{ID: ds.ViewIDs[2], Name: "Pics", Type: apitable.ViewGallery},
	}
	if diff := cmp.Diff(want, views); diff != "" {
		t.Errorf("views (-want +got):\n%s", diff)
	}
	reqs := srv.Requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, "GET", reqs[0].Method)
	assert.Equal(t, "/gw/fusion/v1/datasheets/"+ds.ID+"/views", reqs[0].Path)

	_, err = c.Views.List(t.Context(), "dstNope000000000000")
	ae := wantAPIError(t, err, apitable.ErrDatasheetNotFound, 301, "Can't find the specified datasheet")
	assert.Equal(t, "/fusion/v1/datasheets/{datasheetId}/views", ae.Route)

	srv.ResetRequests()
	for _, id := range []string{"", " dst", "dst/1", "dst?x"} {
		_, err := c.Views.List(t.Context(), id)
		wantValidation(t, err, "datasheetID")
	}
	assert.Empty(t, srv.Requests())
}

func TestDatasheetsCreateDefaults(t *testing.T) {
	t.Parallel()
	srv, c := metaServer(t)
	sp := srv.SpaceID()
	before := time.Now().Add(-time.Second)
	created, err := c.Datasheets.Create(t.Context(), sp, apitable.CreateDatasheetParams{Name: "Blank"})
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(created.ID, "dst"), created.ID)
	assert.True(t, created.CreatedAt.After(before), created.CreatedAt)
	var names []string
	for _, f := range created.Fields {
		names = append(names, f.Name)
		assert.True(t, strings.HasPrefix(f.ID, "fld"))
	}
	assert.Equal(t, []string{"Title", "Options", "Attachments"}, names)

	reqs := srv.Requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, "POST", reqs[0].Method)
	assert.Equal(t, "/gw/fusion/v1/spaces/"+sp+"/datasheets", reqs[0].Path)
	assert.Equal(t, 201, reqs[0].Status)
	assert.JSONEq(t, `{"name":"Blank"}`, string(reqs[0].Body))

	fields, err := c.Fields.List(t.Context(), created.ID, nil)
	require.NoError(t, err)
	require.Len(t, fields, 3)
	assert.Equal(t, apitable.FieldSingleText, fields[0].Type)
	assert.Equal(t, &apitable.SingleTextProperty{}, fields[0].Property)
	assert.True(t, fields[0].IsPrimary)
	assert.Equal(t, apitable.FieldMultiSelect, fields[1].Type)
	assert.Equal(t, &apitable.MultiSelectProperty{Options: []apitable.SelectOption{}}, fields[1].Property)
	assert.Equal(t, apitable.FieldAttachment, fields[2].Type)
	views, err := c.Views.List(t.Context(), created.ID)
	require.NoError(t, err)
	require.Len(t, views, 1)
	assert.Equal(t, "Grid view", views[0].Name)
	assert.Equal(t, apitable.ViewGrid, views[0].Type)
	page, err := c.Records.List(t.Context(), created.ID, nil)
	require.NoError(t, err)
	assert.Equal(t, 3, page.Total, "a new datasheet has 3 empty records")
}

func TestDatasheetsCreateWithFields(t *testing.T) {
	t.Parallel()
	srv, c := metaServer(t)
	sp := srv.SpaceID()
	folder := srv.AddFolder(sp, "Folder")
	first, err := c.Datasheets.Create(t.Context(), sp, apitable.CreateDatasheetParams{Name: "First", FolderID: folder})
	require.NoError(t, err)
	created, err := c.Datasheets.Create(t.Context(), sp, apitable.CreateDatasheetParams{
		Name: "Tasks", Description: "plain text", FolderID: folder, PreNodeID: first.ID,
		Fields: []apitable.CreateFieldParams{
			{Name: "Amount", Property: apitable.NumberField{Precision: 2}},
			{Name: "Status", Property: apitable.SingleSelectField{Options: []apitable.SelectOptionInput{{Name: "Todo"}}}},
			{Name: "Notes", Property: apitable.TextField{}},
			{Name: "Stamp", Property: apitable.DateTimeField{DateFormat: "YYYY-MM-DD"}},
		},
	})
	require.NoError(t, err)
	reqs := srv.Requests()
	assert.JSONEq(t, `{"name":"Tasks","description":"plain text","folderId":"`+folder+`","preNodeId":"`+first.ID+`","fields":[`+
		`{"name":"Amount","type":"Number","property":{"precision":2}},`+
		`{"name":"Status","type":"SingleSelect","property":{"options":[{"name":"Todo"}]}},`+
		`{"name":"Notes","type":"Text"},`+
		`{"name":"Stamp","type":"DateTime","property":{"dateFormat":"YYYY-MM-DD"}}]}`, string(reqs[len(reqs)-1].Body))
	require.Len(t, created.Fields, 4)
	fields, err := c.Fields.List(t.Context(), created.ID, nil)
	require.NoError(t, err)
	for i, f := range fields {
		assert.Equal(t, created.Fields[i], apitable.CreatedField{ID: f.ID, Name: f.Name})
	}
	assert.Equal(t, &apitable.NumberProperty{Precision: 2}, fields[0].Property)
	assert.True(t, fields[0].IsPrimary)
	page, err := c.Records.List(t.Context(), created.ID, nil)
	require.NoError(t, err)
	assert.Equal(t, 3, page.Total, "the 3 empty records remain when fields are given")
	for _, r := range page.Records {
		assert.Empty(t, r.Fields)
	}
}

func TestDatasheetsCreateServerErrors(t *testing.T) {
	t.Parallel()
	srv, c := metaServer(t)
	sp := srv.SpaceID()
	second := srv.AddSpace("Second")
	otherFolder := srv.AddFolder(second, "Elsewhere")
	folder := srv.AddFolder(sp, "Here")
	foreign := srv.AddForeignSpace("Theirs")
	tests := []struct {
		name     string
		space    string
		p        apitable.CreateDatasheetParams
		sentinel error
		code     int
		msg      string
	}{
		{"unknown folder", sp, apitable.CreateDatasheetParams{Name: "x", FolderID: "fodNope000000"}, apitable.ErrInvalidRequest, 400, "Invalid value for folderId"},
		{"folder of other space", sp, apitable.CreateDatasheetParams{Name: "x", FolderID: otherFolder}, apitable.ErrInvalidRequest, 400, "Invalid value for folderId"},
		{"unknown pre node", sp, apitable.CreateDatasheetParams{Name: "x", PreNodeID: "dstNope000000000000"}, apitable.ErrInvalidRequest, 400, "Invalid value for preNodeId"},
		{"pre node outside folder", sp, apitable.CreateDatasheetParams{Name: "x", FolderID: folder, PreNodeID: folder}, apitable.ErrInvalidRequest, 400, "Invalid value for preNodeId"},
		{"bad field property", sp, apitable.CreateDatasheetParams{Name: "x", Fields: []apitable.CreateFieldParams{
			{Name: "T", Property: apitable.SingleTextField{}},
			{Name: "Raw", Property: apitable.RawFieldProperty{Type: apitable.FieldNumber, Property: json.RawMessage(`{}`)}}}},
			apitable.ErrInvalidRequest, 400, "Invalid value for fields[Raw].property"},
		{"bad field type", sp, apitable.CreateDatasheetParams{Name: "x", Fields: []apitable.CreateFieldParams{
			{Name: "T", Property: apitable.SingleTextField{}},
			{Name: "Raw", Property: apitable.RawFieldProperty{Type: "Hologram"}}}},
			apitable.ErrInvalidRequest, 400, "Invalid value for fields[Raw].type"},
		{"unknown space", "spcNope0000000", apitable.CreateDatasheetParams{Name: "x"}, apitable.ErrInvalidRequest, 400, "Space doesn't exist, please adjust the spaceId and try again"},
		{"foreign space", foreign, apitable.CreateDatasheetParams{Name: "x"}, apitable.ErrForbidden, 403, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := c.Datasheets.Create(t.Context(), tt.space, tt.p)
			ae := wantAPIError(t, err, tt.sentinel, tt.code, tt.msg)
			assert.Equal(t, "/fusion/v1/spaces/{spaceId}/datasheets", ae.Route)
			assert.Equal(t, 1, ae.Attempts)
		})
	}
}

func TestDatasheetsCreateLocalValidation(t *testing.T) {
	t.Parallel()
	srv, c := metaServer(t)
	sp := srv.SpaceID()
	text := func(name string) apitable.CreateFieldParams {
		return apitable.CreateFieldParams{Name: name, Property: apitable.TextField{}}
	}
	many := make([]apitable.CreateFieldParams, 201)
	for i := range many {
		many[i] = text("f" + strings.Repeat("x", i))
	}
	tests := []struct {
		name  string
		space string
		p     apitable.CreateDatasheetParams
		field string
	}{
		{"empty space", "", apitable.CreateDatasheetParams{Name: "x"}, "spaceID"},
		{"bad space", "spc 1", apitable.CreateDatasheetParams{Name: "x"}, "spaceID"},
		{"no name", sp, apitable.CreateDatasheetParams{}, "Name"},
		{"long name", sp, apitable.CreateDatasheetParams{Name: strings.Repeat("a", 101)}, "Name"},
		{"long description", sp, apitable.CreateDatasheetParams{Name: "x", Description: strings.Repeat("a", 501)}, "Description"},
		{"bad folder", sp, apitable.CreateDatasheetParams{Name: "x", FolderID: "fod/1"}, "FolderID"},
		{"bad pre node", sp, apitable.CreateDatasheetParams{Name: "x", PreNodeID: "dst%1"}, "PreNodeID"},
		{"too many fields", sp, apitable.CreateDatasheetParams{Name: "x", Fields: many}, "Fields"},
		{"field without name", sp, apitable.CreateDatasheetParams{Name: "x", Fields: []apitable.CreateFieldParams{text("a"), text("")}}, "Fields[1].Name"},
		{"long field name", sp, apitable.CreateDatasheetParams{Name: "x", Fields: []apitable.CreateFieldParams{text(strings.Repeat("b", 101))}}, "Fields[0].Name"},
		{"duplicate field names", sp, apitable.CreateDatasheetParams{Name: "x", Fields: []apitable.CreateFieldParams{text("a"), text("b"), text("a")}}, "Fields[2].Name"},
		{"field without property", sp, apitable.CreateDatasheetParams{Name: "x", Fields: []apitable.CreateFieldParams{{Name: "a"}}}, "Fields[0].Property"},
		{"bad field property", sp, apitable.CreateDatasheetParams{Name: "x", Fields: []apitable.CreateFieldParams{text("a"), {Name: "n", Property: apitable.NumberField{Precision: -1}}}}, "Fields[1].Property.Precision"},
		{"primary cannot be checkbox", sp, apitable.CreateDatasheetParams{Name: "x", Fields: []apitable.CreateFieldParams{{Name: "c", Property: apitable.CheckboxField{Icon: "star"}}}}, "Fields[0].Property"},
		{"primary cannot be a link", sp, apitable.CreateDatasheetParams{Name: "x", Fields: []apitable.CreateFieldParams{{Name: "c", Property: apitable.TwoWayLinkField{ForeignDatasheetID: "dst1"}}}}, "Fields[0].Property"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := c.Datasheets.Create(t.Context(), tt.space, tt.p)
			wantValidation(t, err, tt.field)
		})
	}
	t.Cleanup(func() { assert.Empty(t, srv.Requests()) })
}

func TestMetaErrorsThroughWrappers(t *testing.T) {
	t.Parallel()
	srv, c := metaServer(t)
	ds := plainSheet(t, srv, "T")
	_, err := c.Fields.Create(t.Context(), srv.SpaceID(), ds.ID, apitable.CreateFieldParams{Name: "Name", Property: apitable.TextField{}})
	wrapped := errors.Join(errors.New("context"), err)
	var ae *apitable.APIError
	require.ErrorAs(t, wrapped, &ae)
	assert.ErrorIs(t, wrapped, apitable.ErrInvalidRequest)
	assert.NotErrorIs(t, wrapped, apitable.ErrDatasheetNotFound)
}

func TestFieldWritesNeedManagePermission(t *testing.T) {
	t.Parallel()
	srv, c := metaServer(t)
	sp := srv.SpaceID()
	ds := plainSheet(t, srv, "T")
	srv.SetPermission(ds.ID, apitabletest.RoleEditor)
	_, err := c.Fields.Create(t.Context(), sp, ds.ID, apitable.CreateFieldParams{Name: "New", Property: apitable.TextField{}})
	_ = wantAPIError(t, err, apitable.ErrNodePermission, 602, "Operation denied")
	err = c.Fields.Delete(t.Context(), sp, ds.ID, ds.FieldIDs["Age"], nil)
	_ = wantAPIError(t, err, apitable.ErrNodePermission, 602, "Operation denied")
	// Reading fields and views still works for an editor.
	_, err = c.Fields.List(t.Context(), ds.ID, nil)
	require.NoError(t, err)
	srv.SetPermission(ds.ID, apitabletest.RoleNone)
	_, err = c.Fields.List(t.Context(), ds.ID, nil)
	_ = wantAPIError(t, err, apitable.ErrNodePermission, 601, "Access denied")
	_, err = c.Views.List(t.Context(), ds.ID)
	require.NoError(t, err, "list views does not check node permission (server-behaviour.md §6.8)")
}

// allFieldTypes is every FieldType constant.
var allFieldTypes = []apitable.FieldType{
	apitable.FieldSingleText, apitable.FieldText, apitable.FieldNumber, apitable.FieldCurrency,
	apitable.FieldPercent, apitable.FieldRating, apitable.FieldCheckbox, apitable.FieldSingleSelect,
	apitable.FieldMultiSelect, apitable.FieldDateTime, apitable.FieldAttachment, apitable.FieldURL,
	apitable.FieldEmail, apitable.FieldPhone, apitable.FieldMember, apitable.FieldMagicLink,
	apitable.FieldTwoWayLink, apitable.FieldOneWayLink, apitable.FieldMagicLookUp, apitable.FieldFormula,
	apitable.FieldAutoNumber, apitable.FieldCreatedTime, apitable.FieldLastModifiedTime,
	apitable.FieldCreatedBy, apitable.FieldLastModifiedBy, apitable.FieldCascader, apitable.FieldButton,
	apitable.FieldWorkDoc, apitable.FieldNotSupport,
}

// allCreateInputs is one create input per creatable field type.
var allCreateInputs = []apitable.FieldPropertyInput{
	apitable.SingleTextField{}, apitable.TextField{}, apitable.NumberField{}, apitable.CurrencyField{},
	apitable.PercentField{}, apitable.RatingField{}, apitable.CheckboxField{}, apitable.SingleSelectField{},
	apitable.MultiSelectField{}, apitable.DateTimeField{}, apitable.AttachmentField{}, apitable.URLField{},
	apitable.EmailField{}, apitable.PhoneField{}, apitable.MemberField{}, apitable.TwoWayLinkField{},
	apitable.OneWayLinkField{}, apitable.MagicLookUpField{}, apitable.FormulaField{}, apitable.AutoNumberField{},
	apitable.CreatedTimeField{}, apitable.LastModifiedTimeField{}, apitable.CreatedByField{},
	apitable.LastModifiedByField{}, apitable.CascaderField{}, apitable.WorkDocField{},
}

// propertyOf decodes a field of type ft with an empty property object.
func propertyOf(t *testing.T, ft apitable.FieldType) any {
	t.Helper()
	var f apitable.Field
	require.NoError(t, json.Unmarshal([]byte(`{"id":"fld1","name":"N","type":"`+string(ft)+`","property":{}}`), &f))
	return f.Property
}

// TestFieldTypeFacts walks every field type and checks that the facts
// declared about it agree with each other and with the naming scheme
// (Field<Stem>, <Stem>Property, <Stem>Field).
func TestFieldTypeFacts(t *testing.T) {
	t.Parallel()
	for _, ft := range allFieldTypes {
		t.Run(string(ft), func(t *testing.T) {
			t.Parallel()
			stem := string(ft.Canonical())
			assert.True(t, ft.Known())
			assert.NotEqual(t, apitable.ValueNone, ft.ValueKind(), "every known type has a value kind")
			if ft.IsComputed() {
				assert.True(t, ft.ReadOnly(), "computed implies read-only")
			}
			if ft.IsLink() {
				assert.False(t, ft.ReadOnly(), "links are writable")
				assert.Equal(t, apitable.ValueStrings, ft.ValueKind(), "link cells hold record ids")
			}
			if ft.CanBePrimary() {
				assert.False(t, ft.IsLink())
			}
			if ft.ReadOnly() && !ft.IsComputed() {
				assert.Contains(t, []apitable.FieldType{apitable.FieldWorkDoc, apitable.FieldButton, apitable.FieldNotSupport}, ft)
			}
			// The read-side property, when there is one, is <Stem>Property.
			if p := propertyOf(t, ft); p != nil {
				assert.Equal(t, "*apitable."+stem+"Property", fmt.Sprintf("%T", p))
			}
			// An alias has the facts of its canonical type.
			c := ft.Canonical()
			assert.Equal(t, c, c.Canonical())
			assert.Equal(t, ft == apitable.FieldMagicLink, c != ft)
			assert.Equal(t, []any{c.Known(), c.ReadOnly(), c.IsComputed(), c.IsLink(), c.CanBePrimary(), c.ValueKind()},
				[]any{ft.Known(), ft.ReadOnly(), ft.IsComputed(), ft.IsLink(), ft.CanBePrimary(), ft.ValueKind()})
		})
	}
	unknown := apitable.FieldType("Hologram")
	assert.False(t, unknown.Known())
	assert.False(t, unknown.ReadOnly() || unknown.IsComputed() || unknown.IsLink() || unknown.CanBePrimary())
	assert.Equal(t, apitable.ValueNone, unknown.ValueKind())
	assert.Nil(t, propertyOf(t, unknown))

	created := map[apitable.FieldType]bool{}
	for _, in := range allCreateInputs {
		ft := in.FieldType()
		assert.True(t, ft.Known(), "%T", in)
		assert.Equal(t, "apitable."+string(ft)+"Field", fmt.Sprintf("%T", in), "create input of %s", ft)
		assert.False(t, created[ft], "two create inputs for %s", ft)
		created[ft] = true
		// Every type created with a property object reads back a
		// <Stem>Property, except those whose property is not modelled.
		switch ft {
		case apitable.FieldText, apitable.FieldURL, apitable.FieldEmail, apitable.FieldPhone,
			apitable.FieldAttachment, apitable.FieldAutoNumber, apitable.FieldWorkDoc, apitable.FieldCascader:
			assert.Nil(t, propertyOf(t, ft), "%s takes no property", ft)
		default:
			assert.NotNil(t, propertyOf(t, ft), "%s has a create input but no property decoder", ft)
		}
	}
	for _, ft := range allFieldTypes {
		if !created[ft] {
			// MagicLink is created as TwoWayLink; Button and NotSupport
			// only through RawFieldProperty.
			assert.Contains(t, []apitable.FieldType{apitable.FieldMagicLink, apitable.FieldButton, apitable.FieldNotSupport}, ft)
		}
	}
}

// TestFieldValueKind: Formula and MagicLookUp fields resolve their value
// kind from the property's value type.
func TestFieldValueKind(t *testing.T) {
	t.Parallel()
	formula := func(vt string) *apitable.Field {
		return &apitable.Field{Type: apitable.FieldFormula, Property: &apitable.FormulaProperty{ValueType: vt}}
	}
	lookup := func(vt string) *apitable.Field {
		return &apitable.Field{Type: apitable.FieldMagicLookUp, Property: &apitable.MagicLookUpProperty{ValueType: vt}}
	}
	tests := []struct {
		f    *apitable.Field
		want apitable.ValueKind
	}{
		{formula("String"), apitable.ValueText},
		{formula("Number"), apitable.ValueNumber},
		{formula("Boolean"), apitable.ValueBool},
		{formula("DateTime"), apitable.ValueTime},
		{formula("Array"), apitable.ValueStrings},
		{formula(""), apitable.ValueComputed},
		{&apitable.Field{Type: apitable.FieldFormula}, apitable.ValueComputed},
		{lookup("Number"), apitable.ValueArray},
		{lookup("Boolean"), apitable.ValueArray},
		{lookup("DateTime"), apitable.ValueArray},
		{lookup("String"), apitable.ValueStrings},
		{&apitable.Field{Type: apitable.FieldMagicLookUp}, apitable.ValueStrings},
		{&apitable.Field{Type: apitable.FieldAutoNumber}, apitable.ValueInteger},
		{&apitable.Field{Type: apitable.FieldMagicLink}, apitable.ValueStrings},
		{&apitable.Field{Type: "Hologram"}, apitable.ValueNone},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.f.ValueKind(), "%s %v", tt.f.Type, tt.f.Property)
	}
	assert.Equal(t, "text", apitable.ValueText.String())
	assert.Equal(t, "ValueKind(99)", apitable.ValueKind(99).String())
}
