package formula

import (
	"math"
	"strconv"
	"strings"
)

// Expr is a parsed formula. Its String method prints the formula in
// canonical form (double-quoted strings, upper-case function names, TRUE()
// and FALSE() for booleans, "!=" for inequality, single spaces around binary
// operators and only the parentheses the precedence rules require);
// Parse(e.String()) yields an equivalent Expr that prints identically.
type Expr interface {
	String() string
	root() *formulaExpr
}

// formulaExpr is the only implementation of Expr: a parsed tree plus the
// field names it references.
type formulaExpr struct {
	n      node
	fields []string
}

func (f *formulaExpr) String() string     { return f.n.String() }
func (f *formulaExpr) root() *formulaExpr { return f }

type node interface {
	String() string
	prec() int
	eval(env *env) (any, error)
}

// Precedence levels, low to high.
const (
	precOr      = 1 // ||
	precAnd     = 2 // &&
	precCompare = 3
	precConcat  = 4
	precAdd     = 5
	precMul     = 6
	precUnary   = 7
	precAtom    = 8
)

type numberLit struct{ v float64 }
type stringLit struct{ v string }
type boolLit struct{ v bool }
type fieldRef struct {
	name string
	idx  int // index into formulaExpr.fields
	pos  int
}
type unaryExpr struct {
	op  tokKind // tMinus, tPlus or tBang
	x   node
	pos int
}
type binaryExpr struct {
	op   tokKind
	l, r node
	pos  int // position of the operator
}
type callExpr struct {
	fn   *funcDef
	args []node
	pos  int
}

func (*numberLit) prec() int    { return precAtom }
func (*stringLit) prec() int    { return precAtom }
func (*boolLit) prec() int      { return precAtom }
func (*fieldRef) prec() int     { return precAtom }
func (*callExpr) prec() int     { return precAtom }
func (*unaryExpr) prec() int    { return precUnary }
func (b *binaryExpr) prec() int { return binPrec[b.op] }

var binPrec = map[tokKind]int{
	tEq: precCompare, tNe: precCompare, tLt: precCompare, tGt: precCompare, tLe: precCompare, tGe: precCompare,
	tAmp:  precConcat,
	tPlus: precAdd, tMinus: precAdd,
	tStar: precMul, tSlash: precMul, tPercent: precMul,
	tAndAnd: precAnd, tOrOr: precOr,
}

var binText = map[tokKind]string{
	tEq: "=", tNe: "!=", tLt: "<", tGt: ">", tLe: "<=", tGe: ">=",
	tAmp: "&", tPlus: "+", tMinus: "-", tStar: "*", tSlash: "/",
	tPercent: "%", tAndAnd: "&&", tOrOr: "||", tBang: "!",
}

// formatNumber prints a float64 so that it lexes back to exactly the same
// value (shortest round-trip representation).
func formatNumber(v float64) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "Infinity"
	case math.IsInf(v, -1):
		return "-Infinity"
	}
	if v == 0 {
		return "0" // also for -0
	}
	a := math.Abs(v)
	if a >= 1e-6 && a < 1e21 {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

func (n *numberLit) String() string { return formatNumber(n.v) }
func (s *stringLit) String() string { return Quote(s.v) }
func (b *boolLit) String() string {
	if b.v {
		return "TRUE()"
	}
	return "FALSE()"
}
func (f *fieldRef) String() string { return FieldRef(f.name) }

func (u *unaryExpr) String() string {
	x := u.x.String()
	if u.x.prec() < precUnary {
		x = "(" + x + ")"
	}
	return binText[u.op] + x
}

func (b *binaryExpr) String() string {
	p := b.prec()
	l, r := b.l.String(), b.r.String()
	if b.l.prec() < p {
		l = "(" + l + ")"
	}
	if b.r.prec() <= p { // operators are left-associative
		r = "(" + r + ")"
	}
	return l + " " + binText[b.op] + " " + r
}

func (c *callExpr) String() string {
	var sb strings.Builder
	sb.WriteString(c.fn.name)
	sb.WriteByte('(')
	for i, a := range c.args {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString(a.String())
	}
	sb.WriteByte(')')
	return sb.String()
}
