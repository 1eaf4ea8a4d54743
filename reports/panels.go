package reports

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
)

// panel is one small multiple: a named plot of line series over xs.
type panel struct {
	Name   string
	Series []lineSeries
}

// seriesColors are ECharts' first palette colours, fixed per series name
// so a series keeps its colour in every panel and the one legend serves
// them all.
var seriesColors = []string{"#5470c6", "#91cc75", "#fac858", "#ee6666", "#73c0de", "#3ba272"}

// Small-multiple layout, in pixels: each panel's plot and axis labels,
// the space for its name above it, and at most panelColumns panels a row.
const (
	panelHeight  = 170
	panelTitle   = 34
	panelColumns = 3
)

// panelLines draws one figure of line charts, a panel per entry, on
// shared axes (the same xs and 0..yMax), in rows of up to three, with one
// legend for the series (matched by name across panels). It spans the
// report's width.
func panelLines(id, title string, xs []string, panels []panel, yMax float64) Chart {
	var legend []string
	seen := map[string]bool{}
	for _, p := range panels {
		for _, s := range p.Series {
			if !seen[s.Name] {
				seen[s.Name] = true
				legend = append(legend, s.Name)
			}
		}
	}
	l := charts.NewLine()
	g, top := header(title, legend)
	cols := min(panelColumns, len(panels))
	rows := (len(panels) + cols - 1) / cols
	// Percentages of the chart's width: a margin either side, a gap
	// between columns.
	const margin, gap = 1.0, 3.0
	width := (100 - 2*margin - float64(cols-1)*gap) / float64(cols)
	var grids []opts.Grid
	type place struct {
		left float64
		top  int
	}
	var places []place
	for i := range panels {
		r, c := i/cols, i%cols
		left := margin + float64(c)*(width+gap)
		pt := top + r*(panelHeight+panelTitle) + panelTitle
		places = append(places, place{left, pt})
		grids = append(grids, opts.Grid{Left: pct1(left), Width: pct1(width), Top: fmt.Sprint(pt), Height: fmt.Sprint(panelHeight - 40), ContainLabel: opts.Bool(true)})
	}
	height := top + rows*(panelHeight+panelTitle) + 16
	g = append(g, charts.WithGridOpts(grids...),
		charts.WithInitializationOpts(opts.Initialization{Height: fmt.Sprintf("%dpx", height)}),
		charts.WithYAxisOpts(opts.YAxis{Min: 0, Max: yMax}),
		charts.WithXAxisOpts(opts.XAxis{Type: "category", Data: xs, AxisLabel: &opts.AxisLabel{Interval: "0"}}))
	l.SetGlobalOptions(g...)
	l.SetXAxis(xs)
	for i := 1; i < len(panels); i++ {
		l.ExtendXAxis(opts.XAxis{Type: "category", Data: xs, GridIndex: i, AxisLabel: &opts.AxisLabel{Interval: "0"}})
		l.ExtendYAxis(opts.YAxis{Min: 0, Max: yMax, GridIndex: i})
	}
	for i, p := range panels {
		for _, s := range p.Series {
			colour := seriesColors[slices.Index(legend, s.Name)%len(seriesColors)]
			l.AddSeries(s.Name, lineData(s.Vals),
				charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(true), ConnectNulls: opts.Bool(false), XAxisIndex: i, YAxisIndex: i}),
				charts.WithLineStyleOpts(opts.LineStyle{Color: colour}), charts.WithItemStyleOpts(opts.ItemStyle{Color: colour}))
		}
	}
	c := option(id, title, height, l)
	// One title per panel besides the figure's: go-echarts builds a single
	// title, ECharts takes a list.
	var obj map[string]any
	if err := json.Unmarshal(c.Option, &obj); err != nil {
		panic(fmt.Sprintf("chart %s: %v", id, err))
	}
	titles := []any{obj["title"]}
	for i, p := range panels {
		titles = append(titles, map[string]any{"text": p.Name, "left": pct1(places[i].left), "top": places[i].top - panelTitle + 6,
			"textStyle": map[string]any{"fontSize": 12, "fontWeight": "normal"}})
	}
	obj["title"] = titles
	b, err := json.Marshal(obj)
	if err != nil {
		panic(fmt.Sprintf("chart %s: %v", id, err))
	}
	c.Option, c.Wide = b, true
	return c
}

func pct1(v float64) string { return fmt.Sprintf("%.1f%%", v) }
