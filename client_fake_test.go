package apitable_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apitable-go/apitable"
	"github.com/apitable-go/apitable/apitabletest"
)

// serverWindow and serverPoints are the server's default budget: 5
// requests per fixed one-second window (server-behaviour.md §3).
const (
	serverWindow = time.Second
	serverPoints = 5
)

// assertWindowed checks that n requests on one key took as long as the
// server's windows require and hardly longer: the first request of each
// window leaves as soon as the previous window has surely ended (at most
// a few milliseconds late, on an ideal network), and the others follow it
// closely (a tenth of a window apart while the spread of round trips is
// not yet measured). Even spacing (n-1 intervals) is too slow. extra allows
// for a cold start: until the connection setup is learned, requests on
// reused connections wait up to a round trip longer.
func assertWindowed(t *testing.T, n int, elapsed, extra time.Duration) {
	t.Helper()
	want := time.Duration((n+serverPoints-1)/serverPoints-1) * serverWindow
	assert.GreaterOrEqual(t, elapsed, want, "faster than the server's windows allow")
	assert.LessOrEqual(t, elapsed, want+want/100+3*serverWindow/4+extra, "elapsed %v for %d requests, want about %v", elapsed, n, want)
}

// countingTransport counts the attempts that reach the fake.
type countingTransport struct {
	base http.RoundTripper
	n    atomic.Int32
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.base.RoundTrip(r)
}

// memClient returns a client that reaches srv through its in-memory
// transport (no network: usable inside synctest bubbles), with a gateway
// path prefix so absolute-path bugs fail.
func memClient(t *testing.T, srv *apitabletest.Server, rt http.RoundTripper, opts ...apitable.Option) *apitable.Client {
	t.Helper()
	base := []apitable.Option{
		apitable.WithBaseURL("http://127.0.0.1/gateway"),
		apitable.WithHTTPClient(&http.Client{Transport: rt}),
		apitable.WithRetry(3, 10*time.Millisecond, 100*time.Millisecond),
	}
	c, err := apitable.New(srv.Token(), append(base, opts...)...)
	require.NoError(t, err)
	return c
}

func tasksSheet(t *testing.T, srv *apitabletest.Server, records int) *apitabletest.Datasheet {
	t.Helper()
	spec := apitabletest.DatasheetSpec{
		Name:   "Tasks",
		Fields: []apitabletest.FieldSpec{{Name: "Title", Type: "SingleText", Property: map[string]any{}}, {Name: "N", Type: "Number", Property: map[string]any{"precision": 0}}},
	}
	for i := range records {
		spec.Records = append(spec.Records, map[string]any{"Title": fmt.Sprintf("seed %d", i), "N": i})
	}
	return srv.AddDatasheet(srv.SpaceID(), spec)
}

// TestRetryClassByCallKind drives every failure class × call kind through
// the fake's fault injection (docs/design.md, "Retry classes").
func TestRetryClassByCallKind(t *testing.T) {
	t.Parallel()
	type outcome int
	const (
		retried   outcome = iota // second attempt succeeds
		unknown                  // one attempt, ErrOutcomeUnknown
		definite                 // one attempt, the fault's error
		unknownRS                // ambiguous create: ErrOutcomeUnknown and the record exists once
	)
	faults := []struct {
		name  string
		fault apitabletest.Fault
		// want per kind: list, create, update, delete
		want [4]outcome
		is   error
	}{
		{"not sent", apitabletest.Fault{Drop: apitabletest.DropBeforeHandling}, [4]outcome{retried, retried, retried, retried}, nil},
		{"429", apitabletest.Fault{Status: 429}, [4]outcome{retried, retried, retried, retried}, nil},
		{"500", apitabletest.Fault{Status: 500, Message: "SERVER_ERROR (1)"}, [4]outcome{retried, unknown, retried, retried}, apitable.ErrServer},
		{"502", apitabletest.Fault{Status: 502, Body: "<html>bad gateway</html>"}, [4]outcome{retried, unknown, retried, retried}, apitable.ErrServer},
		{"503", apitabletest.Fault{Status: 503}, [4]outcome{retried, unknown, retried, retried}, apitable.ErrServer},
		{"504", apitabletest.Fault{Status: 504, Body: ""}, [4]outcome{retried, unknown, retried, retried}, apitable.ErrServer},
		{"reset after commit", apitabletest.Fault{Drop: apitabletest.DropAfterHandling}, [4]outcome{retried, unknownRS, retried, retried}, nil},
		{"timeout", apitabletest.Fault{Delay: 2 * time.Second}, [4]outcome{retried, unknown, retried, retried}, context.DeadlineExceeded},
		{"400", apitabletest.Fault{Status: 200, Code: 400, Message: "Invalid fields"}, [4]outcome{definite, definite, definite, definite}, apitable.ErrInvalidRequest},
		{"401", apitabletest.Fault{Status: 401, Message: "Unauthorized"}, [4]outcome{definite, definite, definite, definite}, apitable.ErrUnauthorized},
		{"304 on HTTP 500", apitabletest.Fault{Status: 500, Code: 304, Message: "the usage of this function exceed the 50000 records limit of beta version"}, [4]outcome{definite, definite, definite, definite}, apitable.ErrRowLimitExceeded},
		{"DTO array on HTTP 500", apitabletest.Fault{Status: 500, Body: `{"success":false,"code":500,"message":["records.0.api_params_instance_fields_error"]}`}, [4]outcome{definite, definite, definite, definite}, apitable.ErrServer},
	}
	kinds := []string{"list", "create", "update", "delete"}
	methods := []string{"GET", "POST", "PATCH", "DELETE"}
	for _, f := range faults {
		for k, kind := range kinds {
			t.Run(f.name+"/"+kind, func(t *testing.T) {
				t.Parallel()
				synctest.Test(t, func(t *testing.T) {
					srv := apitabletest.NewServer(t, apitabletest.WithPathPrefix("/gateway"), apitabletest.WithoutRateLimit())
					ds := tasksSheet(t, srv, 1)
					rt := &countingTransport{base: srv.Transport()}
					c := memClient(t, srv, rt, apitable.WithAttemptTimeout(time.Second))
					fault := f.fault
					fault.Method = methods[k]
					srv.InjectFault(fault)
					ctx := t.Context()
					var err error
					switch kind {
					case "list":
						_, err = c.Records.List(ctx, ds.ID, nil)
					case "create":
						_, err = c.Records.Create(ctx, ds.ID, []apitable.Fields{{"Title": "new"}}, nil)
					case "update":
						_, err = c.Records.Update(ctx, ds.ID, []apitable.RecordUpdate{{ID: ds.RecordIDs[0], Fields: apitable.Fields{"Title": "changed"}}}, nil)
					case "delete":
						err = c.Records.Delete(ctx, ds.ID, []string{ds.RecordIDs[0]})
					}
					stored := srv.Records(ds.ID)
					switch f.want[k] {
					case retried:
						require.NoError(t, err)
						assert.Equal(t, int32(2), rt.n.Load(), "attempts")
						switch kind {
						case "create":
							assert.Len(t, stored, 2, "created exactly once")
						case "update":
							assert.Equal(t, "changed", stored[0].Fields["Title"])
						case "delete":
							assert.Empty(t, stored)
						}
					case unknown, unknownRS:
						require.Error(t, err)
						assert.ErrorIs(t, err, apitable.ErrOutcomeUnknown)
						var be *apitable.BatchError
						require.ErrorAs(t, err, &be)
						assert.Equal(t, []int{0}, be.Indices(apitable.ChunkOutcomeUnknown))
						if f.is != nil {
							assert.ErrorIs(t, err, f.is)
						}
						assert.Equal(t, int32(1), rt.n.Load(), "a create is never re-sent")
						if f.want[k] == unknownRS {
							assert.Len(t, stored, 2, "the server applied it once")
						}
					case definite:
						require.Error(t, err)
						assert.NotErrorIs(t, err, apitable.ErrOutcomeUnknown)
						assert.ErrorIs(t, err, f.is)
						assert.Equal(t, int32(1), rt.n.Load(), "definite answers are not retried")
						if kind == "create" {
							var be *apitable.BatchError
							require.ErrorAs(t, err, &be)
							assert.Equal(t, []int{0}, be.Indices(apitable.ChunkFailed))
							assert.Len(t, stored, 1, "nothing created")
						}
					}
				})
			})
		}
	}
}

// TestConcurrentCallersStayUnderTheLimit: 200 requests from 50 goroutines to
// one datasheet on a fake that enforces 5 req/s strictly (server-behaviour.md §3): all succeed,
// no 429 reaches a caller, and the fake's windows never exceed 5.
func TestConcurrentCallersStayUnderTheLimit(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		srv := apitabletest.NewServer(t, apitabletest.WithRateLimit(5, time.Second), apitabletest.WithPathPrefix("/gateway"))
		ds := tasksSheet(t, srv, 3)
		c := memClient(t, srv, srv.Transport())
		start := time.Now()
		var wg sync.WaitGroup
		var failures atomic.Int32
		for g := range 50 {
			wg.Go(func() {
				for i := range 4 {
					if _, err := c.Records.List(t.Context(), ds.ID, &apitable.ListRecordsParams{PageSize: 1 + (g+i)%3}); err != nil {
						failures.Add(1)
						t.Errorf("request failed: %v", err)
					}
				}
			})
		}
		wg.Wait()
		assert.Zero(t, failures.Load())
		reqs := srv.Requests()
		assert.Len(t, reqs, 200)
		perWindow := map[int64]int{}
		for _, r := range reqs {
			assert.NotEqual(t, http.StatusTooManyRequests, r.Status)
			perWindow[int64(r.Time.Sub(start)/time.Second)]++
		}
		for w, n := range perWindow {
			assert.LessOrEqual(t, n, 5, "second %d", w)
		}
		// 200 requests: 40 windows of 5.
		assertWindowed(t, 200, time.Since(start), 0)
	})
}

// TestDatasheetsHaveSeparateBudgets: two datasheets are limited separately,
// as the server keys its windows per datasheet (server-behaviour.md §3).
func TestDatasheetsHaveSeparateBudgets(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		srv := apitabletest.NewServer(t, apitabletest.WithRateLimit(5, time.Second), apitabletest.WithPathPrefix("/gateway"))
		a, b := tasksSheet(t, srv, 1), tasksSheet(t, srv, 1)
		c := memClient(t, srv, srv.Transport())
		start := time.Now()
		var wg sync.WaitGroup
		for _, id := range []string{a.ID, b.ID} {
			wg.Go(func() {
				for range 10 {
					_, err := c.Records.List(t.Context(), id, nil)
					assert.NoError(t, err)
				}
			})
		}
		wg.Wait()
		assertWindowed(t, 10, time.Since(start), 0) // 20 requests over 2 datasheets take as long as 10 over one
	})
}

// TestThrottleSlowsConcurrentCallers: after a 429 the datasheet's limiter
// pauses for a window, so other callers of that datasheet wait too.
func TestThrottleSlowsConcurrentCallers(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		srv := apitabletest.NewServer(t, apitabletest.WithPathPrefix("/gateway"), apitabletest.WithoutRateLimit())
		ds := tasksSheet(t, srv, 1)
		c := memClient(t, srv, srv.Transport())
		srv.InjectFault(apitabletest.Fault{Status: 429})
		start := time.Now()
		_, err := c.Records.List(t.Context(), ds.ID, nil)
		require.NoError(t, err)
		// The retry waited for the pause (one window), not just the 10ms backoff.
		assert.GreaterOrEqual(t, time.Since(start), time.Second)
		reqs := srv.Requests()
		require.Len(t, reqs, 2)
		assert.Equal(t, 429, reqs[0].Status)
		assert.GreaterOrEqual(t, reqs[1].Time.Sub(reqs[0].Time), time.Second)
	})
}

func TestCancelWhileWaitingForLimiter(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		srv := apitabletest.NewServer(t, apitabletest.WithRateLimit(5, time.Second), apitabletest.WithPathPrefix("/gateway"))
		ds := tasksSheet(t, srv, 1)
		c := memClient(t, srv, srv.Transport(), apitable.WithRateLimit(0.1))
		_, err := c.Records.List(t.Context(), ds.ID, nil)
		require.NoError(t, err)
		ctx, cancel := context.WithCancel(t.Context())
		errc := make(chan error)
		go func() {
			_, err := c.Records.List(ctx, ds.ID, nil)
			errc <- err
		}()
		time.Sleep(time.Second)
		synctest.Wait()
		cancel()
		err = <-errc
		assert.ErrorIs(t, err, context.Canceled)
		assert.Len(t, srv.Requests(), 1, "the waiting call sent nothing")
	})
}

func TestCancelWhileBackingOff(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		srv := apitabletest.NewServer(t, apitabletest.WithPathPrefix("/gateway"), apitabletest.WithoutRateLimit())
		ds := tasksSheet(t, srv, 1)
		c := memClient(t, srv, srv.Transport(), apitable.WithRetry(3, 10*time.Second, 10*time.Second))
		srv.InjectFault(apitabletest.Fault{Status: 503, Count: 10})
		ctx, cancel := context.WithCancel(t.Context())
		errc := make(chan error)
		go func() {
			_, err := c.Records.List(ctx, ds.ID, nil)
			errc <- err
		}()
		time.Sleep(time.Second) // inside the 10s backoff
		cancel()
		err := <-errc
		assert.ErrorIs(t, err, context.Canceled)
		assert.Len(t, srv.Requests(), 1)
	})
}

func TestRetriesAreBoundedAndReturnTheLastError(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		srv := apitabletest.NewServer(t, apitabletest.WithPathPrefix("/gateway"), apitabletest.WithoutRateLimit())
		ds := tasksSheet(t, srv, 1)
		rt := &countingTransport{base: srv.Transport()}
		c := memClient(t, srv, rt)
		srv.InjectFault(apitabletest.Fault{Status: 503, Message: "maintenance", Count: 100})
		_, err := c.Records.List(t.Context(), ds.ID, nil)
		var apiErr *apitable.APIError
		require.ErrorAs(t, err, &apiErr)
		assert.Equal(t, 503, apiErr.HTTPStatus)
		assert.Equal(t, "maintenance", apiErr.Message)
		assert.Equal(t, 4, apiErr.Attempts)
		assert.Equal(t, int32(4), rt.n.Load(), "1 attempt + 3 retries")
		assert.False(t, errors.Is(err, apitable.ErrOutcomeUnknown), "a read has no outcome to lose")
	})
}

func TestRealLoopbackResetAfterCommitCreatesOnce(t *testing.T) {
	t.Parallel()
	srv := apitabletest.NewServer(t, apitabletest.WithoutRateLimit())
	ds := tasksSheet(t, srv, 0)
	c := srv.Client()
	srv.InjectFault(apitabletest.Fault{Method: "POST", Drop: apitabletest.DropAfterHandling})
	_, err := c.Records.Create(t.Context(), ds.ID, []apitable.Fields{{"Title": "once"}}, nil)
	require.ErrorIs(t, err, apitable.ErrOutcomeUnknown)
	assert.Len(t, srv.Records(ds.ID), 1)
	posts := 0
	for _, r := range srv.Requests() {
		if r.Method == "POST" {
			posts++
		}
	}
	assert.Equal(t, 1, posts, "sent exactly once")
}

// waitOnly is a Limiter with Wait alone (no Pause): it is enough.
type waitOnly struct {
	mu   sync.Mutex
	keys []string
}

func (w *waitOnly) Wait(_ context.Context, key string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.keys = append(w.keys, key)
	return nil
}

// TestCustomLimiterSeesEveryAttempt: a plugged-in Limiter is asked before
// every attempt, retries included, with the server's key (server-behaviour.md §3) and never
// the token.
func TestCustomLimiterSeesEveryAttempt(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		srv := apitabletest.NewServer(t, apitabletest.WithPathPrefix("/gateway"), apitabletest.WithoutRateLimit())
		ds := tasksSheet(t, srv, 1)
		lim := &waitOnly{}
		c := memClient(t, srv, srv.Transport(), apitable.WithLimiter(lim))
		srv.InjectFault(apitabletest.Fault{Status: 429})
		_, err := c.Records.List(t.Context(), ds.ID, nil)
		require.NoError(t, err)
		_, err = c.Spaces.List(t.Context())
		require.NoError(t, err)
		_, err = c.Nodes.Search(t.Context(), srv.SpaceID(), apitable.SearchNodesParams{Type: apitable.NodeDatasheet})
		require.NoError(t, err)
		require.Len(t, lim.keys, 3, "two attempts of List, one of Spaces.List; v2 search is not limited")
		assert.True(t, strings.HasPrefix(lim.keys[0], ds.ID+":"))
		assert.Equal(t, lim.keys[0], lim.keys[1])
		assert.True(t, strings.HasPrefix(lim.keys[2], "user:"))
		for _, k := range lim.keys {
			assert.NotContains(t, k, srv.Token())
			assert.Len(t, k[strings.LastIndex(k, ":")+1:], 40, "sha1 hex of the token")
		}
	})
}

// TestThrottleStormAllFinishes: under a storm of 429s on 30% of the
// requests, a scan of a few thousand rows finishes without error: a 429 is
// not a failure and has its own, larger budget, paced by the limiter's
// pause (issue 12 item 5).
func TestThrottleStormAllFinishes(t *testing.T) {
	t.Parallel()
	for seed := range uint64(8) {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				srv := apitabletest.NewServer(t, apitabletest.WithPathPrefix("/gateway"), apitabletest.WithoutRateLimit(), apitabletest.WithSeed(seed))
				ds := tasksSheet(t, srv, 3000)
				c := memClient(t, srv, srv.Transport())
				srv.InjectFault(apitabletest.Fault{Rate: 0.3, Status: 429})
				n := 0
				for _, err := range c.Records.All(t.Context(), ds.ID, &apitable.ListRecordsParams{PageSize: 100}) {
					require.NoError(t, err)
					n++
				}
				assert.Equal(t, 3000, n)
				throttled := 0
				for _, r := range srv.Requests() {
					if r.Status == 429 {
						throttled++
					}
				}
				assert.Positive(t, throttled, "the storm hit")
			})
		})
	}
}

// TestThrottledCreateIsRetriedBeyondFailureBudget: a create answered 429
// more often than the 3 retries of failures is still sent again (the
// server did not process it) and stored once.
func TestThrottledCreateIsRetriedBeyondFailureBudget(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		srv := apitabletest.NewServer(t, apitabletest.WithPathPrefix("/gateway"), apitabletest.WithoutRateLimit())
		ds := tasksSheet(t, srv, 0)
		c := memClient(t, srv, srv.Transport())
		srv.InjectFault(apitabletest.Fault{Method: "POST", Status: 429, Count: 10})
		start := time.Now()
		_, err := c.Records.Create(t.Context(), ds.ID, []apitable.Fields{{"Title": "once"}}, nil)
		require.NoError(t, err)
		assert.Len(t, srv.Records(ds.ID), 1)
		assert.Len(t, srv.Requests(), 11)
		// Each retry waited for the limiter's one-window pause.
		assert.GreaterOrEqual(t, time.Since(start), 10*time.Second)
	})
}

// TestThrottleBudgetEnds: 429s without end stop after their own budget
// with the last answer, ErrRateLimited.
func TestThrottleBudgetEnds(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		srv := apitabletest.NewServer(t, apitabletest.WithPathPrefix("/gateway"), apitabletest.WithoutRateLimit())
		ds := tasksSheet(t, srv, 1)
		c := memClient(t, srv, srv.Transport())
		srv.InjectFault(apitabletest.Fault{Status: 429, Count: 1000})
		_, err := c.Records.List(t.Context(), ds.ID, nil)
		require.ErrorIs(t, err, apitable.ErrRateLimited)
		var apiErr *apitable.APIError
		require.ErrorAs(t, err, &apiErr)
		assert.Equal(t, 31, apiErr.Attempts, "1 attempt + 30 throttled retries")
	})
}

// TestNilContextIsInvalidRequest: every public method answers a nil
// context with a validation error, never a panic (issue 12 item 7).
func TestNilContextIsInvalidRequest(t *testing.T) {
	t.Parallel()
	srv := apitabletest.NewServer(t, apitabletest.WithoutRateLimit())
	ds := tasksSheet(t, srv, 1)
	c := srv.Client()
	var nilCtx context.Context // nil: the point of the test
	sp := srv.SpaceID()
	calls := map[string]func() error{
		"Records.List": func() error { _, err := c.Records.List(nilCtx, ds.ID, nil); return err },
		"Records.Get":  func() error { _, err := c.Records.Get(nilCtx, ds.ID, "rec1", nil); return err },
		"Records.All": func() error {
			for _, err := range c.Records.All(nilCtx, ds.ID, nil) {
				return err
			}
			return nil
		},
		"Records.Create": func() error {
			_, err := c.Records.Create(nilCtx, ds.ID, []apitable.Fields{{"Title": "x"}}, nil)
			return err
		},
		"Records.Create KeyFields": func() error {
			_, err := c.Records.Create(nilCtx, ds.ID, []apitable.Fields{{"Title": "x"}}, &apitable.CreateRecordsParams{KeyFields: []string{"Title"}})
			return err
		},
		"Records.Update": func() error {
			_, err := c.Records.Update(nilCtx, ds.ID, []apitable.RecordUpdate{{ID: "rec1", Fields: apitable.Fields{"Title": "x"}}}, nil)
			return err
		},
		"Records.Delete": func() error { return c.Records.Delete(nilCtx, ds.ID, []string{"rec1"}) },
		"Records.Upsert": func() error {
			_, err := c.Records.Upsert(nilCtx, ds.ID, []apitable.Fields{{"Title": "x"}}, []string{"Title"}, nil)
			return err
		},
		"Fields.List": func() error { _, err := c.Fields.List(nilCtx, ds.ID, nil); return err },
		"Fields.Create": func() error {
			_, err := c.Fields.Create(nilCtx, sp, ds.ID, apitable.CreateFieldParams{Name: "B", Property: apitable.SingleTextField{}})
			return err
		},
		"Fields.Delete": func() error { return c.Fields.Delete(nilCtx, sp, ds.ID, "fld1", nil) },
		"Views.List":    func() error { _, err := c.Views.List(nilCtx, ds.ID); return err },
		"Datasheets.Create": func() error {
			_, err := c.Datasheets.Create(nilCtx, sp, apitable.CreateDatasheetParams{Name: "S"})
			return err
		},
		"Spaces.List": func() error { _, err := c.Spaces.List(nilCtx); return err },
		"Nodes.List":  func() error { _, err := c.Nodes.List(nilCtx, sp); return err },
		"Nodes.Get":   func() error { _, err := c.Nodes.Get(nilCtx, ds.ID); return err },
		"Nodes.Search": func() error {
			_, err := c.Nodes.Search(nilCtx, sp, apitable.SearchNodesParams{Type: apitable.NodeDatasheet})
			return err
		},
		"Nodes.CreateEmbedLink": func() error { _, err := c.Nodes.CreateEmbedLink(nilCtx, sp, ds.ID, nil); return err },
		"Nodes.ListEmbedLinks":  func() error { _, err := c.Nodes.ListEmbedLinks(nilCtx, sp, ds.ID); return err },
		"Nodes.DeleteEmbedLink": func() error { return c.Nodes.DeleteEmbedLink(nilCtx, sp, ds.ID, "emb1") },
		"Attachments.Upload": func() error {
			_, err := c.Attachments.Upload(nilCtx, ds.ID, "a.txt", strings.NewReader("x"), nil)
			return err
		},
		"Attachments.UploadMany": func() error {
			_, err := c.Attachments.UploadMany(nilCtx, ds.ID, []apitable.UploadFile{{Name: "a.txt", Reader: strings.NewReader("x")}})
			return err
		},
	}
	for name, call := range calls {
		err := func() (err error) {
			defer func() {
				if r := recover(); r != nil {
					err = fmt.Errorf("panic: %v", r)
				}
			}()
			return call()
		}()
		assert.ErrorIs(t, err, apitable.ErrInvalidRequest, "%s: %v", name, err)
	}
	assert.Empty(t, srv.Requests(), "nothing sent")
}
