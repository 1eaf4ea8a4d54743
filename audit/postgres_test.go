package audit

import (
	"fmt"
	"testing"

	"github.com/blindspot-audit/blindspot/audit/store"
	"github.com/blindspot-audit/blindspot/audit/store/pgtest"
)

// TestPostgresStoreMatchesSQLite runs the same audit with its store in
// SQLite and in PostgreSQL: the same images, calls and metrics; a second
// run on PostgreSQL calls nothing.
func TestPostgresStoreMatchesSQLite(t *testing.T) {
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
