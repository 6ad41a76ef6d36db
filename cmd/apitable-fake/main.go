// Command apitable-fake serves the in-memory APITable fake
// (package apitabletest) on a loopback address, seeded with a demo
// datasheet, until SIGINT or SIGTERM.
//
// Usage:
//
//	apitable-fake [-addr 127.0.0.1:0] [-token T] [-rate 5] [-latency 0s] [-json] [-hang]
//
// The real server never answers some invalid requests (a lone bad
// parameter such as pageSize=0, docs/server-behaviour.md §4.1): the fake
// answers them HTTP 200, code 400, and logs a line on stderr saying so;
// with -hang it holds them unanswered until the client gives up, like the
// real server.
//
// With -json it prints one JSON line
// {"baseURL":…,"token":…,"spaceId":…,"datasheetId":…,"viewId":…}
// to stdout before serving.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/apitable-go/apitable/apitabletest"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "apitable-fake:", err)
		os.Exit(1)
	}
}

type info struct {
	BaseURL     string `json:"baseURL"`
	Token       string `json:"token"`
	SpaceID     string `json:"spaceId"`
	DatasheetID string `json:"datasheetId"`
	ViewID      string `json:"viewId"`
}

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("apitable-fake", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:0", "listen address")
	token := fs.String("token", "apitabletest-token", "API token to accept")
	rate := fs.Int("rate", 5, "rate limit in requests per second per datasheet (0 = off)")
	latency := fs.Duration("latency", 0, "added latency per request")
	asJSON := fs.Bool("json", false, "print one JSON line with the connection details")
	hang := fs.Bool("hang", false, "like the real server, never answer a lone validation failure (default: answer 200/400 and log it)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	// Notices (a request the real server would not answer) go to stderr.
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	opts := []apitabletest.ServerOption{apitabletest.WithToken(*token), apitabletest.WithLatency(*latency), apitabletest.WithLogger(logger)}
	if *hang {
		opts = append(opts, apitabletest.WithServerHangs())
	}
	if *rate > 0 {
		opts = append(opts, apitabletest.WithRateLimit(*rate, time.Second))
	} else {
		opts = append(opts, apitabletest.WithoutRateLimit())
	}
	s := apitabletest.New(opts...)
	defer s.Close()
	ds, err := seed(s)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	// Catch signals before announcing, so a supervisor that signals right
	// after reading the line gets a clean shutdown.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	in := info{BaseURL: "http://" + ln.Addr().String(), Token: s.Token(), SpaceID: s.SpaceID(), DatasheetID: ds.ID, ViewID: ds.ViewIDs[0]}
	if *asJSON {
		if err := json.NewEncoder(stdout).Encode(in); err != nil {
			return err
		}
	} else {
		_, _ = fmt.Fprintf(stdout, "APITable fake serving at %s\n  token:       %s\n  space:       %s\n  datasheet:   %s\n  view:        %s\n",
			in.BaseURL, in.Token, in.SpaceID, in.DatasheetID, in.ViewID)
	}
	return serve(ctx, ln, s.Handler(), s.Close)
}

// serve serves h on ln until ctx ends, then shuts down; onShutdown (may be
// nil) runs when the shutdown starts, to release requests held unanswered.
func serve(ctx context.Context, ln net.Listener, h http.Handler, onShutdown func()) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	if onShutdown != nil {
		srv.RegisterOnShutdown(onShutdown)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// seed builds the demo space: a "Projects" folder holding "Demo tasks",
// whose Assignees column links two-way to the "Team" datasheet at the root,
// with member, attachment, select, checkbox, number and date columns.
func seed(s *apitabletest.Server) (*apitabletest.Datasheet, error) {
	sp := s.SpaceID()
	ann := s.AddMember(sp, "Ann")
	token := s.AddAttachment(sp, "brief.txt", "text/plain", []byte("What we are building, in one page.\n"))
	folder := s.AddFolder(sp, "Projects")
	team, err := s.SeedDatasheet(sp, apitabletest.DatasheetSpec{
		Name: "Team",
		Fields: []apitabletest.FieldSpec{
			{Name: "Name", Type: "SingleText", Property: map[string]any{}},
			{Name: "Role", Type: "SingleSelect", Property: map[string]any{"options": []any{map[string]any{"name": "Engineer"}, map[string]any{"name": "Designer"}}}},
		},
		Records: []map[string]any{{"Name": "Ann", "Role": "Engineer"}, {"Name": "Bo", "Role": "Designer"}},
	})
	if err != nil {
		return nil, err
	}
	day := time.Date(2024, 1, 15, 0, 0, 0, 0, time.UTC).UnixMilli()
	return s.SeedDatasheet(sp, apitabletest.DatasheetSpec{
		Name:     "Demo tasks",
		FolderID: folder,
		Fields: []apitabletest.FieldSpec{
			{Name: "Title", Type: "SingleText", Property: map[string]any{}},
			{Name: "Estimate", Type: "Number", Property: map[string]any{"precision": 1}},
			{Name: "Status", Type: "SingleSelect", Property: map[string]any{"options": []any{map[string]any{"name": "Todo"}, map[string]any{"name": "Doing"}, map[string]any{"name": "Done"}}}},
			{Name: "Done", Type: "Checkbox", Property: map[string]any{"icon": "white_check_mark"}},
			{Name: "Due", Type: "DateTime", Property: map[string]any{"dateFormat": "YYYY-MM-DD"}},
			{Name: "Owner", Type: "Member", Property: map[string]any{"isMulti": false}},
			{Name: "Files", Type: "Attachment"},
			{Name: "Assignees", Type: "TwoWayLink", Property: map[string]any{"foreignDatasheetId": team.ID}},
		},
		Views: []apitabletest.ViewSpec{{Name: "Grid view"}},
		Records: []map[string]any{
			{"Title": "Write the spec", "Estimate": 3, "Status": "Done", "Done": true, "Due": day,
				"Owner": []any{map[string]any{"id": ann}}, "Files": []any{map[string]any{"token": token, "name": "brief.txt"}},
				"Assignees": []any{team.RecordIDs[0]}},
			{"Title": "Build the client", "Estimate": 8, "Status": "Doing", "Due": day + 7*86400000, "Assignees": []any{team.RecordIDs[0], team.RecordIDs[1]}},
			{"Title": "Build the fake", "Estimate": 5, "Status": "Doing", "Due": day + 7*86400000, "Owner": []any{map[string]any{"id": ann}}},
			{"Title": "Write examples", "Estimate": 2, "Status": "Todo"},
			{"Title": "Release", "Estimate": 0.5, "Status": "Todo", "Due": day + 30*86400000},
		},
	})
}
