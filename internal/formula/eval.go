package formula

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// EvalError reports a formula that parsed but could not be evaluated:
// an unknown field, a value of the wrong type, division by zero, ...
// Pos is the 0-based byte offset in the source of the offending
// sub-expression (the operator, function name or field reference).
type EvalError struct {
	Pos int
	Msg string
}

func (e *EvalError) Error() string {
	return fmt.Sprintf("formula evaluation error at position %d: %s", e.Pos, e.Msg)
}

func evalErr(pos int, format string, args ...any) *EvalError {
	return &EvalError{Pos: pos, Msg: fmt.Sprintf(format, args...)}
}

type env struct {
	vals []any
	ctx  Context
}

// Context is what a formula may read besides the record's cells: the
// clock (TODAY, NOW), the record's id (RECORD_ID) and its metadata
// (CREATED_TIME, LAST_MODIFIED_TIME). A zero Context has no clock: TODAY()
// and NOW() are then an *EvalError, never a hidden time.Now.
type Context struct {
	// Now returns the current time; nil means no clock.
	Now func() time.Time
	// RecordID is the id of the record being evaluated.
	RecordID string
	// CreatedAt and UpdatedAt are the record's creation and last
	// modification times in ms since the epoch; 0 means unknown (blank).
	CreatedAt, UpdatedAt int64
	// FieldUpdatedAt returns when a field's cell was last modified (ms);
	// nil or false means unknown (blank).
	FieldUpdatedAt func(field string) (int64, bool)
}

// Eval evaluates e. lookup returns a field's cell value by field name (as
// written inside {…}, unescaped) and whether the field exists. Every field
// referenced anywhere in e is looked up once, before evaluation starts, so an
// unknown field is reported even in a branch of IF that is not taken.
//
// The result is nil (blank), string, float64 or bool; a formula consisting of
// a bare field reference returns the (normalized) cell value itself, which may
// also be []any or map[string]any.
func Eval(e Expr, lookup func(field string) (any, bool)) (any, error) {
	return EvalContext(e, lookup, Context{})
}

// EvalContext is Eval with a Context for the functions that read the clock
// or the record's metadata.
func EvalContext(e Expr, lookup func(field string) (any, bool), ctx Context) (any, error) {
	if e == nil {
		return nil, evalErr(0, "nil formula")
	}
	f := e.root()
	en := &env{vals: make([]any, len(f.fields)), ctx: ctx}
	for i, name := range f.fields {
		if lookup == nil {
			return nil, evalErr(0, "unknown field %s", FieldRef(name))
		}
		v, ok := lookup(name)
		if !ok {
			return nil, evalErr(fieldPos(f.n, i), "unknown field %s", FieldRef(name))
		}
		nv, err := normalize(v)
		if err != nil {
			return nil, evalErr(fieldPos(f.n, i), "field %s: %v", FieldRef(name), err)
		}
		en.vals[i] = nv
	}
	v, err := f.n.eval(en)
	return exportValue(v), err
}

// exportValue turns a date with a zone (SET_TIMEZONE), also inside an
// array, into its timestamp: results are JSON kinds.
func exportValue(v any) any {
	switch x := v.(type) {
	case zonedDate:
		return ms(x.t)
	case []any:
		var out []any // copied only when needed: x may be a caller's cell
		for i, el := range x {
			ev := exportValue(el)
			if _, zoned := el.(zonedDate); zoned || out != nil {
				if out == nil {
					out = append(make([]any, 0, len(x)), x[:i]...)
				}
				out = append(out, ev)
			}
		}
		if out != nil {
			return out
		}
	}
	return v
}

// fieldPos finds the position of the first reference to field idx.
func fieldPos(n node, idx int) int {
	pos := -1
	var walk func(n node)
	walk = func(n node) {
		if pos >= 0 {
			return
		}
		switch n := n.(type) {
		case *fieldRef:
			if n.idx == idx {
				pos = n.pos
			}
		case *unaryExpr:
			walk(n.x)
		case *binaryExpr:
			walk(n.l)
			walk(n.r)
		case *callExpr:
			for _, a := range n.args {
				walk(a)
			}
		}
	}
	walk(n)
	if pos < 0 {
		return 0
	}
	return pos
}

// Fields returns the names of the fields referenced by e, in order of first
// appearance, without duplicates.
func Fields(e Expr) []string {
	if e == nil {
		return nil
	}
	return append([]string(nil), e.root().fields...)
}

// normalize converts a cell value to one of the JSON kinds the evaluator
// understands. Go integer types and json.Number are accepted as numbers.
func normalize(v any) (any, error) {
	switch x := v.(type) {
	case nil, string, float64, bool:
		return v, nil
	case []any:
		return x, nil // elements are converted lazily by toText
	case map[string]any:
		return x, nil
	case []string:
		out := make([]any, len(x))
		for i, s := range x {
			out[i] = s
		}
		return out, nil
	case float32:
		return float64(x), nil
	case int:
		return float64(x), nil
	case int8:
		return float64(x), nil
	case int16:
		return float64(x), nil
	case int32:
		return float64(x), nil
	case int64:
		return float64(x), nil
	case uint:
		return float64(x), nil
	case uint8:
		return float64(x), nil
	case uint16:
		return float64(x), nil
	case uint32:
		return float64(x), nil
	case uint64:
		return float64(x), nil
	case json.Number:
		f, err := x.Float64()
		if err != nil {
			return nil, fmt.Errorf("invalid number %q", string(x))
		}
		return f, nil
	}
	return nil, fmt.Errorf("unsupported cell value type %T", v)
}

// Truthy reports whether v counts as true when a formula is used as a filter:
// nil, "", 0, NaN, false and empty arrays are false; everything else
// (including objects) is true.
func Truthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case zonedDate:
		return true
	case bool:
		return x
	case string:
		return x != ""
	case float64:
		return x != 0 && !math.IsNaN(x)
	case []any:
		return len(x) > 0
	case map[string]any:
		return true
	}
	if n, err := normalize(v); err == nil {
		if _, isMap := n.(map[string]any); !isMap {
			return Truthy(n)
		}
		return true
	}
	return false
}

// ---- conversions ----

// toText converts a value to text: blank → "", numbers in shortest form,
// booleans → "true"/"false", arrays → elements joined by ", ", objects →
// their "text", "name" or "title" member.
func toText(v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "", nil
	case zonedDate:
		return x.String(), nil
	case string:
		return x, nil
	case float64:
		return formatNumber(x), nil
	case bool:
		if x {
			return "true", nil // JavaScript's String(true)
		}
		return "false", nil
	case []any:
		parts := make([]string, len(x))
		for i, el := range x {
			s, err := toText(el)
			if err != nil {
				return "", err
			}
			parts[i] = s
		}
		return strings.Join(parts, ", "), nil
	case map[string]any:
		for _, k := range []string{"text", "name", "title"} {
			if s, ok := x[k].(string); ok {
				return s, nil
			}
		}
		return "", fmt.Errorf("cannot convert object without a text, name or title member to text")
	}
	if n, err := normalize(v); err == nil {
		return toText(n)
	}
	return "", fmt.Errorf("unsupported value type %T", v)
}

// parseNumericText reports whether s (surrounding ASCII spaces ignored) is a
// decimal number: optional sign, digits with optional fraction, optional
// exponent — the same syntax as number literals. "NaN", "Inf", hex and
// underscores are not numbers.
func parseNumericText(s string) (float64, bool) {
	s = strings.Trim(s, " \t\n\r")
	body := s
	if body != "" && (body[0] == '+' || body[0] == '-') {
		body = body[1:]
	}
	if body == "" || !isDigit(body[0]) && (body[0] != '.' || len(body) < 2 || !isDigit(body[1])) {
		return 0, false
	}
	n, bad := scanNumber(body)
	if bad || n != len(body) {
		return 0, false
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, false
	}
	return v, true
}

// toNumber converts a value for arithmetic: blank and "" → 0, booleans → 1/0,
// numeric text → its value; anything else is a type error.
func toNumber(v any) (float64, error) {
	switch x := v.(type) {
	case nil:
		return 0, nil
	case zonedDate:
		return ms(x.t), nil
	case float64:
		return x, nil
	case bool:
		if x {
			return 1, nil
		}
		return 0, nil
	}
	s, err := toText(v)
	if err != nil {
		return 0, err
	}
	if strings.Trim(s, " \t\n\r") == "" {
		return 0, nil
	}
	if f, ok := parseNumericText(s); ok {
		return f, nil
	}
	return 0, fmt.Errorf("cannot use text %s as a number", Quote(s))
}

// ---- node evaluation ----

func (n *numberLit) eval(*env) (any, error) { return n.v, nil }
func (s *stringLit) eval(*env) (any, error) { return s.v, nil }
func (b *boolLit) eval(*env) (any, error)   { return b.v, nil }
func (f *fieldRef) eval(en *env) (any, error) {
	return en.vals[f.idx], nil
}

func (u *unaryExpr) eval(en *env) (any, error) {
	v, err := u.x.eval(en)
	if err != nil {
		return nil, err
	}
	if u.op == tBang {
		return !Truthy(v), nil // JavaScript's !x
	}
	x, err := toNumber(v)
	if err != nil {
		return nil, evalErr(u.pos, "unary '%s': %v", binText[u.op], err)
	}
	if u.op == tPlus {
		return x, nil
	}
	return -x, nil
}

func (b *binaryExpr) eval(en *env) (any, error) {
	l, err := b.l.eval(en)
	if err != nil {
		return nil, err
	}
	r, err := b.r.eval(en)
	if err != nil {
		return nil, err
	}
	op := binText[b.op]
	switch b.op {
	case tAmp:
		ls, err := toText(l)
		if err != nil {
			return nil, evalErr(b.pos, "'&': %v", err)
		}
		rs, err := toText(r)
		if err != nil {
			return nil, evalErr(b.pos, "'&': %v", err)
		}
		return ls + rs, nil
	case tAndAnd: // JavaScript's Boolean(l && r)
		return Truthy(l) && Truthy(r), nil
	case tOrOr:
		return Truthy(l) || Truthy(r), nil
	case tPlus, tMinus, tStar, tSlash, tPercent:
		x, err := toNumber(l)
		if err != nil {
			return nil, evalErr(b.pos, "'%s': left operand: %v", op, err)
		}
		y, err := toNumber(r)
		if err != nil {
			return nil, evalErr(b.pos, "'%s': right operand: %v", op, err)
		}
		var z float64
		switch b.op {
		case tPlus:
			z = x + y
		case tMinus:
			z = x - y
		case tStar:
			z = x * y
		case tSlash:
			if y == 0 {
				return nil, evalErr(b.pos, "division by zero")
			}
			z = x / y
		case tPercent: // JavaScript's %: the dividend's sign
			if y == 0 {
				return nil, evalErr(b.pos, "modulo by zero")
			}
			z = math.Mod(x, y)
		}
		if math.IsInf(z, 0) || math.IsNaN(z) {
			return nil, evalErr(b.pos, "'%s': numeric overflow", op)
		}
		return z, nil
	}
	l, r = blankLike(b.l, l, r), blankLike(b.r, r, l)
	res, err := compare(b.op, l, r)
	if err != nil {
		return nil, evalErr(b.pos, "'%s': %v", op, err)
	}
	return res, nil
}

func (c *callExpr) eval(en *env) (any, error) {
	if c.fn.lazy != nil {
		return c.fn.lazy(c, en)
	}
	args := make([]any, len(c.args))
	for i, a := range c.args {
		v, err := a.eval(en)
		if err != nil {
			return nil, err
		}
		args[i] = v
	}
	return c.fn.eager(c, args)
}

func (c *callExpr) text(a []any, i int) (string, error) {
	s, err := toText(a[i])
	if err != nil {
		return "", evalErr(c.pos, "%s argument %d: %v", c.fn.name, i+1, err)
	}
	return s, nil
}
