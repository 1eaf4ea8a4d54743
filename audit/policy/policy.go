package policy

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/blindspot-audit/blindspot/generators"
)

// Call is one request to an endpoint.
type Call struct {
	Endpoint string
	// Key is the canonical request's hash (see Key); it addresses the cache.
	Key string
	// Estimate is the usage expected, used to reserve budget before calling.
	Estimate generators.Usage
	Do       func(ctx context.Context) (*generators.Response, error)
}

// Outcome is what became of a call.
type Outcome struct {
	Resp     *generators.Response
	Err      error
	Class    generators.Class // "" on success
	Attempts int
	Latency  time.Duration
	CacheHit bool
	// Recovered marks a cache hit that a killed process of the run paid
	// for and never recorded: CostUSD is charged now, and the call is
	// recorded as the paid call it was.
	Recovered bool
	CostUSD   float64
	// ImageSHA is the blob address of the response's image once stored.
	ImageSHA string
	// StoreErr is a failure to store a good response.
	StoreErr error
}

// Invoker makes a call.
type Invoker func(ctx context.Context, c *Call) Outcome

// Wrapper adds one concern around an Invoker.
type Wrapper func(next Invoker) Invoker

// Chain wraps base so that ws[0] is the outermost wrapper.
func Chain(base Invoker, ws ...Wrapper) Invoker {
	for i := len(ws) - 1; i >= 0; i-- {
		base = ws[i](base)
	}
	return base
}

// Key hashes a canonical request: every field that changes the answer
// (provider, model, role, parameters, prompt, input image hash, seed) and
// nothing else, never a secret.
func Key(parts map[string]any) string {
	b, err := json.Marshal(parts) // map keys marshal sorted: canonical
	if err != nil {
		panic(fmt.Sprintf("policy.Key: unmarshalable request part: %v", err))
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// Provider is the innermost Invoker: it runs the call and classifies its
// error.
func Provider() Invoker {
	return func(ctx context.Context, c *Call) Outcome {
		start := time.Now()
		resp, err := c.Do(ctx)
		o := Outcome{Resp: resp, Err: err, Attempts: 1, Latency: time.Since(start)}
		if err == nil && resp == nil {
			o.Err = generators.Errorf(generators.BadOutput, "provider returned no response")
		}
		if o.Err != nil {
			o.Resp = nil
			o.Class = generators.ClassOf(o.Err)
			if ctx.Err() != nil && o.Class != generators.Transient {
				o.Class = generators.Canceled
			}
		}
		return o
	}
}

// ErrStopping is the error of a call refused because the run is stopping.
var ErrStopping = errors.New("not started: the run is stopping")

// Gate refuses to start a call once stopping reports a graceful stop (the
// first Ctrl-C): the calls in flight finish, and none starts, not even one
// that was waiting for a concurrency slot or a rate-limit turn, nor a
// retry. Innermost in the chain, it is the last check before the network.
func Gate(stopping func() bool) Wrapper {
	return func(next Invoker) Invoker {
		return func(ctx context.Context, c *Call) Outcome {
			if stopping != nil && stopping() {
				return Outcome{Err: ErrStopping, Class: generators.Canceled}
			}
			return next(ctx, c)
		}
	}
}

// Timeout bounds each attempt.
func Timeout(per func(endpoint string) time.Duration) Wrapper {
	return func(next Invoker) Invoker {
		return func(ctx context.Context, c *Call) Outcome {
			if d := per(c.Endpoint); d > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, d)
				defer cancel()
			}
			return next(ctx, c)
		}
	}
}

// Concurrency holds at most n calls per endpoint in flight.
func Concurrency(limit func(endpoint string) int) Wrapper {
	var mu sync.Mutex
	sems := map[string]chan struct{}{}
	return func(next Invoker) Invoker {
		return func(ctx context.Context, c *Call) Outcome {
			mu.Lock()
			sem, ok := sems[c.Endpoint]
			if !ok {
				sem = make(chan struct{}, max(1, limit(c.Endpoint)))
				sems[c.Endpoint] = sem
			}
			mu.Unlock()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return canceled(ctx)
			}
			defer func() { <-sem }()
			return next(ctx, c)
		}
	}
}

func canceled(ctx context.Context) Outcome {
	return Outcome{Err: ctx.Err(), Class: generators.Canceled}
}

// RateLimit paces calls per endpoint at requests-per-minute (0: unpaced).
func RateLimit(rpm func(endpoint string) float64) Wrapper {
	var mu sync.Mutex
	lims := map[string]*rate.Limiter{}
	return func(next Invoker) Invoker {
		return func(ctx context.Context, c *Call) Outcome {
			mu.Lock()
			lim, ok := lims[c.Endpoint]
			if !ok {
				if r := rpm(c.Endpoint); r > 0 {
					lim = rate.NewLimiter(rate.Limit(r/60), 1)
				}
				lims[c.Endpoint] = lim
			}
			mu.Unlock()
			if lim != nil {
				if err := lim.Wait(ctx); err != nil {
					return canceled(ctx)
				}
			}
			return next(ctx, c)
		}
	}
}

// SharedRateLimit paces calls by a limit held outside the process (the
// run store's shared limiter), so that every worker of a run together
// keeps an endpoint's requests_per_minute.
func SharedRateLimit(rpm func(endpoint string) float64, wait func(ctx context.Context, endpoint string, rpm float64) error) Wrapper {
	return func(next Invoker) Invoker {
		return func(ctx context.Context, c *Call) Outcome {
			if r := rpm(c.Endpoint); r > 0 {
				if err := wait(ctx, c.Endpoint, r); err != nil {
					if ctx.Err() != nil {
						return canceled(ctx)
					}
					return Outcome{Class: generators.Transient, Err: err}
				}
			}
			return next(ctx, c)
		}
	}
}

// Backoff configures retries.
type Backoff struct {
	Base, Max time.Duration
	// MaxRetryAfter caps how long a server's Retry-After is honoured.
	MaxRetryAfter time.Duration
	// Sleep waits between attempts (nil: a timer); tests record the waits.
	Sleep func(ctx context.Context, d time.Duration) error
}

func (b Backoff) sleep(ctx context.Context, d time.Duration) error {
	if b.Sleep != nil {
		return b.Sleep(ctx, d)
	}
	return generators.Sleep(ctx, d)
}

// DefaultBackoff is used by real runs.
var DefaultBackoff = Backoff{Base: 500 * time.Millisecond, Max: 30 * time.Second, MaxRetryAfter: 2 * time.Minute}

// Retry retries transient failures with exponential backoff and
// deterministic jitter, honouring Retry-After.
func Retry(retries func(endpoint string) int, b Backoff) Wrapper {
	return func(next Invoker) Invoker {
		return func(ctx context.Context, c *Call) Outcome {
			var total time.Duration
			n := retries(c.Endpoint)
			for attempt := 1; ; attempt++ {
				o := next(ctx, c)
				total += o.Latency
				o.Attempts = attempt
				o.Latency = total
				if o.Class != generators.Transient || attempt > n || ctx.Err() != nil {
					return o
				}
				wait := b.delay(c.Key, attempt)
				if ra := generators.RetryAfterOf(o.Err); ra > wait {
					wait = min(ra, b.MaxRetryAfter)
				}
				if b.sleep(ctx, wait) != nil {
					return o
				}
			}
		}
	}
}

func (b Backoff) delay(key string, attempt int) time.Duration {
	d := b.Base << (attempt - 1)
	if d > b.Max || d <= 0 {
		d = b.Max
	}
	h := sha256.Sum256([]byte(fmt.Sprintf("%s/%d", key, attempt)))
	jitter := float64(binary.BigEndian.Uint64(h[:8])>>11) / (1 << 53) // [0,1)
	return time.Duration(float64(d) * (0.8 + 0.4*jitter))
}

// ErrBudget is the error of a call refused by the budget cap.
var ErrBudget = errors.New("budget cap reached")
