package review

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/blindspot-audit/blindspot/audit"
)

// TestPromptGroupsShowSampledVersions: a prompt group shows
// review.versions of its seeds, the same ones in every selection and for
// every reviewer, and a sheet does not grow with the seeds.
func TestPromptGroupsShowSampledVersions(t *testing.T) {
	t.Parallel()
	const text = `
name: versions
countries: [Kenya, Korea]
categories: [food]
variants: [traditional]
prompt_sets: [country_specific]
samples: 9
models:
  t2i: [{name: t2i, provider: sim}]
  vlm: [{name: judge, provider: sim}]
review: {per_cell: 3, versions: 3}
`
	r, a := simRun(t, text)
	groups, err := Select(context.Background(), r.Run.DB(), a.Review)
	if err != nil {
		t.Fatal(err)
	}
	if len(groups) != 6 {
		t.Fatalf("%d groups, want 3 per country", len(groups))
	}
	seeds := map[int64]int{}
	for _, g := range groups {
		if g.Kind != KindPrompt || len(g.Items) != 3 {
			t.Fatalf("group %s (%s): %d items, want 3", g.ID, g.Kind, len(g.Items))
		}
		if !slices.IsSortedFunc(g.Items, func(x, y Item) int { return strings.Compare(x.ImageID, y.ImageID) }) {
			t.Errorf("group %s: items not in image order", g.ID)
		}
		for _, it := range g.Items {
			seeds[seedOf(t, r, it.ImageID)]++
		}
	}
	// Sampled per group, not the first three seeds everywhere.
	if len(seeds) <= 3 {
		t.Errorf("the groups show seeds %v: the same few everywhere", seeds)
	}
	again, err := Select(context.Background(), r.Run.DB(), a.Review)
	if err != nil {
		t.Fatal(err)
	}
	for i := range groups {
		if !slices.Equal(groups[i].Items, again[i].Items) {
			t.Fatalf("group %s differs between two selections", groups[i].ID)
		}
	}
}

func seedOf(t *testing.T, r *audit.Runner, imageID string) int64 {
	t.Helper()
	var seed int64
	if err := r.Run.DB().QueryRow(`SELECT seed FROM images WHERE id = ?`, imageID).Scan(&seed); err != nil {
		t.Fatal(err)
	}
	return seed
}
