package formula

import (
	"errors"
	"math"
	"strings"
	"testing"
)

// row is a lookup over a fixed map of cell values.
func row(cells map[string]any) func(string) (any, bool) {
	return func(name string) (any, bool) {
		v, ok := cells[name]
		return v, ok
	}
}

var testRow = map[string]any{
	"Name":        "Alice",
	"Empty":       nil,
	"Blank text":  "",
	"Age":         30.0,
	"Zero":        0.0,
	"Num text":    "42",
	"Done":        true,
	"Undone":      false,
	"Tags":        []any{"a", "b"},
	"One tag":     []any{"x"},
	"No tags":     []any{},
	"Nums":        []any{1.0, 2.5},
	"URL":         map[string]any{"text": "https://x.io", "title": "X"},
	"Creator":     map[string]any{"name": "Bob", "id": "u1"},
	"Odd object":  map[string]any{"id": "u1"},
	"Date":        1700000000000.0,
	"a}b\\c":      "escaped",
	"Say, \"hi\"": "quoted name",
	"":            "empty name",
	"Int":         7,
}

func mustParse(t testing.TB, src string) Expr {
	t.Helper()
	e, err := Parse(src)
	require.NoError(t, err, "Parse(%q)", src)
	return e
}

func eval(t testing.TB, src string) (any, error) {
	t.Helper()
	e, err := Parse(src)
	if err != nil {
		return nil, err
	}
	return Eval(e, row(testRow))
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		src string
		pos int
		msg string
	}{
		{"", 0, "empty formula"},
		{"   ", 0, "empty formula"},
		{"1 +", 3, "unexpected end of formula"},
		{"(1", 2, "expected ')' to close '(' at position 0"},
		{"1)", 1, "unexpected ')' after end of expression"},
		{"1 2", 2, "unexpected number 2 after end of expression"},
		{"{A} {B}", 4, "unexpected field reference {B} after end"},
		{`"abc`, 0, "unterminated string literal"},
		{`'abc"`, 0, "unterminated string literal"},
		{`"a\`, 0, "unterminated string literal"},
		{`"a\qb"`, 2, "invalid escape sequence"},
		{`"\u12"`, 1, `invalid \u escape`},
		{`"\u12G4"`, 1, `invalid \u escape`},
		{`"\uD83D"`, 1, "unpaired surrogate"},
		{`"\uDE00"`, 1, "unpaired surrogate"},
		{`"\uD83D\u0041"`, 1, "unpaired surrogate"},
		{"{abc", 0, "unterminated field reference"},
		{`{a\b}`, 2, `invalid escape in field name`},
		{`{a\`, 0, "unterminated field reference"},
		{"}", 0, "unexpected '}'"},
		{"FOO(1)", 0, "unknown function FOO"},
		{"1 + foo", 4, "unknown identifier foo"},
		{"Name = 1", 0, "field names must be written in braces, e.g. {Name}"},
		{"LEN", 3, "expected '(' after function name LEN"},
		// The server's IF needs 3 arguments and ignores more
		// (functions/logical.ts If.validateParams).
		{"IF(1)", 0, "IF expects at least 3 arguments, got 1"},
		{`IF({Undone}, "yes")`, 0, "IF expects at least 3 arguments, got 2"},
		{"NOT()", 0, "NOT expects 1 argument, got 0"},
		{"NOT(1, 2)", 0, "NOT expects 1 argument, got 2"},
		{"AND()", 0, "AND expects at least 1 argument, got 0"},
		{"OR()", 0, "OR expects at least 1 argument, got 0"},
		{"CONCATENATE()", 0, "CONCATENATE expects at least 1 argument"},
		{"BLANK(1)", 0, "BLANK expects 0 arguments, got 1"},
		{"TRUE(1)", 0, "TRUE expects 0 arguments"},
		{"LEN(1, 2)", 0, "LEN expects 1 argument, got 2"},
		{"FIND(1)", 0, "FIND expects 2 to 3 arguments"},
		{"SEARCH(1,2,3,4)", 0, "SEARCH expects 2 to 3 arguments"},
		{"LOWER()", 0, "LOWER expects 1 argument"},
		{"UPPER(1,2)", 0, "UPPER expects 1 argument"},
		{"AND(1,)", 6, "expected an expression, found ')'"},
		{"AND(1 2)", 6, "expected ',' or ')' in call to AND (opened at position 3), found number 2"},
		{"AND(,1)", 4, "expected an expression, found ','"},
		{"1 == 1", 2, "unsupported operator '=='"},
		{"2 ^ 3", 2, `unsupported operator "^"`},
		{"1 &&", 4, "unexpected end of formula"},
		{"!", 1, "unexpected end of formula"},
		{"1e", 1, "exponent has no digits"},
		{"1e+", 1, "exponent has no digits"},
		{"1.2.3", 3, "malformed number 1.2."},
		{"2x", 1, "malformed number 2x"},
		{"1e999", 0, "number 1e999 is out of range"},
		{"1 # 2", 2, "unexpected character '#'"},
		{"1 \u00a0", 2, "unexpected character '\\u00a0'"},
		{"1 \xff", 2, "unexpected byte 0xff"},
		{"1 = = 2", 4, "expected an expression, found '='"},
		{"()", 1, "expected an expression, found ')'"},
		{strings.Repeat("(", 300) + "1" + strings.Repeat(")", 300), 256, "nested too deeply"},
		{strings.Repeat("-", 300) + "1", 256, "nested too deeply"},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			t.Parallel()
			_, err := Parse(tt.src)
			require.Error(t, err)
			var se *SyntaxError
			require.True(t, errors.As(err, &se), "want *SyntaxError, got %T", err)
			assert.Equal(t, tt.pos, se.Pos, "position; message %q", se.Msg)
			assert.Contains(t, se.Msg, tt.msg)
			assert.Contains(t, err.Error(), "position")
		})
	}
}

func TestCanonicalString(t *testing.T) {
	t.Parallel()
	tests := []struct{ src, want string }{
		{"1+2*3", "1 + 2 * 3"},
		{"(1+2)*3", "(1 + 2) * 3"},
		{"1-(2-3)", "1 - (2 - 3)"},
		{"(1-2)-3", "1 - 2 - 3"},
		{"1/(2*3)", "1 / (2 * 3)"},
		{"-(1+2)", "-(1 + 2)"},
		{"--1", "--1"},
		{"-{A}*2", "-{A} * 2"},
		{"-({A}*2)", "-({A} * 2)"},
		{"'a' & \"b\" & 1 + 2", `"a" & "b" & 1 + 2`},
		{"'a' & (1 = 2)", `"a" & (1 = 2)`},
		{"1 <> 2", "1 != 2"},
		{"1=2=3", "1 = 2 = 3"},
		{"1=(2=3)", "1 = (2 = 3)"},
		{"if(true, false, true())", "IF(TRUE(), FALSE(), TRUE())"},
		{"Concatenate( {a} ,'x' )", `CONCATENATE({a}, "x")`},
		{"blank()", "BLANK()"},
		{"1.50", "1.5"},
		{".5", "0.5"},
		{"1.", "1"},
		{"1e3", "1000"},
		{"1E+21", "1e+21"},
		{"0.0000001", "1e-07"},
		{"000", "0"},
		{`'it\'s'`, `"it's"`},
		{`"tab\there"`, `"tab\there"`},
		{"\"\x01\x7f\"", `"\u0001\u007F"`},
		{`"\u00e9\uD83D\uDE00"`, "\"é😀\""},
		{`{a\}b\\c}`, `{a\}b\\c}`},
		{"{Say, \"hi\"}", "{Say, \"hi\"}"},
		{"{}", "{}"},
		{" \t\n( 1 )\r\n", "1"},
		{"AND(1,OR(2,NOT(3)))", "AND(1, OR(2, NOT(3)))"},
		{"1&&2||3", "1 && 2 || 3"},
		{"1&&(2||3)", "1 && (2 || 3)"},
		{"(1=2)&&3", "1 = 2 && 3"},
		{"!(1=2)", "!(1 = 2)"},
		{"+-!1", "+-!1"},
		{"5%(2*3)", "5 % (2 * 3)"},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			t.Parallel()
			e := mustParse(t, tt.src)
			assert.Equal(t, tt.want, e.String())
			e2 := mustParse(t, e.String())
			assert.Equal(t, e.String(), e2.String())
		})
	}
}

func TestPrecedence(t *testing.T) {
	t.Parallel()
	tests := []struct {
		src  string
		want any
	}{
		{"1 + 2 * 3", 7.0},
		{"(1 + 2) * 3", 9.0},
		{"10 - 4 - 3", 3.0},
		{"10 - (4 - 3)", 9.0},
		{"12 / 3 / 2", 2.0},
		{"-2 * 3", -6.0},
		{"-(2 + 3)", -5.0},
		{"2 - -3", 5.0},
		{"---1", -1.0},
		{"1 + 2 & 3", "33"},
		{"1 & 2 + 3", "15"},
		{"1 & 2 = 12", true},
		{"1 + 1 = 2", true},
		{"2 * 3 > 5", true},
		{`"a" & "b" = "ab"`, true},
		{"1 < 2 = TRUE", true},
		{"(1 = 1) & \"\"", "true"}, // JavaScript's String(true) (interpreter.ts Concat)
		{"1.5e2 + .5", 150.5},
		// The server's other operators (lexer/lexer.ts, interpreter.ts):
		// && and || below the comparisons, % with * and /, unary ! and +.
		{"1 && 1", true},
		{"1 && 0", false},
		{"0 || \"x\"", true},
		{"0 || 0", false},
		{"1 = 2 || 2 = 2", true},
		{"1 = 1 && 2 = 3 || 1", true},
		{"!1", false},
		{"!{Empty}", true},
		{"!1 = FALSE()", true},
		{"5 % 3", 2.0},
		{"-5 % 3", -2.0},
		{"1 + 5 % 3", 3.0},
		{"+1", 1.0},
		{"1 + +1", 2.0},
		{"+\" 2 \"", 2.0},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			t.Parallel()
			got, err := eval(t, tt.src)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestEval(t *testing.T) {
	t.Parallel()
	tests := []struct {
		src  string
		want any
	}{
		// literals
		{"1", 1.0},
		{`"x"`, "x"},
		{`'x'`, "x"},
		{`"a\"b\'c\\d\ne\tf\rg\u0041"`, "a\"b'c\\d\ne\tf\rgA"},
		{`'\u00E9'`, "é"},
		{"TRUE", true},
		{"false", false},
		{"True()", true},
		{"FALSE()", false},
		// field values
		{"{Name}", "Alice"},
		{"{Empty}", nil},
		{"{Tags}", []any{"a", "b"}},
		{"{Int} + 1", 8.0},
		{`{a\}b\\c}`, "escaped"},
		{"{Say, \"hi\"}", "quoted name"},
		{"{}", "empty name"},
		// arithmetic and conversions
		{"{Age} + 1", 31.0},
		{"{Num text} + 1", 43.0},
		{`" 7 " * 2`, 14.0},
		{`"-1.5e1" + 0`, -15.0},
		{"{Empty} + 1", 1.0},
		{`"" + 1`, 1.0},
		{"TRUE + TRUE", 2.0},
		{"{One tag} & \"\"", "x"},
		{"-{Num text}", -42.0},
		{"7 / 2", 3.5},
		{`0 * -1 & ""`, "0"}, // negative zero prints as 0
		{"0 / 5", 0.0},
		// concatenation
		{`"a" & "b"`, "ab"},
		{`"n=" & 1.5`, "n=1.5"},
		{`"x" & {Empty} & "y"`, "xy"},
		{`{Tags} & "!"`, "a, b!"},
		{`{Nums} & ""`, "1, 2.5"},
		{`{URL} & ""`, "https://x.io"},
		{`{Creator} & ""`, "Bob"},
		{`{Done} & ""`, "true"}, // JavaScript's String(true)
		{`1e21 & ""`, "1e+21"},
		{`{Date} & ""`, "1700000000000"},
		// AND / OR / NOT
		{"AND(1, 1)", true},
		{"AND(1, 0)", false},
		{`AND("x")`, true},
		{`AND({Tags}, {Name})`, true},
		{`AND({No tags})`, false},
		{"OR(0, 0)", false},
		{`OR(0, "")`, false},
		{"OR(0, {Done})", true},
		{"OR({Empty}, {Blank text}, {Zero}, {Undone}, {No tags})", false},
		{"NOT(0)", true},
		{"NOT({Name})", false},
		{"NOT({Empty})", true},
		{"NOT({URL})", false},
		// IF
		{`IF({Done}, "yes", "no")`, "yes"},
		{`IF({Undone}, "yes", "no")`, "no"},
		{`IF({Undone}, "yes", BLANK())`, nil},
		{`IF(1, "only", BLANK())`, "only"},
		{"1 = IF(1, 2, 3, 4)", false},
		{`IF({Zero} = 0, 0, 1 / {Zero})`, 0.0},
		{`IF(1, 2, 1 / 0)`, 2.0},
		// BLANK
		{"BLANK()", nil},
		{"{Empty} = BLANK()", true},
		{`"" = BLANK()`, true},
		{"0 = BLANK()", false},
		// LEN / LOWER / UPPER
		{`LEN("hello")`, 5.0},
		{`LEN("")`, 0.0},
		{`LEN("héllo😀")`, 6.0},
		{"LEN({Empty})", 0.0},
		{"LEN(12.5)", 4.0},
		{"LEN({Tags})", 4.0},
		{`LOWER("AbC É")`, "abc é"},
		{`UPPER("aBc é")`, "ABC É"},
		{"UPPER({Empty})", ""},
		{"UPPER(TRUE)", "TRUE"},
		// FIND / SEARCH
		{`FIND("b", "abcb")`, 2.0},
		{`FIND("b", "abcb", 3)`, 4.0},
		{`FIND("b", "abcb", 2)`, 2.0},
		{`FIND("b", "abcb", 2.9)`, 2.0},
		{`FIND("b", "abcb", 5)`, 0.0},
		{`FIND("b", "abcb", 1e300)`, 0.0},
		{`FIND("B", "abcb")`, 0.0},
		{`FIND("z", "abc")`, 0.0},
		{`FIND("", "abc")`, 0.0},
		{`FIND("ü", "Müller")`, 2.0},
		{`FIND("l", "Müller")`, 3.0},
		{`FIND("l", "Müller", 4)`, 4.0},
		{`FIND("😀", "a😀b😀", 3)`, 4.0},
		{`FIND("cd", "abcd")`, 3.0},
		{`FIND(2, 123)`, 2.0},
		{"FIND(\"\x80\", \"é\x80\")", 2.0}, // raw invalid UTF-8: matched at character boundaries only
		{"FIND(\"\xa9\", \"é\")", 0.0},     // é is C3 A9: no match inside a character
		// SEARCH is case-sensitive and blank when not found on the server
		// (functions/text.ts Search: indexOf, null for -1).
		{`SEARCH("b", "abcb")`, 2.0},
		{`SEARCH("B", "abcb")`, nil},
		{`SEARCH("ül", "Müller")`, 2.0},
		{`SEARCH("ÜL", "Müller")`, nil},
		{`SEARCH("B", "ABCB", 3)`, 4.0},
		{`SEARCH("x", "abc")`, nil},
		{`FIND("li", {Name})`, 2.0},
		// CONCATENATE
		{`CONCATENATE("a")`, "a"},
		{`CONCATENATE("a", 1, TRUE, {Empty}, {Tags})`, "a1trueab"}, // text.ts Concatenate: arrays flattened, joined with ""
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			t.Parallel()
			got, err := eval(t, tt.src)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestComparisons(t *testing.T) {
	t.Parallel()
	tests := []struct {
		src  string
		want bool
	}{
		// number vs number
		{"1 = 1", true},
		{"1 = 1.0", true},
		{"1 != 2", true},
		{"1 <> 1", false},
		{"1 < 2", true},
		{"2 <= 2", true},
		{"3 > 2", true},
		{"2 >= 3", false},
		{"{Age} = 30", true},
		{"{Age} > 18", true},
		// text vs text: case-sensitive, exact, bytewise order
		{`"abc" = "abc"`, true},
		{`"abc" = "ABC"`, false},
		{`"abc" = "abc "`, false},
		{`"1" = "1.0"`, false},
		{`"a" < "b"`, true},
		{`"B" < "a"`, true},
		{`"10" < "9"`, true},
		{`"é" > "z"`, true},
		{`{Name} = "Alice"`, true},
		{`{Name} = "alice"`, false},
		{`{Name} != "Bob"`, true},
		// mixed number / text
		{`{Num text} = 42`, true},
		{`42 = {Num text}`, true},
		{`"42.0" = 42`, true},
		{`" 5 " = 5`, true},
		{`"10" > 9`, true},
		{`9 < "10"`, true},
		{`"abc" = 1`, false},
		// Text that is not a number is NaN for the server's JavaScript
		// comparison (interpreter/interpreter.ts visitBinaryOperatorNode):
		// every ordered comparison is false, as for a DateTime cell
		// compared with date text ({Due} > "2024-01-20").
		{`"abc" > 1`, false},
		{`1 < "abc"`, false},
		{`"abc" != 1`, true},
		{`{Date} > "2023-01-01"`, false},
		{`{Date} < "2023-01-01"`, false},
		{`{Date} = "2023-11-14"`, false},
		{`"1x" = 1`, false},
		{`"NaN" = 1`, false},
		{`"0x10" = 16`, false},
		// blank rules: the server reads an empty cell as null
		// (evaluate.ts resolver, TextBaseField.cellValueToString) and
		// compares with JavaScript, where null == "" is false and <, <=,
		// >, >= read null and "" as 0 (interpreter.ts). Test a blank with
		// BLANK() or NOT(), not with "".
		{`{Empty} = ""`, false},
		{`"" = {Empty}`, false},
		{`{Empty} = {Empty}`, true},
		{`{Empty} != ""`, true},
		{`{Empty} = "x"`, false},
		{`{Empty} < "a"`, false},
		{`{Empty} <= ""`, true},
		{`{Empty} = BLANK()`, true},
		{`"" = BLANK()`, true},
		{`{Blank text} = ""`, true}, // a cell holding "" (the fake stores none; an empty cell is blank)
		{`{Blank text} = BLANK()`, true},
		{`{Blank text} = {Empty}`, false}, // "" is a value here; real empty cells (the fake deletes "") are blank
		{`{Empty} = 0`, false},
		{`0 = {Empty}`, false},
		{`{Empty} != 0`, true},
		// The server compares the raw values with JavaScript's relational
		// operators, which read null as 0 (interpreter.ts
		// visitBinaryOperatorNode); == keeps null apart from 0.
		{`{Empty} < 1`, true},
		{`{Empty} > -1`, true},
		{`{Empty} <= 0`, true},
		{`{Empty} >= 0`, true},
		{`{Empty} > 0`, false},
		{`{Zero} = BLANK()`, false},
		{`{Zero} = 0`, true},
		{`{Empty} = FALSE()`, true},
		{`{Empty} = TRUE()`, false},
		{`{Blank text} = 0`, false}, // like blank, "" is not 0
		// bool
		{`{Done} = TRUE()`, true},
		{`{Done} = TRUE`, true},
		{`{Undone} = FALSE`, true},
		{`TRUE > FALSE`, true},
		{`TRUE = 1`, true},
		{`FALSE = 0`, true},
		{`TRUE = "TRUE"`, false}, // JavaScript: 1 == NaN (interpreter.ts)
		{`TRUE = "1"`, true},
		{`TRUE = "true"`, false},
		{`(1 < 2) = TRUE`, true},
		// arrays compare as joined text
		{`{Tags} = "a, b"`, true},
		{`{Tags} = "a"`, false},
		{`{One tag} = "x"`, true},
		{`{No tags} = ""`, false}, // an empty array is null (interpreter.ts transformNodeValue)
		{`{No tags} = BLANK()`, true},
		{`{Nums} = "1, 2.5"`, true},
		{`{Nums} = 1`, false},
		{`{One tag} != "y"`, true},
		// objects compare by text / name
		{`{URL} = "https://x.io"`, true},
		{`{Creator} = "Bob"`, true},
		// DateTime as a number
		{`{Date} > 1600000000000`, true},
		{`{Date} = 1700000000000`, true},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			t.Parallel()
			got, err := eval(t, tt.src)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestEvalErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		src string
		pos int
		msg string
	}{
		{"{Nope}", 0, "unknown field {Nope}"},
		{"1 + {Nope}", 4, "unknown field {Nope}"},
		{`IF(TRUE, 1, {Nope})`, 12, "unknown field {Nope}"}, // even in an untaken branch
		{`{Name} + 1`, 7, `'+': left operand: cannot use text "Alice" as a number`},
		{`1 * "x"`, 2, `'*': right operand: cannot use text "x" as a number`},
		{`-"abc"`, 0, `unary '-': cannot use text "abc" as a number`},
		{`{Tags} - 1`, 7, `cannot use text "a, b" as a number`},
		{"1 / 0", 2, "division by zero"},
		{"1 / {Zero}", 2, "division by zero"},
		{"1 / {Empty}", 2, "division by zero"},
		{"5 % 0", 2, "modulo by zero"},
		{"0 / 0", 2, "division by zero"},
		{"1e308 * 10", 6, "numeric overflow"},
		{`{Odd object} & ""`, 13, "cannot convert object without a text, name or title member"},
		{`{Odd object} = "x"`, 13, "cannot convert object"},
		{`LEN({Odd object})`, 0, "LEN argument 1: cannot convert object"},
		{`FIND("a", "abc", 0)`, 0, "FIND: start position must be at least 1, got 0"},
		{`SEARCH("a", "abc", -5)`, 0, "SEARCH: start position must be at least 1"},
		{`FIND("a", "abc", "x")`, 0, `FIND argument 3: cannot use text "x" as a number`},
		{`AND(1, 1/0)`, 8, "division by zero"},
		{`OR(1, 1/0)`, 7, "division by zero"},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			t.Parallel()
			_, err := eval(t, tt.src)
			require.Error(t, err)
			var ee *EvalError
			require.True(t, errors.As(err, &ee), "want *EvalError, got %T: %v", err, err)
			assert.Equal(t, tt.pos, ee.Pos, "position; message %q", ee.Msg)
			assert.Contains(t, ee.Msg, tt.msg)
		})
	}
}

func TestEvalUnsupportedCellType(t *testing.T) {
	t.Parallel()
	e := mustParse(t, "{F} = 1")
	_, err := Eval(e, row(map[string]any{"F": struct{}{}}))
	var ee *EvalError
	require.True(t, errors.As(err, &ee), "got %v", err)
	assert.Contains(t, ee.Msg, "unsupported cell value type struct {}")

	// Arrays holding unusual element types still convert via normalize.
	v, err := Eval(mustParse(t, `{F} & ""`), row(map[string]any{"F": []any{1, int64(2), "x"}}))
	require.NoError(t, err)
	assert.Equal(t, "1, 2, x", v)

	_, err = Eval(mustParse(t, `{F} & ""`), row(map[string]any{"F": []any{struct{}{}}}))
	require.Error(t, err)

	_, err = Eval(nil, row(nil))
	require.Error(t, err)
	_, err = Eval(mustParse(t, "{A}"), nil)
	require.Error(t, err)
	v, err = Eval(mustParse(t, "1"), nil)
	require.NoError(t, err)
	assert.Equal(t, 1.0, v)
}

func TestFields(t *testing.T) {
	t.Parallel()
	tests := []struct {
		src  string
		want []string
	}{
		{"1 + 2", nil},
		{"{A}", []string{"A"}},
		{"{B} & {A} & {B} & IF({C}, {A}, {D\\}})", []string{"B", "A", "C", "D}"}},
		{"{ spaced name }", []string{" spaced name "}},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			t.Parallel()
			got := Fields(mustParse(t, tt.src))
			if len(tt.want) == 0 {
				assert.Equal(t, 0, len(got))
				return
			}
			assert.Equal(t, tt.want, got)
		})
	}
	assert.Equal(t, 0, len(Fields(nil)))

	// The returned slice is a copy.
	e := mustParse(t, "{A}")
	Fields(e)[0] = "Z"
	assert.Equal(t, []string{"A"}, Fields(e))
}

func TestTruthy(t *testing.T) {
	t.Parallel()
	tests := []struct {
		v    any
		want bool
	}{
		{nil, false},
		{"", false},
		{"0", true},
		{" ", true},
		{"FALSE", true},
		{0.0, false},
		{math.Copysign(0, -1), false},
		{math.NaN(), false},
		{1.0, true},
		{-0.5, true},
		{math.Inf(1), true},
		{false, false},
		{true, true},
		{[]any{}, false},
		{[]any(nil), false},
		{[]any{nil}, true},
		{map[string]any{}, true},
		{0, false},
		{3, true},
		{struct{}{}, false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, Truthy(tt.v), "Truthy(%#v)", tt.v)
	}
}

// TestFilter checks formulas used as filterByFormula over several rows.
func TestFilter(t *testing.T) {
	t.Parallel()
	rows := []map[string]any{
		{"Name": "Alice", "Age": 30.0, "Tags": []any{"vip"}},
		{"Name": "bob", "Age": 17.0, "Tags": []any{}},
		{"Name": nil, "Age": nil, "Tags": nil},
		{"Name": "Carol", "Age": "25", "Tags": []any{"vip", "new"}},
	}
	tests := []struct {
		src  string
		want []int
	}{
		{`{Age} >= 18`, []int{0, 3}},
		{`{Age} < 18`, []int{1, 2}},         // a blank number is 0 for < (JavaScript null < 18)
		{`{Name} = ""`, nil},                // null == "" is false on the server
		{`{Name} != ""`, []int{0, 1, 2, 3}}, // so != "" matches blanks too
		{`{Name} = BLANK()`, []int{2}},
		{`{Age} = BLANK()`, []int{2}},
		{`{Age}`, []int{0, 1, 3}},
		{`{Tags}`, []int{0, 3}},
		{`FIND("vip", {Tags})`, []int{0, 3}},
		{`AND(SEARCH("A", {Name}), {Age} > 20)`, []int{0}}, // case-sensitive, as on the server
		{`OR({Name} = "bob", LEN({Name}) = 5)`, []int{0, 1, 3}},
		{`NOT({Name})`, []int{2}},
		{`LOWER({Name}) = "bob"`, []int{1}},
		{`{Tags} = "vip, new"`, []int{3}},
		{`IF({Age} > 20, "adult", "") = "adult"`, []int{0, 3}},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			t.Parallel()
			e := mustParse(t, tt.src)
			var got []int
			for i, r := range rows {
				v, err := Eval(e, row(r))
				require.NoError(t, err, "row %d", i)
				if Truthy(v) {
					got = append(got, i)
				}
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestQuote(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"", `""`},
		{"abc", `"abc"`},
		{`say "hi"`, `"say \"hi\""`},
		{`it's`, `"it's"`},
		{`a\b`, `"a\\b"`},
		{"a\nb\tc\rd", `"a\nb\tc\rd"`},
		{"\x00\x1f\x7f", `"\u0000\u001F\u007F"`},
		{"héllo 😀", "\"héllo 😀\""},
		{"\xff\xfe", "\"\xff\xfe\""},
		{"{x}", `"{x}"`},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, Quote(tt.in), "Quote(%q)", tt.in)
		v, err := Eval(mustParse(t, Quote(tt.in)), nil)
		require.NoError(t, err)
		assert.Equal(t, tt.in, v)
	}
}

func TestFieldRef(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"Name", "{Name}"},
		{"", "{}"},
		{"a b, c", "{a b, c}"},
		{`x"y'z`, `{x"y'z}`},
		{"a}b", `{a\}b}`},
		{`a\b`, `{a\\b}`},
		{`\}`, `{\\\}}`},
		{"{nested}", `{{nested\}}`},
		{"line\nbreak", "{line\nbreak}"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, FieldRef(tt.in), "FieldRef(%q)", tt.in)
		e := mustParse(t, FieldRef(tt.in))
		assert.Equal(t, []string{tt.in}, Fields(e))
		v, err := Eval(e, row(map[string]any{tt.in: "v"}))
		require.NoError(t, err)
		assert.Equal(t, "v", v)
	}
}

func TestNumberRoundTrip(t *testing.T) {
	t.Parallel()
	for _, v := range []float64{0, 1, 0.1, 1.0 / 3, 123456789012345678, 1e21, 1e-7, 5e-324, math.MaxFloat64, 1e-6, 999999999999999999999} {
		e := mustParse(t, formatNumber(v))
		got, err := Eval(e, nil)
		require.NoError(t, err)
		assert.Equal(t, v, got, "literal %s", formatNumber(v))
	}
}

func TestNumericText(t *testing.T) {
	t.Parallel()
	good := map[string]float64{"1": 1, "-1": -1, "+2.5": 2.5, " 3 ": 3, ".5": 0.5, "1e3": 1000, "1.": 1, "\t-4E-1\n": -0.4}
	for s, want := range good {
		got, ok := parseNumericText(s)
		assert.True(t, ok, "%q should be numeric", s)
		assert.Equal(t, want, got, "%q", s)
	}
	for _, s := range []string{"", " ", "-", "+", ".", "e5", "1e", "1x", "0x10", "1_000", "NaN", "Inf", "infinity", "1e999", "--1", "1 2", "١"} {
		_, ok := parseNumericText(s)
		assert.True(t, !ok, "%q should not be numeric", s)
	}
}

func TestSyntaxErrorIsError(t *testing.T) {
	t.Parallel()
	_, err := Parse("1 +")
	assert.Equal(t, "formula syntax error at position 3: unexpected end of formula, expected an expression", err.Error())
	_, err = eval(t, "{Nope}")
	assert.Equal(t, "formula evaluation error at position 0: unknown field {Nope}", err.Error())
}

func BenchmarkEval(b *testing.B) {
	e := mustParse(b, `AND({Age} >= 18, OR(FIND("vip", {Tags}), SEARCH("Ali", {Name})), {Name} != "", IF({Done}, 1, 0) = 1)`)
	lookup := row(testRow)
	b.ReportAllocs()
	for b.Loop() {
		v, err := Eval(e, lookup)
		if err != nil || !Truthy(v) {
			b.Fatal(v, err)
		}
	}
}
