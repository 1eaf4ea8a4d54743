package review

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/xuri/excelize/v2"
)

// Limits against hostile or broken files.
const (
	MaxFileBytes     = 256 << 20 // the file as sent
	MaxUnzippedBytes = 1 << 30   // all parts of an XLSX, decompressed
	MaxSheetXMLBytes = 256 << 20 // one worksheet's XML, decompressed
	MaxRows          = 200000
	MaxCommentRunes  = 2000
)

// filled is a reviewer's file as read, before it is checked against the
// run: the cells of every Ratings row by column, and where they came from.
type filled struct {
	Name        string // file name, for messages
	Format      string
	RunID       string
	Sheet       string // the sheet's name (review-Kenya...)
	Country     string
	Reviewer    string
	ReviewerRef string // where the reviewer's name is (or should be)
	SavedAt     string
	Rows        []filledRow
	// Translations are the workbook's Translations sheets, if any.
	Translations []translationSheet
	// ref names a cell for messages: "Ratings!G12" or "file.csv!G12".
	ref func(col, row int) string
	// metaRef names the Meta cell of a key, or "" when the file has none.
	metaRef func(key string) string
}

// filledRow is one row's cells in the protocol's column order.
type filledRow struct {
	Row   int
	Cells []string
}

// readFile reads an XLSX or CSV file a reviewer sent back, with the
// columns of protocol p.
func readFile(name string, data []byte, p Protocol) (*filled, []Problem) {
	if len(data) > MaxFileBytes {
		return nil, []Problem{{Where: name, Msg: fmt.Sprintf("the file is %d MB; the limit is %d MB", len(data)>>20, MaxFileBytes>>20)}}
	}
	if strings.EqualFold(filepath.Ext(name), ".csv") {
		return readCSV(name, data, p)
	}
	return readXLSX(name, data, p)
}

func colName(col int) string {
	n, _ := excelize.ColumnNumberToName(col + 1)
	return n
}

func readXLSX(name string, data []byte, p Protocol) (*filled, []Problem) {
	fail := func(msg string, a ...any) (*filled, []Problem) {
		return nil, []Problem{{Where: name, Msg: fmt.Sprintf(msg, a...)}}
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return fail("not an XLSX workbook (%v); save it as .xlsx", err)
	}
	var total uint64
	for _, f := range zr.File {
		total += f.UncompressedSize64
	}
	if total > MaxUnzippedBytes {
		return fail("the workbook unpacks to %d MB; the limit is %d MB", total>>20, MaxUnzippedBytes>>20)
	}
	if isODS(zr) {
		return fail("this is an OpenDocument spreadsheet (.ods), not an .xlsx workbook; in LibreOffice choose File > Save As and the type Excel 2007-365 (.xlsx)")
	}
	// Every part is read to its end against its directory entry: the zip
	// reader checks its CRC, and a part longer than its declared size is
	// caught after one byte too many, so no tampered part is read short.
	for _, zf := range zr.File {
		rc, err := zf.Open()
		if err != nil {
			return fail("the workbook is damaged or was altered (part %s: %v); save it again as .xlsx", excerpt(zf.Name), err)
		}
		n, err := io.Copy(io.Discard, io.LimitReader(rc, int64(zf.UncompressedSize64)+1))
		rc.Close()
		if err == nil && uint64(n) != zf.UncompressedSize64 {
			err = fmt.Errorf("%d bytes where its directory says %d", n, zf.UncompressedSize64)
			if uint64(n) > zf.UncompressedSize64 {
				err = fmt.Errorf("more bytes than the %d its directory says", zf.UncompressedSize64)
			}
		}
		if err != nil {
			return fail("the workbook is damaged or was altered (part %s: %v); save it again as .xlsx", excerpt(zf.Name), err)
		}
	}
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: MaxUnzippedBytes, UnzipXMLSizeLimit: MaxSheetXMLBytes})
	if err != nil {
		return fail("cannot open the workbook: %v", err)
	}
	defer f.Close()
	out := &filled{Name: name, ref: func(col, row int) string { return fmt.Sprintf("%s!%s%d", SheetRatings, colName(col), row) }}
	meta := map[string]string{}
	metaRow := map[string]int{}
	if idx, _ := f.GetSheetIndex(SheetMeta); idx >= 0 {
		rows, err := f.GetRows(SheetMeta)
		if err != nil {
			return fail("reading the %s sheet: %v", SheetMeta, err)
		}
		for i, r := range rows {
			if len(r) >= 2 {
				meta[r[0]] = strings.TrimSpace(r[1])
				metaRow[r[0]] = i + 1
			}
		}
		out.metaRef = func(key string) string {
			if r, ok := metaRow[key]; ok {
				return fmt.Sprintf("%s!B%d", SheetMeta, r)
			}
			return SheetMeta + "!A1"
		}
	}
	out.Format, out.RunID, out.Sheet, out.Country = meta["format"], meta["run_id"], meta["sheet"], meta["country"]
	out.Reviewer, out.ReviewerRef = meta["reviewer"], SheetInstructions+"!"+ReviewerCell
	if idx, _ := f.GetSheetIndex(SheetInstructions); idx >= 0 {
		if v, err := f.GetCellValue(SheetInstructions, ReviewerCell); err == nil && strings.TrimSpace(v) != "" {
			out.Reviewer = strings.TrimSpace(v)
		}
	}
	if p, err := f.GetDocProps(); err == nil {
		out.SavedAt = p.Modified
	}
	if idx, _ := f.GetSheetIndex(SheetRatings); idx < 0 {
		return fail("the workbook has no %q sheet; send back the file Blindspot exported", SheetRatings)
	}
	rows, err := f.Rows(SheetRatings)
	if err != nil {
		return fail("reading %s: %v", SheetRatings, err)
	}
	defer rows.Close()
	var probs []Problem
	var index []int
	cols := p.columns()
	rowNum := 0
	for rows.Next() {
		rowNum++
		cells, err := rows.Columns()
		if err != nil {
			return fail("reading %s row %d: %v", SheetRatings, rowNum, err)
		}
		if rowNum == 1 {
			index, probs = headerIndex(cells, cols, func(c int) string { return fmt.Sprintf("%s!%s1", SheetRatings, colName(c)) })
			if len(probs) > 0 {
				return nil, probs
			}
			continue
		}
		if rowNum > MaxRows+1 {
			return fail("%s has more than %d rows", SheetRatings, MaxRows)
		}
		out.Rows = append(out.Rows, pick(cells, index, rowNum))
	}
	if rowNum == 0 {
		return fail("%s is empty", SheetRatings)
	}
	// A formula where a reviewer types a value would be read as its cached
	// result or as blank: refuse it at its cell.
	formula := func(sheet, cell string) {
		if fm, err := f.GetCellFormula(sheet, cell); err == nil && fm != "" {
			probs = append(probs, Problem{Where: sheet + "!" + cell, Msg: fmt.Sprintf("a formula (=%s) where a value belongs: type the value, not a formula", excerpt(fm))})
		}
	}
	if idx, _ := f.GetSheetIndex(SheetInstructions); idx >= 0 {
		formula(SheetInstructions, ReviewerCell)
	}
	for _, r := range out.Rows {
		for _, c := range p.inputCols() {
			if index[c] >= 0 {
				formula(SheetRatings, fmt.Sprintf("%s%d", colName(index[c]), r.Row))
			}
		}
	}
	var tprobs []Problem
	out.Translations, tprobs = readTranslations(f)
	probs = append(probs, tprobs...)
	// Report cells by the file's own columns. The problems so far are a
	// cell's or a sheet's: the rest of the file is still checked, so that
	// one import names every problem.
	out.ref = func(col, row int) string { return fmt.Sprintf("%s!%s%d", SheetRatings, colName(index[col]), row) }
	return out, probs
}

// headerIndex finds each of the protocol's columns in a header row.
func headerIndex(head, cols []string, ref func(int) string) ([]int, []Problem) {
	idx := make([]int, len(cols))
	var probs []Problem
	norm := func(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }
	for i := range idx {
		idx[i] = -1
		for j, h := range head {
			if norm(h) == norm(cols[i]) {
				idx[i] = j
				break
			}
		}
		if idx[i] < 0 && i != colImage {
			probs = append(probs, Problem{Where: ref(len(head)), Msg: fmt.Sprintf("column %q is missing from the header row; do not delete or rename columns (or the sheet was exported with another review protocol: export again)", cols[i])})
		}
	}
	return idx, probs
}

func pick(cols []string, index []int, row int) filledRow {
	r := filledRow{Row: row, Cells: make([]string, len(index))}
	for i, j := range index {
		if j >= 0 && j < len(cols) {
			r.Cells[i] = strings.TrimSpace(cols[j])
		}
	}
	return r
}

func readCSV(name string, data []byte, p Protocol) (*filled, []Problem) {
	base := filepath.Base(name)
	cr := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))))
	cr.FieldsPerRecord = -1
	head, err := cr.Read()
	if err != nil {
		return nil, []Problem{{Where: base, Msg: fmt.Sprintf("not a CSV file: %v", err)}}
	}
	if isTranslationsCSV(head) {
		index, probs := translationIndex(head, func(c int) string { return fmt.Sprintf("%s!%s1", base, colName(c)) })
		out, rows, more := readCSVBody(name, head, cr, index, probs)
		if out == nil {
			return nil, more
		}
		out.Sheet = strings.TrimSuffix(base, filepath.Ext(base))
		out.Translations = []translationSheet{{Where: base, index: index, Rows: rows}}
		return out, more
	}
	index, probs := headerIndex(head, p.columns(), func(c int) string { return fmt.Sprintf("%s!%s1", base, colName(c)) })
	out, rows, probs := readCSVBody(name, head, cr, index, probs)
	if out != nil {
		out.Rows = rows
	}
	return out, probs
}

// readCSVBody reads a returned CSV file's rows, in the column order
// index gives, with the reviewer and the run from their columns: one
// reviewer and one run per file. It returns nil when the header already
// had problems (probs) or a row cannot be read.
func readCSVBody(name string, head []string, cr *csv.Reader, index []int, probs []Problem) (*filled, []filledRow, []Problem) {
	base := filepath.Base(name)
	find := func(h string) int {
		for j, x := range head {
			if strings.EqualFold(strings.TrimSpace(x), h) {
				return j
			}
		}
		return -1
	}
	revCol, runCol := find(csvReviewer), find(csvRun)
	if runCol < 0 {
		probs = append(probs, Problem{Where: base + "!A1", Msg: fmt.Sprintf("column %q is missing from the header row", csvRun)})
	}
	if len(probs) > 0 {
		return nil, nil, probs
	}
	out := &filled{Name: name, Format: Format, ref: func(col, row int) string { return fmt.Sprintf("%s!%s%d", base, colName(index[col]), row) }}
	out.ReviewerRef = fmt.Sprintf("%s!%s2", base, colName(max(revCol, 0)))
	var rows []filledRow
	runs := map[string]int{}
	for row := 2; ; row++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, []Problem{{Where: fmt.Sprintf("%s:%d", base, row), Msg: err.Error()}}
		}
		if row > MaxRows+1 {
			return nil, nil, []Problem{{Where: base, Msg: fmt.Sprintf("more than %d rows", MaxRows)}}
		}
		rows = append(rows, pick(rec, index, row))
		if revCol >= 0 && revCol < len(rec) {
			if v := strings.TrimSpace(strings.TrimPrefix(rec[revCol], "'")); v != "" {
				if out.Reviewer != "" && out.Reviewer != v {
					probs = append(probs, Problem{Where: fmt.Sprintf("%s!%s%d", base, colName(revCol), row), Msg: fmt.Sprintf("reviewer %q differs from %q above; one file is one reviewer", v, out.Reviewer)})
				}
				if out.Reviewer == "" {
					out.Reviewer, out.ReviewerRef = v, fmt.Sprintf("%s!%s%d", base, colName(revCol), row)
				}
			}
		}
		if runCol < len(rec) && strings.TrimSpace(rec[runCol]) != "" {
			runs[strings.TrimSpace(rec[runCol])]++
			if out.RunID == "" {
				out.RunID = strings.TrimSpace(rec[runCol])
				out.metaRef = func(string) string { return fmt.Sprintf("%s!%s%d", base, colName(runCol), row) }
			}
		}
	}
	if len(runs) > 1 {
		probs = append(probs, Problem{Where: base, Msg: "rows from more than one run"})
	}
	return out, rows, probs
}

// excerpt is at most 40 characters of a cell's text, for a message.
func excerpt(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}

// isODS reports whether a zip is an OpenDocument spreadsheet.
func isODS(zr *zip.Reader) bool {
	for _, f := range zr.File {
		if f.Name != "mimetype" {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return false
		}
		b, _ := io.ReadAll(io.LimitReader(rc, 100))
		rc.Close()
		return strings.HasPrefix(string(b), "application/vnd.oasis.opendocument")
	}
	return false
}
