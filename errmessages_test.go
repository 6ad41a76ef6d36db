package apitable

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestMessageSentinelEveryLanguage: each tip text, rendered as the server
// renders it (a value in place of each {name}, or the braces left as they
// are when the server passes no argument), maps to its sentinel; texts of
// other tips do not.
func TestMessageSentinelEveryLanguage(t *testing.T) {
	t.Parallel()
	for _, row := range messageTable() {
		for _, tmpl := range row.texts {
			for _, rendered := range []string{tmpl, renderTip(tmpl, "fldX1, fldY2"), renderTip(tmpl, "")} {
				assert.Equal(t, row.sentinel, messageSentinel(rendered), "%q", rendered)
				assert.True(t, (&APIError{Code: 400, Message: rendered}).Is(row.sentinel), "%q", rendered)
				assert.True(t, (&APIError{Code: 400, Message: rendered}).Is(ErrInvalidRequest), "%q", rendered)
			}
		}
	}
	for _, msg := range []string{
		"Invalid fieldKey (only supports \"id\" or \"name\")",
		"The linked field specifies a record (recA) that does not exist",
		"The attachment specified by the token does not exist",
		"Invalid value for name",
		"Invalid fields!", "xInvalid fields",
		"SUCCESS", "",
		"recordId 指定的记录", // a prefix only
	} {
		assert.Nil(t, messageSentinel(msg), "%q", msg)
	}
	// Only code 400 is refined: the same text under another code keeps the code's sentinel.
	assert.False(t, (&APIError{Code: 500, HTTPStatus: 500, Message: "Invalid fields"}).Is(ErrFieldNotFound))
	assert.True(t, (&APIError{Code: 500, HTTPStatus: 500, Message: "Invalid fields"}).Is(ErrServer))
}

// renderTip fills every {name} of tmpl with v.
func renderTip(tmpl, v string) string {
	parts := tipParts(tmpl)
	return strings.Join(parts, v)
}

// TestFormulaTip: the formula tip is recognised only on a call that sent a
// formula, with the tip's (empty) text in any language.
func TestFormulaTip(t *testing.T) {
	t.Parallel()
	for _, msg := range []string{"", " ", "{value}", "قيمة"} {
		e := &APIError{Code: 400, HTTPStatus: 200, Message: msg, Formula: "{A} > 1"}
		assert.True(t, e.Is(ErrFormulaRejected), "%q", msg)
		assert.True(t, e.Is(ErrInvalidRequest), "%q", msg)
		assert.Contains(t, e.Error(), `filterByFormula rejected by the server (code 400): "{A} > 1"`)
	}
	assert.False(t, (&APIError{Code: 400, Message: ""}).Is(ErrFormulaRejected), "no formula sent")
	assert.False(t, (&APIError{Code: 400, Message: "Invalid fields", Formula: "{A}"}).Is(ErrFormulaRejected))
	assert.Equal(t, `apitable: GET /x: filterByFormula rejected by the server (code 400): "{A}\n1"`,
		(&APIError{Code: 400, HTTPStatus: 200, Method: "GET", Path: "/x", Formula: "{A}\n1"}).Error(), "one line: %q escapes")
}
