package formula

import (
	"math"
	"regexp"
	"strconv"
)

// Numeric functions. Server semantics: functions/numeric.ts of
// github.com/apitable/apitable (packages/core/src/formula_parser).
//
// Most return blank for a blank first argument. Text that is not a number
// is an *EvalError here where JavaScript would compute NaN; both exclude a
// row from a filter. A result that is not finite (SQRT(-1), LOG(0)) is an
// *EvalError too.

func numericFuncs() []*funcDef {
	return []*funcDef{
		{name: "SUM", min: 0, max: -1, eager: func(c *callExpr, a []any) (any, error) { return sumValues(a), nil }},
		{name: "AVERAGE", min: 0, max: -1, eager: evalAverage},
		{name: "MAX", min: 0, max: -1, eager: func(c *callExpr, a []any) (any, error) { return extreme(a, math.Max) }},
		{name: "MIN", min: 0, max: -1, eager: func(c *callExpr, a []any) (any, error) { return extreme(a, math.Min) }},
		unary("ABS", math.Abs),
		unary("SQRT", math.Sqrt),
		unary("EXP", math.Exp),
		unary("INT", math.Floor),
		unary("EVEN", func(x float64) float64 { return toParity(x, 0) }),
		unary("ODD", func(x float64) float64 { return toParity(x, 1) }),
		{name: "ROUND", min: 1, max: -1, eager: func(c *callExpr, a []any) (any, error) {
			return withPrecision(c, a, func(x float64) float64 { return math.Floor(x + 0.5) }) // JS Math.round
		}},
		{name: "ROUNDUP", min: 1, max: -1, eager: func(c *callExpr, a []any) (any, error) {
			return withPrecision(c, a, func(x float64) float64 { return awayFromZero(x, true) })
		}},
		{name: "ROUNDDOWN", min: 1, max: -1, eager: func(c *callExpr, a []any) (any, error) {
			return withPrecision(c, a, func(x float64) float64 { return awayFromZero(x, false) })
		}},
		{name: "CEILING", min: 1, max: -1, eager: func(c *callExpr, a []any) (any, error) { return significance(c, a, math.Ceil) }},
		{name: "FLOOR", min: 1, max: -1, eager: func(c *callExpr, a []any) (any, error) { return significance(c, a, math.Floor) }},
		binaryNum("POWER", math.Pow),
		binaryNum("MOD", jsMod),
		{name: "LOG", min: 1, max: -1, eager: func(c *callExpr, a []any) (any, error) {
			if a[0] == nil {
				return nil, nil
			}
			x, err := c.num(a, 0)
			if err != nil {
				return nil, err
			}
			base := 10.0
			if len(a) > 1 {
				if base, err = c.num(a, 1); err != nil {
					return nil, err
				}
			}
			return c.finite(math.Log(x) / math.Log(base))
		}},
		{name: "VALUE", min: 1, max: -1, eager: evalValue},
	}
}

// num converts argument i to a number (see toNumber).
func (c *callExpr) num(a []any, i int) (float64, error) {
	x, err := toNumber(a[i])
	if err != nil {
		return 0, evalErr(c.pos, "%s argument %d: %v", c.fn.name, i+1, err)
	}
	return x, nil
}

// finite rejects NaN and ±Inf results.
func (c *callExpr) finite(x float64) (any, error) {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil, evalErr(c.pos, "%s: the result is not a finite number", c.fn.name)
	}
	return x, nil
}

// unary is a one-argument function: blank in, blank out.
func unary(name string, f func(float64) float64) *funcDef {
	return &funcDef{name: name, min: 1, max: -1, eager: func(c *callExpr, a []any) (any, error) {
		if a[0] == nil {
			return nil, nil
		}
		x, err := c.num(a, 0)
		if err != nil {
			return nil, err
		}
		return c.finite(f(x))
	}}
}

// binaryNum is a two-argument function whose first argument decides blank.
func binaryNum(name string, f func(x, y float64) float64) *funcDef {
	return &funcDef{name: name, min: 2, max: -1, eager: func(c *callExpr, a []any) (any, error) {
		if a[0] == nil {
			return nil, nil
		}
		x, err := c.num(a, 0)
		if err != nil {
			return nil, err
		}
		y, err := c.num(a, 1)
		if err != nil {
			return nil, err
		}
		return c.finite(f(x, y))
	}}
}

// jsMod is MOD: JavaScript's % (sign of the dividend), negated when the
// operands' signs differ, so the result takes the divisor's sign.
func jsMod(x, y float64) float64 {
	m := math.Mod(x, y)
	if (math.Trunc(x) < 0) != (math.Trunc(y) < 0) {
		return -m
	}
	return m
}

// toParity is EVEN (want 0) and ODD (want 1): round away from zero, then
// step away from zero to the wanted parity (numeric.ts Even, Odd).
func toParity(x float64, want int) float64 {
	r := math.Floor(x)
	if x > 0 {
		r = math.Ceil(x)
	}
	odd := math.Mod(r, 2) != 0
	if odd == (want == 1) {
		return r
	}
	if r > 0 || (want == 1 && r == 0) {
		return r + 1
	}
	return r - 1
}

// awayFromZero: ROUNDUP rounds positive numbers up and others down;
// ROUNDDOWN the opposite (numeric.ts calc2RoundDU).
func awayFromZero(x float64, up bool) float64 {
	if (x > 0) == up {
		return math.Ceil(x)
	}
	return math.Floor(x)
}

// withPrecision applies round to value×10^precision (precision floored,
// default 0) and scales back.
func withPrecision(c *callExpr, a []any, round func(float64) float64) (any, error) {
	if a[0] == nil {
		return nil, nil
	}
	x, err := c.num(a, 0)
	if err != nil {
		return nil, err
	}
	p := 0.0
	if len(a) > 1 && a[1] != nil {
		if p, err = c.num(a, 1); err != nil {
			return nil, err
		}
		p = math.Floor(p)
	}
	off := math.Pow(10, p)
	return c.finite(shortest(round(shortest(x*off)) / off)) // the server multiplies in decimal
}

// shortest removes binary noise the server's decimal helpers avoid
// (1.005 × 100 and the like): the value printed with 15 significant digits.
func shortest(x float64) float64 {
	v, err := strconv.ParseFloat(strconv.FormatFloat(x, 'g', 15, 64), 64)
	if err != nil {
		return x
	}
	return v
}

// significance: CEILING/FLOOR(value, [significance]) round value to a
// multiple of significance (default: to an integer).
func significance(c *callExpr, a []any, round func(float64) float64) (any, error) {
	if a[0] == nil {
		return nil, nil
	}
	x, err := c.num(a, 0)
	if err != nil {
		return nil, err
	}
	if len(a) < 2 || a[1] == nil {
		return c.finite(round(x))
	}
	s, err := c.num(a, 1)
	if err != nil {
		return nil, err
	}
	return c.finite(shortest(round(shortest(x/s)) * s))
}

// jsNumber is JavaScript's Number(v) for a cell value: blank → 0, booleans
// → 1/0, text that is not a number → NaN.
func jsNumber(v any) float64 {
	switch x := v.(type) {
	case nil:
		return 0
	case []any:
		if len(x) == 0 {
			return 0
		}
		if len(x) == 1 {
			return jsNumber(x[0])
		}
		return math.NaN()
	}
	f, err := toNumber(v)
	if err != nil {
		return math.NaN()
	}
	return f
}

// numbersOf flattens the arguments: a lone array argument contributes its
// elements.
func numbersOf(a []any) []any {
	if len(a) == 1 {
		if arr, ok := a[0].([]any); ok {
			return arr
		}
	}
	return a
}

// sumValues: SUM adds every argument as Number(v), NaN counting as 0.
func sumValues(a []any) float64 {
	total := 0.0
	for _, v := range numbersOf(a) {
		if f := jsNumber(v); !math.IsNaN(f) {
			total += f
		}
	}
	return shortest(total)
}

// evalAverage: the sum divided by the count of arguments that are neither
// blank nor NaN (at least 1); a lone array divides by its length.
func evalAverage(_ *callExpr, a []any) (any, error) {
	vals := numbersOf(a)
	n := 0
	if len(a) == 1 && len(vals) != 1 {
		n = len(vals)
	} else {
		for _, v := range vals {
			if v != nil && !math.IsNaN(jsNumber(v)) {
				n++
			}
		}
	}
	return shortest(sumValues(a) / float64(max(n, 1))), nil
}

// extreme: MAX/MIN over the arguments that are numbers (NaN skipped);
// none gives 0, or blank for a lone blank array.
func extreme(a []any, pick func(x, y float64) float64) (any, error) {
	var best float64
	found := false
	for _, v := range numbersOf(a) {
		f := jsNumber(v)
		if math.IsNaN(f) {
			continue
		}
		if !found {
			best, found = f, true
			continue
		}
		best = pick(best, f)
	}
	if !found {
		if len(a) == 1 {
			if _, ok := a[0].([]any); ok || a[0] == nil {
				return nil, nil
			}
		}
		return 0.0, nil
	}
	return best, nil
}

var (
	notNumberChars = regexp.MustCompile(`[^0-9.+-]`)
	repeatedSigns  = regexp.MustCompile(`[+\-.]*([+\-.])`)
	leadingFloat   = regexp.MustCompile(`^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?`)
)

// evalValue: VALUE(text) drops every character but digits, '.', '+' and
// '-', collapses runs of those signs and reads the leading number
// (JavaScript parseFloat); no number is an *EvalError (NaN on the server).
func evalValue(c *callExpr, a []any) (any, error) {
	s, err := c.text(a, 0)
	if err != nil {
		return nil, err
	}
	s = repeatedSigns.ReplaceAllString(notNumberChars.ReplaceAllString(s, ""), "$1")
	m := leadingFloat.FindString(s)
	if m == "" {
		return nil, evalErr(c.pos, "VALUE: %s is not a number", Quote(s))
	}
	f, err := strconv.ParseFloat(m, 64)
	if err != nil {
		return nil, evalErr(c.pos, "VALUE: %s is not a number", Quote(s))
	}
	return f, nil
}
