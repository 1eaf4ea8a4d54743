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
				if r, sha, ok, err := c.Get(ctx, call.Key); err == nil && ok {
					return Outcome{Resp: r, ImageSHA: sha, CacheHit: true}
				}
			}
			o := next(ctx, call)
			if o.Class == "" && o.Resp != nil {
				sha, err := c.Put(call.Key, call.Endpoint, o.Resp)
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
