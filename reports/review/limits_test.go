package review

import (
	"archive/zip"
	"bytes"
	"context"
	"hash/crc32"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/blindspot-audit/blindspot/audit/metrics"
	"github.com/blindspot-audit/blindspot/audit/spec"
)

// TestHostileFiles: a zip that claims to unpack beyond the cap and a CSV
// beyond the row cap are refused before they are parsed.
func TestHostileFiles(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateRaw(&zip.FileHeader{Name: "xl/worksheets/sheet1.xml", Method: zip.Store, CompressedSize64: 4, UncompressedSize64: MaxUnzippedBytes + 1})
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("<x/>"))
	zw.Close()
	if _, probs := readFile("bomb.xlsx", buf.Bytes(), ProtocolOf(spec.Review{})); len(probs) != 1 || !strings.Contains(probs[0].Msg, "unpacks to") {
		t.Errorf("zip bomb: %v", probs)
	}
	var csv strings.Builder
	csv.WriteString(strings.Join(Columns, ",") + ",Reviewer,Run\n")
	for i := 0; i <= MaxRows; i++ {
		csv.WriteString("R1,,,,,,,,,,,,,,run\n")
	}
	if _, probs := readFile("huge.csv", []byte(csv.String()), ProtocolOf(spec.Review{})); len(probs) != 1 || !strings.Contains(probs[0].Msg, "more than 200000 rows") {
		t.Errorf("row cap: %v", probs)
	}
	if _, probs := readFile("big.xlsx", make([]byte, MaxFileBytes+1), ProtocolOf(spec.Review{})); len(probs) != 1 || !strings.Contains(probs[0].Msg, "the limit is 256 MB") {
		t.Errorf("size cap: %v", probs)
	}
}

// TestHumanRatingWeighsVendi: with analysis.quality human_rating, the
// quality-weighted Vendi of a country appears once its images are rated,
// and follows the ratings.
func TestHumanRatingWeighsVendi(t *testing.T) {
	t.Parallel()
	spec := strings.Replace(reviewSpec, "judge: {ratings: true", "analysis: {quality: human_rating}\njudge: {ratings: true", 1)
	spec = strings.Replace(spec, "  vlm:\n", "  embedder:\n    - {name: feat, provider: sim}\n  vlm:\n", 1)
	r, a := simRun(t, spec)
	qv := func() map[string]float64 {
		out := map[string]float64{}
		ms, err := metrics.Compute(context.Background(), r.Run, r.Cache.Blobs)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			if m.Name == metrics.MetricQualityVendi && m.Category == "" && m.Variant == "" {
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

// TestTamperedWorkbook: a sheet part whose directory declares fewer bytes
// than it holds, or a wrong CRC, is refused instead of imported short; an
// ODS file is named as such.
func TestTamperedWorkbook(t *testing.T) {
	t.Parallel()
	r, a := simRun(t, reviewSpec)
	res, err := Export(context.Background(), r.Run, r.Cache.Blobs, a.Review, t.TempDir(), "xlsx")
	if err != nil {
		t.Fatal(err)
	}
	orig, _ := os.ReadFile(res.Files[0])
	rewrite := func(change func(h *zip.FileHeader, data []byte) []byte) []byte {
		zr, err := zip.NewReader(bytes.NewReader(orig), int64(len(orig)))
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for _, f := range zr.File {
			rc, _ := f.Open()
			data, _ := io.ReadAll(rc)
			rc.Close()
			h := &zip.FileHeader{Name: f.Name, Method: zip.Store, CRC32: crc32.ChecksumIEEE(data), UncompressedSize64: uint64(len(data))}
			if strings.HasPrefix(f.Name, "xl/worksheets/") {
				data = change(h, data)
			}
			h.CompressedSize64 = uint64(len(data))
			w, err := zw.CreateRaw(h)
			if err != nil {
				t.Fatal(err)
			}
			w.Write(data)
		}
		zw.Close()
		return buf.Bytes()
	}
	for _, tc := range []struct {
		name   string
		change func(h *zip.FileHeader, data []byte) []byte
	}{
		{"declared short", func(h *zip.FileHeader, data []byte) []byte { h.UncompressedSize64 /= 2; return data }},
		{"wrong checksum", func(h *zip.FileHeader, data []byte) []byte { h.CRC32++; return data }},
	} {
		if _, probs := readFile("tampered.xlsx", rewrite(tc.change), ProtocolOf(spec.Review{})); len(probs) != 1 || !strings.Contains(probs[0].Msg, "damaged or was altered") {
			t.Errorf("%s: %v", tc.name, probs)
		}
	}
	// The untampered rewrite still reads.
	if _, probs := readFile("same.xlsx", rewrite(func(_ *zip.FileHeader, d []byte) []byte { return d }), ProtocolOf(spec.Review{})); len(probs) != 0 {
		t.Errorf("untampered: %v", probs)
	}
	var ods bytes.Buffer
	zw := zip.NewWriter(&ods)
	w, _ := zw.Create("mimetype")
	w.Write([]byte("application/vnd.oasis.opendocument.spreadsheet"))
	zw.Close()
	if _, probs := readFile("saved.xlsx", ods.Bytes(), ProtocolOf(spec.Review{})); len(probs) != 1 || !strings.Contains(probs[0].Msg, "OpenDocument spreadsheet (.ods)") {
		t.Errorf("ods: %v", probs)
	}
}
