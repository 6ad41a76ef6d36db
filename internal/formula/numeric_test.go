package formula

import "testing"

// Expected values from functions/numeric.ts of the server
// (packages/core/src/formula_parser; github.com/apitable/apitable).
func TestNumericFunctions(t *testing.T) {
	t.Parallel()
	runFnCases(t, []fnCase{
		{"SUM(1, 2, 3.5)", 6.5},
		{`SUM(1, "2", "x", {Empty})`, 3.0}, // Number("x") is NaN, counted as 0
		{"SUM({Nums})", 3.5},
		{"SUM(0.1, 0.2)", 0.3}, // the server adds in decimal
		{"AVERAGE(1, 2, 3, 4)", 2.5},
		{`AVERAGE(2, {Empty}, "x", 4)`, 3.0}, // blank and NaN are not counted
		{"AVERAGE({Nums})", 1.75},
		{"MAX(1, 5, 3)", 5.0},
		{`MIN(4, "2", 8)`, 2.0},
		{"MAX({Nums})", 2.5},
		{"MAX({No tags})", nil},
		{`MAX("x")`, 0.0},
		{"ROUND(2.5)", 3.0},
		{"ROUND(-2.5)", -2.0}, // Math.round rounds half up
		{"ROUND(1.005, 2)", 1.01},
		{"ROUND(1234, -2)", 1200.0},
		{"ROUND({Empty})", nil},
		{"ROUNDUP(1.21, 1)", 1.3},
		{"ROUNDUP(-1.21, 1)", -1.3},
		{"ROUNDDOWN(1.29, 1)", 1.2},
		{"ROUNDDOWN(-1.29, 1)", -1.2},
		{"CEILING(1.2)", 2.0},
		{"CEILING(7, 5)", 10.0},
		{"FLOOR(7, 5)", 5.0},
		{"FLOOR(-1.5)", -2.0},
		{"EVEN(1.5)", 2.0},
		{"EVEN(3)", 4.0},
		{"EVEN(-1)", -2.0},
		{"EVEN(0)", 0.0},
		{"ODD(2)", 3.0},
		{"ODD(0)", 1.0},
		{"ODD(-2)", -3.0},
		{"ODD(1.5)", 3.0},
		{"INT(-1.5)", -2.0},
		{"INT(1.9)", 1.0},
		{"ABS(-3)", 3.0},
		{"ABS({Empty})", nil},
		{"SQRT(16)", 4.0},
		{"SQRT(-1)", errWant}, // NaN on the server
		{"MOD(7, 3)", 1.0},
		{"MOD(-3, 2)", 1.0}, // the divisor's sign
		{"MOD(3, -2)", -1.0},
		{"POWER(2, 10)", 1024.0},
		{"EXP(0)", 1.0},
		{"LOG(100)", 2.0},
		{"LOG(8, 2)", 3.0},
		{`VALUE("$1,234.5")`, 1234.5},
		{`VALUE("-12abc")`, -12.0},
		{`VALUE("x")`, errWant}, // NaN on the server
	})
}
