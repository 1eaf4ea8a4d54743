package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

// killSpec is a sim audit slow enough (2 ms per call) to be killed mid-run.
const killSpec = `name: kill
countries: [China, Kenya, Korea]
categories: [architecture, food, fashion]
prompt_sets: [country_specific, agnostic]
samples: 2
models:
  t2i: [{name: t2i, provider: sim, concurrency: 4, sim: {latency: 2ms}}]
  i2i: [{name: editor, provider: sim, concurrency: 4, sim: {latency: 2ms}}]
  vlm: [{name: judge, provider: sim, concurrency: 4, sim: {latency: 2ms, noise: 0.05}}]
  embedder: [{name: feat, provider: sim, concurrency: 4, sim: {latency: 2ms}}]
edit_chains: [{name: loop, kind: repeat, steps: 3, categories: [house, main_dish]}]
output: run
`

func buildBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "blindspot-bin-")
		if err != nil {
			binErr = err
			return
		}
		binDir = dir
		binPath = filepath.Join(dir, "blindspot")
		if out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput(); err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// The binary the process tests start is built once per test run and
// shared (TestMain removes it).
var (
	binOnce         sync.Once
	binDir, binPath string
	binErr          error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

func countImages(db *sql.DB) int {
	var n int
	db.QueryRow(`SELECT COUNT(*) FROM images`).Scan(&n)
	return n
}

// startAndWait starts the binary and waits until the store holds at least
// min images.
func startAndWait(t *testing.T, bin, dir string, min int) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(bin, "run", "kill.yaml", "-q")
	cmd.Dir = dir
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
		db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "run/store.db")+"?mode=ro&_pragma=busy_timeout(5000)")
		if err != nil {
			continue
		}
		n := countImages(db)
		db.Close()
		if n >= min {
			return cmd
		}
	}
	cmd.Process.Kill()
	t.Fatal("the run never got going")
	return nil
}

// finish resumes the run and checks that every item completed exactly once.
func finish(t *testing.T, bin, dir string) {
	t.Helper()
	cmd := exec.Command(bin, "run", "kill.yaml", "-q", "--json")
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("resume: %v\n%s", err, out)
	}
	var s struct {
		Items   int `json:"items"`
		Planned int `json:"items_planned"`
		Resumed int `json:"resumed_tasks"`
		Status  string
	}
	if err := json.Unmarshal(out, &s); err != nil {
		t.Fatal(err)
	}
	if s.Status != "complete" || s.Items != s.Planned || s.Resumed == 0 {
		t.Fatalf("resumed run: %s", out)
	}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "run/store.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var integrity string
	if err := db.QueryRow(`PRAGMA integrity_check`).Scan(&integrity); err != nil || integrity != "ok" {
		t.Fatalf("integrity check: %q %v", integrity, err)
	}
	// Every image once, and every image judged and embedded once.
	var images, judged, embedded int
	db.QueryRow(`SELECT COUNT(*) FROM images WHERE status = 'ok'`).Scan(&images)
	db.QueryRow(`SELECT COUNT(*) FROM tasks WHERE stage = 'judge' AND status = 'ok'`).Scan(&judged)
	db.QueryRow(`SELECT COUNT(*) FROM tasks WHERE stage = 'embed' AND status = 'ok'`).Scan(&embedded)
	if images != s.Planned || judged != images || embedded != images {
		t.Fatalf("images %d (planned %d), judged %d, embedded %d", images, s.Planned, judged, embedded)
	}
	// No completed call was made twice: a request answered once is a
	// cache hit ever after.
	var repeated int
	db.QueryRow(`SELECT COUNT(*) FROM (SELECT request_key FROM calls WHERE cache_hit = 0 AND status = 'ok' GROUP BY request_key HAVING COUNT(*) > 1)`).Scan(&repeated)
	if repeated != 0 {
		t.Fatalf("%d completed calls were made again", repeated)
	}
	var orphans int
	db.QueryRow(`SELECT COUNT(*) FROM images c WHERE c.parent_id != '' AND NOT EXISTS (SELECT 1 FROM images p WHERE p.id = c.parent_id)`).Scan(&orphans)
	if orphans != 0 {
		t.Fatalf("%d edits without their parent image", orphans)
	}
}

// startKillSpec builds the binary and starts killSpec, returning once the
// store holds min images.
func startKillSpec(t *testing.T, min int) (bin, dir string, cmd *exec.Cmd) {
	t.Helper()
	if testing.Short() {
		t.Skip("starts the real binary")
	}
	bin, dir = buildBinary(t), t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "kill.yaml"), []byte(killSpec), 0o644); err != nil {
		t.Fatal(err)
	}
	return bin, dir, startAndWait(t, bin, dir, min)
}

func TestKillAndResume(t *testing.T) {
	t.Parallel()
	bin, dir, cmd := startKillSpec(t, 60)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	db, _ := sql.Open("sqlite", "file:"+filepath.Join(dir, "run/store.db")+"?mode=ro")
	killedAt := countImages(db)
	db.Close()
	t.Logf("killed with %d images recorded", killedAt)
	finish(t, bin, dir)
}

func TestInterruptDrainsAndResumes(t *testing.T) {
	t.Parallel()
	bin, dir, cmd := startKillSpec(t, 40)
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		ee, ok := err.(*exec.ExitError)
		if !ok || ee.ExitCode() != ExitInterrupted {
			t.Fatalf("interrupted run ended with %v, want exit %d", err, ExitInterrupted)
		}
	case <-ctx.Done():
		cmd.Process.Kill()
		t.Fatal("the run did not stop after an interrupt")
	}
	finish(t, bin, dir)
}
