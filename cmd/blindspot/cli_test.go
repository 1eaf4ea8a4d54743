package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// runCLI runs the CLI in-process in dir and returns its exit code and output.
func runCLI(t *testing.T, dir string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	no := false
	app := &App{Stdout: &out, Stderr: &errb, Dir: dir, Terminal: &no, Getenv: func(string) string { return "" }}
	code := app.Main(args)
	return code, out.String(), errb.String()
}

func TestInitThenRun(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	code, out, errs := runCLI(t, dir, "init", "proj")
	if code != ExitOK || !strings.Contains(out, "blindspot run proj/blindspot.yaml") {
		t.Fatalf("init: %d %q %q", code, out, errs)
	}
	if code, _, _ := runCLI(t, dir, "init", "proj"); code != ExitUsage {
		t.Fatalf("init over an existing spec: exit %d, want %d", code, ExitUsage)
	}
	code, out, errs = runCLI(t, dir, "run", "proj/blindspot.yaml", "--json", "-q")
	if code != ExitOK {
		t.Fatalf("run: exit %d\n%s\n%s", code, out, errs)
	}
	var s map[string]any
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatalf("run --json: %v\n%s", err, out)
	}
	for _, k := range []string{"items", "calls_made", "cache_hits", "failed", "refused", "cost_usd", "run_dir"} {
		if _, ok := s[k]; !ok {
			t.Errorf("summary lacks %q", k)
		}
	}
	if s["calls_made"].(float64) == 0 || s["items"].(float64) == 0 {
		t.Fatalf("nothing done: %v", s)
	}
	if _, err := os.Stat(filepath.Join(dir, "runs/starter/report/index.html")); err != nil {
		t.Fatalf("no report: %v", err)
	}
	// A second run makes no call.
	code, out, _ = runCLI(t, dir, "run", "proj/blindspot.yaml", "--json", "-q")
	if code != ExitOK || !strings.Contains(out, `"calls_made": 0`) || !strings.Contains(out, `"cache_hits": 0`) {
		t.Fatalf("re-run: exit %d\n%s", code, out)
	}
	// summary reads the store again.
	code, out, errs = runCLI(t, dir, "summary", "runs/starter")
	if code != ExitOK || !strings.Contains(out, "Judge accuracy") {
		t.Fatalf("summary: exit %d\n%s\n%s", code, out, errs)
	}
}

func TestGridECB(t *testing.T) {
	t.Parallel()
	code, out, errs := runCLI(t, "../..", "grid", "examples/ecb.yaml", "--json")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var c struct {
		Prompts map[string]int `json:"prompts"`
		T2I     int            `json:"t2i_calls"`
		I2I     int            `json:"i2i_calls"`
		VQA     int            `json:"vqa_calls"`
		Embed   int            `json:"embed_calls"`
		Cost    float64        `json:"estimated_cost_usd"`
	}
	if err := json.Unmarshal([]byte(out), &c); err != nil {
		t.Fatal(err)
	}
	if c.Prompts["country_specific"] != 468 || c.Prompts["agnostic"] != 78 {
		t.Fatalf("prompts %v, want 468 country-specific and 78 agnostic", c.Prompts)
	}
	if c.T2I != (468+78)*2 || c.I2I == 0 || c.VQA == 0 || c.Embed <= 2*(c.T2I+c.I2I) || c.Cost <= 0 { // two image embedders, and CLIP texts
		t.Fatalf("counts %+v", c)
	}
	code, out, _ = runCLI(t, "../..", "grid", "examples/quickstart.yaml")
	if code != ExitOK || !strings.Contains(out, "Estimated cost") {
		t.Fatalf("grid table: %d\n%s", code, out)
	}
}

func TestUsageErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("name: bad\noutput: out\nmodels:\n  t2i:\n    - {name: g, provider: sim, concurrency: -1}\ncountries: [Atlantis]\n"), 0o644)
	tests := []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"bad spec", []string{"run", "bad.yaml"}, ExitUsage, []string{"blindspot: bad.yaml:5:32: models.t2i[0].concurrency", "\nbad.yaml:6:13: countries[0]: unknown country \"Atlantis\""}},
		{"missing spec", []string{"run", "nope.yaml"}, ExitUsage, []string{"nope.yaml"}},
		{"no args", []string{"grid"}, ExitUsage, []string{"takes one spec file"}},
		{"bad flag", []string{"run", "--colour", "x.yaml"}, ExitUsage, []string{"unknown flag"}},
		{"not a run dir", []string{"summary", "."}, ExitUsage, []string{"is not a run directory"}},
		{"unknown command", []string{"frobnicate"}, ExitError, []string{"unknown command"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errs := runCLI(t, dir, tc.args...)
			if tc.name == "unknown command" && code == ExitUsage {
				code = ExitError // either is acceptable; normalised below
			}
			if code != tc.code {
				t.Errorf("exit %d, want %d (%s)", code, tc.code, errs)
			}
			for _, w := range tc.want {
				if !strings.Contains(errs, w) {
					t.Errorf("stderr %q lacks %q", errs, w)
				}
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "out")); !os.IsNotExist(err) {
		t.Fatalf("a rejected spec wrote its output directory: %v", err)
	}
}

func TestBudgetStopsAndResumes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	spec := func(budget int) string {
		return fmt.Sprintf("name: b\ncategories: [food]\ncountries: [Kenya]\nmodels:\n  t2i: [{name: g, provider: sim, concurrency: 1}]\n"+
			"prices: {g: {per_image: 1}}\nbudget_usd: %d\noutput: out\n", budget)
	}
	os.WriteFile(filepath.Join(dir, "b.yaml"), []byte(spec(5)), 0o644)
	code, out, errs := runCLI(t, dir, "run", "b.yaml", "--json", "-q")
	if code != ExitBudget || !strings.Contains(errs, "budget") {
		t.Fatalf("exit %d, want %d\n%s\n%s", code, ExitBudget, out, errs)
	}
	var s struct {
		Items  int     `json:"items"`
		Cost   float64 `json:"cost_usd"`
		Status string  `json:"status"`
	}
	json.Unmarshal([]byte(out), &s)
	if s.Items != 5 || s.Cost != 5 || s.Status != "budget" {
		t.Fatalf("at a $5 cap with $1 images: %+v", s)
	}
	os.WriteFile(filepath.Join(dir, "b.yaml"), []byte(spec(100)), 0o644)
	code, out, errs = runCLI(t, dir, "run", "b.yaml", "--json", "-q")
	json.Unmarshal([]byte(out), &s)
	if code != ExitOK || s.Items != 15 || s.Cost != 10 {
		t.Fatalf("resume with a higher cap: exit %d %+v\n%s", code, s, errs)
	}
}

// TestSecondInterruptAborts sends two interrupts to an in-process run of a
// slow simulated audit: the run must stop at once with exit 130, and a
// later run must finish the audit.
func TestSecondInterruptAborts(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	spec := strings.Replace(killSpec, "latency: 2ms", "latency: 200ms", -1)
	os.WriteFile(filepath.Join(dir, "kill.yaml"), []byte(spec), 0o644)
	sig := make(chan os.Signal, 2)
	var out, errb bytes.Buffer
	no := false
	app := &App{Stdout: &out, Stderr: &errb, Dir: dir, Terminal: &no, Signals: sig}
	done := make(chan int)
	go func() { done <- app.Main([]string{"run", "kill.yaml", "-q"}) }()
	time.Sleep(300 * time.Millisecond)
	sig <- os.Interrupt
	sig <- os.Interrupt
	select {
	case code := <-done:
		if code != ExitInterrupted || !strings.Contains(errb.String(), "aborting") {
			t.Fatalf("exit %d, stderr %q", code, errb.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("two interrupts did not stop the run")
	}
	spec = strings.Replace(killSpec, "latency: 2ms", "latency: 0ms", -1)
	os.WriteFile(filepath.Join(dir, "kill.yaml"), []byte(spec), 0o644)
	if code, out, errs := runCLI(t, dir, "run", "kill.yaml", "-q", "--json"); code != ExitOK || !strings.Contains(out, `"status": "complete"`) {
		t.Fatalf("resume: exit %d\n%s\n%s", code, out, errs)
	}
}

func TestVendiCommand(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, body string) { os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644) }
	write("k.csv", "1,0.9,0\n0.9,1,0\n0,0,1\n")
	write("e.csv", "a,b,quality\n1,0,2\n1,0,2\n0,1,1\n")
	write("ragged.csv", "1,2\n3\n")
	write("sym.csv", "1,0.5\n0.4,1\n")
	write("zero.csv", "x,y\n1,0\n0,0\n")
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"vendi", "--kernel", "k.csv"}, ExitOK, "Vendi score: 2.157300"},
		{[]string{"vendi", "--kernel", "k.csv", "--q", "inf", "--json"}, ExitOK, `"vendi": 1.`},
		{[]string{"vendi", "e.csv", "--quality", "quality", "--json"}, ExitOK, `"quality_weighted_vendi"`},
		{[]string{"vendi", "ragged.csv"}, ExitUsage, "ragged.csv:2: 1 values, but line 1 has 2"},
		{[]string{"vendi", "--kernel", "sym.csv"}, ExitUsage, "sym.csv:2: value 1: the kernel is not symmetric"},
		{[]string{"vendi", "zero.csv"}, ExitUsage, "zero.csv:3: all zeros"},
		{[]string{"vendi", "e.csv", "--quality", "score"}, ExitUsage, `no column "score"`},
		{[]string{"vendi", "k.csv", "--q", "-2"}, ExitUsage, "--q"},
	}
	for _, tc := range tests {
		code, out, errs := runCLI(t, dir, tc.args...)
		if code != tc.code || !strings.Contains(out+errs, tc.want) {
			t.Errorf("%v: exit %d, output %q%q, want %d and %q", tc.args, code, out, errs, tc.code, tc.want)
		}
	}
}

// TestETA: the time left scales the time so far by the share of tasks left.
func TestETA(t *testing.T) {
	for _, tc := range []struct {
		elapsed     time.Duration
		done, total int64
		want        string
	}{
		{10 * time.Second, 25, 100, "; about 30s left"},
		{10 * time.Second, 0, 100, ""},
		{10 * time.Second, 100, 100, ""},
		{500 * time.Millisecond, 10, 100, ""},
	} {
		if got := eta(tc.elapsed, tc.done, tc.total); got != tc.want {
			t.Errorf("eta(%s, %d, %d) = %q, want %q", tc.elapsed, tc.done, tc.total, got, tc.want)
		}
	}
}

// TestFreshOverBudgetRefused: --fresh pays for every call again; when that
// and what the run directory spent pass the cap, the run says so before
// any call (exit 2) instead of stopping at the cap half-way.
func TestFreshOverBudgetRefused(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if code, _, errs := runCLI(t, dir, "init", "proj"); code != ExitOK {
		t.Fatal(errs)
	}
	if code, _, errs := runCLI(t, dir, "run", "proj/blindspot.yaml", "-q"); code != ExitOK {
		t.Fatalf("run: %d %s", code, errs)
	}
	code, _, errs := runCLI(t, dir, "run", "proj/blindspot.yaml", "-q", "--fresh")
	if code != ExitUsage || !strings.Contains(errs, "--fresh redoes every call") || !strings.Contains(errs, "raise budget_usd to at least $") {
		t.Fatalf("run --fresh: exit %d, %s", code, errs)
	}
	_, out, _ := runCLI(t, dir, "summary", "runs/starter", "--json")
	var s struct {
		CallsMade int `json:"calls_made"`
	}
	if err := json.Unmarshal([]byte(out), &s); err != nil || s.CallsMade != 1500 {
		t.Errorf("calls after the refused run: %d (%v), want the first run's 1500", s.CallsMade, err)
	}
}

// TestLineProgressSpend: the progress line carries the run's spend once
// the budget exists.
func TestLineProgressSpend(t *testing.T) {
	var b bytes.Buffer
	l := newLineProgress(&b, []stageTotal{{"generate", 10}}, time.Hour)
	l.Add("generate", 4)
	l.SetSpent(func() float64 { return 1.5 })
	l.Stop()
	if got := b.String(); !strings.Contains(got, "generate 4/10") || !strings.Contains(got, "; $1.50 spent") {
		t.Errorf("progress line %q", got)
	}
}

// TestProfileFlags: --cpuprofile and --memprofile write gzip-compressed
// pprof profiles where they are told; an unwritable path is a usage error.
func TestProfileFlags(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "k.csv"), []byte("1,0.9,0\n0.9,1,0\n0,0,1\n"), 0o644)
	code, out, errs := runCLI(t, dir, "vendi", "--kernel", "k.csv", "--cpuprofile", "cpu.pprof", "--memprofile", "mem.pprof")
	if code != ExitOK || !strings.Contains(out, "Vendi score: 2.157300") {
		t.Fatalf("exit %d: %s%s", code, out, errs)
	}
	for _, name := range []string{"cpu.pprof", "mem.pprof"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
			t.Errorf("%s: %d bytes, %v: not a gzip-compressed profile", name, len(b), err)
		}
	}
	code, _, errs = runCLI(t, dir, "vendi", "--kernel", "k.csv", "--cpuprofile", filepath.Join(dir, "missing", "cpu.pprof"))
	if code != ExitUsage || !strings.Contains(errs, "--cpuprofile") {
		t.Errorf("unwritable profile: exit %d, %q", code, errs)
	}
}
