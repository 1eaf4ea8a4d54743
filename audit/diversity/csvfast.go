package diversity

import (
	"bytes"
	"encoding/csv"
	"math"
	"runtime"
	"strconv"
	"sync"
	"unsafe"
)

// parsePlain parses a plain numeric CSV on every core: comma-separated
// numbers, no quotes, an optional header line, every row as wide as the
// first. It reports false for anything else, and for any error, which
// readCSV then parses and places exactly.
func parsePlain(b []byte) (*Table, bool) {
	b = bytes.TrimPrefix(b, []byte("\ufeff"))
	// Quotes, and carriage returns other than in line ends, are what
	// encoding/csv has rules for.
	if bytes.IndexByte(b, '"') >= 0 || bytes.Count(b, []byte("\r")) != bytes.Count(b, []byte("\r\n")) {
		return nil, false
	}
	t := &Table{}
	line := 0
	// The first line that is not blank: a header or the first row.
	var first []float64
	for len(b) > 0 && first == nil {
		l, rest := cutLine(b)
		b = rest
		line++
		if isBlank(l) {
			continue
		}
		row, ok := parseRow(l, nil)
		if ok {
			first = row
			break
		}
		if t.Header != nil || headerFieldOutOfRange(l) {
			return nil, false
		}
		// The header's fields as encoding/csv reads them.
		cr := csv.NewReader(bytes.NewReader(l))
		cr.TrimLeadingSpace = true
		rec, err := cr.Read()
		if err != nil {
			return nil, false
		}
		t.Header = rec
	}
	if first == nil || (t.Header != nil && len(t.Header) != len(first)) {
		return nil, false
	}
	d := len(first)
	t.Rows = append(t.Rows, first)
	t.Lines = append(t.Lines, line)

	// The rest in one chunk per core, cut at line ends.
	workers := max(1, min(runtime.GOMAXPROCS(0), len(b)/(1<<20)))
	type chunk struct {
		data  []byte
		rows  []float64
		lines []int // line numbers within the chunk, from 0
		count int   // the chunk's lines
		ok    bool
	}
	chunks := make([]chunk, 0, workers)
	for start := 0; start < len(b); {
		end := min(len(b), start+len(b)/workers+1)
		if i := bytes.IndexByte(b[end-1:], '\n'); i >= 0 && end < len(b) {
			end += i
		} else {
			end = len(b)
		}
		chunks = append(chunks, chunk{data: b[start:end]})
		start = end
	}
	var wg sync.WaitGroup
	for ci := range chunks {
		wg.Add(1)
		go func(c *chunk) {
			defer wg.Done()
			data := c.data
			c.rows = make([]float64, 0, d*(bytes.Count(data, []byte("\n"))+1))
			for n := 0; len(data) > 0; n++ {
				l, rest := cutLine(data)
				data = rest
				c.count = n + 1
				if isBlank(l) {
					continue
				}
				before := len(c.rows)
				var ok bool
				if c.rows, ok = parseRow(l, c.rows); !ok || len(c.rows)-before != d {
					return
				}
				c.lines = append(c.lines, n)
			}
			c.ok = true
		}(&chunks[ci])
	}
	wg.Wait()
	base := line
	for _, c := range chunks {
		if !c.ok {
			return nil, false
		}
		for i, l := range c.lines {
			t.Rows = append(t.Rows, c.rows[i*d:(i+1)*d:(i+1)*d])
			t.Lines = append(t.Lines, base+l+1)
		}
		base += c.count
	}
	if len(t.Rows) > MaxCSVRows {
		return nil, false
	}
	return t, true
}

// cutLine splits off the first line (without its "\n" or "\r\n").
func cutLine(b []byte) (line, rest []byte) {
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		line, rest = b, nil
	} else {
		line, rest = b[:i], b[i+1:]
	}
	return bytes.TrimSuffix(line, []byte("\r")), rest
}

func isBlank(l []byte) bool { return len(bytes.TrimSpace(l)) == 0 }

// parseRow appends the line's comma-separated finite numbers to row; false
// when a field is not one.
func parseRow(l []byte, row []float64) ([]float64, bool) {
	for {
		i := bytes.IndexByte(l, ',')
		f := l
		if i >= 0 {
			f = l[:i]
		}
		f = bytes.TrimSpace(f)
		if len(f) == 0 {
			return row, false
		}
		v, ok := parseSimpleFloat(f)
		if !ok {
			// The string shares the file's bytes, which nothing changes
			// while it is parsed, and it is not kept.
			var err error
			v, err = strconv.ParseFloat(unsafe.String(&f[0], len(f)), 64)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
				return row, false
			}
		}
		row = append(row, v)
		if i < 0 {
			return row, true
		}
		l = l[i+1:]
	}
}

// headerFieldOutOfRange reports whether a would-be header holds a number
// too large for a float, or a non-finite one: an error, not a header.
func headerFieldOutOfRange(l []byte) bool {
	for _, f := range bytes.Split(l, []byte(",")) {
		v, err := strconv.ParseFloat(string(bytes.TrimSpace(f)), 64)
		if (err != nil && err.(*strconv.NumError).Err == strconv.ErrRange) || (err == nil && (math.IsNaN(v) || math.IsInf(v, 0))) {
			return true
		}
	}
	return false
}

// pow10 holds the powers of ten a float64 represents exactly.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// parseSimpleFloat reads a plain decimal ("-0.12345678", "42", "3.") of
// at most 15 significant digits, the form embeddings are written in, by
// Clinger's fast path: the digits as an exact integer divided by an exact
// power of ten is correctly rounded, so the value is strconv.ParseFloat's.
// Anything else (exponents, more digits, signs alone) reports false.
func parseSimpleFloat(f []byte) (float64, bool) {
	neg := false
	if len(f) > 0 && (f[0] == '-' || f[0] == '+') {
		neg = f[0] == '-'
		f = f[1:]
	}
	var mant uint64
	digits, frac := 0, -1
	for i, c := range f {
		switch {
		case c >= '0' && c <= '9':
			if mant == 0 && c == '0' {
				// Leading zeros are not significant digits.
			} else {
				digits++
			}
			mant = mant*10 + uint64(c-'0')
		case c == '.' && frac < 0:
			frac = i
		default:
			return 0, false
		}
	}
	n := len(f)
	if n == 0 || (frac >= 0 && n == 1) || digits > 15 {
		return 0, false
	}
	scale := 0
	if frac >= 0 {
		scale = n - frac - 1
	}
	if scale >= len(pow10) {
		return 0, false
	}
	v := float64(mant) / pow10[scale]
	if neg {
		v = -v
	}
	return v, true
}
