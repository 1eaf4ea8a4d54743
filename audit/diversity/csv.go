package diversity

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"strconv"
	"strings"
)

// Table is a numeric CSV: optional header, rows of numbers, and the line
// each row came from.
type Table struct {
	Header []string
	Rows   [][]float64
	Lines  []int
}

// MaxCSVRows caps a table read from a file.
const MaxCSVRows = 1_000_000

// MaxCSVBytes caps the size of a table read from a file.
const MaxCSVBytes = 4 << 30

// ReadTable reads a numeric CSV. A first row that is not all numbers is a
// header, but only when some field is not a number at all. Every error
// names file:line:column.
//
// A plain file (no quotes, every row numbers of one width) is parsed on
// every core; anything else, and every file with an error, goes through
// encoding/csv, whose messages name the place.
func ReadTable(r io.Reader, file string) (*Table, error) {
	// A file says its size: one buffer of it, not a doubling series.
	var buf bytes.Buffer
	if f, ok := r.(interface{ Stat() (fs.FileInfo, error) }); ok {
		if st, err := f.Stat(); err == nil && st.Mode().IsRegular() && st.Size() <= MaxCSVBytes {
			buf.Grow(int(st.Size()) + bytes.MinRead)
		}
	}
	if _, err := buf.ReadFrom(io.LimitReader(r, MaxCSVBytes+1)); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	b := buf.Bytes()
	if len(b) > MaxCSVBytes {
		return nil, fmt.Errorf("%s: larger than %d GiB", file, MaxCSVBytes>>30)
	}
	if t, ok := parsePlain(b); ok {
		return t, nil
	}
	return readCSV(bytes.NewReader(b), file)
}

// readCSV is ReadTable through encoding/csv: any CSV, every error placed.
func readCSV(r io.Reader, file string) (*Table, error) {
	// A UTF-8 byte-order mark (spreadsheets write one) is not data.
	br := bufio.NewReader(r)
	if b, err := br.Peek(3); err == nil && string(b) == "\ufeff" {
		br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	cr.ReuseRecord = true
	t := &Table{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		row := make([]float64, len(rec))
		numeric := true
		var bad error
		for i, f := range rec {
			v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
			if errors.Is(err, strconv.ErrRange) {
				// A number, but too large or small for a float: not a header.
				_, col := cr.FieldPos(i)
				return nil, fmt.Errorf("%s:%d:%d: %q is out of the range of a number (about 1e-308 to 1e308)", file, line, col, f)
			}
			if err != nil {
				numeric = false
				if bad == nil {
					_, col := cr.FieldPos(i)
					bad = fmt.Errorf("%s:%d:%d: %q is not a number", file, line, col, f)
				}
				continue
			}
			if math.IsNaN(v) || math.IsInf(v, 0) {
				_, col := cr.FieldPos(i)
				return nil, fmt.Errorf("%s:%d:%d: %q is not a finite number", file, line, col, f)
			}
			row[i] = v
		}
		if !numeric {
			if t.Header == nil && len(t.Rows) == 0 {
				t.Header = append([]string(nil), rec...)
				continue
			}
			return nil, bad
		}
		if len(t.Rows) > 0 && len(row) != len(t.Rows[0]) {
			return nil, fmt.Errorf("%s:%d: %d values, but line %d has %d", file, line, len(row), t.Lines[0], len(t.Rows[0]))
		}
		if t.Header != nil && len(row) != len(t.Header) {
			return nil, fmt.Errorf("%s:%d: %d values, but the header has %d columns", file, line, len(row), len(t.Header))
		}
		if len(t.Rows) >= MaxCSVRows {
			return nil, fmt.Errorf("%s: more than %d rows", file, MaxCSVRows)
		}
		t.Rows = append(t.Rows, row)
		t.Lines = append(t.Lines, line)
	}
	if len(t.Rows) == 0 {
		return nil, fmt.Errorf("%s: no rows of numbers", file)
	}
	return t, nil
}

// TakeColumn removes a column, named by header or by 1-based number, and
// returns its values.
func (t *Table) TakeColumn(name string) ([]float64, error) {
	idx := -1
	for i, h := range t.Header {
		if strings.TrimSpace(h) == name {
			idx = i
		}
	}
	if idx < 0 {
		n, err := strconv.Atoi(name)
		if err != nil || n < 1 || n > len(t.Rows[0]) {
			if t.Header != nil {
				return nil, fmt.Errorf("no column %q (the header has: %s)", name, strings.Join(t.Header, ", "))
			}
			return nil, fmt.Errorf("no column %q: give a column number from 1 to %d (the file has no header)", name, len(t.Rows[0]))
		}
		idx = n - 1
	}
	out := make([]float64, len(t.Rows))
	for i, row := range t.Rows {
		out[i] = row[idx]
		t.Rows[i] = append(row[:idx:idx], row[idx+1:]...)
	}
	if t.Header != nil {
		t.Header = append(t.Header[:idx:idx], t.Header[idx+1:]...)
	}
	return out, nil
}

// ParseQ reads an order: a number, or "inf".
func ParseQ(s string) (float64, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "inf", "+inf", "infinity":
		return math.Inf(1), nil
	}
	q, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("q must be a number or inf, got %q", s)
	}
	return q, CheckQ(q)
}
