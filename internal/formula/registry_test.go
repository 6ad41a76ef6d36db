package formula

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
)

// Every evaluated function is a server function (functions/index.ts of
// the server's formula_parser), and the registry lists each name once.
func TestRegistryMatchesServer(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, n := range serverFunctions() {
		assert.True(t, !seen[n], "%s listed twice", n)
		seen[n] = true
	}
	assert.Equal(t, 82, len(seen))
	for n := range funcs {
		assert.True(t, seen[n], "%s is evaluated but not a server function", n)
	}
	got, total := Coverage()
	assert.Equal(t, total-len(Unsupported()), got)
}

// The coverage figure in the package docs is the real one.
func TestCoverageIsDocumented(t *testing.T) {
	t.Parallel()
	n, m := Coverage()
	want := fmt.Sprintf("%d of %d server functions", n, m)
	for _, path := range []string{"doc.go", "../../apitabletest/server.go"} {
		b, err := os.ReadFile(path) //nolint:gosec // G304: one of the two fixed paths above
		require.NoError(t, err)
		text := strings.Join(strings.Fields(strings.ReplaceAll(string(b), "//", "")), " ")
		assert.True(t, strings.Contains(text, want), "%s does not say %q", path, want)
		for _, u := range Unsupported() {
			assert.True(t, strings.Contains(text, u), "%s should list the unsupported %s", path, u)
		}
	}
}

// A server function the package does not evaluate is a *SyntaxError that
// names it; an unknown name is an ordinary syntax error.
func TestUnsupportedServerFunction(t *testing.T) {
	t.Parallel()
	for _, name := range Unsupported() {
		_, err := Parse(strings.ToLower(name) + `("2024-01-20", "x")`)
		var se *SyntaxError
		require.True(t, errors.As(err, &se), "%s: %v", name, err)
		assert.Equal(t, name, se.Unsupported)
		assert.Contains(t, se.Error(), name+" is valid on the APITable server but not evaluated")
	}
	_, err := Parse("NOPE(1)")
	var se *SyntaxError
	require.True(t, errors.As(err, &se))
	assert.Equal(t, "", se.Unsupported)
}
