package review

import (
	"context"
	"testing"
)

// BenchmarkExport writes the review workbooks (with thumbnails) of the
// scale spec, 18 files of about 1,900 rows, and reports seconds per 1,000
// rows; the goal is 5,000 rows under 30 s.
func BenchmarkExport(b *testing.B) {
	r, a := simRun(b, scaleSpec)
	b.ResetTimer()
	rows := 0
	for i := 0; i < b.N; i++ {
		res, err := Export(context.Background(), r.Run, r.Cache.Blobs, a.Review, b.TempDir(), "xlsx")
		if err != nil {
			b.Fatal(err)
		}
		rows = res.Rows
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N)/float64(rows)*1000, "s/1000rows")
	b.ReportMetric(float64(rows), "rows")
}
