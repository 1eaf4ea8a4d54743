package audit

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/blindspot-audit/blindspot/audit/store"
	"github.com/blindspot-audit/blindspot/audit/store/pgtest"
)

// TestPostgresStoreMatchesSQLite runs the same audit with its store in
// SQLite and in PostgreSQL: the same images, calls and metrics; a second
// run on PostgreSQL calls nothing.
func TestPostgresStoreMatchesSQLite(t *testing.T) {
	t.Parallel()
	pg := pgtest.URL(t)
	spec := recoverSpec + "judge: {ratings: true, best_worst: [0, 1, 3, 5]}\n"
	lite := runAll(t, loadSpec(t, spec), t.TempDir(), Options{})
	pgRun := runAll(t, loadSpec(t, spec), t.TempDir(), Options{StoreURL: pg})
	if lite.Summary.Items != pgRun.Summary.Items || lite.Summary.CallsMade != pgRun.Summary.CallsMade {
		t.Fatalf("items %d vs %d, calls %d vs %d", lite.Summary.Items, pgRun.Summary.Items, lite.Summary.CallsMade, pgRun.Summary.CallsMade)
	}
	key := func(m store.Metric) string {
		return fmt.Sprint(m.Name, m.Model, m.PromptSet, m.Country, m.Category, m.Variant, m.Chain, m.Step)
	}
	want := map[string]store.Metric{}
	for _, m := range lite.Summary.Metrics {
		want[key(m)] = m
	}
	if len(pgRun.Summary.Metrics) != len(want) {
		t.Fatalf("%d metrics on PostgreSQL, %d on SQLite", len(pgRun.Summary.Metrics), len(want))
	}
	for _, m := range pgRun.Summary.Metrics {
		w, ok := want[key(m)]
		if !ok || fmt.Sprintf("%.9f %d", m.Value, m.N) != fmt.Sprintf("%.9f %d", w.Value, w.N) {
			t.Errorf("metric %s: PostgreSQL %v (n=%d), SQLite %v (n=%d)", key(m), m.Value, m.N, w.Value, w.N)
		}
	}
	again := runAll(t, loadSpec(t, spec), pgRun.Opts.Dir, Options{StoreURL: pg})
	if made := again.Engine.Stats.CallsMade.Load(); made != 0 {
		t.Errorf("second run on PostgreSQL made %d calls", made)
	}
	if again.Engine.Stats.Resumed.Load() == 0 {
		t.Error("second run resumed nothing")
	}
}

// TestSharedBudget: two processes' worth of workers on one PostgreSQL run
// spend, together, no more than budget_usd.
func TestSharedBudget(t *testing.T) {
	t.Parallel()
	pg := pgtest.URL(t)
	// One call at a time per endpoint, 20 ms an image: a worker then
	// claims at most 16 units at once (4 x its endpoints' concurrency),
	// fewer than the 20 images the budget pays for, so both workers get
	// units however the machine schedules them.
	slow := strings.NewReplacer(
		"sim: {bias: {default_culture: United States,", "concurrency: 1\n      sim: {latency: 20ms, bias: {default_culture: United States,",
		"sim: {bias: {fidelity:", "concurrency: 1\n      sim: {bias: {fidelity:",
		"{name: judge, provider: sim,", "{name: judge, provider: sim, concurrency: 1,",
		"{name: feat, provider: sim}", "{name: feat, provider: sim, concurrency: 1}").Replace(recoverSpec)
	if strings.Count(slow, "concurrency: 1") != 4 {
		t.Fatalf("the spec's endpoints were not limited:\n%s", slow)
	}
	spec := slow + "prices:\n  t2i: {per_image: 0.05}\nbudget_usd: 1\n"
	dir := t.TempDir()
	coord := NewRunner(mustPlan(t, spec), Options{Dir: dir, StoreURL: pg})
	worker := NewRunner(mustPlan(t, spec), Options{Dir: dir, StoreURL: pg, Worker: true})
	defer coord.Close()
	defer worker.Close()
	if err := coord.Stages()[0].Run(context.Background()); err != nil { // open: resets the shared budget
		t.Fatal(err)
	}
	if err := worker.Stages()[0].Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := coord.Enqueue(context.Background()); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for _, r := range []*Runner{coord, worker} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := r.Work(context.Background(), WorkOptions{Lease: 2 * time.Second}); err != nil && !errors.Is(err, ErrBudgetReached) {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	spent, err := coord.Run.SpentUSD(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var made int
	coord.Run.DB().QueryRow(`SELECT COUNT(*) FROM images WHERE kind = 't2i' AND status = 'ok'`).Scan(&made)
	t.Logf("spent $%.2f of $1.00 on %d images, by two workers (%d and %d calls)", spent, made, coord.Engine.Stats.CallsMade.Load(), worker.Engine.Stats.CallsMade.Load())
	if spent > 1.0+1e-9 || made != 20 || coord.Engine.Stats.CallsMade.Load() == 0 || worker.Engine.Stats.CallsMade.Load() == 0 {
		t.Errorf("spent $%.4f (cap $1), %d generated images (want 20)", spent, made)
	}
}

func mustPlan(t *testing.T, spec string) *Plan {
	t.Helper()
	p, err := NewPlan(loadSpec(t, spec))
	if err != nil {
		t.Fatal(err)
	}
	return p
}
