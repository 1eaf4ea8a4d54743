package reports

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/blindspot-audit/blindspot/audit"
	"github.com/blindspot-audit/blindspot/prompts"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// TestReportDataGolden pins the report's data (sections with their chart
// options and tables, galleries, filters) for a fixed simulator run.
func TestReportDataGolden(t *testing.T) {
	t.Parallel()
	r := simRun(t, reportSpec)
	d, err := BuildData(context.Background(), r.Run, r.Summary)
	if err != nil {
		t.Fatal(err)
	}
	got, err := json.MarshalIndent(d, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	path := filepath.Join("testdata", "report-data.json")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./reports -run Golden -update)", err)
	}
	if !bytes.Equal(got, want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := range min(len(gl), len(wl)) {
			if gl[i] != wl[i] {
				t.Fatalf("report data differs from %s at line %d:\n got %s\nwant %s\n(run go test ./reports -run Golden -update if the change is intended)", path, i+1, gl[i], wl[i])
			}
		}
		t.Fatalf("report data differs from %s in length: %d lines, want %d", path, len(gl), len(wl))
	}
	ids := map[string]bool{}
	for _, s := range d.Sections {
		ids[s.ID] = true
		for _, c := range s.Charts {
			if len(s.Tables) == 0 {
				t.Errorf("section %s: chart %s has no table beside it", s.ID, c.ID)
			}
		}
	}
	for _, want := range []string{"accuracy", "bars", "drift", "defaults", "diversity", "refusals", "picks", "stories"} {
		if !ids[want] {
			t.Errorf("section %s missing", want)
		}
	}
}

// TestGroupPagesLinked: each group page links to its neighbours in gallery
// order, and an edit strip marks the judge's best and worst step.
func TestGroupPagesLinked(t *testing.T) {
	t.Parallel()
	out, d := builtReport(t)
	if len(d.Groups) < 3 {
		t.Fatalf("%d groups", len(d.Groups))
	}
	page := func(g Group) string {
		b, err := os.ReadFile(filepath.Join(out, g.Page))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	first, second := page(d.Groups[0]), page(d.Groups[1])
	next := `href="` + filepath.Base(d.Groups[1].Page) + `" rel="next"`
	prev := `href="` + filepath.Base(d.Groups[0].Page) + `" rel="prev"`
	if !strings.Contains(first, next) || strings.Contains(first, `rel="prev"`) || !strings.Contains(second, prev) {
		t.Errorf("group links: first page has next %v and prev %v; second has prev %v", strings.Contains(first, next), strings.Contains(first, `rel="prev"`), strings.Contains(second, prev))
	}
	marked := 0
	for _, g := range d.Groups {
		for _, s := range g.Strips {
			if s.Best >= 0 {
				p := page(g)
				if !strings.Contains(p, `class="best"`) || !strings.Contains(p, "judge's best") {
					t.Errorf("%s: a strip with a pick shows no best step", g.Page)
				}
				marked++
			}
		}
	}
	if marked == 0 {
		t.Error("no strip carries a pick (the spec asks for best/worst picks)")
	}
}

// TestCountriesCompared: compare.html draws each subject for every
// country, a row per country, each linking to its group page, and each
// edit chain of a subject across countries.
func TestCountriesCompared(t *testing.T) {
	t.Parallel()
	out, d := builtReport(t)
	cs := comparisons(d.Groups)
	if len(cs) == 0 || !d.Compared {
		t.Fatal("no comparison")
	}
	countries := map[string]bool{}
	for _, g := range d.Groups {
		if g.Set == prompts.SetCountry {
			countries[g.Country] = true
		}
	}
	for _, c := range cs {
		if len(c.Rows) != len(countries) {
			t.Errorf("%s/%s/%s: %d rows, want one per country (%d)", c.Model, c.Subcategory, c.Variant, len(c.Rows), len(countries))
		}
		for i := 1; i < len(c.Rows); i++ {
			if c.Rows[i-1].Country >= c.Rows[i].Country {
				t.Errorf("%s: rows out of order", c.Subcategory)
			}
		}
	}
	page, err := os.ReadFile(filepath.Join(out, "compare.html"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(page), `<section id="c`); n != len(cs) {
		t.Errorf("compare.html has %d blocks, want %d", n, len(cs))
	}
	if !strings.Contains(string(page), `href="`+cs[0].Rows[0].Page+`"`) {
		t.Error("a row does not link to its group page")
	}
	index, _ := os.ReadFile(filepath.Join(out, "index.html"))
	if !strings.Contains(string(index), `href="compare.html"`) {
		t.Error("the report does not link to compare.html")
	}
	// Edit chains: the repeat chain of each architecture subject, a row
	// per country, each strip the first seed's, steps 0 to 3.
	chains := chainComparisons(d.Groups)
	loops := 0
	for _, c := range chains {
		if c.Chain != "loop" {
			continue
		}
		loops++
		if len(c.Rows) != len(countries) {
			t.Errorf("loop chain of %s/%s: %d rows, want one per country (%d)", c.Subcategory, c.Variant, len(c.Rows), len(countries))
		}
		for i, r := range c.Rows {
			if len(r.Strip.Frames) != 4 || r.Strip.Frames[0].Step != 0 || r.Strip.Frames[3].Step != 3 {
				t.Errorf("loop chain of %s in %s: %d frames", c.Subcategory, r.Country, len(r.Strip.Frames))
			}
			if i > 0 && c.Rows[i-1].Country >= r.Country {
				t.Errorf("loop chain of %s: rows out of order", c.Subcategory)
			}
		}
	}
	if loops == 0 {
		t.Fatal("no edit chain compared across countries")
	}
	if n := strings.Count(string(page), `<section id="e`); n != len(chains) {
		t.Errorf("compare.html has %d chain blocks, want %d", n, len(chains))
	}
}

// builtReport writes the report of a simulator run and returns its folder
// and the data it was made from.
func builtReport(t *testing.T) (string, *Data) {
	t.Helper()
	out, d, _ := builtReportOf(t)
	return out, d
}

// builtReportOf is builtReport that also returns the run.
func builtReportOf(t *testing.T) (string, *Data, *audit.Runner) {
	t.Helper()
	return builtReportFrom(t, reportSpec)
}

// builtReportFrom runs spec on the simulator and writes its report: the
// folder, the data it was built from, and the run.
func builtReportFrom(t *testing.T, spec string) (string, *Data, *audit.Runner) {
	t.Helper()
	r := simRun(t, spec)
	out := filepath.Join(t.TempDir(), "report")
	if _, err := WriteHTML(context.Background(), r.Run, r.Cache.Blobs, r.Summary, Options{Out: out, Version: "test"}); err != nil {
		t.Fatal(err)
	}
	d, err := BuildData(context.Background(), r.Run, r.Summary)
	if err != nil {
		t.Fatal(err)
	}
	return out, d, r
}

// TestGroupPagesShowEveryAnswer: the judges' scores and answers, read
// group by group as the pages are written, all reach their page: a
// caption with the accuracy per scored judgement and a row per answer of
// every image the page details.
func TestGroupPagesShowEveryAnswer(t *testing.T) {
	t.Parallel()
	out, d, r := builtReportOf(t)
	count := func(query, id string) int {
		var n int
		if err := r.Run.DB().QueryRow(query, id).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	answers := func(id string) int { return count(`SELECT COUNT(*) FROM answers WHERE image_id = ?`, id) }
	scored := func(id string) int {
		return count(`SELECT COUNT(*) FROM scores WHERE image_id = ? AND accuracy IS NOT NULL`, id)
	}
	total := 0
	for _, g := range d.Groups {
		// The spec has one text-to-image model: every image of the prompt
		// is on its group's page (the index shows a preview of them).
		want, wantScored := 0, 0
		for _, id := range imagesOfPrompt(t, r, g.PromptID) {
			want += answers(id)
			wantScored += scored(id)
		}
		b, err := os.ReadFile(filepath.Join(out, g.Page))
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Count(string(b), "<tr><td>"); got != want {
			t.Errorf("%s: %d answer rows, want %d", g.Page, got, want)
		}
		if got := strings.Count(string(b), ": accuracy "); got != wantScored {
			t.Errorf("%s: %d judgements with an accuracy, want %d", g.Page, got, wantScored)
		}
		total += want
	}
	if total == 0 {
		t.Fatal("no answers shown: the spec's judge asks questions")
	}
}

func imagesOfPrompt(t *testing.T, r *audit.Runner, promptID string) []string {
	t.Helper()
	rows, err := r.Run.DB().Query(`SELECT id FROM images WHERE prompt_id = ? AND status = 'ok' AND image_sha != '' ORDER BY id`, promptID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return ids
}
