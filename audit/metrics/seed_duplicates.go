package metrics

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"math/bits"
	"runtime"
	"strconv"
	"sync"

	"github.com/sourcegraph/conc/pool"

	"github.com/blindspot-audit/blindspot/audit/drift"
	"github.com/blindspot-audit/blindspot/audit/store"
)

// perceptualDuplicates counts, per model, generated images that are not
// byte-identical to another seed's image of the same prompt but have the
// same 64-bit perceptual hash (distance 0): a model that nearly ignores
// seeds. They are reported, not left out of n (a pHash can match for
// different images). Hashes are computed once per image and stored.
func perceptualDuplicates(ctx context.Context, run *store.Run, blobs *store.Blobs, recs []*record) (map[string]int, error) {
	type cell struct{ model, prompt string }
	members := map[cell][]*record{}
	seen := map[string]bool{}
	for _, r := range recs {
		if r.kind != store.KindGenerated || r.status != store.StatusOK || r.duplicate || r.sha == "" || seen[r.id] {
			continue
		}
		seen[r.id] = true
		members[cell{r.model, r.promptID}] = append(members[cell{r.model, r.promptID}], r)
	}
	have, err := run.PHashes(ctx)
	if err != nil {
		return nil, err
	}
	var todo []string
	queued := map[string]bool{}
	for _, rs := range members {
		if len(rs) < 2 {
			continue
		}
		for _, r := range rs {
			if _, ok := have[r.sha]; !ok && !queued[r.sha] {
				queued[r.sha] = true
				todo = append(todo, r.sha)
			}
		}
	}
	if len(todo) > 0 {
		var mu sync.Mutex
		fresh := map[string]string{}
		p := pool.New().WithErrors().WithMaxGoroutines(runtime.GOMAXPROCS(0))
		for _, sha := range todo {
			p.Go(func() error {
				data, err := blobs.Get(sha)
				if err != nil {
					return fmt.Errorf("perceptual hash of %s: %w", sha, err)
				}
				img, _, err := image.Decode(bytes.NewReader(data))
				if err != nil {
					return fmt.Errorf("perceptual hash of %s: %w", sha, err)
				}
				h, err := drift.PHashOf(img)
				if err != nil {
					return fmt.Errorf("perceptual hash of %s: %w", sha, err)
				}
				mu.Lock()
				fresh[sha] = h
				mu.Unlock()
				return nil
			})
		}
		if err := p.Wait(); err != nil {
			return nil, err
		}
		if err := run.PutPHashes(fresh); err != nil {
			return nil, err
		}
		for k, v := range fresh {
			have[k] = v
		}
	}
	out := map[string]int{}
	for c, rs := range members {
		for i, r := range rs {
			a, _ := strconv.ParseUint(have[r.sha], 16, 64)
			for _, o := range rs[:i] {
				b, _ := strconv.ParseUint(have[o.sha], 16, 64)
				if have[r.sha] != "" && have[o.sha] != "" && bits.OnesCount64(a^b) == 0 {
					out[c.model]++
					break
				}
			}
		}
	}
	return out, nil
}

// storePerceptual records the counts for the summary.
func storePerceptual(run *store.Run, counts map[string]int) error {
	return run.SetPerceptualDuplicates(counts)
}
