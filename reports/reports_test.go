package reports

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/blindspot-audit/blindspot/audit/metrics"
	"github.com/blindspot-audit/blindspot/audit/store"
	"github.com/blindspot-audit/blindspot/prompts"
)

// TestHTMLEscapesUntrustedText records an image whose prompt carries
// script payloads and checks the report shows them as text.
func TestHTMLEscapesUntrustedText(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	run, err := store.OpenRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer run.Close()
	cache, err := store.OpenCache(filepath.Join(dir, "cache"))
	if err != nil {
		t.Fatal(err)
	}
	defer cache.Close()
	png, _ := os.ReadFile("testdata/tiny.png")
	sha, err := cache.Blobs.Put(png)
	if err != nil {
		t.Fatal(err)
	}
	evil := `<script>alert(1)</script><img src=x onerror=alert(2)>`
	if err := run.PutImage(store.Image{ID: "img-1", Kind: store.KindGenerated, PromptSet: "country_specific", Country: "Kenya",
		Category: "food", Subcategory: "snack", Variant: "general", Prompt: evil, Model: `m"><b>`, Status: store.StatusOK, ImageSHA: sha}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := metrics.Compute(context.Background(), run, cache.Blobs); err != nil {
		t.Fatal(err)
	}
	s, err := metrics.Summarize(context.Background(), run)
	if err != nil {
		t.Fatal(err)
	}
	s.Name = evil
	path, err := WriteHTML(context.Background(), run, cache.Blobs, s, Options{Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	page, _ := os.ReadFile(path)
	for _, bad := range []string{"<script>alert", "<img src=x", `"><b>`} {
		if bytes.Contains(page, []byte(bad)) {
			t.Errorf("report contains unescaped %q", bad)
		}
	}
	if !strings.Contains(string(page), "Content-Security-Policy") || !strings.Contains(string(page), "&lt;script&gt;") {
		t.Error("report lacks its CSP or the escaped prompt")
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(path), "img", sha[:16]+"-t.jpg")); err != nil {
		t.Errorf("thumbnail missing: %v", err)
	}
	// Rebuilding reuses the images and leaves one report folder.
	if _, err := WriteHTML(context.Background(), run, cache.Blobs, s, Options{Version: "test"}); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".report-") || e.Name() == "report.old" {
			t.Errorf("leftover %s", e.Name())
		}
	}
}

func TestWriteSummaryTables(t *testing.T) {
	t.Parallel()
	s := &metrics.Summary{Name: "t", Status: "complete", Items: 2, ItemsPlanned: 2, RunDir: "runs/t", Metrics: []store.Metric{
		{Name: metrics.MetricVQAAccuracy, Model: "m", PromptSet: "country_specific", Country: "Kenya", Value: 0.5, N: 4},
		{Name: metrics.MetricVQAAccuracy, Model: "m", PromptSet: "country_specific", Country: "Korea", Value: 0.75, N: 4},
		{Name: metrics.MetricVQAAccuracy, Model: "e", PromptSet: "country_specific", Country: "Kenya", Chain: "loop", Step: 1, Value: 0.25, N: 4},
	}}
	var buf bytes.Buffer
	if err := WriteSummary(&buf, s); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{"0.50 (n=4)", "0.75 (n=4)", "│ Kenya ", "loop", "0.25"} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
}

// TestModelsCompared: with two models the report opens its sections with
// the ranking, and the summary prints it under the findings.
func TestModelsCompared(t *testing.T) {
	t.Parallel()
	acc := func(model, country string, v float64) store.Metric {
		return store.Metric{Name: metrics.MetricVQAAccuracy, Model: model, PromptSet: prompts.SetCountry, Country: country, Value: v, N: 20}
	}
	ms := []store.Metric{acc("a", "Kenya", 0.4), acc("a", "Korea", 0.8), acc("b", "Kenya", 0.7), acc("b", "Korea", 0.9)}
	secs := Sections(ms, nil, nil, nil)
	if len(secs) == 0 || secs[0].ID != "models" || secs[0].Tables[0].Rows[0][1] != "b" || secs[0].Tables[0].Rows[1][4] != "Kenya" {
		t.Fatalf("sections %+v", secs)
	}
	s := &metrics.Summary{Name: "t", Metrics: ms}
	s.Findings = metrics.Findings(s)
	var b strings.Builder
	if err := WriteSummary(&b, s); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "Of 2 models, b draws") || !strings.Contains(b.String(), "Models ranked by mean judge accuracy") {
		t.Errorf("summary:\n%s", b.String())
	}
	if single := Sections(ms[:2], nil, nil, nil); len(single) > 0 && single[0].ID == "models" {
		t.Error("a ranking of one model")
	}
}
