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
	if err != nil || !strings.Contains(string(page), `src="`+"https://go-echarts.github.io") {
		t.Errorf("online report should load ECharts from the CDN: %v", err)
	}
	// Offline with a local script: copied into the report.
	js := filepath.Join(dir, "echarts.min.js")
	os.WriteFile(js, []byte("/* echarts */"+strings.Repeat(" ", 2000)), 0o644)
	if code, out, errs := runCLI(t, dir, "report", "runs/starter", "--offline", "--echarts", js); code != ExitOK {
		t.Fatalf("report --offline: %d %s %s", code, out, errs)
	}
	if _, err := os.Stat(filepath.Join(dir, "runs/starter/report/assets/echarts.min.js")); err != nil {
		t.Errorf("offline report lacks echarts.min.js: %v", err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"report", "runs/starter", "--offline"}, "--offline needs a local echarts.min.js"},
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
