package retry

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

var allKinds = []Kind{Unspecified, Read, Update, Delete, Create, Upload}

var allClasses = []Class{OK, NotSent, Throttled, Ambiguous, Definite, Local}

// TestZeroKindIsSafest: a Kind left unset is never retried after an
// ambiguous failure and counts as a write (issue 12 item 8).
func TestZeroKindIsSafest(t *testing.T) {
	t.Parallel()
	var k Kind
	if k != Unspecified || !k.Writes() || k.RepeatSafe() || ShouldRetry(Ambiguous, k) {
		t.Errorf("zero Kind %v: writes %v, repeat-safe %v, retried after ambiguous %v", k, k.Writes(), k.RepeatSafe(), ShouldRetry(Ambiguous, k))
	}
}

func TestKindString(t *testing.T) {
	t.Parallel()
	want := map[Kind]string{
		Read: "read", Update: "update", Delete: "delete", Create: "create", Upload: "upload",
		Unspecified: "unspecified", Kind(-1): "unknown", Kind(99): "unknown",
	}
	for k, s := range want {
		if got := k.String(); got != s {
			t.Errorf("Kind(%d).String() = %q, want %q", int(k), got, s)
		}
	}
}

func TestKindWritesRepeatSafe(t *testing.T) {
	t.Parallel()
	tests := []struct {
		k                  Kind
		writes, repeatSafe bool
	}{
		{Unspecified, true, false},
		{Read, false, true},
		{Update, true, true},
		{Delete, true, true},
		{Create, true, false},
		{Upload, true, false},
	}
	for _, tt := range tests {
		if got := tt.k.Writes(); got != tt.writes {
			t.Errorf("%v.Writes() = %v, want %v", tt.k, got, tt.writes)
		}
		if got := tt.k.RepeatSafe(); got != tt.repeatSafe {
			t.Errorf("%v.RepeatSafe() = %v, want %v", tt.k, got, tt.repeatSafe)
		}
	}
}

func TestClassString(t *testing.T) {
	t.Parallel()
	want := []string{"ok", "not-sent", "throttled", "ambiguous", "definite", "local"}
	for i, c := range allClasses {
		if got := c.String(); got != want[i] {
			t.Errorf("Class(%d).String() = %q, want %q", int(c), got, want[i])
		}
	}
}

// TestShouldRetry covers every Class × Kind cell of the retry-class table (docs/design.md).
func TestShouldRetry(t *testing.T) {
	t.Parallel()
	want := map[Class]map[Kind]bool{
		OK:        {Unspecified: false, Read: false, Update: false, Delete: false, Create: false, Upload: false},
		NotSent:   {Unspecified: true, Read: true, Update: true, Delete: true, Create: true, Upload: true},
		Throttled: {Unspecified: true, Read: true, Update: true, Delete: true, Create: true, Upload: true},
		Ambiguous: {Unspecified: false, Read: true, Update: true, Delete: true, Create: false, Upload: false},
		Definite:  {Unspecified: false, Read: false, Update: false, Delete: false, Create: false, Upload: false},
		Local:     {Unspecified: false, Read: false, Update: false, Delete: false, Create: false, Upload: false},
	}
	for _, c := range allClasses {
		for _, k := range allKinds {
			t.Run(c.String()+"/"+k.String(), func(t *testing.T) {
				t.Parallel()
				if got := ShouldRetry(c, k); got != want[c][k] {
					t.Errorf("ShouldRetry(%v, %v) = %v, want %v", c, k, got, want[c][k])
				}
			})
		}
	}
	// Unknown kinds are never treated as repeat-safe.
	if ShouldRetry(Ambiguous, Kind(99)) {
		t.Error("ShouldRetry(Ambiguous, Kind(99)) = true, want false")
	}
}

func TestClassifyStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status, code int
		array        bool
		want         Class
	}{
		// 2xx: definite answers (success, or a business error carried in a 200).
		{200, 200, false, OK},
		{200, 301, false, OK},
		{200, 400, false, OK},
		{200, 0, false, OK},
		{201, 200, false, OK},
		{204, 0, false, OK},
		// 429: rejected unprocessed, whatever the body says.
		{429, 429, false, Throttled},
		{429, 0, false, Throttled},
		{429, 500, true, Throttled},
		// 500: an outage unless the envelope says it is a definite answer.
		{500, 500, false, Ambiguous},
		{500, 0, false, Ambiguous}, // no envelope / no code
		{500, 304, false, Definite},
		{500, 305, false, Definite},
		{500, 309, false, Definite},
		{500, 500, true, Definite}, // DTO validation, server-behaviour.md §4.1 case 2
		{500, 0, true, Definite},
		// Gateway and availability errors.
		{502, 0, false, Ambiguous},
		{502, 502, false, Ambiguous},
		{503, 0, false, Ambiguous},
		{504, 0, false, Ambiguous},
		{504, 0, true, Ambiguous},
		// Other 5xx and every other 4xx are definite.
		{501, 0, false, Definite},
		{505, 0, false, Definite},
		{599, 0, false, Definite},
		{400, 400, false, Definite},
		{401, 401, false, Definite},
		{403, 403, false, Definite},
		{404, 404, false, Definite},
		{405, 0, false, Definite},
		{408, 0, false, Definite},
		{413, 413, false, Definite},
		{415, 415, false, Definite},
		{499, 0, false, Definite},
	}
	for _, tt := range tests {
		name := fmt.Sprintf("%d/code%d/array%v", tt.status, tt.code, tt.array)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if got := ClassifyStatus(tt.status, tt.code, tt.array); got != tt.want {
				t.Errorf("ClassifyStatus(%d, %d, %v) = %v, want %v", tt.status, tt.code, tt.array, got, tt.want)
			}
		})
	}
}

func urlErr(err error) error {
	return &url.Error{Op: "Get", URL: "https://api.example.test/fusion/v1/spaces", Err: err}
}

func TestClassifyError(t *testing.T) {
	t.Parallel()
	cert := &x509.Certificate{DNSNames: []string{"other.example.test"}}
	unknownAuthority := x509.UnknownAuthorityError{Cert: cert}
	hostname := x509.HostnameError{Certificate: cert, Host: "api.example.test"}
	invalid := x509.CertificateInvalidError{Cert: cert, Reason: x509.Expired}
	verify := &tls.CertificateVerificationError{Err: unknownAuthority}
	recordHeader := tls.RecordHeaderError{Msg: "first record does not look like a TLS handshake"}
	connReset := &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}
	readTimeout := &net.OpError{Op: "read", Net: "tcp", Err: os.ErrDeadlineExceeded}
	dialRefused := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}

	tests := []struct {
		name string
		err  error
		want Class
	}{
		{"nil", nil, OK},

		{"NotSent", &NotSentError{Err: dialRefused}, NotSent},
		{"NotSent in url.Error", urlErr(&NotSentError{Err: dialRefused}), NotSent},
		{"NotSent wrapped by fmt", fmt.Errorf("attempt 1: %w", &NotSentError{Err: errors.New("dns")}), NotSent},

		{"Local", &LocalError{Err: errors.New("rate: Wait(n=1) would exceed context deadline")}, Local},
		{"Local in url.Error", urlErr(&LocalError{Err: errors.New("body cannot be rewound")}), Local},
		{"Local wrapping NotSent", &LocalError{Err: &NotSentError{Err: dialRefused}}, Local},
		{"NotSent wrapping x509", &NotSentError{Err: unknownAuthority}, Local},

		{"x509 unknown authority", unknownAuthority, Local},
		{"x509 hostname", hostname, Local},
		{"x509 invalid", invalid, Local},
		{"tls verification", verify, Local},
		{"tls record header", recordHeader, Local},
		{"x509 unknown authority in url.Error", urlErr(unknownAuthority), Local},
		{"x509 hostname in url.Error", urlErr(hostname), Local},
		{"x509 invalid in url.Error", urlErr(invalid), Local},
		{"tls verification in url.Error", urlErr(verify), Local},
		{"tls record header in url.Error", urlErr(recordHeader), Local},

		{"redirect loop", urlErr(errors.New("stopped after 10 redirects")), Local},
		{"redirect loop text", errors.New(`Get "https://x/": stopped after 10 redirects`), Local},
		{"unsupported scheme", urlErr(errors.New(`unsupported protocol scheme "ftp"`)), Local},

		{"unexpected EOF", io.ErrUnexpectedEOF, Ambiguous},
		{"EOF in url.Error", urlErr(io.EOF), Ambiguous},
		{"unexpected EOF in url.Error", urlErr(io.ErrUnexpectedEOF), Ambiguous},
		{"ECONNRESET", syscall.ECONNRESET, Ambiguous},
		{"ECONNRESET in OpError in url.Error", urlErr(connReset), Ambiguous},
		{"read timeout", urlErr(readTimeout), Ambiguous},
		{"plain error", errors.New("something odd"), Ambiguous},
		// A dial error that the transport did not mark as NotSentError is not
		// recognised by itself: marking is the transport's job.
		{"unmarked dial refused", urlErr(dialRefused), Ambiguous},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := ClassifyError(tt.err); got != tt.want {
				t.Errorf("ClassifyError(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}

// TestClassifyErrorRealTransport feeds errors produced by net/http itself.
func TestClassifyErrorRealTransport(t *testing.T) {
	t.Parallel()

	t.Run("tls unknown authority", func(t *testing.T) {
		t.Parallel()
		srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
		srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the failed handshake is expected
		srv.StartTLS()
		defer srv.Close()
		c := &http.Client{Transport: &http.Transport{}}
		resp, err := c.Get(srv.URL)
		if err == nil {
			_ = resp.Body.Close()
			t.Fatal("expected a certificate error")
		}
		if got := ClassifyError(err); got != Local {
			t.Errorf("ClassifyError(%v) = %v, want local", err, got)
		}
	})

	// A plain-HTTP server at an https:// URL (wrong scheme configured): a
	// repeat cannot change the answer. net/http turns the underlying
	// tls.RecordHeaderError into http.ErrSchemeMismatch, which does not wrap it.
	t.Run("plain http to tls port", func(t *testing.T) {
		t.Parallel()
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
		defer srv.Close()
		c := &http.Client{Transport: &http.Transport{}}
		resp, err := c.Get("https://" + srv.Listener.Addr().String())
		if err == nil {
			_ = resp.Body.Close()
			t.Fatal("expected a TLS error")
		}
		if got := ClassifyError(err); got != Local {
			t.Errorf("ClassifyError(%v) = %v, want local", err, got)
		}
	})

	t.Run("redirect loop", func(t *testing.T) {
		t.Parallel()
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, r.URL.Path, http.StatusFound) //nolint:gosec // G710: a test server whose redirects are the point of the test
		}))
		defer srv.Close()
		c := &http.Client{Transport: &http.Transport{}}
		resp, err := c.Get(srv.URL + "/loop")
		if err == nil {
			_ = resp.Body.Close()
			t.Fatal("expected a redirect error")
		}
		if got := ClassifyError(err); got != Local {
			t.Errorf("ClassifyError(%v) = %v, want local", err, got)
		}
	})

	t.Run("unsupported scheme", func(t *testing.T) {
		t.Parallel()
		resp, err := (&http.Client{}).Get("ftp://example.test/x")
		if err == nil {
			_ = resp.Body.Close()
			t.Fatal("expected a scheme error")
		}
		if got := ClassifyError(err); got != Local {
			t.Errorf("ClassifyError(%v) = %v, want local", err, got)
		}
	})

	t.Run("connection closed mid-response", func(t *testing.T) {
		t.Parallel()
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				_ = conn.Close()
			}
		}))
		defer srv.Close()
		c := &http.Client{Transport: &http.Transport{}}
		resp, err := c.Get(srv.URL)
		if err == nil {
			_ = resp.Body.Close()
			t.Fatal("expected an EOF error")
		}
		if got := ClassifyError(err); got != Ambiguous {
			t.Errorf("ClassifyError(%v) = %v, want ambiguous", err, got)
		}
	})
}

// expectedCeil is min·2^n capped at max, computed without overflow.
func expectedCeil(n int, min, max time.Duration) time.Duration {
	if max < min {
		max = min
	}
	c := min
	for i := 0; i < n && c < max; i++ {
		if c > max/2 {
			c = max
			break
		}
		c *= 2
	}
	if c > max {
		c = max
	}
	return c
}

func TestBackoffMinZeroOrNegative(t *testing.T) {
	t.Parallel()
	for _, min := range []time.Duration{0, -1, -time.Second, math.MinInt64} {
		for _, n := range []int{-1, 0, 1, 5, 100, math.MaxInt} {
			for _, max := range []time.Duration{0, time.Second, math.MaxInt64, -time.Second} {
				if got := Backoff(n, min, max); got != 0 {
					t.Errorf("Backoff(%d, %v, %v) = %v, want 0", n, min, max, got)
				}
			}
		}
	}
}

func TestBackoffBounds(t *testing.T) {
	t.Parallel()
	mins := []time.Duration{1, time.Millisecond, time.Second}
	maxes := []time.Duration{1, time.Millisecond, time.Second, 15 * time.Second, time.Hour}
	ns := []int{-5, -1, 0, 1, 2, 3, 4, 10, 30, 62, 63, 64, 65, 1000, math.MaxInt}
	for _, min := range mins {
		for _, max := range maxes {
			for _, n := range ns {
				ceil := expectedCeil(n, min, max)
				lo := ceil / 2
				if lo < min {
					lo = min
				}
				hiBound := max
				if hiBound < min {
					hiBound = min // max < min means max = min
				}
				for range 50 {
					got := Backoff(n, min, max)
					if got < min || got > hiBound {
						t.Fatalf("Backoff(%d, %v, %v) = %v, outside [%v, %v]", n, min, max, got, min, hiBound)
					}
					if got < lo || got > ceil {
						t.Fatalf("Backoff(%d, %v, %v) = %v, outside jitter window [%v, %v]", n, min, max, got, lo, ceil)
					}
				}
			}
		}
	}
}

func TestBackoffMaxBelowMin(t *testing.T) {
	t.Parallel()
	for _, n := range []int{0, 1, 10} {
		if got := Backoff(n, 2*time.Second, time.Second); got != 2*time.Second {
			t.Errorf("Backoff(%d, 2s, 1s) = %v, want 2s (max raised to min)", n, got)
		}
	}
}

func TestBackoffGrows(t *testing.T) {
	t.Parallel()
	const samples = 2000
	min, max := time.Second, time.Hour
	var prevMean float64
	for n := 0; n <= 11; n++ { // ceilings 1s … 2048s, all below max
		var sum float64
		var lo time.Duration = math.MaxInt64
		for range samples {
			d := Backoff(n, min, max)
			sum += float64(d)
			lo = minDur(lo, d)
		}
		mean := sum / samples
		if n > 0 && mean <= prevMean*1.3 {
			t.Errorf("mean Backoff(%d) = %v, not clearly above mean Backoff(%d) = %v",
				n, time.Duration(mean), n-1, time.Duration(prevMean))
		}
		prevMean = mean
		// Lower bound of retry n is at least the ceiling of retry n-1.
		if n > 0 && lo < expectedCeil(n-1, min, max) {
			t.Errorf("smallest Backoff(%d) = %v, below previous ceiling %v", n, lo, expectedCeil(n-1, min, max))
		}
	}
	// Once capped, it stays within [max/2, max].
	for _, n := range []int{12, 13, 20, 64, 1 << 20, math.MaxInt} {
		for range 100 {
			if d := Backoff(n, min, max); d < max/2 || d > max {
				t.Fatalf("Backoff(%d, 1s, 1h) = %v, want in [30m, 1h]", n, d)
			}
		}
	}
}

func minDur(a, b time.Duration) time.Duration {
	if a < b {
		return a
	}
	return b
}

// TestBackoffLargeMaxNoOverflow: doubling the ceiling must not overflow when
// max is above 2^62 (e.g. a caller passing math.MaxInt64 for "no cap").
func TestBackoffLargeMaxNoOverflow(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		n        int
		min, max time.Duration
	}{
		{62, 1, math.MaxInt64},
		{63, 1, math.MaxInt64},  // ceiling wraps to math.MinInt64
		{64, 1, math.MaxInt64},  // ceiling wraps to 0
		{100, 1, math.MaxInt64}, //
		{62, 3, math.MaxInt64},  // 3·2^61 doubled wraps negative
		{100, time.Second, math.MaxInt64},
		{63, 1, 1<<62 + 1},
		{1, math.MaxInt64 - 1, math.MaxInt64},        // min above MaxInt64/2: first doubling wraps
		{16, math.MaxInt64 - 27, math.MaxInt64 - 22}, // found by FuzzBackoff
	} {
		ceil := expectedCeil(tt.n, tt.min, tt.max)
		for range 20 {
			got, panicked := backoffNoPanic(tt.n, tt.min, tt.max)
			if panicked != nil {
				t.Errorf("Backoff(%d, %d, %d) panicked: %v", tt.n, tt.min, tt.max, panicked)
				break
			}
			if got < ceil/2 || got > ceil {
				t.Errorf("Backoff(%d, %d, %d) = %d, want in [%d, %d] (ceiling overflowed?)",
					tt.n, tt.min, tt.max, int64(got), int64(ceil/2), int64(ceil))
				break
			}
		}
	}
}

func backoffNoPanic(n int, min, max time.Duration) (d time.Duration, panicked any) {
	defer func() { panicked = recover() }()
	return Backoff(n, min, max), nil
}

func TestBackoffJitter(t *testing.T) {
	t.Parallel()
	const samples = 2000
	min, max := time.Second, time.Hour
	for _, n := range []int{1, 3, 8} {
		ceil := expectedCeil(n, min, max)
		seen := make(map[time.Duration]bool)
		lo, hi := time.Duration(math.MaxInt64), time.Duration(0)
		for range samples {
			d := Backoff(n, min, max)
			seen[d] = true
			lo, hi = minDur(lo, d), max64(hi, d)
		}
		if len(seen) < samples*9/10 {
			t.Errorf("Backoff(%d): only %d distinct values in %d samples", n, len(seen), samples)
		}
		// Uniform over [ceil/2, ceil]: the samples must reach both ends' tenths.
		spanLo := ceil/2 + ceil/20
		spanHi := ceil - ceil/20
		if lo > spanLo || hi < spanHi {
			t.Errorf("Backoff(%d): samples span [%v, %v], want to reach below %v and above %v", n, lo, hi, spanLo, spanHi)
		}
	}
	// With the cap reached, still jittered.
	seen := make(map[time.Duration]bool)
	for range 200 {
		seen[Backoff(50, time.Second, 15*time.Second)] = true
	}
	if len(seen) < 150 {
		t.Errorf("capped Backoff: only %d distinct values in 200 samples", len(seen))
	}
}

func max64(a, b time.Duration) time.Duration {
	if a > b {
		return a
	}
	return b
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	tests := []struct {
		name   string
		in     string
		want   time.Duration
		wantOK bool
	}{
		{"zero", "0", 0, true},
		{"one", "1", time.Second, true},
		{"seconds", "120", 2 * time.Minute, true},
		{"spaces", "  7 \t", 7 * time.Second, true},
		{"24h exactly", "86400", 24 * time.Hour, true},
		{"capped", "86401", 24 * time.Hour, true},
		{"capped huge", "999999999", 24 * time.Hour, true},
		{"capped MaxInt64", strconv.FormatInt(math.MaxInt64, 10), 24 * time.Hour, true},
		{"negative", "-1", 0, false},
		{"negative huge", "-999999999999", 0, false},
		{"empty", "", 0, false},
		{"blank", "   ", 0, false},
		{"garbage", "soon", 0, false},
		{"fraction", "1.5", 0, false},
		{"unit", "5s", 0, false},
		{"hex", "0x10", 0, false},
		{"bad date", "Mon, 99 Foo 2024 25:61:61 GMT", 0, false},
		{"date future", now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{"date future RFC850", now.Add(time.Hour).Format(time.RFC850), time.Hour, true},
		{"date future ANSIC", now.Add(time.Minute).Format(time.ANSIC), time.Minute, true},
		{"date now", now.Format(http.TimeFormat), 0, true},
		{"date past", now.Add(-time.Hour).Format(http.TimeFormat), 0, true},
		{"date far past", "Thu, 01 Jan 1970 00:00:00 GMT", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := ParseRetryAfter(tt.in, now)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("ParseRetryAfter(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

// TestParseRetryAfterOutOfRange: values that do not fit in int64 or that are
// dates decades ahead must never give a negative or wrapped duration.
func TestParseRetryAfterOutOfRange(t *testing.T) {
	t.Parallel()
	now := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	for _, in := range []string{
		"99999999999999999999",
		"Fri, 31 Dec 9999 23:59:59 GMT",
		now.AddDate(1, 0, 0).Format(http.TimeFormat),
	} {
		got, ok := ParseRetryAfter(in, now)
		if got < 0 {
			t.Errorf("ParseRetryAfter(%q) = %v, %v; negative", in, got, ok)
		}
		if !ok && got != 0 {
			t.Errorf("ParseRetryAfter(%q) = %v, false; want 0 when not ok", in, got)
		}
	}
}

var backoffSeeds = []struct {
	n        int
	min, max int64
}{
	{0, 0, 0},
	{0, int64(time.Second), int64(15 * time.Second)},
	{3, int64(time.Second), int64(15 * time.Second)},
	{-1, 1, 1},
	{62, 1, 1 << 62},
	{math.MaxInt, int64(time.Second), int64(time.Hour)},
	{math.MinInt, 5, 3},
	{10, -5, 100},
	{1, math.MaxInt64, math.MaxInt64},
}

// FuzzBackoff: Backoff never panics; with 0 <= min <= max the result is in
// [min, max], and in the equal-jitter window [ceil/2, ceil].
//
// Inputs with max > 2^62 and a huge n are clamped to n <= 200: there the
// ceiling doubling overflows (see TestBackoffLargeMaxNoOverflow) and the loop
// then spins up to n times, which would stall the fuzzer rather than report.
func FuzzBackoff(f *testing.F) {
	for _, s := range backoffSeeds {
		f.Add(s.n, s.min, s.max)
	}
	f.Fuzz(func(t *testing.T, n int, min, max int64) {
		if max > 1<<62 && n > 200 {
			n = 200
		}
		// Recover so a panic fails this input only instead of aborting the
		// whole test binary when the input sits in testdata.
		got, panicked := backoffNoPanic(n, time.Duration(min), time.Duration(max))
		if panicked != nil {
			t.Fatalf("Backoff(%d, %d, %d) panicked: %v", n, min, max, panicked)
		}
		if min <= 0 {
			if got != 0 {
				t.Fatalf("Backoff(%d, %d, %d) = %d, want 0", n, min, max, int64(got))
			}
			return
		}
		if got < time.Duration(min) {
			t.Fatalf("Backoff(%d, %d, %d) = %d, below min", n, min, max, int64(got))
		}
		if min <= max && got > time.Duration(max) {
			t.Fatalf("Backoff(%d, %d, %d) = %d, above max", n, min, max, int64(got))
		}
		if max <= 1<<62 {
			ceil := expectedCeil(n, time.Duration(min), time.Duration(max))
			lo := ceil / 2
			if lo < time.Duration(min) {
				lo = time.Duration(min)
			}
			if got < lo || got > ceil {
				t.Fatalf("Backoff(%d, %d, %d) = %d, outside [%d, %d]", n, min, max, int64(got), int64(lo), int64(ceil))
			}
		}
	})
}

// FuzzParseRetryAfter: never panics, never negative, 0 when not ok, and a
// seconds value never above 24h.
func FuzzParseRetryAfter(f *testing.F) {
	now := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	for _, s := range []string{
		"", "0", "1", "-1", "86401", "99999999999999999999", "+5", " 3 ", "1e3",
		"Mon, 06 May 2024 07:09:09 GMT", "Sunday, 05-May-24 07:08:09 GMT",
		"Mon May  6 07:08:09 2024", "Fri, 31 Dec 9999 23:59:59 GMT", "\xff", "0x1",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, ok := ParseRetryAfter(s, now)
		if d < 0 {
			t.Fatalf("ParseRetryAfter(%q) = %v, negative", s, d)
		}
		if !ok && d != 0 {
			t.Fatalf("ParseRetryAfter(%q) = %v, false; want 0", s, d)
		}
		if _, err := http.ParseTime(strings.TrimSpace(s)); err != nil && d > 24*time.Hour {
			t.Fatalf("ParseRetryAfter(%q) = %v, above the 24h cap", s, d)
		}
	})
}
