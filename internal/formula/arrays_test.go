package formula

import "testing"

// Expected values from functions/array.ts of the server
// (packages/core/src/formula_parser; github.com/apitable/apitable).
func TestArrayFunctions(t *testing.T) {
	t.Parallel()
	runFnCases(t, []fnCase{
		{`ARRAYJOIN({Tags})`, "a, b"},
		{`ARRAYJOIN({Tags}, "; ")`, "a; b"},
		{`ARRAYJOIN({Name}, "; ")`, "Alice"}, // not an array: returned as is
		{`ARRAYFLATTEN({Tags}, {One tag})`, []any{"a", "b", "x"}},
		{`ARRAYFLATTEN({Empty}, {Tags})`, []any{"a", "b"}},
		{`ARRAYUNIQUE({Tags}, {Tags}, "a", 1, "1")`, []any{"a", "b", 1.0, "1"}},
		{`ARRAYCOMPACT({Tags}, "", {Empty})`, []any{"a", "b"}},
		{`COUNT({Nums})`, 2.0},
		{`COUNT(1, "2", {Empty}, TRUE)`, 1.0},
		{`COUNTA(1, "", {Empty}, FALSE, "x")`, 2.0},
		{`COUNTALL(1, "", {Empty})`, 3.0},
		{`COUNTALL({Tags})`, 2.0},
		{`COUNTALL({No tags})`, 0.0},
		{`IF(ARRAYUNIQUE({No tags}), 1, 0)`, 0.0},
		{`COUNTIF({Tags}, "a")`, 1.0},
		{`COUNTIF({Nums}, 1)`, 1.0},
		{`COUNTIF({Nums}, "1")`, 1.0}, // text and numbers compare loosely
		{`COUNTIF({Nums}, 2, ">")`, 1.0},
		{`COUNTIF({Nums}, 2, "<")`, 1.0},
		{`COUNTIF({Tags}, "a", "!=")`, 1.0},
		{`COUNTIF({Tags}, "a", ">=")`, 0.0}, // not one of =, !=, >, <
		{`COUNTIF("banana", "an")`, 2.0},
		{`COUNTIF("banana", "an", "!=")`, 1.0},
		{`COUNTIF({Empty}, "a")`, 0.0},
	})
}
