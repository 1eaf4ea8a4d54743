package review

import (
	"context"
	"encoding/json"
	"errors"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/blindspot-audit/blindspot/audit/audittest"
	"github.com/blindspot-audit/blindspot/audit/metrics"
	"github.com/blindspot-audit/blindspot/audit/store"
)

const languageSpec = `name: languages
countries: [Kenya]
categories: [architecture]
prompt_sets: [country_specific, agnostic]
languages: [en, native]
samples: 2
models:
  t2i:
    - {name: t2i, provider: sim, sim: {bias: {fidelity: {Kenya: 0.3}, languages: {sw: {fidelity: {Kenya: 0.4}, cue: 0.5}}}}}
  vlm:
    - {name: judge, provider: sim}
  translator:
    - {name: translator, provider: sim}
review:
  per_cell: 2
`

// fillTranslations is a reviewer using openpyxl: it finds the columns by
// their headers on the Translations sheet and answers for three prompts.
const fillTranslations = `
import json, sys, openpyxl
path, lang = sys.argv[1], sys.argv[2]
wb = openpyxl.load_workbook(path)
wb["Instructions"]["C4"] = "wanjiru"
ws = wb["Translations " + lang]
head = {c.value: c.column for c in ws[1]}
typed = {}
for row in ws.iter_rows(min_row=2):
    src = row[head["English prompt"] - 1].value
    tid = row[head["ID"] - 1].value
    if src == "Traditional house in Kenya, photorealistic.":
        ws.cell(row=row[0].row, column=head["Natural and faithful?"], value="no")
        ws.cell(row=row[0].row, column=head["Correction"], value="Nyumba ya kitamaduni nchini Kenya, picha halisi.")
        typed[tid] = "corrected"
    elif src == "House in Kenya, photorealistic.":
        ws.cell(row=row[0].row, column=head["Natural and faithful?"], value="yes")
        typed[tid] = "yes"
    elif src == "Modern house in Kenya, photorealistic.":
        ws.cell(row=row[0].row, column=head["Natural and faithful?"], value="no")
        ws.cell(row=row[0].row, column=head["Comment"], value="stiff")
        typed[tid] = "no"
wb.save(path)
print(json.dumps(typed))
`

// TestTranslationsRoundTrip: the export adds a Translations sheet for
// Kenya's Swahili; a reviewer fills it with openpyxl; the import records
// the verdicts, and the next run prompts in the corrected Swahili while
// the images of the replaced draft count no more.
func TestTranslationsRoundTrip(t *testing.T) {
	t.Parallel()
	python := openpyxlPython(t)
	dir := t.TempDir()
	r := audittest.RunIn(t, languageSpec, dir)
	sheets := t.TempDir()
	res, err := Export(context.Background(), r.Run, r.Cache.Blobs, r.Plan.Audit.Review, sheets, "xlsx")
	if err != nil {
		t.Fatal(err)
	}
	path := res.Files[0]
	x, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := x.GetRows(TranslationsPrefix + "sw")
	x.Close()
	if err != nil {
		t.Fatalf("no Swahili sheet in %s: %v", path, err)
	}
	if len(rows) != 1+12 { // 6 prompts naming Kenya and 6 naming no country
		t.Fatalf("%d rows on the Swahili sheet, want 13", len(rows))
	}
	if got := strings.Join(rows[0][:9], "|"); got != "ID|Prompt set|Country|Subcategory|Variant|English prompt|Translation|Back into English|Made by" {
		t.Errorf("header %s", got)
	}

	// A correction beside "yes" is refused at its cell, and nothing is kept.
	bad := filepath.Join(t.TempDir(), "bad.xlsx")
	copyFile(t, path, bad)
	x, _ = excelize.OpenFile(bad)
	x.SetCellValue(SheetInstructions, ReviewerCell, "wanjiru")
	x.SetCellValue(TranslationsPrefix+"sw", "J2", "yes")
	x.SetCellValue(TranslationsPrefix+"sw", "K2", "Nyumba nzuri")
	x.Save()
	x.Close()
	var probs *Problems
	if _, _, err := importFile(t, r.Run, bad); !errors.As(err, &probs) || !strings.Contains(err.Error(), "Translations sw!K2: a correction for a translation marked natural and faithful") {
		t.Fatalf("import of a contradictory row: %v", err)
	}

	out, err := exec.Command(python, "-c", fillTranslations, path, "sw").Output()
	if err != nil {
		t.Fatalf("openpyxl: %v", err)
	}
	var typed map[string]string
	if err := json.Unmarshal(out, &typed); err != nil || len(typed) != 3 {
		t.Fatalf("openpyxl typed %s (%v)", out, err)
	}
	c, _, err := importFile(t, r.Run, path)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Translations) != 3 {
		t.Errorf("%d translation verdicts read, want 3", len(c.Translations))
	}
	ts, err := r.Run.DB().Translations(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]store.Translation{}
	for _, tr := range ts {
		byID[tr.ID] = tr
	}
	var corrected store.Translation
	for id, what := range typed {
		tr := byID[id]
		switch what {
		case "corrected":
			corrected = tr
			if tr.Origin != store.OriginReviewer || tr.Text != "Nyumba ya kitamaduni nchini Kenya, picha halisi." || tr.Replaced != "Nyumba ya jadi nchini Kenya, picha halisi." || tr.Reviewer != "wanjiru" {
				t.Errorf("corrected translation stored as %+v", tr)
			}
		case "yes":
			if tr.Status != store.TranslationReviewed || tr.Origin != store.OriginSchema {
				t.Errorf("confirmed translation stored as %+v", tr)
			}
		case "no":
			if tr.Status != store.TranslationRejected || tr.Comment != "stiff" {
				t.Errorf("rejected translation stored as %+v", tr)
			}
		}
	}
	r.Close()

	// The next run prompts in the correction and translates it back.
	r = audittest.RunIn(t, languageSpec, dir)
	defer r.Close()
	var made int
	err = r.Run.DB().EachImage(context.Background(), func(im store.Image) error {
		if im.Prompt == corrected.Text {
			made++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if made != 2 {
		t.Errorf("%d images of the corrected prompt, want one per seed (2)", made)
	}
	ts, _ = r.Run.DB().Translations(context.Background())
	for _, tr := range ts {
		if tr.ID == corrected.ID && tr.Back == "" {
			t.Errorf("the correction was not translated back into English: %+v", tr)
		}
	}
	if r.Summary.Items != r.Summary.ItemsPlanned {
		t.Errorf("the summary counts %d of %d images: the replaced draft's images are not the audit's", r.Summary.Items, r.Summary.ItemsPlanned)
	}
	superseded, _ := r.Run.DB().SupersededImages(context.Background())
	if len(superseded) != 2 {
		t.Errorf("%d superseded images, want the draft's 2", len(superseded))
	}
	ms, _ := r.Run.Metrics(context.Background())
	for _, m := range ms {
		if m.Name == metrics.MetricLanguageAccuracy && m.Language == "sw" && m.Country == "Kenya" && m.PromptSet == "country_specific" && m.N != 12 {
			t.Errorf("Swahili accuracy counts %d images, want 12 (6 prompts x 2 seeds, the draft's left out)", m.N)
		}
	}
}

// TestTranslationsCSV: with --format csv each language's translations go
// to a CSV file beside the sheet; filled in and sent back, it is checked
// at its cells and recorded like the XLSX sheet.
func TestTranslationsCSV(t *testing.T) {
	t.Parallel()
	r := audittest.Run(t, languageSpec)
	dir := t.TempDir()
	res, err := Export(context.Background(), r.Run, r.Cache.Blobs, r.Plan.Audit.Review, dir, "csv")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "review-Kenya-translations-sw.csv")
	if !slices.Contains(res.Files, path) {
		t.Fatalf("files %v lack %s", res.Files, path)
	}
	recs := readCSVFile(t, path)
	if len(recs) != 13 || recs[0][9] != "Natural and faithful?" || recs[0][13] != "Reviewer" {
		t.Fatalf("%d records, header %v", len(recs), recs[0])
	}
	var corrected string
	for i, rec := range recs[1:] {
		rec[13] = "wanjiru"
		switch i {
		case 0:
			rec[9] = "yes"
		case 1:
			rec[9], rec[10] = "no", "Nyumba nzuri nchini Kenya, picha halisi."
			corrected = rec[0]
		}
	}
	bad := filepath.Join(t.TempDir(), "bad.csv")
	badRecs := make([][]string, len(recs))
	for i := range recs {
		badRecs[i] = append([]string(nil), recs[i]...)
	}
	badRecs[5][13] = "otieno" // a file is read before it is checked
	writeCSVFile(t, bad, badRecs)
	if _, _, err := importFile(t, r.Run, bad); err == nil || !strings.Contains(err.Error(), `bad.csv!N6: reviewer "otieno" differs from "wanjiru" above; one file is one reviewer`) {
		t.Errorf("import of a file with two reviewers: %v", err)
	}
	badRecs[5][13], badRecs[3][9] = "wanjiru", "maybe"
	writeCSVFile(t, bad, badRecs)
	if _, _, err := importFile(t, r.Run, bad); err == nil || !strings.Contains(err.Error(), "bad.csv!J4: type yes or no, or leave blank; got \"maybe\"") {
		t.Errorf("import of a bad verdict: %v", err)
	}
	writeCSVFile(t, path, recs)
	c, _, err := importFile(t, r.Run, path)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Translations) != 2 {
		t.Fatalf("%d verdicts read, want 2", len(c.Translations))
	}
	ts, _ := r.Run.DB().Translations(context.Background())
	for _, tr := range ts {
		if tr.ID == corrected && (tr.Text != "Nyumba nzuri nchini Kenya, picha halisi." || tr.Origin != store.OriginReviewer || tr.Reviewer != "wanjiru") {
			t.Errorf("corrected translation stored as %+v", tr)
		}
	}
}
