package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

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
	code, status, errs := runCLI(t, dir, "status", "--store", pg)
	if code != ExitOK || !strings.Contains(status, "units 0 queued") && !strings.Contains(status, "0 queued") || !strings.Contains(status, "Units done") {
		t.Errorf("status: %d\n%s\n%s", code, status, errs)
	}
	// Nothing left: a worker started now finds no work and says so.
	if code, out, errs := runCLI(t, dir, "worker", "--store", pg, "--id", "late"); code != ExitOK || !strings.Contains(out, "0 calls made") {
		t.Errorf("late worker: %d %s %s", code, out, errs)
	}
	for _, c := range [][]string{{"worker"}, {"status"}} {
		if code, _, errs := runCLI(t, dir, c...); code != ExitUsage || !strings.Contains(errs, "needs --store") {
			t.Errorf("%v without --store: %d %q", c, code, errs)
		}
	}
	for _, args := range [][]string{
		{"report", "runs/starter", "--store", pg},
		{"export", "runs/starter", "--format", "jsonl", "--store", pg},
		{"sheets", "export", "runs/starter", "--store", pg},
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
