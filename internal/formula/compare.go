package formula

import (
	"fmt"
	"strings"
)

// Comparisons follow the server's interpreter (interpreter/interpreter.ts
// visitBinaryOperatorNode), which compares raw values with JavaScript's
// operators; doc.go gives the rules.

// cmpResult: -1, 0, 1, or unordered (2).
const unordered = 2

func cmp3[T float64 | string](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	case a == b:
		return 0
	}
	return unordered // NaN
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// compare implements the comparison rules documented in doc.go.
func compare(op tokKind, l, r any) (bool, error) {
	var err error
	if l, err = flatten(l); err != nil {
		return false, err
	}
	if r, err = flatten(r); err != nil {
		return false, err
	}
	if op != tEq && op != tNe {
		l, r = relOperand(l, r), relOperand(r, l)
	}
	c := order(l, r)
	switch op {
	case tEq:
		return c == 0, nil
	case tNe:
		return c != 0, nil
	case tLt:
		return c == -1, nil
	case tLe:
		return c == -1 || c == 0, nil
	case tGt:
		return c == 1, nil
	case tGe:
		return c == 1 || c == 0, nil
	}
	return false, fmt.Errorf("unsupported comparison")
}

// blankLike: a BLANK() operand takes the blank of the other operand's
// kind, "" for text and false for a bool, unless that operand is itself
// blank (interpreter.ts getBlankValueByType), so "" = BLANK() is true.
func blankLike(n node, v, other any) any {
	c, ok := n.(*callExpr)
	if !ok || c.fn.name != "BLANK" {
		return v
	}
	switch other.(type) {
	case string:
		return ""
	case bool:
		return false
	}
	return v
}

// relOperand: JavaScript's <, <=, >, >= read a blank (null) compared with
// a number or text as 0, and then blank text as 0, while == keeps null
// equal only to null (interpreter.ts visitBinaryOperatorNode compares the
// raw values).
func relOperand(v, other any) any {
	switch o := other.(type) {
	case float64:
		if v == nil {
			return 0.0
		}
	case string:
		if v == nil {
			return 0.0
		}
	case nil:
		if t, ok := v.(string); ok {
			if strings.TrimSpace(t) == "" {
				return 0.0
			}
			if f, ok := parseNumericText(t); ok {
				return f
			}
		}
		_ = o
	}
	return v
}

// flatten turns arrays and objects into text; other kinds are unchanged.
func flatten(v any) (any, error) {
	switch x := v.(type) {
	case []any:
		if len(x) == 0 {
			return nil, nil // an empty array is null (interpreter.ts transformNodeValue)
		}
		return toText(v)
	case map[string]any:
		return toText(v)
	case zonedDate:
		return ms(x.t), nil // JavaScript compares a dayjs object by valueOf
	}
	return v, nil
}

// order compares two flattened values (nil, string, float64, bool).
func order(l, r any) int {
	switch x := l.(type) {
	case nil:
		switch y := r.(type) {
		case nil:
			return 0
		case string:
			return unordered // JavaScript: null == "" is false
		case bool:
			return cmp3(0, b2f(y))
		}
		return unordered // blank vs number
	case string:
		switch y := r.(type) {
		case nil:
			return unordered
		case string:
			return cmp3(x, y)
		case float64:
			if f, ok := parseNumericText(x); ok {
				return cmp3(f, y)
			}
			return unordered // JavaScript: Number("abc") is NaN
		case bool:
			return order(x, b2f(y)) // JavaScript compares both as numbers
		}
	case float64:
		switch y := r.(type) {
		case nil:
			return unordered
		case float64:
			return cmp3(x, y)
		case bool:
			return cmp3(x, b2f(y))
		case string:
			if c := order(r, l); c != unordered {
				return -c
			}
			return unordered
		}
	case bool:
		switch y := r.(type) {
		case nil:
			return cmp3(b2f(x), 0)
		case bool:
			return cmp3(b2f(x), b2f(y))
		case float64:
			return cmp3(b2f(x), y)
		case string:
			return order(b2f(x), y) // JavaScript compares both as numbers
		}
	}
	return unordered
}
