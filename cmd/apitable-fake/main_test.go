package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/apitable-go/apitable/apitabletest"
)

func TestSeedAndServe(t *testing.T) {
	s := apitabletest.New()
	defer s.Close()
	ds, err := seed(s)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(s.Records(ds.ID)); got != 5 {
		t.Fatalf("records: %d", got)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, ln, s.Handler()) }()
	req, _ := http.NewRequestWithContext(t.Context(), "GET", "http://"+ln.Addr().String()+"/fusion/v1/datasheets/"+ds.ID+"/records", nil)
	req.Header.Set("Authorization", "Bearer "+s.Token())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"total":5`) {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no shutdown")
	}
}

func TestRunJSONLine(t *testing.T) {
	pr, pw := io.Pipe()
	errc := make(chan error, 1)
	go func() { errc <- run([]string{"-json", "-rate", "0"}, pw) }()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	var in info
	if err := json.Unmarshal([]byte(line), &in); err != nil || !strings.HasPrefix(in.BaseURL, "http://127.0.0.1:") || in.DatasheetID == "" || in.ViewID == "" || in.Token == "" || in.SpaceID == "" {
		t.Fatalf("line %q: %v", line, err)
	}
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-errc:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no shutdown on SIGINT")
	}
}
