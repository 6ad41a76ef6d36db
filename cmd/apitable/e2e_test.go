package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestEndToEnd builds cmd/apitable-fake, runs it with -json on loopback and
// drives the CLI against it.
func TestEndToEnd(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds and runs cmd/apitable-fake")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	bin := filepath.Join(t.TempDir(), "apitable-fake")
	if out, err := exec.CommandContext(ctx, gobin, "build", "-o", bin, "../apitable-fake").CombinedOutput(); err != nil { //nolint:gosec // G204: the go command from PATH, building this repo's fake
		t.Fatalf("build: %v\n%s", err, out)
	}
	fake := exec.CommandContext(ctx, bin, "-json", "-addr", "127.0.0.1:0", "-rate", "0", "-token", testToken) //nolint:gosec // G204: the binary this test just built
	stdout, err := fake.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := fake.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = fake.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() {
			_ = fake.Wait() // the exit status is not what this test checks; the fake only has to stop
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = fake.Process.Kill()
			<-done
		}
	})
	line, err := bufio.NewReader(stdout).ReadBytes('\n')
	if err != nil {
		t.Fatal(err)
	}
	var info struct {
		BaseURL, Token, SpaceID, DatasheetID, ViewID string
	}
	if err := json.Unmarshal(line, &info); err != nil {
		t.Fatalf("%s: %v", line, err)
	}
	if !strings.HasPrefix(info.BaseURL, "http://127.0.0.1:") {
		t.Fatalf("not loopback: %s", info.BaseURL)
	}
	env := map[string]string{"APITABLE_TOKEN": info.Token, "APITABLE_BASE_URL": info.BaseURL}
	runCLI := func(stdin string, args ...string) result {
		var out, errb bytes.Buffer
		code := run(ctx, append([]string{"-rate", "1000"}, args...), func(k string) string { return env[k] }, strings.NewReader(stdin), &out, &errb)
		r := result{code, out.String(), errb.String()}
		if strings.Contains(r.stdout+r.stderr, testToken) {
			t.Fatalf("token printed: %v", args)
		}
		return r
	}
	r := runCLI("", "spaces")
	wantCode(t, r, 0)
	if !strings.Contains(r.stdout, info.SpaceID) {
		t.Fatalf("spaces: %s", r.stdout)
	}
	r = runCLI("", "nodes", "-space", info.SpaceID, "-search", "Demo")
	wantCode(t, r, 0)
	if !strings.Contains(r.stdout, info.DatasheetID) {
		t.Fatalf("nodes: %s", r.stdout)
	}
	r = runCLI("", "fields", "-datasheet", info.DatasheetID)
	wantCode(t, r, 0)
	r = runCLI("", "export", "-datasheet", info.DatasheetID, "-format", "jsonl")
	wantCode(t, r, 0)
	if n := strings.Count(r.stdout, "\n"); n != 5 {
		t.Fatalf("exported %d lines", n)
	}
	// Upsert the export back by title: nothing new, nothing fails.
	r = runCLI(r.stdout, "import", "-datasheet", info.DatasheetID, "-format", "jsonl", "-key", "Title", "-")
	wantCode(t, r, 0)
	r = runCLI("Title,Estimate,Status\nShip it,1,Todo\n", "import", "-datasheet", info.DatasheetID, "-format", "csv", "-")
	wantCode(t, r, 0)
	r = runCLI("", "export", "-datasheet", info.DatasheetID, "-view", info.ViewID, "-fields", "Title")
	wantCode(t, r, 0)
	if n := strings.Count(r.stdout, "\n"); n != 7 || !strings.Contains(r.stdout, "Ship it") {
		t.Fatalf("export after import:\n%s", r.stdout)
	}
	r = runCLI("", "gen", "-datasheet", info.DatasheetID, "-package", "demo")
	wantCode(t, r, 0)
	if !strings.Contains(r.stdout, "type DemoTasks struct") {
		t.Fatalf("gen:\n%s", r.stdout)
	}
}
