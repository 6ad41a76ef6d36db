package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestFakeScaleTable(t *testing.T) {
	t.Parallel()
	var out, errb bytes.Buffer
	if code := run([]string{"fake-scale", "-rows", "10,2000", "-pages", "1"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[2], "| 10 |") || !strings.HasPrefix(lines[3], "| 2000 |") {
		t.Fatalf("table:\n%s", out.String())
	}
	if code := run([]string{"fake-scale", "-rows", "x"}, &out, &errb); code != 2 {
		t.Errorf("bad -rows: exit %d", code)
	}
}
