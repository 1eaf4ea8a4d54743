package reports

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// manySeedsSpec has more seeds per prompt, and chains per prompt, than
// the index shows.
const manySeedsSpec = `
name: many-seeds
countries: [Korea, Kenya]
categories: [architecture]
variants: [traditional]
prompt_sets: [country_specific]
samples: 10
models:
  t2i: [{name: t2i, provider: sim}]
  i2i: [{name: editor, provider: sim}]
  vlm: [{name: judge, provider: sim}]
edit_chains:
  - {name: loop, kind: repeat, steps: 2, seeds_per_prompt: 10}
judge: {questions: 2}
`

// TestGalleriesPreviewManySeeds: the index and compare pages show the
// first seeds of a group and say how many there are; the group's page
// shows every image of its prompt, and every picture any page shows is in
// the report.
func TestGalleriesPreviewManySeeds(t *testing.T) {
	t.Parallel()
	out, d, r := builtReportFrom(t, manySeedsSpec)
	if len(d.Groups) == 0 {
		t.Fatal("no groups")
	}
	index := readFile(t, filepath.Join(out, "index.html"))
	compare := readFile(t, filepath.Join(out, "compare.html"))
	for _, g := range d.Groups {
		if len(g.Frames) != galleryFrames || g.Seeds != 10 || g.Chains != 10 || len(g.Strips) != 1 {
			t.Errorf("%s: index shows %d of %d seeds and %d of %d chains, want %d of 10 and 1 of 10", g.Page, len(g.Frames), g.Seeds, len(g.Strips), g.Chains, galleryFrames)
		}
		if n := strings.Count(index, `href="`+g.Page+`#`); n != galleryFrames {
			t.Errorf("index links %d images of %s, want %d", n, g.Page, galleryFrames)
		}
		page := readFile(t, filepath.Join(out, g.Page))
		ids := imagesOfPrompt(t, r, g.PromptID)
		if len(ids) != 10*3 { // 10 seeds, each with a chain of 2 edits
			t.Errorf("%s: %d images in the store, want 30", g.Page, len(ids))
		}
		for _, id := range ids {
			if !strings.Contains(page, `id="`+id+`"`) {
				t.Errorf("%s does not detail image %s", g.Page, id)
			}
		}
	}
	if !strings.Contains(index, "All 10 seeds and 10 edit chains</a> are on the prompt's page") {
		t.Error("index does not say the group page has every seed")
	}
	if !strings.Contains(compare, ">All 10 seeds</a>") {
		t.Error("compare page does not say the group page has every seed")
	}
	// Every picture linked from any page exists.
	src := regexp.MustCompile(`(?:src|href)="(?:\.\./)?(img/[^"]+)"`)
	pages, _ := filepath.Glob(filepath.Join(out, "groups", "*.html"))
	pages = append(pages, filepath.Join(out, "index.html"), filepath.Join(out, "compare.html"))
	seen := 0
	for _, p := range pages {
		for _, m := range src.FindAllStringSubmatch(readFile(t, p), -1) {
			seen++
			if _, err := os.Stat(filepath.Join(out, m[1])); err != nil {
				t.Errorf("%s shows %s, which the report lacks", filepath.Base(p), m[1])
			}
		}
	}
	if seen == 0 {
		t.Fatal("no pictures found in the pages")
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
