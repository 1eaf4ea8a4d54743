package review

import (
	"bytes"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/blindspot-audit/blindspot/audit/spec"
)

// scaleValue reads a cell of one of ECB's 1-5 scales: "4", "4.0",
// "4 - Good", "Good".
func scaleValue(s string) (int, bool) { return pointValue(s, spec.ECBScales()[0]) }

func TestScaleValue(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]int{"": 0, "4": 4, "4.0": 4, "4 - Good": 4, "good": 4, "5 - Excellent": 5, " 1 ": 1} {
		if got, ok := scaleValue(in); !ok || got != want {
			t.Errorf("scaleValue(%q) = %d, %v; want %d", in, got, ok, want)
		}
	}
	for _, in := range []string{"6", "0", "4 - Poor", "45", "great", "-1", "4.5"} {
		if _, ok := scaleValue(in); ok {
			t.Errorf("scaleValue(%q) accepted", in)
		}
	}
}

// FuzzReadFile feeds arbitrary bytes as a returned XLSX or CSV: reading
// never panics, and a file read without problems respects the row cap.
func FuzzReadFile(f *testing.F) {
	f.Add([]byte(strings.Join(Columns, ",")+",Reviewer,Run\nR1,G1,img,x,Model A,0,4,5,n/a,Best,,ok,abc,amina,run\n"), true)
	f.Add([]byte("Item ID\n\"unterminated\n"), true)
	x := excelize.NewFile()
	x.NewSheet(SheetRatings)
	head := make([]any, len(Columns))
	for i, c := range Columns {
		head[i] = c
	}
	x.SetSheetRow(SheetRatings, "A1", &head)
	x.SetSheetRow(SheetRatings, "A2", &[]any{"R1", "G1", "", "text", "Model A", 1, "4 - Good", 3})
	var buf bytes.Buffer
	x.Write(&buf)
	f.Add(buf.Bytes(), false)
	f.Fuzz(func(t *testing.T, data []byte, isCSV bool) {
		name := "sheet.xlsx"
		if isCSV {
			name = "sheet.csv"
		}
		got, probs := readFile(name, data, ProtocolOf(spec.Review{}))
		if len(probs) == 0 && (got == nil || len(got.Rows) > MaxRows) {
			t.Fatalf("read without problems but %v", got)
		}
		for _, p := range probs {
			if p.Where == "" || p.Msg == "" {
				t.Fatalf("problem without place or message: %+v", p)
			}
		}
		scaleValue(string(data))
		markValue(string(data), "best")
	})
}

// FuzzPointValue: a cell of a declared scale reads as blank or as a point
// of the scale, and every point reads back from its drop-down text.
func FuzzPointValue(f *testing.F) {
	sc := spec.ReviewScale{Name: "cultural", Range: []int{2, 8}, Labels: []string{"a", "b", "c", "d", "e", "f", "g"}}
	for _, s := range []string{"", "2", "8", "9", "5 - d", "5 - e", "g", "10", "-3", "5.0", "05"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, ok := pointValue(s, sc)
		if ok && v != 0 && (v < sc.Min() || v > sc.Max()) {
			t.Fatalf("%q read as %d, outside %d-%d", s, v, sc.Min(), sc.Max())
		}
		if ok && v == 0 && strings.TrimSpace(s) != "" {
			t.Fatalf("%q read as blank", s)
		}
		for i, c := range choices(sc) {
			if got, ok := pointValue(c, sc); !ok || got != sc.Min()+i {
				t.Fatalf("drop-down %q read as %d, %v", c, got, ok)
			}
		}
	})
}
