package apitable_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apitable-go/apitable"
	"github.com/apitable-go/apitable/apitabletest"
)

// tree seeds: root: Projects/ (folder) with Tasks and Plans; Inbox at root.
func tree(t *testing.T, srv *apitabletest.Server) (folder string, tasks, plans, inbox *apitabletest.Datasheet) {
	t.Helper()
	sp := srv.SpaceID()
	folder = srv.AddFolder(sp, "Projects")
	fields := []apitabletest.FieldSpec{{Name: "Title", Type: "SingleText", Property: map[string]any{}}}
	tasks = srv.AddDatasheet(sp, apitabletest.DatasheetSpec{Name: "Tasks", FolderID: folder, Fields: fields})
	plans = srv.AddDatasheet(sp, apitabletest.DatasheetSpec{Name: "Plans", FolderID: folder, Fields: fields})
	inbox = srv.AddDatasheet(sp, apitabletest.DatasheetSpec{Name: "Inbox", Fields: fields})
	return
}

func TestSpacesList(t *testing.T) {
	t.Parallel()
	srv := apitabletest.NewServer(t)
	other := srv.AddSpace("Second")
	srv.AddForeignSpace("Not mine")
	spaces, err := srv.Client().Spaces.List(t.Context())
	require.NoError(t, err)
	var ids []string
	for _, s := range spaces {
		ids = append(ids, s.ID)
	}
	assert.Equal(t, []string{srv.SpaceID(), other}, ids, "only the user's spaces")
	req := srv.Requests()[0]
	assert.Equal(t, "/fusion/v1/spaces", req.Path)
}

func TestNodesListGetSearch(t *testing.T) {
	t.Parallel()
	srv := apitabletest.NewServer(t)
	folder, tasks, plans, inbox := tree(t, srv)
	c := srv.Client()
	ctx := t.Context()

	root, err := c.Nodes.List(ctx, srv.SpaceID())
	require.NoError(t, err)
	require.Len(t, root, 2, "root level only")
	assert.Equal(t, apitable.Node{ID: folder, Name: "Projects", Type: apitable.NodeFolder, Permission: apitable.PermissionManager}, root[0])
	assert.Equal(t, inbox.ID, root[1].ID)
	assert.Equal(t, apitable.NodeDatasheet, root[1].Type)

	f, err := c.Nodes.Get(ctx, folder)
	require.NoError(t, err)
	require.Len(t, f.Children, 2)
	assert.Equal(t, []string{tasks.ID, plans.ID}, []string{f.Children[0].ID, f.Children[1].ID})

	d, err := c.Nodes.Get(ctx, tasks.ID)
	require.NoError(t, err)
	assert.Equal(t, "Tasks", d.Name)
	assert.Empty(t, d.Children)

	_, err = c.Nodes.Get(ctx, "fodMissing0000")
	assert.ErrorIs(t, err, apitable.ErrDatasheetNotFound, "server-behaviour.md §6.14: any unknown node is 301")

	found, err := c.Nodes.Search(ctx, srv.SpaceID(), apitable.SearchNodesParams{Type: apitable.NodeDatasheet, Query: "a", Permissions: []apitable.Permission{apitable.PermissionManager, apitable.PermissionEditor}})
	require.NoError(t, err)
	var names []string
	for _, n := range found {
		names = append(names, n.Name)
		if n.ID != inbox.ID {
			assert.Equal(t, folder, n.ParentID, "v2 search reports the parent")
		}
	}
	assert.ElementsMatch(t, []string{"Tasks", "Plans"}, names, "whole space, partial name match")
	last := srv.Requests()[len(srv.Requests())-1]
	assert.Equal(t, "/fusion/v2/spaces/"+srv.SpaceID()+"/nodes", last.Path)
	assert.Equal(t, []string{"0,1"}, last.Query["permissions"], "one comma list: v2 does not parse permissions[] (server-behaviour.md §6.15)")
	assert.Equal(t, "Datasheet", last.Query.Get("type"))
}

func TestNodesValidation(t *testing.T) {
	t.Parallel()
	srv := apitabletest.NewServer(t)
	c := srv.Client()
	ctx := t.Context()
	_, err := c.Nodes.Search(ctx, srv.SpaceID(), apitable.SearchNodesParams{})
	assert.ErrorIs(t, err, apitable.ErrInvalidRequest, "type is required")
	_, err = c.Nodes.Search(ctx, srv.SpaceID(), apitable.SearchNodesParams{Type: apitable.NodeFolder, Permissions: []apitable.Permission{4}})
	assert.ErrorIs(t, err, apitable.ErrInvalidRequest)
	_, err = c.Nodes.List(ctx, "spc/../x")
	assert.ErrorIs(t, err, apitable.ErrInvalidRequest)
	_, err = c.Nodes.Get(ctx, "")
	assert.ErrorIs(t, err, apitable.ErrInvalidRequest)
	_, err = c.Nodes.CreateEmbedLink(ctx, srv.SpaceID(), "dstX", &apitable.CreateEmbedLinkParams{Theme: "blue"})
	assert.ErrorIs(t, err, apitable.ErrInvalidRequest)
	assert.Empty(t, srv.Requests())
}

func TestSpaceErrors(t *testing.T) {
	t.Parallel()
	srv := apitabletest.NewServer(t)
	c := srv.Client()
	foreign := srv.AddForeignSpace("Theirs")
	_, err := c.Nodes.List(t.Context(), foreign)
	assert.ErrorIs(t, err, apitable.ErrForbidden)
	var apiErr *apitable.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 403, apiErr.HTTPStatus)
	_, err = c.Nodes.List(t.Context(), "spcMissing000")
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 200, apiErr.HTTPStatus)
	assert.Equal(t, 400, apiErr.Code)
	assert.Equal(t, "Space doesn't exist, please adjust the spaceId and try again", apiErr.Message)
}

func TestEmbedLinks(t *testing.T) {
	t.Parallel()
	srv := apitabletest.NewServer(t, apitabletest.WithoutRateLimit())
	folder, tasks, _, _ := tree(t, srv)
	c := srv.Client(apitable.WithRateLimit(1000))
	ctx, sp := t.Context(), srv.SpaceID()
	yes := true
	link, err := c.Nodes.CreateEmbedLink(ctx, sp, tasks.ID, &apitable.CreateEmbedLinkParams{
		Theme:   "dark",
		Payload: &apitable.EmbedPayload{PermissionType: "readOnly", BannerLogo: &yes, ViewControl: &apitable.EmbedViewControl{ViewID: tasks.ViewIDs[0]}},
	})
	require.NoError(t, err)
	assert.NotEmpty(t, link.ID)
	assert.NotEmpty(t, link.URL)
	assert.Equal(t, "dark", link.Theme)
	require.NotNil(t, link.Payload)
	assert.Equal(t, "readOnly", link.Payload.PermissionType)
	body := string(srv.Requests()[0].Body)
	assert.JSONEq(t, `{"payload":{"bannerLogo":true,"permissionType":"readOnly","viewControl":{"viewId":"`+tasks.ViewIDs[0]+`"}},"theme":"dark"}`, body)

	links, err := c.Nodes.ListEmbedLinks(ctx, sp, tasks.ID)
	require.NoError(t, err)
	require.Len(t, links, 1)
	assert.Equal(t, link.ID, links[0].ID)

	require.NoError(t, c.Nodes.DeleteEmbedLink(ctx, sp, tasks.ID, link.ID))
	links, err = c.Nodes.ListEmbedLinks(ctx, sp, tasks.ID)
	require.NoError(t, err)
	assert.Empty(t, links)

	err = c.Nodes.DeleteEmbedLink(ctx, sp, tasks.ID, link.ID)
	var apiErr *apitable.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 1501, apiErr.Code)

	_, err = c.Nodes.CreateEmbedLink(ctx, sp, folder, nil)
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, "embedded links are not supported for nodes other than datasheet type", apiErr.Message)

	for range 30 {
		_, err := c.Nodes.CreateEmbedLink(ctx, sp, tasks.ID, nil)
		require.NoError(t, err)
	}
	_, err = c.Nodes.CreateEmbedLink(ctx, sp, tasks.ID, nil)
	assert.ErrorIs(t, err, apitable.ErrInvalidRequest, "30 links per node at most")
}
