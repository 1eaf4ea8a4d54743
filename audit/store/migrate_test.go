package store

import (
	"context"
	"database/sql"
	"net/url"
	"path/filepath"
	"testing"

	"github.com/blindspot-audit/blindspot/audit/store/pgtest"
)

// TestMigrateOldStore opens a store made before scores had geotags and
// metrics had variants: the columns appear, recorded rows stay.
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
	if err := run.ReplaceMetrics([]Metric{{Name: "m", Model: "x", PromptSet: "s", Country: "Kenya", Category: "food", Variant: "modern", Value: 1, N: 1}}, nil, nil); err != nil {
		t.Fatalf("metrics after migration: %v", err)
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
