package formula

import (
	"fmt"
	"strings"
)

// SyntaxError reports a formula that cannot be parsed. Pos is the 0-based
// byte offset in the source at which the problem was detected.
type SyntaxError struct {
	Pos int
	Msg string
	// Unsupported is set when the formula is valid for the server as far as
	// this error goes but calls a server function this package does not
	// evaluate: it holds the function's name (upper case).
	Unsupported string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("formula syntax error at position %d: %s", e.Pos, e.Msg)
}

// maxDepth bounds the nesting of parentheses, unary minus and function calls.
const maxDepth = 256

type parser struct {
	lx     lexer
	tok    token
	depth  int
	fields []string
	index  map[string]int
}

// Parse parses a formula. Errors are *SyntaxError.
func Parse(src string) (Expr, error) {
	p := &parser{lx: lexer{src: src}, index: map[string]int{}}
	if err := p.advance(); err != nil {
		return nil, err
	}
	if p.tok.kind == tEOF {
		return nil, synErr(0, "empty formula")
	}
	n, err := p.expr()
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tEOF {
		return nil, synErr(p.tok.pos, "unexpected %s after end of expression", p.tok.describe())
	}
	return &formulaExpr{n: n, fields: p.fields}, nil
}

func (p *parser) advance() error {
	t, err := p.lx.next()
	if err != nil {
		return err
	}
	p.tok = t
	return nil
}

func (p *parser) expr() (node, error) { return p.binary(precOr) }

// binary parses a left-associative chain of operators of precedence >= min.
func (p *parser) binary(min int) (node, error) {
	if min > precMul {
		return p.unary()
	}
	l, err := p.binary(min + 1)
	if err != nil {
		return nil, err
	}
	for {
		op := p.tok
		if prec, ok := binPrec[op.kind]; !ok || prec != min {
			return l, nil
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		r, err := p.binary(min + 1)
		if err != nil {
			return nil, err
		}
		l = &binaryExpr{op: op.kind, l: l, r: r, pos: op.pos}
	}
}

func (p *parser) enter() error {
	p.depth++
	if p.depth > maxDepth {
		return synErr(p.tok.pos, "formula nested too deeply (limit %d)", maxDepth)
	}
	return nil
}

func (p *parser) unary() (node, error) {
	if op := p.tok.kind; op == tMinus || op == tPlus || op == tBang {
		pos := p.tok.pos
		if err := p.enter(); err != nil {
			return nil, err
		}
		defer func() { p.depth-- }()
		if err := p.advance(); err != nil {
			return nil, err
		}
		x, err := p.unary()
		if err != nil {
			return nil, err
		}
		return &unaryExpr{op: op, x: x, pos: pos}, nil
	}
	return p.primary()
}

func (p *parser) primary() (node, error) {
	t := p.tok
	switch t.kind {
	case tNumber:
		return &numberLit{v: t.num}, p.advance()
	case tString:
		return &stringLit{v: t.text}, p.advance()
	case tField:
		idx, ok := p.index[t.text]
		if !ok {
			idx = len(p.fields)
			p.index[t.text] = idx
			p.fields = append(p.fields, t.text)
		}
		return &fieldRef{name: t.text, idx: idx, pos: t.pos}, p.advance()
	case tLParen:
		if err := p.enter(); err != nil {
			return nil, err
		}
		defer func() { p.depth-- }()
		if err := p.advance(); err != nil {
			return nil, err
		}
		n, err := p.expr()
		if err != nil {
			return nil, err
		}
		if p.tok.kind != tRParen {
			return nil, synErr(p.tok.pos, "expected ')' to close '(' at position %d, found %s", t.pos, p.tok.describe())
		}
		return n, p.advance()
	case tIdent:
		return p.call()
	case tEOF:
		return nil, synErr(t.pos, "unexpected end of formula, expected an expression")
	}
	return nil, synErr(t.pos, "expected an expression, found %s", t.describe())
}

func (p *parser) call() (node, error) {
	name := p.tok
	if err := p.advance(); err != nil {
		return nil, err
	}
	upper := strings.ToUpper(name.text)
	if p.tok.kind != tLParen {
		switch upper {
		case "TRUE":
			return &boolLit{v: true}, nil
		case "FALSE":
			return &boolLit{v: false}, nil
		}
		if _, ok := funcs[upper]; ok {
			return nil, synErr(p.tok.pos, "expected '(' after function name %s", name.text)
		}
		return nil, synErr(name.pos, "unknown identifier %s (field names must be written in braces, e.g. %s)", name.text, FieldRef(name.text))
	}
	fn, ok := funcs[upper]
	if !ok {
		if isServerFunction(upper) {
			return nil, unsupported(name.pos, upper)
		}
		return nil, synErr(name.pos, "unknown function %s", name.text)
	}
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	open := p.tok.pos
	if err := p.advance(); err != nil {
		return nil, err
	}
	var args []node
	if p.tok.kind != tRParen {
		for {
			a, err := p.expr()
			if err != nil {
				return nil, err
			}
			args = append(args, a)
			if p.tok.kind == tComma {
				if err := p.advance(); err != nil {
					return nil, err
				}
				continue
			}
			if p.tok.kind != tRParen {
				return nil, synErr(p.tok.pos, "expected ',' or ')' in call to %s (opened at position %d), found %s", fn.name, open, p.tok.describe())
			}
			break
		}
	}
	if err := p.advance(); err != nil { // ')'
		return nil, err
	}
	if len(args) < fn.min || (fn.max >= 0 && len(args) > fn.max) {
		return nil, synErr(name.pos, "%s expects %s, got %d", fn.name, fn.arity(), len(args))
	}
	switch fn.name {
	case "TRUE":
		return &boolLit{v: true}, nil
	case "FALSE":
		return &boolLit{v: false}, nil
	}
	return &callExpr{fn: fn, args: args, pos: name.pos}, nil
}

// unsupported is the error for a server function this package does not
// evaluate.
func unsupported(pos int, name string) *SyntaxError {
	e := synErr(pos, "function %s is valid on the APITable server but not evaluated by this package", name)
	e.Unsupported = name
	return e
}
