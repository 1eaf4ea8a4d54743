package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"runtime/metrics"
	"sync/atomic"
	"testing"
	"time"
)

// peakHeap runs fn while sampling the heap in use (live objects and the
// garbage not yet collected) every 2 ms, and returns its peak in MB.
func peakHeap(fn func()) float64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var peak atomic.Uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(s)
			if v := s[0].Value.Uint64(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	fn()
	close(stop)
	<-done
	return float64(peak.Load()) / (1 << 20)
}

// BenchmarkMemoryFlat runs the quickstart (every capability of a run on
// the simulator) at 2 and at 8 seeds per prompt, 510 and 2,040 images, and
// for run, report and sheets export reports the peak heap in use at each
// size and growth, the ratio of the two: 1 means memory does not grow with
// the audit. recompute is a run whose store already holds every result.
func BenchmarkMemoryFlat(b *testing.B) {
	raw, err := os.ReadFile("../../examples/quickstart.yaml")
	if err != nil {
		b.Fatal(err)
	}
	seeds := regexp.MustCompile(`(?m)^(samples|\s+seeds_per_prompt): *\d+`)
	peaks := func(n string) map[string]float64 {
		dir := b.TempDir()
		text := seeds.ReplaceAllString(string(raw), "${1}: "+n)
		if err := os.WriteFile(filepath.Join(dir, "q.yaml"), []byte(text), 0o644); err != nil {
			b.Fatal(err)
		}
		no := false
		out := map[string]float64{}
		for _, c := range []struct {
			name string
			args []string
		}{
			{"run", []string{"run", "q.yaml", "-q"}},
			// With the no-op fingerprint gone, a run recomputes the metrics
			// and the report from the store: the stage that held every
			// image's record and vector.
			{"recompute", []string{"run", "q.yaml", "-q"}},
			{"report", []string{"report", "runs/quickstart", "--out", "report2"}},
			{"sheets", []string{"sheets", "export", "runs/quickstart", "--out", "sheets2"}},
		} {
			if c.name == "recompute" {
				if err := os.RemoveAll(filepath.Join(dir, "runs/quickstart/.blindspot-rerun")); err != nil {
					b.Fatal(err)
				}
			}
			var stdout, stderr bytes.Buffer
			app := &App{Stdout: &stdout, Stderr: &stderr, Dir: dir, Terminal: &no, Getenv: func(string) string { return "" }}
			var code int
			out[c.name] = peakHeap(func() { code = app.Main(c.args) })
			if code != 0 {
				b.Fatalf("%v: exit %d: %s", c.args, code, stderr.String())
			}
		}
		return out
	}
	for i := 0; i < b.N; i++ {
		small, big := peaks("2"), peaks("8")
		for _, c := range []string{"run", "recompute", "report", "sheets"} {
			b.ReportMetric(small[c], c+"_MB_510")
			b.ReportMetric(big[c], c+"_MB_2040")
			b.ReportMetric(big[c]/small[c], c+"_growth")
		}
	}
}
