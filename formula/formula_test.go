package formula_test

import (
	"math"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apitable-go/apitable/formula"
	fake "github.com/apitable-go/apitable/internal/formula"
)

func TestBuilderText(t *testing.T) {
	t.Parallel()
	cases := []struct {
		e    formula.Expr
		want string
	}{
		{formula.Field("Status").Eq(formula.String("Done")), `({Status} = "Done")`},
		{formula.Field(`a}b\c{`).Ne(formula.Int(-3)), `({a\}b\\c{} != (-3))`},
		{formula.String(`say "hi"`), `CONCATENATE("say ", '"', "hi", '"')`},
		{formula.String(`C:\dir`), `CONCATENATE("C:", "\\", "dir")`},
		{formula.String("a\nb"), `CONCATENATE("a", "\n", "b")`},
		{formula.String("it’s"), `CONCATENATE("it", "’", "s")`},
		{formula.String(""), `""`},
		{formula.String(`{x} & "y"`), `CONCATENATE("{x} & ", '"', "y", '"')`},
		{formula.And(formula.Field("A").Gt(formula.Number(1.5)), formula.Not(formula.Field("B"))), `AND(({A} > 1.5), NOT({B}))`},
		{formula.Or(formula.IsBlank(formula.Field("C")), formula.Bool(true)), `OR(({C} = BLANK()), TRUE())`},
		{formula.Contains(formula.Lower(formula.Field("T")), formula.String("x")), `(FIND("x", LOWER({T})) > 0)`},
		{formula.Field("Due").Lt(formula.Time(time.UnixMilli(1700000000000))), `({Due} < 1700000000000)`},
		{formula.Match([]string{"Email", "Year"}, map[string]any{"Email": "a@b.c", "Year": 2026}), `AND(({Email} = "a@b.c"), ({Year} = 2026))`},
		{formula.Int(math.MinInt64), `(-9223372036854775808)`},
		{formula.If(formula.Bool(false), formula.String("a"), formula.Value(nil)).Concat(formula.Value(2.0)), `(IF(FALSE(), "a", BLANK()) & 2)`},
	}
	for _, tc := range cases {
		require.NoError(t, tc.e.Err())
		assert.Equal(t, tc.want, tc.e.String())
		_, err := fake.Parse(tc.e.String())
		assert.NoError(t, err, "the fake parses %s", tc.e)
	}
}

func TestBuilderErrors(t *testing.T) {
	t.Parallel()
	for name, e := range map[string]formula.Expr{
		"trailing backslash":   formula.Field(`dir\`),
		"NaN":                  formula.Number(math.NaN()),
		"Inf":                  formula.Value(math.Inf(1)),
		"zero time":            formula.Time(time.Time{}),
		"line separator":       formula.String("a\u2028b"),
		"unsupported type":     formula.Value(struct{}{}),
		"empty AND":            formula.And(),
		"error propagates":     formula.Field("A").Eq(formula.Number(math.NaN())),
		"missing key value":    formula.Match([]string{"A"}, map[string]any{}),
		"zero Expr":            {},
		"error inside a call":  formula.Len(formula.Field(`x\`)),
		"error on either side": formula.Number(math.Inf(-1)).Add(formula.Int(1)),
	} {
		assert.Error(t, e.Err(), name)
		assert.Equal(t, "ERROR()", e.String(), "%s renders as a formula the server rejects", name)
	}
}

// evalString evaluates text with the fake's evaluator.
func evalString(t testing.TB, text string, fields map[string]any) any {
	t.Helper()
	e, err := fake.Parse(text)
	if err != nil {
		t.Fatalf("parse %q: %v", text, err)
	}
	v, err := fake.Eval(e, func(name string) (any, bool) { v, ok := fields[name]; return v, ok })
	if err != nil {
		t.Fatalf("eval %q: %v", text, err)
	}
	return v
}

// The server's lexer (core formula_parser/lexer/lexer.ts), ported: the
// combined pattern of the Value and String tokens, with JavaScript's "."
// (any character but a line terminator) spelled out, and the decoding of
// StringOperandNode (parser/ast.ts).
var (
	jsDot     = `[^\n\r\x{2028}\x{2029}]`
	serverTok = regexp.MustCompile(
		`(\{\})|(\{(\\[{}])*[\s\S]*?[^\\]\})` + `|` +
			`(["”“](([^\\"“”])*?\\["”“])*` + jsDot + `*?["”“])|(['‘’](([^\\'‘’])*?\\['‘’])*` + jsDot + `*?['‘’])` + `|` +
			`(CONCATENATE)|([,，])|([(（])|([)）])|(\s+)`)
	escAny = regexp.MustCompile(`\\(` + jsDot + `)`)
)

// serverDecode tokenises a String(...) output the way the server does and
// returns the text it denotes, or ok=false if the tokens are not exactly a
// literal or CONCATENATE of literals.
func serverDecode(text string) (string, bool) {
	locs := serverTok.FindAllStringIndex(text, -1)
	pos := 0
	var lits []string
	var other []string
	for _, l := range locs {
		if l[0] != pos {
			return "", false // characters the pattern did not cover
		}
		tok := text[l[0]:l[1]]
		pos = l[1]
		switch {
		case strings.TrimSpace(tok) == "":
		case strings.ContainsAny(tok[:1], `"”“'‘’`):
			v := tok
			v = strings.ReplaceAll(v, `\n`, "\n")
			v = strings.ReplaceAll(v, `\r`, "\r")
			v = strings.ReplaceAll(v, `\t`, "\t")
			v = escAny.ReplaceAllString(v, "$1")
			_, first := firstRune(v)
			_, lastSize := lastRune(v)
			lits = append(lits, v[first:len(v)-lastSize])
		default:
			other = append(other, tok)
		}
	}
	if pos != len(text) {
		return "", false
	}
	switch {
	case len(lits) == 1 && len(other) == 0:
	case len(other) >= 2 && other[0] == "CONCATENATE" && other[1] == "(" && other[len(other)-1] == ")" && len(other) == len(lits)+2:
	default:
		return "", false
	}
	return strings.Join(lits, ""), true
}

func firstRune(s string) (rune, int) {
	for i, r := range s {
		_ = i
		return r, len(string(r))
	}
	return 0, 0
}

func lastRune(s string) (rune, int) {
	rs := []rune(s)
	if len(rs) == 0 {
		return 0, 0
	}
	return rs[len(rs)-1], len(string(rs[len(rs)-1]))
}

var tricky = []string{
	"", "plain", `"`, `'`, `\`, `\\`, `\"`, `\'`, `a\nb`, "a\nb", "\r\n", "\t", `\t`, `\n`,
	`"); OR(TRUE(), "`, `{Secret}`, `}`, `{`, `\}`, "“curly”", "‘single’", `"'"'`, `CONCATENATE(`,
	"x & y", "= 1", "emoji 🎉", "\x00nul", "trailing\\", "\xff\xfeinvalid", `\\\"`, `a\\"b`,
}

func TestStringSurvivesTheFakeAndTheServerLexer(t *testing.T) {
	t.Parallel()
	for _, s := range tricky {
		checkString(t, s)
	}
}

func checkString(t testing.TB, s string) {
	t.Helper()
	e := formula.String(s)
	if strings.ContainsAny(s, "\u2028\u2029") {
		if e.Err() == nil {
			t.Fatalf("String(%q): expected an error", s)
		}
		return
	}
	if err := e.Err(); err != nil {
		t.Fatalf("String(%q): %v", s, err)
	}
	text := e.String()
	if got := evalString(t, text, nil); got != s {
		t.Fatalf("fake: String(%q) = %s evaluates to %q", s, text, got)
	}
	cond := formula.Field("f").Eq(e).String()
	if got := evalString(t, cond, map[string]any{"f": s}); got != true {
		t.Fatalf("fake: %s is %v for f = %q", cond, got, s)
	}
	if got := evalString(t, cond, map[string]any{"f": s + "x"}); got != false {
		t.Fatalf("fake: %s is %v for f = %q", cond, got, s+"x")
	}
	if got, ok := serverDecode(text); !ok || got != s {
		t.Fatalf("server lexer: String(%q) = %s decodes to %q (ok=%v)", s, text, got, ok)
	}
}

func FuzzString(f *testing.F) {
	for _, s := range tricky {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { checkString(t, s) })
}

func FuzzField(f *testing.F) {
	for _, s := range []string{"Name", "a}b", `a\b`, "{", "", "x y, z", "\n", `\}`, "}}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		e := formula.Field(name)
		if strings.HasSuffix(name, `\`) {
			if e.Err() == nil {
				t.Fatalf("Field(%q): expected an error", name)
			}
			return
		}
		got := evalString(t, e.Eq(formula.String("v")).String(), map[string]any{name: "v"})
		if got != true {
			t.Fatalf("Field(%q) did not reference the field: %v", name, got)
		}
		parsed, err := fake.Parse(e.String())
		if err != nil {
			t.Fatal(err)
		}
		if fs := fake.Fields(parsed); len(fs) != 1 || fs[0] != name {
			t.Fatalf("Field(%q) references %q", name, fs)
		}
	})
}

func FuzzNumber(f *testing.F) {
	for _, v := range []float64{0, -1, 1.5, 1e21, -1e-7, math.MaxFloat64, math.SmallestNonzeroFloat64} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v float64) {
		e := formula.Number(v)
		if math.IsNaN(v) || math.IsInf(v, 0) {
			if e.Err() == nil {
				t.Fatal("expected an error")
			}
			return
		}
		got := evalString(t, e.String(), nil)
		if got != v && !(v == 0 && got == 0.0) {
			t.Fatalf("Number(%v) = %s evaluates to %v", v, e, got)
		}
	})
}
