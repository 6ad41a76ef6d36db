package apitabletest

import (
	"math"
	"net/http"
	"time"

	"github.com/apitable-go/apitable"
)

// clientDefaults are the options every client of this server starts with,
// before the caller's (see Clients in the package documentation): retry
// waits of milliseconds; no pacing and a 1 ms pause after a 429 when the
// server has no rate limit, else the server's rate and window.
func (s *Server) clientDefaults() []apitable.Option {
	opts := []apitable.Option{apitable.WithRetry(3, time.Millisecond, 10*time.Millisecond)}
	if s.cfg.RatePoints < 1 || s.cfg.RateWindow <= 0 {
		return append(opts, apitable.WithRateLimit(math.Inf(1)), apitable.WithRateWindow(time.Millisecond))
	}
	perSecond := float64(s.cfg.RatePoints) / s.cfg.RateWindow.Seconds()
	return append(opts, apitable.WithRateLimit(perSecond), apitable.WithRateWindow(s.cfg.RateWindow))
}

// NewClient returns an apitable.Client for this server over real loopback
// HTTP (it starts the listener): apitable.WithBaseURL(s.URL()), the fast
// defaults of Clients in the package documentation (retry waits of
// milliseconds; no pacing unless the server's rate limit is on, then its
// rate and window), then opts.
func (s *Server) NewClient(opts ...apitable.Option) (*apitable.Client, error) {
	all := append([]apitable.Option{apitable.WithBaseURL(s.URL())}, s.clientDefaults()...)
	return apitable.New(s.cfg.Token, append(all, opts...)...)
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
	all := append([]apitable.Option{
		apitable.WithBaseURL("http://127.0.0.1" + s.cfg.Prefix),
		apitable.WithHTTPClient(&http.Client{Transport: s.Transport()}),
	}, s.clientDefaults()...)
	c, err := apitable.New(s.cfg.Token, append(all, opts...)...)
	if err != nil {
		s.fatalf("apitabletest: building client: %v", err)
		return nil
	}
	return c
}
