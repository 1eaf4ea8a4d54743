package reports

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"github.com/blindspot-audit/blindspot/audit/store"
)

// Chart is one ECharts chart: its option object as built by go-echarts.
// The report carries options as JSON data and a static script draws them,
// so no script is built from data and the page's CSP can forbid inline
// scripts.
type Chart struct {
	ID     string          `json:"id"`
	Title  string          `json:"title"`
	Option json.RawMessage `json:"option"`
}

// chartHeight in pixels; charts take the width of their column.
const chartHeight = "320px"

// option marshals a validated chart. json.Marshal escapes <, > and &, so
// a model or spec string in a label cannot close the data block.
func option(id, title string, c interface {
	Validate()
	JSON() map[string]interface{}
}) Chart {
	c.Validate()
	b, err := json.Marshal(c.JSON())
	if err != nil { // only plain data goes in; a failure is a bug
		panic(fmt.Sprintf("chart %s: %v", id, err))
	}
	return Chart{ID: id, Title: title, Option: b}
}

func common(title string) []charts.GlobalOpts {
	return []charts.GlobalOpts{
		charts.WithInitializationOpts(opts.Initialization{Height: chartHeight}),
		charts.WithTitleOpts(opts.Title{Title: title, TitleStyle: &opts.TextStyle{FontSize: 14}}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true)}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Top: "24", Type: "scroll"}),
		charts.WithGridOpts(opts.Grid{Top: "64", Bottom: "48", Left: "48", Right: "16"}),
		charts.WithAnimation(false),
	}
}

// ciSeries is one bar series: a metric (or nil) per x category.
type ciSeries struct {
	Name string
	Vals []*store.Metric
}

// ciBars draws bars with 95% confidence-interval whiskers: each series is
// a bar series overlaid by a boxplot series whose box collapses to the
// interval [low, high] with the mean as its median line.
func ciBars(id, title string, xs []string, series []ciSeries, yMax float64) Chart {
	bar := charts.NewBar()
	g := append(common(title), charts.WithYAxisOpts(opts.YAxis{Min: 0, Max: yMax}))
	bar.SetGlobalOptions(g...)
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
			whiskers[i] = opts.BoxPlotData{Value: []float64{round(lo), round(lo), round(m.Value), round(hi), round(hi)}}
		}
		bar.AddSeries(s.Name, bars)
		box.AddSeries(s.Name+" 95% CI", whiskers, charts.WithItemStyleOpts(opts.ItemStyle{Color: "transparent", BorderColor: "#333"}))
	}
	bar.Overlap(box)
	return option(id, title, bar)
}

// heatmap draws values (x, y) -> metric with a 0..1 colour scale.
func heatmap(id, title string, xs, ys []string, cells map[[2]string]store.Metric) Chart {
	hm := charts.NewHeatMap()
	g := append(common(title),
		charts.WithXAxisOpts(opts.XAxis{Type: "category", Data: xs}),
		charts.WithYAxisOpts(opts.YAxis{Type: "category", Data: ys}),
		charts.WithVisualMapOpts(opts.VisualMap{Calculable: opts.Bool(true), Min: 0, Max: 1, Orient: "horizontal", Left: "center", Bottom: "0",
			InRange: &opts.VisualMapInRange{Color: []string{"#b2182b", "#f7f7f7", "#2166ac"}}}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(false)}),
		charts.WithGridOpts(opts.Grid{Top: "40", Bottom: "72", Left: "120", Right: "16"}),
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
	return option(id, title, hm)
}

// lineSeries is one line: a value per x, NaN where missing.
type lineSeries struct {
	Name string
	Vals []float64
}

func lines(id, title string, xs []string, series []lineSeries, yMax float64) Chart {
	l := charts.NewLine()
	l.SetGlobalOptions(append(common(title), charts.WithYAxisOpts(opts.YAxis{Min: 0, Max: yMax}))...)
	l.SetXAxis(xs)
	for _, s := range series {
		d := make([]opts.LineData, len(s.Vals))
		for i, v := range s.Vals {
			if math.IsNaN(v) {
				d[i] = opts.LineData{Value: "-"}
			} else {
				d[i] = opts.LineData{Value: round(v)}
			}
		}
		l.AddSeries(s.Name, d, charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(true), ConnectNulls: opts.Bool(false)}))
	}
	return option(id, title, l)
}

// stacked draws stacked bars of shares.
func stacked(id, title string, xs []string, series []lineSeries) Chart {
	bar := charts.NewBar()
	bar.SetGlobalOptions(append(common(title), charts.WithYAxisOpts(opts.YAxis{Min: 0, Max: 1}))...)
	bar.SetXAxis(xs)
	for _, s := range series {
		d := make([]opts.BarData, len(s.Vals))
		for i, v := range s.Vals {
			d[i] = opts.BarData{Value: round(v)}
		}
		bar.AddSeries(s.Name, d, charts.WithBarChartOpts(opts.BarChart{Stack: "share"}))
	}
	return option(id, title, bar)
}

func round(v float64) float64 { return math.Round(v*1000) / 1000 }
