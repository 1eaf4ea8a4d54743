package reports

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// chartOverlapsJS lists, for every drawn chart, the pairs of its text
// components (title, legend, visual map, the axes with their labels, the
// plot of every panel) whose boxes overlap on screen by more than 2 pixels
// either way: a title written over its legend, a colour scale over an axis
// label, a legend run into the plot, one small multiple's labels over the
// next.
const chartOverlapsJS = `(() => {
  const out = [];
  const kinds = ["title", "legend", "visualMap", "xAxis", "yAxis"];
  for (const el of document.querySelectorAll(".chart")) {
    const c = echarts.getInstanceByDom(el);
    if (!c) continue;
    const boxes = [];
    for (const v of c._componentsViews || []) {
      const kind = v.__model && v.__model.mainType;
      if (!kinds.includes(kind) || !v.group || v.group.ignore) continue;
      const r = v.group.getBoundingRect().clone();
      const m = v.group.getComputedTransform ? v.group.getComputedTransform() : v.group.transform;
      if (m) r.applyTransform(m);
      const cs = v.__model.getCoordSysModel && v.__model.getCoordSysModel();
      if (r.width > 0 && r.height > 0) boxes.push({kind, r, grid: cs ? cs.componentIndex : -1});
    }
    // The plotting areas, which the titles, legend and scale must clear too.
    c.getModel().eachComponent("grid", g => { if (g.coordinateSystem) boxes.push({kind: "plot", r: g.coordinateSystem.getRect(), grid: g.componentIndex}); });
    for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i], b = boxes[j];
      // A plot and its own axes meet by design.
      const frame = k => k === "xAxis" || k === "yAxis" || k === "plot";
      if (frame(a.kind) && frame(b.kind) && a.grid === b.grid) continue;
      const w = Math.min(a.r.x + a.r.width, b.r.x + b.r.width) - Math.max(a.r.x, b.r.x);
      const h = Math.min(a.r.y + a.r.height, b.r.y + b.r.height) - Math.max(a.r.y, b.r.y);
      if (w > 2 && h > 2) out.push(el.dataset.chart + ": " + a.kind + " and " + b.kind + " overlap by " + Math.round(w) + "x" + Math.round(h) + " px");
    }
  }
  return out;
})()`

// networkOff cuts the page off the network, as for a report opened on a
// plane or behind a proxy: only the report's own files load.
func networkOff(t *testing.T, ctx context.Context) {
	t.Helper()
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatalf("network: %v", err)
	}
	if _, err := chromedp.Call(ctx, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
		MatchedNetworkConditions: []*network.Conditions{{Offline: true, DownloadThroughput: -1, UploadThroughput: -1}},
	}); err != nil {
		t.Fatalf("turning the network off: %v", err)
	}
}

// findChromium returns the browser the test drives, or "" when there is
// none.
func findChromium() string {
	if p := os.Getenv("BLINDSPOT_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// skipOrFail skips a browser test where its tools are missing, unless
// BLINDSPOT_REQUIRE_BROWSER is set (as .ci/run does, having installed them).
func skipOrFail(t *testing.T, why string) {
	t.Helper()
	if os.Getenv("BLINDSPOT_REQUIRE_BROWSER") != "" {
		t.Fatal(why)
	}
	t.Skip(why)
}

// browser starts headless Chromium and collects the page's console
// errors, uncaught exceptions and CSP or load errors.
func browser(t *testing.T) (context.Context, func() []string) {
	t.Helper()
	bin := findChromium()
	if bin == "" {
		skipOrFail(t, "no Chromium found (install Debian's chromium, as .ci/run does, or set BLINDSPOT_CHROMIUM)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(bin), chromedp.NoSandbox, chromedp.WindowSize(1400, 1000))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelT(); cancelC(); cancelA() })
	var mu sync.Mutex
	var problems []string
	console := chromedp.Console(ctx)
	go func() {
		for m, err := range console {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleException {
				mu.Lock()
				problems = append(problems, fmt.Sprintf("%s (%s:%d)", m, m.URL, m.Line))
				mu.Unlock()
			}
		}
	}()
	return ctx, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), problems...)
	}
}

func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return v
}

func poll(t *testing.T, ctx context.Context, js string, timeout time.Duration, problems func() []string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](js, chromedp.WithPollingTimeout(timeout))); err != nil {
		t.Fatalf("waiting for %s: %v; page problems: %v", js, err, problems())
	}
}

// TestReportInBrowser opens the report of a simulator run in headless
// Chromium with the network off: no console errors, every chart drawn on
// a canvas (from the report's own copy of ECharts),
// thumbnails loaded, the script payloads of the spec's templates shown as
// text and never run, filters working. It saves a screenshot
// (BLINDSPOT_ARTIFACTS, or the temp folder).
func TestReportInBrowser(t *testing.T) {
	t.Parallel()
	ctx, problems := browser(t)
	networkOff(t, ctx)
	r := simRun(t, reportSpec)
	out := filepath.Join(t.TempDir(), "report")
	index, err := WriteHTML(context.Background(), r.Run, r.Cache.Blobs, r.Summary, Options{Out: out, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := chromedp.Do(ctx, chromedp.Navigate("file://"+index)); err != nil {
		t.Fatal(err)
	}
	poll(t, ctx, `document.querySelectorAll(".chart[data-rendered]").length === document.querySelectorAll(".chart").length`, 20*time.Second, problems)
	t.Logf("index.html: loaded and every chart drawn %v after navigation", time.Since(start).Round(time.Millisecond))
	charts := eval[int](t, ctx, `document.querySelectorAll(".chart").length`)
	canvases := eval[int](t, ctx, `Array.from(document.querySelectorAll(".chart")).filter(c => c.querySelector("canvas, svg")).length`)
	if charts < 10 || canvases != charts {
		t.Errorf("%d charts, %d with a canvas", charts, canvases)
	}
	// Thumbnails: bring the gallery into view so lazy images load.
	eval[bool](t, ctx, `(() => { document.querySelector("#gallery").scrollIntoView(); return true; })()`)
	poll(t, ctx, `(() => { const imgs = Array.from(document.querySelectorAll("#gallery img")).slice(0, 8); return imgs.length > 0 && imgs.every(i => i.complete && i.naturalWidth > 0); })()`, 10*time.Second, problems)
	loaded := eval[int](t, ctx, `Array.from(document.querySelectorAll("#gallery img")).filter(i => i.complete && i.naturalWidth > 0).length`)
	groups := eval[int](t, ctx, `document.querySelectorAll("#gallery [data-group]").length`)
	t.Logf("%d charts drawn; %d gallery thumbnails loaded; %d prompt groups", canvases, loaded, groups)
	if overlaps := eval[[]string](t, ctx, chartOverlapsJS); len(overlaps) > 0 {
		t.Errorf("%d overlapping text boxes in the charts:\n%s", len(overlaps), strings.Join(overlaps, "\n"))
	}
	asText := eval[bool](t, ctx, `document.body.innerText.includes("<script>window.__xss=1</script><img src=x onerror=window.__xss=2>") && document.body.innerText.includes("<script>window.__xss=3</script> a festival")`)
	if n := eval[int](t, ctx, `document.querySelectorAll("#sample-stories .story").length`); n == 0 {
		t.Error("no sample stories shown")
	}
	if xss := eval[string](t, ctx, `String(window.__xss)`); !asText || xss != "undefined" {
		t.Errorf("payloads: shown as text %v, window.__xss = %s (want the text shown and no script run)", asText, xss)
	}
	// The country filter hides the groups of other countries.
	visible := eval[int](t, ctx, `(() => { const s = document.querySelector('select[data-filter="country"]'); s.value = "Kenya"; s.dispatchEvent(new Event("change")); return Array.from(document.querySelectorAll("#gallery [data-group]")).filter(g => !g.hidden).length; })()`)
	if visible == 0 || visible >= groups {
		t.Errorf("country filter Kenya leaves %d of %d groups", visible, groups)
	}
	// The filter is kept in the address: a reload shows the same groups.
	if search := eval[string](t, ctx, `location.search`); search != "?country=Kenya" {
		t.Errorf("the filter is not in the address: %q", search)
	}
	if err := chromedp.Do(ctx, chromedp.Reload(), chromedp.WaitReady("#gallery")); err != nil {
		t.Fatal(err)
	}
	if again := eval[int](t, ctx, `Array.from(document.querySelectorAll("#gallery [data-group]")).filter(g => !g.hidden).length`); again != visible {
		t.Errorf("after a reload %d groups show, want the %d of the filter in the address", again, visible)
	}
	eval[bool](t, ctx, `(() => { const s = document.querySelector('select[data-filter="country"]'); s.value = ""; s.dispatchEvent(new Event("change")); window.scrollTo(0, 0); return true; })()`)
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(80))
	if err != nil {
		t.Fatal(err)
	}
	dir := os.Getenv("BLINDSPOT_ARTIFACTS")
	if dir == "" {
		dir = os.TempDir()
	}
	shotPath := filepath.Join(dir, "blindspot-report.jpg")
	if err := os.WriteFile(shotPath, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s (%d bytes)", shotPath, len(shot))
	// A group page: the judge's answers and full images, no script run.
	entries, _ := os.ReadDir(filepath.Join(out, "groups"))
	if len(entries) == 0 {
		t.Fatal("no group pages")
	}
	// Wait for the new page before polling it: an evaluation that races
	// the navigation finds no context.
	if err := chromedp.Do(ctx, chromedp.Navigate("file://"+filepath.Join(out, "groups", entries[0].Name())), chromedp.WaitReady("img.full")); err != nil {
		t.Fatal(err)
	}
	poll(t, ctx, `(() => { const i = document.querySelector("img.full"); i.scrollIntoView(); return i.complete && i.naturalWidth > 0; })()`, 10*time.Second, problems)
	cells := eval[int](t, ctx, `document.querySelectorAll("td").length`)
	if xss := eval[string](t, ctx, `String(window.__xss)`); cells == 0 || xss != "undefined" {
		t.Errorf("group page: %d answer cells, window.__xss = %s", cells, xss)
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("the pages reported problems:\n%s", strings.Join(p, "\n"))
	}
	// Without the ECharts script the page says so; tables and gallery stay.
	before := len(problems())
	if err := os.Remove(filepath.Join(out, "assets", "echarts.min.js")); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate("file://"+index)); err != nil {
		t.Fatal(err)
	}
	poll(t, ctx, `document.getElementById("charts-note").textContent.includes("did not load")`, 10*time.Second, problems)
	tables := eval[int](t, ctx, `document.querySelectorAll("section table").length`)
	thumbs := eval[int](t, ctx, `document.querySelectorAll("#gallery img").length`)
	if tables < 8 || thumbs == 0 {
		t.Errorf("without ECharts: %d tables, %d thumbnails", tables, thumbs)
	}
	for _, p := range problems()[before:] {
		if !strings.Contains(p, "echarts.min.js") && !strings.Contains(p, "Failed to load resource") {
			t.Errorf("without ECharts the page reported: %s", p)
		}
	}
}

// TestRenderExistingReport measures how long a built report takes to load
// and draw every chart in headless Chromium. It runs only when
// BLINDSPOT_REPORT_DIR names a report folder (built offline), and logs
// the timing rather than asserting it.
func TestRenderExistingReport(t *testing.T) {
	t.Parallel()
	dir := os.Getenv("BLINDSPOT_REPORT_DIR")
	if dir == "" {
		t.Skip("set BLINDSPOT_REPORT_DIR to a report folder to measure its rendering")
	}
	ctx, problems := browser(t)
	abs, err := filepath.Abs(filepath.Join(dir, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	// Start the browser first, so its start-up is not counted.
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := chromedp.Do(ctx, chromedp.Navigate("file://"+abs)); err != nil {
		t.Fatal(err)
	}
	loaded := time.Since(start)
	poll(t, ctx, `document.querySelectorAll(".chart[data-rendered]").length === document.querySelectorAll(".chart").length`, 60*time.Second, problems)
	drawn := time.Since(start)
	charts := eval[int](t, ctx, `document.querySelectorAll(".chart[data-rendered]").length`)
	imgs := eval[int](t, ctx, `document.images.length`)
	t.Logf("%s: load event %v, %d charts drawn %v after navigation; %d images on the page (lazy)", abs, loaded.Round(time.Millisecond), charts, drawn.Round(time.Millisecond), imgs)
	if p := problems(); len(p) > 0 {
		t.Errorf("the page reported problems:\n%s", strings.Join(p, "\n"))
	}
}
