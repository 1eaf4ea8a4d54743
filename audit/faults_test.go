package audit

import (
	"context"
	"crypto/sha256"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/blindspot-audit/blindspot/audit/metrics"
	"github.com/blindspot-audit/blindspot/audit/policy"
	"github.com/blindspot-audit/blindspot/generators"
	"github.com/blindspot-audit/blindspot/generators/registry"
)

// faultyGenerator wraps a generator: while flaky, requests whose hash falls
// in the first 30% fail with 503, and 5% always answer garbage bytes.
type faultyGenerator struct {
	inner generators.ImageGenerator
	flaky atomic.Bool
}

func (f *faultyGenerator) Generate(ctx context.Context, req generators.ImageRequest) (*generators.Response, error) {
	h := sha256.Sum256([]byte(req.Prompt + string(rune(req.Seed))))
	switch bucket := int(h[0]) * 100 / 256; {
	case bucket < 5:
		return &generators.Response{Image: []byte("<html>oops</html>")}, nil
	case bucket < 35 && f.flaky.Load():
		return nil, &generators.Error{Class: generators.Transient, Status: 503, Msg: "service unavailable"}
	}
	return f.inner.Generate(ctx, req)
}

func runWithGenerator(t *testing.T, dir string, gen generators.ImageGenerator) *Runner {
	t.Helper()
	a := loadSpec(t, `name: faults
countries: [India, Kenya]
categories: [food]
samples: 3
models:
  t2i: [{name: g, provider: sim, retries: 1}]
  vlm: [{name: judge, provider: sim}]
`)
	p, err := NewPlan(a)
	if err != nil {
		t.Fatal(err)
	}
	r := NewRunner(p, Options{Dir: dir, Backoff: policy.Backoff{Base: time.Millisecond, Max: time.Millisecond, MaxRetryAfter: time.Millisecond}})
	t.Cleanup(func() { r.Close() })
	st := r.Stages()
	if err := st[0].Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	r.Engine.Endpoints["g"] = registry.Endpoint{Generator: gen}
	for _, s := range st[1:] {
		if err := s.Run(context.Background()); err != nil {
			t.Fatalf("%s: %v", s.Name, err)
		}
	}
	return r
}

func countByStatus(t *testing.T, r *Runner) map[string]int {
	out := map[string]int{}
	rows, err := r.Run.DB().Query(`SELECT status || '/' || error_class, COUNT(*) FROM images GROUP BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		var n int
		rows.Scan(&k, &n)
		out[k] = n
	}
	return out
}

func TestFailedCallsAreRecordedAndTransientOnesResume(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	inner, _ := registry.Open(registry.Config{Name: "g", Provider: "sim"})
	gen := &faultyGenerator{inner: inner.Generator}
	gen.flaky.Store(true)
	first := runWithGenerator(t, dir, gen)
	got := countByStatus(t, first)
	planned := first.Plan.Counts.Images
	if got["ok/"]+got["failed/transient"]+got["failed/bad_output"] != planned || got["failed/transient"] == 0 || got["failed/bad_output"] == 0 {
		t.Fatalf("first run: %v of %d planned", got, planned)
	}
	if first.Summary.Status != "complete" || first.Summary.FailedByClass["transient"] == 0 {
		t.Fatalf("summary %+v", first.Summary)
	}
	var attempts int
	first.Run.DB().QueryRow(`SELECT MAX(attempts) FROM calls WHERE error_class = 'transient'`).Scan(&attempts)
	if attempts != 2 {
		t.Fatalf("transient calls made %d attempts, want 2 (1 retry)", attempts)
	}
	first.Close()

	gen.flaky.Store(false)
	second := runWithGenerator(t, dir, gen)
	again := countByStatus(t, second)
	if again["failed/transient"] != 0 || again["failed/bad_output"] != got["failed/bad_output"] || again["ok/"] != got["ok/"]+got["failed/transient"] {
		t.Fatalf("re-run: %v, first run: %v", again, got)
	}
	// Judged images are exactly the good ones.
	var judged int
	second.Run.DB().QueryRow(`SELECT COUNT(*) FROM scores`).Scan(&judged)
	if judged != again["ok/"] {
		t.Fatalf("%d judged, %d good images", judged, again["ok/"])
	}
}

// refusingGenerator refuses every prompt that names Kenya, as a content
// filter biased against a country would.
type refusingGenerator struct{ inner generators.ImageGenerator }

func (g refusingGenerator) Generate(ctx context.Context, req generators.ImageRequest) (*generators.Response, error) {
	if strings.Contains(req.Prompt, "Kenya") && strings.Contains(strings.ToLower(req.Prompt), "festival") {
		return nil, &generators.Error{Class: generators.Refusal, Status: 400, Msg: "content_policy_violation"}
	}
	return g.inner.Generate(ctx, req)
}

func TestRefusalsReportedPerCountryAndCategory(t *testing.T) {
	t.Parallel()
	a := loadSpec(t, `name: refusals
countries: [India, Kenya]
categories: [event, food]
models:
  t2i: [{name: g, provider: sim}]
`)
	p, _ := NewPlan(a)
	r := NewRunner(p, Options{Dir: t.TempDir()})
	defer r.Close()
	st := r.Stages()
	st[0].Run(context.Background())
	inner, _ := registry.Open(registry.Config{Name: "g", Provider: "sim"})
	r.Engine.Endpoints["g"] = registry.Endpoint{Generator: refusingGenerator{inner.Generator}}
	for _, s := range st[1:] {
		if err := s.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	rates := map[string]float64{}
	for _, m := range r.Summary.Metrics {
		if m.Name == metrics.MetricRefusalRate {
			rates[m.Country+"/"+m.Category] = m.Value
		}
	}
	// 3 of Kenya's 18 event prompts are festivals; none of India's.
	if rates["Kenya/event"] != 3.0/18 || rates["Kenya/food"] != 0 || rates["India/event"] != 0 || rates["Kenya/"] != 3.0/33 {
		t.Fatalf("refusal rates %v", rates)
	}
	if r.Summary.Refused != 3 {
		t.Fatalf("summary counts %d refusals", r.Summary.Refused)
	}
}
