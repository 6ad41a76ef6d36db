package apitabletest

import (
	"encoding/json"
	"net/url"
	"slices"
	"testing"
)

// TestNodeObjectsCarryIcon: every node object has "icon", "" when the node
// has none, in the v1 node list, v1 node detail (and its children) and v2
// search. The backend serialises a null icon as "" (backend-server/
// application/src/main/java/com/apitable/workspace/vo/NodeInfo.java and
// NodeInfoVo.java: @JsonSerialize(nullsUsing = NullStringSerializer.class))
// and room-server copies it (packages/room-server/src/fusion/transformer/
// fusion.api.transformer.ts nodeListVoTransform/nodeDetailVoTransform,
// packages/room-server/src/fusion/services/fusion.node.api.service.ts);
// docs/server-behaviour.md §7.5. v2 search also gives parentId, the root
// folder's id for root-level nodes (node_service `parent_id`, copied with
// `node.parentId || undefined`), and isFav (NodeInfo's primitive boolean).
func TestNodeObjectsCarryIcon(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	folder := s.AddFolder(s.SpaceID(), "Projects")
	ds := s.AddDatasheet(s.SpaceID(), DatasheetSpec{Name: "Tasks", FolderID: folder, Fields: []FieldSpec{{Name: "Title", Type: "SingleText"}}})
	wantKeys := []string{"icon", "id", "isFav", "name", "permission", "type"}
	check := func(where string, n any) {
		t.Helper()
		o := n.(map[string]any)
		for _, k := range wantKeys {
			if _, ok := o[k]; !ok {
				t.Errorf("%s: node %s lacks %q", where, mustJSON(o), k)
			}
		}
		if ic, ok := o["icon"].(string); !ok || ic != "" {
			t.Errorf("%s: icon = %#v, want \"\"", where, o["icon"])
		}
	}
	r := call(t, s, "GET", "/fusion/v1/spaces/"+s.SpaceID()+"/nodes", nil)
	for _, n := range r.data()["nodes"].([]any) {
		check("v1 list", n)
	}
	r = call(t, s, "GET", "/fusion/v1/nodes/"+folder, nil)
	check("v1 detail", r.data())
	for _, n := range r.data()["children"].([]any) {
		check("v1 detail child", n)
	}
	r = call(t, s, "GET", "/fusion/v2/spaces/"+s.SpaceID()+"/nodes?type=Folder", nil)
	nodes := r.data()["nodes"].([]any)
	if len(nodes) != 1 {
		t.Fatalf("v2 folders: %s", r.raw)
	}
	check("v2 search", nodes[0])
	root, _ := nodes[0].(map[string]any)["parentId"].(string)
	if len(root) != 13 || root[:3] != "fod" {
		t.Errorf("root-level node parentId = %q, want the root folder's fod id", root)
	}
	r = call(t, s, "GET", "/fusion/v2/spaces/"+s.SpaceID()+"/nodes?type=Datasheet", nil)
	nodes = r.data()["nodes"].([]any)
	if len(nodes) != 1 || nodes[0].(map[string]any)["parentId"] != folder || nodes[0].(map[string]any)["id"] != ds.ID {
		t.Errorf("v2 datasheet: %s", r.raw)
	}
}

// TestNodeSearchQueryLike: the v2 search's query is the backend's keyword,
// matched with node_name LIKE CONCAT('%', #{keyword}, '%')
// (backend-server/application/src/main/resources/mapper/workspace/
// NodeMapper.xml, selectNodeIdsBySpaceIdAndTypeAndKeyword) on a
// utf8mb4_unicode_ci column: case- and accent-insensitive, with "%" and "_"
// wildcards and "\" escaping (docs/server-behaviour.md §6.15).
func TestNodeSearchQueryLike(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	for _, name := range []string{"Café Orders", "CAFE stock", "100% done", "100 done", "a_b", "axb", "Łódź"} {
		s.AddFolder(s.SpaceID(), name)
	}
	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"cafe", []string{"Café Orders", "CAFE stock"}},
		{"CAFÉ", []string{"Café Orders", "CAFE stock"}},
		{"orders", []string{"Café Orders"}},
		{"100%done", []string{"100% done", "100 done"}},
		{`100\%`, []string{"100% done"}},
		{"a_b", []string{"a_b", "axb"}},
		{`a\_b`, []string{"a_b"}},
		{"lodz", []string{"Łódź"}},
		{"", []string{"Café Orders", "CAFE stock", "100% done", "100 done", "a_b", "axb", "Łódź"}},
		{"zzz", nil},
	} {
		r := call(t, s, "GET", "/fusion/v2/spaces/"+s.SpaceID()+"/nodes?type=Folder&query="+url.QueryEscape(tc.query), nil)
		var got []string
		for _, n := range r.data()["nodes"].([]any) {
			got = append(got, n.(map[string]any)["name"].(string))
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("query %q: got %q, want %q", tc.query, got, tc.want)
		}
	}
}

// TestNodeSearchTipIDs: NodeListQueryRo's messages are
// ApiTipConstant.api_node_node_type_value_error and
// api_node_permission_value_error (packages/room-server/src/fusion/ros/
// node.param.ro.ts; both exist in packages/core/src/config/
// api_tip_config.source.json); two failures answer HTTP 500 with both ids
// (docs/server-behaviour.md §4.1, §6.15).
func TestNodeSearchTipIDs(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	wantErr(t, call(t, s, "GET", "/fusion/v2/spaces/"+s.SpaceID()+"/nodes?type=Nope&permissions=7", nil), 500, 500,
		[]string{"api_node_node_type_value_error", "api_node_permission_value_error"})
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestFieldAndViewObjectKeys: a field object is core's Field.getApiMeta
// (packages/core/src/model/field/field.ts): id, name, type, editable
// always, property when the type has one, isPrimary only on the first
// view's first column, desc only when set; a view object is
// {id, name, type} (packages/room-server/src/fusion/services/
// fusion.api.service.ts getViewList). docs/server-behaviour.md §7.
func TestFieldAndViewObjectKeys(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	ds := s.AddDatasheet(s.SpaceID(), DatasheetSpec{Name: "T", Fields: []FieldSpec{
		{Name: "Title", Type: "SingleText", Desc: "the title"},
		{Name: "Notes", Type: "Text"},
	}})
	r := call(t, s, "GET", "/fusion/v1/datasheets/"+ds.ID+"/fields", nil)
	fields := r.data()["fields"].([]any)
	keys := func(o any) []string {
		var ks []string
		for k := range o.(map[string]any) {
			ks = append(ks, k)
		}
		slices.Sort(ks)
		return ks
	}
	if got := keys(fields[0]); !slices.Equal(got, []string{"desc", "editable", "id", "isPrimary", "name", "property", "type"}) {
		t.Errorf("primary SingleText field keys %q: %s", got, r.raw)
	}
	if got := keys(fields[1]); !slices.Equal(got, []string{"editable", "id", "name", "type"}) {
		t.Errorf("Text field keys %q: %s", got, r.raw)
	}
	r = call(t, s, "GET", "/fusion/v1/datasheets/"+ds.ID+"/views", nil)
	if got := keys(r.data()["views"].([]any)[0]); !slices.Equal(got, []string{"id", "name", "type"}) {
		t.Errorf("view keys %q: %s", got, r.raw)
	}
}
