package apitable_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apitable-go/apitable"
	"github.com/apitable-go/apitable/apitabletest"
)

// The in-process limiter places requests into the server's fixed windows
// (ratelimit_arrival.go). These tests run it against the fake with the
// server's real budget (5 per one-second window) over an emulated network
// (arrival jitter, a handshake round trip on every new connection), in
// fake time, and check what the server saw.

// serverRate is the rate the server's log shows (logRate: n requests over
// the span from the first to the last arrival plus one interval), as a
// fraction of the budget.
func serverRate(reqs []apitabletest.Request) float64 {
	return logRateAt(reqs, serverWindow/serverPoints).rate / serverPoints
}

func count429(reqs []apitabletest.Request) int { return logRateAt(reqs, serverWindow).n429 }

// TestWindowsOnARealNetwork: a cold bulk create of 500 records (50
// requests) on a network with ±25 ms of arrival jitter, with and without
// a handshake round trip per new connection spent after the request was
// written (as a proxy does), at round trips of 0.5, 1.5 and 3 times the
// interval: the server answers no 429 and sees at least 0.9 of its
// budget used (0.92 to 1.0 here; evenly spaced requests at 98% with the
// spread as room reached 0.84 to 0.93, and the first windows' overtaking
// cost 429s). Without
// the handshake the rows keep the input order; with it a request on a
// new connection can arrive after one sent later on a warm one.
func TestWindowsOnARealNetwork(t *testing.T) {
	t.Parallel()
	for _, mult := range []float64{0.5, 1.5, 3} {
		for _, handshake := range []bool{false, true} {
			for seed := range uint64(3) {
				t.Run(fmt.Sprintf("%gx/handshake=%v/seed%d", mult, handshake, seed), func(t *testing.T) {
					t.Parallel()
					realNetwork(t, mult, handshake, seed)
				})
			}
		}
	}
}

func realNetwork(t *testing.T, mult float64, handshake bool, seed uint64) {
	t.Helper()
	synctest.Test(t, func(t *testing.T) {
		lat := time.Duration(mult * float64(serverWindow/serverPoints))
		p := apitabletest.NetworkProfile{Latency: lat, Jitter: 25 * time.Millisecond}
		if handshake {
			p.ConnSetup = lat
		}
		srv, ds, reqs := bulkCreateOn(t, p, seed, false)
		assert.Zero(t, count429(reqs), "429s")
		assert.GreaterOrEqual(t, serverRate(reqs), 0.9, "fraction of the budget")
		if !handshake {
			for i, r := range srv.Records(ds.ID) {
				require.Equal(t, fmt.Sprint(i), r.Fields["Title"], "rows appended in input order despite the jitter")
			}
		}
	})
}

// TestWindowsHarshJitter: the create of TestWindowsOnARealNetwork at 3
// times the interval with twice the jitter (±50 ms), cold and after a
// warm-up: no 429, and at least 0.8 of the budget in every run (0.84 to
// 0.94 here). Before, a member carried from one window into the next, as
// possibly in either, could start a chain that held a place in every
// window for a request long arrived: one of these runs reached 0.53.
func TestWindowsHarshJitter(t *testing.T) {
	t.Parallel()
	for _, warm := range []bool{false, true} {
		for seed := range uint64(6) {
			t.Run(fmt.Sprintf("warm=%v/seed%d", warm, seed), func(t *testing.T) {
				t.Parallel()
				synctest.Test(t, func(t *testing.T) {
					lat := 3 * serverWindow / serverPoints
					_, _, reqs := bulkCreateOn(t, apitabletest.NetworkProfile{Latency: lat, Jitter: 50 * time.Millisecond, ConnSetup: lat}, seed, warm)
					assert.Zero(t, count429(reqs), "429s")
					assert.GreaterOrEqual(t, serverRate(reqs), 0.8, "fraction of the budget")
				})
			})
		}
	}
}

// TestWindowsUpdatesLeaveTogether: an update's requests may arrive in any
// order, so a window's five leave together and arrive within the jitter
// of each other (the window opens at the first of them, less late than
// one request alone); a create's leave the spread apart so that the rows
// keep the input order.
func TestWindowsUpdatesLeaveTogether(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		srv := apitabletest.NewServer(t, apitabletest.WithRateLimit(serverPoints, serverWindow), apitabletest.WithPathPrefix("/gateway"),
			apitabletest.WithSeed(1), apitabletest.WithNetwork(apitabletest.NetworkProfile{Latency: 200 * time.Millisecond, Jitter: 25 * time.Millisecond}))
		ds := tasksSheet(t, srv, 100)
		c := memClient(t, srv, srv.Transport())
		var ups []apitable.RecordUpdate
		for _, r := range srv.Records(ds.ID) {
			ups = append(ups, apitable.RecordUpdate{ID: r.ID, Fields: apitable.Fields{"Title": "updated " + r.ID}})
		}
		_, err := c.Records.Update(t.Context(), ds.ID, ups, nil)
		require.NoError(t, err)
		reqs := srv.Requests()
		require.Len(t, reqs, 10, "10 requests, no 429")
		for w := range 2 {
			first, last := arrivalSpan(reqs[5*w : 5*w+5])
			assert.LessOrEqual(t, last.Sub(first), 50*time.Millisecond, "window %d: five updates leaving together arrive within the jitter", w)
		}
		for _, r := range srv.Records(ds.ID) {
			assert.Equal(t, "updated "+r.ID, r.Fields["Title"])
		}

		srv.ResetRequests()
		in := make([]apitable.Fields, 50)
		for i := range in {
			in[i] = apitable.Fields{"Title": fmt.Sprint(i)}
		}
		_, err = c.Records.Create(t.Context(), ds.ID, in, nil)
		require.NoError(t, err)
		reqs = srv.Requests()
		require.Len(t, reqs, 5)
		first, last := arrivalSpan(reqs)
		assert.Greater(t, last.Sub(first), 200*time.Millisecond, "creates leave the spread apart")
		rows := srv.Records(ds.ID)[100:]
		for i, r := range rows {
			assert.Equal(t, fmt.Sprint(i), r.Fields["Title"], "rows in input order")
		}
	})
}

// TestWindowsUpdateTwiceKeepsTheOrder: an update that changes a record
// twice keeps its requests in order, so the later change lands last,
// although updates otherwise leave together and may arrive in any order.
func TestWindowsUpdateTwiceKeepsTheOrder(t *testing.T) {
	t.Parallel()
	for seed := range uint64(8) {
		t.Run(fmt.Sprintf("seed%d", seed), func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				srv := apitabletest.NewServer(t, apitabletest.WithRateLimit(serverPoints, serverWindow), apitabletest.WithPathPrefix("/gateway"),
					apitabletest.WithSeed(seed), apitabletest.WithNetwork(apitabletest.NetworkProfile{Latency: 100 * time.Millisecond, Jitter: 25 * time.Millisecond}))
				ds := tasksSheet(t, srv, 10)
				c := memClient(t, srv, srv.Transport())
				var ups []apitable.RecordUpdate
				for _, change := range []string{"first", "second"} {
					for _, r := range srv.Records(ds.ID) {
						ups = append(ups, apitable.RecordUpdate{ID: r.ID, Fields: apitable.Fields{"Title": change}})
					}
				}
				_, err := c.Records.Update(t.Context(), ds.ID, ups, nil)
				require.NoError(t, err)
				require.Len(t, srv.Requests(), 2)
				for _, r := range srv.Records(ds.ID) {
					assert.Equal(t, "second", r.Fields["Title"], "the later change lands last")
				}
			})
		})
	}
}

// arrivalSpan is the first and last arrival among reqs.
func arrivalSpan(reqs []apitabletest.Request) (first, last time.Time) {
	for i, r := range reqs {
		if i == 0 || r.Time.Before(first) {
			first = r.Time
		}
		if r.Time.After(last) {
			last = r.Time
		}
	}
	return first, last
}

// bulkCreateOn creates 500 records (50 requests) with a fresh client
// against a fake with the server's budget over network p (after 20 reads
// and an expired window when warm) and returns what the server saw of
// the create. Call it inside a synctest bubble.
func bulkCreateOn(t *testing.T, p apitabletest.NetworkProfile, seed uint64, warm bool) (*apitabletest.Server, *apitabletest.Datasheet, []apitabletest.Request) {
	t.Helper()
	srv := apitabletest.NewServer(t, apitabletest.WithRateLimit(serverPoints, serverWindow), apitabletest.WithPathPrefix("/gateway"),
		apitabletest.WithSeed(seed), apitabletest.WithNetwork(p))
	ds := tasksSheet(t, srv, 0)
	c := memClient(t, srv, srv.Transport())
	if warm {
		for range 20 {
			_, err := c.Records.List(t.Context(), ds.ID, &apitable.ListRecordsParams{PageSize: 1})
			require.NoError(t, err)
		}
		time.Sleep(serverWindow + serverWindow/10)
		srv.ResetRequests()
	}
	in := make([]apitable.Fields, 500)
	for i := range in {
		in[i] = apitable.Fields{"Title": fmt.Sprint(i)}
	}
	_, err := c.Records.Create(t.Context(), ds.ID, in, nil)
	require.NoError(t, err)
	return srv, ds, srv.Requests()
}

// TestWindowsAfterA429: a 429 from the server's limiter (another client
// spent the window) marks the window full; the retry and the requests
// after it go into the next window, and nothing else is refused.
func TestWindowsAfterA429(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		srv := apitabletest.NewServer(t, apitabletest.WithRateLimit(serverPoints, serverWindow), apitabletest.WithPathPrefix("/gateway"),
			apitabletest.WithLatency(50*time.Millisecond))
		ds := tasksSheet(t, srv, 1)
		c := memClient(t, srv, srv.Transport())
		for range 7 {
			_, err := c.Records.List(t.Context(), ds.ID, nil)
			require.NoError(t, err)
		}
		// Another client with the same token takes the rest of the window.
		other := memClient(t, srv, srv.Transport(), apitable.WithRateLimit(math.Inf(1)))
		for range 3 {
			_, _ = other.Records.List(t.Context(), ds.ID, nil)
		}
		for range 10 {
			_, err := c.Records.List(t.Context(), ds.ID, nil)
			require.NoError(t, err)
		}
		assert.LessOrEqual(t, count429(srv.Requests()), 2, "one 429 for the client, maybe one for the other")
	})
}

// notSentTransport fails every third attempt before it has a connection
// (as a dial error would): the place Wait reserved for it is never taken.
type notSentTransport struct {
	base http.RoundTripper
	n    atomic.Int32
}

func (t *notSentTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if t.n.Add(1)%3 == 0 {
		if r.Body != nil {
			_ = r.Body.Close()
		}
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
	}
	return t.base.RoundTrip(r)
}

// TestWindowsForgetPlacesNeverTaken: attempts that fail before they have
// a connection leave their reserved place behind; it stops counting after
// a window, so the batch neither stalls nor overruns a window.
func TestWindowsForgetPlacesNeverTaken(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		srv := apitabletest.NewServer(t, apitabletest.WithRateLimit(serverPoints, serverWindow), apitabletest.WithPathPrefix("/gateway"))
		ds := tasksSheet(t, srv, 0)
		c := memClient(t, srv, &notSentTransport{base: srv.Transport()}, apitable.WithRetry(10, time.Millisecond, 10*time.Millisecond))
		in := make([]apitable.Fields, 200)
		for i := range in {
			in[i] = apitable.Fields{"Title": fmt.Sprint(i)}
		}
		start := time.Now()
		out, err := c.Records.Create(t.Context(), ds.ID, in, nil)
		require.NoError(t, err)
		assert.Len(t, out, 200)
		assert.Len(t, srv.Records(ds.ID), 200)
		assert.Zero(t, count429(srv.Requests()))
		// 20 requests are 4 windows; each abandoned place costs at most a
		// window, and about a third of the attempts left one.
		assert.Less(t, time.Since(start), 12*serverWindow)
	})
}

// traceless hides the request's httptrace hooks from the transport below,
// like a transport that never reports its connections.
type traceless struct{ base http.RoundTripper }

func (t traceless) RoundTrip(r *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stop := context.AfterFunc(r.Context(), cancel)
	defer stop()
	return t.base.RoundTrip(r.Clone(ctx))
}

// TestLimiterWithoutConnectionReports: a transport that never reports its
// connections (no GotConn) still gets the window plan, each request taken
// to leave at its reserved place, and the server refuses nothing.
func TestLimiterWithoutConnectionReports(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		srv := apitabletest.NewServer(t, apitabletest.WithRateLimit(serverPoints, serverWindow), apitabletest.WithPathPrefix("/gateway"),
			apitabletest.WithSeed(1), apitabletest.WithNetwork(apitabletest.NetworkProfile{Latency: 100 * time.Millisecond, Jitter: 25 * time.Millisecond}))
		ds := tasksSheet(t, srv, 0)
		c := memClient(t, srv, traceless{srv.Transport()})
		in := make([]apitable.Fields, 300)
		for i := range in {
			in[i] = apitable.Fields{"Title": fmt.Sprint(i)}
		}
		_, err := c.Records.Create(t.Context(), ds.ID, in, nil)
		require.NoError(t, err)
		reqs := srv.Requests()
		assert.Len(t, reqs, 30)
		assert.Zero(t, count429(reqs))
	})
}

// TestWindowsReadCold: a cold All over 20,000 records (20 pages of 1,000)
// on the same network, with the handshake: the first page must answer
// before the rest are known, and until a warm connection's round trip is
// seen the setup delay is not; pages that may land in either of two
// windows still go, counted in both, and a page due to leave waits for a
// busy connection coming back rather than pay a new one's handshake
// (ratelimit_pool.go). No 429, and at least 0.95 of the budget (0.97 to
// 1.05 over 12 seeds; 0.85 to 0.89 at 3x before pages waited for
// connections, 0.73 before pages that may land in either window went).
func TestWindowsReadCold(t *testing.T) {
	t.Parallel()
	for _, mult := range []float64{1.5, 3} {
		for seed := range uint64(2) {
			t.Run(fmt.Sprintf("%gx/seed%d", mult, seed), func(t *testing.T) {
				t.Parallel()
				synctest.Test(t, func(t *testing.T) {
					lat := time.Duration(mult * float64(serverWindow/serverPoints))
					srv := apitabletest.NewServer(t, apitabletest.WithRateLimit(serverPoints, serverWindow), apitabletest.WithPathPrefix("/gateway"),
						apitabletest.WithSeed(seed), apitabletest.WithNetwork(apitabletest.NetworkProfile{Latency: lat, Jitter: 25 * time.Millisecond, ConnSetup: lat}))
					ds := tasksSheet(t, srv, 20000)
					c := memClient(t, srv, srv.Transport())
					n := 0
					for _, err := range c.Records.All(t.Context(), ds.ID, &apitable.ListRecordsParams{PageSize: 1000}) {
						require.NoError(t, err)
						n++
					}
					assert.Equal(t, 20000, n)
					reqs := srv.Requests()
					assert.Len(t, reqs, 20)
					assert.Zero(t, count429(reqs), "429s")
					assert.GreaterOrEqual(t, serverRate(reqs), 0.95, "fraction of the budget")
				})
			})
		}
	}
}
