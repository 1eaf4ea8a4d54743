package review

import (
	"cmp"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/blindspot-audit/blindspot/audit/store"
	"github.com/blindspot-audit/blindspot/reports/csvsafe"
)

// TranslationsPrefix starts the name of each language's Translations
// sheet: "Translations sw".
const TranslationsPrefix = "Translations "

// Translation sheet columns, in order.
const (
	tcID = iota
	tcSet
	tcCountry
	tcSubcategory
	tcVariant
	tcSource
	tcText
	tcBack
	tcOrigin
	tcVerdict
	tcCorrection
	tcComment
	tcCheck
)

var translationCols = []string{"ID", "Prompt set", "Country", "Subcategory", "Variant", "English prompt", "Translation",
	"Back into English", "Made by", "Natural and faithful?", "Correction", "Comment", "Check"}

// Verdicts a reviewer picks for a translation.
const (
	VerdictYes = "yes"
	VerdictNo  = "no"
)

// translationsFor picks, per language, the translations a country's
// reviewers check: the prompts naming the country in the languages it
// speaks, and the prompts naming no country in those languages.
func translationsFor(all []store.Translation, country string) map[string][]store.Translation {
	langs := map[string]bool{}
	for _, t := range all {
		if t.Country == country {
			langs[t.Language] = true
		}
	}
	out := map[string][]store.Translation{}
	for _, t := range all {
		if langs[t.Language] && (t.Country == country || t.Country == "") {
			out[t.Language] = append(out[t.Language], t)
		}
	}
	// The prompts naming the country first, then those naming none, each
	// by category, subcategory and variant: a reviewer reads a grid.
	for _, ts := range out {
		slices.SortStableFunc(ts, func(a, b store.Translation) int {
			return cmp.Or(strings.Compare(b.Country, a.Country), strings.Compare(a.Category, b.Category),
				strings.Compare(a.Subcategory, b.Subcategory), strings.Compare(a.Variant, b.Variant))
		})
	}
	return out
}

// translationCheck ties a row to this run and to the translation's text
// as exported: a row whose Translation cell was edited is caught (a
// correction goes in its own column).
func translationCheck(runID string, t store.Translation) string {
	h := sha256.Sum256([]byte(runID + "\x00" + t.ID + "\x00" + t.Text))
	return hex.EncodeToString(h[:])[:16]
}

func madeBy(t store.Translation) string {
	switch t.Origin {
	case store.OriginMachine:
		return "machine (" + t.Translator + ")"
	case store.OriginReviewer:
		return "reviewer " + t.Reviewer
	}
	return "schema (" + t.Status + ")"
}

// writeTranslations adds one sheet per language to the workbook.
func writeTranslations(f *excelize.File, byLang map[string][]store.Translation, runID string) error {
	for _, lang := range slices.Sorted(maps.Keys(byLang)) {
		sh := TranslationsPrefix + lang
		if _, err := f.NewSheet(sh); err != nil {
			return err
		}
		head := make([]any, len(translationCols))
		for i, c := range translationCols {
			head[i] = c
		}
		if err := f.SetSheetRow(sh, "A1", &head); err != nil {
			return err
		}
		bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Alignment: &excelize.Alignment{WrapText: true, Vertical: "center"}})
		if err != nil {
			return err
		}
		wrap, err := f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
		if err != nil {
			return err
		}
		open, err := f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}, Protection: &excelize.Protection{Locked: false},
			Fill: excelize.Fill{Type: "pattern", Color: []string{"FFF9E6"}, Pattern: 1}})
		if err != nil {
			return err
		}
		if err := f.SetCellStyle(sh, "A1", colName(tcCheck)+"1", bold); err != nil {
			return err
		}
		rows := byLang[lang]
		for i, t := range rows {
			r := fmt.Sprint(i + 2)
			cells := []any{t.ID, t.PromptSet, t.Country, t.Subcategory, t.Variant, t.Source, t.Text, t.Back, madeBy(t), "", "", "", translationCheck(runID, t)}
			if err := f.SetSheetRow(sh, "A"+r, &cells); err != nil {
				return err
			}
			if err := f.SetCellStyle(sh, "A"+r, colName(tcOrigin)+r, wrap); err != nil {
				return err
			}
			if err := f.SetCellStyle(sh, colName(tcVerdict)+r, colName(tcComment)+r, open); err != nil {
				return err
			}
			// Two wrapped lines: not every program grows a row to its text.
			if err := f.SetRowHeight(sh, i+2, 30); err != nil {
				return err
			}
		}
		if len(rows) > 0 {
			dv := excelize.NewDataValidation(true)
			dv.Sqref = fmt.Sprintf("%s2:%s%d", colName(tcVerdict), colName(tcVerdict), len(rows)+1)
			if err := dv.SetDropList([]string{VerdictYes, VerdictNo}); err != nil {
				return err
			}
			dv.SetError(excelize.DataValidationErrorStyleStop, "Not a valid value", "Pick yes or no; write a better translation under Correction.")
			if err := f.AddDataValidation(sh, dv); err != nil {
				return err
			}
		}
		widths := map[int]float64{tcID: 20, tcSet: 14, tcCountry: 12, tcSubcategory: 14, tcVariant: 11, tcSource: 36, tcText: 36, tcBack: 36,
			tcOrigin: 16, tcVerdict: 12, tcCorrection: 36, tcComment: 30, tcCheck: 18}
		for c, w := range widths {
			if err := f.SetColWidth(sh, colName(c), colName(c), w); err != nil {
				return err
			}
		}
		if err := f.SetColVisible(sh, colName(tcCheck), false); err != nil {
			return err
		}
		if err := f.SetPanes(sh, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
			return err
		}
		if err := printSetup(f, sh); err != nil {
			return err
		}
		if err := f.ProtectSheet(sh, &excelize.SheetProtectionOptions{SelectLockedCells: true, SelectUnlockedCells: true, FormatColumns: true, FormatRows: true}); err != nil {
			return err
		}
	}
	return nil
}

// translationSheet is one language's sheet as read back.
type translationSheet struct {
	Lang  string // "" in a CSV file: each row's translation says it
	Where string // the sheet's or file's name, for messages
	Rows  []filledRow
	// index is where each column is in the file, so that a message names
	// the reviewer's own cell when columns were moved.
	index []int
}

// readTranslations reads every Translations sheet of a workbook.
func readTranslations(f *excelize.File) ([]translationSheet, []Problem) {
	var out []translationSheet
	var probs []Problem
	for _, sh := range f.GetSheetList() {
		if !strings.HasPrefix(sh, TranslationsPrefix) {
			continue
		}
		rows, err := f.GetRows(sh)
		if err != nil {
			probs = append(probs, Problem{Where: sh, Msg: fmt.Sprintf("cannot read the sheet: %v", err)})
			continue
		}
		if len(rows) == 0 {
			continue
		}
		if len(rows) > MaxRows+1 {
			probs = append(probs, Problem{Where: sh, Msg: fmt.Sprintf("more than %d rows", MaxRows)})
			continue
		}
		index, missing := translationIndex(rows[0], func(c int) string { return fmt.Sprintf("%s!%s1", sh, colName(c)) })
		if len(missing) > 0 {
			probs = append(probs, missing...)
			continue
		}
		ts := translationSheet{Lang: strings.TrimPrefix(sh, TranslationsPrefix), Where: sh, index: index}
		for i, r := range rows[1:] {
			ts.Rows = append(ts.Rows, pick(r, index, i+2))
		}
		for _, r := range ts.Rows {
			for _, c := range []int{tcVerdict, tcCorrection, tcComment} {
				cell := fmt.Sprintf("%s%d", colName(index[c]), r.Row)
				if fm, err := f.GetCellFormula(sh, cell); err == nil && fm != "" {
					probs = append(probs, Problem{Where: sh + "!" + cell, Msg: fmt.Sprintf("a formula (=%s) where a value belongs: type the value, not a formula", excerpt(fm))})
				}
			}
		}
		ts.Rows = slices.DeleteFunc(ts.Rows, func(r filledRow) bool { return strings.Join(r.Cells, "") == "" })
		out = append(out, ts)
	}
	return out, probs
}

// checkTranslations checks the Translations sheets' rows against the
// run's translations and returns what the reviewer said of each.
func checkTranslations(sheets []translationSheet, known map[string]store.Translation, runID string, add func(where, msg string, a ...any)) []store.TranslationReview {
	var out []store.TranslationReview
	seen := map[string]string{}
	for _, s := range sheets {
		ref := func(col, row int) string { return fmt.Sprintf("%s!%s%d", s.Where, colName(s.index[col]), row) }
		for _, r := range s.Rows {
			c := r.Cells
			verdict := strings.ToLower(strings.TrimSpace(c[tcVerdict]))
			correction := strings.TrimSpace(strings.TrimPrefix(c[tcCorrection], "'"))
			comment := strings.TrimPrefix(c[tcComment], "'")
			if verdict == "" && correction == "" && comment == "" {
				continue
			}
			t, ok := known[c[tcID]]
			switch {
			case !ok:
				add(ref(tcID, r.Row), "unknown translation id %q: the id was edited, or the row comes from another run's sheet", c[tcID])
				continue
			case s.Lang != "" && t.Language != s.Lang:
				add(ref(tcID, r.Row), "translation %s is in %s, not %s", t.ID, t.Language, s.Lang)
				continue
			case c[tcCheck] != translationCheck(runID, t):
				add(ref(tcText, r.Row), "the row does not match translation %s as exported: the Translation cell was edited, or the translation changed since the export (write a better translation under Correction, and export again if the run changed)", t.ID)
				continue
			}
			if prev, dup := seen[t.ID]; dup {
				add(ref(tcID, r.Row), "translation %s appears again (first at %s)", t.ID, prev)
				continue
			}
			seen[t.ID] = ref(tcID, r.Row)
			switch verdict {
			case "", VerdictYes, VerdictNo:
			case "y":
				verdict = VerdictYes
			case "n":
				verdict = VerdictNo
			default:
				add(ref(tcVerdict, r.Row), "type yes or no, or leave blank; got %q", excerpt(c[tcVerdict]))
				continue
			}
			switch {
			case verdict == VerdictYes && correction != "":
				add(ref(tcCorrection, r.Row), "a correction for a translation marked natural and faithful: mark it no, or clear the correction")
				continue
			case len(correction) > maxCorrectionBytes:
				add(ref(tcCorrection, r.Row), "the correction has %d bytes; a prompt's limit is %d", len(correction), maxCorrectionBytes)
				continue
			case strings.ContainsAny(correction, "\n\r"):
				add(ref(tcCorrection, r.Row), "a correction is one line: remove the line breaks")
				continue
			case correction != "" && verdict == "":
				verdict = VerdictNo
			}
			if n := len([]rune(comment)); n > MaxCommentRunes {
				add(ref(tcComment, r.Row), "the comment has %d characters; the limit is %d", n, MaxCommentRunes)
				continue
			}
			out = append(out, store.TranslationReview{ID: t.ID, Verdict: verdict, Correction: correction, Comment: comment})
		}
	}
	return out
}

// maxCorrectionBytes caps a corrected prompt, as the translator's are.
const maxCorrectionBytes = 1000

// writeTranslationsCSV writes one language's translations as a CSV file
// beside a CSV sheet: the same columns, then Reviewer and Run.
func writeTranslationsCSV(path string, rows []store.Translation, reviewer, runID string) error {
	return createCSV(path, func(w *csv.Writer) error {
		if err := w.Write(append(append([]string(nil), translationCols...), csvReviewer, csvRun)); err != nil {
			return err
		}
		for _, t := range rows {
			rec := []string{t.ID, t.PromptSet, csvsafe.Neutralise(t.Country), t.Subcategory, t.Variant, csvsafe.Neutralise(t.Source), csvsafe.Neutralise(t.Text),
				csvsafe.Neutralise(t.Back), csvsafe.Neutralise(madeBy(t)), "", "", "", translationCheck(runID, t), csvsafe.Neutralise(reviewer), runID}
			if err := w.Write(rec); err != nil {
				return err
			}
		}
		return nil
	})
}

// isTranslationsCSV reports whether a CSV header is a translations file's.
func isTranslationsCSV(head []string) bool {
	for _, h := range head {
		if strings.EqualFold(strings.Join(strings.Fields(h), " "), translationCols[tcVerdict]) {
			return true
		}
	}
	return false
}

// translationIndex finds the Translations columns in a header row.
func translationIndex(head []string, ref func(int) string) ([]int, []Problem) {
	norm := func(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }
	index := make([]int, len(translationCols))
	var probs []Problem
	for i, c := range translationCols {
		index[i] = slices.IndexFunc(head, func(h string) bool { return norm(h) == norm(c) })
		if index[i] < 0 {
			probs = append(probs, Problem{Where: ref(len(head)), Msg: fmt.Sprintf("column %q is missing from the header row; do not delete or rename columns", c)})
		}
	}
	return index, probs
}
