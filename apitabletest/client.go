package apitabletest

import (
	"net/http"
	"time"

	"github.com/apitable-go/apitable"
)

// NewClient returns an apitable.Client for this server over real loopback
// HTTP (it starts the listener). It passes apitable.WithBaseURL(s.URL()),
// apitable.WithRetry(3, time.Millisecond, 10*time.Millisecond) and, when the
// server's own rate limiter is off, no client-side limit change; then opts.
func (s *Server) NewClient(opts ...apitable.Option) (*apitable.Client, error) {
	all := []apitable.Option{
		apitable.WithBaseURL(s.URL()),
		apitable.WithRetry(3, time.Millisecond, 10*time.Millisecond),
	}
	all = append(all, opts...)
	return apitable.New(s.cfg.Token, all...)
}

// Client is NewClient for tests: it fails the test (t.Fatalf) when the
// client cannot be built. On a Server made by New (no testing.TB) it
// panics instead; use NewClient there.
func (s *Server) Client(opts ...apitable.Option) *apitable.Client {
	if s.tb != nil {
		s.tb.Helper()
	}
	c, err := s.NewClient(opts...)
	if err != nil {
		s.fatalf("apitabletest: building client: %v", err)
		return nil
	}
	return c
}

// InMemoryClient is like Client but sends every request through
// Transport(): no listener is started and no network goroutine runs, so it
// can be used inside testing/synctest bubbles. The base URL is
// http://127.0.0.1 plus the path prefix (never dialled).
func (s *Server) InMemoryClient(opts ...apitable.Option) *apitable.Client {
	if s.tb != nil {
		s.tb.Helper()
	}
	all := []apitable.Option{
		apitable.WithBaseURL("http://127.0.0.1" + s.cfg.Prefix),
		apitable.WithHTTPClient(&http.Client{Transport: s.Transport()}),
		apitable.WithRetry(3, time.Millisecond, 10*time.Millisecond),
	}
	c, err := apitable.New(s.cfg.Token, append(all, opts...)...)
	if err != nil {
		s.fatalf("apitabletest: building client: %v", err)
		return nil
	}
	return c
}
