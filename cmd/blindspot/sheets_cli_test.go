package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// TestSheetsCommands exports review sheets of a run, imports two filled
// ones, shows the agreement in the summary and the report, and rejects a
// broken file with its cell named and nothing written.
func TestSheetsCommands(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if code, out, errs := runCLI(t, dir, "init", "proj"); code != ExitOK {
		t.Fatalf("init: %d %s %s", code, out, errs)
	}
	if code, out, errs := runCLI(t, dir, "run", "proj/blindspot.yaml", "-q"); code != ExitOK {
		t.Fatalf("run: %d %s %s", code, out, errs)
	}
	code, out, errs := runCLI(t, dir, "sheets", "export", "runs/starter", "--per-cell", "4")
	if code != ExitOK || !strings.Contains(out, ".xlsx") {
		t.Fatalf("sheets export: %d %s %s", code, out, errs)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "runs/starter/sheets/*.xlsx"))
	if len(files) == 0 {
		t.Fatal("no sheets written")
	}
	// Two copies of the first sheet, filled by two reviewers.
	var paths []string
	for i, who := range []string{"amina", "otieno"} {
		p := filepath.Join(dir, who+".xlsx")
		b, _ := os.ReadFile(files[0])
		os.WriteFile(p, b, 0o644)
		f, err := excelize.OpenFile(p)
		if err != nil {
			t.Fatal(err)
		}
		f.SetCellValue("Instructions", "C4", who)
		rows, _ := f.GetRows("Ratings")
		for r := 2; r <= len(rows); r++ {
			f.SetCellValue("Ratings", fmt.Sprintf("H%d", r), 1+(r+i*(r%2))%5)
			f.SetCellValue("Ratings", fmt.Sprintf("G%d", r), 1+r%5)
		}
		f.Save()
		f.Close()
		paths = append(paths, p)
	}
	// A broken third file stops the whole import.
	bad := filepath.Join(dir, "bad.xlsx")
	b, _ := os.ReadFile(paths[0])
	os.WriteFile(bad, b, 0o644)
	f, _ := excelize.OpenFile(bad)
	f.SetCellValue("Ratings", "G2", 9)
	f.SetCellValue("Instructions", "C4", "wanjiru")
	f.Save()
	f.Close()
	code, _, errs = runCLI(t, dir, "sheets", "import", "runs/starter", paths[0], paths[1], bad)
	if code != ExitUsage || !strings.Contains(errs, "Ratings!G2: Image Quality must be 1 to 5") || !strings.Contains(errs, "Nothing was imported") {
		t.Fatalf("import with a broken file: exit %d\n%s", code, errs)
	}
	code, out, errs = runCLI(t, dir, "sheets", "import", "runs/starter", paths[0], paths[1])
	// A short table per country: who rated, how much, and alpha or why not.
	if code != ExitOK || !strings.Contains(out, "amina") || !regexp.MustCompile(`│ 2 +│ 20 of 20 +│ 20 +│ -?[01]\.\d\d \[`).MatchString(out) ||
		!strings.Contains(out, "none: no ratings") || strings.Contains(out, "Krippendorff's alpha (ordinal)") {
		t.Fatalf("import: exit %d\n%s\n%s", code, out, errs)
	}
	code, out, _ = runCLI(t, dir, "sheets", "import", "runs/starter", paths[0], "--verbose")
	if code != ExitOK || !strings.Contains(out, "already imported; nothing changed") || !strings.Contains(out, "Krippendorff's alpha (ordinal)") {
		t.Fatalf("re-import --verbose: exit %d\n%s", code, out)
	}
	code, out, _ = runCLI(t, dir, "summary", "runs/starter")
	if code != ExitOK || !strings.Contains(out, "Native reviewers") || !strings.Contains(out, "amina vs otieno") {
		t.Fatalf("summary lacks the agreement:\n%s", out)
	}
	if code, out, errs := runCLI(t, dir, "report", "runs/starter"); code != ExitOK {
		t.Fatalf("report: %d %s %s", code, out, errs)
	}
	page, _ := os.ReadFile(filepath.Join(dir, "runs/starter/report/index.html"))
	if !strings.Contains(string(page), `id="human"`) {
		t.Error("the report has no reviewer section")
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"sheets", "export", "runs/starter", "--format", "ods"}, `--format "ods": want xlsx or csv`},
		{[]string{"sheets", "import", "runs/starter"}, "needs a run directory and at least one file"},
		{[]string{"sheets", "import", "runs/starter", "missing.xlsx"}, "missing.xlsx"},
	} {
		if code, _, errs := runCLI(t, dir, c.args...); code != ExitUsage || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d %q", c.args, code, errs)
		}
	}
}
