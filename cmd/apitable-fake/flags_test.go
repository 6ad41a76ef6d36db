package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/apitable-go/apitable/apitabletest"
)

// startFake runs the command with args (plus -json) until the test ends
// or stop is called, and returns its JSON line.
func startFake(t *testing.T, args ...string) (in info, stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	pr, pw := io.Pipe()
	errc := make(chan error, 1)
	go func() { errc <- runCtx(ctx, append([]string{"-json", "-rate", "0"}, args...), pw) }()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		cancel()
		t.Fatalf("no JSON line: %v (run: %v)", err, <-errc)
	}
	if err := json.Unmarshal([]byte(line), &in); err != nil {
		cancel()
		t.Fatalf("line %q: %v", line, err)
	}
	done := false
	stop = func() error {
		if done {
			return nil
		}
		done = true
		cancel()
		select {
		case err := <-errc:
			return err
		case <-time.After(10 * time.Second):
			return errors.New("no shutdown")
		}
	}
	t.Cleanup(func() { _ = stop() })
	return in, stop
}

func get(t *testing.T, c *http.Client, in info, path string) (int, map[string]any) {
	t.Helper()
	return do(t, c, in, "GET", path, "")
}

func do(t *testing.T, c *http.Client, in info, method, path, body string) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequestWithContext(t.Context(), method, in.BaseURL+path, rd)
	req.Header.Set("Authorization", "Bearer "+in.Token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer func() { _ = resp.Body.Close() }()
	var env map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return resp.StatusCode, env
}

// TestTLSWithWrittenCA: -tls serves HTTPS with a certificate for the
// loopback addresses; a client trusting only the CA file named in the
// JSON line completes a request, and one trusting nothing fails.
func TestTLSWithWrittenCA(t *testing.T) {
	t.Parallel()
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	in, stop := startFake(t, "-tls", "-ca-file", caFile)
	if !strings.HasPrefix(in.BaseURL, "https://127.0.0.1:") || in.CAFile != caFile {
		t.Fatalf("line %+v", in)
	}
	pem, err := os.ReadFile(in.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatal("CA file holds no certificate")
	}
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
	defer c.CloseIdleConnections()
	if code, env := get(t, c, in, "/fusion/v1/datasheets/"+in.DatasheetID+"/records"); code != 200 || env["success"] != true {
		t.Fatalf("HTTPS request: %d %v", code, env)
	}
	// localhost is in the certificate too.
	local := in
	local.BaseURL = strings.Replace(in.BaseURL, "127.0.0.1", "localhost", 1)
	if code, _ := get(t, c, local, "/fusion/v1/spaces"); code != 200 {
		t.Fatalf("https://localhost: %d", code)
	}
	req, _ := http.NewRequestWithContext(t.Context(), "GET", in.BaseURL+"/fusion/v1/spaces", nil)
	if resp, err := (&http.Client{Transport: &http.Transport{}}).Do(req); err == nil {
		_ = resp.Body.Close()
		t.Error("a client without the CA trusted the server")
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

// TestSeedFile: -seed (with the documented example file,
// testdata/seed-example.json) builds the spaces, folders, members and datasheets
// of the file, reports their ids in the JSON line, and the records are
// visible through the API in the file's order (and the view's filter and
// sort apply).
func TestSeedFile(t *testing.T) {
	t.Parallel()
	in, _ := startFake(t, "-seed", filepath.Join("testdata", "seed-example.json"))
	if len(in.Spaces) != 2 || in.Spaces[0].ID != in.SpaceID || len(in.Spaces[0].Datasheets) != 2 || in.DatasheetID != in.Spaces[0].Datasheets[0].ID {
		t.Fatalf("line %+v", in)
	}
	tasks := in.Spaces[0].Datasheets[1]
	c := &http.Client{}
	_, env := get(t, c, in, "/fusion/v1/spaces")
	spaces := env["data"].(map[string]any)["spaces"].([]any)
	if len(spaces) != 2 || spaces[0].(map[string]any)["name"] != "Fixtures" || spaces[1].(map[string]any)["name"] != "Second" {
		t.Errorf("spaces: %v", spaces)
	}
	_, env = get(t, c, in, "/fusion/v1/datasheets/"+tasks.ID+"/records")
	recs := env["data"].(map[string]any)["records"].([]any)
	if len(recs) != 3 || recs[0].(map[string]any)["recordId"] != tasks.RecordIDs[0] {
		t.Fatalf("records: %v", env)
	}
	owner := recs[0].(map[string]any)["fields"].(map[string]any)["Owner"]
	if o, ok := owner.([]any); !ok || len(o) != 1 || o[0].(map[string]any)["name"] != "Ann" {
		t.Errorf("Owner cell: %v", owner)
	}
	_, env = get(t, c, in, "/fusion/v1/datasheets/"+tasks.ID+"/records?viewId="+tasks.ViewIDs[0])
	recs = env["data"].(map[string]any)["records"].([]any)
	if len(recs) != 2 || recs[0].(map[string]any)["fields"].(map[string]any)["Title"] != "a task" {
		t.Errorf("view Open: %v", env)
	}
	_, env = get(t, c, in, "/fusion/v1/nodes/"+tasks.ID)
	if env["data"].(map[string]any)["name"] != "Tasks" {
		t.Errorf("node: %v", env)
	}
	_, env = get(t, c, in, "/fusion/v1/datasheets/"+tasks.ID+"/fields")
	for _, f := range env["data"].(map[string]any)["fields"].([]any) {
		fm := f.(map[string]any)
		if fm["name"] == "People" && fm["property"].(map[string]any)["foreignDatasheetId"] != in.Spaces[0].Datasheets[0].ID {
			t.Errorf("link field: %v", fm)
		}
	}

	bad := filepath.Join(t.TempDir(), "bad.json")
	_ = os.WriteFile(bad, []byte(`{"spaces":[{"name":"X","datasheet":[]}]}`), 0o600)
	if err := runCtx(t.Context(), []string{"-seed", bad}, io.Discard); err == nil || !strings.Contains(err.Error(), "unknown field") {
		t.Errorf("misspelt key: %v", err)
	}
}

// TestStateKeepsCreatedRecord: with -state, a record created over the API
// is still there after a restart, and the state file is written
// atomically (no temporary file left beside it).
func TestStateKeepsCreatedRecord(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	state := filepath.Join(dir, "state.json")
	in, stop := startFake(t, "-state", state)
	c := &http.Client{}
	code, env := do(t, c, in, "POST", "/fusion/v1/datasheets/"+in.DatasheetID+"/records", `{"records":[{"fields":{"Title":"kept across restarts"}}]}`)
	if code != 201 {
		t.Fatalf("create: %d %v", code, env)
	}
	id := env["data"].(map[string]any)["records"].([]any)[0].(map[string]any)["recordId"].(string)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("state dir holds %d entries, want only the state file", len(ents))
	}
	again, _ := startFake(t, "-state", state)
	if again.SpaceID != in.SpaceID {
		t.Errorf("space %s after restart, want %s", again.SpaceID, in.SpaceID)
	}
	_, env = get(t, c, again, "/fusion/v1/datasheets/"+in.DatasheetID+"/records?recordIds="+id)
	recs := env["data"].(map[string]any)["records"].([]any)
	if len(recs) != 1 || recs[0].(map[string]any)["fields"].(map[string]any)["Title"] != "kept across restarts" {
		t.Fatalf("after restart: %v", env)
	}
}

// TestStateSavedPeriodicallyAfterWrites: the keeper saves within one
// interval of a write, and not after reads only.
func TestStateSavedPeriodicallyAfterWrites(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		s := apitabletest.New(apitabletest.WithoutRateLimit())
		defer s.Close()
		path := filepath.Join(t.TempDir(), "state.json")
		k := &stateKeeper{s: s, path: path}
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		go k.loop(ctx, 2*time.Second)
		h := k.wrap(s.Handler())
		serveOne := func(method string) {
			req, _ := http.NewRequestWithContext(t.Context(), method, "/fusion/v1/spaces", nil)
			req.Header.Set("Authorization", "Bearer "+s.Token())
			h.ServeHTTP(nopWriter{}, req)
		}
		serveOne("GET")
		time.Sleep(3 * time.Second)
		synctest.Wait()
		if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("saved after a read only: %v", err)
		}
		serveOne("POST")
		time.Sleep(2 * time.Second)
		synctest.Wait()
		if _, err := os.Stat(path); err != nil {
			t.Fatalf("not saved within an interval of a write: %v", err)
		}
	})
}

type nopWriter struct{}

func (nopWriter) Header() http.Header         { return http.Header{} }
func (nopWriter) Write(b []byte) (int, error) { return len(b), nil }
func (nopWriter) WriteHeader(int)             {}

// TestHangFlag: with -hang a lone bad parameter gets no answer (the real
// server's behaviour, docs/server-behaviour.md §4.1 case 1,
// packages/room-server/src/shared/filters/global.exception.filter.ts); the
// client's timeout ends the request. Without it the fake answers 200/400.
func TestHangFlag(t *testing.T) {
	t.Parallel()
	in, _ := startFake(t, "-hang")
	c := &http.Client{Timeout: 300 * time.Millisecond}
	req, _ := http.NewRequestWithContext(t.Context(), "GET", in.BaseURL+"/fusion/v1/datasheets/"+in.DatasheetID+"/records?pageSize=0", nil)
	req.Header.Set("Authorization", "Bearer "+in.Token)
	resp, err := c.Do(req)
	if err == nil {
		_ = resp.Body.Close()
		t.Fatalf("answered HTTP %d, want no answer", resp.StatusCode)
	}
	var ne interface{ Timeout() bool }
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("err %v, want a client timeout", err)
	}
	tidy, _ := startFake(t)
	if code, env := get(t, &http.Client{}, tidy, "/fusion/v1/datasheets/"+tidy.DatasheetID+"/records?pageSize=0"); code != 200 || env["code"] != float64(400) {
		t.Errorf("default: %d %v", code, env)
	}
}

// TestHangReleasedOnShutdown: a request held by -hang does not hold up
// the shutdown: serve runs its onShutdown (the server's Close, which drops
// held requests) when the shutdown starts.
func TestHangReleasedOnShutdown(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	entered, released := make(chan struct{}), make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-released // like a request held by WithServerHangs
	})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, ln, h, func() { close(released) }) }()
	go func() {
		req, _ := http.NewRequestWithContext(t.Context(), "GET", "http://"+ln.Addr().String()+"/", nil)
		if resp, err := (&http.Client{Transport: &http.Transport{}}).Do(req); err == nil {
			_ = resp.Body.Close()
		}
	}()
	<-entered
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("shutdown with a held request: %v", err)
		}
	case <-time.After(4 * time.Second): // Shutdown's own timeout is 5 s
		t.Fatal("a held request held up the shutdown")
	}
}
