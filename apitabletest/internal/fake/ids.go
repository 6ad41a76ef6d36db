package fake

const idAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// newID returns prefix + n alphanumerics derived from a per-server counter
// (server-behaviour.md §5 lengths). Deterministic for a given sequence of calls. Callers hold
// s.mu.
func (s *Backend) newID(prefix string, n int) string {
	s.idCounter++
	return prefix + scrambleID(s.idCounter, n)
}

// scrambleID maps c bijectively to n base-62 digits (for c < 62^10).
func scrambleID(c uint64, n int) string {
	const mod = 839299365868340224 // 62^10
	x := (c*0x5DEECE66D + 0x2F1B3C) % mod
	buf := make([]byte, 10)
	for i := 9; i >= 0; i-- {
		buf[i] = idAlphabet[x%62]
		x /= 62
	}
	out := string(buf)
	for len(out) < n {
		// pad node ids (15) with digits of the counter itself
		y := c
		var p [5]byte
		for i := 4; i >= 0; i-- {
			p[i] = idAlphabet[(y*7+uint64(i)*13)%62]
			y /= 62
		}
		out += string(p[:])
	}
	return out[:n]
}
