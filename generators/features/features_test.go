package features

import (
	"context"
	"math"
	"testing"

	"github.com/blindspot-audit/blindspot/generators"
	"github.com/blindspot-audit/blindspot/generators/conformance"
	"github.com/blindspot-audit/blindspot/generators/sim"
)

func TestLab(t *testing.T) {
	for _, tc := range []struct {
		r, g, b float64
		want    [3]float64
	}{{1, 1, 1, [3]float64{100, 0, 0}}, {0, 0, 0, [3]float64{0, 0, 0}}, {1, 0, 0, [3]float64{53.24, 80.09, 67.20}}} {
		got := toLab(tc.r, tc.g, tc.b)
		for i := range got {
			if math.Abs(got[i]-tc.want[i]) > 0.1 {
				t.Errorf("Lab(%v,%v,%v) = %v, want %v", tc.r, tc.g, tc.b, got, tc.want)
				break
			}
		}
	}
}

func TestSeparatesCultures(t *testing.T) {
	p, _ := sim.New(sim.Options{Bias: sim.Bias{DefaultFidelity: ptr(1)}, Size: 128})
	ctx := context.Background()
	emb := func(prompt string, seed int64) []float64 {
		img, _ := p.Generate(ctx, generators.ImageRequest{Model: "m", Prompt: prompt, Seed: seed})
		r, err := Embedder{}.Embed(ctx, generators.EmbedRequest{Image: img.Image})
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Vector) != Dim {
			t.Fatalf("dimension %d, want %d", len(r.Vector), Dim)
		}
		return r.Vector
	}
	dot := func(a, b []float64) (s float64) {
		for i := range a {
			s += a[i] * b[i]
		}
		return
	}
	k1, k2, c := emb("Traditional house in Kenya", 1), emb("Traditional house in Kenya", 2), emb("Traditional house in China", 1)
	if math.Abs(dot(k1, k1)-1) > 1e-9 {
		t.Fatal("not normalised")
	}
	if dot(k1, k2) <= dot(k1, c) {
		t.Fatalf("two Kenyan houses %.3f are less alike than Kenya and China %.3f", dot(k1, k2), dot(k1, c))
	}
	if _, err := (Embedder{}).Embed(ctx, generators.EmbedRequest{Text: "x"}); generators.ClassOf(err) != generators.Permanent {
		t.Fatalf("text: %v", err)
	}
}

func TestConformance(t *testing.T) {
	skip := map[conformance.Fault]string{}
	for f := range conformance.Want {
		skip[f] = "an in-process embedder has no server to fail"
	}
	conformance.Run(t, conformance.Harness{Embedder: Embedder{}, SetFault: func(conformance.Fault) {}, Skip: skip})
}

func ptr(f float64) *float64 { return &f }
