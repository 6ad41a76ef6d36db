// Command apitable is a command-line client for the APITable Fusion API,
// built on the github.com/apitable-go/apitable SDK.
//
// Usage:
//
//	apitable [-token T] [-base-url URL] [-rate N] <command> [flags] [args]
//
// Commands:
//
//	spaces                                   list the token user's spaces
//	nodes    -space spc… [-folder fod…] [-search q] [-type Datasheet]
//	                                         list or search the nodes of a space
//	fields   -datasheet dst… [-view viw…]    list the fields of a datasheet
//	export   -datasheet dst… [-view viw…] [-format csv|jsonl] [-fields a,b] [-o file]
//	                                         stream every record to CSV or JSON Lines
//	import   -datasheet dst… [-format csv|jsonl] [-key a,b] [-create] [-failures file] [-dry-run] file|-
//	                                         write records from CSV or JSON Lines; rows
//	                                         with a recordId update that record
//	gen      -datasheet dst… -package p [-type T] [-o file.go]
//	                                         write a Go struct for the datasheet
//
// spaces, nodes and fields print an aligned table, or JSON with -json.
//
// The API token comes from -token or the APITABLE_TOKEN environment
// variable, the server from -base-url or APITABLE_BASE_URL (default
// https://api.apitable.com). Both flags are accepted before the command and
// after it, like -rate (requests per second per datasheet, default 5, the
// API's limit; self-hosted servers may allow more). The token is never
// printed.
//
// Long operations (export, import) report progress on stderr: a one-line
// bar with records done / total, rate and ETA when stderr is a terminal,
// plain lines every few seconds otherwise. Import counts the rows the
// server's answers settled, not requests sent. When the server rejects a
// chunk of 10 rows (code 400), import splits it to find the bad rows,
// writes the others, and reports only the bad ones. Ctrl-C (SIGINT) stops them
// cleanly: requests in flight end or are reported, what was applied is
// printed, and import writes the rows not applied to its -failures file.
//
// Exit codes:
//
//	0    success
//	1    error (API, network, file or data error)
//	2    usage error (unknown command, bad or missing flags)
//	3    partial failure: import applied some rows but not all
//	130  interrupted (SIGINT)
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"

	"github.com/apitable-go/apitable"
)

// Exit codes.
const (
	exitOK          = 0
	exitError       = 1
	exitUsage       = 2
	exitPartial     = 3
	exitInterrupted = 130
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	go func() {
		// After the first Ctrl-C, restore the default handling so that a
		// second one kills the process.
		<-ctx.Done()
		stop()
	}()
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

const usageText = `usage: apitable [-token T] [-base-url URL] <command> [flags] [args]

Commands:
  spaces    list the token user's spaces
  nodes     list or search the nodes of a space
  fields    list the fields of a datasheet
  export    stream every record of a datasheet to CSV or JSON Lines
  import    write records from CSV or JSON Lines into a datasheet
  gen       write a Go struct for a datasheet

Run "apitable <command> -h" for a command's flags.

The token comes from -token or APITABLE_TOKEN, the server from -base-url or
APITABLE_BASE_URL (default https://api.apitable.com).

Exit codes: 0 ok, 1 error, 2 usage, 3 partial failure (import), 130 interrupted.
`

// env is the process environment and standard streams of one run.
type env struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer

	token   string // from the flags, "" when not given
	baseURL string
	rate    float64 // requests per second per datasheet; 0: the SDK's default
}

// usageError is a command-line mistake: exit code 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// exitCodeError carries an exit code; the error was already reported.
type exitCodeError struct{ code int }

func (e *exitCodeError) Error() string { return fmt.Sprintf("exit %d", e.code) }

// run is the whole program: it parses args, runs one command and returns
// the exit code. It never calls os.Exit and reads nothing but its arguments.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	e := &env{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	global := flag.NewFlagSet("apitable", flag.ContinueOnError)
	global.SetOutput(io.Discard)
	global.StringVar(&e.token, "token", "", "API token (default $APITABLE_TOKEN)")
	global.StringVar(&e.baseURL, "base-url", "", "server base URL (default $APITABLE_BASE_URL or "+apitable.DefaultBaseURL+")")
	global.Float64Var(&e.rate, "rate", 0, "requests per second per datasheet (default 5, the API's limit)")
	// The usage is printed below, once: to stdout for -h, to stderr after
	// a mistake. The flag package's own call would print it a second time.
	global.Usage = func() {}
	if err := global.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			_, _ = fmt.Fprint(stdout, usageText)
			return exitOK
		}
		_, _ = fmt.Fprintf(stderr, "apitable: %v\n\n%s", err, usageText)
		return exitUsage
	}
	rest := global.Args()
	if len(rest) == 0 {
		_, _ = fmt.Fprint(stderr, usageText)
		return exitUsage
	}
	cmds := map[string]func(context.Context, *env, []string) error{
		"spaces": cmdSpaces,
		"nodes":  cmdNodes,
		"fields": cmdFields,
		"export": cmdExport,
		"import": cmdImport,
		"gen":    cmdGen,
	}
	name := rest[0]
	if name == "help" {
		_, _ = fmt.Fprint(stdout, usageText)
		return exitOK
	}
	cmd, ok := cmds[name]
	if !ok {
		_, _ = fmt.Fprintf(stderr, "apitable: unknown command %q\n\n%s", name, usageText)
		return exitUsage
	}
	err := cmd(ctx, e, rest[1:])
	var ue *usageError
	var ce *exitCodeError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.As(err, &ce):
		return ce.code
	case errors.As(err, &ue):
		_, _ = fmt.Fprintf(stderr, "apitable %s: %v (see apitable %s -h)\n", name, ue.msg, name)
		return exitUsage
	case ctx.Err() != nil && errors.Is(err, ctx.Err()):
		_, _ = fmt.Fprintf(stderr, "apitable %s: interrupted\n", name)
		return exitInterrupted
	default:
		_, _ = fmt.Fprintf(stderr, "apitable %s: %v\n", name, redact(err.Error(), e))
		return exitError
	}
}

// redact removes the token from a message, should any error ever carry it.
func redact(msg string, e *env) string {
	if t := e.tokenValue(); t != "" {
		msg = strings.ReplaceAll(msg, t, "[redacted]")
	}
	return msg
}

func (e *env) tokenValue() string {
	if e.token != "" {
		return e.token
	}
	return e.getenv("APITABLE_TOKEN")
}

// flagOutput is a flag set's output: stderr, noting whether the flag
// package wrote an error message there.
type flagOutput struct {
	w    io.Writer
	used bool
}

func (o *flagOutput) Write(p []byte) (int, error) {
	o.used = true
	return o.w.Write(p)
}

// newFlagSet returns a subcommand's flag set with the common flags. Its
// usage is printed once: to stdout for -h, to stderr after a mistake.
func (e *env) newFlagSet(name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet("apitable "+name, flag.ContinueOnError)
	out := &flagOutput{w: e.stderr}
	fs.SetOutput(out)
	// Func flags: their usage never shows a value, so -h cannot print a
	// token given before the command.
	fs.Func("token", "API token (default $APITABLE_TOKEN; never printed)", func(s string) error { e.token = s; return nil })
	fs.Func("base-url", "server base URL (default $APITABLE_BASE_URL or "+apitable.DefaultBaseURL+")", func(s string) error { e.baseURL = s; return nil })
	fs.Float64Var(&e.rate, "rate", e.rate, "requests per second per datasheet (default 5, the API's limit; self-hosted servers may allow more)")
	fs.Usage = func() {
		// The flag package prints an error message before the usage of a
		// mistake, and nothing before the usage asked for with -h.
		w := e.stdout
		if out.used {
			w = e.stderr
		}
		fs.SetOutput(w)
		defer fs.SetOutput(out)
		_, _ = fmt.Fprintf(w, "usage: apitable %s %s\n\nFlags:\n", name, synopsis)
		fs.PrintDefaults()
		_, _ = fmt.Fprintln(w, "\nExit codes: 0 ok, 1 error, 2 usage, 3 partial failure (import), 130 interrupted.")
	}
	return fs
}

// parse parses a subcommand's flags; mistakes are usage errors (the flag
// package has already printed them with the usage).
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return &exitCodeError{code: exitUsage}
	}
	return nil
}

// client builds the SDK client from the flags and environment, with extra
// options (nil entries are ignored).
func (e *env) client(extra ...apitable.Option) (*apitable.Client, error) {
	token := e.tokenValue()
	if strings.TrimSpace(token) == "" {
		return nil, usagef("no API token: pass -token or set APITABLE_TOKEN")
	}
	opts := []apitable.Option{apitable.WithUserAgent("apitable-cli")}
	base := e.baseURL
	if base == "" {
		base = e.getenv("APITABLE_BASE_URL")
	}
	if base != "" {
		opts = append(opts, apitable.WithBaseURL(base))
	}
	if e.rate < 0 {
		return nil, usagef("-rate must be positive")
	}
	if e.rate > 0 {
		opts = append(opts, apitable.WithRateLimit(e.rate))
	}
	for _, o := range extra {
		if o != nil {
			opts = append(opts, o)
		}
	}
	c, err := apitable.New(token, opts...)
	if err != nil {
		return nil, usagef("%s", redact(err.Error(), e))
	}
	return c, nil
}

// splitList splits a comma-separated flag value, trimming blanks.
func splitList(s string) []string {
	var out []string
	for p := range strings.SplitSeq(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
