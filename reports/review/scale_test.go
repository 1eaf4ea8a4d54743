package review

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const scaleSpec = `
name: review-scale
countries: [China, India, Kenya, Korea, Nigeria, United States]
categories: [food, architecture]
samples: 5
models:
  t2i: [{name: t2i, provider: sim}]
  i2i: [{name: editor, provider: sim}]
  vlm: [{name: judge, provider: sim}]
edit_chains:
  - {name: loop, kind: repeat, steps: 5, categories: [architecture]}
judge: {best_worst: [0, 1, 3, 5]}
review:
  per_cell: 10
  versions: 5
  reviewers:
    China: [c1, c2, c3]
    India: [i1, i2, i3]
    Kenya: [k1, k2, k3]
    Korea: [r1, r2, r3]
    Nigeria: [n1, n2, n3]
    United States: [u1, u2, u3]
`

// TestRoundTripAtScale: 3 reviewers x 6 countries x about 100 images each
// fill in every row (some left blank), and every typed value comes back.
func TestRoundTripAtScale(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("-short")
	}
	r, a := simRun(t, scaleSpec)
	start := time.Now()
	res, err := Export(context.Background(), r.Run, r.Cache.Blobs, a.Review, t.TempDir(), "xlsx")
	if err != nil {
		t.Fatal(err)
	}
	exported := time.Since(start)
	if len(res.Files) != 18 {
		t.Fatalf("%d files, want 18", len(res.Files))
	}
	perCountry := res.Rows / 18
	typed := map[string][]any{}
	for _, path := range res.Files {
		rev := strings.TrimSuffix(filepath.Base(path), ".xlsx")
		for id, v := range fill(t, path, "", "2026-11-20T10:00:00Z", answer(rev)) {
			typed[rev[strings.LastIndex(rev, "-")+1:]+"/"+id] = v
		}
	}
	start = time.Now()
	for _, path := range res.Files {
		if _, _, err := importFile(t, r.Run, path); err != nil {
			t.Fatal(err)
		}
	}
	imported := time.Since(start)
	got := stored(t, r.Run)
	lost := 0
	for k, v := range typed {
		g, ok := got[k]
		want := fmt.Sprint(v[0])[:1] + fmt.Sprint(v[1]) + fmt.Sprint(v[3] == "Best", v[4] == "Worst") + fmt.Sprint(v[5])
		if !ok || fmt.Sprint(g.Quality)+fmt.Sprint(g.Cultural)+fmt.Sprint(g.Best, g.Worst)+g.Comment != want {
			lost++
		}
	}
	t.Logf("%d rows (%d per country per reviewer) in 18 files: export %v, import %v; %d ratings typed, %d stored, %d lost or changed",
		res.Rows, perCountry, exported.Round(time.Millisecond), imported.Round(time.Millisecond), len(typed), len(got), lost)
	if perCountry < 100 || lost > 0 || len(got) != len(typed) {
		t.Errorf("round trip: %d rows per country, %d of %d ratings lost or changed, %d stored", perCountry, lost, len(typed), len(got))
	}
}
