package apitabletest

import (
	"fmt"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

func titles(r resp, key string) []string {
	var out []string
	for _, rec := range r.records() {
		f := rec["fields"].(map[string]any)
		s, _ := f[key].(string)
		out = append(out, s)
	}
	return out
}

func TestListRecordsParams(t *testing.T) {
	t.Parallel()
	s := NewServer(t, WithoutRateLimit())
	ds := taskSheet(t, s)
	ids := ds.RecordIDs
	p := recordsPath(ds)
	open := ds.ViewIDs[1]
	tests := []struct {
		name  string
		query string
		want  []string
		total int
	}{
		{"default order", "", []string{"one", "two", "three"}, 3},
		{"view filter+sort", "viewId=" + open, []string{"three", "one"}, 2},
		{"sort indexed desc", "sort[0][field]=Count&sort[0][order]=DESC", []string{"three", "two", "one"}, 3},
		{"sort unindexed", "sort[][field]=Title&sort[][order]=asc", []string{"one", "three", "two"}, 3},
		{"sort json", url.Values{"sort": {`{"field":"Count","order":"desc"}`}}.Encode(), []string{"three", "two", "one"}, 3},
		{"sort json two", url.Values{"sort": {`{"field":"Status","order":"asc"},{"field":"Count","order":"desc"}`}}.Encode(), []string{"three", "one", "two"}, 3},
		{"sort other order asc", "sort[0][field]=Count&sort[0][order]=weird", []string{"one", "two", "three"}, 3},
		{"recordIds repeated", "recordIds=" + ids[2] + "&recordIds=" + ids[0], []string{"three", "one"}, 2},
		{"recordIds comma", "recordIds=" + ids[2] + "," + ids[0] + ",recUnknown123", []string{"three", "one"}, 2},
		{"recordIds brackets", "recordIds[]=" + ids[1] + "&recordIds[]=" + ids[0], []string{"two", "one"}, 2},
		{"recordIds with view keeps filter, not view sort", "viewId=" + open + "&recordIds=" + ids[0] + "," + ids[1] + "," + ids[2], []string{"one", "three"}, 2},
		{"maxRecords", "maxRecords=2", []string{"one", "two"}, 2},
		{"maxRecords below page", "maxRecords=1&pageSize=2", []string{"one"}, 1},
		{"page 2", "pageSize=2&pageNum=2", []string{"three"}, 3},
		{"exact multiple last page", "pageSize=1&pageNum=3", []string{"three"}, 3},
		{"past the end", "pageSize=2&pageNum=3", nil, 3},
		{"pageSize -1", "pageSize=-1", []string{"one", "two", "three"}, 3},
		{"formula", url.Values{"filterByFormula": {`{Count} >= 2`}}.Encode(), []string{"two", "three"}, 2},
		{"formula and view", "viewId=" + open + "&" + url.Values{"filterByFormula": {`{Count} < 3`}}.Encode(), []string{"one"}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := call(t, s, "GET", p+"?"+tc.query, nil)
			wantOK(t, r, 200)
			if got := titles(r, "Title"); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("titles = %v, want %v", got, tc.want)
			}
			d := r.data()
			if int(d["total"].(float64)) != tc.total || int(d["pageSize"].(float64)) != len(tc.want) {
				t.Errorf("total/pageSize = %v/%v", d["total"], d["pageSize"])
			}
		})
	}
}

func TestListRecordsErrors(t *testing.T) {
	t.Parallel()
	s := NewServer(t, WithoutRateLimit())
	ds := taskSheet(t, s)
	p := recordsPath(ds)
	tests := []struct {
		name, query  string
		status, code int
		msg          any
	}{
		{"unknown view before DTO", "viewId=viwNope&pageSize=0", 200, 400, "The specified view does not exist"},
		{"pageSize 0", "pageSize=0", 200, 400, "pagesize value can't be smaller than 1"},
		{"pageSize abc", "pageSize=abc", 200, 400, "pagesize value can't be smaller than 1"},
		{"pageSize 1001", "pageSize=1001", 200, 400, "pagesize value can't be greater than 1000"},
		{"pageNum 0", "pageNum=0", 200, 400, "pageNum value can't be smaller than 1"},
		{"maxRecords 0", "maxRecords=0", 200, 400, "maxRecords value can't be smaller than 1"},
		{"cellFormat", "cellFormat=xml", 200, 400, `cellFormat value only supports "string" or "id"`},
		{"fieldKey", "fieldKey=x", 200, 400, `Invalid fieldKey (only supports "id" or "name")`},
		{"two DTO failures", "pageSize=0&pageNum=0", 500, 500, []string{"api_params_pagesize_min_error", "api_params_pagenum_min_error"}},
		{"json sort bad order", url.Values{"sort": {`{"field":"Title","order":"DESC"}`}}.Encode(), 500, 500, []string{"sort.0.api_params_invalid_order_sort"}},
		{"bracket sort no order", "sort[0][field]=Title", 500, 500, "Cannot read properties of undefined (reading 'toLowerCase')"},
		{"two unindexed sorts", "sort[][field]=Title&sort[][order]=asc&sort[][field]=Count&sort[][order]=desc", 200, 400, `The sorted field "Title,Count" does not exist`},
		{"unknown sort field", "sort[0][field]=Nope&sort[0][order]=asc", 200, 400, `The sorted field "Nope" does not exist`},
		{"sort by name with fieldKey id", "fieldKey=id&sort[0][field]=Title&sort[0][order]=asc", 200, 400, `The sorted field "Title" does not exist`},
		{"unknown fields", "fields=Title,Nope", 200, 400, "Invalid fields"},
		{"bad formula", url.Values{"filterByFormula": {`{Count} >`}}.Encode(), 200, 400, ""},
		{"formula unknown field", url.Values{"filterByFormula": {`{Nope} = 1`}}.Encode(), 200, 400, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			wantErr(t, call(t, s, "GET", p+"?"+tc.query, nil), tc.status, tc.code, tc.msg)
		})
	}
}

func TestListRecordsFieldsAndFormats(t *testing.T) {
	t.Parallel()
	s := NewServer(t, WithoutRateLimit())
	ds := taskSheet(t, s)
	p := recordsPath(ds)

	// fields= variants.
	for _, q := range []string{"fields=Title,Count", "fields=Title&fields=Count", "fields[]=Title&fields[]=Count"} {
		r := call(t, s, "GET", p+"?"+q, nil)
		f := r.records()[0]["fields"].(map[string]any)
		if len(f) != 2 || f["Title"] != "one" || f["Count"] != 1.0 {
			t.Errorf("%s: %v", q, f)
		}
		if !strings.Contains(string(r.raw), `"fields":{"Title":"one","Count":1}`) {
			t.Errorf("%s: field order: %s", q, r.raw)
		}
	}
	// Bracket form keeps commas: "Title,Count" is one unknown field.
	wantErr(t, call(t, s, "GET", p+"?fields[]=Title,Count", nil), 200, 400, "Invalid fields")

	// fieldKey=id, hidden field of a view, timestamps, empty cells omitted.
	r := call(t, s, "GET", p+"?fieldKey=id&viewId="+ds.ViewIDs[1], nil)
	rec := r.records()[1] // "one" after the view's desc sort
	f := rec["fields"].(map[string]any)
	if f[ds.FieldIDs["Title"]] != "one" || f["Title"] != nil {
		t.Errorf("fieldKey=id: %v", f)
	}
	if _, ok := f[ds.FieldIDs["Ratio"]]; ok {
		t.Errorf("hidden field returned")
	}
	if _, ok := f[ds.FieldIDs["Done"]]; ok {
		t.Errorf("unchecked checkbox present")
	}
	if rec["createdAt"].(float64) < 1e12 || rec["updatedAt"].(float64) < 1e12 {
		t.Errorf("timestamps: %v", rec)
	}

	// cellFormat=string.
	r = call(t, s, "GET", p+"?cellFormat=string", nil)
	recs := r.records()
	one := recs[0]["fields"].(map[string]any)
	two := recs[1]["fields"].(map[string]any)
	three := recs[2]["fields"].(map[string]any)
	checks := []struct {
		got, want any
	}{
		{one["Count"], "1.0"}, {one["Status"], "Todo"}, {one["Done"], "0"}, {two["Done"], "1"},
		{two["Ratio"], "50%"}, {three["Tags"], "a, b"}, {three["Due"], "2021-01-01"},
	}
	for i, c := range checks {
		if c.got != c.want {
			t.Errorf("string check %d: got %v, want %v", i, c.got, c.want)
		}
	}

	// Empty table.
	empty := s.AddDatasheet(s.SpaceID(), DatasheetSpec{Name: "Empty", Fields: []FieldSpec{{Name: "T", Type: "SingleText"}}})
	r = call(t, s, "GET", recordsPath(empty), nil)
	if d := r.data(); d["total"] != 0.0 || d["pageSize"] != 0.0 || d["pageNum"] != 1.0 || len(d["records"].([]any)) != 0 {
		t.Errorf("empty: %s", r.raw)
	}
}

func TestCreateRecords(t *testing.T) {
	t.Parallel()
	s := NewServer(t, WithoutRateLimit())
	ds := taskSheet(t, s)
	p := recordsPath(ds)
	r := call(t, s, "POST", p, `{"records":[{"fields":{"Title":"new","Status":"Blocked","Tags":["b","zz",""],"Nope":1,"Count":null}},{"fields":{"Title":"second"}}]}`)
	wantOK(t, r, 201)
	recs := r.records()
	if len(recs) != 2 || titles(r, "Title")[0] != "new" || titles(r, "Title")[1] != "second" {
		t.Fatalf("create response: %s", r.raw)
	}
	if _, has := recs[0]["createdAt"]; has {
		t.Errorf("create response has createdAt (server-behaviour.md §6.2)")
	}
	f := recs[0]["fields"].(map[string]any)
	if f["Status"] != "Blocked" || !reflect.DeepEqual(f["Tags"], []any{"b", "zz"}) || f["Nope"] != nil {
		t.Errorf("fields: %v", f)
	}
	// Options were auto-created with new ids and next colors.
	fr := call(t, s, "GET", "/fusion/v1/datasheets/"+ds.ID+"/fields", nil)
	var status map[string]any
	for _, x := range fr.data()["fields"].([]any) {
		if x.(map[string]any)["name"] == "Status" {
			status = x.(map[string]any)
		}
	}
	opts := status["property"].(map[string]any)["options"].([]any)
	last := opts[len(opts)-1].(map[string]any)
	if len(opts) != 3 || last["name"] != "Blocked" || !strings.HasPrefix(last["id"].(string), "opt") || len(last["id"].(string)) != 13 ||
		last["color"].(map[string]any)["name"] != "indigo_0" && last["color"].(map[string]any)["name"] != "blue_0" {
		t.Errorf("options: %v", opts)
	}
	if got := s.Records(ds.ID); len(got) != 5 || got[3].Fields["Title"] != "new" {
		t.Errorf("stored: %v", got)
	}
	// fieldKey=id from the body; a query fieldKey is ignored.
	r = call(t, s, "POST", p+"?fieldKey=name", fmt.Sprintf(`{"fieldKey":"id","records":[{"fields":{%q:"byid","Title":"dropped"}}]}`, ds.FieldIDs["Title"]))
	wantOK(t, r, 201)
	if f := r.records()[0]["fields"].(map[string]any); f[ds.FieldIDs["Title"]] != "byid" {
		t.Errorf("fieldKey id: %s", r.raw)
	}
}

func TestWriteErrors(t *testing.T) {
	t.Parallel()
	s := NewServer(t, WithoutRateLimit(), WithMaxRows(5))
	other := taskSheet(t, s)
	asset := s.AddAttachment(s.SpaceID(), "a.txt", "text/plain", []byte("hello"))
	ds := s.AddDatasheet(s.SpaceID(), DatasheetSpec{
		Name: "All",
		Fields: []FieldSpec{
			{Name: "T", Type: "SingleText"},
			{Name: "Txt", Type: "Text"},
			{Name: "Mail", Type: "Email"},
			{Name: "Ph", Type: "Phone"},
			{Name: "U", Type: "URL"},
			{Name: "N", Type: "Number"},
			{Name: "Cur", Type: "Currency"},
			{Name: "Pct", Type: "Percent"},
			{Name: "R", Type: "Rating", Property: map[string]any{"max": 5, "icon": "star"}},
			{Name: "C", Type: "Checkbox"},
			{Name: "D", Type: "DateTime"},
			{Name: "S", Type: "SingleSelect"},
			{Name: "M", Type: "MultiSelect"},
			{Name: "Mem", Type: "Member"},
			{Name: "L", Type: "TwoWayLink", Property: map[string]any{"foreignDatasheetId": other.ID, "limitSingleRecord": true}},
			{Name: "A", Type: "Attachment"},
			{Name: "F", Type: "Formula", Property: map[string]any{"expression": "{N} * 2"}},
			{Name: "Auto", Type: "AutoNumber"},
			{Name: "CT", Type: "CreatedTime"},
			{Name: "LMT", Type: "LastModifiedTime"},
			{Name: "CB", Type: "CreatedBy"},
			{Name: "LMB", Type: "LastModifiedBy"},
			{Name: "WD", Type: "WorkDoc"},
			{Name: "Btn", Type: "Button"},
			{Name: "LU", Type: "MagicLookUp", Property: map[string]any{"relatedLinkFieldId": "L", "targetFieldId": "Title"}},
		},
		Records: []map[string]any{{"T": "seed"}},
	})
	p := recordsPath(ds)
	one := func(fields string) string { return `{"records":[{"fields":{` + fields + `}}]}` }
	tests := []struct {
		name, body   string
		status, code int
		msg          any
	}{
		{"SingleText", one(`"T":1`), 200, 400, "field:T Single Select field value must be string"},
		{"Text", one(`"Txt":1`), 200, 400, "field:Txt Text field value must be string"},
		{"Email", one(`"Mail":1`), 200, 400, "field:Mail Email field value must be string"},
		{"Phone", one(`"Ph":1`), 200, 400, "field:Ph Phone field value must be string"},
		{"URL number", one(`"U":1`), 200, 400, "field:U URL field value must be string"},
		{"URL no text", one(`"U":{"title":"x"}`), 200, 400, "U must contain text keys"},
		{"Number", one(`"N":"1"`), 200, 400, "field:N Number field value must be a number"},
		{"Currency", one(`"Cur":"1"`), 200, 400, "field:Cur Currency field value must be a number"},
		{"Percent", one(`"Pct":true`), 200, 400, "field:Pct Percent field value must be a number"},
		{"Rating type", one(`"R":"1"`), 200, 400, "field:R Rating field value must be a number"},
		{"Rating max", one(`"R":6`), 200, 400, "Rating field value can't be greater than 5 (only supports 0, 1, 2, 3, 4, or 5)"},
		{"Rating min", one(`"R":-1`), 200, 400, "Rating field value can't be smaller than 0 (only supports 0, 1, 2, 3, 4, or 5)"},
		{"Checkbox", one(`"C":"true"`), 200, 400, "field:C Checkbox field value must be boolean"},
		{"DateTime", one(`"D":"not a date"`), 200, 400, "field:D Date field value must be a UTC or timestamp"},
		{"SingleSelect", one(`"S":["a"]`), 200, 400, "field:S Single Select field value must be string"},
		{"MultiSelect", one(`"M":"a"`), 200, 400, "field:M Multiple Select field value must be array"},
		{"MultiSelect item", one(`"M":[1]`), 200, 400, "field:M Multiple Select field value must be string"},
		{"Member not array", one(`"Mem":{}`), 200, 400, "field:Mem Member field value must be array"},
		{"Member too many", one(`"Mem":[{"name":"a","type":"Member"},{"name":"b","type":"Member"}]`), 200, 400, "The Member field was set to receive one unit only"},
		{"Member id type", one(`"Mem":[{"id":1}]`), 200, 400, "field:Mem Member ID must be string\n"},
		{"Member no name", one(`"Mem":[{"type":"Member"}]`), 200, 400, "Member name can't be null"},
		{"Member no type", one(`"Mem":[{"name":"x"}]`), 200, 400, "Member type can't be null"},
		{"Member unknown id", one(`"Mem":[{"id":"123"}]`), 200, 400, "The unit specified by the unit ID does not exist"},
		{"Member unknown name", one(`"Mem":[{"name":"Ghost","type":"Member"}]`), 200, 400, "The unit specified by the unit Name does not exist"},
		{"Link not array", one(`"L":"rec"`), 200, 400, "field:L Link field value must be array"},
		{"Link empty", one(`"L":[]`), 200, 400, "field:L recordId value can't be empty array or null"},
		{"Link single", one(`"L":["a","b"]`), 200, 400, "field:L The Link field was set to receive one recordId only"},
		{"Link unknown", one(`"L":["recNope"]`), 200, 400, "The linked field specifies a record (recNope) that does not exist"},
		{"Attachment not array", one(`"A":{}`), 200, 400, "Attachment type must be array"},
		{"Attachment no token", one(`"A":[{"name":"x"}]`), 200, 400, "Attachment token can't be null"},
		{"Attachment no name", one(`"A":[{"token":"x"}]`), 200, 400, "Attachment name can't be null"},
		{"Attachment token type", one(`"A":[{"token":1,"name":"x"}]`), 200, 400, "Attachment token must be string"},
		{"Attachment unknown", one(`"A":[{"token":"space/x","name":"x"}]`), 200, 400, "The attachment specified by the token does not exist"},
		{"Formula", one(`"F":null`), 200, 400, "Formula field can't be edited"},
		{"Lookup", one(`"LU":1`), 200, 400, "Lookup field can't be edited"},
		{"AutoNumber", one(`"Auto":1`), 200, 400, "Autonumber field can't be edited"},
		{"CreatedTime", one(`"CT":1`), 200, 400, "Created Time field can't be edited"},
		{"LastModifiedTime", one(`"LMT":1`), 200, 400, "Last Edited Time field can't be edited"},
		{"CreatedBy", one(`"CB":1`), 200, 400, "Created By field can't be edited"},
		{"LastModifiedBy", one(`"LMB":1`), 200, 400, "Last Edited By field can't be edited"},
		{"WorkDoc", one(`"WD":[]`), 200, 400, "WorkDoc field can't be edited"},
		{"Button null", one(`"Btn":null`), 500, 500, "Cannot read properties of undefined (reading 'throwException')"},
		{"no known fields", one(`"Nope":1`), 200, 400, "The format of the fields parameter value is wrong"},
		{"empty fields", one(``), 200, 400, "The format of the fields parameter value is wrong"},
		{"records empty", `{"records":[]}`, 200, 400, "records value can't be empty array or null "},
		{"records missing", `{}`, 200, 400, "records value can't be empty array or null "},
		{"fieldKey bad", `{"fieldKey":"x","records":[{"fields":{"T":"a"}}]}`, 200, 400, `Invalid fieldKey (only supports "id" or "name")`},
		{"record without fields", `{"records":[{"fields":{"T":"a"}},{}]}`, 500, 500, []string{"records.1.api_params_instance_fields_error"}},
		{"record not object", `{"records":[1]}`, 500, 500, []string{"records.nested property records must be either object or array"}},
		{"first bad cell wins", one(`"N":"x","T":1`), 200, 400, "field:N Number field value must be a number"},
		{"too many", `{"records":[` + strings.Repeat(`{"fields":{"T":"a"}},`, 10) + `{"fields":{"T":"a"}}]}`, 200, 400, "Can't update/delete/create more than $10  records in one single request"},
		{"row cap", `{"records":[` + strings.Repeat(`{"fields":{"T":"a"}},`, 4) + `{"fields":{"T":"a"}}]}`, 500, 304, "the usage of this function exceed the 50000 records limit of beta version"},
		{"view", `{"records":[{"fields":{"T":"a"}}]}`, 200, 400, "View (viwNope) does not exist"},
	}
	for _, tc := range tests { //nolint:paralleltest // the checks after the loop share the server and must run after these subtests
		t.Run(tc.name, func(t *testing.T) {
			path := p
			if tc.name == "view" {
				path += "?viewId=viwNope"
			}
			wantErr(t, call(t, s, "POST", path, tc.body), tc.status, tc.code, tc.msg)
		})
	}
	// fieldKey=id labels cell errors with the id.
	wantErr(t, call(t, s, "POST", p, fmt.Sprintf(`{"fieldKey":"id","records":[{"fields":{%q:"x"}}]}`, ds.FieldIDs["N"])), 200, 400,
		"field:"+ds.FieldIDs["N"]+" Number field value must be a number")
	if n := len(s.Records(ds.ID)); n != 1 {
		t.Fatalf("failed writes changed the table: %d records", n)
	}

	// A valid write of every editable type, then computed fields.
	mem := s.AddMember(s.SpaceID(), "Bob")
	body := fmt.Sprintf(`{"records":[{"fields":{"T":"all","Txt":"t","U":"https://x.test","N":21,"R":3,"C":true,"D":1700000000000,"S":"s1","M":["m1","m2"],"Mem":[{"id":%q}],"L":[%q],"A":[{"token":%q,"name":"a.txt"}]}}]}`,
		mem, other.RecordIDs[0], asset)
	r := call(t, s, "POST", p, body)
	wantOK(t, r, 201)
	f := r.records()[0]["fields"].(map[string]any)
	if f["F"] != 42.0 || f["Auto"] != 2.0 || f["CT"] == nil || f["LMT"] == nil ||
		f["CB"].(map[string]any)["id"] != userID || f["LMB"].(map[string]any)["name"] != userName {
		t.Errorf("computed: %v", f)
	}
	if !reflect.DeepEqual(f["LU"], []any{"one"}) || !reflect.DeepEqual(f["L"], []any{other.RecordIDs[0]}) {
		t.Errorf("link/lookup: %v %v", f["L"], f["LU"])
	}
	if u := f["U"].(map[string]any); u["text"] != "https://x.test" || u["title"] != "https://x.test" || u["favicon"] != "" {
		t.Errorf("url: %v", u)
	}
	if m := f["Mem"].([]any)[0].(map[string]any); m["id"] != mem || m["name"] != "Bob" || m["type"] != "Member" {
		t.Errorf("member: %v", m)
	}
	if a := f["A"].([]any)[0].(map[string]any); a["token"] != asset || a["size"] != 5.0 || a["mimeType"] != "text/plain" || !strings.HasPrefix(a["id"].(string), "atc") {
		t.Errorf("attachment: %v", a)
	}
	// Two-way link: the sibling field in the other datasheet got the id back.
	newID := r.records()[0]["recordId"].(string)
	back := s.Records(other.ID)[0].Fields["All"]
	if !reflect.DeepEqual(back, []any{newID}) {
		t.Errorf("sibling link: %v", back)
	}
}

func TestUpdateAndDelete(t *testing.T) {
	t.Parallel()
	s := NewServer(t, WithoutRateLimit())
	ds := taskSheet(t, s)
	p := recordsPath(ds)
	ids := ds.RecordIDs
	for _, method := range []string{"PATCH", "PUT"} {
		r := call(t, s, method, p, fmt.Sprintf(`{"records":[{"recordId":%q,"fields":{"Count":7,"Tags":null}},{"recordId":%q,"fields":{"Title":"ONE"}},{"recordId":%q,"fields":{"Count":8}}]}`, ids[0], ids[0], ids[1]))
		wantOK(t, r, 200)
		recs := r.records()
		if len(recs) != 2 || recs[0]["recordId"] != ids[0] || recs[1]["recordId"] != ids[1] {
			t.Fatalf("%s response: %s", method, r.raw)
		}
		f := recs[0]["fields"].(map[string]any)
		if f["Count"] != 7.0 || f["Title"] != "ONE" || f["Tags"] != nil || recs[0]["updatedAt"] == nil {
			t.Errorf("%s fields: %v", method, f)
		}
	}
	errTests := []struct {
		name, method, query, body string
		status, code              int
		msg                       any
	}{
		{"patch empty", "PATCH", "", `{"records":[]}`, 200, 400, "{property} should not be empty"},
		{"patch fieldKey", "PATCH", "", `{"fieldKey":"x","records":[{"recordId":"` + ids[0] + `","fields":{"Title":"a"}}]}`, 200, 400, "Invalid value for {property}"},
		{"patch no recordId", "PATCH", "", `{"records":[{"fields":{"Title":"a"}}]}`, 500, 500, []string{"records.0.api_params_instance_recordid_error"}},
		{"patch unknown record", "PATCH", "", `{"records":[{"recordId":"recNope","fields":{"Title":"a"}}]}`, 200, 400, "The record specified by the recordId does not exist"},
		{"patch unknown view", "PATCH", "?viewId=viwX", `{"records":[{"recordId":"` + ids[0] + `","fields":{"Title":"a"}}]}`, 200, 400, "View (viwX) does not exist"},
		{"delete no ids", "DELETE", "", "", 200, 400, "recordIds should not be empty"},
		{"delete empty ids", "DELETE", "?recordIds=", "", 200, 400, "recordIds should not be empty"},
		{"delete unknown", "DELETE", "?recordIds=" + ids[0] + ",recNope", "", 200, 400, "The record specified by the recordId does not exist"},
		{"delete 11", "DELETE", "?recordIds=" + strings.Repeat(ids[0]+",", 10) + ids[0], "", 200, 400, "Can't update/delete/create more than $10  records in one single request"},
	}
	for _, tc := range errTests { //nolint:paralleltest // the DELETE after the loop removes a record these subtests use
		t.Run(tc.name, func(t *testing.T) {
			var body any
			if tc.body != "" {
				body = tc.body
			}
			wantErr(t, call(t, s, tc.method, p+tc.query, body), tc.status, tc.code, tc.msg)
		})
	}
	// Duplicates after the count check are fine.
	wantOK(t, call(t, s, "DELETE", p+"?recordIds="+ids[0]+","+ids[0], nil), 200)
	if got := s.Records(ds.ID); len(got) != 2 || got[0].ID != ids[1] {
		t.Fatalf("after delete: %v", got)
	}
	wantErr(t, call(t, s, "PATCH", p, fmt.Sprintf(`{"records":[{"recordId":%q,"fields":{"Title":"gone"}}]}`, ids[0])), 200, 400, "The record specified by the recordId does not exist")
}

func TestIDsAndMeta(t *testing.T) {
	t.Parallel()
	s := NewServer(t, WithoutRateLimit())
	ds := taskSheet(t, s)
	check := func(id, prefix string, n int) {
		t.Helper()
		if !strings.HasPrefix(id, prefix) || len(id) != n {
			t.Errorf("id %q: want %s + %d chars", id, prefix, n-3)
		}
	}
	check(s.SpaceID(), "spc", 13)
	check(ds.ID, "dst", 18)
	check(ds.ViewIDs[0], "viw", 13)
	check(ds.RecordIDs[0], "rec", 13)
	check(ds.FieldIDs["Title"], "fld", 13)
	// Deterministic per server.
	s2 := NewServer(t)
	if s2.SpaceID() != s.SpaceID() || taskSheet(t, s2).ID != ds.ID {
		t.Errorf("ids not deterministic")
	}

	r := call(t, s, "GET", "/fusion/v1/spaces", nil)
	if sp := r.data()["spaces"].([]any)[0].(map[string]any); sp["id"] != s.SpaceID() || sp["isAdmin"] != true {
		t.Errorf("spaces: %s", r.raw)
	}
	r = call(t, s, "GET", "/fusion/v1/datasheets/"+ds.ID+"/fields?viewId="+ds.ViewIDs[1], nil)
	fields := r.data()["fields"].([]any)
	first := fields[0].(map[string]any)
	if len(fields) != 6 || first["isPrimary"] != true || first["type"] != "SingleText" || first["editable"] != true {
		t.Errorf("fields: %s", r.raw)
	}
	r = call(t, s, "GET", "/fusion/v1/datasheets/"+ds.ID+"/views", nil)
	if v := r.data()["views"].([]any); len(v) != 2 || v[1].(map[string]any)["name"] != "Open" || v[1].(map[string]any)["type"] != "Grid" {
		t.Errorf("views: %s", r.raw)
	}
	r = call(t, s, "GET", "/fusion/v1/spaces/"+s.SpaceID()+"/nodes", nil)
	if n := r.data()["nodes"].([]any); len(n) != 1 || n[0].(map[string]any)["id"] != ds.ID || n[0].(map[string]any)["type"] != "Datasheet" {
		t.Errorf("nodes: %s", r.raw)
	}
	r = call(t, s, "GET", "/fusion/v1/nodes/"+ds.ID, nil)
	wantOK(t, r, 200)
	wantErr(t, call(t, s, "GET", "/fusion/v1/nodes/dstNopeNopeNopeNo", nil), 200, 301, "Can't find the specified datasheet")
	foreign := s.AddForeignSpace("other")
	wantErr(t, call(t, s, "GET", "/fusion/v1/spaces/"+foreign+"/nodes", nil), 403, 403,
		"The API token user does not belong to the space, please adjust spaceId or API token and try again")
	r = call(t, s, "GET", "/fusion/v2/spaces/"+s.SpaceID()+"/nodes?type=Datasheet&permissions=0,1", nil)
	if n := r.data()["nodes"].([]any); len(n) != 1 {
		t.Errorf("v2 search: %s", r.raw)
	}
	wantErr(t, call(t, s, "GET", "/fusion/v2/spaces/"+s.SpaceID()+"/nodes?type=Nope", nil), 200, 400,
		`The type must be one of the following values: "Folder", "Datasheet", "Form", "Dashboard", "Mirror".`)

	// Create field / datasheet.
	fp := "/fusion/v1/spaces/" + s.SpaceID() + "/datasheets/" + ds.ID + "/fields"
	wantOK(t, call(t, s, "POST", fp, `{"name":"Notes","type":"Text"}`), 201)
	wantErr(t, call(t, s, "POST", fp, `{"name":"Notes","type":"Text"}`), 200, 400, "name must be unique")
	wantErr(t, call(t, s, "POST", fp, `{"name":"X","type":"Text","property":{}}`), 200, 400, "Text not support set property")
	wantErr(t, call(t, s, "POST", fp, `{}`), 500, 500, []string{"name must be a string", "type must be a string"})
	wantErr(t, call(t, s, "POST", fp, `{"name":"X","type":"Bogus"}`), 200, 400, "Invalid value for type")
	r = call(t, s, "POST", "/fusion/v1/spaces/"+s.SpaceID()+"/datasheets", `{"name":"Fresh"}`)
	wantOK(t, r, 201)
	fresh := r.data()["id"].(string)
	if fs := r.data()["fields"].([]any); len(fs) != 3 || len(s.Records(fresh)) != 3 {
		t.Errorf("create datasheet: %s", r.raw)
	}
	wantErr(t, call(t, s, "POST", "/fusion/v1/spaces/"+s.SpaceID()+"/datasheets", `{"name":"B","fields":[{"name":"C","type":"Checkbox","property":{"icon":"star"}}]}`), 200, 400, "The primary field type can't be Checkbox")
	wantErr(t, call(t, s, "DELETE", fp+"/"+ds.FieldIDs["Title"], nil), 200, 400, "The primary field can't be deleted")
	wantOK(t, call(t, s, "DELETE", fp+"/"+ds.FieldIDs["Count"], nil), 200)
}
