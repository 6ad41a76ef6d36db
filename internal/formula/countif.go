package formula

import "strings"

// COUNTIF(values, keyword, [operator = "="]) follows array.ts CountIf: over
// an array, the elements equal to (=), different from (!=), greater (>) or
// less (<) than keyword, compared as JavaScript compares text and numbers
// (loosely); over text, "=" counts the occurrences of keyword and "!="
// gives 1. Any other operator, or a value that is neither, gives 0.
func evalCountIf(c *callExpr, a []any) (any, error) {
	op := "="
	if len(a) > 2 && a[2] != nil {
		op, _ = toText(a[2])
		op = strings.ReplaceAll(op, "！", "!")
	}
	switch rng := a[0].(type) {
	case nil:
		return 0.0, nil
	case []any:
		n := 0
		for _, v := range rng {
			if countIfMatch(v, a[1], op) {
				n++
			}
		}
		if op != "=" && op != "!=" && op != ">" && op != "<" {
			return 0.0, nil
		}
		return float64(n), nil
	case string:
		kw, ok := a[1].(string)
		if f, isNum := a[1].(float64); isNum {
			kw, ok = formatNumber(f), true
		}
		switch {
		case op == "=" && ok:
			return float64(len(jsSplit(rng, kw)) - 1), nil
		case op == "!=":
			return 1.0, nil
		}
	}
	return 0.0, nil
}

// countIfMatch compares one element with the keyword.
func countIfMatch(v, kw any, op string) bool {
	if _, isMap := v.(map[string]any); isMap {
		v, _ = toText(v)
	}
	var c int
	switch {
	case isTextOrNumber(v) && isTextOrNumber(kw):
		c = order(v, kw)
	case sameKind(v, kw):
		c = order(v, kw)
	default:
		return op == "!="
	}
	switch op {
	case "=":
		return c == 0
	case "!=":
		return c != 0
	case ">":
		return c == 1
	case "<":
		return c == -1
	}
	return false
}

func isTextOrNumber(v any) bool {
	switch v.(type) {
	case string, float64:
		return true
	}
	return false
}

func sameKind(a, b any) bool {
	switch a.(type) {
	case bool:
		_, ok := b.(bool)
		return ok
	case nil:
		return b == nil
	}
	return false
}
