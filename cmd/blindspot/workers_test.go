package main

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/blindspot-audit/blindspot/audit/store/pgtest"
)

// sharedSpec is killSpec with a shared limit on the judge, 7,200 calls a
// minute (120 a second) across every worker, and prices, so that a killed
// worker's paid responses show in the costs.
var sharedSpec = strings.Replace(strings.Replace(killSpec, "vlm: [{name: judge, provider: sim, concurrency: 4,", "vlm: [{name: judge, provider: sim, concurrency: 4, requests_per_minute: 7200,", 1), "output: run", `output: run
prices:
  t2i: {per_image: 0.04}
  editor: {per_image: 0.03}
  judge: {per_1k_input_tokens: 0.0025, per_1k_output_tokens: 0.01}
  feat: {per_1k_input_tokens: 0.0001}
budget_usd: 1000`, 1)

// TestWorkersShareARunAndSurviveAKill: a run on PostgreSQL and two workers
// share the grid; one worker is SIGKILLed mid-run; the run still finishes
// with every item done exactly once, the judge's shared rate limit held,
// and the same metrics as a single process on SQLite.
func TestWorkersShareARunAndSurviveAKill(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts the real binary")
	}
	pg := pgtest.URL(t)
	bin, dir := buildBinary(t), t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "kill.yaml"), []byte(sharedSpec), 0o644); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("pgx", pg)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	start := func(args ...string) *exec.Cmd {
		cmd := exec.Command(bin, args...)
		cmd.Dir = dir
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd
	}
	began := time.Now()
	var runOut bytes.Buffer
	run := exec.Command(bin, "run", "kill.yaml", "-q", "--json", "--store", pg)
	run.Dir, run.Stdout, run.Stderr = dir, &runOut, os.Stderr
	if err := run.Start(); err != nil {
		t.Fatal(err)
	}
	// Workers started before the run wait for it (TestWorkerWaitsForTheRun);
	// here they start once it has recorded its spec, so that the doomed one
	// is sure to hold units when it is killed.
	for wait := time.Now().Add(60 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		var n int
		db.QueryRow(`SELECT COUNT(*) FROM meta WHERE key = 'spec' AND value != ''`).Scan(&n)
		if n > 0 {
			break
		}
		if time.Now().After(wait) {
			t.Fatal("the run never recorded its spec")
		}
	}
	// The doomed worker's records of its calls stall (a trigger keyed on
	// its connection's application_name) while its responses still reach
	// the shared cache: killed then, it leaves responses it paid for and
	// never recorded, which the workers that take its units over must
	// charge once (a kill at a random moment rarely finds that window).
	if _, err := db.Exec(`CREATE FUNCTION stall_doomed() RETURNS trigger AS $$
		BEGIN IF current_setting('application_name') = 'doomed' THEN PERFORM pg_sleep(60); END IF; RETURN NEW; END $$ LANGUAGE plpgsql;
		CREATE TRIGGER stall_doomed BEFORE INSERT ON calls FOR EACH ROW EXECUTE FUNCTION stall_doomed()`); err != nil {
		t.Fatal(err)
	}
	w1 := start("worker", "--store", pg+"&application_name=doomed", "--id", "doomed", "--lease", "2s")
	w2 := start("worker", "--store", pg, "--id", "survivor", "--lease", "2s")
	// status --json, polled through the live run, agrees with the tables:
	// each count between the tables' counts just before and just after it,
	// the survivor alive, the doomed worker not alive once killed and its
	// lease run out.
	var killedAt atomic.Int64
	stopPoll, polled := make(chan struct{}), make(chan int)
	go func() {
		polls := 0
		defer func() { polled <- polls }()
		snapshot := func() (done, made, survivor int) {
			db.QueryRow(`SELECT COUNT(*) FROM jobs WHERE status = 'done'`).Scan(&done)
			db.QueryRow(`SELECT COUNT(*) FROM calls WHERE cache_hit = 0 AND status != 'skipped'`).Scan(&made)
			db.QueryRow(`SELECT COUNT(*) FROM jobs WHERE status = 'done' AND worker = 'survivor'`).Scan(&survivor)
			return
		}
		for {
			select {
			case <-stopPoll:
				return
			case <-time.After(300 * time.Millisecond):
			}
			d0, m0, s0 := snapshot()
			code, js, _ := runCLI(t, dir, "status", "--store", pg, "--json")
			d1, m1, s1 := snapshot()
			var st statusJSON
			if code != ExitOK || json.Unmarshal([]byte(js), &st) != nil {
				t.Errorf("status --json during the run: exit %d\n%s", code, js)
				return
			}
			polls++
			if st.Queue["done"] < d0 || st.Queue["done"] > d1 || st.CallsMade < m0 || st.CallsMade > m1 {
				t.Errorf("status: %d units done, %d calls made; the tables: %d-%d and %d-%d", st.Queue["done"], st.CallsMade, d0, d1, m0, m1)
			}
			for _, w := range st.Workers {
				switch {
				case w.ID == "survivor" && (w.UnitsDone < s0 || w.UnitsDone > s1):
					t.Errorf("status: survivor %d units done; the jobs table %d-%d", w.UnitsDone, s0, s1)
				case w.ID == "survivor" && !w.Exited && !w.Alive:
					t.Errorf("status: the working survivor is not alive")
				case w.ID == "doomed" && killedAt.Load() > 0 && time.Since(time.Unix(0, killedAt.Load())) > 3*time.Second && (w.Alive || w.Exited):
					t.Errorf("status: the killed worker alive %v, exited %v", w.Alive, w.Exited)
				}
			}
		}
	}()
	// Kill the doomed worker once it holds units and has been stalled a
	// while, its calls answered and cached meanwhile.
	deadline := time.Now().Add(60 * time.Second)
	for {
		var held, stalled int
		db.QueryRow(`SELECT COUNT(*) FROM jobs WHERE worker = 'doomed' AND status = 'running'`).Scan(&held)
		db.QueryRow(`SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = 'doomed' AND query LIKE '%calls%'`).Scan(&stalled)
		if held > 0 && stalled > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the doomed worker never took work")
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond)
	w1.Process.Signal(syscall.SIGKILL)
	killedAt.Store(time.Now().UnixNano())
	w1.Wait()
	// Its stalled transactions end with it, releasing their rows.
	db.Exec(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'doomed'`)
	db.Exec(`DROP TRIGGER stall_doomed ON calls`)
	if err := run.Wait(); err != nil {
		t.Fatalf("run: %v", err)
	}
	w2.Wait()
	close(stopPoll)
	t.Logf("status polled %d times during the run", <-polled)
	t.Logf("shared run with a killed worker finished in %v", time.Since(began).Round(time.Millisecond))
	// run --json: the run's figures are every process's (the calls table),
	// this process's are given apart and named as such.
	var sum struct {
		CallsMade int64 `json:"calls_made"`
		Process   *struct {
			CallsMade int64 `json:"calls_made"`
		} `json:"process"`
	}
	if err := json.Unmarshal(runOut.Bytes(), &sum); err != nil {
		t.Fatalf("run --json: %v\n%s", err, runOut.String())
	}
	var made int64
	db.QueryRow(`SELECT COUNT(*) FROM calls WHERE cache_hit = 0 AND status != 'skipped'`).Scan(&made)
	if sum.CallsMade != made || sum.Process == nil || sum.Process.CallsMade <= 0 || sum.Process.CallsMade >= made {
		t.Errorf("run --json: calls_made %d (the calls table holds %d made), process %+v", sum.CallsMade, made, sum.Process)
	}
	var planned string
	db.QueryRow(`SELECT value FROM meta WHERE key = 'planned_images'`).Scan(&planned)
	var images, judged, embedded, repeated, orphans, notDone, takenOver int
	db.QueryRow(`SELECT COUNT(*) FROM images WHERE status = 'ok'`).Scan(&images)
	db.QueryRow(`SELECT COUNT(*) FROM tasks WHERE stage = 'judge' AND status = 'ok'`).Scan(&judged)
	db.QueryRow(`SELECT COUNT(*) FROM tasks WHERE stage = 'embed' AND status = 'ok'`).Scan(&embedded)
	db.QueryRow(`SELECT COUNT(*) FROM (SELECT request_key FROM calls WHERE cache_hit = 0 AND status = 'ok' GROUP BY request_key HAVING COUNT(*) > 1) x`).Scan(&repeated)
	db.QueryRow(`SELECT COUNT(*) FROM images c WHERE c.parent_id != '' AND NOT EXISTS (SELECT 1 FROM images p WHERE p.id = c.parent_id)`).Scan(&orphans)
	db.QueryRow(`SELECT COUNT(*) FROM jobs WHERE status != 'done'`).Scan(&notDone)
	db.QueryRow(`SELECT COUNT(*) FROM jobs WHERE attempts > 1`).Scan(&takenOver)
	t.Logf("images %d of %s, judged %d, embedded %d; units taken over from the killed worker %d; completed calls made twice %d", images, planned, judged, embedded, takenOver, repeated)
	if fmt.Sprint(images) != planned || judged != images || embedded != images || repeated != 0 || orphans != 0 || notDone != 0 || takenOver == 0 {
		t.Fatalf("images %d of %s, judged %d, embedded %d, repeated calls %d, orphans %d, units not done %d, taken over %d", images, planned, judged, embedded, repeated, orphans, notDone, takenOver)
	}
	// The judge's limit, 120 calls a second, held across the processes
	// (calls are stamped when they end; allow one second's slack).
	var peak int
	db.QueryRow(`SELECT COALESCE(MAX(n), 0) FROM (SELECT COUNT(*) AS n FROM calls WHERE stage = 'judge' AND cache_hit = 0 GROUP BY substr(at, 1, 19)) x`).Scan(&peak)
	var judgeCalls int
	var span float64
	db.QueryRow(`SELECT COUNT(*), EXTRACT(EPOCH FROM (MAX(at::timestamptz) - MIN(at::timestamptz)))::float8 FROM calls WHERE stage = 'judge' AND cache_hit = 0`).Scan(&judgeCalls, &span)
	rate := float64(judgeCalls) / max(span, 1)
	t.Logf("judge calls: %d over %.1f s = %.1f/s (limit 120/s), busiest second %d", judgeCalls, span, rate, peak)
	if rate > 120*1.1 || peak > 2*120 {
		t.Errorf("shared rate limit broken: %.1f calls/s, busiest second %d (limit 120/s)", rate, peak)
	}
	// Same metrics as one process on SQLite.
	lite := t.TempDir()
	os.WriteFile(filepath.Join(lite, "kill.yaml"), []byte(sharedSpec), 0o644)
	if code, out, errs := runCLI(t, lite, "run", "kill.yaml", "-q"); code != ExitOK {
		t.Fatalf("SQLite run: %d %s %s", code, out, errs)
	}
	metrics := func(args ...string) map[string]string {
		code, out, errs := runCLI(t, map[bool]string{true: dir, false: lite}[len(args) > 0], append([]string{"summary", "run", "--json"}, args...)...)
		if code != ExitOK {
			t.Fatalf("summary: %d %s", code, errs)
		}
		var s struct {
			Metrics []struct {
				Name, Model, PromptSet, Country, Category, Variant, Chain string
				Step, N                                                   int
				Value                                                     float64
			}
		}
		json.Unmarshal([]byte(out), &s)
		m := map[string]string{}
		for _, x := range s.Metrics {
			m[fmt.Sprint(x.Name, x.Model, x.PromptSet, x.Country, x.Category, x.Variant, x.Chain, x.Step)] = fmt.Sprintf("%.9f/%d", x.Value, x.N)
		}
		return m
	}
	// Every paid response counted once, as by one process: a response the
	// killed worker paid for and cached but never recorded is charged by
	// the worker that replays it.
	costs := func(args ...string) (float64, int64) {
		_, out, _ := runCLI(t, map[bool]string{true: dir, false: lite}[len(args) > 0], append([]string{"summary", "run", "--json"}, args...)...)
		var s struct {
			Cost  float64 `json:"cost_usd"`
			Calls int64   `json:"calls_made"`
		}
		json.Unmarshal([]byte(out), &s)
		return s.Cost, s.Calls
	}
	liteCost, liteCalls := costs()
	pgCost, pgCalls := costs("--store", pg)
	t.Logf("cost $%.5f and %d calls shared, $%.5f and %d on SQLite", pgCost, pgCalls, liteCost, liteCalls)
	if liteCost == 0 || math.Abs(pgCost-liteCost) >= 0.005 || pgCalls != liteCalls {
		t.Errorf("shared run with a killed worker: $%.5f and %d calls, one process on SQLite: $%.5f and %d calls", pgCost, pgCalls, liteCost, liteCalls)
	}
	want, got := metrics(), metrics("--store", pg)
	differ := 0
	for k, v := range want {
		if got[k] != v {
			differ++
		}
	}
	if len(want) == 0 || len(got) != len(want) || differ != 0 {
		t.Errorf("metrics: %d on SQLite, %d shared, %d differ", len(want), len(got), differ)
	}
}
