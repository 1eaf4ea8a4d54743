package review

import (
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// requireOrSkip skips a test whose outside program is missing, unless
// BLINDSPOT_REQUIRE_OFFICE is set (as .ci/run does after installing it).
func requireOrSkip(t *testing.T, why string) {
	t.Helper()
	if os.Getenv("BLINDSPOT_REQUIRE_OFFICE") != "" {
		t.Fatal(why)
	}
	t.Skip(why)
}

// openpyxlPython is a Python that has openpyxl, or skips the test.
func openpyxlPython(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"python3", "/usr/bin/python3"} {
		if exec.Command(p, "-c", "import openpyxl").Run() == nil {
			return p
		}
	}
	requireOrSkip(t, "openpyxl is not installed (apt-get install python3-openpyxl, as .ci/run does)")
	return ""
}

// readCSVFile reads every record of a CSV file.
func readCSVFile(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// writeCSVFile writes recs over path, as a reviewer's program saves it.
func writeCSVFile(t *testing.T, path string, recs [][]string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := csv.NewWriter(f).WriteAll(recs); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestRoundTripCSV: the CSV variant for Google Sheets or Forms imports too,
// formulas in prompts are neutralised on the way out.
func TestRoundTripCSV(t *testing.T) {
	t.Parallel()
	r, a := simRun(t, reviewSpec)
	dir := t.TempDir()
	res, err := Export(context.Background(), r.Run, r.Cache.Blobs, a.Review, dir, "csv")
	if err != nil {
		t.Fatal(err)
	}
	path := res.Files[3] // Korea: no reviewer named in the spec
	recs := readCSVFile(t, path)
	if _, err := os.Stat(filepath.Join(dir, strings.TrimSuffix(filepath.Base(path), ".csv")+"-images", filepath.Base(recs[1][colImage]))); err != nil {
		t.Errorf("picture of row 2 missing: %v", err)
	}
	n := 0
	for i := 1; i < len(recs); i++ {
		recs[i][colCultural] = fmt.Sprint(1 + i%5)
		recs[i][colComment] = "+looks fine"
		n++
	}
	recs[1][len(Columns)] = "jisoo" // the Reviewer column, filled once
	writeCSVFile(t, path, recs)
	c, _, err := importFile(t, r.Run, path)
	if err != nil {
		t.Fatal(err)
	}
	got := stored(t, r.Run)
	if len(got) != n || c.Import.Reviewer != "jisoo" {
		t.Fatalf("%d ratings stored of %d typed; reviewer %q", len(got), n, c.Import.Reviewer)
	}
	for _, g := range got {
		if g.Comment != "+looks fine" || g.Cultural == 0 {
			t.Fatalf("stored %+v", g)
		}
	}
	// A CSV without a reviewer is refused at the Reviewer column.
	recs[1][len(Columns)] = ""
	writeCSVFile(t, path, recs)
	data, _ := os.ReadFile(path)
	if _, err := Check(context.Background(), r.Run, path, data); err == nil || !strings.Contains(err.Error(), "!N2: the reviewer's name is missing") {
		t.Errorf("CSV without reviewer: %v", err)
	}
}

// TestImportSavedByOpenpyxl fills an exported sheet with openpyxl, as a
// reviewer's script or a Python-based tool would, and imports it.
func TestImportSavedByOpenpyxl(t *testing.T) {
	t.Parallel()
	python := openpyxlPython(t)
	r, a := simRun(t, reviewSpec)
	res, err := Export(context.Background(), r.Run, r.Cache.Blobs, a.Review, t.TempDir(), "xlsx")
	if err != nil {
		t.Fatal(err)
	}
	path := res.Files[3]
	script := `
import sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
wb["Instructions"]["C4"] = "jisoo"
ws = wb["Ratings"]
n = 0
for row in range(2, ws.max_row + 1):
    ws.cell(row=row, column=7, value=(row % 5) + 1)          # a number, not text
    ws.cell(row=row, column=8, value="%d - Good" % 4)
    n += 1
wb.save(sys.argv[1])
print(n)
`
	out, err := exec.Command(python, "-c", script, path).CombinedOutput()
	if err != nil {
		t.Fatalf("openpyxl: %v\n%s", err, out)
	}
	c, _, err := importFile(t, r.Run, path)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(len(c.Ratings)) != strings.TrimSpace(string(out)) {
		t.Fatalf("%d ratings imported, openpyxl filled %s rows", len(c.Ratings), out)
	}
	for _, rt := range c.Ratings {
		if rt.Quality < 1 || rt.Cultural != 4 {
			t.Fatalf("rating %+v", rt)
		}
	}
}

// TestImportSavedByLibreOffice re-saves a filled sheet with LibreOffice
// (as a reviewer using it would) and imports it.
func TestImportSavedByLibreOffice(t *testing.T) {
	t.Parallel()
	soffice, err := exec.LookPath("soffice")
	if err != nil {
		requireOrSkip(t, "LibreOffice is not installed (apt-get install libreoffice-calc-nogui, as .ci/run does)")
	}
	r, a := simRun(t, reviewSpec)
	res, err := Export(context.Background(), r.Run, r.Cache.Blobs, a.Review, t.TempDir(), "xlsx")
	if err != nil {
		t.Fatal(err)
	}
	typed := fill(t, res.Files[1], "", "2026-11-20T10:00:00Z", answer("otieno"))
	outDir := t.TempDir()
	profile := "file://" + t.TempDir()
	cmd := exec.Command(soffice, "-env:UserInstallation="+profile, "--headless", "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", outDir, res.Files[1])
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("soffice: %v\n%s", err, out)
	}
	saved := filepath.Join(outDir, filepath.Base(res.Files[1]))
	c, _, err := importFile(t, r.Run, saved)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Ratings) != len(typed) {
		t.Fatalf("%d ratings imported from LibreOffice's file, %d typed", len(c.Ratings), len(typed))
	}
	for _, rt := range c.Ratings {
		v := typed[rt.ItemID]
		if fmt.Sprint(rt.Cultural) != fmt.Sprint(v[1]) || rt.Best != (v[3] == "Best") {
			t.Fatalf("%s: stored %+v, typed %v", rt.ItemID, rt, v)
		}
	}
}
