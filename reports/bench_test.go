package reports

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// BenchmarkWriteHTML builds the report of a simulator run of about 1,000
// images from scratch (no previous report to reuse) and reports the time
// per 1,000 images and the size of index.html. The 10,000-image goal
// (under 60 s, index under 5 MB) is measured with blindspot report on a
// real run; this keeps the per-image cost in view.
func BenchmarkWriteHTML(b *testing.B) {
	r := simRun(b, strings.Replace(reportSpec, "samples: 1", "samples: 8", 1))
	images := r.Summary.Items
	b.ResetTimer()
	var size int64
	for i := 0; i < b.N; i++ {
		out := filepath.Join(b.TempDir(), "report")
		index, err := WriteHTML(context.Background(), r.Run, r.Cache.Blobs, r.Summary, Options{Out: out, Version: "bench"})
		if err != nil {
			b.Fatal(err)
		}
		st, err := os.Stat(index)
		if err != nil {
			b.Fatal(err)
		}
		size = st.Size()
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N)/float64(images)*1000, "s/1000images")
	b.ReportMetric(float64(size)/float64(images)*10000/(1<<20), "index_MB/10000images")
	b.ReportMetric(float64(images), "images")
}
