package main

import (
	"bytes"
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/blindspot-audit/blindspot/audit"
	"github.com/blindspot-audit/blindspot/audit/spec"
	"github.com/blindspot-audit/blindspot/audit/store/pgtest"
	"github.com/blindspot-audit/blindspot/generators/sim"
)

// BenchmarkSharedWorkers runs the HTTP quickstart against the simulator's
// server (50 ms per request) through a PostgreSQL store, with every
// endpoint's concurrency at 2 so that a worker's concurrency is the
// bottleneck: once with one worker, once with four (each with its own
// limits, as separate processes would be), and reports speedup, the ratio
// of their call throughputs. Needs BLINDSPOT_TEST_POSTGRES.
func BenchmarkSharedWorkers(b *testing.B) {
	app := &App{Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}, Getenv: func(string) string { return "" }}
	models, err := app.simModels("../../examples/quickstart.yaml")
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer((&sim.Server{Models: models, Latency: 50 * time.Millisecond}).Handler())
	defer srv.Close()
	raw, err := os.ReadFile("../../examples/quickstart-http.yaml")
	if err != nil {
		b.Fatal(err)
	}
	text := strings.ReplaceAll(strings.ReplaceAll(string(raw), "http://127.0.0.1:8080", srv.URL), "concurrency: 8", "concurrency: 2")
	throughput := func(workers int) float64 {
		dir := b.TempDir()
		path := filepath.Join(dir, "s.yaml")
		os.WriteFile(path, []byte(text), 0o644)
		pg := pgtest.URL(b)
		runners := make([]*audit.Runner, workers)
		for i := range runners {
			a, err := spec.Load(path)
			if err != nil {
				b.Fatal(err)
			}
			p, err := audit.NewPlan(a)
			if err != nil {
				b.Fatal(err)
			}
			runners[i] = audit.NewRunner(p, audit.Options{Dir: dir, StoreURL: pg, Worker: i > 0})
			defer runners[i].Close()
			if err := runners[i].Stages()[0].Run(context.Background()); err != nil { // open
				b.Fatal(err)
			}
		}
		if _, err := runners[0].Enqueue(context.Background()); err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		var wg sync.WaitGroup
		for _, r := range runners {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := r.Work(context.Background(), audit.WorkOptions{}); err != nil {
					b.Error(err)
				}
			}()
		}
		wg.Wait()
		calls := int64(0)
		for _, r := range runners {
			calls += r.Engine.Stats.CallsMade.Load()
		}
		return float64(calls) / time.Since(start).Seconds()
	}
	for i := 0; i < b.N; i++ {
		one, four := throughput(1), throughput(4)
		b.ReportMetric(one, "calls/s_1worker")
		b.ReportMetric(four, "calls/s_4workers")
		b.ReportMetric(four/one, "speedup")
	}
}
