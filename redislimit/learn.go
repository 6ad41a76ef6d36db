package redislimit

import (
	"context"
	"math"
	"time"
)

// learnedTTL is how long a budget learned from a 429 is kept in Redis
// after the last 429 that stated it.
const learnedTTL = time.Hour

// Throttled handles a 429 for key, for every process sharing Redis, like
// the client's in-process limiter: a message stating a rate below the
// configured one makes every process pace the key at 98% of it (kept for
// an hour after the last such 429; never above the configured rate), and
// the key is paused for one interval. A 429 stating no rate pauses it for
// a whole second, like Pause. The in-process fallback learns the same, and
// its answer (adopted the first time a lower rate is stated) is returned
// for the client to log.
func (l *Limiter) Throttled(ctx context.Context, key string, statedRate float64) (adopted bool) {
	adopted = l.local.Throttled(ctx, key, statedRate)
	pause := time.Second
	var learned int64
	if statedRate > 0 {
		iv := max(1, int64(math.Ceil(1e6/(statedRate*paceFactor))))
		if iv > l.interval {
			learned = iv
		}
		pause = time.Duration(max(iv, l.interval)) * time.Microsecond
	}
	if !l.useRedis() {
		return adopted
	}
	if _, err := l.run(context.WithoutCancel(ctx), key, "learn", pause.Microseconds(), learned, learnedTTL.Microseconds()); err != nil {
		l.redisFailed(err)
		return adopted
	}
	l.redisOK()
	return adopted
}

// Observe feeds the in-process fallback's spread estimate (see
// apitable.RoundTripObserver).
//
// The Limiter is no apitable.ArrivalPacer: an in-process window plan sees
// only this process's requests, while every replica's fill the server's
// windows. It held requests off the shared schedule (up to a second) and
// let them go at once when their deadline neared, which met 429s in about
// half the runs of TestReplicasShareBudget (none in six without it). New
// connections are the client's concern whatever its limiter: a request
// that finds every connection busy waits for one coming back.
func (l *Limiter) Observe(key string, rtt time.Duration, reused bool) {
	l.local.Observe(key, rtt, reused)
}
