package review

import (
	"bytes"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/blindspot-audit/blindspot/audit/spec"
)

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
