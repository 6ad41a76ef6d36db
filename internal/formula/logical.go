package formula

// Logical functions. Server semantics: functions/logical.ts of
// github.com/apitable/apitable (packages/core/src/formula_parser).

func logicalFuncs() []*funcDef {
	return []*funcDef{
		{name: "AND", min: 1, max: -1, eager: func(_ *callExpr, a []any) (any, error) {
			for _, v := range spreadSingleArray(a) {
				if !Truthy(v) {
					return false, nil
				}
			}
			return true, nil
		}},
		{name: "OR", min: 1, max: -1, eager: func(_ *callExpr, a []any) (any, error) {
			for _, v := range spreadSingleArray(a) {
				if Truthy(v) {
					return true, nil
				}
			}
			return false, nil
		}},
		{name: "XOR", min: 1, max: -1, eager: func(_ *callExpr, a []any) (any, error) {
			n := 0
			for _, v := range spreadSingleArray(a) {
				if Truthy(v) {
					n++
				}
			}
			return n%2 == 1, nil
		}},
		{name: "NOT", min: 1, max: 1, eager: func(_ *callExpr, a []any) (any, error) {
			return !Truthy(a[0]), nil
		}},
		{name: "IF", min: 3, max: -1, lazy: evalIf}, // logical.ts If: 3 required, extra ignored
		{name: "SWITCH", min: 2, max: -1, lazy: evalSwitch},
		{name: "BLANK", min: 0, max: 0, eager: func(*callExpr, []any) (any, error) { return nil, nil }},
		{name: "TRUE", min: 0, max: 0, eager: func(*callExpr, []any) (any, error) { return true, nil }},
		{name: "FALSE", min: 0, max: 0, eager: func(*callExpr, []any) (any, error) { return false, nil }},
		{name: "ERROR", min: 0, max: -1, eager: func(c *callExpr, a []any) (any, error) {
			msg := ""
			if len(a) > 0 {
				msg, _ = toText(a[0])
			}
			return nil, evalErr(c.pos, "ERROR(%s)", Quote(msg))
		}},
		{name: "IS_ERROR", min: 1, max: -1, lazy: evalIsError},
		{name: "ISERROR", min: 1, max: -1, lazy: evalIsError},
	}
}

// spreadSingleArray: AND, OR and XOR given one array argument (a
// multi-value field) test its elements (logical.ts isArrayParam). An empty
// array is a blank cell, which all three answer FALSE: it becomes one
// falsy element here.
func spreadSingleArray(a []any) []any {
	if len(a) != 1 {
		return a
	}
	arr, ok := a[0].([]any)
	if !ok {
		return a
	}
	if len(arr) == 0 {
		return []any{nil}
	}
	return arr
}

func evalIf(c *callExpr, en *env) (any, error) {
	cond, err := c.args[0].eval(en)
	if err != nil {
		return nil, err
	}
	if Truthy(cond) {
		return c.args[1].eval(en)
	}
	return c.args[2].eval(en)
}

// evalSwitch: SWITCH(expr, pattern1, result1, …, [default]) returns the
// result of the first pattern strictly equal (JavaScript ===: same kind and
// value) to expr, else the default (blank when the argument count is
// even). An empty array counts as blank.
func evalSwitch(c *callExpr, en *env) (any, error) {
	target, err := c.args[0].eval(en)
	if err != nil {
		return nil, err
	}
	rest := c.args[1:]
	for i := 0; i+1 < len(rest); i += 2 {
		p, err := rest[i].eval(en)
		if err != nil {
			return nil, err
		}
		if strictEqual(target, p) {
			return rest[i+1].eval(en)
		}
	}
	if len(rest)%2 == 1 {
		return rest[len(rest)-1].eval(en)
	}
	return nil, nil
}

// strictEqual is JavaScript ===, with an empty array taken as blank and
// arrays and objects compared through their text.
func strictEqual(a, b any) bool {
	norm := func(v any) any {
		switch x := v.(type) {
		case []any:
			if len(x) == 0 {
				return nil
			}
			s, _ := toText(x)
			return s
		case map[string]any:
			s, _ := toText(x)
			return s
		}
		return v
	}
	a, b = norm(a), norm(b)
	return a == b
}

// evalIsError: IS_ERROR(expr) is TRUE when evaluating expr fails.
func evalIsError(c *callExpr, en *env) (any, error) {
	_, err := c.args[0].eval(en)
	return err != nil, nil
}
