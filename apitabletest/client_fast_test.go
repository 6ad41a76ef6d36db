package apitabletest

import (
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/apitable-go/apitable"
)

// createWith429 creates 100 records (10 requests) through c after one
// injected 429, and checks that all arrived.
func createWith429(tb testing.TB, s *Server, c *apitable.Client, ds *Datasheet) {
	tb.Helper()
	s.InjectFault(Fault{Method: "POST", Status: 429})
	in := make([]apitable.Fields, 100)
	for i := range in {
		in[i] = apitable.Fields{"Title": fmt.Sprint("r", i)}
	}
	out, err := c.Records.Create(tb.Context(), ds.ID, in, nil)
	if err != nil || len(out) != 100 {
		tb.Fatalf("create: %d records, %v", len(out), err)
	}
}

// TestClientsAreFastByDefault: with the server's limit off (the default),
// 100 creates and one 429 take well under 100 ms of (fake) time; with it
// on, the client mirrors the server's rate and window, never sees a 429 of
// the server's own and pauses one server window after an injected one.
func TestClientsAreFastByDefault(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		s := NewServer(t)
		ds := taskSheet(t, s)
		start := time.Now()
		createWith429(t, s, s.InMemoryClient(), ds)
		if d := time.Since(start); d >= 10*time.Millisecond {
			t.Errorf("100 creates and one 429 took %v of fake time, want < 10ms", d)
		}
		if n := len(s.Requests()); n != 11 {
			t.Errorf("%d requests, want 10 and one retry", n)
		}
	})
	synctest.Test(t, func(t *testing.T) {
		s := NewServer(t, WithRateLimit(20, 500*time.Millisecond)) // 40 req/s, 0.5 s windows
		ds := taskSheet(t, s)
		start := time.Now()
		createWith429(t, s, s.InMemoryClient(), ds)
		d := time.Since(start)
		// 11 requests paced at 40/s (98%): 10 intervals ≈ 255 ms, plus the
		// 429's pause of one 500 ms window (not the real server's 1 s).
		if d < 500*time.Millisecond || d > 900*time.Millisecond {
			t.Errorf("took %v of fake time, want about 0.75 s", d)
		}
		for _, r := range s.Requests()[1:] {
			if r.Status == 429 {
				t.Errorf("the server rate-limited its mirrored client")
			}
		}
	})
}

// TestEagerClientMeetsTheServersLimit: the README's way to test rate-limit
// behaviour on purpose. A client faster than the server's limit gets the
// real 429 answers, and its calls still succeed.
func TestEagerClientMeetsTheServersLimit(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		s := NewServer(t, WithRateLimit(5, time.Second))
		ds := taskSheet(t, s)
		eager := s.InMemoryClient(apitable.WithRateLimit(50))
		before := len(s.Records(ds.ID))
		in := make([]apitable.Fields, 100)
		for i := range in {
			in[i] = apitable.Fields{"Title": fmt.Sprint("r", i)}
		}
		if _, err := eager.Records.Create(t.Context(), ds.ID, in, nil); err != nil {
			t.Fatal(err)
		}
		n429 := 0
		for _, r := range s.Requests() {
			if r.Status == 429 {
				n429++
			}
		}
		if n429 == 0 {
			t.Errorf("no 429 for a client at 10× the server's limit")
		}
		if got := len(s.Records(ds.ID)) - before; got != 100 {
			t.Errorf("%d records stored, want 100", got)
		}
	})
}

// BenchmarkFastClient measures what a user's unit test pays for 100
// creates (10 requests) and one injected 429 with the default server and
// client, over loopback HTTP and in memory.
func BenchmarkFastClient(b *testing.B) {
	for _, mode := range []string{"loopback", "memory"} {
		b.Run(mode, func(b *testing.B) {
			s := NewServer(b)
			ds := taskSheet(b, s)
			c := s.Client()
			if mode == "memory" {
				c = s.InMemoryClient()
			}
			for b.Loop() {
				createWith429(b, s, c, ds)
			}
		})
	}
}
