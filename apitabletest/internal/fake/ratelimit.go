package fake

import (
	"crypto/sha1" //nolint:gosec // the server keys its rate limiter by sha1(token); not used for security
	"encoding/hex"
	"fmt"
	"math"
	"strings"
	"time"
)

// limitKey is the rate-limit bucket of server-behaviour.md §3: the last "/"-segment of the
// original URL (query included) starting with dst, else spc, else "user".
func limitKey(uri string) string {
	var dst, spc string
	for _, seg := range strings.Split(uri, "/") {
		if strings.HasPrefix(seg, "dst") {
			dst = seg
		} else if strings.HasPrefix(seg, "spc") {
			spc = seg
		}
	}
	switch {
	case dst != "":
		return dst
	case spc != "":
		return spc
	}
	return "user"
}

func (s *Backend) consumePoint(key, token string) *apiError {
	sum := sha1.Sum([]byte(token)) //nolint:gosec // the server's sha1(token) limiter key; not used for security
	k := key + ":" + hex.EncodeToString(sum[:])
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.windows[k]
	if w == nil || !now.Before(w.start.Add(s.cfg.RateWindow)) {
		w = &window{start: now}
		s.windows[k] = w
	}
	w.count++
	if w.count > s.cfg.RatePoints {
		// The real server states its points per one-second window; a
		// time-scaled window states the rate it amounts to.
		qps := int(math.Round(float64(s.cfg.RatePoints) / s.cfg.RateWindow.Seconds()))
		return &apiError{status: 429, code: 429, msg: fmt.Sprintf("The API request rate for the current space is %d queries per second (QPS). Upgrading the space allows for a higher call frequency. Contact us: sales@aitable.ai.", qps)}
	}
	return nil
}

type window struct {
	start time.Time
	count int
}
