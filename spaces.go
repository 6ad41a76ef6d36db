package apitable

import "context"

// SpacesService lists the spaces of the token's user (server-behaviour.md §6.12).
type SpacesService struct{ c *Client }

// Space is a workspace the token's user belongs to.
type Space struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// IsAdmin is true when the user administers the space.
	IsAdmin bool `json:"isAdmin,omitempty"`
}

// List returns every space of the token's user (no paging).
//
// GET /fusion/v1/spaces. Bucket: the token's shared bucket. Retry class: read.
func (s *SpacesService) List(ctx context.Context) ([]Space, error) {
	var out struct {
		Spaces []Space `json:"spaces"`
	}
	cl := &call{route: routeListSpaces}
	if err := s.c.do(ctx, cl, &out); err != nil {
		return nil, err
	}
	if out.Spaces == nil {
		out.Spaces = []Space{}
	}
	return out.Spaces, nil
}
