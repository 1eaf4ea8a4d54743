package metrics

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/blindspot-audit/blindspot/audit/store"
	"github.com/blindspot-audit/blindspot/generators"
	"github.com/blindspot-audit/blindspot/generators/sim"
)

// driftFixture makes chains of 512x512 simulated images: each edited image
// is compared with step 0 and with its previous step, two pairs an image.
func driftFixture(tb testing.TB, dir string, nChains, steps int) (*store.Run, *store.Cache, []*record) {
	cache, err := store.OpenCache(filepath.Join(dir, "cache"))
	if err != nil {
		tb.Fatal(err)
	}
	run, err := store.OpenRun(filepath.Join(dir, "run"))
	if err != nil {
		tb.Fatal(err)
	}
	p, _ := sim.New(sim.Options{Size: 512})
	ctx := context.Background()
	var recs []*record
	countries := []string{"Kenya", "Korea", "India", "China"}
	for c := 0; c < nChains; c++ {
		country := countries[c%len(countries)]
		g, err := p.Generate(ctx, generators.ImageRequest{Model: "m", Prompt: "House in " + country, Seed: int64(c)})
		if err != nil {
			tb.Fatal(err)
		}
		sha, _ := cache.Blobs.Put(g.Image)
		base := &record{origin: &origin{kind: store.KindGenerated, model: "g", set: "country_specific", country: country}, id: fmt.Sprintf("c%d-0", c), status: store.StatusOK, sha: sha}
		recs = append(recs, base)
		prev, img := base, g.Image
		for s := 1; s <= steps; s++ {
			e, err := p.Edit(ctx, generators.EditRequest{Model: "e", Instruction: "Change the image to represent house in " + country + ".", Image: img, Seed: int64(s)})
			if err != nil {
				tb.Fatal(err)
			}
			sha, _ := cache.Blobs.Put(e.Image)
			r := &record{origin: &origin{kind: store.KindEdited, model: "e", set: "country_specific", target: country, chain: "loop"}, id: fmt.Sprintf("c%d-%d", c, s), step: s, status: store.StatusOK, parent: prev.id, sha: sha}
			recs = append(recs, r)
			prev, img = r, e.Image
		}
	}
	return run, cache, recs
}

// BenchmarkDriftPairs measures 1,000 pairs of 512x512 images (100 chains
// of 5 edits, each against step 0 and the previous step): decoding,
// reduction, SSIM, pHash, colour and edge distances, and storing, on every
// core. The bar is under 10 s.
func BenchmarkDriftPairs(b *testing.B) {
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		run, cache, recs := driftFixture(b, b.TempDir(), 100, 5)
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		b.StartTimer()
		d, err := measureDrift(context.Background(), run, cache.Blobs, recs)
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(len(d)), "pairs")
		b.ReportMetric(float64(after.HeapInuse)/(1<<20), "heap_after_MB")
		run.Close()
		cache.Close()
	}
}

func TestDriftMeasuresChains(t *testing.T) {
	t.Parallel()
	run, cache, recs := driftFixture(t, t.TempDir(), 4, 3)
	defer run.Close()
	defer cache.Close()
	d, err := measureDrift(context.Background(), run, cache.Blobs, recs)
	if err != nil {
		t.Fatal(err)
	}
	if len(d) != 4*3*2 {
		t.Fatalf("%d drift rows, want 24", len(d))
	}
	for k, v := range d {
		if v.SSIM < -1 || v.SSIM > 1 || v.Color < 0 || v.Color > 1 || v.PHash < 0 || v.PHash > 1 {
			t.Errorf("%v: out of range %+v", k, v)
		}
		// The simulated editor keeps the layout: structure stays close.
		if v.Edge > 0.5 {
			t.Errorf("%v: edge distance %v for a structure-keeping edit", k, v.Edge)
		}
	}
	// A second pass finds everything stored and computes nothing.
	again, err := measureDrift(context.Background(), run, cache.Blobs, recs)
	if err != nil || len(again) != len(d) {
		t.Fatalf("second pass: %d rows, %v", len(again), err)
	}
}
