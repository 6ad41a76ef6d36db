// Command apitable-fake serves the in-memory APITable fake
// (package apitabletest) on a loopback address until SIGINT or SIGTERM,
// seeded with a demo space, with fixtures from a file (-seed), or with
// the data it kept from its last run (-state).
//
// Usage:
//
//	apitable-fake [-addr 127.0.0.1:0] [-token T] [-rate 5] [-latency 0s] [-json]
//	    [-hang] [-tls [-ca-file FILE]] [-seed FILE] [-state FILE [-state-interval 2s]]
//
// With -json it prints one JSON line
// {"baseURL":…,"token":…,"spaceId":…,"datasheetId":…,"viewId":…}
// to stdout before serving, plus "caFile" with -tls and "spaces" (the
// ids of everything seeded) with -seed.
//
// The real server never answers some invalid requests (a lone bad
// parameter such as pageSize=0, docs/server-behaviour.md §4.1): the fake
// answers them HTTP 200, code 400, and logs a line on stderr saying so;
// with -hang it holds them unanswered until the client gives up, like the
// real server.
//
// -tls serves HTTPS (SDKs of other languages hard-code https://) with a
// certificate for 127.0.0.1, ::1 and localhost signed by a CA generated at
// start; the CA certificate (PEM) is written to -ca-file (default: a file
// in the temporary directory), whose path the -json line gives as
// "caFile".
//
// -seed FILE seeds spaces, members, folders and datasheets (fields, views,
// records) from a JSON file instead of the demo space; see seedFile in
// seedfile.go for the schema and testdata/seed-example.json for an
// example. -state FILE keeps the data across restarts:
// it is loaded at start when the file exists (then -seed and the demo are
// skipped), and written atomically (temporary file, fsync, rename) every
// -state-interval after a request that may have written, and on shutdown.
// A run that loaded its state prints empty datasheetId and viewId.
package main

import (
	"context"
	"crypto/tls"
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
	"path/filepath"
	"syscall"
	"time"

	"github.com/apitable-go/apitable/apitabletest"
)

func main() {
	err := run(os.Args[1:], os.Stdout)
	switch {
	case errors.Is(err, flag.ErrHelp):
		// -h: the flag package printed the usage; asking for it is not an error.
	case err != nil:
		fmt.Fprintln(os.Stderr, "apitable-fake:", err)
		os.Exit(1)
	}
}

type info struct {
	BaseURL     string        `json:"baseURL"`
	Token       string        `json:"token"`
	SpaceID     string        `json:"spaceId"`
	DatasheetID string        `json:"datasheetId"`
	ViewID      string        `json:"viewId"`
	CAFile      string        `json:"caFile,omitempty"`
	Spaces      []seededSpace `json:"spaces,omitempty"`
}

// flags are the command line.
type flags struct {
	addr, token, caFile, seed, state string
	rate                             int
	latency, stateInterval           time.Duration
	asJSON, hang, tls                bool
}

func parseFlags(args []string) (*flags, error) {
	f := &flags{}
	fs := flag.NewFlagSet("apitable-fake", flag.ContinueOnError)
	fs.StringVar(&f.addr, "addr", "127.0.0.1:0", "listen address")
	fs.StringVar(&f.token, "token", "apitabletest-token", "API token to accept")
	fs.IntVar(&f.rate, "rate", 5, "rate limit in requests per second per datasheet (0 = off)")
	fs.DurationVar(&f.latency, "latency", 0, "added latency per request")
	fs.BoolVar(&f.asJSON, "json", false, "print one JSON line with the connection details")
	fs.BoolVar(&f.hang, "hang", false, "like the real server, never answer a lone validation failure (default: answer 200/400 and log it)")
	fs.BoolVar(&f.tls, "tls", false, "serve HTTPS with a certificate signed by a CA generated at start")
	fs.StringVar(&f.caFile, "ca-file", "", "with -tls: write the CA certificate (PEM) here (default: a file in the temporary directory)")
	fs.StringVar(&f.seed, "seed", "", "seed spaces and datasheets from this JSON file instead of the demo space")
	fs.StringVar(&f.state, "state", "", "keep the data in this JSON file across restarts")
	fs.DurationVar(&f.stateInterval, "state-interval", 2*time.Second, "with -state: how often to save after writes")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if f.stateInterval <= 0 {
		return nil, errors.New("-state-interval must be positive")
	}
	return f, nil
}

// run serves until SIGINT or SIGTERM.
func run(args []string, stdout io.Writer) error {
	// Catch signals before announcing, so a supervisor that signals right
	// after reading the line gets a clean shutdown.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return runCtx(ctx, args, stdout)
}

// runCtx serves until ctx ends.
func runCtx(ctx context.Context, args []string, stdout io.Writer) error {
	f, err := parseFlags(args)
	if err != nil {
		return err
	}
	// Notices (a request the real server would not answer) go to stderr.
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	var seedDoc *seedFile
	if f.seed != "" {
		if seedDoc, err = readSeedFile(f.seed); err != nil {
			return err
		}
	}
	s := apitabletest.New(serverOptions(f, logger, seedDoc)...)
	defer s.Close()
	var keeper *stateKeeper
	loaded := false
	if f.state != "" {
		keeper = &stateKeeper{s: s, path: f.state, logger: logger}
		if loaded, err = keeper.load(); err != nil {
			return fmt.Errorf("state %s: %w", f.state, err)
		}
	}
	in := info{Token: s.Token(), SpaceID: s.SpaceID()}
	if !loaded {
		if err := seedServer(s, seedDoc, &in); err != nil {
			return err
		}
	}
	ln, err := listen(f, &in)
	if err != nil {
		return err
	}
	if err := announce(stdout, f.asJSON, in); err != nil {
		_ = ln.Close()
		return err
	}
	h := s.Handler()
	if keeper == nil {
		return serve(ctx, ln, h, s.Close)
	}
	if !loaded {
		keeper.dirty.Store(true) // the seeded data is not in the file yet
	}
	lctx, cancel := context.WithCancel(ctx)
	defer cancel()
	looped := make(chan struct{})
	go func() {
		defer close(looped)
		keeper.loop(lctx, f.stateInterval)
	}()
	err = serve(ctx, ln, keeper.wrap(h), s.Close)
	cancel()
	<-looped // no periodic save races the final one
	if serr := keeper.save(); serr != nil && err == nil {
		err = fmt.Errorf("state %s: %w", f.state, serr)
	}
	return err
}

func serverOptions(f *flags, logger *slog.Logger, seedDoc *seedFile) []apitabletest.ServerOption {
	opts := []apitabletest.ServerOption{apitabletest.WithToken(f.token), apitabletest.WithLatency(f.latency), apitabletest.WithLogger(logger)}
	if f.rate > 0 {
		opts = append(opts, apitabletest.WithRateLimit(f.rate, time.Second))
	} else {
		opts = append(opts, apitabletest.WithoutRateLimit())
	}
	if f.hang {
		opts = append(opts, apitabletest.WithServerHangs())
	}
	if seedDoc != nil {
		opts = append(opts, apitabletest.WithDefaultSpaceName(seedDoc.Spaces[0].Name))
	}
	return opts
}

// seedServer seeds the demo space, or the -seed document when given, and
// fills in's ids.
func seedServer(s *apitabletest.Server, doc *seedFile, in *info) error {
	if doc == nil {
		ds, err := seed(s)
		if err != nil {
			return err
		}
		in.DatasheetID, in.ViewID = ds.ID, ds.ViewIDs[0]
		return nil
	}
	spaces, err := seedFromFile(s, doc)
	if err != nil {
		return err
	}
	in.Spaces = spaces
	if dss := spaces[0].Datasheets; len(dss) > 0 {
		in.DatasheetID = dss[0].ID
		if len(dss[0].ViewIDs) > 0 {
			in.ViewID = dss[0].ViewIDs[0]
		}
	}
	return nil
}

// listen opens the listener, with TLS when asked, and sets in's base URL
// and CA file.
func listen(f *flags, in *info) (net.Listener, error) {
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return nil, err
	}
	in.BaseURL = "http://" + ln.Addr().String()
	if !f.tls {
		return ln, nil
	}
	ca := f.caFile
	if ca == "" {
		ca = filepath.Join(os.TempDir(), fmt.Sprintf("apitable-fake-ca-%d.pem", os.Getpid()))
	}
	if ca, err = filepath.Abs(ca); err != nil {
		_ = ln.Close()
		return nil, err
	}
	cfg, err := newTLSConfig(ca)
	if err != nil {
		_ = ln.Close()
		return nil, fmt.Errorf("tls: %w", err)
	}
	in.BaseURL = "https://" + ln.Addr().String()
	in.CAFile = ca
	return tls.NewListener(ln, cfg), nil
}

func announce(stdout io.Writer, asJSON bool, in info) error {
	if asJSON {
		return json.NewEncoder(stdout).Encode(in)
	}
	_, _ = fmt.Fprintf(stdout, "APITable fake serving at %s\n  token:       %s\n  space:       %s\n  datasheet:   %s\n  view:        %s\n",
		in.BaseURL, in.Token, in.SpaceID, in.DatasheetID, in.ViewID)
	if in.CAFile != "" {
		_, _ = fmt.Fprintf(stdout, "  CA:          %s\n", in.CAFile)
	}
	return nil
}

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
