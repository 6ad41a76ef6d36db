package apitable_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/apitable-go/apitable"
	"github.com/apitable-go/apitable/apitabletest"
)

// TestEveryIDIsValidatedBeforeIO: every id argument of every method rejects
// ids that would change the request path, before any request is sent.
func TestEveryIDIsValidatedBeforeIO(t *testing.T) {
	t.Parallel()
	srv := apitabletest.NewServer(t)
	c := srv.Client()
	const spc, dst, rec, fld, node = "spcOK", "dstOK", "recOK", "fldOK", "fodOK"
	type call func(ctx context.Context, bad string) error
	calls := map[string]call{
		"Records.List": func(ctx context.Context, b string) error { _, err := c.Records.List(ctx, b, nil); return err },
		"Records.List.viewId": func(ctx context.Context, b string) error {
			_, err := c.Records.List(ctx, dst, &apitable.ListRecordsParams{ViewID: b})
			return err
		},
		"Records.List.records": func(ctx context.Context, b string) error {
			_, err := c.Records.List(ctx, dst, &apitable.ListRecordsParams{RecordIDs: []string{b}})
			return err
		},
		"Records.All": func(ctx context.Context, b string) error {
			for _, err := range c.Records.All(ctx, b, nil) {
				return err
			}
			return nil
		},
		"Records.Get.datasheet": func(ctx context.Context, b string) error { _, err := c.Records.Get(ctx, b, rec, nil); return err },
		"Records.Get.record":    func(ctx context.Context, b string) error { _, err := c.Records.Get(ctx, dst, b, nil); return err },
		"Records.Create": func(ctx context.Context, b string) error {
			_, err := c.Records.Create(ctx, b, []apitable.Fields{{"A": 1}}, nil)
			return err
		},
		"Records.Create.viewId": func(ctx context.Context, b string) error {
			_, err := c.Records.Create(ctx, dst, []apitable.Fields{{"A": 1}}, &apitable.CreateRecordsParams{ViewID: b})
			return err
		},
		"Records.Update.record": func(ctx context.Context, b string) error {
			_, err := c.Records.Update(ctx, dst, []apitable.RecordUpdate{{ID: b, Fields: apitable.Fields{"A": 1}}}, nil)
			return err
		},
		"Records.Delete.datasheet": func(ctx context.Context, b string) error { return c.Records.Delete(ctx, b, []string{rec}) },
		"Records.Delete.record":    func(ctx context.Context, b string) error { return c.Records.Delete(ctx, dst, []string{b}) },
		"Records.Upsert": func(ctx context.Context, b string) error {
			_, err := c.Records.Upsert(ctx, b, []apitable.Fields{{"A": "x"}}, []string{"A"}, nil)
			return err
		},
		"Fields.List": func(ctx context.Context, b string) error { _, err := c.Fields.List(ctx, b, nil); return err },
		"Fields.List.viewId": func(ctx context.Context, b string) error {
			_, err := c.Fields.List(ctx, dst, &apitable.ListFieldsParams{ViewID: b})
			return err
		},
		"Fields.Create.space": func(ctx context.Context, b string) error {
			_, err := c.Fields.Create(ctx, b, dst, apitable.CreateFieldParams{Name: "N", Property: apitable.TextField{}})
			return err
		},
		"Fields.Create.sheet": func(ctx context.Context, b string) error {
			_, err := c.Fields.Create(ctx, spc, b, apitable.CreateFieldParams{Name: "N", Property: apitable.TextField{}})
			return err
		},
		"Fields.Delete.field": func(ctx context.Context, b string) error { return c.Fields.Delete(ctx, spc, dst, b, nil) },
		"Views.List":          func(ctx context.Context, b string) error { _, err := c.Views.List(ctx, b); return err },
		"Datasheets.Create": func(ctx context.Context, b string) error {
			_, err := c.Datasheets.Create(ctx, b, apitable.CreateDatasheetParams{Name: "D"})
			return err
		},
		"Datasheets.Create.fold": func(ctx context.Context, b string) error {
			_, err := c.Datasheets.Create(ctx, spc, apitable.CreateDatasheetParams{Name: "D", FolderID: b})
			return err
		},
		"Attachments.Upload": func(ctx context.Context, b string) error {
			_, err := c.Attachments.Upload(ctx, b, "a.txt", strings.NewReader("x"), nil)
			return err
		},
		"Nodes.List": func(ctx context.Context, b string) error { _, err := c.Nodes.List(ctx, b); return err },
		"Nodes.Get":  func(ctx context.Context, b string) error { _, err := c.Nodes.Get(ctx, b); return err },
		"Nodes.Search": func(ctx context.Context, b string) error {
			_, err := c.Nodes.Search(ctx, b, apitable.SearchNodesParams{Type: apitable.NodeFolder})
			return err
		},
		"Nodes.CreateEmbedLink": func(ctx context.Context, b string) error {
			_, err := c.Nodes.CreateEmbedLink(ctx, spc, b, nil)
			return err
		},
		"Nodes.ListEmbedLinks":  func(ctx context.Context, b string) error { _, err := c.Nodes.ListEmbedLinks(ctx, b, node); return err },
		"Nodes.DeleteEmbedLink": func(ctx context.Context, b string) error { return c.Nodes.DeleteEmbedLink(ctx, spc, node, b) },
	}
	bad := []string{"", " ", "dst x", "dst/../spc", "dst?x=1", "dst#frag", "..", "dst..x", "dst\n", "dst%2F", `dst\x`, "dst\x7f"}
	// Optional ids (view, folder) take "" as "not set".
	optional := map[string]bool{"Records.List.viewId": true, "Records.Create.viewId": true, "Fields.List.viewId": true, "Datasheets.Create.fold": true}
	for name, fn := range calls {
		for _, b := range bad {
			if b == "" && optional[name] {
				continue
			}
			err := fn(t.Context(), b)
			assert.ErrorIs(t, err, apitable.ErrInvalidRequest, "%s(%q)", name, b)
			var ve *apitable.ValidationError
			assert.ErrorAs(t, err, &ve, "%s(%q)", name, b)
		}
	}
	assert.Empty(t, srv.Requests(), "no request was sent")
}

// TestPathSegmentsAreEscaped: an id with characters a path must escape (but
// that are not path syntax) reaches the server as one segment.
func TestPathSegmentsAreEscaped(t *testing.T) {
	t.Parallel()
	srv := apitabletest.NewServer(t)
	c := srv.Client()
	_, err := c.Records.List(t.Context(), "dstä+;=@", nil)
	assert.ErrorIs(t, err, apitable.ErrDatasheetNotFound, "the whole id reached the datasheet guard")
	reqs := srv.Requests()
	if assert.Len(t, reqs, 1) {
		assert.Equal(t, "/fusion/v1/datasheets/dstä+;=@/records", reqs[0].Path)
	}
}
