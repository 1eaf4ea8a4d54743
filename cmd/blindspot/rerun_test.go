package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/blindspot-audit/blindspot/audit/store"
)

// TestUnchangedRerun: a re-run with nothing new prints, without opening
// the store, exactly what a re-run that checks every task prints (text and
// JSON); a write to the store, a deleted report, a changed spec or --fresh
// sends it back to the full path.
func TestUnchangedRerun(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if code, out, errs := runCLI(t, dir, "init", "p"); code != ExitOK {
		t.Fatalf("init: %d %s %s", code, out, errs)
	}
	run := func(args ...string) (string, string) {
		t.Helper()
		code, out, errs := runCLI(t, dir, append([]string{"run", "p/blindspot.yaml"}, args...)...)
		if code != ExitOK {
			t.Fatalf("run %v: exit %d\n%s\n%s", args, code, out, errs)
		}
		return out, errs
	}
	run()
	runDir := filepath.Join(dir, "runs", "starter")
	fingerprint := filepath.Join(runDir, ".blindspot-rerun", "fingerprint")
	const fast = "nothing new since the last run"
	// The full path of a run with nothing to do, then the fast one.
	for _, args := range [][]string{nil, {"--json"}} {
		os.Remove(fingerprint)
		slow, errs := run(args...)
		if strings.Contains(errs, fast) {
			t.Fatalf("%v: the fast path ran without its fingerprint", args)
		}
		quick, errs := run(args...)
		if !strings.Contains(errs, fast) {
			t.Fatalf("%v: a re-run with nothing new took the full path:\n%s", args, errs)
		}
		if quick != slow {
			t.Errorf("%v: the fast path printed\n%s\nthe full path\n%s", args, quick, slow)
		}
		if !strings.Contains(slow, "0") || (len(args) > 0 && !strings.Contains(slow, `"calls_made": 0`)) {
			t.Errorf("%v: a re-run's summary does not say it made no calls:\n%s", args, slow)
		}
	}
	// Anything recorded in the store since: the full path.
	rs, err := store.OpenRunAt(context.Background(), runDir, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := rs.SetPerceptualDuplicates(map[string]int{"x": 1}); err != nil {
		t.Fatal(err)
	}
	rs.Close()
	if _, errs := run(); strings.Contains(errs, fast) {
		t.Error("a write to the store went unnoticed")
	}
	if _, errs := run(); !strings.Contains(errs, fast) {
		t.Error("the run after the full one took the full path again")
	}
	// The report deleted: rebuilt.
	os.RemoveAll(filepath.Join(runDir, "report"))
	if _, errs := run(); strings.Contains(errs, fast) {
		t.Error("a deleted report was not rebuilt")
	}
	if _, err := os.Stat(filepath.Join(runDir, "report", "index.html")); err != nil {
		t.Errorf("report: %v", err)
	}
	// A changed spec file, even a comment (the store records the spec's
	// text): the full path.
	spec := filepath.Join(dir, "p", "blindspot.yaml")
	b, _ := os.ReadFile(spec)
	os.WriteFile(spec, append(b, []byte("\n# a comment\n")...), 0o644)
	if _, errs := run(); strings.Contains(errs, fast) {
		t.Error("a changed spec file went unnoticed")
	}
	os.WriteFile(spec, []byte(strings.Replace(string(b), "budget_usd: 20", "budget_usd: 100", 1)), 0o644)
	if _, errs := run(); strings.Contains(errs, fast) {
		t.Error("a changed budget went unnoticed")
	}
	// --fresh never takes it.
	if _, errs := run("--fresh"); strings.Contains(errs, fast) {
		t.Error("--fresh took the fast path")
	}
}

// TestUnchangedRerunInputs: a file the spec reads (here a lexicon) is part
// of what a re-run with nothing new depends on.
func TestUnchangedRerunInputs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, f := range []string{"stories.yaml", "lexicon-extra.yaml"} {
		b, err := os.ReadFile(filepath.Join("../../examples", f))
		if err != nil {
			t.Fatal(err)
		}
		os.MkdirAll(filepath.Join(dir, "examples"), 0o755)
		os.WriteFile(filepath.Join(dir, "examples", f), b, 0o644)
	}
	run := func() string {
		t.Helper()
		code, out, errs := runCLI(t, dir, "run", "examples/stories.yaml")
		if code != ExitOK {
			t.Fatalf("run: exit %d\n%s\n%s", code, out, errs)
		}
		return errs
	}
	const fast = "nothing new since the last run"
	run()
	if errs := run(); !strings.Contains(errs, fast) {
		t.Fatalf("a re-run with nothing new took the full path:\n%s", errs)
	}
	lexicon := filepath.Join(dir, "examples", "lexicon-extra.yaml")
	b, _ := os.ReadFile(lexicon)
	os.WriteFile(lexicon, append(b, []byte("\n# one more line\n")...), 0o644)
	if errs := run(); strings.Contains(errs, fast) {
		t.Error("a changed lexicon file went unnoticed")
	}
}
