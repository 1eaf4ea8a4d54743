package reports

import (
	"encoding/json"
	"fmt"
	"math"
	"unicode/utf8"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"github.com/blindspot-audit/blindspot/audit/store"
)

// Chart is one ECharts chart: its option object as built by go-echarts.
// The report carries options as JSON data and a static script draws them,
// so no script is built from data and the page's CSP can forbid inline
// scripts.
type Chart struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	// Height in pixels: the plot, and the title and legend above it.
	Height int             `json:"height"`
	Option json.RawMessage `json:"option"`
	// Wide charts span the report's width (small multiples).
	Wide bool `json:"wide,omitempty"`
}

// chartBase is the height in pixels of a chart's plot and axis labels;
// the title and legend above it add theirs. Charts take the width of their
// column.
const chartBase = 260

// option marshals a validated chart. json.Marshal escapes <, > and &, so
// a model or spec string in a label cannot close the data block.
func option(id, title string, height int, c interface {
	Validate()
	JSON() map[string]interface{}
}) Chart {
	c.Validate()
	b, err := json.Marshal(c.JSON())
	if err != nil { // only plain data goes in; a failure is a bug
		panic(fmt.Sprintf("chart %s: %v", id, err))
	}
	return Chart{ID: id, Title: title, Height: height, Option: b, Wide: utf8.RuneCountInString(title) > narrowTitle}
}

// narrowTitle is how many characters of a 14 px title fit the narrowest
// column a chart gets (26rem, about 7.3 px a character); a longer title
// would be cut at both ends, so its chart takes the report's width.
const narrowTitle = 56

// Layout, in pixels: the title on the first line, the legend below it
// (wrapping onto as many lines as it needs, never paginated), the plot
// below the legend. The legend's lines are estimated from its labels for
// the narrowest column a chart gets.
const (
	titleHeight     = 40
	legendLine      = 22
	legendWidth     = 520
	legendCharWidth = 7
	legendItemExtra = 40 // symbol, gap and padding around a label
	plotGap         = 28
)

// legendLines estimates how many lines a legend of these labels takes.
func legendLines(labels []string) int {
	lines, used := 1, 0
	for _, l := range labels {
		w := legendItemExtra + legendCharWidth*len([]rune(l))
		if used > 0 && used+w > legendWidth {
			lines, used = lines+1, 0
		}
		used += w
	}
	return lines
}

// common is every chart's frame with a plot of the default margins;
// legend names the series the legend shows (none: no legend).
func common(title string, legend []string) ([]charts.GlobalOpts, int) {
	return frame(title, legend, 16, 16)
}

// frame is common with the plot's left and right margins in pixels, beyond
// its axis labels (one grid only: ECharts draws the axes on the first).
func frame(title string, legend []string, left, right int) ([]charts.GlobalOpts, int) {
	g, top := header(title, legend)
	return append(g,
		charts.WithInitializationOpts(opts.Initialization{Height: fmt.Sprintf("%dpx", chartBase+top)}),
		// The plot's margins hold the axis labels whatever their length.
		charts.WithGridOpts(opts.Grid{Top: fmt.Sprint(top), Bottom: "16", Left: fmt.Sprint(left), Right: fmt.Sprint(right), ContainLabel: opts.Bool(true)}),
	), chartBase + top
}

// header is a chart's title, legend and tooltip, with the height in pixels
// they take above the plot.
func header(title string, legend []string) ([]charts.GlobalOpts, int) {
	top := titleHeight + plotGap
	lg := opts.Legend{Show: opts.Bool(false)}
	if len(legend) > 0 {
		lg = opts.Legend{Show: opts.Bool(true), Top: fmt.Sprint(titleHeight), Type: "plain", Data: legend}
		top = titleHeight + legendLine*legendLines(legend) + plotGap
	}
	return []charts.GlobalOpts{
		charts.WithTitleOpts(opts.Title{Title: title, TitleStyle: &opts.TextStyle{FontSize: 14}}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true)}),
		charts.WithLegendOpts(lg),
		charts.WithAnimation(false),
	}, top
}

// categoryAxis shows every category's label, turned when there are many
// so that none is skipped.
func categoryAxis(xs []string) charts.GlobalOpts {
	l := &opts.AxisLabel{Interval: "0"}
	if len(xs) > 6 {
		l.Rotate = 30
	}
	return charts.WithXAxisOpts(opts.XAxis{Type: "category", Data: xs, AxisLabel: l})
}

func names[T any](xs []T, name func(T) string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = name(x)
	}
	return out
}

// ciSeries is one bar series: a metric (or nil) per x category.
type ciSeries struct {
	Name string
	Vals []*store.Metric
}

// ciBars draws bars with 95% confidence-interval error bars: each series
// is a bar series overlaid by a boxplot series whose box collapses to the
// mean and whose whiskers span the interval [low, high].
func ciBars(id, title string, xs []string, series []ciSeries, yMax float64) Chart {
	bar := charts.NewBar()
	// The legend shows the bars; each bar's interval is drawn over it.
	g, height := common(title, names(series, func(s ciSeries) string { return s.Name }))
	bar.SetGlobalOptions(append(g, charts.WithYAxisOpts(opts.YAxis{Min: 0, Max: yMax}), categoryAxis(xs))...)
	bar.SetXAxis(xs)
	box := charts.NewBoxPlot()
	box.SetXAxis(xs)
	for _, s := range series {
		bars := make([]opts.BarData, len(xs))
		whiskers := make([]opts.BoxPlotData, len(xs))
		for i, m := range s.Vals {
			if m == nil {
				bars[i] = opts.BarData{Value: "-"}
				whiskers[i] = opts.BoxPlotData{Value: []string{"-", "-", "-", "-", "-"}}
				continue
			}
			bars[i] = opts.BarData{Value: round(m.Value)}
			lo, hi := m.Value, m.Value
			if m.CILow != nil && m.CIHigh != nil {
				lo, hi = *m.CILow, *m.CIHigh
			}
			// [min, Q1, median, Q3, max] = [low, mean, mean, mean, high]: the box
			// collapses to a tick at the mean and the whiskers with their
			// caps are the interval: an error bar.
			whiskers[i] = opts.BoxPlotData{Value: []float64{round(lo), round(m.Value), round(m.Value), round(m.Value), round(hi)}}
		}
		bar.AddSeries(s.Name, bars)
		box.AddSeries(s.Name+" 95% CI", whiskers, charts.WithItemStyleOpts(opts.ItemStyle{Color: "transparent", BorderColor: "#333"}))
	}
	bar.Overlap(box)
	return option(id, title, height, bar)
}

// heatmap draws values (x, y) -> metric with a 0..1 colour scale.
func heatmap(id, title string, xs, ys []string, cells map[[2]string]store.Metric) Chart {
	hm := charts.NewHeatMap()
	// The colour scale stands at the right, clear of both axes' labels.
	g, height := frame(title, nil, 16, 170)
	g = append(g,
		categoryAxis(xs),
		charts.WithYAxisOpts(opts.YAxis{Type: "category", Data: ys, AxisLabel: &opts.AxisLabel{Interval: "0"}}),
		charts.WithVisualMapOpts(opts.VisualMap{Calculable: opts.Bool(true), Min: 0, Max: 1, Orient: "vertical", Right: "0", Top: "middle",
			InRange: &opts.VisualMapInRange{Color: []string{"#b2182b", "#f7f7f7", "#2166ac"}}}),
	)
	hm.SetGlobalOptions(g...)
	var data []opts.HeatMapData
	for xi, x := range xs {
		for yi, y := range ys {
			if m, ok := cells[[2]string{x, y}]; ok {
				data = append(data, opts.HeatMapData{Value: [3]any{xi, yi, round(m.Value)}})
			}
		}
	}
	hm.AddSeries("judge accuracy", data, charts.WithLabelOpts(opts.Label{Show: opts.Bool(true)}))
	return option(id, title, height, hm)
}

// lineSeries is one line: a value per x, NaN where missing.
type lineSeries struct {
	Name string
	Vals []float64
}

func lines(id, title string, xs []string, series []lineSeries, yMax float64) Chart {
	return linesStep(id, title, xs, series, yMax, nil)
}

// linesStep is lines drawn as steps ("end": a value holds until the next
// point), as a Kaplan-Meier curve is; nil draws straight segments.
func linesStep(id, title string, xs []string, series []lineSeries, yMax float64, step any) Chart {
	l := charts.NewLine()
	g, height := common(title, names(series, func(s lineSeries) string { return s.Name }))
	l.SetGlobalOptions(append(g, charts.WithYAxisOpts(opts.YAxis{Min: 0, Max: yMax}))...)
	l.SetXAxis(xs)
	for _, s := range series {
		l.AddSeries(s.Name, lineData(s.Vals), charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(true), ConnectNulls: opts.Bool(false), Step: step}))
	}
	return option(id, title, height, l)
}

// lineData is a line's points, a gap ("-") where a value is missing.
func lineData(vals []float64) []opts.LineData {
	d := make([]opts.LineData, len(vals))
	for i, v := range vals {
		if math.IsNaN(v) {
			d[i] = opts.LineData{Value: "-"}
		} else {
			d[i] = opts.LineData{Value: round(v)}
		}
	}
	return d
}

// stacked draws stacked bars of shares.
func stacked(id, title string, xs []string, series []lineSeries) Chart {
	bar := charts.NewBar()
	g, height := common(title, names(series, func(s lineSeries) string { return s.Name }))
	bar.SetGlobalOptions(append(g, charts.WithYAxisOpts(opts.YAxis{Min: 0, Max: 1}), categoryAxis(xs))...)
	bar.SetXAxis(xs)
	for _, s := range series {
		d := make([]opts.BarData, len(s.Vals))
		for i, v := range s.Vals {
			d[i] = opts.BarData{Value: round(v)}
		}
		bar.AddSeries(s.Name, d, charts.WithBarChartOpts(opts.BarChart{Stack: "share"}))
	}
	return option(id, title, height, bar)
}

func round(v float64) float64 { return math.Round(v*1000) / 1000 }
