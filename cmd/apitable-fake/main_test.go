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

	"github.com/apitable-go/apitable"
	"github.com/apitable-go/apitable/apitabletest"
)

func TestSeedAndServe(t *testing.T) {
	t.Parallel()
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
	go func() { done <- serve(ctx, ln, s.Handler(), s.Close) }()
	req, _ := http.NewRequestWithContext(t.Context(), "GET", "http://"+ln.Addr().String()+"/fusion/v1/datasheets/"+ds.ID+"/records", nil)
	req.Header.Set("Authorization", "Bearer "+s.Token())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
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

func TestRunJSONLine(t *testing.T) { //nolint:paralleltest // sends SIGINT to the whole test process
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

// TestDemoSpaceShape: the demo exercises a folder, two datasheets linked to
// each other, a member cell and an attachment cell, as read by the client.
func TestDemoSpaceShape(t *testing.T) {
	t.Parallel()
	s := apitabletest.New()
	defer s.Close()
	ds, err := seed(s)
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.NewClient(apitable.WithRateLimit(1000))
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	root, err := c.Nodes.List(ctx, s.SpaceID())
	if err != nil {
		t.Fatal(err)
	}
	var folder, team string
	for _, n := range root {
		switch n.Type {
		case apitable.NodeFolder:
			folder = n.ID
		case apitable.NodeDatasheet:
			team = n.ID
		}
	}
	f, err := c.Nodes.Get(ctx, folder)
	if err != nil || len(f.Children) != 1 || f.Children[0].ID != ds.ID {
		t.Fatalf("folder %+v, err %v", f, err)
	}
	rec, err := c.Records.Get(ctx, ds.ID, ds.RecordIDs[0], nil)
	if err != nil {
		t.Fatal(err)
	}
	owners, err := rec.Fields.Members("Owner")
	if err != nil || len(owners) != 1 || owners[0].Name != "Ann" {
		t.Fatalf("owners %v %v", owners, err)
	}
	files, err := rec.Fields.Attachments("Files")
	if err != nil || len(files) != 1 || files[0].Name != "brief.txt" {
		t.Fatalf("files %v %v", files, err)
	}
	links, err := rec.Fields.Strings("Assignees")
	if err != nil || len(links) != 1 {
		t.Fatalf("links %v %v", links, err)
	}
	// The link is two-way: the Team record links back.
	back, err := c.Records.Get(ctx, team, links[0], nil)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for k, v := range back.Fields {
		if ids, ok := v.([]any); ok && k != "Role" {
			for _, id := range ids {
				found = found || id == ds.RecordIDs[0]
			}
		}
	}
	if !found {
		t.Fatalf("Team record %v does not link back to %s", back.Fields, ds.RecordIDs[0])
	}
}
