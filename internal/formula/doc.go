// Package formula parses and evaluates the APITable formula language as the
// server's formula engine does (packages/core/src/formula_parser of
// github.com/apitable/apitable). The in-memory fake APITable server uses it
// for the filterByFormula query parameter, view filters and Formula fields.
//
// Coverage: 81 of 82 server functions. The server's whole function list
// (its registry, functions/index.ts) is kept in registry.go; Coverage and
// Unsupported report on it. Parse accepts every server function name; a
// call to the one this package does not evaluate — SET_LOCALE, which
// gives DATETIME_FORMAT another language's month and day names — is a
// *SyntaxError whose Unsupported field names the function,
// so a caller can say "valid on the server, not evaluated here" instead of
// "invalid". Everything else outside the language is rejected with an
// error (*SyntaxError at parse time, *EvalError at evaluation time); it
// never yields a silently wrong result.
//
// # Grammar
//
// Whitespace (space, tab, CR, LF) may appear between any two tokens.
// Positions in errors are 0-based byte offsets into the source.
//
//	formula    = expr EOF .
//	expr       = and { "||" and } .                   (left-assoc, lowest)
//	and        = compare { "&&" compare } .
//	compare    = concat { cmpop concat } .
//	cmpop      = "=" | "!=" | "<>" | "<" | ">" | "<=" | ">=" .
//	concat     = additive { "&" additive } .          (text concatenation)
//	additive   = term { ( "+" | "-" ) term } .
//	term       = unary { ( "*" | "/" | "%" ) unary } .
//	unary      = ( "-" | "+" | "!" ) unary | primary .
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
//     arguments, "==", "^", trailing tokens, and nesting deeper than 256
//     levels. "<>" is accepted here as "!=" though the server has no such
//     operator.
//   - Precedence differs from the server's parser (lexer/lexer.ts,
//     parser/parser.ts), which puts "&" below every comparison and "="
//     and "!=" below "<", ">", "<=", ">=": there "a" & "b" = "ab" is
//     "a" & ("b" = "ab"). Parenthesise mixed "&" and comparisons to get
//     the same result from both.
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
//	bool           → "true" / "false" (JavaScript's String)
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
//	-x, +x    numeric negation, number
//	!x        !Truthy(x)
//	* / % + - numeric (% is JavaScript's: the dividend's sign); division or
//	          modulo by zero is an *EvalError, and so is a result that
//	          overflows to ±Inf
//	&         concatenation of both operands as text ("a" & 1 = "a1")
//	&& ||     Truthy(a) && Truthy(b), Truthy(a) || Truthy(b) (both sides are
//	          evaluated, as on the server)
//
// Comparisons (=, != / <>, <, >, <=, >=) yield a bool. An empty cell is
// blank (nil; the server reads it as null). Arrays and objects are
// first converted to text as above (so {Tags} = "a, b" matches the
// multi-select ["a", "b"]); an empty array is blank. A BLANK() operand
// takes the blank of the other side's kind ("" for text, false for a
// bool), so "" = BLANK() is true. Then:
//
//	number vs number  numeric
//	text   vs text    by value, case-sensitive, bytewise (code point) order; "=" is exact
//	number vs text    numeric if the text is a decimal number (" 5 " = 5),
//	                  otherwise unordered, as JavaScript compares a number
//	                  with NaN: only != is true. So a DateTime cell compared
//	                  with date text ({Due} > "2024-01-20") matches nothing,
//	                  on the server as here; use IS_AFTER, IS_BEFORE or
//	                  IS_SAME to compare with date text
//	bool   vs bool    false < true
//	bool   vs number  the bool as 1/0
//	bool   vs text    as numbers, as JavaScript does: the bool as 1/0, the
//	                  text as a decimal number or else unordered (so
//	                  TRUE() = "1" but TRUE() != "TRUE")
//	blank  vs blank   equal
//	blank  vs text    = and != : never equal (JavaScript: null == "" is
//	                  false), so {Name} = "" matches nothing and
//	                  {Name} != "" matches blanks too, as on the server;
//	                  test blanks with BLANK() or NOT({Name});
//	                  <, <=, >, >= : blank and blank text count as 0
//	blank  vs bool    blank is false (an unchecked checkbox = FALSE() is true)
//	blank  vs number  = and != : 0 is NOT blank (only != is true);
//	                  <, <=, >, >= : blank counts as 0, as in JavaScript
//	                  (so an empty Number cell matches {Count} < 5)
//
// # Functions
//
// The long-standing functions keep their documented arity (checked at parse
// time, a *SyntaxError on mismatch):
//
//	AND(a, b, …)              ≥1 args  TRUE if every argument is truthy (all are evaluated);
//	                                   a lone array argument tests its elements
//	OR(a, b, …)               ≥1 args  TRUE if any argument is truthy (same rules)
//	NOT(x)                    1        !Truthy(x)
//	IF(cond, then, else)      ≥3 args  then if cond is truthy, else else; only the chosen
//	                                   branch is evaluated; more arguments are ignored
//	BLANK()                   0        the blank value (nil)
//	TRUE(), FALSE()           0        booleans
//	LEN(text)                 1        number of characters (Unicode code points)
//	LOWER(text), UPPER(text)  1        Unicode case mapping
//	FIND(needle, hay, start?) 2–3      1-based character position of the first occurrence of
//	                                   needle in hay at or after character start (default 1,
//	                                   truncated; < 1 is an error); 0 when not found or when
//	                                   needle is empty; case-sensitive
//	SEARCH(needle, hay, start?) 2–3    like FIND (case-sensitive) but blank when not found
//	CONCATENATE(a, b, …)      ≥1 args  all arguments as text, concatenated; an array gives its
//	                                   elements (no separator)
//
// The others follow the server: a minimum argument count, extra arguments
// ignored; blank in, blank out where the server does so. Their semantics
// are documented beside each group, with the server file they follow:
//
//	logical.go  XOR, SWITCH, ERROR, IS_ERROR, ISERROR
//	numeric.go  SUM, AVERAGE, MAX, MIN, ROUND, ROUNDUP, ROUNDDOWN, CEILING, FLOOR,
//	            EVEN, ODD, INT, ABS, SQRT, MOD, POWER, EXP, LOG, VALUE
//	text.go     LEFT, RIGHT, MID, REPLACE, SUBSTITUTE, TRIM, REPT, T, ENCODE_URL_COMPONENT
//	dates.go    TODAY, NOW, TONOW, FROMNOW, YEAR, MONTH, DAY, HOUR, MINUTE, SECOND,
//	            WEEKDAY, DATESTR, TIMESTR, IS_AFTER, IS_BEFORE, IS_SAME, DATEADD,
//	            DATETIME_DIFF, SET_TIMEZONE, CREATED_TIME, LAST_MODIFIED_TIME, RECORD_ID
//	dateformat.go DATETIME_FORMAT (dayjs tokens, "en" locale)
//	dateparse.go  DATETIME_PARSE
//	weeks.go    WEEKNUM
//	workdays.go WORKDAY, WORKDAY_DIFF
//	countif.go  COUNTIF
//	arrays.go   ARRAYJOIN, ARRAYUNIQUE, ARRAYCOMPACT, ARRAYFLATTEN, COUNT, COUNTA, COUNTALL
//
// Where JavaScript would compute NaN (SQRT(-1), VALUE("x"), arithmetic on
// text) the result here is an *EvalError; both leave a row out of a filter.
// Dates are numbers (ms since the epoch) or date text (ISO 8601,
// YYYY-MM-DD, YYYY/MM/DD, with an optional time), read and split in UTC;
// the server uses its process's time zone. Units are dayjs's: ms, s, m, h,
// d, w, M, Q, y or their long forms (milliseconds … years).
//
// Function names are case-insensitive.
//
// # Evaluation
//
// Eval looks up every field the formula references (see Fields) before
// evaluating anything, so an unknown field is an *EvalError even if it only
// appears in an IF branch that is not taken.
//
// EvalContext adds what a formula reads besides the cells: the clock of
// TODAY, NOW, TONOW and FROMNOW (there is no hidden time.Now: without a
// clock they are an *EvalError), the record's id (RECORD_ID) and its
// creation and modification times (CREATED_TIME, LAST_MODIFIED_TIME).
package formula
