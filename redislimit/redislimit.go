// Package redislimit is an apitable.Limiter shared by several processes
// through Redis, so that replicas using one API token stay together within
// the server's budget of 5 requests per second per datasheet.
//
//	rdb := redis.NewClient(&redis.Options{Addr: "redis:6379"})
//	client, err := apitable.New(token, apitable.WithLimiter(redislimit.New(rdb)))
//
// Every key holds the time at which the next request may be sent and, after
// a 429, the time until which every request waits. One Lua script reads and
// moves them atomically with the Redis server's clock, so the replicas' own
// clocks never matter: it reserves the next slot and returns how long to wait
// for it, and the caller sleeps (honouring its context). Requests are spaced
// evenly at 98% of the rate, as the client's in-process limiter does, because
// the server counts fixed one-second windows: a burst would let about twice
// the budget land in one window.
//
// When Redis is unreachable or slower than WithRedisTimeout, the limiter
// falls back to an in-process apitable.NewLimiter (WithFailOpen, the
// default) or returns an error wrapping ErrUnavailable (WithFailClosed). It
// tries Redis again after a short back-off and goes back to it as soon as it
// answers. The limiter only decides when a request is sent: a switch between
// Redis and the fallback never drops or repeats one.
package redislimit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"time"

	"github.com/apitable-go/apitable"
	"github.com/redis/go-redis/v9"
)

// DefaultPrefix is put before every key (see WithPrefix).
const DefaultPrefix = "apitable:limit:"

// DefaultRedisTimeout bounds one Redis round trip (see WithRedisTimeout).
const DefaultRedisTimeout = 200 * time.Millisecond

// paceFactor is the client's: requests are spaced 2% wider than the budget,
// leaving 20 ms of jitter per one-second window.
const paceFactor = 0.98

// Back-off of the circuit breaker: after a failed Redis call the limiter
// uses its fallback (or fails) without asking Redis for this long, doubling
// up to the maximum while Redis keeps failing.
const (
	minBackoff = 100 * time.Millisecond
	maxBackoff = time.Second
)

// ErrUnavailable is wrapped by the error Wait returns under WithFailClosed
// when Redis cannot be used. The error also wraps Redis's own error.
var ErrUnavailable = errors.New("redislimit: redis unavailable")

// Limiter is an apitable.Limiter backed by Redis. It is safe for concurrent
// use; share one per process.
type Limiter struct {
	rdb        redis.UniversalClient
	prefix     string
	interval   int64 // µs between two requests for one key
	timeout    time.Duration
	failClosed bool
	logger     *slog.Logger
	local      *apitable.LocalLimiter

	mu        sync.Mutex
	down      bool          // Redis failed and has not answered since
	retryAt   time.Time     // while down: when to try Redis again
	backoff   time.Duration // while down: the current back-off
	probing   bool          // a call is trying Redis while down
	lastErr   error         // the last Redis error, for fail-closed errors
	fallbacks uint64        // calls decided without Redis
}

var (
	_ apitable.Limiter           = (*Limiter)(nil)
	_ apitable.Pauser            = (*Limiter)(nil)
	_ apitable.ThrottleHandler   = (*Limiter)(nil)
	_ apitable.RoundTripObserver = (*Limiter)(nil)
)

type config struct {
	rate       float64
	prefix     string
	timeout    time.Duration
	failClosed bool
	logger     *slog.Logger
}

// Option configures a Limiter.
type Option func(*config)

// WithRate sets the server's budget in requests per second per key (default
// 5, apitable.DefaultRateLimit). Requests are paced at 98% of it, like the
// client's in-process limiter. A rate that is not positive is ignored.
func WithRate(perSecond float64) Option {
	return func(c *config) {
		if perSecond > 0 && !math.IsInf(perSecond, 1) {
			c.rate = perSecond
		}
	}
}

// WithPrefix sets the string put before every key (default DefaultPrefix).
// On Redis Cluster, a prefix with a hash tag such as "{apitable}:limit:"
// keeps every key on one slot; without one, keys spread over the cluster,
// which works as well since each script call touches a single key.
func WithPrefix(prefix string) Option {
	return func(c *config) { c.prefix = prefix }
}

// WithRedisTimeout bounds each Redis call (default 200 ms). A call that
// takes longer counts as a failure: the limiter falls back or fails. A
// duration that is not positive is ignored.
func WithRedisTimeout(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.timeout = d
		}
	}
}

// WithFailOpen makes the limiter fall back to an in-process limiter (at the
// same rate) while Redis is unreachable or slow. This is the default. Each
// replica then keeps its own pace, so several replicas together may exceed
// the budget and meet 429s, which the client retries.
func WithFailOpen() Option {
	return func(c *config) { c.failClosed = false }
}

// WithFailClosed makes Wait return an error wrapping ErrUnavailable and
// Redis's error while Redis is unreachable or slow, instead of falling back.
func WithFailClosed() Option {
	return func(c *config) { c.failClosed = true }
}

// WithLogger sets the logger for switches between Redis and the fallback
// (default: discard). Keys and tokens are never logged.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) {
		if l != nil {
			c.logger = l
		}
	}
}

// New returns a Limiter that keeps its state in Redis through client (a
// *redis.Client, *redis.ClusterClient, *redis.Ring or failover client). It
// does no I/O.
func New(client redis.UniversalClient, opts ...Option) *Limiter {
	cfg := config{
		rate:    apitable.DefaultRateLimit,
		prefix:  DefaultPrefix,
		timeout: DefaultRedisTimeout,
	}
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	if cfg.logger == nil {
		cfg.logger = slog.New(slog.DiscardHandler)
	}
	paced := cfg.rate * paceFactor
	return &Limiter{
		rdb:        client,
		prefix:     cfg.prefix,
		interval:   max(1, int64(math.Ceil(1e6/paced))),
		timeout:    cfg.timeout,
		failClosed: cfg.failClosed,
		logger:     cfg.logger,
		local:      apitable.NewLimiter(paced, 1),
	}
}

// Fallbacks reports how many Wait and Pause calls were decided without
// Redis, by the fallback or by a fail-closed error.
func (l *Limiter) Fallbacks() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.fallbacks
}

// script keeps fields in the hash KEYS[1], in µs of the Redis server's
// clock: n, when the next request may be sent, p, when the pause after a
// 429 ends, and i, a learned interval (a lower budget a 429 stated), kept
// until e. It touches that one key only, so it runs on Redis Cluster, and
// it sets the key to expire when both times have passed: an expired key and
// an old one behave alike, so idle keys cost nothing.
//
// ARGV[1] is the mode:
//   - "reserve" (ARGV[2] = interval): take the next slot, at or after now,
//     n and p; move n one interval past it. Returns {wait, slot}.
//   - "check": returns {p - now or 0, 0}: how long the key is still paused.
//   - "pause" (ARGV[2] = duration): p = max(p, now + duration).
//     Returns {0, 0}.
//   - "learn" (ARGV[2] = pause, ARGV[3] = learned interval or 0, ARGV[4]
//     = how long to keep it): pause, and raise i, the key's learned
//     interval, which "reserve" uses when it is longer than its own, until
//     e. Returns {i, 0}.
//   - "cancel" (ARGV[2] = interval, ARGV[3] = slot): give back a slot
//     reserved by a caller that stopped waiting, if nobody reserved after
//     it. Returns {0, 0}.
//
// Times are written with %.0f: Lua's default number format keeps only 14
// digits, and µs since the epoch have 16.
var script = redis.NewScript(`
if redis.replicate_commands then pcall(redis.replicate_commands) end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local v = redis.call('HMGET', KEYS[1], 'n', 'p', 'i', 'e')
local n = tonumber(v[1]) or 0
local p = tonumber(v[2]) or 0
local i = tonumber(v[3]) or 0
local e = tonumber(v[4]) or 0
if e <= now then i = 0 end
local mode = ARGV[1]
local ret = {0, 0}
if mode == 'check' then
  if p > now then ret[1] = p - now end
  return ret
elseif mode == 'reserve' then
  local slot = math.max(now, n, p)
  n = slot + math.max(tonumber(ARGV[2]), i)
  ret = {slot - now, slot}
elseif mode == 'pause' then
  p = math.max(p, now + tonumber(ARGV[2]))
elseif mode == 'learn' then
  p = math.max(p, now + tonumber(ARGV[2]))
  local li = tonumber(ARGV[3])
  if li > i then i = li end
  if i > 0 then e = now + tonumber(ARGV[4]) end
  ret = {i, 0}
elseif mode == 'cancel' then
  local slot = tonumber(ARGV[3])
  if n ~= slot + math.max(tonumber(ARGV[2]), i) then return ret end
  n = slot
else
  return redis.error_reply('redislimit: unknown mode')
end
if i == 0 then e = 0 end
local last = math.max(n, p, e)
if last <= now then
  redis.call('DEL', KEYS[1])
  return ret
end
redis.call('HSET', KEYS[1], 'n', string.format('%.0f', n), 'p', string.format('%.0f', p),
  'i', string.format('%.0f', i), 'e', string.format('%.0f', e))
redis.call('PEXPIRE', KEYS[1], math.ceil((last - now) / 1000) + 1)
return ret
`)

// Key returns the Redis key of a limiter key: the prefix and the key the
// client built ("<limitKey>:<sha1(token) in hex>"; the token is never in
// it).
func (l *Limiter) Key(key string) string { return l.prefix + key }

// run calls the script with the Redis timeout. It runs the call in its own
// goroutine so that the timeout holds even when the redis client's options
// ignore context deadlines (ContextTimeoutEnabled false). When the caller
// stops waiting (timeout or ctx done) and the call was a reservation that
// still succeeds later, the slot is given back.
func (l *Limiter) run(ctx context.Context, key string, args ...any) ([]int64, error) {
	if l.rdb == nil {
		return nil, errors.New("nil redis client")
	}
	type result struct {
		v   []int64
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := l.eval(context.WithoutCancel(ctx), key, args...)
		done <- result{v, err}
	}()
	timer := time.NewTimer(l.timeout)
	defer timer.Stop()
	var err error
	select {
	case r := <-done:
		return r.v, r.err
	case <-timer.C:
		err = fmt.Errorf("no answer within %v", l.timeout)
	case <-ctx.Done():
		err = ctx.Err()
	}
	if args[0] == "reserve" {
		go func() {
			if r := <-done; r.err == nil {
				_, _ = l.eval(context.WithoutCancel(ctx), key, "cancel", l.interval, r.v[1])
			}
		}()
	}
	return nil, err
}

// eval runs the script once, bounded by the Redis timeout.
func (l *Limiter) eval(ctx context.Context, key string, args ...any) ([]int64, error) {
	ctx, cancel := context.WithTimeout(ctx, l.timeout)
	defer cancel()
	v, err := script.Run(ctx, l.rdb, []string{l.Key(key)}, args...).Int64Slice()
	if err == nil && len(v) != 2 {
		err = fmt.Errorf("unexpected script reply of %d values", len(v))
	}
	return v, err
}

// useRedis reports whether this call should try Redis: always while Redis
// is up; while it is down, one call at a time once the back-off has passed.
func (l *Limiter) useRedis() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.down {
		return true
	}
	if l.probing || time.Now().Before(l.retryAt) {
		l.fallbacks++
		return false
	}
	l.probing = true
	return true
}

// redisOK records a successful Redis call.
func (l *Limiter) redisOK() {
	l.mu.Lock()
	was := l.down
	l.down, l.probing, l.backoff, l.lastErr = false, false, 0, nil
	l.mu.Unlock()
	if was {
		l.logger.Info("redislimit: redis is back; limiting through redis again")
	}
}

// abandon records a Redis call that the caller's context cut short: it
// says nothing about Redis, but ends a probe.
func (l *Limiter) abandon() {
	l.mu.Lock()
	l.probing = false
	l.mu.Unlock()
}

// redisFailed records a failed Redis call.
func (l *Limiter) redisFailed(err error) {
	l.mu.Lock()
	was := l.down
	l.fallbacks++
	l.down, l.probing, l.lastErr = true, false, err
	l.backoff = min(maxBackoff, max(minBackoff, 2*l.backoff))
	l.retryAt = time.Now().Add(l.backoff)
	backoff := l.backoff
	l.mu.Unlock()
	if !was {
		mode := "falling back to the in-process limiter"
		if l.failClosed {
			mode = "failing closed"
		}
		l.logger.Warn("redislimit: redis unavailable; "+mode,
			slog.String("error", err.Error()), slog.Duration("retry_in", backoff))
	}
}

// unavailable is the fail-closed error.
func (l *Limiter) unavailable(err error) error {
	if err == nil {
		l.mu.Lock()
		err = l.lastErr
		l.mu.Unlock()
	}
	if err == nil {
		err = errors.New("circuit open")
	}
	return fmt.Errorf("%w: %w", ErrUnavailable, err)
}

// fallback decides a Wait without Redis.
func (l *Limiter) fallback(ctx context.Context, key string, err error) error {
	if l.failClosed {
		return l.unavailable(err)
	}
	return l.local.Wait(ctx, key)
}

// Wait blocks until a request for key may be sent, or ctx is done. It
// reserves the next slot for key in Redis and sleeps until then; if a 429
// paused the key meanwhile (from any replica), it waits out the pause and
// reserves again. If ctx ends before the slot, or its deadline comes before
// it, Wait gives the slot back when nobody reserved after it and returns
// ctx's error.
func (l *Limiter) Wait(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	for {
		if !l.useRedis() {
			return l.fallback(ctx, key, nil)
		}
		v, err := l.run(ctx, key, "reserve", l.interval)
		received := time.Now()
		if err != nil {
			if ctx.Err() != nil {
				l.abandon()
				return ctx.Err()
			}
			l.redisFailed(err)
			return l.fallback(ctx, key, err)
		}
		l.redisOK()
		wait, slot := time.Duration(v[0])*time.Microsecond, v[1]
		if wait <= 0 {
			return nil
		}
		if dl, ok := ctx.Deadline(); ok && received.Add(wait).After(dl) {
			l.cancel(ctx, key, slot)
			return fmt.Errorf("redislimit: rate limit wait of %v would pass the context deadline: %w",
				wait.Round(time.Millisecond), context.DeadlineExceeded)
		}
		if err := sleepUntil(ctx, received.Add(wait)); err != nil {
			l.cancel(ctx, key, slot)
			return err
		}
		// A pause set by any replica while we slept wins: wait it out
		// and take a new slot after it.
		v, err = l.run(ctx, key, "check")
		if err != nil {
			if ctx.Err() != nil {
				l.abandon()
				return ctx.Err()
			}
			// Our slot was valid when reserved; a pause we cannot
			// see is the fallback's to honour.
			l.redisFailed(err)
			return l.fallback(ctx, key, err)
		}
		l.redisOK()
		pause := time.Duration(v[0]) * time.Microsecond
		if pause <= 0 {
			return nil
		}
		if err := sleepUntil(ctx, time.Now().Add(pause)); err != nil {
			return err
		}
	}
}

// cancel gives back a reserved slot, best effort, when ctx has ended.
func (l *Limiter) cancel(ctx context.Context, key string, slot int64) {
	if _, err := l.run(context.WithoutCancel(ctx), key, "cancel", l.interval, slot); err != nil {
		l.redisFailed(err)
		return
	}
	l.redisOK()
}

// Pause holds back every request for key, in every process sharing Redis,
// for d from now (by the Redis server's clock). The client calls it after a
// 429. The in-process fallback is paused too, so a switch to it during the
// pause still honours it.
func (l *Limiter) Pause(ctx context.Context, key string, d time.Duration) {
	l.local.Pause(ctx, key, d)
	if d <= 0 || !l.useRedis() {
		return
	}
	if _, err := l.run(context.WithoutCancel(ctx), key, "pause", d.Microseconds()); err != nil {
		l.redisFailed(err)
		return
	}
	l.redisOK()
}

// sleepUntil waits until t or until ctx is done.
func sleepUntil(ctx context.Context, t time.Time) error {
	d := time.Until(t)
	if d <= 0 {
		return nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}
