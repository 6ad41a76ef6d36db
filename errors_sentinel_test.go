package apitable_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apitable-go/apitable"
	"github.com/apitable-go/apitable/apitabletest"
)

// TestFinerSentinelsFromFakeAnswers drives each finer sentinel of the 400
// family with a real answer from the fake (which sends the server's tip
// texts, docs/server-behaviour.md §4.3): the error matches its sentinel and
// ErrInvalidRequest, no other finer sentinel, and is an *APIError.
func TestFinerSentinelsFromFakeAnswers(t *testing.T) {
	t.Parallel()
	srv := apitabletest.NewServer(t, apitabletest.WithoutRateLimit())
	ds := srv.AddDatasheet(srv.SpaceID(), apitabletest.DatasheetSpec{
		Name: "Tasks",
		Fields: []apitabletest.FieldSpec{
			{Name: "Title", Type: "SingleText", Property: map[string]any{}},
			{Name: "Owner", Type: "Member", Property: map[string]any{"isMulti": true}},
		},
		Records: []map[string]any{{"Title": "a"}},
	})
	c := srv.Client(apitable.WithRateLimit(1e6))
	finer := []error{apitable.ErrRecordNotFound, apitable.ErrFieldNotFound, apitable.ErrViewNotFound,
		apitable.ErrUnitNotFound, apitable.ErrFormulaRejected}
	const missing = "recNope000000"
	tests := []struct {
		name    string
		call    func() error
		want    error
		message string // the server's message (empty: the formula tip)
	}{
		{"update unknown record", func() error {
			_, err := c.Records.Update(t.Context(), ds.ID, []apitable.RecordUpdate{{ID: missing, Fields: apitable.Fields{"Title": "x"}}}, nil)
			return err
		}, apitable.ErrRecordNotFound, "The record specified by the recordId does not exist"},
		{"delete unknown record", func() error {
			return c.Records.Delete(t.Context(), ds.ID, []string{missing})
		}, apitable.ErrRecordNotFound, "The record specified by the recordId does not exist"},
		{"misspelt field in Fields", func() error {
			_, err := c.Records.List(t.Context(), ds.ID, &apitable.ListRecordsParams{Fields: []string{"Titel"}})
			return err
		}, apitable.ErrFieldNotFound, "Invalid fields"},
		{"misspelt field in Sort", func() error {
			_, err := c.Records.List(t.Context(), ds.ID, &apitable.ListRecordsParams{Sort: []apitable.Sort{{Field: "Titel"}}})
			return err
		}, apitable.ErrFieldNotFound, `The sorted field "Titel" does not exist`},
		{"create with only unknown fields", func() error {
			_, err := c.Records.Create(t.Context(), ds.ID, []apitable.Fields{{"Titel": "x"}}, nil)
			return err
		}, apitable.ErrFieldNotFound, "The format of the fields parameter value is wrong"},
		{"unknown view on list", func() error {
			_, err := c.Records.List(t.Context(), ds.ID, &apitable.ListRecordsParams{ViewID: "viwNope0000000"})
			return err
		}, apitable.ErrViewNotFound, "The specified view does not exist"},
		{"unknown view on create", func() error {
			_, err := c.Records.Create(t.Context(), ds.ID, []apitable.Fields{{"Title": "x"}}, &apitable.CreateRecordsParams{ViewID: "viwNope0000000"})
			return err
		}, apitable.ErrViewNotFound, "View (viwNope0000000) does not exist"},
		{"unknown member name", func() error {
			_, err := c.Records.Create(t.Context(), ds.ID, []apitable.Fields{{"Owner": []any{map[string]any{"name": "Nobody", "type": "Member"}}}}, nil)
			return err
		}, apitable.ErrUnitNotFound, "The unit specified by the unit Name does not exist"},
		{"unknown unit id", func() error {
			_, err := c.Records.Create(t.Context(), ds.ID, []apitable.Fields{{"Owner": []any{map[string]any{"id": "999999"}}}}, nil)
			return err
		}, apitable.ErrUnitNotFound, "The unit specified by the unit ID does not exist"},
		{"bad formula", func() error {
			_, err := c.Records.List(t.Context(), ds.ID, &apitable.ListRecordsParams{FilterByFormula: "{Titel} = 1"})
			return err
		}, apitable.ErrFormulaRejected, ""},
	}
	for _, tc := range tests { //nolint:paralleltest // the cases share one fake datasheet and run in order
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			require.Error(t, err)
			assert.ErrorIs(t, err, tc.want)
			assert.ErrorIs(t, err, apitable.ErrInvalidRequest, "a finer sentinel is still an invalid request")
			for _, other := range finer {
				if other != tc.want { //nolint:errorlint // identity of two sentinels, not a wrapped error
					assert.NotErrorIs(t, err, other)
				}
			}
			var ae *apitable.APIError
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, 400, ae.Code)
			assert.Equal(t, tc.message, ae.Message)
		})
	}
}

// TestFormulaRejectedNamesTheFormula: the server's answer to a bad formula
// has an empty message; the error says what was rejected and quotes it.
func TestFormulaRejectedNamesTheFormula(t *testing.T) {
	t.Parallel()
	srv := apitabletest.NewServer(t, apitabletest.WithoutRateLimit())
	ds := tasksSheet(t, srv, 3)
	c := srv.Client(apitable.WithRateLimit(1e6))
	const formula = "{Titel} = 1"
	_, err := c.Records.List(t.Context(), ds.ID, &apitable.ListRecordsParams{FilterByFormula: formula})
	require.Error(t, err)
	assert.Equal(t, "apitable: GET /fusion/v1/datasheets/"+ds.ID+`/records: filterByFormula rejected by the server (code 400): "{Titel} = 1" [request-id apitabletest-1]`, err.Error())
	var ae *apitable.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, formula, ae.Formula)
	assert.Empty(t, ae.Message, "the server's own (empty) message is kept")

	// All reports the same error.
	for _, err := range c.Records.All(t.Context(), ds.ID, &apitable.ListRecordsParams{FilterByFormula: formula}) {
		assert.ErrorIs(t, err, apitable.ErrFormulaRejected)
		assert.Contains(t, err.Error(), `filterByFormula rejected by the server (code 400): "{Titel} = 1"`)
	}

	// Another error of a call with a formula does not blame it.
	_, err = c.Records.List(t.Context(), ds.ID, &apitable.ListRecordsParams{FilterByFormula: formula, Fields: []string{"Nope"}})
	assert.ErrorIs(t, err, apitable.ErrFieldNotFound)
	assert.NotErrorIs(t, err, apitable.ErrFormulaRejected)
	require.ErrorAs(t, err, &ae)
	assert.Empty(t, ae.Formula)
}

// TestRecordNotFoundOnGet: Get's own not-found matches ErrRecordNotFound
// and, like the server's answers to updates, ErrInvalidRequest.
func TestRecordNotFoundOnGet(t *testing.T) {
	t.Parallel()
	srv := apitabletest.NewServer(t, apitabletest.WithoutRateLimit())
	ds := tasksSheet(t, srv, 1)
	_, err := srv.Client().Records.Get(t.Context(), ds.ID, "recNope000000", nil)
	assert.ErrorIs(t, err, apitable.ErrRecordNotFound)
	assert.ErrorIs(t, err, apitable.ErrInvalidRequest)
	assert.True(t, errors.Is(apitable.ErrFieldNotFound, apitable.ErrInvalidRequest), "the sentinels themselves wrap ErrInvalidRequest")
}
