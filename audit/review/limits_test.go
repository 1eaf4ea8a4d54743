package review

import (
	"archive/zip"
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/blindspot-audit/blindspot/audit"
)

// TestHostileFiles: a zip that claims to unpack beyond the cap and a CSV
// beyond the row cap are refused before they are parsed.
func TestHostileFiles(t *testing.T) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateRaw(&zip.FileHeader{Name: "xl/worksheets/sheet1.xml", Method: zip.Store, CompressedSize64: 4, UncompressedSize64: MaxUnzippedBytes + 1})
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("<x/>"))
	zw.Close()
	if _, probs := readFile("bomb.xlsx", buf.Bytes()); len(probs) != 1 || !strings.Contains(probs[0].Msg, "unpacks to") {
		t.Errorf("zip bomb: %v", probs)
	}
	var csv strings.Builder
	csv.WriteString(strings.Join(Columns, ",") + ",Reviewer,Run\n")
	for i := 0; i <= MaxRows; i++ {
		csv.WriteString("R1,,,,,,,,,,,,,,run\n")
	}
	if _, probs := readFile("huge.csv", []byte(csv.String())); len(probs) != 1 || !strings.Contains(probs[0].Msg, "more than 200000 rows") {
		t.Errorf("row cap: %v", probs)
	}
	if _, probs := readFile("big.xlsx", make([]byte, MaxFileBytes+1)); len(probs) != 1 || !strings.Contains(probs[0].Msg, "the limit is 256 MB") {
		t.Errorf("size cap: %v", probs)
	}
}

// TestHumanRatingWeighsVendi: with analysis.quality human_rating, the
// quality-weighted Vendi of a country appears once its images are rated,
// and follows the ratings.
func TestHumanRatingWeighsVendi(t *testing.T) {
	spec := strings.Replace(reviewSpec, "judge: {ratings: true", "analysis: {quality: human_rating}\njudge: {ratings: true", 1)
	spec = strings.Replace(spec, "  vlm:\n", "  embedder:\n    - {name: feat, provider: sim}\n  vlm:\n", 1)
	r, a := simRun(t, spec)
	qv := func() map[string]float64 {
		out := map[string]float64{}
		ms, err := audit.ComputeMetrics(context.Background(), r.Run, r.Cache.Blobs)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			if m.Name == audit.MetricQualityVendi && m.Category == "" && m.Variant == "" {
				out[m.Country] = m.Value
			}
		}
		return out
	}
	if before := qv(); before["Korea"] != 0 {
		t.Fatalf("quality Vendi without ratings: %v", before)
	}
	res, err := Export(context.Background(), r.Run, r.Cache.Blobs, a.Review, t.TempDir(), "xlsx")
	if err != nil {
		t.Fatal(err)
	}
	// Korea's reviewer rates everything 5, Kenya's (first file) 1.
	for _, path := range []string{res.Files[0], res.Files[3]} {
		v := "5"
		if strings.Contains(path, "Kenya") {
			v = "1"
		}
		fill(t, path, "someone", "2026-11-20T10:00:00Z", func(int, string, string, string) []any { return []any{nil, v} })
		if _, _, err := importFile(t, r.Run, path); err != nil {
			t.Fatal(err)
		}
	}
	after := qv()
	t.Logf("quality-weighted Vendi after ratings: Korea %.2f, Kenya %.2f", after["Korea"], after["Kenya"])
	kenya, rated := after["Kenya"]
	if !(after["Korea"] > 0 && rated && kenya == 0) {
		t.Errorf("quality Vendi: %v (want Korea > 0, rated Excellent, and Kenya 0, rated Very poor)", after)
	}
}
