package apitabletest

import (
	"errors"
	"net/http"
	"testing"
	"testing/synctest"
	"time"

	"github.com/apitable-go/apitable"
)

// TestClientRoundTrip drives the real client over loopback and in memory.
func TestClientRoundTrip(t *testing.T) {
	t.Parallel()
	s := NewServer(t, WithoutRateLimit(), WithPathPrefix("/gw"))
	ds := taskSheet(t, s)
	for name, c := range map[string]*apitable.Client{
		"loopback": s.Client(),
		"memory":   s.Client(apitable.WithHTTPClient(&http.Client{Transport: s.Transport()})),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			page, err := c.Records.List(t.Context(), ds.ID, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Records) != len(s.Records(ds.ID)) {
				t.Fatalf("got %d records", len(page.Records))
			}
			_, err = c.Records.List(t.Context(), "dstNopeNopeNopeNo", nil)
			if !errors.Is(err, apitable.ErrDatasheetNotFound) {
				t.Fatalf("unknown datasheet: %v", err)
			}
		})
	}
}

func TestInMemoryClientSynctest(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		s := NewServer(t, WithRateLimit(5, time.Second)) // the real server's default
		ds := taskSheet(t, s)
		c := s.InMemoryClient()
		start := time.Now()
		for i := 0; i < 12; i++ {
			if _, err := c.Records.List(t.Context(), ds.ID, nil); err != nil {
				t.Fatal(err)
			}
		}
		if time.Since(start) < time.Second {
			t.Errorf("12 calls took %v of fake time; client did not pace", time.Since(start))
		}
		for _, r := range s.Requests() {
			if r.Status == 429 {
				t.Errorf("server rate-limited the paced client")
			}
		}
	})
}
