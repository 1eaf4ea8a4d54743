package reports

import (
	"bufio"
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/blindspot-audit/blindspot/audit/metrics"
	"github.com/blindspot-audit/blindspot/audit/outdir"
	"github.com/blindspot-audit/blindspot/audit/store"
)

//go:embed templates/*.html assets/*
var files embed.FS

// echartsFiles is Apache ECharts 6.1.0 (Apache-2.0), from the echarts npm
// package: dist/echarts.min.js with its LICENSE and NOTICE. Every report
// carries a copy, so its charts draw with no network.
//
//go:embed echarts/echarts.min.js echarts/LICENSE echarts/NOTICE
var echartsFiles embed.FS

var funcs = template.FuncMap{
	"pct":  func(v float64) float64 { return 100 * v },
	"json": func(v any) (template.JS, error) { b, err := json.Marshal(v); return template.JS(b), err },
	"up":   func(s string) string { return "../" + s },
}

var (
	indexTmpl   = template.Must(template.New("index.html").Funcs(funcs).ParseFS(files, "templates/index.html", "templates/strip.html"))
	groupTmpl   = template.Must(template.New("group.html").Funcs(funcs).ParseFS(files, "templates/group.html"))
	compareTmpl = template.Must(template.New("compare.html").Funcs(funcs).ParseFS(files, "templates/compare.html", "templates/strip.html"))
)

// EChartsCDN is where the report loads ECharts from unless it is built
// offline: go-echarts' default assets host.
const EChartsCDN = "https://go-echarts.github.io/go-echarts-assets/assets/echarts.min.js"

// Options control a report build.
type Options struct {
	// Out is the report folder (default RUN_DIR/report).
	Out string
	// EChartsJS is a local echarts.min.js to copy into the report instead
	// of the one Blindspot carries.
	EChartsJS string
	// CDN loads ECharts from EChartsCDN instead of a copy in the report:
	// a smaller report that needs the network to draw its charts.
	CDN bool
	// Version is the tool version printed in the report.
	Version string
	// Now stamps the report (default: the current time).
	Now time.Time
}

// Data is everything the report shows, read from the run store alone.
type Data struct {
	Summary  *metrics.Summary    `json:"-"`
	Sections []Section           `json:"sections"`
	Groups   []Group             `json:"groups"`
	Strips   []Strip             `json:"strips"`
	Stories  []SampleStory       `json:"stories,omitempty"`
	Filters  map[string][]string `json:"filters"`
	// Findings and Caveats open the report: what the metrics show, then
	// what limits it, each linked to its evidence.
	Findings []ReportFinding `json:"findings"`
	Caveats  []ReportFinding `json:"caveats"`
	// Compared says the report has compare.html, each subject drawn for
	// every country.
	Compared bool `json:"compared"`
}

// ReportFinding is a finding with the anchor of the section showing its
// evidence ("" when the report has no such section).
type ReportFinding struct {
	metrics.Finding
	Anchor string `json:"anchor,omitempty"`
}

// findings splits the summary's findings for the top of the report.
func (d *Data) findings() {
	present := map[string]bool{}
	for _, sec := range d.Sections {
		present[sec.ID] = true
	}
	present["warnings"] = len(d.Summary.Notices) > 0
	for _, f := range d.Summary.Findings {
		rf := ReportFinding{Finding: f}
		if present[f.Section] {
			rf.Anchor = f.Section
		}
		if f.Kind == "caveat" {
			d.Caveats = append(d.Caveats, rf)
		} else {
			d.Findings = append(d.Findings, rf)
		}
	}
}

// Sample sizes of the index page.
const (
	maxIndexStrips = 24
	thumbEdge      = 160
)

// BuildData reads the report's data from the run store: its groups as the
// index shows them (a preview: the first seeds and one chain of each kind,
// with their counts; the group pages read theirs in full). Image paths are
// set but no file is written.
func BuildData(ctx context.Context, run *store.Run, s *metrics.Summary) (*Data, error) {
	return buildData(ctx, run, s, nil)
}

// buildData is BuildData handing each group in full to full as it is read.
func buildData(ctx context.Context, run *store.Run, s *metrics.Summary, full fullGroupFunc) (*Data, error) {
	d := &Data{Summary: s, Sections: Sections(s.Metrics, s.Tests, s.Agreement, s.Translations), Filters: map[string][]string{}}
	if sec, ok := judgeAnswersSection(s); ok {
		d.Sections = append(d.Sections, sec)
	}
	d.findings()
	var err error
	if d.Groups, err = loadGroups(ctx, run, full); err != nil {
		return nil, fmt.Errorf("report gallery: %w", err)
	}
	d.Compared = len(comparisons(d.Groups))+len(chainComparisons(d.Groups)) > 0
	seen := map[string]map[string]bool{}
	add := func(k, v string) {
		if v == "" {
			return
		}
		if seen[k] == nil {
			seen[k] = map[string]bool{}
		}
		if !seen[k][v] {
			seen[k][v] = true
			d.Filters[k] = append(d.Filters[k], v)
		}
	}
	shown := map[string]bool{}
	for gi := range d.Groups {
		g := &d.Groups[gi]
		add("model", g.Model)
		add("country", g.Country)
		add("category", g.Category)
		add("variant", g.Variant)
		for si := range g.Strips {
			st := &g.Strips[si]
			k := st.Editor + "\x00" + st.Chain + "\x00" + st.Target
			if !shown[k] && len(d.Strips) < maxIndexStrips {
				shown[k] = true
				d.Strips = append(d.Strips, *st)
			}
		}
	}
	for _, v := range d.Filters {
		sortStrings(v)
	}
	sec, samples, err := storySection(ctx, run, s.Metrics, d.Groups)
	if err != nil {
		return nil, fmt.Errorf("report stories: %w", err)
	}
	if sec.ID != "" {
		d.Sections = append(d.Sections, sec)
		d.Stories = samples
	}
	return d, nil
}

func setPaths(f *Frame) {
	f.Thumb, f.Full = "img/"+f.SHA[:16]+"-t.jpg", "img/"+f.SHA[:16]+".png"
}

type indexPage struct {
	*Data
	Version, Generated, EChartsSrc, CSP string
	Charts                              map[string]json.RawMessage
}

// comparePage is compare.html: every subject drawn for every country.
type comparePage struct {
	Name, CSP, Generated string
	Comparisons          []Comparison
	Chains               []ChainComparison
}

type groupPage struct {
	G                    Group
	Name, CSP, Generated string
	// Prev and Next are the neighbouring groups' pages, in gallery order.
	Prev, Next string
}

// WriteHTML builds the report folder: index.html, a page per prompt
// group, thumbnails and full images, and the static assets. It is built
// in a temporary folder and renamed into place, so an interrupted build
// never leaves a half-written report.
func WriteHTML(ctx context.Context, run *store.Run, blobs *store.Blobs, s *metrics.Summary, o Options) (string, error) {
	var err error
	final := o.Out
	if final == "" {
		final = filepath.Join(run.Dir, "report")
	}
	final, err = filepath.Abs(final)
	if err != nil {
		return "", fmt.Errorf("report: %w", err)
	}
	if err := outdir.Check(final, "report", run.Dir); err != nil {
		return "", fmt.Errorf("report: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(final), 0o755); err != nil {
		return "", fmt.Errorf("report: %w", err)
	}
	// Folders a killed writer left beside the report go first.
	outdir.CleanStale(filepath.Join(filepath.Dir(final), ".report-*"))
	tmp, err := os.MkdirTemp(filepath.Dir(final), ".report-*")
	if err != nil {
		return "", fmt.Errorf("report: %w", err)
	}
	defer os.RemoveAll(tmp)
	if err := os.Chmod(tmp, outdir.DirPerm()); err != nil {
		return "", fmt.Errorf("report: %w", err)
	}
	if err := outdir.MarkTemp(tmp); err != nil {
		return "", fmt.Errorf("report: %w", err)
	}
	if err := outdir.Mark(tmp, "report"); err != nil {
		return "", fmt.Errorf("report: %w", err)
	}
	for _, sub := range []string{"img", "groups", "assets"} {
		if err := os.MkdirAll(filepath.Join(tmp, sub), 0o755); err != nil {
			return "", fmt.Errorf("report: %w", err)
		}
	}
	if err := copyAssets(tmp, o.EChartsJS, o.CDN); err != nil {
		return "", err
	}
	now := o.Now
	if now.IsZero() {
		now = time.Now()
	}
	generated := now.UTC().Format("2006-01-02 15:04 MST")
	// The group pages and their pictures are written as the groups are
	// read; the index and compare pages then take the groups' previews.
	images := newImageWriter(ctx, blobs, tmp, final)
	d, err := buildData(ctx, run, s, func(g Group, prev, next string) error {
		images.group(g)
		g, err := withJudgements(ctx, run.DB(), g)
		if err != nil {
			return fmt.Errorf("report: %w", err)
		}
		return render(groupTmpl, groupPage{G: g, Name: s.Name, CSP: csp(true), Generated: generated, Prev: prev, Next: next}, filepath.Join(tmp, g.Page))
	})
	// The images being written are waited for even after an error: the
	// folder they write in is removed then.
	if werr := images.wait(); err == nil {
		err = werr
	}
	if err != nil {
		return "", err
	}
	p := indexPage{Data: d, Version: o.Version, Generated: generated, EChartsSrc: "assets/echarts.min.js", CSP: csp(true), Charts: map[string]json.RawMessage{}}
	if o.CDN {
		p.EChartsSrc, p.CSP = EChartsCDN, csp(false)
	}
	for _, sec := range d.Sections {
		for _, c := range sec.Charts {
			p.Charts[c.ID] = c.Option
		}
	}
	if err := render(indexTmpl, p, filepath.Join(tmp, "index.html")); err != nil {
		return "", err
	}
	if cs, chains := comparisons(d.Groups), chainComparisons(d.Groups); len(cs)+len(chains) > 0 {
		if err := render(compareTmpl, comparePage{Name: s.Name, CSP: csp(true), Generated: p.Generated, Comparisons: cs, Chains: chains}, filepath.Join(tmp, "compare.html")); err != nil {
			return "", err
		}
	}
	return swapIn(tmp, final)
}

// csp is the pages' Content-Security-Policy: scripts only from the report
// folder (and the ECharts CDN when online), no inline script; inline
// styles are allowed because ECharts sets them on its tooltips.
func csp(offline bool) string {
	script := "'self'"
	if !offline {
		script += " https://go-echarts.github.io"
	}
	return "default-src 'none'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src " + script
}

// render writes a page straight to its file, through a small buffer: the
// report is built in a folder of its own, removed if anything fails, so a
// page is never half-written where a reader could see it.
func render(t *template.Template, data any, path string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	w := bufio.NewWriterSize(f, 64<<10)
	if err := t.Execute(w, data); err != nil {
		f.Close()
		return fmt.Errorf("report %s: %w", filepath.Base(path), err)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("report: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return nil
}

func copyAssets(dir, echartsJS string, cdn bool) error {
	err := fs.WalkDir(files, "assets", func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := files.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, path), b, 0o644)
	})
	if err != nil {
		return fmt.Errorf("report assets: %w", err)
	}
	if cdn {
		return nil
	}
	if echartsJS == "" {
		for _, f := range []struct{ from, to string }{{"echarts/echarts.min.js", "echarts.min.js"}, {"echarts/LICENSE", "ECHARTS-LICENSE"}, {"echarts/NOTICE", "ECHARTS-NOTICE"}} {
			b, err := echartsFiles.ReadFile(f.from)
			if err != nil {
				return fmt.Errorf("report: %w", err)
			}
			if err := os.WriteFile(filepath.Join(dir, "assets", f.to), b, 0o644); err != nil {
				return fmt.Errorf("report: %w", err)
			}
		}
		return nil
	}
	b, err := os.ReadFile(echartsJS)
	if err != nil {
		return fmt.Errorf("report: the ECharts script for an offline report: %w", err)
	}
	if len(b) < 1000 || !bytes.Contains(b, []byte("echarts")) {
		return fmt.Errorf("report: %s does not look like echarts.min.js (get it from the echarts npm package: dist/echarts.min.js)", echartsJS)
	}
	return os.WriteFile(filepath.Join(dir, "assets", "echarts.min.js"), b, 0o644)
}

// swapIn replaces the previous report (checked to be one) by the new one.
// The old one is moved aside under a name of its own, so nothing of the
// user's beside it is touched; a kill between the two renames leaves it
// there for CleanStale.
func swapIn(tmp, final string) (string, error) {
	if _, err := os.Stat(final); err == nil {
		// Ours now: a kill before the removal leaves it to CleanStale.
		if err := outdir.MarkTemp(final); err != nil {
			return "", fmt.Errorf("report: %w", err)
		}
		old := filepath.Join(filepath.Dir(final), fmt.Sprintf(".report-old-%d-%d", os.Getpid(), time.Now().UnixNano()))
		if err := os.Rename(final, old); err != nil {
			return "", fmt.Errorf("report: %w", err)
		}
		defer os.RemoveAll(old)
	}
	if err := os.Rename(tmp, final); err != nil {
		return "", fmt.Errorf("report: %w", err)
	}
	return filepath.Join(final, "index.html"), nil
}
