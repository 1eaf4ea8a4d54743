package policy

import (
	"context"

	"github.com/blindspot-audit/blindspot/audit/store"
)

// Accounting lets the cache charge a run for what it paid but never
// recorded: a process of the run killed after a response reached the cache
// and before its call reached the run store. Without it a resumed run
// would take that response as a free cache hit, and its budget and costs
// would come out short.
type Accounting struct {
	// Run is the run's ID; Process this process's, unique per start.
	Run, Process string
	// Recorded reports whether the run store holds a paid call with this
	// request key.
	Recorded func(ctx context.Context, key string) (bool, error)
	// Charge adds a recovered cost to the budget.
	Charge func(ctx context.Context, costUSD float64)
}

// Cache answers from the response cache when it can and stores every
// successful response with what it cost and who paid for it. With fresh
// set it never answers from the cache but still refreshes it. A hit that
// another process of this run paid for but never recorded is charged now
// (Outcome.Recovered), once.
func Cache(c *store.Cache, fresh bool, acct *Accounting) Wrapper {
	return func(next Invoker) Invoker {
		return func(ctx context.Context, call *Call) Outcome {
			if !fresh {
				if r, sha, paid, ok, err := c.GetPaid(ctx, call.Key); err == nil && ok {
					o := Outcome{Resp: r, ImageSHA: sha, CacheHit: true}
					if acct != nil && paid.CostUSD > 0 && paid.Run == acct.Run && paid.Process != acct.Process {
						if rec, err := acct.Recorded(ctx, call.Key); err == nil && !rec {
							acct.Charge(ctx, paid.CostUSD)
							o.CostUSD, o.Recovered = paid.CostUSD, true
						}
					}
					return o
				}
			}
			o := next(ctx, call)
			if o.Class == "" && o.Resp != nil {
				var paid store.Paid
				if acct != nil {
					paid = store.Paid{CostUSD: o.CostUSD, Run: acct.Run, Process: acct.Process}
				}
				sha, err := c.PutPaid(call.Key, call.Endpoint, o.Resp, paid)
				if err != nil {
					// The response is good but cannot be kept: report it
					// as the store failure it is rather than lose it later.
					o.StoreErr = err
				}
				o.ImageSHA = sha
			}
			return o
		}
	}
}
