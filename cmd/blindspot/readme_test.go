package main

import (
	"bytes"
	"encoding/json"
	"github.com/blindspot-audit/blindspot/audit/spec"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestReadmeQuickstart checks the README's quick start against the real
// binary: the first run ends with the report's path, its summary opens
// with the findings (the simulator's injected bias: Nigeria's images least
// faithful, the United States' most, and the United States as the default
// culture), the same as summary --json gives, every line of the summary fits 120 columns,
// and a second run makes no call.
func TestReadmeQuickstart(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, claim := range []string{"go run ./cmd/blindspot run examples/quickstart.yaml", "Report: runs/quickstart/report/index.html`", "0 calls made"} {
		if !strings.Contains(string(readme), claim) {
			t.Fatalf("the README no longer says %q; update this test with it", claim)
		}
	}
	dir := t.TempDir()
	spec, err := os.ReadFile("../../examples/quickstart.yaml")
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(dir, "examples"), 0o755)
	os.WriteFile(filepath.Join(dir, "examples", "quickstart.yaml"), spec, 0o644)

	bin := buildBinary(t)
	run := func() (string, string) {
		cmd := exec.Command(bin, "run", "examples/quickstart.yaml")
		cmd.Dir = dir
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("run: %v\n%s\n%s", err, stdout.String(), stderr.String())
		}
		return stdout.String(), stderr.String()
	}
	out, errs := run()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	errLines := strings.Split(strings.TrimSpace(errs), "\n")
	if last := errLines[len(errLines)-1]; !regexp.MustCompile(`^Finished in [0-9.]+m?s\. Report: runs/quickstart/report/index\.html$`).MatchString(last) {
		t.Errorf("the run's last line is %q", last)
	}
	// The findings come first, right under the status line.
	if len(lines) < 4 || lines[2] != "Findings:" {
		t.Fatalf("the summary does not open with its findings:\n%s", strings.Join(lines[:min(8, len(lines))], "\n"))
	}
	first := findingsText(lines)
	gap := regexp.MustCompile(`^sim-t2i's images of Nigeria are judged faithful 0\.\d\d \[.*against 0\.9\d \[.*for United States .*Holm-adjusted p = 0\.0\d+`)
	var sawGap, sawDefault bool
	for _, f := range first[:min(2, len(first))] {
		sawGap = sawGap || gap.MatchString(f)
		sawDefault = sawDefault || (strings.HasPrefix(f, "With no country named, 9") && strings.Contains(f, "United States"))
	}
	if !sawGap || !sawDefault {
		t.Errorf("the first two findings are not the injected bias (Nigeria least faithful, United States the default):\n%s", strings.Join(first, "\n"))
	}
	// The numbers the quick start quotes are the run's.
	for _, quoted := range []string{"93% [", "faithful 0.29 [", "against 0.90 ["} {
		if !strings.Contains(out, quoted) {
			t.Errorf("the README quotes %q, the run does not print it", quoted)
		}
	}
	for _, claim := range []string{"93% of the images look American", "judged faithful 0.29 of the time against 0.90 for the United States"} {
		if !strings.Contains(strings.Join(strings.Fields(string(readme)), " "), claim) {
			t.Errorf("the README no longer says %q; update this test with it", claim)
		}
	}
	for _, l := range lines {
		if n := len([]rune(l)); n > 120 {
			t.Errorf("a summary line of %d columns: %q", n, l)
		}
	}

	// Again: everything comes from the run store and the cache.
	out, _ = run()
	if !regexp.MustCompile(`this run\s*│\s*0\s*│`).MatchString(out) {
		t.Errorf("the second run made calls:\n%s", out)
	}
	code, out, _ := runCLI(t, dir, "summary", "runs/quickstart", "--json")
	var s struct {
		Findings []struct {
			Kind, Text, Section string
			N                   int
		} `json:"findings"`
	}
	if code != ExitOK || json.Unmarshal([]byte(out), &s) != nil || len(s.Findings) != len(first) {
		t.Fatalf("summary --json findings: exit %d, %d findings against %d printed", code, len(s.Findings), len(first))
	}
	for i, f := range s.Findings {
		if f.N == 0 || f.Section == "" || !strings.HasPrefix(first[i], f.Text) {
			t.Errorf("summary --json finding %d %+v differs from the printed %q", i, f, first[i])
		}
	}
}

// findingsText joins each numbered finding's wrapped lines.
func findingsText(lines []string) []string {
	var out []string
	for _, l := range lines[3:] {
		switch {
		case l == "":
			return out
		case regexp.MustCompile(`^\s*\d+\. `).MatchString(l):
			out = append(out, regexp.MustCompile(`^\s*\d+\. `).ReplaceAllString(l, ""))
		case len(out) > 0:
			out[len(out)-1] += " " + strings.TrimSpace(l)
		}
	}
	return out
}

// TestReadmeRealAuditSpec: the spec under "Audit a real model" loads and
// validates (its ComfyUI workflow is examples/comfyui's), so a user who
// copies it starts from a working file.
func TestReadmeRealAuditSpec(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(readme)
	i := strings.Index(text, "## Audit a real model")
	if i < 0 {
		t.Fatal("the README has no \"Audit a real model\" section")
	}
	block := regexp.MustCompile("(?s)```yaml\n(.*?)```").FindStringSubmatch(text[i:])
	if block == nil {
		t.Fatal("no yaml block under \"Audit a real model\"")
	}
	a, err := spec.Parse("../../real-audit.yaml", []byte(block[1]), os.ReadFile)
	if err != nil {
		t.Fatalf("the README's spec does not load:\n%v", err)
	}
	if len(a.Models.T2I) != 3 || len(a.Models.VLM) != 1 || len(a.Models.Embedder) != 1 {
		t.Errorf("endpoints: %d t2i, %d vlm, %d embedder", len(a.Models.T2I), len(a.Models.VLM), len(a.Models.Embedder))
	}
}
