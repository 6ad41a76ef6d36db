package formula

import (
	"fmt"
	"strings"
)

// Array functions. Server semantics: functions/array.ts of
// github.com/apitable/apitable (packages/core/src/formula_parser).
// Arrays are multi-value cells (multi-select, links, lookups, members);
// functions that return an array return []any.

func arrayFuncs() []*funcDef {
	return []*funcDef{
		{name: "ARRAYJOIN", min: 1, max: -1, eager: evalArrayJoin},
		{name: "ARRAYFLATTEN", min: 0, max: -1, eager: func(_ *callExpr, a []any) (any, error) {
			return flattenArgs(a), nil
		}},
		{name: "ARRAYUNIQUE", min: 0, max: -1, eager: func(_ *callExpr, a []any) (any, error) {
			return uniqueValues(flattenArgs(a)), nil
		}},
		{name: "ARRAYCOMPACT", min: 0, max: -1, eager: func(_ *callExpr, a []any) (any, error) {
			out := []any{}
			for _, v := range flattenArgs(a) {
				if v != "" { // array.ts ArrayCompact drops only empty strings
					out = append(out, v)
				}
			}
			return out, nil
		}},
		{name: "COUNT", min: 0, max: -1, eager: func(_ *callExpr, a []any) (any, error) {
			return countIf(numbersOf(a), func(v any) bool { _, ok := v.(float64); return ok }), nil
		}},
		{name: "COUNTA", min: 0, max: -1, eager: func(_ *callExpr, a []any) (any, error) {
			return countIf(numbersOf(a), func(v any) bool { return v != nil && v != "" && v != false }), nil
		}},
		{name: "COUNTIF", min: 2, max: -1, eager: evalCountIf},
		{name: "COUNTALL", min: 0, max: -1, eager: func(_ *callExpr, a []any) (any, error) {
			return float64(len(numbersOf(a))), nil
		}},
	}
}

func countIf(vals []any, ok func(any) bool) float64 {
	n := 0
	for _, v := range vals {
		if ok(v) {
			n++
		}
	}
	return float64(n)
}

// flattenArgs is array.ts flattenParams: blank arguments are dropped, arrays
// are flattened to any depth.
func flattenArgs(a []any) []any {
	out := []any{}
	var add func(v any)
	add = func(v any) {
		if arr, ok := v.([]any); ok {
			for _, el := range arr {
				add(el)
			}
			return
		}
		out = append(out, v)
	}
	for _, v := range a {
		if v != nil {
			add(v)
		}
	}
	return out
}

// uniqueValues keeps the first of equal values (JavaScript Set: same kind
// and value; objects compare by their text here).
func uniqueValues(vals []any) []any {
	seen := map[string]bool{}
	out := []any{}
	for _, v := range vals {
		t, _ := toText(v)
		k := fmt.Sprintf("%T:%s", v, t)
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, v)
	}
	return out
}

// evalArrayJoin: ARRAYJOIN(values, [separator = ", "]) joins an array's
// elements as text; a value that is not an array is returned as is.
func evalArrayJoin(c *callExpr, a []any) (any, error) {
	arr, ok := a[0].([]any)
	if !ok {
		return a[0], nil
	}
	sep := ", "
	if len(a) > 1 {
		if s, _ := toText(a[1]); s != "" {
			sep = s
		}
	}
	parts := make([]string, len(arr))
	for i, v := range arr {
		s, err := toText(v)
		if err != nil {
			return nil, evalErr(c.pos, "ARRAYJOIN: %v", err)
		}
		parts[i] = s
	}
	return strings.Join(parts, sep), nil
}
