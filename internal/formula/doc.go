// Package formula parses and evaluates a documented subset of the APITable
// formula language. The in-memory fake APITable server uses it for the
// filterByFormula query parameter and for Formula fields.
//
// The subset is deliberately small, but everything outside it is rejected
// with an error (*SyntaxError at parse time, *EvalError at evaluation time);
// it never yields a silently wrong result.
//
// # Grammar
//
// Whitespace (space, tab, CR, LF) may appear between any two tokens.
// Positions in errors are 0-based byte offsets into the source.
//
//	formula    = expr EOF .
//	expr       = concat { cmpop concat } .            (left-assoc, lowest)
//	cmpop      = "=" | "!=" | "<>" | "<" | ">" | "<=" | ">=" .
//	concat     = additive { "&" additive } .          (text concatenation)
//	additive   = term { ( "+" | "-" ) term } .
//	term       = unary { ( "*" | "/" ) unary } .
//	unary      = "-" unary | primary .
//	primary    = number | string | field | call | bool | "(" expr ")" .
//	call       = ident "(" [ expr { "," expr } ] ")" .  (names case-insensitive)
//	bool       = "TRUE" | "FALSE" .                      (bare, case-insensitive; same as TRUE()/FALSE())
//	number     = digits [ "." { digit } ] [ exponent ] | "." digits [ exponent ] .
//	exponent   = ( "e" | "E" ) [ "+" | "-" ] digits .
//	string     = '"' { char | escape } '"' | "'" { char | escape } "'" .
//	escape     = `\"` | `\'` | `\\` | `\n` | `\t` | `\r` | `\u` hex hex hex hex .
//	field      = "{" { fieldchar | `\}` | `\\` } "}" .
//
// Notes:
//   - Numbers have no sign; -1 is unary minus applied to 1. A number that
//     overflows float64 (1e999) is a syntax error, as is a number directly
//     followed by a letter, digit or '.' (1.2.3, 2x).
//   - Strings may contain any byte except an unescaped closing quote or
//     backslash (raw newlines included). \uXXXX escapes of UTF-16 surrogates
//     must form a valid pair (\uD83D\uDE00); other escapes are errors.
//   - Inside a field reference a backslash escapes only '}' and '\'; any other
//     backslash sequence is a syntax error. Every other byte — spaces, quotes,
//     commas, '{', newlines, non-ASCII — is part of the name. {} names the
//     field "" (which will normally be an unknown field).
//   - A bare identifier other than TRUE/FALSE is an error (field names must be
//     in braces), as are unknown functions, a call with the wrong number of
//     arguments, "==", "&&", "||", "!", "^", "%", unary "+", trailing
//     tokens, and nesting deeper than 256 levels.
//
// Expr.String prints a canonical form: double-quoted strings (see Quote),
// fields via FieldRef, upper-case function names, TRUE()/FALSE(), "!=" for
// inequality, numbers in shortest round-trip form and only the parentheses
// that precedence and left-associativity require.
//
// # Values
//
// Cell values are JSON kinds: nil (empty cell), string, float64, bool, []any
// and map[string]any (Go integer types and json.Number are accepted as
// numbers). A DateTime cell is a number (milliseconds since the epoch).
// When a value is needed as text:
//
//	nil            → ""
//	number         → shortest form (3, 0.5, 1e+21)
//	bool           → "TRUE" / "FALSE"
//	[]any          → the elements as text, joined by ", "   (multi-select, links, lookups)
//	map[string]any → its "text" member (URL cells), else "name" (members,
//	                 CreatedBy, attachments), else "title"; otherwise an error
//
// When a value is needed as a number (arithmetic, unary minus, FIND's start):
// nil and blank text → 0, true → 1, false → 0, text that is a decimal number
// (optional sign, surrounding spaces allowed; no NaN/Inf/hex) → its value;
// any other text is an *EvalError. Arrays and objects go through their text.
//
// Truthy (used to decide whether a row matches a filter): nil, "", 0, NaN,
// false and empty arrays are false; everything else is true.
//
// # Operators
//
//	-x        numeric negation
//	* / + -   numeric; division by zero is an *EvalError, and so is a result
//	          that overflows to ±Inf
//	&         concatenation of both operands as text ("a" & 1 = "a1")
//
// Comparisons (=, != / <>, <, >, <=, >=) yield a bool. Arrays and objects are
// first converted to text as above (so {Tags} = "a, b" matches the
// multi-select ["a", "b"], and an empty array equals ""). Then:
//
//	number vs number  numeric
//	text   vs text    by value, case-sensitive, bytewise (code point) order; "=" is exact
//	number vs text    numeric if the text is a decimal number (" 5 " = 5),
//	                  otherwise the number's text form is compared as text
//	bool   vs bool    false < true
//	bool   vs number  the bool as 1/0
//	bool   vs text    the bool as "TRUE"/"FALSE" text
//	blank  vs blank   equal
//	blank  vs text    blank is "" (an empty cell = "" is true)
//	blank  vs bool    blank is false (an unchecked checkbox = FALSE() is true)
//	blank  vs number  unordered: 0 is NOT blank; only != is true, all other
//	                  comparisons (=, <, <=, >, >=) are false
//
// # Functions
//
//	AND(a, b, …)              ≥1 args  TRUE if every argument is truthy (all are evaluated)
//	OR(a, b, …)               ≥1 args  TRUE if any argument is truthy (all are evaluated)
//	NOT(x)                    1        !Truthy(x)
//	IF(cond, then, else?)     2–3      then if cond is truthy, else else (blank if omitted);
//	                                   only the chosen branch is evaluated
//	BLANK()                   0        the blank value (nil)
//	TRUE(), FALSE()           0        booleans
//	LEN(text)                 1        number of characters (Unicode code points)
//	LOWER(text), UPPER(text)  1        Unicode case mapping
//	FIND(needle, hay, start?) 2–3      1-based character position of the first occurrence of
//	                                   needle in hay at or after character start (default 1,
//	                                   truncated; < 1 is an error); 0 when not found or when
//	                                   needle is empty; case-sensitive
//	SEARCH(needle, hay, start?) 2–3    like FIND but case-insensitive
//	CONCATENATE(a, b, …)      ≥1 args  all arguments as text, concatenated
//
// Function names are case-insensitive. Calling a function with the wrong number
// of arguments is a *SyntaxError reported at parse time.
//
// # Evaluation
//
// Eval looks up every field the formula references (see Fields) before
// evaluating anything, so an unknown field is an *EvalError even if it only
// appears in an IF branch that is not taken.
package formula
