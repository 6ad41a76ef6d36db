package redislimit_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// inCI reports whether the tests run in CI, where Redis tests must not
// skip.
func inCI() bool { return os.Getenv("CI") == "true" }

// sharedRedis returns a client of the redis-server at REDIS_ADDR (.ci/run
// starts one). Without it the test skips locally and fails in CI.
func sharedRedis(t *testing.T) *redis.Client {
	t.Helper()
	addr := os.Getenv("REDIS_ADDR")
	if addr == "" {
		if inCI() {
			t.Fatal("REDIS_ADDR is not set: .ci/run must start a redis-server for these tests")
		}
		t.Skip("REDIS_ADDR not set: start a redis-server and set REDIS_ADDR=127.0.0.1:PORT to run the Redis tests")
	}
	return dial(t, addr)
}

func dial(t *testing.T, addr string) *redis.Client {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialTimeout: time.Second})
	t.Cleanup(func() { _ = rdb.Close() })
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		t.Fatalf("redis at %s: %v", addr, err)
	}
	return rdb
}

// testPrefix gives every test its own keys on the shared server.
func testPrefix(t *testing.T) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return "redislimit-test:" + t.Name() + ":" + hex.EncodeToString(b[:]) + ":"
}

// redisProc is a redis-server of the test's own, on a fixed loopback port,
// which the test may kill, stop and restart.
type redisProc struct {
	t    *testing.T
	bin  string
	port int
	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
}

func (p *redisProc) Addr() string { return "127.0.0.1:" + strconv.Itoa(p.port) }

// ownRedis starts a redis-server from PATH on a free loopback port.
func ownRedis(t *testing.T) *redisProc {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if inCI() {
			t.Fatal("redis-server not on PATH: .ci/run must install it")
		}
		t.Skip("redis-server not on PATH: apt-get install redis-server to run the failure tests")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close()
	p := &redisProc{t: t, bin: bin, port: port}
	p.Start()
	t.Cleanup(p.Kill)
	return p
}

// Start (re)starts the server on its port and waits until it answers.
func (p *redisProc) Start() {
	p.t.Helper()
	var out bytes.Buffer
	cmd := exec.Command(p.bin, "--port", strconv.Itoa(p.port), "--bind", "127.0.0.1", //nolint:gosec // G204: redis-server from PATH, with the test's own arguments
		"--save", "", "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning")
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		p.t.Fatalf("starting redis-server: %v", err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	p.mu.Lock()
	p.cmd, p.done = cmd, done
	p.mu.Unlock()
	rdb := redis.NewClient(&redis.Options{Addr: p.Addr(), MaxRetries: -1})
	defer func() { _ = rdb.Close() }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		err := rdb.Ping(ctx).Err()
		cancel()
		if err == nil {
			return
		}
		select {
		case <-done:
			p.t.Fatalf("redis-server on port %d exited: %s", p.port, out.String())
		default:
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("redis-server on port %d does not answer: %v", p.port, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Kill ends the server at once (SIGKILL) and waits for it to exit.
func (p *redisProc) Kill() {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.cmd = nil
	p.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGCONT) // in case it was stopped
	_ = cmd.Process.Kill()
	<-done
}

// Freeze stops the process (SIGSTOP): it keeps its port and connections
// but answers nothing, like a Redis that is very slow.
func (p *redisProc) Freeze() { p.signal(syscall.SIGSTOP) }

// Thaw resumes a frozen server.
func (p *redisProc) Thaw() { p.signal(syscall.SIGCONT) }

func (p *redisProc) signal(s os.Signal) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd != nil {
		_ = p.cmd.Process.Signal(s)
	}
}

// logBuffer is a concurrency-safe slog sink for asserting on log lines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *logBuffer) Logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// eventually polls cond every 20 ms until it holds or d has passed.
func eventually(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func fmtDur(d time.Duration) string {
	return fmt.Sprintf("%.0fms", float64(d)/float64(time.Millisecond))
}
