package formula

import "testing"

// Expected values from functions/logical.ts of the server
// (packages/core/src/formula_parser; github.com/apitable/apitable).
func TestLogicalFunctions(t *testing.T) {
	t.Parallel()
	runFnCases(t, []fnCase{
		// XOR: TRUE when an odd number of arguments is truthy.
		{"XOR(1, 0)", true},
		{"XOR(1, 1)", false},
		{"XOR(1, 1, 1)", true},
		{"XOR({Tags})", false}, // lone array: its elements ("a", "b": two truthy)
		{"XOR({One tag})", true},
		{"XOR({No tags})", false},
		// AND/OR with a lone array test its elements
		{"AND({Tags})", true},
		{"OR({No tags})", false},
		// SWITCH: strict equality (===), default when the count is even
		{`SWITCH({Name}, "Bob", 1, "Alice", 2, 3)`, 2.0},
		{`SWITCH({Name}, "Bob", 1, 3)`, 3.0},
		{`SWITCH({Name}, "Bob", 1)`, nil},
		{`SWITCH({Age}, "30", "text", 30, "number")`, "number"},
		{`SWITCH({No tags}, BLANK(), "blank", "other")`, "blank"},
		{`SWITCH(1, 1, "one", 1 / 0)`, "one"},
		// ERROR raises; IS_ERROR / ISERROR catch
		{`ERROR("boom")`, errWant},
		{`IS_ERROR(ERROR("boom"))`, true},
		{`ISERROR(1 / 0)`, true},
		{`IS_ERROR(1)`, false},
		{`IF(IS_ERROR(VALUE("x")), "bad", "ok")`, "bad"},
	})
}
