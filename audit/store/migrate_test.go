package store

import (
	"context"
	"database/sql"
	"net/url"
	"path/filepath"
	"testing"

	"github.com/blindspot-audit/blindspot/audit/store/pgtest"
)

// TestMigrateOldStore opens a store made before scores had geotags,
// metrics had variants and burden metrics, tests and chains had their base
// model: the columns appear, recorded rows stay, and the derived tables
// take the new rows.
func TestMigrateOldStore(t *testing.T) {
	dir := t.TempDir()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, StoreFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`CREATE TABLE scores (image_id TEXT NOT NULL, judge TEXT NOT NULL, questions INTEGER NOT NULL, answered INTEGER NOT NULL,
			tp INTEGER NOT NULL, fp INTEGER NOT NULL, tn INTEGER NOT NULL, fn INTEGER NOT NULL, accuracy REAL, attributed TEXT NOT NULL DEFAULT '',
			PRIMARY KEY (image_id, judge))`,
		`INSERT INTO scores VALUES ('img', 'judge', 4, 4, 2, 0, 2, 0, 1.0, 'Kenya')`,
		`CREATE TABLE metrics (name TEXT NOT NULL, model TEXT NOT NULL, prompt_set TEXT NOT NULL, country TEXT NOT NULL, chain TEXT NOT NULL,
			step INTEGER NOT NULL, value REAL NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (name, model, prompt_set, country, chain, step))`,
		`CREATE TABLE tests (metric TEXT NOT NULL, model TEXT NOT NULL, prompt_set TEXT NOT NULL, a TEXT NOT NULL, b TEXT NOT NULL,
			diff REAL NOT NULL, p REAL NOT NULL, p_holm REAL NOT NULL, n_a INTEGER NOT NULL, n_b INTEGER NOT NULL, PRIMARY KEY (metric, model, prompt_set, a, b))`,
		`CREATE TABLE burden (chain_id TEXT NOT NULL, source TEXT NOT NULL, editor TEXT NOT NULL, chain TEXT NOT NULL, prompt_set TEXT NOT NULL,
			target TEXT NOT NULL, category TEXT NOT NULL, base_id TEXT NOT NULL, steps INTEGER NOT NULL, event_step INTEGER, censored_at INTEGER,
			PRIMARY KEY (chain_id, source))`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	run, err := OpenRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer run.Close()
	var geotag, attributed string
	if err := run.DB().QueryRow(`SELECT geotag, attributed FROM scores WHERE image_id = 'img'`).Scan(&geotag, &attributed); err != nil || attributed != "Kenya" {
		t.Fatalf("migrated scores: %q %q %v", geotag, attributed, err)
	}
	// Two base models' rows of one editor, chain and target: distinct keys.
	ms := []Metric{{Name: "m", Model: "x", PromptSet: "s", Country: "Kenya", Category: "food", Variant: "modern", Value: 1, N: 1}}
	var ts []Test
	var cs []BurdenChain
	for _, base := range []string{"t2i-a", "t2i-b"} {
		ms = append(ms, Metric{Name: "burden_never@judge_accuracy", Model: "editor", BaseModel: base, PromptSet: "s", Country: "Kenya", Chain: "loop", Value: 0.5, N: 4})
		ts = append(ts, Test{Metric: "burden_mean_steps@judge_accuracy/loop", Model: "editor", BaseModel: base, PromptSet: "s", A: "Kenya", B: "Korea"})
		cs = append(cs, BurdenChain{ChainID: "c-" + base, Source: "judge_accuracy", Editor: "editor", BaseModel: base, Chain: "loop", PromptSet: "s", Target: "Kenya", BaseID: "img", Steps: 3})
	}
	if err := run.ReplaceMetrics(ms, ts, cs); err != nil {
		t.Fatalf("metrics after migration: %v", err)
	}
	got, err := run.Metrics(context.Background())
	if err != nil || len(got) != 3 || got[0].BaseModel != "t2i-a" || got[1].BaseModel != "t2i-b" {
		t.Fatalf("metrics read back: %+v %v", got, err)
	}
	tests, err := run.Tests(context.Background())
	if err != nil || len(tests) != 2 || tests[0].BaseModel != "t2i-a" {
		t.Fatalf("tests read back: %+v %v", tests, err)
	}
}

// TestMigrateOldPostgresStore: the same on PostgreSQL.
func TestMigrateOldPostgresStore(t *testing.T) {
	pg := pgtest.URL(t)
	u, _ := url.Parse(pg)
	schema := u.Query().Get("search_path")
	db, err := sql.Open("pgx", pg)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`CREATE SCHEMA IF NOT EXISTS ` + schema,
		`CREATE TABLE scores (image_id TEXT NOT NULL, judge TEXT NOT NULL, questions BIGINT NOT NULL, answered BIGINT NOT NULL,
			tp BIGINT NOT NULL, fp BIGINT NOT NULL, tn BIGINT NOT NULL, fn BIGINT NOT NULL, accuracy DOUBLE PRECISION, attributed TEXT NOT NULL DEFAULT '',
			PRIMARY KEY (image_id, judge))`,
		`INSERT INTO scores VALUES ('img', 'judge', 4, 4, 2, 0, 2, 0, 1.0, 'Kenya')`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	run, err := OpenRunAt(context.Background(), t.TempDir(), pg)
	if err != nil {
		t.Fatal(err)
	}
	defer run.Close()
	var geotag, attributed string
	if err := run.DB().QueryRow(`SELECT geotag, attributed FROM scores WHERE image_id = 'img'`).Scan(&geotag, &attributed); err != nil || attributed != "Kenya" {
		t.Fatalf("migrated scores: %q %q %v", geotag, attributed, err)
	}
}

// TestConcurrentFirstOpenPostgres: workers started at once on a new
// schema all open it; CREATE SCHEMA IF NOT EXISTS alone races and fails
// one of them with a duplicate key.
func TestConcurrentFirstOpenPostgres(t *testing.T) {
	for round := 0; round < 5; round++ {
		pg := pgtest.URL(t)
		const n = 8
		errs := make(chan error, n)
		start := make(chan struct{})
		for i := 0; i < n; i++ {
			go func() {
				<-start
				run, err := OpenRunAt(context.Background(), t.TempDir(), pg)
				if err == nil {
					run.Close()
				}
				errs <- err
			}()
		}
		close(start)
		for i := 0; i < n; i++ {
			if err := <-errs; err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
		}
	}
}
