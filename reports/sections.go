package reports

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/blindspot-audit/blindspot/audit/metrics"
	"github.com/blindspot-audit/blindspot/audit/store"
	"github.com/blindspot-audit/blindspot/prompts"
)

// Section is one part of the report: its charts and the tables that hold
// the same numbers, readable without JavaScript.
type Section struct {
	ID     string  `json:"id"`
	Title  string  `json:"title"`
	Note   string  `json:"note,omitempty"`
	Charts []Chart `json:"charts,omitempty"`
	Tables []Table `json:"tables,omitempty"`
}

// Table is a plain table of formatted cells.
type Table struct {
	Caption string     `json:"caption,omitempty"`
	Head    []string   `json:"head"`
	Rows    [][]string `json:"rows"`
}

// Sections builds every section whose data the run has, in reading order.
func Sections(ms []store.Metric, ts []store.Test, as []store.Agreement, tr []store.TranslationCount) []Section {
	var out []Section
	for _, build := range []func([]store.Metric) (Section, bool){
		modelsSection, accuracySection, barsSection, driftSection, burdenSection, defaultsSection, diversitySection, refusalSection, picksSection,
	} {
		if s, ok := build(ms); ok {
			out = append(out, s)
		}
	}
	if s, ok := languageSection(ms, ts, tr); ok {
		out = append(out, s)
	}
	if s, ok := testsSection(ts); ok {
		out = append(out, s)
	}
	if s, ok := humanSection(as); ok {
		out = append(out, s)
	}
	return out
}

// modelsSection ranks the text-to-image models when there are two or more.
func modelsSection(ms []store.Metric) (Section, bool) {
	rows := ModelRankRows(metrics.RankModels(ms))
	if len(rows) == 0 {
		return Section{}, false
	}
	return Section{ID: "models", Title: "Models compared",
		Note:   "Models ranked by their mean judge accuracy over the audited countries (each country weighs the same); the per-country bars below show them side by side.",
		Tables: []Table{{Head: ModelRankHead, Rows: rows}}}, true
}

// ModelRankHead heads the model ranking.
var ModelRankHead = []string{"Rank", "Model", "Mean accuracy", "Countries", "Least faithful country", "Its accuracy", "Default culture (agnostic prompts)"}

// ModelRankRows formats the model ranking.
func ModelRankRows(rs []metrics.ModelRank) [][]string {
	var out [][]string
	for i, r := range rs {
		def := "-"
		if r.Default != "" {
			def = fmt.Sprintf("%s (%.0f%%)", r.Default, 100*r.DefaultShare)
		}
		out = append(out, []string{fmt.Sprint(i + 1), r.Model, f2(r.Accuracy), fmt.Sprint(r.Countries), r.Worst, f2(r.WorstAccuracy), def})
	}
	return out
}

func filter(ms []store.Metric, keep func(store.Metric) bool) []store.Metric {
	var out []store.Metric
	for _, m := range ms {
		if keep(m) {
			out = append(out, m)
		}
	}
	return out
}

func distinct(ms []store.Metric, key func(store.Metric) string) []string {
	seen := map[string]bool{}
	var out []string
	for _, m := range ms {
		if k := key(m); !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func ci(m store.Metric) string {
	if m.CILow == nil || m.CIHigh == nil {
		return ""
	}
	return fmt.Sprintf("[%.2f, %.2f]", *m.CILow, *m.CIHigh)
}

func f2(v float64) string { return fmt.Sprintf("%.2f", v) }

// nCell is a metric's sample size, with its parse rate when some of its
// answers could not be used.
func nCell(m store.Metric) string {
	if m.ParseRate != nil && *m.ParseRate < 1 {
		return fmt.Sprintf("%d (%.0f%% of %d answers usable)", m.N, 100**m.ParseRate, m.Asked)
	}
	return fmt.Sprint(m.N)
}

// accuracySection: heatmaps of judge accuracy, country x category, one per
// model, for country-specific prompts.
func accuracySection(ms []store.Metric) (Section, bool) {
	cells := filter(ms, func(m store.Metric) bool {
		return m.Name == metrics.MetricVQAAccuracy && m.PromptSet == prompts.SetCountry && m.Chain == "" && m.Category != "" && m.Variant == ""
	})
	if len(cells) == 0 {
		return Section{}, false
	}
	s := Section{ID: "accuracy", Title: "Cultural VQA accuracy by country and category",
		Note: "The judge's accuracy on the yes/no questions, (TP + TN) / answered, per image, averaged; country-specific prompts."}
	t := Table{Head: []string{"Model", "Country", "Category", "Accuracy", "95% CI", "n"}}
	for i, model := range distinct(cells, func(m store.Metric) string { return m.Model }) {
		mine := filter(cells, func(m store.Metric) bool { return m.Model == model })
		xs := distinct(mine, func(m store.Metric) string { return m.Country })
		ys := distinct(mine, func(m store.Metric) string { return m.Category })
		grid := map[[2]string]store.Metric{}
		for _, m := range mine {
			grid[[2]string{m.Country, m.Category}] = m
			t.Rows = append(t.Rows, []string{model, m.Country, m.Category, f2(m.Value), ci(m), nCell(m)})
		}
		s.Charts = append(s.Charts, heatmap(fmt.Sprintf("accuracy-%d", i), model, xs, ys, grid))
	}
	s.Tables = []Table{t}
	return s, true
}

// barsSection: accuracy per country (a series per model) and per variant
// (a series per variant, one chart per model), with CI whiskers.
func barsSection(ms []store.Metric) (Section, bool) {
	country := filter(ms, func(m store.Metric) bool {
		return m.Name == metrics.MetricVQAAccuracy && m.PromptSet == prompts.SetCountry && m.Chain == "" && m.Category == "" && m.Variant == ""
	})
	if len(country) == 0 {
		return Section{}, false
	}
	s := Section{ID: "bars", Title: "Accuracy per country and per era/variant, with 95% bootstrap intervals"}
	xs := distinct(country, func(m store.Metric) string { return m.Country })
	var series []ciSeries
	t := Table{Caption: "Per country", Head: []string{"Model", "Country", "Accuracy", "95% CI", "n"}}
	for _, model := range distinct(country, func(m store.Metric) string { return m.Model }) {
		cs := ciSeries{Name: model, Vals: make([]*store.Metric, len(xs))}
		for _, m := range country {
			if m.Model == model {
				m := m
				cs.Vals[slices.Index(xs, m.Country)] = &m
				t.Rows = append(t.Rows, []string{model, m.Country, f2(m.Value), ci(m), nCell(m)})
			}
		}
		series = append(series, cs)
	}
	s.Charts = append(s.Charts, ciBars("bars-country", "Accuracy per country", xs, series, 1))
	s.Tables = append(s.Tables, t)
	variant := filter(ms, func(m store.Metric) bool {
		return m.Name == metrics.MetricVQAAccuracy && m.PromptSet == prompts.SetCountry && m.Chain == "" && m.Category == "" && m.Variant != ""
	})
	if len(variant) > 0 {
		vt := Table{Caption: "Per era/variant", Head: []string{"Model", "Country", "Variant", "Accuracy", "95% CI", "n"}}
		for i, model := range distinct(variant, func(m store.Metric) string { return m.Model }) {
			mine := filter(variant, func(m store.Metric) bool { return m.Model == model })
			xs := distinct(mine, func(m store.Metric) string { return m.Country })
			var series []ciSeries
			for _, v := range distinct(mine, func(m store.Metric) string { return m.Variant }) {
				cs := ciSeries{Name: v, Vals: make([]*store.Metric, len(xs))}
				for _, m := range mine {
					if m.Variant == v {
						m := m
						cs.Vals[slices.Index(xs, m.Country)] = &m
						vt.Rows = append(vt.Rows, []string{model, m.Country, v, f2(m.Value), ci(m), nCell(m)})
					}
				}
				series = append(series, cs)
			}
			s.Charts = append(s.Charts, ciBars(fmt.Sprintf("bars-variant-%d", i), "Accuracy per variant: "+model, xs, series, 1))
		}
		s.Tables = append(s.Tables, vt)
	}
	return s, true
}

// driftSection: per editor, chain and target, the judge's fidelity beside
// the conventional metrics over edit steps, on one 0..1 axis.
func driftSection(ms []store.Metric) (Section, bool) {
	rows := Drift(ms)
	if len(rows) == 0 {
		return Section{}, false
	}
	s := Section{ID: "drift", Title: "Edit drift: cultural fidelity and conventional metrics over edit steps",
		Note: "Step 0 is the generated image. SSIM and embedding distance are measured against step 0; CLIP score is divided by 100. ECB's finding shows as flat conventional metrics beside falling fidelity."}
	find := func(name string, r DriftRow, step int) float64 {
		for _, m := range ms {
			if m.Name == name && m.Model == r.Model && m.BaseModel == r.Base && m.Chain == r.Chain && m.Country == r.Target && m.Step == step && m.Category == "" {
				return m.Value
			}
		}
		return math.NaN()
	}
	bases := severalBases(rows, func(r DriftRow) (string, string) { return r.Model, r.Base })
	t := Table{Head: withBase([]string{"Editor", "Chain", "Target", "Step", "Judge accuracy", "95% CI", "n", "SSIM to step 0", "Embedding distance to step 0", "CLIP score / 100"}, bases, "Images of")}
	// One figure per editor (and base model) and chain, a panel per target
	// country, on shared axes: the same chain read across countries.
	type figure struct {
		model, base, chain string
		steps              []string
		panels             []panel
	}
	var figs []*figure
	for _, r := range rows {
		var xs []string
		acc, ssim, emb, clip := lineSeries{Name: "judge accuracy"}, lineSeries{Name: "SSIM to step 0"}, lineSeries{Name: "embedding distance to step 0"}, lineSeries{Name: "CLIP score / 100"}
		for _, st := range r.Steps {
			xs = append(xs, fmt.Sprint(st.Step))
			acc.Vals = append(acc.Vals, st.Value)
			sv := find(metrics.MetricSSIM+"_step0", r, st.Step)
			if st.Step == 0 {
				sv = 1
			}
			ssim.Vals = append(ssim.Vals, sv)
			ev := find(metrics.MetricEmbedDistance+"_step0", r, st.Step)
			if st.Step == 0 && !math.IsNaN(find(metrics.MetricEmbedDistance+"_step0", r, 1)) {
				ev = 0
			}
			emb.Vals = append(emb.Vals, ev)
			clip.Vals = append(clip.Vals, find(metrics.MetricCLIPScore, r, st.Step)/100)
			t.Rows = append(t.Rows, withBase([]string{r.Model, r.Chain, r.Target, fmt.Sprint(st.Step), f2(st.Value), ci(st), nCell(st), num(sv), num(ev), num(clip.Vals[len(clip.Vals)-1])}, bases, r.Base))
		}
		series := []lineSeries{acc, ssim}
		for _, extra := range []lineSeries{emb, clip} {
			if slices.ContainsFunc(extra.Vals, func(v float64) bool { return !math.IsNaN(v) }) {
				series = append(series, extra)
			}
		}
		name := r.Target
		if r.FlatButFalling {
			name += " (metric flat, fidelity falls)"
		}
		if last := len(figs) - 1; last < 0 || figs[last].model != r.Model || figs[last].base != r.Base || figs[last].chain != r.Chain || !slices.Equal(figs[last].steps, xs) {
			figs = append(figs, &figure{model: r.Model, base: r.Base, chain: r.Chain, steps: xs})
		}
		f := figs[len(figs)-1]
		f.panels = append(f.panels, panel{Name: name, Series: series})
	}
	for i, f := range figs {
		editor := editorLabel(f.model, f.base, bases)
		title := fmt.Sprintf("%s, %s chain, by edit step and target country", editor, f.chain)
		if len(f.panels) == 1 {
			title = fmt.Sprintf("%s, %s toward %s", editor, f.chain, f.panels[0].Name)
			s.Charts = append(s.Charts, lines(fmt.Sprintf("drift-%d", i), title, f.steps, f.panels[0].Series, 1))
			continue
		}
		s.Charts = append(s.Charts, panelLines(fmt.Sprintf("drift-%d", i), title, f.steps, f.panels, 1))
	}
	s.Tables = []Table{t}
	return s, true
}

func num(v float64) string {
	if math.IsNaN(v) {
		return "-"
	}
	return f2(v)
}

// defaultsSection: where agnostic prompts land (stacked shares per model)
// and the Global-North share.
func defaultsSection(ms []store.Metric) (Section, bool) {
	p := AttributionPivot(ms, prompts.SetAgnostic)
	rows := Defaults(ms)
	if len(p.Rows) == 0 && len(rows) == 0 {
		return Section{}, false
	}
	s := Section{ID: "defaults", Title: "Default culture of country-agnostic prompts",
		Note: "Which country the judge attributes images of prompts that name no country to; the Global-North share counts analysis.global_north."}
	if len(p.Rows) > 0 {
		var xs []string
		for _, r := range p.Rows {
			xs = append(xs, r.Model)
		}
		t := Table{Head: append([]string{"Model"}, p.Countries...)}
		series := make([]lineSeries, len(p.Countries))
		for ci, c := range p.Countries {
			series[ci].Name = c
		}
		for _, r := range p.Rows {
			row := []string{r.Model}
			for ci, m := range r.Cells {
				series[ci].Vals = append(series[ci].Vals, m.Value)
				if m.N == 0 {
					row = append(row, "-")
				} else {
					row = append(row, fmt.Sprintf("%.2f (n=%s)", m.Value, nCell(m)))
				}
			}
			t.Rows = append(t.Rows, row)
		}
		s.Charts = append(s.Charts, stacked("defaults-attribution", "Attribution of agnostic images (share)", xs, series))
		s.Tables = append(s.Tables, t)
	}
	if len(rows) > 0 {
		t := Table{Caption: "Defaults (share with 95% CI; divergence from uniform in bits)", Head: []string{"Model", "Prompts", "Global North (judge)", "Global North (embedding)", "Modern (judge)", "Divergence"}}
		var gn []*store.Metric
		var xs []string
		for _, r := range rows {
			t.Rows = append(t.Rows, []string{r.Model, r.Set, cellOr(r.GlobalNorth), cellOr(r.GlobalNorthCentroid), cellOr(r.Modern), cellOr(r.Divergence)})
			if r.GlobalNorth != nil {
				gn = append(gn, r.GlobalNorth)
				xs = append(xs, r.Model+" "+r.Set)
			}
		}
		if len(gn) > 0 {
			s.Charts = append(s.Charts, ciBars("defaults-north", "Global-North share", xs, []ciSeries{{Name: "Global-North share", Vals: gn}}, 1))
		}
		s.Tables = append(s.Tables, t)
	}
	return s, true
}

// diversitySection: Vendi and quality-weighted Vendi per country x
// category.
func diversitySection(ms []store.Metric) (Section, bool) {
	vs := filter(ms, func(m store.Metric) bool {
		return (m.Name == metrics.MetricVendi || m.Name == metrics.MetricQualityVendi) && m.PromptSet == prompts.SetCountry && m.Chain == "" && m.Category != "" && m.Variant == ""
	})
	if len(vs) == 0 {
		return Section{}, false
	}
	s := Section{ID: "diversity", Title: "Vendi diversity and quality-weighted Vendi per country and category",
		Note: "The Vendi score is the effective number of distinct images in a group; the quality-weighted score multiplies it by the group's mean quality. Their 95% intervals come from a grouped jackknife (leave one image out, or one of 20 blocks in larger groups): a bootstrap would repeat images, which Vendi counts as a loss of diversity."}
	t := Table{Head: []string{"Model", "Country", "Category", "Vendi", "95% CI", "Quality-weighted Vendi", "95% CI", "n"}}
	type key struct{ model, country, category string }
	vals := map[key][2]*store.Metric{}
	for _, m := range vs {
		m := m
		k := key{m.Model, m.Country, m.Category}
		v := vals[k]
		if m.Name == metrics.MetricVendi {
			v[0] = &m
		} else {
			v[1] = &m
		}
		vals[k] = v
	}
	keys := make([]key, 0, len(vals))
	for k := range vals {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		return a.model+"\x00"+a.country+"\x00"+a.category < b.model+"\x00"+b.country+"\x00"+b.category
	})
	yMax := 1.0
	for _, k := range keys {
		v := vals[k]
		n := 0
		for _, m := range v {
			if m != nil {
				n = m.N
				yMax = max(yMax, math.Ceil(m.Value))
			}
		}
		t.Rows = append(t.Rows, []string{k.model, k.country, k.category, cellValue(v[0]), cellCI(v[0]), cellValue(v[1]), cellCI(v[1]), fmt.Sprint(n)})
	}
	for i, model := range distinct(vs, func(m store.Metric) string { return m.Model }) {
		for j, name := range []string{metrics.MetricVendi, metrics.MetricQualityVendi} {
			mine := filter(vs, func(m store.Metric) bool { return m.Model == model && m.Name == name })
			if len(mine) == 0 {
				continue
			}
			xs := distinct(mine, func(m store.Metric) string { return m.Country })
			var series []ciSeries
			for _, cat := range distinct(mine, func(m store.Metric) string { return m.Category }) {
				cs := ciSeries{Name: cat, Vals: make([]*store.Metric, len(xs))}
				for _, m := range mine {
					if m.Category == cat {
						m := m
						cs.Vals[slices.Index(xs, m.Country)] = &m
					}
				}
				series = append(series, cs)
			}
			title := map[string]string{metrics.MetricVendi: "Vendi score", metrics.MetricQualityVendi: "Quality-weighted Vendi"}[name] + ": " + model
			s.Charts = append(s.Charts, ciBars(fmt.Sprintf("diversity-%d-%d", i, j), title, xs, series, yMax))
		}
	}
	s.Tables = []Table{t}
	return s, true
}

func cellCI(m *store.Metric) string {
	if m == nil {
		return "-"
	}
	return ci(*m)
}

func cellValue(m *store.Metric) string {
	if m == nil {
		return "-"
	}
	return f2(m.Value)
}

// refusalSection: refusal and failure rates per country and category.
func refusalSection(ms []store.Metric) (Section, bool) {
	rs := filter(ms, func(m store.Metric) bool {
		return (m.Name == metrics.MetricRefusalRate || m.Name == metrics.MetricFailureRate) && m.Chain == "" && m.Variant == ""
	})
	any := slices.ContainsFunc(rs, func(m store.Metric) bool { return m.Value > 0 })
	if len(rs) == 0 {
		return Section{}, false
	}
	s := Section{ID: "refusals", Title: "Refusal and failure rates per country and category",
		Note: "Refusals are content-policy rejections and blank (filtered) images; failures are calls that gave no usable image. Who gets refused is itself a bias signal."}
	if !any {
		// An all-zero chart says nothing a sentence does not.
		s.Note += " No image of this run was refused or failed, so there is no chart."
	}
	t := Table{Head: []string{"Model", "Prompts", "Country", "Category", "Rate", "Kind", "95% CI", "n"}}
	for _, m := range rs {
		kind := strings.TrimSuffix(m.Name, "_rate")
		t.Rows = append(t.Rows, []string{m.Model, m.PromptSet, m.Country, m.Category, f2(m.Value), kind, ci(m), nCell(m)})
	}
	sort.SliceStable(t.Rows, func(i, j int) bool { return strings.Join(t.Rows[i][:6], "\x00") < strings.Join(t.Rows[j][:6], "\x00") })
	byCountry := filter(rs, func(m store.Metric) bool { return m.Category == "" && m.PromptSet == prompts.SetCountry })
	if len(byCountry) > 0 && any {
		xs := distinct(byCountry, func(m store.Metric) string { return m.Country })
		var series []ciSeries
		for _, model := range distinct(byCountry, func(m store.Metric) string { return m.Model }) {
			for _, name := range []string{metrics.MetricRefusalRate, metrics.MetricFailureRate} {
				cs := ciSeries{Name: model + " " + strings.TrimSuffix(name, "_rate"), Vals: make([]*store.Metric, len(xs))}
				for _, m := range byCountry {
					if m.Model == model && m.Name == name {
						m := m
						cs.Vals[slices.Index(xs, m.Country)] = &m
					}
				}
				series = append(series, cs)
			}
		}
		s.Charts = append(s.Charts, ciBars("refusals-country", "Refusal and failure rate per country", xs, series, 1))
	}
	s.Tables = []Table{t}
	return s, true
}

// picksSection: the judge's best/worst picks within edit chains.
func picksSection(ms []store.Metric) (Section, bool) {
	rows := Picks(ms)
	if len(rows) == 0 {
		return Section{}, false
	}
	s := Section{ID: "picks", Title: "The judge's best and worst pick within edit chains",
		Note: "Share of chains where the judge found the unedited image the best and the last step shown the worst representation of the target culture."}
	var xs []string
	var best, worst []*store.Metric
	bases := severalBases(rows, func(r PickRow) (string, string) { return r.Model, r.Base })
	t := Table{Head: withBase([]string{"Editor", "Chain", "Target", "Best is the unedited image", "Worst is the last step"}, bases, "Images of")}
	for _, r := range rows {
		x := r.Chain + " " + r.Target
		if bases {
			x = r.Base + " " + x
		}
		xs = append(xs, x)
		best, worst = append(best, r.BestBase), append(worst, r.WorstFinal)
		t.Rows = append(t.Rows, withBase([]string{r.Model, r.Chain, r.Target, cellOr(r.BestBase), cellOr(r.WorstFinal)}, bases, r.Base))
	}
	s.Charts = []Chart{ciBars("picks", "Best/worst picks", xs, []ciSeries{{Name: "best is step 0", Vals: best}, {Name: "worst is the last step", Vals: worst}}, 1)}
	s.Tables = []Table{t}
	return s, true
}

func testsSection(ts []store.Test) (Section, bool) {
	if len(ts) == 0 {
		return Section{}, false
	}
	s := Section{ID: "tests", Title: "Differences between countries (permutation tests)",
		Note: "Two-sided permutation tests of the difference in mean judge accuracy, Holm-adjusted over each model's pairs; and of the difference in mean edits to an acceptable image (chains followed to an acceptable image or to their last step), Holm-adjusted over each editor's chain; and of the language gap, by flipping the signs of paired differences, Holm-adjusted over each model's countries and languages."}
	t := Table{Head: []string{"Measure", "Model", "Prompts", "Country A", "Country B", "A - B", "p", "p (Holm)", "n A", "n B"}}
	for _, x := range ts {
		t.Rows = append(t.Rows, []string{TestMeasure(x.Metric), x.Model, x.PromptSet, x.A, x.B, fmt.Sprintf("%+.2f", x.Diff), fmt.Sprintf("%.4f", x.P), fmt.Sprintf("%.4f", x.PHolm), fmt.Sprint(x.NA), fmt.Sprint(x.NB)})
	}
	s.Tables = []Table{t}
	return s, true
}

// judgeAnswersSection shows how usable each judge's answers were, and
// every metric withheld for it.
func judgeAnswersSection(s *metrics.Summary) (Section, bool) {
	if len(s.ParseRates) == 0 {
		return Section{}, false
	}
	sec := Section{ID: "judge-answers", Title: "Judge answers and health",
		Note: fmt.Sprintf("Unparsed and refused answers are missing data: they count in \"asked\" and never as a value. A metric whose answers were usable less than %.0f%% of the time is withheld.", 100*store.MinParseRate)}
	t := Table{Caption: "Answers per judge and kind of question", Head: []string{"Judge", "Question", "Asked", "Usable", "Parse rate", "Refused", "Fallbacks"}}
	for _, p := range s.ParseRates {
		t.Rows = append(t.Rows, []string{p.Judge, p.Kind, fmt.Sprint(p.Asked), fmt.Sprint(p.Usable), fmt.Sprintf("%.1f%%", 100*p.Rate), fmt.Sprint(p.Refused), fmt.Sprint(p.Fallbacks)})
	}
	sec.Tables = append(sec.Tables, t)
	if len(s.JudgeHealth) > 0 {
		sec.Tables = append(sec.Tables, Table{Caption: "Judge health: each yes/no question template against the others asked of the same images (a negative item-rest r means the judge reads it the wrong way round)",
			Head: []string{"Judge", "Question", "Expects", "Answered", "Parse rate", "Yes", "As expected", "Item-rest r", "Flag"}, Rows: JudgeHealthRows(s.JudgeHealth)})
	}
	if len(s.Withheld) > 0 {
		w := Table{Caption: "Withheld metrics", Head: []string{"Metric", "Model", "Prompts", "Country", "Asked", "Usable", "Parse rate"}}
		for _, m := range s.Withheld {
			w.Rows = append(w.Rows, []string{m.Name, m.Model, m.PromptSet, m.Country, fmt.Sprint(m.Asked), fmt.Sprint(m.N), fmt.Sprintf("%.1f%%", 100**m.ParseRate)})
		}
		sec.Tables = append(sec.Tables, w)
	}
	return sec, true
}
