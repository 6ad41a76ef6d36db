package apitable_test

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apitable-go/apitable"
)

var updateGolden = flag.Bool("update", false, "rewrite the recorded requests and results of testdata/golden from the current client")

type goldenCall func(ctx context.Context, c *apitable.Client) (any, error)

const (
	gDst = "dstGolden0001"
	gSpc = "spcGolden0001"
)

func gptr[T any](v T) *T { return &v }

// goldenCalls invokes one public method per fixture.
var goldenCalls = map[string]goldenCall{
	"records_list_default": func(ctx context.Context, c *apitable.Client) (any, error) {
		return c.Records.List(ctx, gDst, nil)
	},
	"records_list_params": func(ctx context.Context, c *apitable.Client) (any, error) {
		return c.Records.List(ctx, gDst, &apitable.ListRecordsParams{
			ViewID: "viwGolden0001", PageSize: 2, PageNum: 2, MaxRecords: 50,
			Sort:            []apitable.Sort{{Field: "Priority", Desc: true}, {Field: "Title"}},
			Fields:          []string{"Title", "Priority", "City, Country"},
			FilterByFormula: `AND({Priority} > 1, {Title} != "a&b=c")`,
			CellFormat:      apitable.CellFormatString,
		})
	},
	"records_list_field_key_id": func(ctx context.Context, c *apitable.Client) (any, error) {
		return c.Records.List(ctx, gDst, &apitable.ListRecordsParams{
			RecordIDs: []string{"recGolden0002", "recGolden0001"},
			Fields:    []string{"fldTitle00001"},
			Sort:      []apitable.Sort{{Field: "fldTitle00001"}},
			FieldKey:  apitable.FieldKeyID,
		})
	},
	"records_all_three_pages": func(ctx context.Context, c *apitable.Client) (any, error) {
		return goldenCollect(c.Records.All(ctx, gDst, &apitable.ListRecordsParams{PageSize: 2, FilterByFormula: "{Done}", Fields: []string{"Title"}}))
	},
	"records_all_one_page": func(ctx context.Context, c *apitable.Client) (any, error) {
		return goldenCollect(c.Records.All(ctx, gDst, nil))
	},
	"records_get_default": func(ctx context.Context, c *apitable.Client) (any, error) {
		return c.Records.Get(ctx, gDst, "recGolden0001", nil)
	},
	"records_get_params": func(ctx context.Context, c *apitable.Client) (any, error) {
		return c.Records.Get(ctx, gDst, "recGolden0001", &apitable.GetRecordParams{
			ViewID: "viwGolden0001", Fields: []string{"fldTitle00001"}, CellFormat: apitable.CellFormatJSON, FieldKey: apitable.FieldKeyID,
		})
	},
	"records_get_not_found": func(ctx context.Context, c *apitable.Client) (any, error) {
		return c.Records.Get(ctx, gDst, "recMissing001", nil)
	},
	"records_create_one": func(ctx context.Context, c *apitable.Client) (any, error) {
		return c.Records.Create(ctx, gDst, []apitable.Fields{{"Title": "Hello", "Count": 3}}, nil)
	},
	"records_create_typed_values": func(ctx context.Context, c *apitable.Client) (any, error) {
		return c.Records.Create(ctx, gDst, []apitable.Fields{{
			"Title":   "Typed",
			"Due":     time.Date(2024, 3, 1, 12, 30, 0, 0, time.UTC),
			"Files":   []apitable.Attachment{{Token: "space/2024/03/01/abc", Name: "a.png", Size: 10, URL: "https://x/a.png"}}, //nolint:gosec // G101: an attachment token in a fixture, not a credential
			"Owner":   []apitable.MemberRef{apitable.MemberByID("untGolden0001"), apitable.MemberByName("Ops", "Team")},
			"Creator": apitable.MemberByUnitID("1234567890"),
			"Site":    apitable.URL{Text: "https://example.com", Title: "Example"},
			"Tags":    []string{"a", "b"},
			"Done":    true,
			"Ratio":   0.25,
		}}, &apitable.CreateRecordsParams{ViewID: "viwGolden0001"})
	},
	"records_create_field_key_id": func(ctx context.Context, c *apitable.Client) (any, error) {
		return c.Records.Create(ctx, gDst, []apitable.Fields{{"fldTitle00001": "By id"}}, &apitable.CreateRecordsParams{FieldKey: apitable.FieldKeyID})
	},
	"records_create_key_fields": func(ctx context.Context, c *apitable.Client) (any, error) {
		return c.Records.Create(ctx, gDst, []apitable.Fields{{"Title": "k1", "Count": 1}}, &apitable.CreateRecordsParams{KeyFields: []string{"Title"}})
	},
	"records_create_key_fields_recovery": func(ctx context.Context, c *apitable.Client) (any, error) {
		return c.Records.Create(ctx, gDst, []apitable.Fields{{"Title": "k1", "Count": 1}, {"Title": "k2", "Count": 2}}, &apitable.CreateRecordsParams{KeyFields: []string{"Title"}})
	},
	"records_create_row_limit": func(ctx context.Context, c *apitable.Client) (any, error) {
		return c.Records.Create(ctx, gDst, []apitable.Fields{{"Title": "one too many"}}, nil)
	},
	"records_list_business_error": func(ctx context.Context, c *apitable.Client) (any, error) {
		return c.Records.List(ctx, "dstMissing001", nil)
	},
	"records_create_two_chunks": func(ctx context.Context, c *apitable.Client) (any, error) {
		return c.Records.Create(ctx, gDst, goldenNumbered(12), nil)
	},
	"records_update_one": func(ctx context.Context, c *apitable.Client) (any, error) {
		return c.Records.Update(ctx, gDst, []apitable.RecordUpdate{{ID: "recGolden0001", Fields: apitable.Fields{"Count": 4, "Tags": nil}}}, nil)
	},
	"records_update_field_key_id": func(ctx context.Context, c *apitable.Client) (any, error) {
		return c.Records.Update(ctx, gDst, []apitable.RecordUpdate{{ID: "recGolden0001", Fields: apitable.Fields{"fldTitle00001": "New"}}},
			&apitable.UpdateRecordsParams{FieldKey: apitable.FieldKeyID, ViewID: "viwGolden0001"})
	},
	"records_update_two_chunks": func(ctx context.Context, c *apitable.Client) (any, error) {
		var ups []apitable.RecordUpdate
		for i, f := range goldenNumbered(11) {
			ups = append(ups, apitable.RecordUpdate{ID: fmt.Sprintf("recGolden%04d", i+1), Fields: f})
		}
		return c.Records.Update(ctx, gDst, ups, nil)
	},
	"records_delete_two": func(ctx context.Context, c *apitable.Client) (any, error) {
		return nil, c.Records.Delete(ctx, gDst, []string{"recGolden0001", "recGolden0002"})
	},
	"records_delete_two_chunks": func(ctx context.Context, c *apitable.Client) (any, error) {
		var ids []string
		for i := 1; i <= 12; i++ {
			ids = append(ids, fmt.Sprintf("recGolden%04d", i))
		}
		return nil, c.Records.Delete(ctx, gDst, ids)
	},
	"records_upsert_mixed": func(ctx context.Context, c *apitable.Client) (any, error) {
		return c.Records.Upsert(ctx, gDst, []apitable.Fields{{"Title": "old", "Count": 2}, {"Title": "new", "Count": 5}}, []string{"Title"}, nil)
	},
	"records_upsert_field_key_id": func(ctx context.Context, c *apitable.Client) (any, error) {
		return c.Records.Upsert(ctx, gDst, []apitable.Fields{{"fldTitle00001": "old", "fldCount00001": 7}}, []string{"fldTitle00001"},
			&apitable.UpsertParams{FieldKey: apitable.FieldKeyID})
	},
	"fields_list_default": func(ctx context.Context, c *apitable.Client) (any, error) {
		return c.Fields.List(ctx, gDst, nil)
	},
	"fields_list_view": func(ctx context.Context, c *apitable.Client) (any, error) {
		return c.Fields.List(ctx, gDst, &apitable.ListFieldsParams{ViewID: "viwGolden0001"})
	},
	"fields_schema_cached": func(ctx context.Context, c *apitable.Client) (any, error) {
		if _, err := c.Fields.Schema(ctx, gDst); err != nil {
			return nil, err
		}
		sch, err := c.Fields.Schema(ctx, gDst)
		if err != nil {
			return nil, err
		}
		return sch.Fields(), nil
	},
	"fields_create_single_text": goldenCreateField("Title", apitable.SingleTextField{DefaultValue: "n/a"}),
	"fields_create_text":        goldenCreateField("Notes", apitable.TextField{}),
	"fields_create_number":      goldenCreateField("Count", apitable.NumberField{Precision: 2, Symbol: "kg"}),
	"fields_create_currency":    goldenCreateField("Price", apitable.CurrencyField{Symbol: "€", Precision: gptr(0), SymbolAlign: apitable.SymbolAlignLeft}),
	"fields_create_single_select": goldenCreateField("Status", apitable.SingleSelectField{
		Options: []apitable.SelectOptionInput{{Name: "Todo"}, {Name: "Done", ID: "optGolden0001", Color: gptr(12)}}, DefaultValue: "Todo",
	}),
	"fields_create_date_time": goldenCreateField("Due", apitable.DateTimeField{DateFormat: "YYYY-MM-DD", TimeFormat: "HH:mm", IncludeTime: true}),
	"fields_create_member":    goldenCreateField("Owner", apitable.MemberField{IsMulti: true}),
	"fields_create_link":      goldenCreateField("Parent", apitable.TwoWayLinkField{ForeignDatasheetID: "dstGolden0002", LimitSingleRecord: true}),
	"fields_create_formula":   goldenCreateField("Total", apitable.FormulaField{Expression: "{Count} * 2"}),
	"fields_create_checkbox":  goldenCreateField("Done", apitable.CheckboxField{Icon: "white_check_mark"}),
	"fields_create_rating":    goldenCreateField("Stars", apitable.RatingField{Icon: "star", Max: 5}),
	"fields_create_last_modified_time": goldenCreateField("Touched", apitable.LastModifiedTimeField{
		DateFormat: "YYYY/MM/DD", CollectType: apitable.CollectSpecifiedFields, FieldIDCollection: []string{"fldTitle00001"},
	}),
	"fields_create_lookup": goldenCreateField("Parent titles", apitable.MagicLookUpField{
		RelatedLinkFieldID: "fldParent0001", TargetFieldID: "fldTitle00002", RollupFunction: apitable.RollupValues, LookUpLimit: apitable.LookupLimitFirst,
	}),
	"fields_create_raw_property": goldenCreateField("Share", apitable.RawFieldProperty{Type: apitable.FieldPercent, Property: []byte(`{"precision":1}`)}),
	"fields_delete_default": func(ctx context.Context, c *apitable.Client) (any, error) {
		return nil, c.Fields.Delete(ctx, gSpc, gDst, "fldGolden0001", nil)
	},
	"fields_delete_conversion": func(ctx context.Context, c *apitable.Client) (any, error) {
		return nil, c.Fields.Delete(ctx, gSpc, gDst, "fldGolden0001", &apitable.DeleteFieldParams{Conversion: apitable.ConversionDelete})
	},
	"views_list_default": func(ctx context.Context, c *apitable.Client) (any, error) {
		return c.Views.List(ctx, gDst)
	},
	"datasheets_create_minimal": func(ctx context.Context, c *apitable.Client) (any, error) {
		return c.Datasheets.Create(ctx, gSpc, apitable.CreateDatasheetParams{Name: "Tasks"})
	},
	"datasheets_create_full": func(ctx context.Context, c *apitable.Client) (any, error) {
		return c.Datasheets.Create(ctx, gSpc, apitable.CreateDatasheetParams{
			Name: "Tasks", Description: "plain text", FolderID: "fodGolden0001", PreNodeID: "dstGolden0002",
			Fields: []apitable.CreateFieldParams{
				{Name: "Title", Property: apitable.SingleTextField{}},
				{Name: "Status", Property: apitable.SingleSelectField{Options: []apitable.SelectOptionInput{{Name: "Todo"}}}},
			},
		})
	},
	"attachments_upload_content_type": func(ctx context.Context, c *apitable.Client) (any, error) {
		return c.Attachments.Upload(ctx, gDst, "notes.txt", strings.NewReader("hello golden"), &apitable.UploadParams{ContentType: "text/markdown"})
	},
	"attachments_upload_detect": func(ctx context.Context, c *apitable.Client) (any, error) {
		return c.Attachments.Upload(ctx, gDst, `we"ird.gif`, strings.NewReader("GIF89a golden"), nil)
	},
	"attachments_upload_failed_with_201": func(ctx context.Context, c *apitable.Client) (any, error) {
		return c.Attachments.Upload(ctx, gDst, "a.txt", strings.NewReader("x"), nil)
	},
	"attachments_upload_many_two": func(ctx context.Context, c *apitable.Client) (any, error) {
		res, err := c.Attachments.UploadMany(ctx, gDst, []apitable.UploadFile{
			{Name: "a.txt", Reader: strings.NewReader("first")},
			{Name: "b.txt", Open: func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader("second")), nil }},
		})
		return res, err
	},
	"spaces_list_default": func(ctx context.Context, c *apitable.Client) (any, error) {
		return c.Spaces.List(ctx)
	},
	"nodes_list_default": func(ctx context.Context, c *apitable.Client) (any, error) {
		return c.Nodes.List(ctx, gSpc)
	},
	"nodes_get_folder": func(ctx context.Context, c *apitable.Client) (any, error) {
		return c.Nodes.Get(ctx, "fodGolden0001")
	},
	"nodes_search_params": func(ctx context.Context, c *apitable.Client) (any, error) {
		return c.Nodes.Search(ctx, gSpc, apitable.SearchNodesParams{Type: apitable.NodeDatasheet, Permissions: []apitable.Permission{0, 1}, Query: "Task & co"})
	},
	"nodes_search_type_only": func(ctx context.Context, c *apitable.Client) (any, error) {
		return c.Nodes.Search(ctx, gSpc, apitable.SearchNodesParams{Type: apitable.NodeFolder})
	},
	"nodes_list_embed_links_default": func(ctx context.Context, c *apitable.Client) (any, error) {
		return c.Nodes.ListEmbedLinks(ctx, gSpc, gDst)
	},
	"nodes_create_embed_link_payload": func(ctx context.Context, c *apitable.Client) (any, error) {
		return c.Nodes.CreateEmbedLink(ctx, gSpc, gDst, &apitable.CreateEmbedLinkParams{
			Payload: &apitable.EmbedPayload{
				PrimarySideBar: &apitable.EmbedSideBar{Collapsed: true},
				ViewControl:    &apitable.EmbedViewControl{ViewID: "viwGolden0001", TabBar: gptr(false), ToolBar: &apitable.EmbedToolBar{ShareBtn: gptr(true)}},
				PermissionType: "readOnly",
			},
			Theme: "dark",
		})
	},
	"nodes_create_embed_link_default": func(ctx context.Context, c *apitable.Client) (any, error) {
		return c.Nodes.CreateEmbedLink(ctx, gSpc, gDst, nil)
	},
	"nodes_delete_embed_link_default": func(ctx context.Context, c *apitable.Client) (any, error) {
		return nil, c.Nodes.DeleteEmbedLink(ctx, gSpc, gDst, "lnkGolden0001")
	},
}

// goldenOptions are extra client options of some fixtures. Records.All
// requests pages 2 and 3 before page 1 answers and may cancel them unsent, so
// a one-page scan (and Upsert's lookup) is deterministic only one request
// at a time.
var goldenOptions = map[string][]apitable.Option{
	"records_all_one_page":               {apitable.WithMaxInFlight(1)},
	"records_upsert_mixed":               {apitable.WithMaxInFlight(1)},
	"records_create_key_fields_recovery": {apitable.WithMaxInFlight(1)},
	"records_upsert_field_key_id":        {apitable.WithMaxInFlight(1)},
}

func goldenCreateField(name string, p apitable.FieldPropertyInput) goldenCall {
	return func(ctx context.Context, c *apitable.Client) (any, error) {
		return c.Fields.Create(ctx, gSpc, gDst, apitable.CreateFieldParams{Name: name, Property: p})
	}
}

func goldenNumbered(n int) []apitable.Fields {
	out := make([]apitable.Fields, n)
	for i := range out {
		out[i] = apitable.Fields{"Title": fmt.Sprintf("r%02d", i+1)}
	}
	return out
}

func goldenCollect(seq func(func(apitable.Record, error) bool)) ([]apitable.Record, error) {
	var out []apitable.Record
	for r, err := range seq {
		if err != nil {
			return out, err
		}
		out = append(out, r)
	}
	return out, nil
}

func TestGoldenWire(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join("testdata", "golden", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, path := range files {
		name := strings.TrimSuffix(filepath.Base(path), ".json")
		seen[name] = true
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			runGolden(t, path, name)
		})
	}
	for name := range goldenCalls {
		if !seen[name] {
			t.Errorf("call table has %s but testdata/golden/%s.json does not exist", name, name)
		}
	}
}

func runGolden(t *testing.T, path, name string) {
	call, ok := goldenCalls[name]
	if !ok {
		t.Fatalf("no entry in goldenCalls for fixture %s", name)
	}
	fx, err := readGolden(path)
	if err != nil {
		t.Fatal(err)
	}
	gs := newGoldenServer(t, fx, *updateGolden)
	srv := httptest.NewServer(gs)
	opts := append([]apitable.Option{apitable.WithBaseURL(srv.URL + "/prefix"), apitable.WithRetry(0, 0, 0), apitable.WithRateLimit(1000)}, goldenOptions[name]...)
	c, err := apitable.New(goldenToken, opts...)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	res, callErr := call(ctx, c)
	cancel()
	srv.Close()
	gs.finish()

	errText := ""
	if callErr != nil {
		errText = callErr.Error()
	}
	var result json.RawMessage
	if res != nil && !reflect.ValueOf(res).IsZero() {
		b, err := json.Marshal(res)
		if err != nil {
			t.Fatalf("encoding the result: %v", err)
		}
		if result, err = canonJSON(b); err != nil {
			t.Fatal(err)
		}
	}
	if *updateGolden {
		fx.Error, fx.Result = errText, result
		if err := writeGolden(path, fx); err != nil {
			t.Fatal(err)
		}
		return
	}
	if errText != fx.Error {
		t.Errorf("error = %q, want %q", errText, fx.Error)
	}
	want, err := canonJSON(fx.Result)
	if err != nil {
		t.Fatal(err)
	}
	if string(result) != string(want) {
		t.Errorf("result differs from the fixture\ngot:  %s\nwant: %s", result, want)
	}
}

// TestGoldenCoverage fails when an exported method of a service of
// *apitable.Client has no fixture. Fixture names are
// <service>_<method in snake case>_<case>; the longest method prefix wins.
func TestGoldenCoverage(t *testing.T) {
	t.Parallel()
	type method struct{ prefix, name string }
	var methods []method
	ct := reflect.TypeFor[apitable.Client]()
	for i := range ct.NumField() {
		f := ct.Field(i)
		if !f.IsExported() || f.Type.Kind() != reflect.Pointer {
			continue
		}
		for j := range f.Type.NumMethod() {
			m := f.Type.Method(j)
			methods = append(methods, method{strings.ToLower(f.Name) + "_" + snake(m.Name) + "_", f.Name + "." + m.Name})
		}
	}
	if len(methods) < 20 {
		t.Fatalf("found only %d service methods; did the Client's services move?", len(methods))
	}
	covered := map[string]bool{}
	for name := range goldenCalls {
		best := method{}
		for _, m := range methods {
			if strings.HasPrefix(name, m.prefix) && len(m.prefix) > len(best.prefix) {
				best = m
			}
		}
		if best.name == "" {
			t.Errorf("fixture %s names no service method", name)
		}
		covered[best.name] = true
	}
	var missing []string
	for _, m := range methods {
		if !covered[m.name] {
			missing = append(missing, m.name)
		}
	}
	slices.Sort(missing)
	if len(missing) > 0 {
		t.Errorf("methods without a golden fixture: %v", missing)
	}
	if _, err := os.Stat(filepath.Join("testdata", "golden")); err != nil {
		t.Error(err)
	}
}
