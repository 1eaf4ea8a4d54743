package review

import (
	"context"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/blindspot-audit/blindspot/audit/spec"
	"github.com/blindspot-audit/blindspot/audit/store"
)

// answer is a reviewer's deterministic answer for a row: some rows are
// left blank, the rest get ratings from a hash of reviewer and item.
func answer(reviewer string) fillFn {
	bests := map[string]bool{}
	worsts := map[string]bool{}
	return func(row int, id, group, alignment string) []any {
		h := fnv.New32a()
		fmt.Fprint(h, reviewer, id)
		v := h.Sum32()
		if v%7 == 0 {
			return nil // left blank: the reviewer skipped it
		}
		q := fmt.Sprintf("%d - %s", 1+v%5, spec.ECBScales()[0].Labels[v%5])
		c := fmt.Sprint(1 + (v>>3)%5)
		var al any = "n/a"
		if alignment != "n/a" {
			al = fmt.Sprint(1 + (v>>6)%5)
		}
		best, worst := "", ""
		if !bests[group] {
			bests[group], best = true, "Best"
		} else if !worsts[group] {
			worsts[group], worst = true, "Worst"
		}
		comment := ""
		if v%3 == 0 {
			comment = fmt.Sprintf("=row %d looks off", row) // formula-like text stays text
		}
		return []any{q, c, al, best, worst, comment}
	}
}

func stored(t *testing.T, run *store.Run) map[string]store.CurrentRating {
	t.Helper()
	rs, err := run.CurrentRatings(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]store.CurrentRating{}
	for _, r := range rs {
		out[r.Reviewer+"/"+r.ItemID] = r
	}
	return out
}

// TestRoundTripXLSX: three reviewers fill their sheets, the files import,
// and every value typed is stored as typed; re-importing changes nothing;
// a newer file of a reviewer supersedes the older, an older one does not.
func TestRoundTripXLSX(t *testing.T) {
	t.Parallel()
	r, a := simRun(t, reviewSpec)
	dir := t.TempDir()
	res, err := Export(context.Background(), r.Run, r.Cache.Blobs, a.Review, dir, "xlsx")
	if err != nil {
		t.Fatal(err)
	}
	typed := map[string][]any{}
	for _, path := range res.Files[:3] {
		rev := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(path), "review-Kenya-"), ".xlsx")
		for id, v := range fill(t, path, "", "2026-11-20T10:00:00Z", answer(rev)) {
			typed[rev+"/"+id] = v
		}
		if _, out, err := importFile(t, r.Run, path); err != nil || out.Already {
			t.Fatalf("import %s: %v %+v", path, err, out)
		}
	}
	got := stored(t, r.Run)
	if len(got) != len(typed) {
		t.Fatalf("%d ratings stored, %d rows typed", len(got), len(typed))
	}
	for k, v := range typed {
		g := got[k]
		want := fmt.Sprint(v[0])[:1] + fmt.Sprint(v[1]) + map[bool]string{true: "-", false: fmt.Sprint(v[2])}[v[2] == "n/a"] + fmt.Sprint(v[3] == "Best", v[4] == "Worst") + fmt.Sprint(v[5])
		have := fmt.Sprint(g.Quality) + fmt.Sprint(g.Cultural) + map[bool]string{true: "-", false: fmt.Sprint(g.Alignment)}[g.Alignment == 0] + fmt.Sprint(g.Best, g.Worst) + g.Comment
		if have != want {
			t.Errorf("%s: stored %s, typed %s", k, have, want)
		}
	}
	// Re-import: idempotent.
	if _, out, err := importFile(t, r.Run, res.Files[0]); err != nil || !out.Already {
		t.Errorf("re-import: %v %+v", err, out)
	}
	if len(stored(t, r.Run)) != len(got) {
		t.Error("re-import changed the ratings")
	}
	// A newer file from amina replaces her ratings; an older one does not.
	newer := filepath.Join(t.TempDir(), "amina-v2.xlsx")
	copyFile(t, res.Files[0], newer)
	fill(t, newer, "", "2026-11-22T10:00:00Z", func(int, string, string, string) []any { return []any{"5", "5", nil, nil, nil, "second look"} })
	if _, out, err := importFile(t, r.Run, newer); err != nil || out.Supersedes == "" {
		t.Fatalf("newer file: %v %+v", err, out)
	}
	older := filepath.Join(t.TempDir(), "amina-v0.xlsx")
	copyFile(t, res.Files[0], older)
	fill(t, older, "", "2026-11-01T10:00:00Z", func(int, string, string, string) []any { return []any{"1", "1", nil, nil, nil, "old"} })
	if _, out, err := importFile(t, r.Run, older); err != nil || out.SupersededBy == "" {
		t.Fatalf("older file: %v %+v", err, out)
	}
	for k, v := range stored(t, r.Run) {
		if strings.HasPrefix(k, "amina/") && (v.Comment != "second look" || v.Quality != 5) {
			t.Fatalf("amina's current rating %s: %+v, want her newest file", k, v)
		}
	}
	imps, _ := r.Run.ReviewImports(context.Background())
	if len(imps) != 5 {
		t.Errorf("%d imports recorded, want 5 (3 + newer + older)", len(imps))
	}
}

func copyFile(t testing.TB, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestImportProblems: every kind of mistake is reported at its cell and
// nothing of the file is stored.
func TestImportProblems(t *testing.T) {
	t.Parallel()
	r, a := simRun(t, reviewSpec)
	dir := t.TempDir()
	res, err := Export(context.Background(), r.Run, r.Cache.Blobs, a.Review, dir, "xlsx")
	if err != nil {
		t.Fatal(err)
	}
	amina := res.Files[0]
	korea := res.Files[3]
	fill(t, amina, "", "2026-11-20T10:00:00Z", answer("amina"))
	f, _ := excelize.OpenFile(amina)
	rows, _ := f.GetRows(SheetRatings)
	f.Close()
	// Find two rows of one group and a row without Prompt Alignment.
	byGroup := map[string][]int{}
	naRow := 0
	for i, row := range rows[1:] {
		byGroup[row[colGroup]] = append(byGroup[row[colGroup]], i+2)
		if row[colAlignment] == "n/a" && naRow == 0 {
			naRow = i + 2
		}
	}
	var g1, g2 int
	keys := make([]string, 0, len(byGroup))
	for k := range byGroup {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if len(byGroup[k]) >= 2 {
			g1, g2 = byGroup[k][0], byGroup[k][1]
			break
		}
	}
	last := len(rows) + 1
	cases := []struct {
		name string
		file string
		edit func(f *excelize.File)
		want []string
	}{
		{"unknown id", amina, func(f *excelize.File) { f.SetCellValue(SheetRatings, "A2", "Rnot-an-item") }, []string{`Ratings!A2: unknown item id "Rnot-an-item"`}},
		{"edited id", amina, func(f *excelize.File) { f.SetCellValue(SheetRatings, "A2", rows[2][colID]) },
			[]string{"Ratings!M2: the row's check value does not match", "Ratings!A3: item " + rows[2][colID] + " appears again (first in row 2)"}},
		{"duplicate row", amina, func(f *excelize.File) {
			vals := make([]any, len(rows[1]))
			for i, v := range rows[1] {
				vals[i] = v
			}
			f.SetSheetRow(SheetRatings, fmt.Sprintf("A%d", last), &vals)
		}, []string{fmt.Sprintf("Ratings!A%d: item %s appears again (first in row 2)", last, rows[1][colID])}},
		{"out of range", amina, func(f *excelize.File) {
			f.SetCellValue(SheetRatings, "G2", 7)
			f.SetCellValue(SheetRatings, "H2", "great")
		},
			[]string{`Ratings!G2: Image Quality must be 1 to 5 (1 Very poor ... 5 Excellent) or blank, got "7"`, `Ratings!H2: Cultural Representation must be 1 to 5`}},
		{"best is worst", amina, func(f *excelize.File) {
			f.SetCellValue(SheetRatings, fmt.Sprintf("J%d", g1), "Best")
			f.SetCellValue(SheetRatings, fmt.Sprintf("K%d", g1), "Worst")
			f.SetCellValue(SheetRatings, fmt.Sprintf("K%d", g2), "")
		}, []string{fmt.Sprintf("Ratings!K%d: the same image is marked Best and Worst", g1)}},
		{"two bests", amina, func(f *excelize.File) {
			f.SetCellValue(SheetRatings, fmt.Sprintf("J%d", g1), "Best")
			f.SetCellValue(SheetRatings, fmt.Sprintf("K%d", g1), "")
			f.SetCellValue(SheetRatings, fmt.Sprintf("J%d", g2), "x")
			f.SetCellValue(SheetRatings, fmt.Sprintf("K%d", g2), "")
		}, []string{fmt.Sprintf("Ratings!J%d: %s already has a Best (row %d)", g2, rows[g2-1][colGroup], g1)}},
		{"bad mark", amina, func(f *excelize.File) { f.SetCellValue(SheetRatings, fmt.Sprintf("J%d", g1), "maybe") }, []string{fmt.Sprintf(`Ratings!J%d: type Best or leave blank, got "maybe"`, g1)}},
		{"alignment not asked", amina, func(f *excelize.File) { f.SetCellValue(SheetRatings, fmt.Sprintf("I%d", naRow), 4) },
			[]string{fmt.Sprintf("Ratings!I%d: this image has no Prompt Alignment question", naRow)}},
		{"long comment", amina, func(f *excelize.File) { f.SetCellValue(SheetRatings, "L2", strings.Repeat("a", 2001)) }, []string{"Ratings!L2: the comment has 2001 characters"}},
		{"ratings without id", amina, func(f *excelize.File) { f.SetCellValue(SheetRatings, fmt.Sprintf("G%d", last), "3") },
			[]string{fmt.Sprintf("Ratings!A%d: this row has ratings but no item id", last)}},
		{"another run", amina, func(f *excelize.File) { f.SetCellValue(SheetMeta, "B2", "0123456789abcdef") },
			[]string{"Meta!B2: this file was exported from another run (0123456789abcdef)"}},
		{"no reviewer", korea, func(f *excelize.File) {}, []string{"Instructions!C4: the reviewer's name is missing"}},
		{"deleted column", amina, func(f *excelize.File) { f.SetCellValue(SheetRatings, "M1", "Check") }, []string{`column "Integrity" is missing from the header row`}},
		{"formula in a rating", amina, func(f *excelize.File) { f.SetCellFormula(SheetRatings, "G2", "2+2") },
			[]string{"Ratings!G2: a formula (=2+2) where a value belongs: type the value, not a formula"}},
		{"formula in a comment", amina, func(f *excelize.File) { f.SetCellFormula(SheetRatings, "L3", `HYPERLINK("http://x.example","click")`) },
			[]string{`Ratings!L3: a formula (=HYPERLINK("http://x.example","click")) where a value belongs`}},
		{"formula in the name", korea, func(f *excelize.File) { f.SetCellFormula(SheetInstructions, ReviewerCell, `"am"&"ina"`) },
			[]string{"Instructions!" + ReviewerCell + `: a formula (="am"&"ina") where a value belongs`}},
		{"a formula and a bad mark, both named", amina, func(f *excelize.File) {
			f.SetCellFormula(SheetRatings, "G2", "2+2")
			f.SetCellValue(SheetRatings, fmt.Sprintf("J%d", g1), "maybe")
		}, []string{"Ratings!G2: a formula (=2+2)", fmt.Sprintf(`Ratings!J%d: type Best or leave blank, got "maybe"`, g1)}},
		{"not a workbook", "", nil, []string{"not an XLSX workbook"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "sheet.xlsx")
			if c.file == "" {
				os.WriteFile(path, []byte("name,score\nx,1\n"), 0o644)
			} else {
				copyFile(t, c.file, path)
				f, err := excelize.OpenFile(path)
				if err != nil {
					t.Fatal(err)
				}
				c.edit(f)
				if err := f.Save(); err != nil {
					t.Fatal(err)
				}
				f.Close()
			}
			_, _, err := importFile(t, r.Run, path)
			if err == nil {
				t.Fatal("imported")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
			if n := len(stored(t, r.Run)); n != 0 {
				t.Errorf("%d ratings stored from a rejected file", n)
			}
		})
	}
}
