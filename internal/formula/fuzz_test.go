package formula

import (
	"errors"
	"testing"
	"unicode/utf8"
)

var parseSeeds = []string{
	"", "1", "1 + 2 * 3", "-(1 + 2)", "--1", "1 - (2 - 3)", `"a" & 'b' & 1`,
	`{Name} = "Alice"`, `{a\}b\\c} != 'x'`, `AND({A}, OR({B} > 1, NOT({C})))`,
	`IF({Done}, "yes", "no")`, `IF(1, 2)`, `BLANK()`, `LEN("héllo")`, `LOWER({x}) = UPPER("y")`,
	`FIND("a", "abc", 2) + SEARCH("B", "abc")`, `CONCATENATE("a", 1, TRUE, FALSE())`,
	`1 <> 2`, `1 <= 2 = TRUE`, `.5e-3`, `1e+21`, `"\u00e9\uD83D\uDE00\n\t\r\"\'\\"`,
	`(((1)))`, `{}`, "{\n}", "1 == 2", "foo", "FOO(1)", `"unterminated`, "{unterminated",
	"1.2.3", "2x", "1e999", "\xff", "((", "AND(1,)", "+1",
	`REPT({A}, 1e9)`, `MID({A}, -5, 1e300)`, `REPLACE({A}, -3, -2, "x")`, `SUBSTITUTE({A}, "", "-", 2)`,
	`DATEADD({A}, 1e300, "months")`, `DATETIME_DIFF({A}, "2024-01-31", "M")`, `IS_SAME({A}, {B}, "w")`,
	`SWITCH({A}, 1, 2)`, `ARRAYUNIQUE({A}, {B})`, `VALUE("+-.5e3x")`, `ROUND({A}, -400)`, `MOD({A}, 0)`,
	`LAST_MODIFIED_TIME({A})`, `TONOW({A}, "d")`, `WORKDAY({A}, 1)`, `1 && 2`, `!{A} || +{B} % 3`,
	`SET_TIMEZONE({A}, 8)`, `DATETIME_FORMAT({A}, "LLLL [x] Z")`, `DATETIME_PARSE({A}, "DD.MM.YYYY")`, `WEEKNUM({A}, "monday")`,
}

// FuzzParse: Parse never panics, and for any input that parses, the canonical
// form parses again and prints identically. Evaluation never panics either.
func FuzzParse(f *testing.F) {
	for _, s := range parseSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		e, err := Parse(src)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse(%q): error %T is not *SyntaxError", src, err)
			}
			if se.Pos < 0 || se.Pos > len(src) {
				t.Fatalf("Parse(%q): position %d out of range", src, se.Pos)
			}
			return
		}
		s1 := e.String()
		e2, err := Parse(s1)
		if err != nil {
			t.Fatalf("Parse(%q) ok, but canonical %q does not parse: %v", src, s1, err)
		}
		if s2 := e2.String(); s2 != s1 {
			t.Fatalf("canonical form not stable for %q:\n first:  %q\n second: %q", src, s1, s2)
		}
		if a, b := Fields(e), Fields(e2); len(a) != len(b) {
			t.Fatalf("Fields differ: %q vs %q", a, b)
		}
		// Evaluate against a row where every field holds a value of some kind.
		kinds := []any{nil, "text", 3.0, true, []any{"a", 1.0}, map[string]any{"text": "t"}, "12"}
		i := 0
		lookup := func(string) (any, bool) { i++; return kinds[i%len(kinds)], true }
		v1, err1 := Eval(e, lookup)
		i = 0
		v2, err2 := Eval(e2, lookup)
		if (err1 == nil) != (err2 == nil) {
			t.Fatalf("Eval differs between %q and %q: %v vs %v", src, s1, err1, err2)
		}
		if err1 != nil {
			var ee *EvalError
			if !errors.As(err1, &ee) {
				t.Fatalf("Eval error %T is not *EvalError", err1)
			}
		} else if s, ok := v1.(string); ok && s != v2 {
			t.Fatalf("Eval differs: %q vs %q", v1, v2)
		}
		_ = Truthy(v1)
	})
}

// FuzzQuote: Quote and FieldRef round-trip any string exactly.
func FuzzQuote(f *testing.F) {
	seeds := []string{"", "a", `"`, `'`, `\`, `\"`, "}", `\}`, "{", "{}", "a b, c", "\n\t\r",
		"\x00", "\x7f", "é", "😀", "\xff", "\xed\xa0\x80", `\u0041`, "1", "1.0", " 1 ", "TRUE", "=", "a\\"}
	for _, s := range seeds {
		f.Add(s, "other")
		f.Add("other", s)
	}
	f.Fuzz(func(t *testing.T, s, other string) {
		q := Quote(s)
		e, err := Parse(q)
		if err != nil {
			t.Fatalf("Parse(Quote(%q)) = %q: %v", s, q, err)
		}
		v, err := Eval(e, nil)
		if err != nil || v != s {
			t.Fatalf("Eval(Parse(Quote(%q))) = %#v, %v", s, v, err)
		}
		if e.String() != q {
			t.Fatalf("Quote(%q) = %q is not canonical (%q)", s, q, e.String())
		}

		eq := func(formula string, field string, val any) bool {
			t.Helper()
			e, err := Parse(formula)
			if err != nil {
				t.Fatalf("Parse(%q): %v", formula, err)
			}
			got, err := Eval(e, func(name string) (any, bool) {
				if name != field {
					t.Fatalf("lookup(%q), want %q", name, field)
				}
				return val, true
			})
			if err != nil {
				t.Fatalf("Eval(%q): %v", formula, err)
			}
			return Truthy(got)
		}
		// Literal equality: true exactly when the field value is s.
		if !eq("{f} = "+q, "f", s) {
			t.Fatalf("{f} = %s is false for field value %q", q, s)
		}
		if got := eq("{f} = "+q, "f", other); got != (other == s) {
			t.Fatalf("{f} = %s with field value %q: got %v", q, other, got)
		}
		if got := eq(q+" = {f}", "f", other); got != (other == s) {
			t.Fatalf("%s = {f} with field value %q: got %v", q, other, got)
		}
		if got := eq("{f} != "+q, "f", other); got == (other == s) {
			t.Fatalf("{f} != %s with field value %q: got %v", q, other, got)
		}

		// FieldRef: arbitrary names round-trip.
		for _, name := range []string{s, other} {
			ref := FieldRef(name)
			e, err := Parse(ref)
			if err != nil {
				t.Fatalf("Parse(FieldRef(%q)) = %q: %v", name, ref, err)
			}
			if fs := Fields(e); len(fs) != 1 || fs[0] != name {
				t.Fatalf("Fields(Parse(FieldRef(%q))) = %q", name, fs)
			}
			if e.String() != ref {
				t.Fatalf("FieldRef(%q) = %q is not canonical (%q)", name, ref, e.String())
			}
		}
		if !eq(FieldRef(s)+" = "+q, s, s) {
			t.Fatalf("%s = %s is false", FieldRef(s), q)
		}
		if got := eq(FieldRef(s)+" = "+Quote(other), s, s); got != (other == s) {
			t.Fatalf("%s = %s: got %v", FieldRef(s), Quote(other), got)
		}
		// LEN counts characters.
		if v, err := Eval(mustParse(t, "LEN("+q+")"), nil); err != nil || v != float64(utf8.RuneCountInString(s)) {
			t.Fatalf("LEN(%s) = %v, %v", q, v, err)
		}
	})
}
