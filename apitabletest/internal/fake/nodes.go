package fake

import (
	"strconv"
	"strings"
)

// listSpaces: GET /fusion/v1/spaces (server-behaviour.md §6.12).
func (s *Backend) listSpaces(rs *reqState) (*result, *apiError) {
	out := []any{}
	for _, id := range s.st.spaceOrder {
		sp := s.st.spaces[id]
		if sp.member {
			out = append(out, map[string]any{"id": sp.id, "name": sp.name, "isAdmin": true})
		}
	}
	return &result{data: map[string]any{"spaces": out}}, nil
}

// nodeJSON is a node object (docs/server-behaviour.md §7.5). icon is
// always present, "" when the node has none: the backend serialises a null
// icon as "" (backend-server/.../workspace/vo/NodeInfo.java and
// NodeInfoVo.java, @JsonSerialize(nullsUsing = NullStringSerializer.class))
// and room-server passes it through (getEmojiIconNativeString("") is "",
// packages/room-server/src/fusion/transformer/fusion.api.transformer.ts).
// isFav is NodeInfo's primitive boolean nodeFavorite, always present.
func (s *Backend) nodeJSON(n *node) map[string]any {
	return map[string]any{"id": n.id, "name": n.name, "type": n.typ, "icon": n.icon, "isFav": false, "permission": int(n.role)}
}

// listRootNodes: GET /fusion/v1/spaces/{spaceId}/nodes (server-behaviour.md §6.13).
func (s *Backend) listRootNodes(rs *reqState) (*result, *apiError) {
	sp := s.st.spaces[rs.params["spaceId"]]
	out := []any{}
	for _, id := range sp.root {
		if n := s.st.nodes[id]; n != nil {
			out = append(out, s.nodeJSON(n))
		}
	}
	return &result{data: map[string]any{"nodes": out}}, nil
}

// nodeDetail: GET /fusion/v1/nodes/{nodeId} (server-behaviour.md §6.14).
func (s *Backend) nodeDetail(rs *reqState) (*result, *apiError) {
	n := s.st.nodes[rs.params["nodeId"]]
	if n == nil {
		return nil, errDatasheetNotFound()
	}
	if sid, ok := rs.params["spaceId"]; ok && n.spaceID != sid {
		return nil, errDatasheetNotFound()
	}
	if !s.st.spaces[n.spaceID].member {
		return nil, errNotInSpace()
	}
	out := s.nodeJSON(n)
	if len(n.children) > 0 {
		var ch []any
		for _, id := range n.children {
			if c := s.st.nodes[id]; c != nil {
				ch = append(ch, s.nodeJSON(c))
			}
		}
		out["children"] = ch
	}
	return &result{data: out}, nil
}

// searchNodes: GET /fusion/v2/spaces/{spaceId}/nodes (server-behaviour.md §6.15). The tip ids
// are NodeListQueryRo's (packages/room-server/src/fusion/ros/node.param.ro.ts).
func (s *Backend) searchNodes(rs *reqState) (*result, *apiError) {
	q := rs.r.URL.Query()
	var fails []dtoFailure
	typ := q.Get("type")
	switch typ {
	case "Folder", "Datasheet", "Form", "Dashboard", "Mirror", "Automation":
	default:
		fails = append(fails, dtoFailure{id: "api_node_node_type_value_error", text: `The type must be one of the following values: "Folder", "Datasheet", "Form", "Dashboard", "Mirror".`})
	}
	perms := map[int]bool{}
	var raw []string
	for _, v := range q["permissions"] {
		raw = append(raw, strings.Split(v, ",")...)
	}
	for _, p := range raw {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || n < 0 || n > 3 {
			fails = append(fails, dtoFailure{id: "api_node_permission_value_error", text: "The permissions argument must be one of the following integer values: 0,1,2,3."})
			break
		}
		perms[n] = true
	}
	if aerr := dtoError(fails); aerr != nil {
		return nil, aerr
	}
	if len(perms) == 0 {
		perms = map[int]bool{0: true, 1: true, 2: true, 3: true}
	}
	query := q.Get("query")
	sp := s.st.spaces[rs.params["spaceId"]]
	out := []any{}
	var walk func(ids []string, parent string)
	walk = func(ids []string, parent string) {
		for _, id := range ids {
			n := s.st.nodes[id]
			if n == nil {
				continue
			}
			if n.typ == typ && perms[int(n.role)] && nameLike(n.name, query) {
				o := s.nodeJSON(n)
				if parent != "" {
					o["parentId"] = parent
				}
				out = append(out, o)
			}
			walk(n.children, n.id)
		}
	}
	walk(sp.root, sp.rootID)
	return &result{data: map[string]any{"nodes": out}}, nil
}
