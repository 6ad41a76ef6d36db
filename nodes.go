package apitable

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// NodesService reads the file tree of a space: folders, datasheets, forms
// and other nodes (server-behaviour.md §6.13–6.15), and manages embed links (server-behaviour.md §6.17).
type NodesService struct{ c *Client }

// NodeType is the kind of a node.
type NodeType string

// Node types (server-behaviour.md §7.5). Servers render unknown kinds as "ERROR NODE TYPE".
const (
	NodeFolder     NodeType = "Folder"
	NodeDatasheet  NodeType = "Datasheet"
	NodeForm       NodeType = "Form"
	NodeDashboard  NodeType = "Dashboard"
	NodeMirror     NodeType = "Mirror"
	NodeAutomation NodeType = "Automation"
)

// Permission is the token user's role on a node (server-behaviour.md §6.15, §7.5).
type Permission int

// Roles, as numbered by the API.
const (
	PermissionUnknown Permission = -1
	PermissionManager Permission = 0 // manager or owner
	PermissionEditor  Permission = 1
	PermissionUpdater Permission = 2 // may edit cells only
	PermissionReader  Permission = 3
)

func (p Permission) String() string {
	switch p {
	case PermissionManager:
		return "manager"
	case PermissionEditor:
		return "editor"
	case PermissionUpdater:
		return "updater"
	case PermissionReader:
		return "reader"
	case PermissionUnknown:
		return "unknown"
	}
	return "Permission(" + strconv.Itoa(int(p)) + ")"
}

// Node is an entry of a space's file tree.
type Node struct {
	ID   string   `json:"id"`
	Name string   `json:"name"`
	Type NodeType `json:"type"`
	// Icon is the node's emoji, "" when it has none.
	Icon       string     `json:"icon,omitempty"`
	IsFav      bool       `json:"isFav"`
	Permission Permission `json:"permission"`
	// ParentID is set by Search only.
	ParentID string `json:"parentId,omitempty"`
	// Children lists a folder's direct children (Get only).
	Children []Node `json:"children,omitempty"`
}

// UnmarshalJSON accepts a null icon.
func (n *Node) UnmarshalJSON(b []byte) error {
	type plain Node
	aux := struct {
		*plain
		Icon *string `json:"icon"`
	}{plain: (*plain)(n)}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	if aux.Icon != nil {
		n.Icon = *aux.Icon
	}
	return nil
}

type nodesResult struct {
	Nodes []Node `json:"nodes"`
}

// List returns the direct children of the space's root folder.
//
// GET /fusion/v1/spaces/{spaceId}/nodes. Bucket: the space. Retry class: read.
func (s *NodesService) List(ctx context.Context, spaceID string) ([]Node, error) {
	if err := checkID("spaceID", spaceID); err != nil {
		return nil, err
	}
	var out nodesResult
	cl := &call{route: routeListNodes, ids: []string{spaceID}}
	if err := s.c.do(ctx, cl, &out); err != nil {
		return nil, err
	}
	return nonNil(out.Nodes), nil
}

// Get returns a node; a folder comes with its direct children. An unknown
// node id gives ErrDatasheetNotFound (code 301, whatever the node type).
//
// GET /fusion/v1/nodes/{nodeId}. Bucket: the datasheet for a datasheet
// node, else the token's shared bucket. Retry class: read.
func (s *NodesService) Get(ctx context.Context, nodeID string) (*Node, error) {
	if err := checkID("nodeID", nodeID); err != nil {
		return nil, err
	}
	var out Node
	cl := &call{route: routeGetNode, ids: []string{nodeID}}
	if err := s.c.do(ctx, cl, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// SearchNodesParams selects nodes anywhere in a space.
type SearchNodesParams struct {
	// Type is required.
	Type NodeType
	// Permissions keeps nodes whose role is exactly one of these (not "at
	// least"); empty means every role.
	Permissions []Permission
	// Query matches part of the node name.
	Query string
}

// Search finds nodes of one type at any depth of a space (v2 route; the
// server applies no rate limit to it, so neither does the client).
//
// GET /fusion/v2/spaces/{spaceId}/nodes. Bucket: none. Retry class: read.
func (s *NodesService) Search(ctx context.Context, spaceID string, params SearchNodesParams) ([]Node, error) {
	if err := checkID("spaceID", spaceID); err != nil {
		return nil, err
	}
	switch params.Type {
	case NodeFolder, NodeDatasheet, NodeForm, NodeDashboard, NodeMirror, NodeAutomation:
	default:
		return nil, invalid("Type", "must be one of Folder, Datasheet, Form, Dashboard, Mirror, Automation, got %q", params.Type)
	}
	q := url.Values{"type": {string(params.Type)}}
	if len(params.Permissions) > 0 {
		// One comma list: the v2 route does not parse "permissions[]" (server-behaviour.md §6.15).
		ps := make([]string, len(params.Permissions))
		for i, p := range params.Permissions {
			if p < PermissionManager || p > PermissionReader {
				return nil, invalid(fmt.Sprintf("Permissions[%d]", i), "must be 0..3, got %d", p)
			}
			ps[i] = strconv.Itoa(int(p))
		}
		q.Set("permissions", strings.Join(ps, ","))
	}
	if params.Query != "" {
		q.Set("query", params.Query)
	}
	var out nodesResult
	cl := &call{route: routeSearchNodes, ids: []string{spaceID}, query: q.Encode()}
	if err := s.c.do(ctx, cl, &out); err != nil {
		return nil, err
	}
	return nonNil(out.Nodes), nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// EmbedLink is a link that embeds a datasheet in another page. Embed links
// exist on enterprise plans of the hosted service only; the open-source
// server answers these routes with 404 (ErrAPINotFound).
type EmbedLink struct {
	ID      string        `json:"linkId"`
	URL     string        `json:"url"`
	Payload *EmbedPayload `json:"payload,omitempty"`
	// Theme is "light" or "dark".
	Theme string `json:"theme,omitempty"`
}

// EmbedPayload configures what an embed link shows (server-behaviour.md §6.17). Nil pointers
// leave the server's defaults.
type EmbedPayload struct {
	PrimarySideBar *EmbedSideBar     `json:"primarySideBar,omitempty"`
	ViewControl    *EmbedViewControl `json:"viewControl,omitempty"`
	BannerLogo     *bool             `json:"bannerLogo,omitempty"`
	// PermissionType is "readOnly", "publicEdit" or "privateEdit".
	PermissionType string `json:"permissionType,omitempty"`
}

// EmbedSideBar configures the side bar of an embed link.
type EmbedSideBar struct {
	Collapsed bool `json:"collapsed"`
}

// EmbedViewControl configures the view shown by an embed link.
type EmbedViewControl struct {
	ViewID  string        `json:"viewId,omitempty"`
	TabBar  *bool         `json:"tabBar,omitempty"`
	ToolBar *EmbedToolBar `json:"toolBar,omitempty"`
}

// EmbedToolBar chooses the tool bar buttons of an embed link.
type EmbedToolBar struct {
	BasicTools *bool `json:"basicTools,omitempty"`
	ShareBtn   *bool `json:"shareBtn,omitempty"`
	WidgetBtn  *bool `json:"widgetBtn,omitempty"`
	APIBtn     *bool `json:"apiBtn,omitempty"`
	FormBtn    *bool `json:"formBtn,omitempty"`
	HistoryBtn *bool `json:"historyBtn,omitempty"`
	RobotBtn   *bool `json:"robotBtn,omitempty"`
}

// CreateEmbedLinkParams are the options of CreateEmbedLink.
type CreateEmbedLinkParams struct {
	Payload *EmbedPayload
	// Theme is "light", "dark" or "" for the default.
	Theme string
}

func checkSpaceNode(spaceID, nodeID string) error {
	if err := checkID("spaceID", spaceID); err != nil {
		return err
	}
	return checkID("nodeID", nodeID)
}

// CreateEmbedLink creates an embed link for a datasheet node (at most 30
// per node). Enterprise plans only.
//
// POST /fusion/v1/spaces/{spaceId}/nodes/{nodeId}/embedlinks. Bucket: the
// datasheet when nodeID is one (the server keys on the last dst segment),
// else the space. Retry class: create.
func (s *NodesService) CreateEmbedLink(ctx context.Context, spaceID, nodeID string, params *CreateEmbedLinkParams) (*EmbedLink, error) {
	if err := checkSpaceNode(spaceID, nodeID); err != nil {
		return nil, err
	}
	body := map[string]any{}
	if params != nil {
		switch params.Theme {
		case "", "light", "dark":
		default:
			return nil, invalid("Theme", `must be "light" or "dark", got %q`, params.Theme)
		}
		if params.Payload != nil {
			switch params.Payload.PermissionType {
			case "", "readOnly", "publicEdit", "privateEdit":
			default:
				return nil, invalid("Payload.PermissionType", `must be "readOnly", "publicEdit" or "privateEdit", got %q`, params.Payload.PermissionType)
			}
			if vc := params.Payload.ViewControl; vc != nil && vc.ViewID != "" {
				if err := checkID("Payload.ViewControl.ViewID", vc.ViewID); err != nil {
					return nil, err
				}
			}
			body["payload"] = params.Payload
		}
		if params.Theme != "" {
			body["theme"] = params.Theme
		}
	}
	b, _ := json.Marshal(body)
	cl := &call{route: routeCreateEmbedLink, ids: []string{spaceID, nodeID}, body: b}
	var out EmbedLink
	if err := s.c.do(ctx, cl, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListEmbedLinks returns the embed links of a node. Enterprise plans only.
//
// GET /fusion/v1/spaces/{spaceId}/nodes/{nodeId}/embedlinks. Bucket as
// CreateEmbedLink. Retry class: read.
func (s *NodesService) ListEmbedLinks(ctx context.Context, spaceID, nodeID string) ([]EmbedLink, error) {
	if err := checkSpaceNode(spaceID, nodeID); err != nil {
		return nil, err
	}
	var out []EmbedLink
	if err := s.c.do(ctx, &call{route: routeListEmbedLinks, ids: []string{spaceID, nodeID}}, &out); err != nil {
		return nil, err
	}
	return nonNil(out), nil
}

// DeleteEmbedLink deletes an embed link. Enterprise plans only; an unknown
// link is code 1501, an *APIError without sentinel.
//
// DELETE /fusion/v1/spaces/{spaceId}/nodes/{nodeId}/embedlinks/{linkId}.
// Bucket as CreateEmbedLink. Retry class: delete (a retry that finds the
// link gone counts as done).
func (s *NodesService) DeleteEmbedLink(ctx context.Context, spaceID, nodeID, linkID string) error {
	if err := checkSpaceNode(spaceID, nodeID); err != nil {
		return err
	}
	if err := checkID("linkID", linkID); err != nil {
		return err
	}
	return s.c.do(ctx, &call{route: routeDeleteEmbedLink, ids: []string{spaceID, nodeID, linkID}}, nil)
}
