package policy

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/blindspot-audit/blindspot/audit/spec"
	"github.com/blindspot-audit/blindspot/audit/store"
	"github.com/blindspot-audit/blindspot/generators"
)

// script answers attempt i with results[i] (the last one repeats).
func script(results ...error) (*Call, *atomic.Int64) {
	var n atomic.Int64
	return &Call{Endpoint: "e", Key: "k", Do: func(ctx context.Context) (*generators.Response, error) {
		i := int(n.Add(1)) - 1
		if i >= len(results) {
			i = len(results) - 1
		}
		if results[i] != nil {
			return nil, results[i]
		}
		return &generators.Response{Text: "ok", Usage: generators.Usage{Images: 1}}, nil
	}}, &n
}

func TestRetry(t *testing.T) {
	transient := &generators.Error{Class: generators.Transient, Status: 503}
	limited := &generators.Error{Class: generators.Transient, Status: 429, RetryAfter: 7 * time.Second}
	tests := []struct {
		name      string
		results   []error
		retries   int
		class     generators.Class
		attempts  int
		wantWaits []time.Duration // exact waits when given
	}{
		{"success", []error{nil}, 3, "", 1, nil},
		{"transient then success", []error{transient, transient, nil}, 3, "", 3, nil},
		{"transient exhausts retries", []error{transient}, 2, generators.Transient, 3, nil},
		{"retry-after honoured", []error{limited, nil}, 3, "", 2, []time.Duration{7 * time.Second}},
		{"permanent not retried", []error{generators.Errorf(generators.Permanent, "400")}, 3, generators.Permanent, 1, nil},
		{"refusal not retried", []error{generators.Errorf(generators.Refusal, "content policy")}, 3, generators.Refusal, 1, nil},
		{"plain error is permanent", []error{errors.New("boom")}, 3, generators.Permanent, 1, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var waits []time.Duration
			b := Backoff{Base: 10 * time.Millisecond, Max: time.Second, MaxRetryAfter: time.Minute,
				Sleep: func(ctx context.Context, d time.Duration) error { waits = append(waits, d); return nil }}
			inv := Chain(Provider(), Retry(func(string) int { return tc.retries }, b))
			c, calls := script(tc.results...)
			o := inv(context.Background(), c)
			if o.Class != tc.class || o.Attempts != tc.attempts || int(calls.Load()) != tc.attempts {
				t.Fatalf("class %q attempts %d calls %d; want %q %d", o.Class, o.Attempts, calls.Load(), tc.class, tc.attempts)
			}
			if len(waits) != tc.attempts-1 {
				t.Fatalf("waited %d times, want %d", len(waits), tc.attempts-1)
			}
			for i, w := range waits {
				if tc.wantWaits != nil && w != tc.wantWaits[i] {
					t.Errorf("wait %d = %s, want %s", i, w, tc.wantWaits[i])
				}
				if lo, hi := time.Duration(float64(b.Base<<i)*0.8), time.Duration(float64(b.Base<<i)*1.2); tc.wantWaits == nil && (w < lo || w > hi) {
					t.Errorf("wait %d = %s, want exponential backoff in [%s, %s]", i, w, lo, hi)
				}
			}
		})
	}
}

func TestBudget(t *testing.T) {
	b := NewBudget(3, 1, map[string]spec.Price{"e": {PerImage: 1}})
	inv := Chain(Provider(), b.Wrap)
	var refused int
	for i := 0; i < 4; i++ {
		c, _ := script(nil)
		c.Estimate = generators.Usage{Images: 1}
		o := inv(context.Background(), c)
		if o.Class == generators.Budget {
			refused++
			if !errors.Is(o.Err, ErrBudget) {
				t.Fatalf("budget refusal error %v", o.Err)
			}
		} else if o.CostUSD != 1 {
			t.Fatalf("cost %v, want 1", o.CostUSD)
		}
	}
	if refused != 2 || b.Spent() != 3 {
		t.Fatalf("refused %d, spent %v (cap 3, 1 spent before)", refused, b.Spent())
	}
}

func TestConcurrencyLimit(t *testing.T) {
	var inFlight, peak atomic.Int64
	inv := Chain(Provider(), Concurrency(func(string) int { return 3 }))
	var wg sync.WaitGroup
	for i := 0; i < 40; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			inv(context.Background(), &Call{Endpoint: "e", Do: func(ctx context.Context) (*generators.Response, error) {
				n := inFlight.Add(1)
				for {
					p := peak.Load()
					if n <= p || peak.CompareAndSwap(p, n) {
						break
					}
				}
				time.Sleep(time.Millisecond)
				inFlight.Add(-1)
				return &generators.Response{}, nil
			}})
		}()
	}
	wg.Wait()
	if peak.Load() != 3 {
		t.Fatalf("peak in flight %d, want 3", peak.Load())
	}
}

func TestCanceledWhileWaitingForASlot(t *testing.T) {
	inv := Chain(Provider(), Concurrency(func(string) int { return 1 }))
	block := make(chan struct{})
	go inv(context.Background(), &Call{Endpoint: "e", Do: func(ctx context.Context) (*generators.Response, error) {
		<-block
		return &generators.Response{}, nil
	}})
	time.Sleep(10 * time.Millisecond)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	o := inv(ctx, &Call{Endpoint: "e", Do: func(ctx context.Context) (*generators.Response, error) { return &generators.Response{}, nil }})
	close(block)
	if o.Class != generators.Canceled {
		t.Fatalf("class %q, want canceled", o.Class)
	}
}

func TestCacheWrapper(t *testing.T) {
	c, err := store.OpenCache(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, fresh := range []bool{false, true} {
		call, n := script(nil)
		call.Key = "key-" + map[bool]string{false: "a", true: "b"}[fresh]
		inv := Chain(Provider(), Cache(c, fresh, nil))
		first, second := inv(context.Background(), call), inv(context.Background(), call)
		wantCalls := int64(1)
		if fresh {
			wantCalls = 2
		}
		if first.CacheHit || second.CacheHit == fresh || n.Load() != wantCalls || second.Resp.Text != "ok" {
			t.Fatalf("fresh=%v: hits %v/%v, calls %d", fresh, first.CacheHit, second.CacheHit, n.Load())
		}
	}
}

func TestRateLimitPaces(t *testing.T) {
	inv := Chain(Provider(), RateLimit(func(string) float64 { return 6000 })) // 100 a second
	start := time.Now()
	for i := 0; i < 11; i++ {
		c, _ := script(nil)
		inv(context.Background(), c)
	}
	// 11 calls at 100/s with a burst of 1 need at least 100 ms.
	if el := time.Since(start); el < 95*time.Millisecond {
		t.Fatalf("11 calls at 6000 rpm took %s", el)
	}
}

func TestKeyIsCanonical(t *testing.T) {
	a := Key(map[string]any{"model": "m", "prompt": "p", "seed": 1})
	b := Key(map[string]any{"seed": 1, "prompt": "p", "model": "m"})
	c := Key(map[string]any{"seed": 2, "prompt": "p", "model": "m"})
	if a != b || a == c {
		t.Fatal("key depends on map order or ignores a field")
	}
}

// TestCacheChargesUnrecordedPaidResponse: a response that a killed process
// of this run paid for but never recorded is charged once by the process
// that finds it; one recorded, one another run paid for, and one this
// process paid for itself are free hits.
func TestCacheChargesUnrecordedPaidResponse(t *testing.T) {
	c, err := store.OpenCache(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, k := range []string{"lost", "recorded", "other-run", "mine"} {
		run, proc := "R", "dead"
		switch k {
		case "other-run":
			run = "R2"
		case "mine":
			proc = "me"
		}
		if _, err := c.PutPaid(k, "e", &generators.Response{Text: "ok"}, store.Paid{CostUSD: 0.25, Run: run, Process: proc}); err != nil {
			t.Fatal(err)
		}
	}
	charged := 0.0
	acct := &Accounting{Run: "R", Process: "me",
		Recorded: func(_ context.Context, key string) (bool, error) { return key == "recorded", nil },
		Charge:   func(_ context.Context, cost float64) { charged += cost }}
	for _, tc := range []struct {
		key       string
		recovered bool
	}{{"lost", true}, {"recorded", false}, {"other-run", false}, {"mine", false}} {
		call, n := script(nil)
		call.Key = tc.key
		o := Chain(Provider(), Cache(c, false, acct))(context.Background(), call)
		if !o.CacheHit || o.Recovered != tc.recovered || n.Load() != 0 || (tc.recovered && o.CostUSD != 0.25) {
			t.Errorf("%s: hit %v, recovered %v, cost %v, calls %d", tc.key, o.CacheHit, o.Recovered, o.CostUSD, n.Load())
		}
	}
	if charged != 0.25 {
		t.Errorf("charged $%v, want $0.25", charged)
	}
}

func TestGateStartsNothingOnceStopping(t *testing.T) {
	var stop bool
	inv := Chain(Provider(), Gate(func() bool { return stop }))
	call, n := script(nil)
	if o := inv(context.Background(), call); o.Class != "" || n.Load() != 1 {
		t.Fatalf("before the stop: %v, %d calls", o.Class, n.Load())
	}
	stop = true
	if o := inv(context.Background(), call); o.Class != generators.Canceled || n.Load() != 1 {
		t.Fatalf("after the stop: %v, %d calls", o.Class, n.Load())
	}
}
