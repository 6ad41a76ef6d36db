package apitable

import (
	"net/url"
	"strings"

	"github.com/apitable-go/apitable/internal/retry"
)

// routeID names one API route. Every route the client calls is declared
// once, in routeTable; call sites pass a routeID, the ids in template order,
// the query and the body.
type routeID int

const (
	routeListRecords routeID = iota
	routeCreateRecords
	routeUpdateRecords
	routeDeleteRecords
	routeListFields
	routeCreateField
	routeDeleteField
	routeListViews
	routeCreateDatasheet
	routeUploadAttachment
	routeListSpaces
	routeListNodes
	routeGetNode
	routeSearchNodes
	routeCreateEmbedLink
	routeListEmbedLinks
	routeDeleteEmbedLink
	numRoutes
)

// bucketRule is a route's rate-limit rule.
type bucketRule int

const (
	// bucketServerKey is the server's key rule (docs/server-behaviour.md §3,
	// room-server shared/helpers/fusion.helper.ts): the last datasheet id
	// among the route's ids, else the last space id, else the token's own
	// bucket. It is the zero value: limiting a route that should not be is
	// only slower, never unsafe.
	bucketServerKey bucketRule = iota
	// bucketNone: the server does not rate-limit the route (the v2 routes).
	bucketNone
)

// route is the one declaration of an API route.
type route struct {
	method string
	// path is the template, e.g. /fusion/v1/datasheets/{datasheetId}/records;
	// errors and logs show it as APIError.Route.
	path string
	// kind decides what may be retried. Its zero value, retry.Unspecified,
	// is treated as the safest class (like a create); TestRoutesDeclareKind
	// checks that every route states its kind.
	kind   retry.Kind
	bucket bucketRule
	// gone, when set, tells that an error answer to a retried delete means
	// an earlier, ambiguous attempt already deleted the object.
	gone func(e *APIError, ids []string) bool
	// mapError, when set, replaces the final API error (route quirks such
	// as the upload's success:false under HTTP 201).
	mapError func(*APIError) error
}

const (
	recordsPath   = "/fusion/v1/datasheets/{datasheetId}/records"
	fieldsPath    = "/fusion/v1/spaces/{spaceId}/datasheets/{datasheetId}/fields"
	embedLinkPath = "/fusion/v1/spaces/{spaceId}/nodes/{nodeId}/embedlinks"
)

// routeTable declares every route. It is a function so that the table is
// not mutable package state.
func routeTable() *[numRoutes]route {
	return &[numRoutes]route{
		routeListRecords:   {method: "GET", path: recordsPath, kind: retry.Read},
		routeCreateRecords: {method: "POST", path: recordsPath, kind: retry.Create},
		routeUpdateRecords: {method: "PATCH", path: recordsPath, kind: retry.Update},
		// A retried records delete answered "does not exist" proves nothing
		// for the chunk's other ids: Records.Delete resolves it by reading.
		routeDeleteRecords: {method: "DELETE", path: recordsPath, kind: retry.Delete},
		routeListFields:    {method: "GET", path: "/fusion/v1/datasheets/{datasheetId}/fields", kind: retry.Read},
		routeCreateField:   {method: "POST", path: fieldsPath, kind: retry.Create},
		routeDeleteField: {method: "DELETE", path: fieldsPath + "/{fieldId}", kind: retry.Delete,
			gone: func(e *APIError, ids []string) bool {
				return e.Code == 400 && e.Message == `fieldId "`+ids[len(ids)-1]+`" does not exist`
			}},
		routeListViews:        {method: "GET", path: "/fusion/v1/datasheets/{datasheetId}/views", kind: retry.Read},
		routeCreateDatasheet:  {method: "POST", path: "/fusion/v1/spaces/{spaceId}/datasheets", kind: retry.Create},
		routeUploadAttachment: {method: "POST", path: uploadTemplate, kind: retry.Upload, mapError: mapUploadError},
		routeListSpaces:       {method: "GET", path: "/fusion/v1/spaces", kind: retry.Read},
		routeListNodes:        {method: "GET", path: "/fusion/v1/spaces/{spaceId}/nodes", kind: retry.Read},
		routeGetNode:          {method: "GET", path: "/fusion/v1/nodes/{nodeId}", kind: retry.Read},
		routeSearchNodes:      {method: "GET", path: "/fusion/v2/spaces/{spaceId}/nodes", kind: retry.Read, bucket: bucketNone},
		routeCreateEmbedLink:  {method: "POST", path: embedLinkPath, kind: retry.Create},
		routeListEmbedLinks:   {method: "GET", path: embedLinkPath, kind: retry.Read},
		routeDeleteEmbedLink: {method: "DELETE", path: embedLinkPath + "/{linkId}", kind: retry.Delete,
			gone: func(e *APIError, _ []string) bool { return e.Code == 1501 }},
	}
}

// decl returns the route's declaration.
func (id routeID) decl() route {
	if id < 0 || id >= numRoutes {
		return route{} // unreachable for declared ids; fill reports it
	}
	return routeTable()[id]
}

// fill returns the route's path with ids substituted for its {…}
// placeholders in order, once raw (for errors) and once escaped (for the
// URL). ok is false when the number of ids does not match the template.
func (r *route) fill(ids []string) (raw, escaped string, ok bool) {
	if r.path == "" {
		return "", "", false
	}
	var rb, eb strings.Builder
	n := 0
	for seg := range strings.SplitSeq(strings.TrimPrefix(r.path, "/"), "/") {
		rb.WriteByte('/')
		eb.WriteByte('/')
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			if n >= len(ids) {
				return "", "", false
			}
			rb.WriteString(ids[n])
			eb.WriteString(url.PathEscape(ids[n]))
			n++
			continue
		}
		rb.WriteString(seg)
		eb.WriteString(seg)
	}
	return rb.String(), eb.String(), n == len(ids)
}

// together reports that the route's requests may leave together with
// the ones before them (member.together, ratelimit_arrival.go): updates
// and deletes, which may arrive in any order. Creates append (rows to a
// datasheet) in the order they arrive; reads and uploads keep their
// answers staggered, so that All decodes its pages as they come (holding
// fewer at once: leaving together doubled its peak heap) and a page
// requested before the total is known can still be cancelled unsent.
func (r *route) together() bool { return r.kind == retry.Update || r.kind == retry.Delete }

// limitKey returns the limiter key of a call of this route with these ids
// (without the token part), or "" when the route is not limited.
func (r *route) limitKey(ids []string) string {
	if r.bucket == bucketNone {
		return ""
	}
	return limitKey(ids)
}
