package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReportAndExportCommands rebuilds a run's report and exports its
// tables from the store alone, and checks their usage errors.
func TestReportAndExportCommands(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if code, out, errs := runCLI(t, dir, "init", "proj"); code != ExitOK {
		t.Fatalf("init: %d %s %s", code, out, errs)
	}
	if code, out, errs := runCLI(t, dir, "run", "proj/blindspot.yaml", "-q"); code != ExitOK {
		t.Fatalf("run: %d %s %s", code, out, errs)
	}
	code, out, errs := runCLI(t, dir, "report", "runs/starter", "--out", "rep")
	if code != ExitOK || !strings.Contains(out, "rep/index.html") {
		t.Fatalf("report: %d %s %s", code, out, errs)
	}
	page, err := os.ReadFile(filepath.Join(dir, "rep", "index.html"))
	if err != nil || !strings.Contains(string(page), `src="assets/echarts.min.js"`) || strings.Contains(string(page), "go-echarts.github.io") {
		t.Errorf("a report should draw its charts with no network, from its own copy of ECharts: %v", err)
	}
	for _, f := range []string{"echarts.min.js", "ECHARTS-LICENSE", "ECHARTS-NOTICE"} {
		if fi, err := os.Stat(filepath.Join(dir, "rep", "assets", f)); err != nil || fi.Size() < 100 {
			t.Errorf("the report lacks assets/%s: %v", f, err)
		}
	}
	// --cdn loads ECharts from the network instead.
	if code, out, errs := runCLI(t, dir, "report", "runs/starter", "--out", "rep-cdn", "--cdn"); code != ExitOK {
		t.Fatalf("report --cdn: %d %s %s", code, out, errs)
	}
	if page, err := os.ReadFile(filepath.Join(dir, "rep-cdn", "index.html")); err != nil || !strings.Contains(string(page), `src="`+"https://go-echarts.github.io") {
		t.Errorf("report --cdn should load ECharts from the CDN: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "rep-cdn", "assets", "echarts.min.js")); err == nil {
		t.Error("report --cdn carries a copy of ECharts anyway")
	}
	// Another local script: copied into the report.
	js := filepath.Join(dir, "echarts.min.js")
	os.WriteFile(js, []byte("/* echarts */"+strings.Repeat(" ", 2000)), 0o644)
	if code, out, errs := runCLI(t, dir, "report", "runs/starter", "--offline", "--echarts", js); code != ExitOK {
		t.Fatalf("report --offline: %d %s %s", code, out, errs)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "runs/starter/report/assets/echarts.min.js")); err != nil || !strings.HasPrefix(string(b), "/* echarts */") {
		t.Errorf("the report does not carry the given echarts.min.js: %v", err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"report", "runs/starter", "--cdn", "--echarts", "x.js"}, "--cdn loads ECharts from the network"},
		{[]string{"report", "runs/none"}, "runs/none"},
		{[]string{"report", "runs/starter", "--cache", "elsewhere"}, "has no cache.db"},
		{[]string{"export", "runs/starter", "--format", "xlsx"}, `--format "xlsx": want csv or jsonl`},
	} {
		code, _, errs := runCLI(t, dir, c.args...)
		if code != ExitUsage || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", c.args, code, errs, ExitUsage, c.want)
		}
	}
	code, out, errs = runCLI(t, dir, "export", "runs/starter", "--format", "jsonl")
	if code != ExitOK || !strings.Contains(out, "items.jsonl (") || !strings.Contains(out, "metrics.jsonl (") {
		t.Fatalf("export: %d %s %s", code, out, errs)
	}
}

// TestOutputFoldersGuarded: report, export and sheets export refuse a
// folder of the user's (exit 2, nothing changed), the run directory and
// its parents; corpus build refuses to replace a file that is not a
// corpus.
func TestOutputFoldersGuarded(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if code, out, errs := runCLI(t, dir, "init", "proj"); code != ExitOK {
		t.Fatalf("init: %d %s %s", code, out, errs)
	}
	if code, out, errs := runCLI(t, dir, "run", "proj/blindspot.yaml", "-q"); code != ExitOK {
		t.Fatalf("run: %d %s %s", code, out, errs)
	}
	os.MkdirAll(filepath.Join(dir, "imp"), 0o755)
	os.WriteFile(filepath.Join(dir, "imp", "thesis.tex"), []byte("mine"), 0o644)
	for _, args := range [][]string{
		{"report", "runs/starter", "--out", "imp"},
		{"report", "runs/starter", "--out", "."},
		{"report", "runs/starter", "--out", "runs/starter"},
		{"report", "runs/starter", "--out", "runs"},
		{"export", "runs/starter", "--out", "imp"},
		{"export", "runs/starter", "--out", "runs/starter"},
		{"sheets", "export", "runs/starter", "--out", "imp"},
		{"sheets", "export", "runs/starter", "--out", "runs/starter/report"},
	} {
		code, _, errs := runCLI(t, dir, args...)
		if code != ExitUsage || !strings.Contains(errs, "refused output folder") {
			t.Errorf("%v: exit %d, %q", args, code, errs)
		}
	}
	if b, err := os.ReadFile(filepath.Join(dir, "imp", "thesis.tex")); err != nil || string(b) != "mine" {
		t.Fatalf("thesis.tex: %q %v", b, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "runs/starter/store.db")); err != nil {
		t.Fatalf("the run store is gone: %v", err)
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "imp"))
	if len(entries) != 1 {
		t.Errorf("imp holds %d entries", len(entries))
	}
	// Each command may write its own folder again.
	for _, args := range [][]string{{"export", "runs/starter"}, {"export", "runs/starter"}, {"report", "runs/starter"}} {
		if code, _, errs := runCLI(t, dir, args...); code != ExitOK {
			t.Errorf("%v: exit %d %s", args, code, errs)
		}
	}
	// corpus build: an output that is not a corpus is not replaced.
	os.WriteFile(filepath.Join(dir, "notes.jsonl"), []byte("my notes\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "corpus.yaml"), []byte("output: notes.jsonl\nseeds:\n  - {url: \"http://127.0.0.1:9/\", country: Kenya, category: food}\n"), 0o644)
	code, _, errs := runCLI(t, dir, "corpus", "build", "corpus.yaml")
	if b, _ := os.ReadFile(filepath.Join(dir, "notes.jsonl")); code != ExitUsage || string(b) != "my notes\n" || !strings.Contains(errs, "is not a corpus file") {
		t.Errorf("corpus build: exit %d %q, notes %q", code, errs, b)
	}
}
