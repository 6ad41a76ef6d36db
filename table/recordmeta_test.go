package table_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apitable-go/apitable/apitabletest"
	"github.com/apitable-go/apitable/table"
)

// TestRecordMetaTimestamps checks RecordMeta's documentation: Create's
// results have no timestamps (the server omits them), Update's have both,
// and Upsert's updated rows have them while its created rows do not.
func TestRecordMetaTimestamps(t *testing.T) {
	t.Parallel()
	srv := apitabletest.NewServer(t)
	ds := srv.AddDatasheet(srv.SpaceID(), apitabletest.DatasheetSpec{
		Name:   "Meta",
		Fields: []apitabletest.FieldSpec{{Name: "Title", Type: "SingleText", Property: map[string]any{}}, {Name: "N", Type: "Number", Property: map[string]any{"precision": 0}}},
	})
	type row struct {
		table.RecordMeta
		Title string `apitable:"Title"`
		N     int    `apitable:"N,omitempty"`
	}
	tb, err := table.Of[row](srv.Client(), ds.ID)
	require.NoError(t, err)
	created, err := tb.Create(t.Context(), []row{{Title: "a"}})
	require.NoError(t, err)
	require.Len(t, created, 1)
	assert.NotEmpty(t, created[0].ID)
	assert.True(t, created[0].CreatedAt.IsZero() && created[0].UpdatedAt.IsZero(), "create: %+v", created[0].RecordMeta)

	created[0].Title = "b"
	updated, err := tb.Update(t.Context(), created)
	require.NoError(t, err)
	require.Len(t, updated, 1)
	assert.False(t, updated[0].CreatedAt.IsZero(), "update: %+v", updated[0].RecordMeta)
	assert.False(t, updated[0].UpdatedAt.IsZero(), "update: %+v", updated[0].RecordMeta)

	ups, err := tb.Upsert(t.Context(), []row{{Title: "b", N: 2}, {Title: "c", N: 3}}, []string{"Title"})
	require.NoError(t, err)
	require.Len(t, ups, 2)
	assert.False(t, ups[0].UpdatedAt.IsZero(), "upsert, updated row: %+v", ups[0].RecordMeta)
	assert.True(t, ups[1].CreatedAt.IsZero() && ups[1].UpdatedAt.IsZero(), "upsert, created row: %+v", ups[1].RecordMeta)
}
