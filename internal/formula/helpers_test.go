package formula

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// The tests use these minimal testify-style helpers instead of testify
// itself: testify v1.12 imports go.yaml.in/yaml/v3, which has no go.sum
// entry in this module, and this package must not edit go.mod/go.sum.

type asserter struct{ fatal bool }

var (
	assert  = asserter{}
	require = asserter{fatal: true}
)

func (a asserter) fail(t testing.TB, msg string, msgAndArgs []any) {
	t.Helper()
	if len(msgAndArgs) > 0 {
		if f, ok := msgAndArgs[0].(string); ok {
			msg += ": " + fmt.Sprintf(f, msgAndArgs[1:]...)
		}
	}
	if a.fatal {
		t.Fatal(msg)
	}
	t.Error(msg)
}

func (a asserter) NoError(t testing.TB, err error, msgAndArgs ...any) bool {
	t.Helper()
	if err != nil {
		a.fail(t, fmt.Sprintf("unexpected error: %v", err), msgAndArgs)
		return false
	}
	return true
}

func (a asserter) Error(t testing.TB, err error, msgAndArgs ...any) bool {
	t.Helper()
	if err == nil {
		a.fail(t, "expected an error, got nil", msgAndArgs)
		return false
	}
	return true
}

func (a asserter) True(t testing.TB, v bool, msgAndArgs ...any) bool {
	t.Helper()
	if !v {
		a.fail(t, "expected true", msgAndArgs)
	}
	return v
}

func (a asserter) Equal(t testing.TB, want, got any, msgAndArgs ...any) bool {
	t.Helper()
	if !reflect.DeepEqual(want, got) {
		a.fail(t, fmt.Sprintf("not equal:\n  want: %#v\n  got:  %#v", want, got), msgAndArgs)
		return false
	}
	return true
}

func (a asserter) Contains(t testing.TB, s, sub string, msgAndArgs ...any) bool {
	t.Helper()
	if !strings.Contains(s, sub) {
		a.fail(t, fmt.Sprintf("%q does not contain %q", s, sub), msgAndArgs)
		return false
	}
	return true
}
