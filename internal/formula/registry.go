package formula

import (
	"fmt"
	"slices"
	"strconv"
)

// serverFunctions lists every function of the APITable server's formula
// engine, in the order of its registry: the Functions map in
// packages/core/src/formula_parser/functions/index.ts of
// github.com/apitable/apitable (written out by hand). Parse accepts exactly
// these names; those this package does not evaluate (see Unsupported) are
// a *SyntaxError whose Unsupported field names the function.
func serverFunctions() []string {
	return []string{
		// Numeric (functions/numeric.ts)
		"SUM", "AVERAGE", "MAX", "MIN", "ROUND", "ROUNDUP", "ROUNDDOWN", "CEILING", "FLOOR",
		"EVEN", "ODD", "INT", "ABS", "SQRT", "MOD", "POWER", "EXP", "LOG", "VALUE",
		// Text (functions/text.ts)
		"CONCATENATE", "FIND", "SEARCH", "MID", "REPLACE", "SUBSTITUTE", "LEN", "LEFT", "RIGHT",
		"LOWER", "UPPER", "REPT", "T", "TRIM", "ENCODE_URL_COMPONENT",
		// Logical (functions/logical.ts)
		"IF", "SWITCH", "TRUE", "FALSE", "AND", "OR", "XOR", "BLANK", "ERROR", "ISERROR", "IS_ERROR", "NOT",
		// DateTime (functions/date_time.ts)
		"TODAY", "NOW", "TONOW", "FROMNOW", "DATEADD", "DATETIME_DIFF", "WORKDAY", "WORKDAY_DIFF",
		"IS_AFTER", "IS_BEFORE", "IS_SAME", "DATETIME_FORMAT", "DATETIME_PARSE", "DATESTR", "TIMESTR",
		"YEAR", "MONTH", "WEEKDAY", "WEEKNUM", "DAY", "HOUR", "MINUTE", "SECOND", "SET_LOCALE",
		"SET_TIMEZONE", "CREATED_TIME", "LAST_MODIFIED_TIME",
		// Array (functions/array.ts)
		"ARRAYCOMPACT", "ARRAYUNIQUE", "ARRAYJOIN", "ARRAYFLATTEN", "COUNT", "COUNTA", "COUNTIF", "COUNTALL",
		// Record (functions/record.ts)
		"RECORD_ID",
	}
}

// funcDef is one function this package evaluates.
type funcDef struct {
	name     string
	min, max int // max < 0: variadic
	lazy     func(c *callExpr, en *env) (any, error)
	eager    func(c *callExpr, args []any) (any, error)
}

func (f *funcDef) arity() string {
	plural := func(n int) string {
		if n == 1 {
			return "1 argument"
		}
		return strconv.Itoa(n) + " arguments"
	}
	switch {
	case f.max < 0:
		return "at least " + plural(f.min)
	case f.min == f.max:
		return plural(f.min)
	default:
		return fmt.Sprintf("%d to %s", f.min, plural(f.max))
	}
}

// funcs is the read-only table of evaluated functions, by upper-case name.
var funcs = buildFuncs()

func buildFuncs() map[string]*funcDef {
	groups := [][]*funcDef{logicalFuncs(), numericFuncs(), textFuncs(), dateFuncs(), arrayFuncs()}
	m := map[string]*funcDef{}
	for _, g := range groups {
		for _, d := range g {
			m[d.name] = d
		}
	}
	return m
}

// isServerFunction reports whether the server's registry has name (upper case).
func isServerFunction(name string) bool { return slices.Contains(serverFunctions(), name) }

// Coverage reports how many of the server's formula functions this package
// evaluates, out of how many the server has.
func Coverage() (evaluated, server int) {
	all := serverFunctions()
	for _, n := range all {
		if _, ok := funcs[n]; ok {
			evaluated++
		}
	}
	return evaluated, len(all)
}

// Unsupported returns the server's functions this package does not
// evaluate, in registry order.
func Unsupported() []string {
	var out []string
	for _, n := range serverFunctions() {
		if _, ok := funcs[n]; !ok {
			out = append(out, n)
		}
	}
	return out
}
