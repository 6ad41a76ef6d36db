package formula

import (
	"math"
	"strings"
	"unicode/utf8"
)

// Text functions. Server semantics: functions/text.ts of
// github.com/apitable/apitable (packages/core/src/formula_parser).
// Positions and lengths count Unicode code points (JavaScript counts UTF-16
// units, which differs only for characters outside the BMP, such as emoji).

func textFuncs() []*funcDef {
	return []*funcDef{
		{name: "LEN", min: 1, max: 1, eager: func(c *callExpr, a []any) (any, error) {
			s, err := c.text(a, 0)
			if err != nil {
				return nil, err
			}
			return float64(utf8.RuneCountInString(s)), nil
		}},
		{name: "LOWER", min: 1, max: 1, eager: func(c *callExpr, a []any) (any, error) {
			s, err := c.text(a, 0)
			return strings.ToLower(s), err
		}},
		{name: "UPPER", min: 1, max: 1, eager: func(c *callExpr, a []any) (any, error) {
			s, err := c.text(a, 0)
			return strings.ToUpper(s), err
		}},
		{name: "FIND", min: 2, max: 3, eager: func(c *callExpr, a []any) (any, error) { return find(c, a) }},
		{name: "SEARCH", min: 2, max: 3, eager: func(c *callExpr, a []any) (any, error) {
			// text.ts Search: FIND's indexOf (case-sensitive), blank when not found.
			pos, err := find(c, a)
			if pos == 0.0 {
				return nil, err
			}
			return pos, err
		}},
		{name: "CONCATENATE", min: 1, max: -1, eager: func(c *callExpr, a []any) (any, error) {
			// text.ts Concatenate: the arguments flattened (arrays give
			// their elements, blanks nothing), joined with "".
			flat := flattenArgs(a)
			var sb strings.Builder
			for i := range flat {
				s, err := c.text(flat, i)
				if err != nil {
					return nil, err
				}
				sb.WriteString(s)
			}
			return sb.String(), nil
		}},
		textFunc("TRIM", 1, func(c *callExpr, s string, _ []any) (any, error) {
			return strings.TrimFunc(s, isJSSpace), nil
		}),
		textFunc("LEFT", 1, func(c *callExpr, s string, a []any) (any, error) {
			n, err := c.optInt(a, 1, 1)
			r := []rune(s)
			return string(r[:clamp(n, 0, len(r))]), err
		}),
		textFunc("RIGHT", 1, func(c *callExpr, s string, a []any) (any, error) {
			n, err := c.optInt(a, 1, 1)
			r := []rune(s)
			return string(r[clamp(len(r)-n, 0, len(r)):]), err
		}),
		textFunc("MID", 3, evalMid),
		textFunc("REPLACE", 4, evalReplace),
		textFunc("SUBSTITUTE", 3, evalSubstitute),
		textFunc("REPT", 2, func(c *callExpr, s string, a []any) (any, error) {
			n, err := c.optInt(a, 1, 0)
			if err != nil {
				return nil, err
			}
			if n < 0 || (n > 0 && len(s)*n > 1<<20) {
				return nil, evalErr(c.pos, "REPT: invalid count %d", n)
			}
			return strings.Repeat(s, n), nil
		}),
		{name: "T", min: 1, max: -1, eager: func(_ *callExpr, a []any) (any, error) {
			if s, ok := a[0].(string); ok {
				return s, nil
			}
			return nil, nil
		}},
		textFunc("ENCODE_URL_COMPONENT", 1, func(_ *callExpr, s string, _ []any) (any, error) {
			return encodeURIComponent(s), nil
		}),
	}
}

// textFunc is a function whose first argument is text; a blank first
// argument gives blank. Extra arguments are ignored, as on the server.
func textFunc(name string, min int, f func(c *callExpr, s string, a []any) (any, error)) *funcDef {
	return &funcDef{name: name, min: min, max: -1, eager: func(c *callExpr, a []any) (any, error) {
		if a[0] == nil {
			return nil, nil
		}
		s, err := c.text(a, 0)
		if err != nil {
			return nil, err
		}
		return f(c, s, a)
	}}
}

// optInt reads argument i truncated to an integer, def when absent.
func (c *callExpr) optInt(a []any, i, def int) (int, error) {
	if i >= len(a) {
		return def, nil
	}
	x, err := c.num(a, i)
	if err != nil {
		return 0, err
	}
	switch {
	case math.IsNaN(x):
		return 0, nil
	case x > 1<<40:
		return 1 << 40, nil
	case x < -(1 << 40):
		return -(1 << 40), nil
	}
	return int(x), nil
}

func clamp(n, lo, hi int) int { return max(lo, min(n, hi)) }

// evalMid: MID(text, start, count) is JavaScript's
// text.slice(start-1, start-1+count).
func evalMid(c *callExpr, s string, a []any) (any, error) {
	start, err := c.optInt(a, 1, 1)
	if err != nil {
		return nil, err
	}
	n, err := c.optInt(a, 2, 0)
	if err != nil {
		return nil, err
	}
	r := []rune(s)
	lo, hi := jsSliceIndex(start-1, len(r)), jsSliceIndex(start-1+n, len(r))
	if lo >= hi {
		return "", nil
	}
	return string(r[lo:hi]), nil
}

// jsSliceIndex resolves a JavaScript slice index (negative counts from the
// end) against length n.
func jsSliceIndex(i, n int) int {
	if i < 0 {
		return max(n+i, 0)
	}
	return min(i, n)
}

// evalReplace: REPLACE(text, start, count, replacement) replaces count
// characters from start (1-based); a start past the end appends.
func evalReplace(c *callExpr, s string, a []any) (any, error) {
	start, err := c.optInt(a, 1, 1)
	if err != nil {
		return nil, err
	}
	n, err := c.optInt(a, 2, 0)
	if err != nil {
		return nil, err
	}
	rep, err := c.text(a, 3)
	if err != nil {
		return nil, err
	}
	r := []rune(s)
	at := start - 1
	if len(r) <= at {
		return s + rep, nil
	}
	at = max(at, 0) // JavaScript substring clamps negatives to 0
	end := clamp(at+n, 0, len(r))
	if end < at {
		end = at
	}
	return string(r[:at]) + rep + string(r[end:]), nil
}

// evalSubstitute: SUBSTITUTE(text, old, new, [index]) replaces every
// occurrence of old, or only the index-th (1-based). As on the server
// (text.ts Substitute), an index of 1 or past the occurrences leaves the
// text unchanged.
func evalSubstitute(c *callExpr, s string, a []any) (any, error) {
	old, err := c.text(a, 1)
	if err != nil {
		return nil, err
	}
	rep, err := c.text(a, 2)
	if err != nil {
		return nil, err
	}
	parts := jsSplit(s, old)
	if len(a) < 4 {
		return strings.Join(parts, rep), nil
	}
	idx, err := c.optInt(a, 3, 0)
	if err != nil {
		return nil, err
	}
	idx-- // the server's index is 0-based after subtracting 1
	if idx < 1 || idx > len(parts)-2 {
		return s, nil
	}
	joined := parts[idx] + rep + parts[idx+1]
	parts = append(parts[:idx], append([]string{joined}, parts[idx+2:]...)...)
	return strings.Join(parts, old), nil
}

// jsSplit is JavaScript's String.prototype.split with a string separator:
// "" splits into characters.
func jsSplit(s, sep string) []string {
	if sep == "" {
		out := make([]string, 0, len(s))
		for _, r := range s {
			out = append(out, string(r))
		}
		return out
	}
	return strings.Split(s, sep)
}

// isJSSpace is the whitespace JavaScript's trim removes.
func isJSSpace(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\v', '\f', '\r', 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF:
		return true
	}
	return r >= 0x2000 && r <= 0x200A
}

// encodeURIComponent is JavaScript's encodeURIComponent: UTF-8 bytes
// percent-encoded except A–Z a–z 0–9 - _ . ! ~ * ' ( ).
func encodeURIComponent(s string) string {
	const hex = "0123456789ABCDEF"
	var sb strings.Builder
	for i := 0; i < len(s); i++ {
		b := s[i]
		if b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || strings.IndexByte("-_.!~*'()", b) >= 0 {
			sb.WriteByte(b)
			continue
		}
		sb.WriteByte('%')
		sb.WriteByte(hex[b>>4])
		sb.WriteByte(hex[b&15])
	}
	return sb.String()
}

// find implements FIND/SEARCH: the 1-based character position of the first
// occurrence of needle in haystack at or after character start, or 0;
// case-sensitive.
func find(c *callExpr, a []any) (any, error) {
	needle, err := c.text(a, 0)
	if err != nil {
		return nil, err
	}
	hay, err := c.text(a, 1)
	if err != nil {
		return nil, err
	}
	start := 1.0
	if len(a) == 3 {
		start, err = toNumber(a[2])
		if err != nil {
			return nil, evalErr(c.pos, "%s argument 3: %v", c.fn.name, err)
		}
		start = math.Trunc(start)
		if math.IsNaN(start) || start < 1 {
			return nil, evalErr(c.pos, "%s: start position must be at least 1, got %s", c.fn.name, formatNumber(start))
		}
	}
	if needle == "" {
		return 0.0, nil
	}
	// Try each character position from start on. Comparing at character
	// boundaries (rather than strings.Index on bytes) keeps positions exact
	// even for text that is not valid UTF-8.
	pos, off := 1.0, 0
	for ; pos < start; pos++ {
		if off >= len(hay) {
			return 0.0, nil
		}
		_, size := utf8.DecodeRuneInString(hay[off:])
		off += size
	}
	for ; off+len(needle) <= len(hay); pos++ {
		if strings.HasPrefix(hay[off:], needle) {
			return pos, nil
		}
		_, size := utf8.DecodeRuneInString(hay[off:])
		off += size
	}
	return 0.0, nil
}
