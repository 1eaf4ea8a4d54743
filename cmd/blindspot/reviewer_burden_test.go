package main

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/xuri/excelize/v2"
)

// TestReviewerBurden takes the burden through the reviewers: a run whose
// chains are all exported for review at every step, a reviewer who finds
// each chain's images acceptable from step 2 on, the import, and the run
// again. Every rated chain's first acceptable step is then 2, by the
// reviewers' rating, in the export and the metrics.
func TestReviewerBurden(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	spec := `name: rb
countries: [Kenya, Korea]
categories: [architecture]
prompt_sets: [country_specific]
samples: 2
models:
  t2i: [{name: t2i, provider: sim}]
  i2i: [{name: editor, provider: sim}]
  vlm: [{name: judge, provider: sim}]
edit_chains:
  - {name: loop, kind: repeat, steps: 3, seeds_per_prompt: 2}
review:
  steps: [0, 1, 2, 3]
  per_cell: 100
analysis:
  acceptable: {judge_accuracy: 0.75, reviewer_rating: 4}
output: runs/rb
`
	if err := os.WriteFile(filepath.Join(dir, "rb.yaml"), []byte(spec), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := runCLI(t, dir, "run", "rb.yaml", "-q"); code != ExitOK {
		t.Fatalf("run: %d %s %s", code, out, errs)
	}
	if code, out, errs := runCLI(t, dir, "sheets", "export", "runs/rb"); code != ExitOK {
		t.Fatalf("sheets export: %d %s %s", code, out, errs)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "runs/rb/sheets/*.xlsx"))
	if len(files) != 2 {
		t.Fatalf("%d sheets, want one per country", len(files))
	}
	for _, p := range files {
		f, err := excelize.OpenFile(p)
		if err != nil {
			t.Fatal(err)
		}
		f.SetCellValue("Instructions", "C4", "amina")
		rows, _ := f.GetRows("Ratings")
		for r := 2; r <= len(rows); r++ {
			step, _ := strconv.Atoi(rows[r-1][5]) // F: Step
			cr := 1
			if step >= 2 {
				cr = 5
			}
			f.SetCellValue("Ratings", fmt.Sprintf("G%d", r), 3)
			f.SetCellValue("Ratings", fmt.Sprintf("H%d", r), cr)
			if len(rows[r-1]) <= 8 || rows[r-1][8] != "n/a" { // I: Prompt Alignment, where asked
				f.SetCellValue("Ratings", fmt.Sprintf("I%d", r), 3)
			}
		}
		if err := f.Save(); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	if code, out, errs := runCLI(t, dir, append([]string{"sheets", "import", "runs/rb"}, files...)...); code != ExitOK {
		t.Fatalf("sheets import: %d %s %s", code, out, errs)
	}
	if code, out, errs := runCLI(t, dir, "run", "rb.yaml", "-q"); code != ExitOK {
		t.Fatalf("run after the import: %d %s %s", code, out, errs)
	}
	if code, out, errs := runCLI(t, dir, "export", "runs/rb"); code != ExitOK {
		t.Fatalf("export: %d %s %s", code, out, errs)
	}
	read := func(name string) []map[string]string {
		f, err := os.Open(filepath.Join(dir, "runs/rb/export", name))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		recs, err := csv.NewReader(f).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		var out []map[string]string
		for _, r := range recs[1:] {
			m := map[string]string{}
			for i, h := range recs[0] {
				m[h] = r[i]
			}
			out = append(out, m)
		}
		return out
	}
	chains := 0
	for _, r := range read("burden.csv") {
		if r["source"] != "reviewer_rating" {
			continue
		}
		chains++
		if r["event_step"] != "2" || r["censored"] != "0" {
			t.Errorf("chain %s toward %s: event step %q (censored %s), want 2", r["chain_id"], r["target"], r["event_step"], r["censored"])
		}
	}
	// 2 countries x 2 seeds x every architecture prompt of each.
	if chains < 4 {
		t.Fatalf("%d chains read through the reviewers, want every exported chain", chains)
	}
	means := 0
	for _, m := range read("metrics.csv") {
		if m["name"] == "burden_mean_steps@reviewer_rating" && m["category"] == "" {
			means++
			if v, _ := strconv.ParseFloat(m["value"], 64); v != 2 {
				t.Errorf("%s: mean edits %s by the reviewers, want 2", m["country"], m["value"])
			}
		}
	}
	if means != 2 {
		t.Errorf("%d countries with the reviewers' mean edits, want 2", means)
	}
}
