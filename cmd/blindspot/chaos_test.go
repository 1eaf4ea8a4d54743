package main

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// chaosSpec is killSpec with prices, so that every kill risks losing spend.
var chaosSpec = strings.Replace(killSpec, "output: run",
	"prices: {t2i: {per_image: 0.04}, editor: {per_image: 0.03}, judge: {per_1k_input_tokens: 0.5, per_1k_output_tokens: 2}, feat: {per_call: 0.0001}}\noutput: run", 1)

type chaosResult struct {
	Metrics []json.RawMessage `json:"metrics"`
	Cost    float64           `json:"total_cost_usd"`
	RunCost float64           `json:"cost_usd"`
	Items   int               `json:"items"`
	Status  string            `json:"status"`
}

func runToEnd(t *testing.T, bin, dir string) chaosResult {
	t.Helper()
	cmd := exec.Command(bin, "run", "chaos.yaml", "-q", "--json")
	cmd.Dir = dir
	var errb bytes.Buffer
	cmd.Stderr = &errb
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("run: %v\n%s\n%s", err, out, errb.String())
	}
	var r chaosResult
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

func storeCost(t *testing.T, dir string) float64 {
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "run/store.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var v float64
	db.QueryRow(`SELECT COALESCE(SUM(cost_usd), 0) FROM calls WHERE cache_hit = 0`).Scan(&v)
	return v
}

// TestChaosKills kills one audit 20 times at random moments (calls,
// metrics and report writing included), resumes it, and compares it with
// the same audit run without interruption: the same metrics, the same cost
// to the cent, and no temporary folder left behind.
func TestChaosKills(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts the real binary 40 times")
	}
	bin := buildBinary(t)
	ref, chaos := t.TempDir(), t.TempDir()
	for _, d := range []string{ref, chaos} {
		os.WriteFile(filepath.Join(d, "chaos.yaml"), []byte(chaosSpec), 0o644)
	}
	start := time.Now()
	want := runToEnd(t, bin, ref)
	full := time.Since(start)
	// One source, one rounding: what the run says it spent is what the
	// store says.
	if math.Abs(want.RunCost-want.Cost) > 1e-9 {
		t.Errorf("the run says $%.6f, the store $%.6f", want.RunCost, want.Cost)
	}
	rng := rand.New(rand.NewPCG(7, 11))
	kills := 0
	for kills < 20 {
		cmd := exec.Command(bin, "run", "chaos.yaml", "-q")
		cmd.Dir = chaos
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Anywhere in a run, from start-up to the report.
		time.Sleep(time.Duration(rng.Int64N(int64(full))))
		cmd.Process.Signal(syscall.SIGKILL)
		err := cmd.Wait()
		if ee, ok := err.(*exec.ExitError); ok && ee.Sys().(syscall.WaitStatus).Signaled() {
			kills++
			continue
		}
		// It finished before the kill: start the audit over in a new folder
		// would lose the point; run on, as a user would.
		kills++
	}
	got := runToEnd(t, bin, chaos)
	t.Logf("uninterrupted: %d items, $%.4f in %s; after 20 kills: %d items, $%.4f (store $%.4f)", want.Items, want.Cost, full, got.Items, got.Cost, storeCost(t, chaos))
	if got.Status != "complete" || got.Items != want.Items {
		t.Fatalf("status %s, %d items, want %d", got.Status, got.Items, want.Items)
	}
	if math.Abs(got.Cost-want.Cost) >= 0.005 || math.Abs(storeCost(t, chaos)-storeCost(t, ref)) >= 0.005 {
		t.Errorf("cost $%.4f after kills, $%.4f uninterrupted", got.Cost, want.Cost)
	}
	if len(got.Metrics) != len(want.Metrics) {
		t.Fatalf("%d metrics, want %d", len(got.Metrics), len(want.Metrics))
	}
	for i := range want.Metrics {
		if !bytes.Equal(got.Metrics[i], want.Metrics[i]) {
			t.Errorf("metric %d differs:\n after kills   %s\n uninterrupted %s", i, got.Metrics[i], want.Metrics[i])
		}
	}
	filepath.WalkDir(chaos, func(path string, d os.DirEntry, err error) error {
		if err == nil && (strings.HasPrefix(d.Name(), ".report-") || strings.Contains(d.Name(), ".tmp.")) {
			t.Errorf("left behind: %s", path)
		}
		return nil
	})
}
