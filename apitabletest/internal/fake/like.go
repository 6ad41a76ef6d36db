package fake

import "unicode"

// SQL LIKE matching, as MySQL does it for the server's name look-ups.

// likeMatch reports whether s matches the LIKE pattern exactly as given:
// "%" matches any run of characters, "_" any one character, "\" escapes
// the next character (MySQL's default ESCAPE), everything else compares
// exactly (a case-sensitive comparison, as JSON_SEARCH does, server-behaviour.md §6.6).
func likeMatch(pattern, s string) bool {
	return likeRunes([]rune(pattern), []rune(s))
}

// nameLike is the v2 node search's match (docs/server-behaviour.md §6.15):
// node_name LIKE CONCAT('%', keyword, '%') on a utf8mb4_unicode_ci column
// (backend-server/application/src/main/resources/mapper/workspace/
// NodeMapper.xml, selectNodeIdsBySpaceIdAndTypeAndKeyword), so it is case-
// and accent-insensitive and "%" and "_" in the query are wildcards.
//
// The collation is approximated by foldRune: simple case folding plus the
// removal of accents from Latin-1 Supplement and Latin Extended-A letters
// (é = e, Ł = l, ß = s). Contractions and expansions of the Unicode
// Collation Algorithm (ß = ss, æ = ae) and accents outside those blocks
// are not modelled.
func nameLike(name, query string) bool {
	return likeRunes(foldRunes("%"+query+"%"), foldRunes(name))
}

func likeRunes(p, t []rune) bool {
	// Iterative matcher with one backtrack point per "%" (linear-ish,
	// no exponential blow-up on patterns like "%a%a%a%").
	i, j := 0, 0
	starI, starJ := -1, 0
	for j < len(t) {
		if i < len(p) {
			switch c := p[i]; {
			case c == '%':
				starI, starJ = i, j
				i++
				continue
			case c == '_':
				i++
				j++
				continue
			case c == '\\' && i+1 < len(p):
				if p[i+1] == t[j] {
					i += 2
					j++
					continue
				}
			case c == t[j]:
				i++
				j++
				continue
			}
		}
		if starI < 0 {
			return false
		}
		starJ++
		i, j = starI+1, starJ
	}
	for i < len(p) && p[i] == '%' {
		i++
	}
	return i == len(p)
}

// foldRunes maps s to its collation key for nameLike.
func foldRunes(s string) []rune {
	out := make([]rune, 0, len(s))
	for _, r := range s {
		out = append(out, foldRune(r))
	}
	return out
}

// latinBase gives the unaccented lower-case letter of each rune in
// U+00C0..U+017F (Latin-1 Supplement letters and Latin Extended-A), in
// rows of 32; "." leaves the rune to unicode.ToLower (Æ, ×, Þ, Ĳ, Œ …).
const latinBase = "aaaaaa.ceeeeiiiidnooooo.ouuuuy.s" +
	"aaaaaa.ceeeeiiiidnooooo.ouuuuy.y" +
	"aaaaaaccccccccddddeeeeeeeeeegggg" +
	"gggghhhhiiiiiiiiii..jjkkklllllll" +
	"lllnnnnnnnnnoooooo..rrrrrrssssss" +
	"ssttttttuuuuuuuuuuuuwwyyyzzzzzzs"

func foldRune(r rune) rune {
	if r >= 0xC0 && r <= 0x17F {
		if b := latinBase[r-0xC0]; b != '.' {
			return rune(b)
		}
	}
	return unicode.ToLower(unicode.ToUpper(r))
}
