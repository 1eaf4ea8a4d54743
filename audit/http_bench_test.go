package audit

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/blindspot-audit/blindspot/generators/sim"
)

// BenchmarkHTTPAudit runs a text-to-image audit over HTTP against the
// simulator's OpenAI-compatible server with 50 ms of latency per request,
// at concurrency 32: the ideal is 32/50ms = 640 calls/s, and
// throughput_ratio is the share of it reached. Images are 32 px so that
// the simulator's own rendering, on the same two cores, stays out of the
// measurement.
func BenchmarkHTTPAudit(b *testing.B) {
	const conc, latency, calls = 32, 50 * time.Millisecond, 2000
	p, err := sim.New(sim.Options{Size: 32})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer((&sim.Server{Models: map[string]*sim.Provider{"sim-diffusion": p}, Latency: latency}).Handler())
	defer srv.Close()
	for i := 0; i < b.N; i++ {
		a := loadSpec(b, fmt.Sprintf(`name: http
samples: 5
models:
  t2i:
    - {name: g, provider: openai, base_url: %s/v1, model: sim-diffusion, concurrency: %d, openai: {send_seed: true}}
`, srv.URL, conc))
		plan, err := NewPlan(a)
		if err != nil {
			b.Fatal(err)
		}
		plan.Prompts = plan.Prompts[:calls/5]
		r := NewRunner(plan, Options{Dir: b.TempDir()})
		if err := stage(b, r, "open")(context.Background()); err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		if err := stage(b, r, "execute")(context.Background()); err != nil {
			b.Fatal(err)
		}
		el := time.Since(start)
		made := r.Engine.Stats.CallsMade.Load()
		if failed := r.Engine.Stats.Failed.Load(); failed > 0 {
			b.Fatalf("%d calls failed", failed)
		}
		var avg float64
		r.Run.DB().QueryRow(`SELECT AVG(latency_ms) FROM calls`).Scan(&avg)
		r.Close()
		got := float64(made) / el.Seconds()
		b.ReportMetric(avg, "call_latency_ms")
		b.ReportMetric(got, "calls/s")
		b.ReportMetric(got/(float64(conc)/latency.Seconds()), "throughput_ratio")
		b.ReportMetric(float64(made), "calls")
	}
}
