package fake

// Embed links (server-behaviour.md §6.17) exist only on enterprise servers; the open-source
// server answers these routes with 404. Their shapes come from the official
// SDKs and their server behaviour is UNCONFIRMED; the fake follows the SDKs'
// shapes and the tips the spec lists (30 links per node, datasheets only,
// code 1501 for an unknown link).

const maxEmbedLinks = 30

type embedLink struct {
	id      string
	payload map[string]any
	theme   string
}

func (l *embedLink) json() map[string]any {
	out := map[string]any{"linkId": l.id, "url": "https://apitable.test/embed/" + l.id}
	if l.payload != nil {
		out["payload"] = l.payload
	}
	if l.theme != "" {
		out["theme"] = l.theme
	}
	return out
}

// embedNode resolves the node of an embed-link route inside its space.
func (s *Backend) embedNode(rs *reqState) (*node, *apiError) {
	n := s.st.nodes[rs.params["nodeId"]]
	if n == nil || n.spaceID != rs.params["spaceId"] {
		return nil, errDatasheetNotFound()
	}
	return n, nil
}

// createEmbedLink: POST /fusion/v1/spaces/{spaceId}/nodes/{nodeId}/embedlinks.
func (s *Backend) createEmbedLink(rs *reqState) (*result, *apiError) {
	n, aerr := s.embedNode(rs)
	if aerr != nil {
		return nil, aerr
	}
	if n.typ != "Datasheet" {
		return nil, errParam("embedded links are not supported for nodes other than datasheet type")
	}
	body, _ := rs.json.(map[string]any)
	link := &embedLink{}
	if p, ok := body["payload"]; ok && p != nil {
		pm, ok := p.(map[string]any)
		if !ok {
			return nil, errParam("Invalid value for payload")
		}
		if pt, ok := pm["permissionType"]; ok {
			switch pt {
			case "readOnly", "publicEdit", "privateEdit":
			default:
				return nil, errParam("Invalid value for payload.permissionType")
			}
		}
		link.payload = pm
	}
	if th, ok := body["theme"]; ok && th != nil {
		switch th {
		case "light", "dark":
			link.theme = th.(string)
		default:
			return nil, errParam("Invalid value for theme")
		}
	}
	if s.st.embeds == nil {
		s.st.embeds = map[string][]*embedLink{}
	}
	if len(s.st.embeds[n.id]) >= maxEmbedLinks {
		return nil, errParam("the maximum number of embedded links has been reached, only 30 links can be created")
	}
	link.id = s.newID("emb", 10)
	s.st.embeds[n.id] = append(s.st.embeds[n.id], link)
	return &result{data: link.json()}, nil
}

// listEmbedLinks: GET …/embedlinks; data is the list itself.
func (s *Backend) listEmbedLinks(rs *reqState) (*result, *apiError) {
	n, aerr := s.embedNode(rs)
	if aerr != nil {
		return nil, aerr
	}
	out := []any{}
	for _, l := range s.st.embeds[n.id] {
		out = append(out, l.json())
	}
	return &result{data: out}, nil
}

// deleteEmbedLink: DELETE …/embedlinks/{linkId}.
func (s *Backend) deleteEmbedLink(rs *reqState) (*result, *apiError) {
	n, aerr := s.embedNode(rs)
	if aerr != nil {
		return nil, aerr
	}
	links := s.st.embeds[n.id]
	for i, l := range links {
		if l.id == rs.params["linkId"] {
			s.st.embeds[n.id] = append(links[:i:i], links[i+1:]...)
			return &result{}, nil
		}
	}
	return nil, &apiError{status: 200, code: 1501, msg: "the specified embed link does not exist"}
}
