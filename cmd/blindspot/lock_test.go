package main

import (
	"bytes"
	"database/sql"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// TestTwoRunsOneDirectory starts two real processes on one SQLite run at
// the same moment: one works, the other stops at once with exit 2 and
// names the holder; the run spends no more than its budget. A third run
// after the first was SIGKILLed is not locked out.
func TestTwoRunsOneDirectory(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	spec := strings.Replace(killSpec, "output: run", "prices: {t2i: {per_image: 0.04}, editor: {per_image: 0.04}}\nbudget_usd: 2\noutput: run", 1)
	os.WriteFile(filepath.Join(dir, "kill.yaml"), []byte(spec), 0o644)
	type result struct {
		code   int
		stderr string
	}
	var wg sync.WaitGroup
	results := make([]result, 2)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command(bin, "run", "kill.yaml", "-q")
			cmd.Dir = dir
			var errb bytes.Buffer
			cmd.Stderr = &errb
			err := cmd.Run()
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			}
			results[i] = result{code, errb.String()}
		}()
	}
	wg.Wait()
	refused := 0
	for _, r := range results {
		switch r.code {
		case ExitUsage:
			refused++
			if !strings.Contains(r.stderr, "is in use by pid") || !strings.Contains(r.stderr, "(blindspot run) since") {
				t.Errorf("refused run says %q", r.stderr)
			}
		case ExitOK, ExitBudget:
		default:
			t.Errorf("exit %d: %s", r.code, r.stderr)
		}
	}
	if refused != 1 {
		t.Fatalf("%d runs refused, want 1: %+v", refused, results)
	}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "run/store.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var spent float64
	var calls int
	db.QueryRow(`SELECT COALESCE(SUM(cost_usd), 0), COUNT(*) FROM calls WHERE cache_hit = 0`).Scan(&spent, &calls)
	t.Logf("spent $%.4f of $2 in %d calls", spent, calls)
	if spent > 2+1e-9 {
		t.Errorf("spent $%.4f of a $2 budget", spent)
	}

	// A SIGKILLed holder leaves no lock behind.
	cmd := startAndWait(t, bin, dir, 0)
	cmd.Process.Kill()
	cmd.Wait()
	again := exec.Command(bin, "run", "kill.yaml", "-q")
	again.Dir = dir
	if out, err := again.CombinedOutput(); err != nil && again.ProcessState.ExitCode() != ExitBudget {
		t.Fatalf("after a kill: %v\n%s", err, out)
	}
}

// TestMissingKeyWritesNothing: an unset api_key_env is a usage error found
// before the run directory or the cache is made.
func TestMissingKeyWritesNothing(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeHTTPSpec(t, dir, "http://127.0.0.1:9", "0")
	code, _, out := runJSON(t, dir, map[string]string{}, "run", "h.yaml")
	if code != ExitUsage || !strings.Contains(out, "BLINDSPOT_TEST_KEY is not set") {
		t.Fatalf("exit %d: %s", code, out)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.Name() != "h.yaml" {
			t.Errorf("written: %s", e.Name())
		}
	}
}
