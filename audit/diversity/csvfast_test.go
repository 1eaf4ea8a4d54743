package diversity

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestParsePlainMatchesCSV: the parallel parser gives what encoding/csv
// gives (rows, header, line numbers) on the files it accepts, and hands
// every other file to it.
func TestParsePlainMatchesCSV(t *testing.T) {
	var big strings.Builder
	rng := rand.New(rand.NewPCG(1, 1))
	big.WriteString("a, b ,c\r\n")
	for i := 0; i < 60000; i++ {
		if i%997 == 0 {
			big.WriteString("\n  \n")
		}
		fmt.Fprintf(&big, "%.9f, %g,%d\r\n", rng.NormFloat64(), rng.Float64()*1e-5, i)
	}
	tests := []struct {
		name, text string
		plain      bool
	}{
		{"large, header, CRLF, blank lines", big.String(), true},
		{"no header", "1,2\n3,4\n", true},
		{"byte-order mark", "\ufeffx,y\n1,2\n", true},
		{"no final newline", "1,2\n3,4", true},
		{"quoted header", "\"a\",b\n1,2\n", false},
		{"ragged", "1,2\n3\n", false},
		{"NaN", "1,2\nNaN,3\n", false},
		{"out of range", "1e999,2\n", false},
		{"two headers", "a,b\nc,d\n1,2\n", false},
		{"empty field", "1,2\n3,\n", false},
		{"empty", "", false},
	}
	for _, tc := range tests {
		got, ok := parsePlain([]byte(tc.text))
		if ok != tc.plain {
			t.Errorf("%s: parsed plainly %v, want %v", tc.name, ok, tc.plain)
			continue
		}
		want, werr := readCSV(strings.NewReader(tc.text), "x.csv")
		if !ok {
			continue
		}
		if werr != nil {
			t.Errorf("%s: the fast path accepted what encoding/csv rejects: %v", tc.name, werr)
			continue
		}
		if !reflect.DeepEqual(got.Header, want.Header) || !reflect.DeepEqual(got.Lines, want.Lines) || !reflect.DeepEqual(got.Rows, want.Rows) {
			t.Errorf("%s: differs from encoding/csv: header %q vs %q, %d vs %d rows, lines %v vs %v", tc.name,
				got.Header, want.Header, len(got.Rows), len(want.Rows), head(got.Lines), head(want.Lines))
		}
	}
}

func head(xs []int) []int { return xs[:min(5, len(xs))] }

// FuzzParsePlain: whatever the input, a table the fast path accepts is
// the table encoding/csv reads.
func FuzzParsePlain(f *testing.F) {
	for _, s := range []string{"1,2\n3,4\n", "a,b\n1,2\r\n\n3,4", "\ufeff x ,y\n1e3, -2\n", "1\n\n\n2\n", "0x1p-2,1_0\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, ok := parsePlain(bytes.Clone(b))
		if !ok {
			return
		}
		want, err := readCSV(bytes.NewReader(b), "f.csv")
		if err != nil {
			t.Fatalf("fast path accepted %q, encoding/csv: %v", b, err)
		}
		if !reflect.DeepEqual(got.Header, want.Header) || !reflect.DeepEqual(got.Lines, want.Lines) || !reflect.DeepEqual(got.Rows, want.Rows) {
			t.Fatalf("%q: fast %q %v %v, csv %q %v %v", b, got.Header, got.Lines, got.Rows, want.Header, want.Lines, want.Rows)
		}
	})
}

// FuzzSimpleFloat: the fast decimal path gives strconv's value, bit for
// bit, whenever it answers.
func FuzzSimpleFloat(f *testing.F) {
	for _, s := range []string{"0.12345678", "-1.5", "42", "3.", ".5", "-0", "000123.4500", "999999999999999", "1.00000000000001"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, ok := parseSimpleFloat([]byte(s))
		if !ok {
			return
		}
		want, err := strconv.ParseFloat(s, 64)
		if err != nil || math.Float64bits(v) != math.Float64bits(want) {
			t.Fatalf("%q: fast %v (%x), strconv %v (%x) %v", s, v, math.Float64bits(v), want, math.Float64bits(want), err)
		}
	})
}

// TestSimpleFloatMatchesStrconv checks a million random embedding-style
// values, written as numpy's savetxt and Go's %g write them.
func TestSimpleFloatMatchesStrconv(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	answered := 0
	for i := 0; i < 1_000_000; i++ {
		x := rng.NormFloat64() * math.Pow(10, float64(rng.IntN(8)-4))
		for _, s := range []string{strconv.FormatFloat(x, 'f', 8, 64), strconv.FormatFloat(x, 'f', -1, 64), strconv.FormatFloat(x, 'f', rng.IntN(16), 64)} {
			v, ok := parseSimpleFloat([]byte(s))
			if !ok {
				continue
			}
			answered++
			if want, _ := strconv.ParseFloat(s, 64); math.Float64bits(v) != math.Float64bits(want) {
				t.Fatalf("%q: %v, strconv %v", s, v, want)
			}
		}
	}
	if answered < 1_000_000 {
		t.Errorf("the fast path answered only %d of 3,000,000 values", answered)
	}
}

// BenchmarkReadTable parses a 10,000 x 512 CSV as numpy's savetxt writes
// it and reports speedup_vs_csv, the time encoding/csv takes over this.
func BenchmarkReadTable(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 3))
	var buf bytes.Buffer
	for i := 0; i < 10000; i++ {
		for j := 0; j < 512; j++ {
			if j > 0 {
				buf.WriteByte(',')
			}
			buf.WriteString(strconv.FormatFloat(rng.NormFloat64(), 'f', 8, 64))
		}
		buf.WriteByte('\n')
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	var ours, ref time.Duration
	for b.Loop() {
		start := time.Now()
		if _, err := ReadTable(bytes.NewReader(data), "x.csv"); err != nil {
			b.Fatal(err)
		}
		ours += time.Since(start)
		b.StopTimer()
		start = time.Now()
		if _, err := readCSV(bytes.NewReader(data), "x.csv"); err != nil {
			b.Fatal(err)
		}
		ref += time.Since(start)
		b.StartTimer()
	}
	b.ReportMetric(ref.Seconds()/ours.Seconds(), "speedup_vs_csv")
}
