package audit

import (
	"context"
	"testing"

	"github.com/blindspot-audit/blindspot/audit/metrics"
)

// TestHashesAtIngest: the perceptual hash of every generated image, made
// from the pixels decoded while calling, equals what the metrics stage
// computes from the stored image when the store lacks it.
func TestHashesAtIngest(t *testing.T) {
	a := loadSpec(t, `name: ingest
countries: [Kenya, Korea]
categories: [architecture]
samples: 2
models:
  t2i: [{name: t2i, provider: sim}]
`)
	r := runAll(t, a, t.TempDir(), Options{})
	ctx := context.Background()
	hashes, err := r.Run.PHashes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(hashes) != 6*2*2 {
		t.Fatalf("%d hashes stored while calling, want %d", len(hashes), 6*2*2)
	}
	if _, err := r.Run.DB().ExecContext(ctx, "DELETE FROM phashes"); err != nil {
		t.Fatal(err)
	}
	if _, err := metrics.Compute(ctx, r.Run, r.Cache.Blobs); err != nil {
		t.Fatal(err)
	}
	again, _ := r.Run.PHashes(ctx)
	if len(again) != len(hashes) {
		t.Fatalf("%d hashes recomputed, %d made while calling", len(again), len(hashes))
	}
	for sha, h := range hashes {
		if again[sha] != h {
			t.Errorf("perceptual hash of %s: %s while calling, %s from the store", sha, h, again[sha])
		}
	}
}
