// Package formula builds filterByFormula expressions for the APITable API
// without string pasting, so that no value can change the formula's meaning.
//
//	f := formula.And(
//		formula.Field("Status").Eq(formula.String(userInput)),
//		formula.Field("Due").Lt(formula.Time(time.Now())),
//	)
//	page, err := client.Records.List(ctx, dst, &apitable.ListRecordsParams{FilterByFormula: f.String()})
//
// # Escaping
//
// The server tokenises formulas with regular expressions (core
// formula_parser/lexer/lexer.ts) that are easy to confuse: a string literal
// ends at any of " “ ” (or ' ‘ ’), "." does not cross a line break, and a
// backslash before n, r or t always becomes a control character. String
// therefore never emits a quote character, a backslash or a line break
// inside a literal: it splits the value at such characters and writes each
// of them as a literal of its own ('"' for a double quote, "\\" for a
// backslash, "\n" for a newline), joined with CONCATENATE. Whatever the
// value — quotes, braces, backslashes, newlines, formula syntax — it stays
// one string literal of the formula, on the server and in apitabletest. The
// only values it cannot write are those containing U+2028 or U+2029, line
// terminators the server's lexer stops at and has no escape for.
//
// Field references are written {name} with "\" and "}" escaped by a
// backslash. The server cannot read a reference whose name ends in a
// backslash; Field records an error for it (see Expr.Err).
//
// Every operation is fully parenthesised: the server's operator precedence
// differs from the usual one (its & binds loosest), so the builder never
// relies on it.
package formula

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Expr is a formula expression. The zero Expr is invalid.
type Expr struct {
	text string
	err  error
}

// String returns the formula text. An Expr with an error (see Err) renders
// as a formula the server rejects, never as a different valid formula.
func (e Expr) String() string {
	if e.err != nil || e.text == "" {
		return "ERROR()"
	}
	return e.text
}

// Err reports why the expression cannot be written, or nil.
func (e Expr) Err() error {
	if e.err == nil && e.text == "" {
		return errors.New("formula: empty expression")
	}
	return e.err
}

func join(err error, es ...Expr) error {
	if err != nil {
		return err
	}
	for _, e := range es {
		if err := e.Err(); err != nil {
			return err
		}
	}
	return nil
}

// Field references a field by name (or by id, when the server is asked for
// fieldKey=id).
func Field(name string) Expr {
	if strings.HasSuffix(name, `\`) {
		return Expr{err: fmt.Errorf("formula: field name %q ends in a backslash, which the server cannot reference", name)}
	}
	var b strings.Builder
	b.WriteByte('{')
	for i := 0; i < len(name); i++ {
		if c := name[i]; c == '\\' || c == '}' {
			b.WriteByte('\\')
		}
		b.WriteByte(name[i])
	}
	b.WriteByte('}')
	return Expr{text: b.String()}
}

// special is the literal written for a character that must not appear
// inside a double-quoted literal.
func special(r rune) (string, bool) {
	switch r {
	case '"', '“', '”':
		return "'" + string(r) + "'", true
	case '\'', '‘', '’':
		return `"` + string(r) + `"`, true
	case '\\':
		return `"\\"`, true
	case '\n':
		return `"\n"`, true
	case '\r':
		return `"\r"`, true
	case '\u2028', '\u2029':
		// Line terminators for JavaScript's "." too, with no escape the
		// server decodes: they cannot be written (see String).
		return "", true
	}
	return "", false
}

// String is a text literal with exactly the value s (see the package
// documentation for how it is escaped).
func String(s string) Expr {
	var parts []string
	var run strings.Builder
	flush := func() {
		if run.Len() > 0 {
			parts = append(parts, `"`+run.String()+`"`)
			run.Reset()
		}
	}
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		lit, isSpecial := special(r)
		switch {
		case r == utf8.RuneError && size == 1:
			run.WriteByte(s[i]) // keep invalid bytes as they are
		case !isSpecial:
			run.WriteString(s[i : i+size])
		case lit == "":
			return Expr{err: fmt.Errorf("formula: line separator %U in a text value cannot be written", r)}
		default:
			flush()
			parts = append(parts, lit)
		}
		i += size
	}
	flush()
	switch len(parts) {
	case 0:
		return Expr{text: `""`}
	case 1:
		return Expr{text: parts[0]}
	}
	return Expr{text: "CONCATENATE(" + strings.Join(parts, ", ") + ")"}
}

// Number is a numeric literal. NaN and infinities are errors.
func Number(f float64) Expr {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return Expr{err: fmt.Errorf("formula: %v is not a number the formula language can write", f)}
	}
	s := strconv.FormatFloat(math.Abs(f), 'f', -1, 64)
	if f < 0 {
		return Expr{text: "(-" + s + ")"}
	}
	return Expr{text: s}
}

// Int is an integer literal.
func Int(i int64) Expr {
	if i < 0 {
		return Expr{text: "(-" + strconv.FormatUint(uint64(-(i+1))+1, 10) + ")"} //nolint:gosec // i < 0, so -(i+1) is in [0, MaxInt64]: no overflow, even for MinInt64
	}
	return Expr{text: strconv.FormatInt(i, 10)}
}

// Bool is TRUE() or FALSE().
func Bool(b bool) Expr {
	if b {
		return Expr{text: "TRUE()"}
	}
	return Expr{text: "FALSE()"}
}

// Time is an instant as milliseconds since the epoch, the value DateTime
// cells compare as.
func Time(t time.Time) Expr {
	if t.IsZero() {
		return Expr{err: errors.New("formula: zero time")}
	}
	return Int(t.UnixMilli())
}

// Blank is the empty value, BLANK().
func Blank() Expr { return Expr{text: "BLANK()"} }

// Value converts a Go value: string, bool, the integer and float types,
// time.Time, or an Expr.
func Value(v any) Expr {
	switch x := v.(type) {
	case Expr:
		return x
	case string:
		return String(x)
	case bool:
		return Bool(x)
	case int:
		return Int(int64(x))
	case int8:
		return Int(int64(x))
	case int16:
		return Int(int64(x))
	case int32:
		return Int(int64(x))
	case int64:
		return Int(x)
	case uint8:
		return Int(int64(x))
	case uint16:
		return Int(int64(x))
	case uint32:
		return Int(int64(x))
	case uint:
		return Number(float64(x))
	case uint64:
		return Number(float64(x))
	case float32:
		return Number(float64(x))
	case float64:
		return Number(x)
	case time.Time:
		return Time(x)
	case nil:
		return Blank()
	}
	return Expr{err: fmt.Errorf("formula: cannot write a %T as a formula value", v)}
}

func binary(l Expr, op string, r Expr) Expr {
	if err := join(nil, l, r); err != nil {
		return Expr{err: err}
	}
	return Expr{text: "(" + l.text + " " + op + " " + r.text + ")"}
}

// Eq is l = r.
func (e Expr) Eq(r Expr) Expr { return binary(e, "=", r) }

// Ne is l != r.
func (e Expr) Ne(r Expr) Expr { return binary(e, "!=", r) }

// Lt is l < r.
func (e Expr) Lt(r Expr) Expr { return binary(e, "<", r) }

// Le is l <= r.
func (e Expr) Le(r Expr) Expr { return binary(e, "<=", r) }

// Gt is l > r.
func (e Expr) Gt(r Expr) Expr { return binary(e, ">", r) }

// Ge is l >= r.
func (e Expr) Ge(r Expr) Expr { return binary(e, ">=", r) }

// Add is l + r.
func (e Expr) Add(r Expr) Expr { return binary(e, "+", r) }

// Sub is l - r.
func (e Expr) Sub(r Expr) Expr { return binary(e, "-", r) }

// Mul is l * r.
func (e Expr) Mul(r Expr) Expr { return binary(e, "*", r) }

// Div is l / r.
func (e Expr) Div(r Expr) Expr { return binary(e, "/", r) }

// Concat is l & r (text concatenation).
func (e Expr) Concat(r Expr) Expr { return binary(e, "&", r) }

func call(name string, min int, args ...Expr) Expr {
	if len(args) < min {
		return Expr{err: fmt.Errorf("formula: %s needs at least %d argument(s), got %d", name, min, len(args))}
	}
	if err := join(nil, args...); err != nil {
		return Expr{err: err}
	}
	texts := make([]string, len(args))
	for i, a := range args {
		texts[i] = a.text
	}
	return Expr{text: name + "(" + strings.Join(texts, ", ") + ")"}
}

// And is true when every argument is (at least one needed).
func And(es ...Expr) Expr { return call("AND", 1, es...) }

// Or is true when any argument is (at least one needed).
func Or(es ...Expr) Expr { return call("OR", 1, es...) }

// Not negates e.
func Not(e Expr) Expr { return call("NOT", 1, e) }

// If is then when cond is true, else otherwise.
func If(cond, then, otherwise Expr) Expr { return call("IF", 3, cond, then, otherwise) }

// IsBlank is true when e is empty: e = BLANK().
func IsBlank(e Expr) Expr { return e.Eq(Blank()) }

// Len is the number of characters of text.
func Len(text Expr) Expr { return call("LEN", 1, text) }

// Lower is text in lower case.
func Lower(text Expr) Expr { return call("LOWER", 1, text) }

// Upper is text in upper case.
func Upper(text Expr) Expr { return call("UPPER", 1, text) }

// Find is the 1-based position of needle in haystack (0 when absent),
// case-sensitive.
func Find(needle, haystack Expr) Expr { return call("FIND", 2, needle, haystack) }

// Search is Find, but blank instead of 0 when needle is absent. Despite
// its name it is case-sensitive on the server too (core's
// formula_parser/functions/text.ts, Search).
func Search(needle, haystack Expr) Expr { return call("SEARCH", 2, needle, haystack) }

// Contains is true when haystack contains needle (case-sensitive).
func Contains(haystack, needle Expr) Expr { return Find(needle, haystack).Gt(Int(0)) }

// Concatenate joins its arguments as text.
func Concatenate(es ...Expr) Expr { return call("CONCATENATE", 1, es...) }

// Match is true for a record whose fields equal all the given values:
// AND({k1} = v1, {k2} = v2, …), fields in the order given by keys.
func Match(keys []string, values map[string]any) Expr {
	if len(keys) == 0 {
		return Expr{err: errors.New("formula: Match needs at least one field")}
	}
	conds := make([]Expr, len(keys))
	for i, k := range keys {
		v, ok := values[k]
		if !ok {
			return Expr{err: fmt.Errorf("formula: no value for key field %q", k)}
		}
		conds[i] = Field(k).Eq(Value(v))
	}
	if len(conds) == 1 {
		return conds[0]
	}
	return And(conds...)
}
