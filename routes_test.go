package apitable

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/apitable-go/apitable/internal/retry"
)

// TestRoutesDeclareKind: every declared route states its retry kind (the
// zero value, retry.Unspecified, is only a safety net), a method and a
// template, and its rate-limit rule matches the server's: v1 routes are
// limited, v2 routes are not.
func TestRoutesDeclareKind(t *testing.T) {
	t.Parallel()
	for id := range numRoutes {
		r := id.decl()
		assert.NotEqual(t, retry.Unspecified, r.kind, "route %d (%s %s) does not state its kind", id, r.method, r.path)
		assert.Contains(t, []string{"GET", "POST", "PATCH", "PUT", "DELETE"}, r.method, "route %d", id)
		switch r.method {
		case "GET":
			assert.Equal(t, retry.Read, r.kind, "%s %s", r.method, r.path)
		case "POST":
			assert.False(t, r.kind.RepeatSafe(), "%s %s: a POST adds state", r.method, r.path)
		case "DELETE":
			assert.Equal(t, retry.Delete, r.kind, "%s %s", r.method, r.path)
		}
		switch {
		case strings.HasPrefix(r.path, "/fusion/v1/"), r.path == "/fusion/v1/spaces":
			assert.Equal(t, bucketServerKey, r.bucket, "%s %s", r.method, r.path)
		case strings.HasPrefix(r.path, "/fusion/v2/"):
			assert.Equal(t, bucketNone, r.bucket, "%s %s: v2 routes are not limited", r.method, r.path)
		default:
			t.Errorf("route %d: path %q outside /fusion/v1 and /fusion/v2", id, r.path)
		}
		ids := make([]string, strings.Count(r.path, "{"))
		for i := range ids {
			ids[i] = "id" + string(rune('A'+i))
		}
		raw, esc, ok := r.fill(ids)
		assert.True(t, ok, "%s: fill with %d ids", r.path, len(ids))
		assert.Equal(t, raw, esc)
		assert.NotContains(t, raw, "{", "%s", r.path)
		_, _, ok = r.fill(append(ids, "extra"))
		assert.False(t, ok, "%s: one id too many", r.path)
	}
	assert.Equal(t, route{}, numRoutes.decl(), "an undeclared id has no declaration")
}

// TestRouteLimitKeyFromDeclaration: the limiter key comes from the route's
// rule and its ids, as the server computes it from the URL.
func TestRouteLimitKeyFromDeclaration(t *testing.T) {
	t.Parallel()
	cases := []struct {
		id   routeID
		ids  []string
		want string
	}{
		{routeListRecords, []string{"dstA"}, "dstA"},
		{routeCreateField, []string{"spcS", "dstB"}, "dstB"},
		{routeDeleteField, []string{"spcS", "dstB", "fldC"}, "dstB"},
		{routeCreateDatasheet, []string{"spcS"}, "spcS"},
		{routeListNodes, []string{"spcS"}, "spcS"},
		{routeListSpaces, nil, "user"},
		{routeGetNode, []string{"fodX"}, "user"},
		{routeGetNode, []string{"dstC"}, "dstC"},
		{routeCreateEmbedLink, []string{"spcS", "dstD"}, "dstD"},
		{routeCreateEmbedLink, []string{"spcS", "fomE"}, "spcS"},
		{routeSearchNodes, []string{"spcS"}, ""},
	}
	for _, tc := range cases {
		r := tc.id.decl()
		assert.Equal(t, tc.want, r.limitKey(tc.ids), "%s %v", r.path, tc.ids)
	}
}

// TestRouteFillEscapes: ids are escaped in the URL path and kept raw in
// error messages.
func TestRouteFillEscapes(t *testing.T) {
	t.Parallel()
	r := routeListRecords.decl()
	raw, esc, ok := r.fill([]string{"dstä+;=@ x"})
	assert.True(t, ok)
	assert.Equal(t, "/fusion/v1/datasheets/dstä+;=@ x/records", raw)
	assert.Equal(t, "/fusion/v1/datasheets/dst%C3%A4+%3B=@%20x/records", esc)
}
