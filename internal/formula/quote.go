package formula

import "strings"

const hexDigits = "0123456789ABCDEF"

// Quote returns the formula string literal for s: s in double quotes with
// '"' and '\' backslash-escaped, newline, tab and carriage return written as
// \n, \t and \r, and the other ASCII control characters (U+0000–U+001F,
// U+007F) as \u00XX. All other bytes — including non-ASCII text and even
// invalid UTF-8 — are copied verbatim, so Parse(Quote(s)) yields exactly s.
func Quote(s string) string {
	var sb strings.Builder
	sb.Grow(len(s) + 2)
	sb.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '"':
			sb.WriteString(`\"`)
		case '\\':
			sb.WriteString(`\\`)
		case '\n':
			sb.WriteString(`\n`)
		case '\t':
			sb.WriteString(`\t`)
		case '\r':
			sb.WriteString(`\r`)
		default:
			if c < 0x20 || c == 0x7f {
				sb.WriteString(`\u00`)
				sb.WriteByte(hexDigits[c>>4])
				sb.WriteByte(hexDigits[c&0xf])
			} else {
				sb.WriteByte(c)
			}
		}
	}
	sb.WriteByte('"')
	return sb.String()
}

// FieldRef returns the formula reference to the field called name: name in
// braces with '\' written as \\ and '}' as \}. Every other byte (spaces,
// quotes, commas, '{', newlines, non-ASCII, ...) is copied verbatim.
func FieldRef(name string) string {
	var sb strings.Builder
	sb.Grow(len(name) + 2)
	sb.WriteByte('{')
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c == '\\' || c == '}' {
			sb.WriteByte('\\')
		}
		sb.WriteByte(c)
	}
	sb.WriteByte('}')
	return sb.String()
}
