package formula

import (
	"fmt"
	"strconv"
	"unicode/utf8"
)

type tokKind int

const (
	tEOF tokKind = iota
	tNumber
	tString
	tField
	tIdent
	tLParen
	tRParen
	tComma
	tPlus
	tMinus
	tStar
	tSlash
	tAmp
	tEq
	tNe
	tLt
	tGt
	tLe
	tGe
	tAndAnd
	tOrOr
	tBang
	tPercent
)

var tokNames = map[tokKind]string{
	tEOF:     "end of formula",
	tNumber:  "number",
	tString:  "string",
	tField:   "field reference",
	tIdent:   "identifier",
	tLParen:  "'('",
	tRParen:  "')'",
	tComma:   "','",
	tPlus:    "'+'",
	tMinus:   "'-'",
	tStar:    "'*'",
	tSlash:   "'/'",
	tAmp:     "'&'",
	tEq:      "'='",
	tNe:      "'!='",
	tLt:      "'<'",
	tGt:      "'>'",
	tLe:      "'<='",
	tGe:      "'>='",
	tAndAnd:  "'&&'",
	tOrOr:    "'||'",
	tBang:    "'!'",
	tPercent: "'%'",
}

type token struct {
	kind tokKind
	pos  int     // byte offset of the first character
	text string  // identifier text, decoded string / field name
	num  float64 // value of a number token
}

func (t token) describe() string {
	switch t.kind {
	case tNumber, tIdent:
		return fmt.Sprintf("%s %s", tokNames[t.kind], t.text)
	case tString:
		return "string " + Quote(t.text)
	case tField:
		return "field reference " + FieldRef(t.text)
	}
	return tokNames[t.kind]
}

type lexer struct {
	src string
	pos int
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isIdentStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}
func isIdentPart(c byte) bool { return isIdentStart(c) || isDigit(c) }

func synErr(pos int, format string, args ...any) *SyntaxError {
	return &SyntaxError{Pos: pos, Msg: fmt.Sprintf(format, args...)}
}

// singleCharToken is the token a one-byte operator or punctuation starts,
// or tEOF.
func singleCharToken(c byte) tokKind {
	switch c {
	case '(':
		return tLParen
	case ')':
		return tRParen
	case ',':
		return tComma
	case '+':
		return tPlus
	case '-':
		return tMinus
	case '*':
		return tStar
	case '/':
		return tSlash
	case '&':
		return tAmp
	case '=':
		return tEq
	case '<':
		return tLt
	case '>':
		return tGt
	case '!':
		return tBang
	case '%':
		return tPercent
	}
	return tEOF
}

// next scans the next token.
func (l *lexer) next() (token, error) {
	for l.pos < len(l.src) && isSpace(l.src[l.pos]) {
		l.pos++
	}
	start := l.pos
	if l.pos >= len(l.src) {
		return token{kind: tEOF, pos: start}, nil
	}
	c := l.src[l.pos]
	two := ""
	if l.pos+1 < len(l.src) {
		two = l.src[l.pos : l.pos+2]
	}
	simple := func(k tokKind, n int) (token, error) {
		l.pos += n
		return token{kind: k, pos: start}, nil
	}
	switch {
	case c == '{':
		return l.field()
	case c == '"' || c == '\'':
		return l.str()
	case isDigit(c) || (c == '.' && len(two) == 2 && isDigit(two[1])):
		return l.number()
	case isIdentStart(c):
		for l.pos < len(l.src) && isIdentPart(l.src[l.pos]) {
			l.pos++
		}
		return token{kind: tIdent, pos: start, text: l.src[start:l.pos]}, nil
	}
	switch two {
	case "!=", "<>":
		return simple(tNe, 2)
	case "<=":
		return simple(tLe, 2)
	case ">=":
		return simple(tGe, 2)
	case "==":
		return token{}, synErr(start, "unsupported operator '==' (use '=' to compare)")
	case "&&":
		return simple(tAndAnd, 2)
	case "||":
		return simple(tOrOr, 2)
	}
	if k := singleCharToken(c); k != tEOF {
		return simple(k, 1)
	}
	switch c {
	case '^', '|', '?', ':':
		return token{}, synErr(start, "unsupported operator %q", string(c))
	case '}':
		return token{}, synErr(start, "unexpected '}' without matching '{'")
	}
	r, _ := utf8.DecodeRuneInString(l.src[l.pos:])
	if r == utf8.RuneError {
		return token{}, synErr(start, "unexpected byte 0x%02x", c)
	}
	return token{}, synErr(start, "unexpected character %q", r)
}

// field scans {name}; inside the braces "\}" and "\\" are the only escapes.
func (l *lexer) field() (token, error) {
	start := l.pos
	l.pos++ // '{'
	var buf []byte
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		switch c {
		case '}':
			l.pos++
			return token{kind: tField, pos: start, text: string(buf)}, nil
		case '\\':
			if l.pos+1 < len(l.src) && (l.src[l.pos+1] == '}' || l.src[l.pos+1] == '\\') {
				buf = append(buf, l.src[l.pos+1])
				l.pos += 2
				continue
			}
			if l.pos+1 >= len(l.src) {
				return token{}, synErr(start, "unterminated field reference")
			}
			return token{}, synErr(l.pos, `invalid escape in field name: only \} and \\ are allowed`)
		default:
			buf = append(buf, c)
			l.pos++
		}
	}
	return token{}, synErr(start, "unterminated field reference (missing '}')")
}

func hexVal(s string) (rune, bool) {
	if len(s) != 4 {
		return 0, false
	}
	v, err := strconv.ParseUint(s, 16, 32)
	if err != nil {
		return 0, false
	}
	return rune(v), true //nolint:gosec // four hex digits: v <= 0xFFFF
}

// str scans a quoted string literal.
func (l *lexer) str() (token, error) {
	start := l.pos
	q := l.src[l.pos]
	l.pos++
	var buf []byte
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		if c == q {
			l.pos++
			return token{kind: tString, pos: start, text: string(buf)}, nil
		}
		if c != '\\' {
			buf = append(buf, c)
			l.pos++
			continue
		}
		esc := l.pos
		if l.pos+1 >= len(l.src) {
			break
		}
		e := l.src[l.pos+1]
		l.pos += 2
		switch e {
		case '"', '\'', '\\':
			buf = append(buf, e)
		case 'n':
			buf = append(buf, '\n')
		case 't':
			buf = append(buf, '\t')
		case 'r':
			buf = append(buf, '\r')
		case 'u':
			r, ok := l.hex4()
			if !ok {
				return token{}, synErr(esc, `invalid \u escape: want exactly 4 hex digits`)
			}
			if r >= 0xD800 && r < 0xDC00 {
				// High surrogate: must be followed by \u + low surrogate.
				if l.pos+1 < len(l.src) && l.src[l.pos] == '\\' && l.src[l.pos+1] == 'u' {
					save := l.pos
					l.pos += 2
					lo, ok := l.hex4()
					if ok && lo >= 0xDC00 && lo < 0xE000 {
						r = 0x10000 + (r-0xD800)<<10 + (lo - 0xDC00)
						buf = utf8.AppendRune(buf, r)
						continue
					}
					l.pos = save
				}
				return token{}, synErr(esc, `invalid \u escape: unpaired surrogate`)
			}
			if r >= 0xDC00 && r < 0xE000 {
				return token{}, synErr(esc, `invalid \u escape: unpaired surrogate`)
			}
			buf = utf8.AppendRune(buf, r)
		default:
			return token{}, synErr(esc, `invalid escape sequence in string (allowed: \" \' \\ \n \t \r \uXXXX)`)
		}
	}
	return token{}, synErr(start, "unterminated string literal")
}

func (l *lexer) hex4() (rune, bool) {
	if l.pos+4 > len(l.src) {
		return 0, false
	}
	for i := 0; i < 4; i++ {
		c := l.src[l.pos+i]
		if !isDigit(c) && (c < 'a' || c > 'f') && (c < 'A' || c > 'F') {
			return 0, false
		}
	}
	r, ok := hexVal(l.src[l.pos : l.pos+4])
	if ok {
		l.pos += 4
	}
	return r, ok
}

// scanNumber returns the length of the longest number literal
// (digits [. digits] [e [+-] digits] | . digits [e ...]) at the start of s,
// or -1 with an error position if an exponent has no digits.
func scanNumber(s string) (n int, badExp bool) {
	i := 0
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		j := i + 1
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			j++
		}
		if j >= len(s) || !isDigit(s[j]) {
			return i, true
		}
		for j < len(s) && isDigit(s[j]) {
			j++
		}
		i = j
	}
	return i, false
}

func (l *lexer) number() (token, error) {
	start := l.pos
	n, badExp := scanNumber(l.src[l.pos:])
	if badExp {
		return token{}, synErr(start+n, "malformed number: exponent has no digits")
	}
	text := l.src[start : start+n]
	l.pos += n
	v, err := strconv.ParseFloat(text, 64)
	if err != nil {
		return token{}, synErr(start, "number %s is out of range", text)
	}
	if l.pos < len(l.src) && (isIdentPart(l.src[l.pos]) || l.src[l.pos] == '.') {
		return token{}, synErr(l.pos, "malformed number %s%c", text, l.src[l.pos])
	}
	return token{kind: tNumber, pos: start, text: text, num: v}, nil
}
