package main

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"sync/atomic"
	"time"

	"github.com/apitable-go/apitable/apitabletest"
)

// stateKeeper keeps the -state file: the server's data is loaded from it
// at start when it exists, and written to it (atomically: temporary file,
// fsync, rename) every interval after a request that may have written
// (any method but GET, HEAD and OPTIONS), and once more on shutdown.
type stateKeeper struct {
	s      *apitabletest.Server
	path   string
	logger *slog.Logger
	dirty  atomic.Bool
}

// load reads the state file into s; it reports false when there is none.
func (k *stateKeeper) load() (bool, error) {
	f, err := os.Open(k.path)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	defer func() { _ = f.Close() }()
	return true, k.s.LoadState(f)
}

// wrap marks the state dirty after each request that may have written.
func (k *stateKeeper) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r)
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
		default:
			k.dirty.Store(true)
		}
	})
}

// loop saves every interval while the state is dirty, until ctx ends.
func (k *stateKeeper) loop(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if k.dirty.Swap(false) {
				if err := k.s.SaveStateFile(k.path); err != nil {
					k.dirty.Store(true)
					k.logger.Error("apitable-fake: save state", "file", k.path, "err", err)
				}
			}
		}
	}
}

// save writes the state now.
func (k *stateKeeper) save() error {
	k.dirty.Store(false)
	return k.s.SaveStateFile(k.path)
}
