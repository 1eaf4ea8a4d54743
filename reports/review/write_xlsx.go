package review

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/xuri/excelize/v2"
)

// Sheet names in the workbook.
const (
	SheetInstructions = "Instructions"
	SheetRatings      = "Ratings"
	SheetMeta         = "Meta"
)

// ReviewerCell is where a reviewer types their name, on the Instructions
// sheet; it is filled in when the spec names the reviewer.
const ReviewerCell = "C4"

// rowHeight is the row height in points that fits a picture px wide (a
// point is 4/3 pixels; the picture keeps its aspect, most are square).
func rowHeight(px int) float64 { return float64(px)*0.75 + 6 }

// writeXLSX writes one sheet as a workbook at path. thumbs maps an image's
// SHA to its JPEG thumbnail.
func writeXLSX(path string, s Sheet, p Protocol, runID, exportedAt string, thumbs map[string][]byte, full map[string]string, px int) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", SheetInstructions); err != nil {
		return err
	}
	if err := instructions(f, s, p); err != nil {
		return fmt.Errorf("instructions: %w", err)
	}
	if _, err := f.NewSheet(SheetRatings); err != nil {
		return err
	}
	if err := ratings(f, s, p, runID, thumbs, full, px); err != nil {
		return fmt.Errorf("ratings: %w", err)
	}
	if err := writeTranslations(f, s.Translations, runID); err != nil {
		return fmt.Errorf("translations: %w", err)
	}
	if _, err := f.NewSheet(SheetMeta); err != nil {
		return err
	}
	for i, kv := range [][2]string{{"format", Format}, {"run_id", runID}, {"sheet", s.Name}, {"country", s.Country}, {"reviewer", s.Reviewer}, {"exported_at", exportedAt}} {
		if err := f.SetSheetRow(SheetMeta, fmt.Sprintf("A%d", i+1), &[]any{kv[0], kv[1]}); err != nil {
			return err
		}
	}
	if err := f.SetSheetVisible(SheetMeta, false); err != nil {
		return err
	}
	if err := f.SetDocProps(&excelize.DocProperties{Title: "Blindspot review " + s.Name, Creator: "blindspot", Created: exportedAt, Modified: exportedAt}); err != nil {
		return err
	}
	f.SetActiveSheet(0)
	return f.SaveAs(path)
}

func instructions(f *excelize.File, s Sheet, p Protocol) error {
	who := "the native reviewers of " + s.Country
	lines := [][]any{
		{"Blindspot review: " + s.Country},
		{"Please rate how each image represents " + s.Country + ". These sheets are for " + who + "."},
		{},
		{"", "Your name or reviewer ID:", s.Reviewer},
		{},
		{"How to rate", "On the Ratings sheet, every row is one image. Pick a value from the drop-down in each rating column."},
	}
	for _, sc := range p.Scales {
		lines = append(lines, []any{"", sc.Title + ": " + strings.ReplaceAll(sc.Question, "the country", s.Country) + "."})
	}
	for i, sc := range p.Scales {
		text := fmt.Sprintf("%s: %d to %d", sc.Title, sc.Min(), sc.Max())
		if len(sc.Labels) > 0 {
			text += " (" + strings.Join(choices(sc), ", ") + ")"
		}
		lines = append(lines, []any{map[bool]string{true: "Scales"}[i == 0], text + "."})
	}
	if len(p.Tags) > 0 {
		lines = append(lines, []any{"Errors", "Mark with x each kind of error you see in an image (leave blank otherwise):"})
		for _, t := range p.Tags {
			lines = append(lines, []any{"", t.Title + ": " + t.Question})
		}
	}
	lines = append(lines,
		[]any{"Best / Worst", "Rows with the same Group show the same scene: the steps of one series of edits (step 0 is the original), or several versions of one prompt."},
		[]any{"", "In each group, mark the image that best represents " + s.Country + " with Best, and the one that represents it worst with Worst. They must be different images."},
		[]any{"Full size", "Click an Item ID to open its image at full size: the images are in the folder " + s.Name + "-full beside this file (keep the two together)."},
		[]any{"Comment", "Optional: anything we should know about an image."},
		[]any{"Stopping early", "You may stop at any point and send what you have: blank cells are fine."},
		[]any{"Saving", "Save as Excel workbook (.xlsx) in Excel, LibreOffice or Google Sheets (File > Download > .xlsx) and send the file back. Do not change the Item ID column or the order of columns."},
	)
	if len(s.Translations) > 0 { // just before Saving
		lines = slices.Insert(lines, len(lines)-1, translationLine(s))
	}
	for i, l := range lines {
		if len(l) == 0 {
			continue
		}
		if err := f.SetSheetRow(SheetInstructions, fmt.Sprintf("A%d", i+1), &l); err != nil {
			return err
		}
		// Rows as tall as their wrapped text (about 95 characters to a line
		// in column B): not every program fits them when it opens the file.
		if len(l) > 1 {
			if text, ok := l[1].(string); ok && len(text) > 95 {
				if err := f.SetRowHeight(SheetInstructions, i+1, 15*float64((len(text)+94)/95)); err != nil {
					return err
				}
			}
		}
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}})
	if err != nil {
		return err
	}
	if err := f.SetCellStyle(SheetInstructions, "A1", "A1", bold); err != nil {
		return err
	}
	input, err := f.NewStyle(&excelize.Style{Fill: excelize.Fill{Type: "pattern", Color: []string{"FFF2CC"}, Pattern: 1},
		Border: []excelize.Border{{Type: "bottom", Color: "999999", Style: 1}}, Protection: &excelize.Protection{Locked: false}})
	if err != nil {
		return err
	}
	if err := f.SetCellStyle(SheetInstructions, ReviewerCell, ReviewerCell, input); err != nil {
		return err
	}
	if err := f.SetColWidth(SheetInstructions, "A", "A", 16); err != nil {
		return err
	}
	// The explanations wrap within a page's width.
	wrap, err := f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	if err != nil {
		return err
	}
	if err := f.SetCellStyle(SheetInstructions, "B2", fmt.Sprintf("B%d", len(lines)), wrap); err != nil {
		return err
	}
	if err := f.SetCellStyle(SheetInstructions, ReviewerCell, ReviewerCell, input); err != nil {
		return err
	}
	if err := f.SetColWidth(SheetInstructions, "B", "B", 90); err != nil {
		return err
	}
	if err := f.SetColWidth(SheetInstructions, "C", "C", 30); err != nil {
		return err
	}
	portrait, fit, tall := "portrait", 1, 0
	if err := f.SetSheetProps(SheetInstructions, &excelize.SheetPropsOptions{FitToPage: boolPtr(true)}); err != nil {
		return err
	}
	return f.SetPageLayout(SheetInstructions, &excelize.PageLayoutOptions{Orientation: &portrait, FitToWidth: &fit, FitToHeight: &tall})
}

func ratings(f *excelize.File, s Sheet, p Protocol, runID string, thumbs map[string][]byte, full map[string]string, px int) error {
	const sh = SheetRatings
	cols := p.columns()
	head := make([]any, len(cols))
	for i, c := range cols {
		head[i] = c
	}
	if err := f.SetSheetRow(sh, "A1", &head); err != nil {
		return err
	}
	headStyle, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Alignment: &excelize.Alignment{WrapText: true, Vertical: "center"},
		Fill: excelize.Fill{Type: "pattern", Color: []string{"E7E6E6"}, Pattern: 1}})
	if err != nil {
		return err
	}
	locked, err := f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	if err != nil {
		return err
	}
	open, err := f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}, Protection: &excelize.Protection{Locked: false},
		Fill: excelize.Fill{Type: "pattern", Color: []string{"FFF2CC"}, Pattern: 1}})
	if err != nil {
		return err
	}
	na, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Color: "999999"}, Fill: excelize.Fill{Type: "pattern", Color: []string{"F2F2F2"}, Pattern: 1}})
	if err != nil {
		return err
	}
	// The first row of each group has a thick rule above it: a group's
	// images are compared with each other, not with the next group's.
	groupTop := []excelize.Border{{Type: "top", Color: "404040", Style: 5}}
	lockedFirst, err := f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}, Border: groupTop})
	if err != nil {
		return err
	}
	openFirst, err := f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}, Protection: &excelize.Protection{Locked: false},
		Fill: excelize.Fill{Type: "pattern", Color: []string{"FFF2CC"}, Pattern: 1}, Border: groupTop})
	if err != nil {
		return err
	}
	link, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Color: "1F4E9E", Underline: "single"}, Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	if err != nil {
		return err
	}
	lastCol := colName(len(cols) - 1)
	firstIn, lastIn := colName(p.scaleCol(0)), colName(p.commentCol())
	alignCols := map[int]bool{}
	for i, sc := range p.Scales {
		if alignmentScale(sc) {
			alignCols[p.scaleCol(i)] = true
		}
	}
	if err := f.SetCellStyle(sh, "A1", lastCol+"1", headStyle); err != nil {
		return err
	}
	row := 2
	for gi, g := range s.Groups {
		label := fmt.Sprintf("G%d (%s)", gi+1, map[string]string{KindChain: "edit steps", KindPrompt: "versions"}[g.Kind])
		for ii, it := range g.Items {
			lockedStyle, openStyle := locked, open
			if ii == 0 {
				lockedStyle, openStyle = lockedFirst, openFirst
			}
			cells := make([]any, len(cols))
			for i := range cells {
				cells[i] = ""
			}
			copy(cells, []any{it.ID, label, "", it.Text, s.Models[it.Model], it.Step})
			cells[p.integrityCol()] = Integrity(runID, it, g.Country, g.ID)
			for c := range alignCols {
				if !it.Alignment {
					cells[c] = "n/a"
				}
			}
			r := fmt.Sprint(row)
			if err := f.SetSheetRow(sh, "A"+r, &cells); err != nil {
				return err
			}
			if err := f.SetCellStyle(sh, "A"+r, "F"+r, lockedStyle); err != nil {
				return err
			}
			if err := f.SetCellStyle(sh, firstIn+r, lastIn+r, openStyle); err != nil {
				return err
			}
			if p := full[it.SHA]; p != "" {
				// The item id opens the full-size image.
				if err := f.SetCellHyperLink(sh, "A"+r, p, "External", excelize.HyperlinkOpts{Tooltip: strPtr("Open the full-size image")}); err != nil {
					return err
				}
				if err := f.SetCellStyle(sh, "A"+r, "A"+r, link); err != nil {
					return err
				}
			}
			for c := range alignCols {
				if !it.Alignment {
					if err := f.SetCellStyle(sh, colName(c)+r, colName(c)+r, na); err != nil {
						return err
					}
				}
			}
			if err := f.SetRowHeight(sh, row, rowHeight(px)); err != nil {
				return err
			}
			if th := thumbs[it.SHA]; th != nil {
				if err := f.AddPictureFromBytes(sh, "C"+r, &excelize.Picture{Extension: ".jpg", File: th,
					Format: &excelize.GraphicOptions{AltText: it.ID, OffsetX: 2, OffsetY: 2, Positioning: "oneCell"}}); err != nil {
					return err
				}
			}
			row++
		}
	}
	end := row - 1
	type list struct {
		col  string
		list []string
		msg  string
	}
	var lists []list
	for i, sc := range p.Scales {
		l := list{colName(p.scaleCol(i)), choices(sc), fmt.Sprintf("Pick %s, or leave blank.", scaleHint(sc))}
		if alignmentScale(sc) {
			l.list = append(l.list, "n/a")
		}
		lists = append(lists, l)
	}
	lists = append(lists, list{colName(p.bestCol()), []string{"Best"}, "Mark one image per group as Best."}, list{colName(p.worstCol()), []string{"Worst"}, "Mark one image per group as Worst."})
	for i, t := range p.Tags {
		lists = append(lists, list{colName(p.tagCol(i)), []string{"x"}, "Type x if the image shows this error (" + t.Title + "), or leave blank."})
	}
	for _, v := range lists {
		if end < 2 {
			break
		}
		dv := excelize.NewDataValidation(true)
		dv.Sqref = fmt.Sprintf("%s2:%s%d", v.col, v.col, end)
		if err := dv.SetDropList(v.list); err != nil {
			return err
		}
		dv.SetError(excelize.DataValidationErrorStyleStop, "Not a valid value", v.msg)
		if err := f.AddDataValidation(sh, dv); err != nil {
			return err
		}
	}
	// Column C holds the picture: about 7 pixels to a character.
	widths := map[int]float64{colID: 15, colGroup: 16, colImage: float64(px)/7 + 2, colText: 42, colModel: 12, colStep: 6,
		p.bestCol(): 10, p.worstCol(): 10, p.commentCol(): 30, p.integrityCol(): 18}
	for i, sc := range p.Scales {
		widths[p.scaleCol(i)] = float64(max(14, min(24, len(scaleHeader(sc))/2+2)))
	}
	for i, t := range p.Tags {
		widths[p.tagCol(i)] = float64(max(10, min(20, len(t.Title)/2+4)))
	}
	for c, w := range widths {
		if err := f.SetColWidth(sh, colName(c), colName(c), w); err != nil {
			return err
		}
	}
	if err := f.SetColVisible(sh, colName(p.integrityCol()), false); err != nil {
		return err
	}
	// The id, group and picture stay in view while the ratings scroll.
	if err := f.SetPanes(sh, &excelize.Panes{Freeze: true, XSplit: 3, YSplit: 1, TopLeftCell: "D2", ActivePane: "bottomRight"}); err != nil {
		return err
	}
	if err := printSetup(f, sh); err != nil {
		return err
	}
	return f.ProtectSheet(sh, &excelize.SheetProtectionOptions{SelectLockedCells: true, SelectUnlockedCells: true, FormatColumns: true, FormatRows: true, AutoFilter: true, Sort: false})
}

func strPtr(s string) *string { return &s }

func boolPtr(b bool) *bool { return &b }

// printSetup prints a sheet landscape, fitted to the page's width, with
// its header row repeated.
func printSetup(f *excelize.File, sh string) error {
	landscape, fit, tall := "landscape", 1, 0
	if err := f.SetSheetProps(sh, &excelize.SheetPropsOptions{FitToPage: boolPtr(true)}); err != nil {
		return err
	}
	if err := f.SetPageLayout(sh, &excelize.PageLayoutOptions{Orientation: &landscape, FitToWidth: &fit, FitToHeight: &tall}); err != nil {
		return err
	}
	return f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles", RefersTo: "'" + sh + "'!$1:$1", Scope: sh})
}

// translationLine explains the Translations sheets.
func translationLine(s Sheet) []any {
	var names []string
	for _, lang := range slices.Sorted(maps.Keys(s.Translations)) {
		names = append(names, TranslationsPrefix+lang)
	}
	return []any{"Translations", "The " + strings.Join(names, ", ") + " sheet(s) list the prompts as they were given to the models in your language, with the English prompt and a machine translation back into English. Is each translation natural and faithful? Pick yes or no; where you can say it better, write your translation under Correction (later runs will use it)."}
}
