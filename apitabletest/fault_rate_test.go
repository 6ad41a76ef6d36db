package apitabletest

import (
	"slices"
	"testing"
)

// rateOutcomes sends n GETs and returns the status of each (200 or the
// fault's).
func rateOutcomes(t *testing.T, s *Server, ds *Datasheet, n int) []int {
	t.Helper()
	out := make([]int, n)
	for i := range out {
		out[i] = call(t, s, "GET", recordsPath(ds), nil).status
	}
	return out
}

func TestProbabilisticFaults(t *testing.T) {
	t.Parallel()
	const n = 1000
	run := func(seed uint64) []int {
		s := NewServer(t, WithoutRateLimit(), WithSeed(seed))
		ds := taskSheet(t, s)
		// Count is ignored with Rate; the fault stays installed.
		s.InjectFault(Fault{Method: "GET", Rate: 0.25, Count: 1, Status: 503})
		// A POST-only fault never draws for a GET.
		s.InjectFault(Fault{Method: "POST", Rate: 1, Status: 500})
		return rateOutcomes(t, s, ds, n)
	}
	a, b := run(42), run(42)
	if !slices.Equal(a, b) {
		t.Fatal("same seed, different draws")
	}
	if slices.Equal(a, run(43)) {
		t.Fatal("another seed gave the very same draws")
	}
	hits := 0
	for _, st := range a {
		switch st {
		case 503:
			hits++
		case 200:
		default:
			t.Fatalf("unexpected status %d", st)
		}
	}
	// 25% of 1000: mean 250, sd ~14; allow 5 sd.
	if hits < 180 || hits > 320 {
		t.Fatalf("%d of %d requests hit, want about 250", hits, n)
	}
}

func TestProbabilisticFaultsChainAndClear(t *testing.T) {
	t.Parallel()
	s := NewServer(t, WithoutRateLimit(), WithSeed(7))
	ds := taskSheet(t, s)
	// A request spared by the first fault's draw goes on to the next one:
	// Rate 1 after it catches everything the first one lets through.
	s.InjectFault(Fault{Rate: 0.5, Status: 502})
	s.InjectFault(Fault{Rate: 1, Status: 504})
	got := map[int]int{}
	for _, st := range rateOutcomes(t, s, ds, 400) {
		got[st]++
	}
	if got[200] != 0 || got[502] == 0 || got[504] == 0 || got[502]+got[504] != 400 {
		t.Fatalf("statuses %v", got)
	}
	// ClearFaults removes probabilistic and counted faults alike.
	s.InjectFault(Fault{Count: 3, Status: 500})
	s.ClearFaults()
	for _, st := range rateOutcomes(t, s, ds, 20) {
		if st != 200 {
			t.Fatalf("fault left after ClearFaults: %d", st)
		}
	}
	// Counted faults still work as before after a clear.
	s.InjectFault(Fault{Count: 2, Status: 500})
	if got := rateOutcomes(t, s, ds, 3); !slices.Equal(got, []int{500, 500, 200}) {
		t.Fatalf("counted fault: %v", got)
	}
}
