package policy

import (
	"context"
	"fmt"
	"sync"

	"github.com/blindspot-audit/blindspot/audit/spec"
	"github.com/blindspot-audit/blindspot/generators"
)

// Budget tracks spending against a cap. Before a call it reserves the
// call's estimated cost and refuses the call if the cap would be passed;
// after the call it settles the reservation with the actual cost.
type Budget struct {
	mu       sync.Mutex
	cap      float64 // 0: no cap
	spent    float64
	reserved float64
	prices   map[string]spec.Price
	ledger   Ledger
}

// Ledger keeps a budget that several processes spend together: each
// reserves a call's estimate before making it and settles it after.
type Ledger interface {
	Reserve(ctx context.Context, cost, capUSD float64) (bool, error)
	Settle(ctx context.Context, reserved, actual float64) error
}

// Share makes the cap hold across every process that shares l (the
// workers of a run on PostgreSQL); this process still counts its own
// spending.
func (b *Budget) Share(l Ledger) { b.ledger = l }

// NewBudget starts a budget with what earlier runs already spent.
func NewBudget(capUSD, alreadySpent float64, prices map[string]spec.Price) *Budget {
	return &Budget{cap: capUSD, spent: alreadySpent, prices: prices}
}

// Cost prices a usage for an endpoint.
func (b *Budget) Cost(endpoint string, u generators.Usage) float64 {
	return b.prices[endpoint].Of(u)
}

// Spent returns the money spent so far.
func (b *Budget) Spent() float64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.spent
}

// Cap is the budget cap (0: none).
func (b *Budget) Cap() float64 { return b.cap }

func (b *Budget) reserve(cost float64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.cap > 0 && b.spent+b.reserved+cost > b.cap+1e-12 {
		return false
	}
	b.reserved += cost
	return true
}

func (b *Budget) settle(reserved, actual float64) {
	b.mu.Lock()
	b.reserved -= reserved
	b.spent += actual
	b.mu.Unlock()
}

// Charge adds money already spent outside a call through Wrap: a call a
// killed process of the run paid for and never recorded.
func (b *Budget) Charge(ctx context.Context, cost float64) {
	if b.ledger != nil && b.cap > 0 {
		b.ledger.Settle(context.WithoutCancel(ctx), 0, cost)
	}
	b.mu.Lock()
	b.spent += cost
	b.mu.Unlock()
}

// Wrap is the budget wrapper.
func (b *Budget) Wrap(next Invoker) Invoker {
	return func(ctx context.Context, c *Call) Outcome {
		est := b.Cost(c.Endpoint, c.Estimate)
		shared := b.ledger != nil && b.cap > 0
		if shared {
			ok, err := b.ledger.Reserve(ctx, est, b.cap)
			if err != nil {
				if ctx.Err() != nil {
					return canceled(ctx)
				}
				return Outcome{Err: fmt.Errorf("shared budget: %w", err), Class: generators.Transient}
			}
			if !ok {
				return Outcome{
					Err:   fmt.Errorf("%w: the workers together have spent or reserved up to the cap of $%.4f; this call would cost about $%.4f", ErrBudget, b.cap, est),
					Class: generators.Budget,
				}
			}
		} else if !b.reserve(est) {
			return Outcome{
				Err:   fmt.Errorf("%w: $%.4f spent of $%.4f, this call would cost about $%.4f", ErrBudget, b.Spent(), b.cap, est),
				Class: generators.Budget,
			}
		}
		o := next(ctx, c)
		actual := 0.0
		if o.Resp != nil {
			actual = b.Cost(c.Endpoint, o.Resp.Usage)
		}
		if shared {
			b.ledger.Settle(context.WithoutCancel(ctx), est, actual)
			b.mu.Lock()
			b.spent += actual
			b.mu.Unlock()
		} else {
			b.settle(est, actual)
		}
		o.CostUSD = actual
		return o
	}
}
