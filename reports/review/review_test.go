package review

import (
	"bytes"
	"context"
	"fmt"
	"image"
	_ "image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/blindspot-audit/blindspot/audit"
	"github.com/blindspot-audit/blindspot/audit/audittest"
	"github.com/blindspot-audit/blindspot/audit/spec"
	"github.com/blindspot-audit/blindspot/audit/store"
)

const reviewSpec = `
name: review-test
countries: [Korea, Kenya, United States]
categories: [food, architecture]
samples: 2
models:
  t2i:
    - {name: t2i, provider: sim, sim: {bias: {default_culture: United States, fidelity: {Korea: 0.9, Kenya: 0.4}}}}
  i2i:
    - {name: editor, provider: sim}
  vlm:
    - {name: judge, provider: sim, sim: {noise: 0.05}}
edit_chains:
  - {name: loop, kind: repeat, steps: 5, categories: [architecture]}
judge: {ratings: true, best_worst: [0, 1, 3, 5]}
review:
  per_cell: 3
  reviewers: {Kenya: [amina, otieno, wanjiru]}
`

func simRun(t testing.TB, text string) (*audit.Runner, *spec.Audit) {
	r := audittest.Run(t, text)
	return r, r.Plan.Audit
}

// fillFn decides what a reviewer types in a row: the values of columns G
// to L (quality, cultural, alignment, best, worst, comment).
type fillFn func(row int, id, group, alignment string) []any

// fill opens an exported workbook, types values as a reviewer would and
// saves it with a new modified time.
func fill(t testing.TB, path, reviewer, modified string, fn fillFn) map[string][]any {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if reviewer != "" {
		f.SetCellValue(SheetInstructions, ReviewerCell, reviewer)
	}
	rows, err := f.GetRows(SheetRatings)
	if err != nil {
		t.Fatal(err)
	}
	typed := map[string][]any{}
	for i, r := range rows[1:] {
		row := i + 2
		vals := fn(row, r[colID], r[colGroup], r[colAlignment])
		if vals == nil {
			continue
		}
		if err := f.SetSheetRow(SheetRatings, fmt.Sprintf("G%d", row), &vals); err != nil {
			t.Fatal(err)
		}
		typed[r[colID]] = vals
	}
	if err := f.SetDocProps(&excelize.DocProperties{Modified: modified, Creator: reviewer}); err != nil {
		t.Fatal(err)
	}
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	return typed
}

func importFile(t testing.TB, run *store.Run, path string) (*Checked, store.ImportOutcome, error) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	c, err := Check(context.Background(), run, path, data)
	if err != nil {
		return nil, store.ImportOutcome{}, err
	}
	out, err := Record(run, c)
	if err != nil {
		t.Fatal(err)
	}
	return c, out, nil
}

func TestExportWritesSheets(t *testing.T) {
	t.Parallel()
	r, a := simRun(t, reviewSpec)
	dir := t.TempDir()
	res, err := Export(context.Background(), r.Run, r.Cache.Blobs, a.Review, dir, "xlsx")
	if err != nil {
		t.Fatal(err)
	}
	names := []string{}
	for _, f := range res.Files {
		names = append(names, filepath.Base(f))
	}
	want := "review-Kenya-amina.xlsx review-Kenya-otieno.xlsx review-Kenya-wanjiru.xlsx review-Korea.xlsx review-United_States.xlsx"
	if strings.Join(names, " ") != want {
		t.Fatalf("files %v, want %s", names, want)
	}
	f, err := excelize.OpenFile(res.Files[0])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, _ := f.GetRows(SheetRatings)
	if len(rows) < 10 || strings.Join(rows[0], "|") != strings.Join(Columns, "|") {
		t.Fatalf("Ratings: %d rows, header %v", len(rows), rows[0])
	}
	pics, err := f.GetPictures(SheetRatings, "C2")
	if err != nil || len(pics) != 1 {
		t.Fatalf("no picture in C2: %v %d", err, len(pics))
	}
	// Large enough to judge, with room in its row and column.
	if cfg, _, err := image.DecodeConfig(bytes.NewReader(pics[0].File)); err != nil || cfg.Width != spec.DefaultReviewImagePx {
		t.Errorf("picture %dpx wide (%v), want %d", cfg.Width, err, spec.DefaultReviewImagePx)
	}
	if h, _ := f.GetRowHeight(SheetRatings, 2); h < float64(spec.DefaultReviewImagePx)*0.75 {
		t.Errorf("row height %.0f pt does not hold the picture", h)
	}
	// The id links to the full-size image, which is beside the sheet.
	if ok, target, err := f.GetCellHyperLink(SheetRatings, "A2"); err != nil || !ok {
		t.Errorf("A2 has no link to the full image: %v", err)
	} else if fi, err := os.Stat(filepath.Join(dir, filepath.FromSlash(target))); err != nil || fi.Size() == 0 {
		t.Errorf("the link %q leads to no image: %v", target, err)
	}
	// The id, group and picture columns and the header stay in view.
	if panes, err := f.GetPanes(SheetRatings); err != nil || !panes.Freeze || panes.XSplit != 3 || panes.YSplit != 1 {
		t.Errorf("panes %+v (%v): want the first 3 columns and the header frozen", panes, err)
	}
	// Each group starts under a rule.
	groupStart := 0
	for i, row := range rows[1:] {
		if i > 0 && row[colGroup] != rows[i][colGroup] {
			groupStart = i + 2 // a 1-based row number
			break
		}
	}
	if groupStart == 0 {
		t.Fatal("one group only")
	}
	for _, cell := range []string{fmt.Sprintf("B%d", groupStart), fmt.Sprintf("B%d", groupStart+1)} {
		id, _ := f.GetCellStyle(SheetRatings, cell)
		st, _ := f.GetStyle(id)
		top := false
		for _, b := range st.Border {
			top = top || (b.Type == "top" && b.Style >= 2)
		}
		if want := cell == fmt.Sprintf("B%d", groupStart); top != want {
			t.Errorf("%s: rule above %v, want %v", cell, top, want)
		}
	}
	if layout, err := f.GetPageLayout(SheetRatings); err != nil || layout.Orientation == nil || *layout.Orientation != "landscape" || layout.FitToWidth == nil || *layout.FitToWidth != 1 {
		t.Errorf("print setup %+v (%v): want landscape, fitted to the width", layout, err)
	}
	if v, _ := f.GetCellValue(SheetInstructions, ReviewerCell); v != "amina" {
		t.Errorf("reviewer cell %q, want amina", v)
	}
	if vis, _ := f.GetColVisible(SheetRatings, "M"); vis {
		t.Error("the integrity column is visible")
	}
	if vis, _ := f.GetSheetVisible(SheetMeta); vis {
		t.Error("the Meta sheet is visible")
	}
	dvs, _ := f.GetDataValidations(SheetRatings)
	if len(dvs) != 5 {
		t.Errorf("%d data validations, want 5", len(dvs))
	}
	// Models are blinded.
	for _, row := range rows[1:] {
		if row[colModel] == "t2i" || row[colModel] == "editor" || !strings.HasPrefix(row[colModel], "Model ") {
			t.Fatalf("model not blinded: %q", row[colModel])
		}
	}
	// The same three reviewers of Kenya see the same items in different orders.
	ids := func(path string) []string {
		f, _ := excelize.OpenFile(path)
		defer f.Close()
		rows, _ := f.GetRows(SheetRatings)
		var out []string
		for _, r := range rows[1:] {
			out = append(out, r[colID])
		}
		return out
	}
	a1, a2 := ids(res.Files[0]), ids(res.Files[1])
	if len(a1) != len(a2) || strings.Join(a1, ",") == strings.Join(a2, ",") {
		t.Errorf("reviewer sheets: %d and %d rows, same order %v", len(a1), len(a2), strings.Join(a1, ",") == strings.Join(a2, ","))
	}
	// A second export with the same config writes the same items.
	again, err := Export(context.Background(), r.Run, r.Cache.Blobs, a.Review, t.TempDir(), "xlsx")
	if err != nil || strings.Join(ids(again.Files[0]), ",") != strings.Join(a1, ",") {
		t.Errorf("re-export differs: %v", err)
	}
}

// TestExportHostileNames: countries and reviewers whose names hold path
// parts or separators still export, each to its own file inside the
// folder, and nothing is written outside it.
func TestExportHostileNames(t *testing.T) {
	t.Parallel()
	const hostile = `
name: hostile
extend:
  countries:
    - {name: "../../../escaped-sheet", demonym: X, capital: X, language: X}
    - {name: "a/b", demonym: Y, capital: Y, language: Y}
    - {name: "a_b", demonym: Z, capital: Z, language: Z}
countries: ["../../../escaped-sheet", "a/b", "a_b"]
categories: [food]
samples: 1
models:
  t2i: [{name: t2i, provider: sim}]
  vlm: [{name: judge, provider: sim}]
review:
  per_cell: 2
  reviewers: {"a/b": ["r.1", "r 1"]}
`
	r, a := simRun(t, hostile)
	base := t.TempDir()
	dir := filepath.Join(base, "a", "b", "c", "sheets")
	for _, format := range []string{"csv", "xlsx"} {
		res, err := Export(context.Background(), r.Run, r.Cache.Blobs, a.Review, filepath.Join(dir, format), format)
		if err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		seen := map[string]bool{}
		for _, f := range res.Files {
			if filepath.Dir(f) != filepath.Join(dir, format) || seen[f] {
				t.Errorf("%s: file %s", format, f)
			}
			seen[f] = true
		}
		if len(res.Files) != 4 {
			t.Errorf("%s: %d files: %v", format, len(res.Files), res.Files)
		}
	}
	filepath.WalkDir(base, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !strings.HasPrefix(path, dir+string(filepath.Separator)) {
			t.Errorf("written outside the folder: %s", path)
		}
		return nil
	})
}
