package policy

import (
	"context"

	"github.com/blindspot-audit/blindspot/audit/store"
)

// Cache answers from the response cache when it can and stores every
// successful response. With fresh set it never answers from the cache but
// still refreshes it.
func Cache(c *store.Cache, fresh bool) Wrapper {
	return func(next Invoker) Invoker {
		return func(ctx context.Context, call *Call) Outcome {
			if !fresh {
				if r, ok, err := c.Get(ctx, call.Key); err == nil && ok {
					return Outcome{Resp: r, CacheHit: true}
				}
			}
			o := next(ctx, call)
			if o.Class == "" && o.Resp != nil {
				if err := c.Put(call.Key, call.Endpoint, o.Resp); err != nil {
					// A response we cannot cache is still a good response;
					// the run store records it, only re-use is lost.
					o.Err = nil
				}
			}
			return o
		}
	}
}
