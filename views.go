package apitable

import (
	"context"
)

// ViewsService lists the views of datasheets (server-behaviour.md §6.8 of the API description).
type ViewsService struct{ c *Client }

// View types (server-behaviour.md §6.8).
const (
	ViewGrid         = "Grid"
	ViewGallery      = "Gallery"
	ViewKanban       = "Kanban"
	ViewGantt        = "Gantt"
	ViewCalendar     = "Calendar"
	ViewArchitecture = "Architecture" // org chart
)

// View is one view of a datasheet (server-behaviour.md §7.4).
type View struct {
	// ID is the view id, "viw…".
	ID   string `json:"id"`
	Name string `json:"name"`
	// Type is ViewGrid, ViewGallery, ViewKanban, ViewGantt, ViewCalendar or
	// ViewArchitecture.
	Type string `json:"type"`
}

// List returns the views of a datasheet in the datasheet's order (at most
// 30; the API does not page them). The first view is the one whose order
// and columns apply when no view is given elsewhere.
//
// GET /fusion/v1/datasheets/{datasheetId}/views. Rate-limit bucket: the
// datasheet. Retry class: read.
func (s *ViewsService) List(ctx context.Context, datasheetID string) ([]View, error) {
	if err := checkID("datasheetID", datasheetID); err != nil {
		return nil, err
	}
	cl := &call{route: routeListViews, ids: []string{datasheetID}}
	var res struct {
		Views []View `json:"views"`
	}
	if err := s.c.do(ctx, cl, &res); err != nil {
		return nil, err
	}
	if res.Views == nil {
		res.Views = []View{}
	}
	return res.Views, nil
}
