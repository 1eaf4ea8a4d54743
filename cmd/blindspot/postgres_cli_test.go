package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/blindspot-audit/blindspot/audit/store/pgtest"
)

// TestCommandsOnPostgres: run, summary, report, export and sheets work the
// same with the run store in PostgreSQL; a password in the URL is refused.
func TestCommandsOnPostgres(t *testing.T) {
	t.Parallel()
	pg := pgtest.URL(t)
	dir := t.TempDir()
	if code, out, errs := runCLI(t, dir, "init", "proj"); code != ExitOK {
		t.Fatalf("init: %d %s %s", code, out, errs)
	}
	code, out, errs := runCLI(t, dir, "run", "proj/blindspot.yaml", "-q", "--store", pg)
	if code != ExitOK || !strings.Contains(out, "Judge accuracy") {
		t.Fatalf("run on PostgreSQL: %d\n%s\n%s", code, out, errs)
	}
	if _, err := os.Stat(filepath.Join(dir, "runs/starter/store.db")); err == nil {
		t.Error("a SQLite store was written beside the PostgreSQL one")
	}
	code, summary, errs := runCLI(t, dir, "summary", "runs/starter", "--store", pg)
	if code != ExitOK || !strings.Contains(summary, "Judge accuracy") {
		t.Fatalf("summary: %d\n%s\n%s", code, summary, errs)
	}
	// The store alone names the run: the same summary.
	if code, alone, errs := runCLI(t, dir, "summary", "--store", pg); code != ExitOK || alone != summary {
		t.Errorf("summary --store alone: %d\n%s\n%s", code, alone, errs)
	}
	code, status, errs := runCLI(t, dir, "status", "--store", pg)
	if code != ExitOK || !strings.Contains(status, "0 queued") || !strings.Contains(status, "Units done") || !strings.Contains(status, "exited") {
		t.Errorf("status: %d\n%s\n%s", code, status, errs)
	}
	// Nothing left: a worker started now finds no work and says so.
	if code, out, errs := runCLI(t, dir, "worker", "--store", pg, "--id", "late"); code != ExitOK || !strings.Contains(out, "0 calls made") {
		t.Errorf("late worker: %d %s %s", code, out, errs)
	}
	// status --json: snake_case keys, numbers; the counts as the tables
	// hold them; every worker that finished says it exited.
	code, js, errs := runCLI(t, dir, "status", "--store", pg, "--json")
	var st statusJSON
	if err := json.Unmarshal([]byte(js), &st); code != ExitOK || err != nil {
		t.Fatalf("status --json: %d %v\n%s\n%s", code, err, js, errs)
	}
	var sum struct {
		Items int `json:"items"`
		Calls int `json:"calls_made"`
		Hits  int `json:"cache_hits"`
	}
	_, sjs, _ := runCLI(t, dir, "summary", "runs/starter", "--store", pg, "--json")
	json.Unmarshal([]byte(sjs), &sum)
	unitsDone := 0
	for _, w := range st.Workers {
		unitsDone += w.UnitsDone
		if w.Alive || !w.Exited {
			t.Errorf("worker %s: alive %v, exited %v after it finished", w.ID, w.Alive, w.Exited)
		}
	}
	if st.Name != "starter" || st.Items != sum.Items || st.ItemsPlanned != sum.Items || st.CallsMade != sum.Calls || st.CacheHits != sum.Hits ||
		st.Queue["done"] == 0 || st.Queue["queued"] != 0 || unitsDone != st.Queue["done"] || st.WorkersAlive != 0 || len(st.Workers) != 2 {
		t.Errorf("status --json %+v, against the summary %+v (units done by the workers %d)", st, sum, unitsDone)
	}
	for _, k := range []string{`"Queued"`, `"JobsDone"`, `"ID"`, `"items_planned": "`} {
		if strings.Contains(js, k) {
			t.Errorf("status --json holds %s:\n%s", k, js)
		}
	}
	// A database that does not exist: the cause first, and how to skip
	// the TLS attempt the test server refuses.
	u, _ := url.Parse(pg)
	u.Path, u.RawQuery = "/blindspot_no_such_db", ""
	if code, _, errs := runCLI(t, dir, "status", "--store", u.String()); code == ExitOK ||
		!strings.Contains(errs, `: database "blindspot_no_such_db" does not exist`) || strings.Index(errs, "does not exist") > strings.Index(errs+"tls error", "tls error") ||
		!strings.Contains(errs, "sslmode=disable") {
		t.Errorf("a missing database: exit %d %q", code, errs)
	}
	// A database with no run: said, exit 2.
	if code, _, errs := runCLI(t, dir, "status", "--store", pgtest.URL(t)); code != ExitUsage || !strings.Contains(errs, "holds no run yet") {
		t.Errorf("status of an empty database: exit %d %q", code, errs)
	}
	for _, c := range [][]string{{"worker"}, {"status"}} {
		if code, _, errs := runCLI(t, dir, c...); code != ExitUsage || !strings.Contains(errs, "needs --store") {
			t.Errorf("%v without --store: %d %q", c, code, errs)
		}
	}
	for _, args := range [][]string{
		{"report", "--store", pg},
		{"export", "--format", "jsonl", "--store", pg},
		{"sheets", "export", "--store", pg},
	} {
		if code, out, errs := runCLI(t, dir, args...); code != ExitOK {
			t.Fatalf("%v: %d\n%s\n%s", args[0], code, out, errs)
		}
	}
	for _, f := range []string{"runs/starter/report/index.html", "runs/starter/export/items.jsonl"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	if code, _, errs := runCLI(t, dir, "summary", "runs/starter", "--store", "postgres://u:secret@127.0.0.1/db"); code != ExitUsage || !strings.Contains(errs, "PGPASSWORD") || strings.Contains(errs, "secret") {
		t.Errorf("password in the URL: exit %d %q", code, errs)
	}
}

// statusJSON reads status --json by its documented keys (not through the
// Status type, so a renamed key fails the tests).
type statusJSON struct {
	Name         string         `json:"name"`
	Queue        map[string]int `json:"queue"`
	Items        int            `json:"items"`
	ItemsPlanned int            `json:"items_planned"`
	CallsMade    int            `json:"calls_made"`
	CacheHits    int            `json:"cache_hits"`
	WorkersAlive int            `json:"workers_alive"`
	Workers      []struct {
		ID        string `json:"id"`
		UnitsDone int    `json:"units_done"`
		Alive     bool   `json:"alive"`
		Exited    bool   `json:"exited"`
	} `json:"workers"`
}

// TestWorkerWaitsForTheRun: a worker started before its run waits for it
// (saying so), then works and exits 0; with nothing to wait for, it gives
// up after --wait with exit 2.
func TestWorkerWaitsForTheRun(t *testing.T) {
	t.Parallel()
	pg := pgtest.URL(t)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "kill.yaml"), []byte(killSpec), 0o644)
	type result struct {
		code      int
		out, errs string
	}
	done := make(chan result)
	go func() {
		code, out, errs := runCLI(t, dir, "worker", "--store", pg, "--id", "early", "--wait", "2m")
		done <- result{code, out, errs}
	}()
	time.Sleep(3 * time.Second)
	if code, out, errs := runCLI(t, dir, "run", "kill.yaml", "-q", "--store", pg); code != ExitOK {
		t.Fatalf("run: %d\n%s\n%s", code, out, errs)
	}
	select {
	case w := <-done:
		if w.code != ExitOK || !strings.Contains(w.errs, "waiting for a run") || !strings.Contains(w.out, "worker done") {
			t.Errorf("early worker: exit %d\n%s\n%s", w.code, w.out, w.errs)
		}
		t.Logf("early worker: %s", strings.TrimSpace(w.out))
	case <-time.After(2 * time.Minute):
		t.Fatal("the early worker never finished")
	}
	empty := pgtest.URL(t)
	if code, _, errs := runCLI(t, dir, "worker", "--store", empty, "--wait", "1500ms"); code != ExitUsage || !strings.Contains(errs, "holds no run yet") {
		t.Errorf("worker with no run: exit %d %q", code, errs)
	}
}

// TestReadmeManyWorkers runs the README's "Many workers" commands as
// written, with SPEC the quick start's spec and URL a test database: a
// worker (started first, so it waits), the run, status and summary with
// the store alone.
func TestReadmeManyWorkers(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, claim := range []string{"`blindspot run SPEC --store URL`", "`blindspot worker --store URL --spec SPEC`", "`blindspot status --store URL [--json]`",
		"With `--store URL` and no run directory, `summary`"} {
		if !bytes.Contains(readme, []byte(claim)) {
			t.Fatalf("the README no longer says %s; update this test with it", claim)
		}
	}
	pg, dir := pgtest.URL(t), t.TempDir()
	spec, err := os.ReadFile("../../examples/quickstart.yaml")
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(dir, "examples"), 0o755)
	os.WriteFile(filepath.Join(dir, "examples", "quickstart.yaml"), spec, 0o644)
	const SPEC = "examples/quickstart.yaml"
	done := make(chan [3]string)
	go func() {
		code, out, errs := runCLI(t, dir, "worker", "--store", pg, "--spec", SPEC)
		done <- [3]string{fmt.Sprint(code), out, errs}
	}()
	code, out, errs := runCLI(t, dir, "run", SPEC, "--store", pg)
	if code != ExitOK || !strings.Contains(errs, "Report: runs/quickstart/report/index.html") {
		t.Fatalf("run: %d\n%s\n%s", code, out, errs)
	}
	if w := <-done; w[0] != "0" || !strings.Contains(w[1], "worker done") {
		t.Errorf("worker: exit %s\n%s\n%s", w[0], w[1], w[2])
	}
	if code, status, errs := runCLI(t, dir, "status", "--store", pg); code != ExitOK || !strings.Contains(status, "0 queued") || !strings.Contains(status, "510 of 510 images") {
		t.Errorf("status: %d\n%s\n%s", code, status, errs)
	}
	if code, summary, errs := runCLI(t, dir, "summary", "--store", pg); code != ExitOK || !strings.Contains(summary, `Audit "quickstart": recorded, 510 of 510 images, run directory runs/quickstart`) {
		t.Errorf("summary: %d\n%s\n%s", code, summary, errs)
	}
}
