package formula

import "testing"

// Expected values from functions/text.ts of the server
// (packages/core/src/formula_parser; github.com/apitable/apitable).
func TestTextFunctions(t *testing.T) {
	t.Parallel()
	runFnCases(t, []fnCase{
		{`LEFT("hello", 2)`, "he"},
		{`LEFT("hello")`, "h"},
		{`LEFT("hé", 9)`, "hé"},
		{`LEFT({Empty}, 2)`, nil},
		{`RIGHT("hello", 3)`, "llo"},
		{`RIGHT("hello")`, "o"},
		{`MID("hello", 2, 3)`, "ell"},
		{`MID("hello", 4, 10)`, "lo"},
		{`MID("hello", 0, 2)`, ""}, // slice(-1, 1)
		{`REPLACE("hello", 2, 3, "ipp")`, "hippo"},
		{`REPLACE("abc", 9, 1, "Z")`, "abcZ"},
		{`SUBSTITUTE("a-b-c", "-", "+")`, "a+b+c"},
		{`SUBSTITUTE("a-b-c", "-", "+", 2)`, "a-b+c"},
		{`SUBSTITUTE("a-b-c", "-", "+", 1)`, "a-b-c"}, // the server's index 1 changes nothing
		{`SUBSTITUTE("a-b-c", "-", "+", 9)`, "a-b-c"},
		{`TRIM("  a b  ")`, "a b"},
		{`TRIM({Empty})`, nil},
		{`REPT("ab", 3)`, "ababab"},
		{`REPT("ab", 0)`, ""},
		{`T("x")`, "x"},
		{`T(1)`, nil},
		{`T({Name})`, "Alice"},
		{`ENCODE_URL_COMPONENT("a b&c=d/é")`, "a%20b%26c%3Dd%2F%C3%A9"},
		{`ENCODE_URL_COMPONENT("-_.!~*'()")`, "-_.!~*'()"},
		{`LEN({Name})`, 5.0},
		{`CONCATENATE({Name}, "-", 1)`, "Alice-1"},
	})
}
