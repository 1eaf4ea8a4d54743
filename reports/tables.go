package reports

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/blindspot-audit/blindspot/audit/metrics"
	"github.com/blindspot-audit/blindspot/audit/store"
	"github.com/blindspot-audit/blindspot/prompts"
)

// Pivot is a model x country table of one metric.
type Pivot struct {
	Countries []string
	Rows      []PivotRow
}

// PivotRow is one model's values; a missing cell has N 0.
type PivotRow struct {
	Model string
	Cells []store.Metric
}

// HeadlinePivot arranges the judge accuracy of generated images by model
// and country, for one prompt set.
func HeadlinePivot(ms []store.Metric, set string) Pivot {
	return pivot(ms, func(m store.Metric) bool {
		return m.Name == metrics.MetricVQAAccuracy && m.Chain == "" && m.Category == "" && m.Variant == "" && m.PromptSet == set
	})
}

// AttributionPivot arranges the attribution shares by model and country.
func AttributionPivot(ms []store.Metric, set string) Pivot {
	return pivot(ms, func(m store.Metric) bool { return m.Name == metrics.MetricAttribution && m.PromptSet == set })
}

func pivot(ms []store.Metric, keep func(store.Metric) bool) Pivot {
	var p Pivot
	cols, rows := map[string]bool{}, map[string]map[string]store.Metric{}
	var order []string
	for _, m := range ms {
		if !keep(m) {
			continue
		}
		cols[m.Country] = true
		if rows[m.Model] == nil {
			rows[m.Model] = map[string]store.Metric{}
			order = append(order, m.Model)
		}
		rows[m.Model][m.Country] = m
	}
	for c := range cols {
		p.Countries = append(p.Countries, c)
	}
	sort.Strings(p.Countries)
	sort.Strings(order)
	for _, model := range order {
		r := PivotRow{Model: model}
		for _, c := range p.Countries {
			r.Cells = append(r.Cells, rows[model][c])
		}
		p.Rows = append(p.Rows, r)
	}
	return p
}

// DriftRow is the judge accuracy of one chain and editor at each step,
// beside the SSIM to step 0, the fidelity slope and ECB's flag.
type DriftRow struct {
	// Model is the editor; Base the text-to-image model whose images its
	// chains start from.
	Model, Base, Chain, Target string
	Steps                      []store.Metric
	SSIM                       map[int]float64 // step -> mean SSIM to step 0
	Slope                      *store.Metric
	FlatButFalling             bool
}

// Drift arranges edit-chain accuracy by step.
func Drift(ms []store.Metric) []DriftRow {
	idx := map[string]int{}
	var out []DriftRow
	for _, m := range ms {
		if m.Name != metrics.MetricVQAAccuracy || m.Chain == "" || m.Category != "" || m.Variant != "" {
			continue
		}
		k := m.Model + "\x00" + m.BaseModel + "\x00" + m.Chain + "\x00" + m.Country
		i, ok := idx[k]
		if !ok {
			i = len(out)
			idx[k] = i
			out = append(out, DriftRow{Model: m.Model, Base: m.BaseModel, Chain: m.Chain, Target: m.Country})
		}
		out[i].Steps = append(out[i].Steps, m)
	}
	for _, m := range ms {
		i, ok := idx[m.Model+"\x00"+m.BaseModel+"\x00"+m.Chain+"\x00"+m.Country]
		if !ok || m.Category != "" {
			continue
		}
		switch m.Name {
		case metrics.MetricSSIM + "_step0":
			if out[i].SSIM == nil {
				out[i].SSIM = map[int]float64{0: 1}
			}
			out[i].SSIM[m.Step] = m.Value
		case metrics.MetricFidelitySlope:
			m := m
			out[i].Slope = &m
		case metrics.MetricFlatButFalling:
			out[i].FlatButFalling = m.Value == 1
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Model != b.Model {
			return a.Model < b.Model
		}
		if a.Base != b.Base {
			return a.Base < b.Base
		}
		if a.Chain != b.Chain {
			return a.Chain < b.Chain
		}
		return a.Target < b.Target
	})
	for _, r := range out {
		sort.Slice(r.Steps, func(i, j int) bool { return r.Steps[i].Step < r.Steps[j].Step })
	}
	return out
}

// DiversityPivot arranges a diversity metric (Vendi or quality-weighted
// Vendi) by model and country, over all categories.
func DiversityPivot(ms []store.Metric, name, set string) Pivot {
	return pivot(ms, func(m store.Metric) bool {
		return m.Name == name && m.Category == "" && m.Variant == "" && m.PromptSet == set
	})
}

func cell(m store.Metric) string {
	if m.N == 0 {
		return "-"
	}
	parsed := ""
	if m.ParseRate != nil && *m.ParseRate < 1 {
		parsed = fmt.Sprintf(" parsed %.0f%%", 100**m.ParseRate)
	}
	if m.CILow != nil && m.CIHigh != nil && m.N > 1 {
		return fmt.Sprintf("%.2f [%.2f, %.2f] n=%d%s", m.Value, *m.CILow, *m.CIHigh, m.N, parsed)
	}
	return fmt.Sprintf("%.2f (n=%d%s)", m.Value, m.N, parsed)
}

// writeFindings prints what the audit found, largest effects first, then
// what is withheld or doubtful: before any table.
func writeFindings(w io.Writer, s *metrics.Summary) {
	var found, caveats []metrics.Finding
	for _, f := range s.Findings {
		if f.Kind == "caveat" {
			caveats = append(caveats, f)
		} else {
			found = append(found, f)
		}
	}
	if len(found) > 0 {
		fmt.Fprintln(w, "Findings:")
		for i, f := range found {
			text := f.Text
			if f.Test != "" {
				text += " (" + f.Test + ")"
			}
			fmt.Fprint(w, wrap(text, fmt.Sprintf("%3d. ", i+1), "     ", TerminalWidth))
		}
		fmt.Fprintln(w)
	}
	if len(caveats) > 0 {
		fmt.Fprintln(w, "Warnings:")
		for _, f := range caveats {
			fmt.Fprint(w, wrap(f.Text, "  ! ", "    ", TerminalWidth))
		}
		fmt.Fprintln(w)
	}
}

// writeParseRates prints how usable each judge's answers were, per kind
// of question.
func writeParseRates(w io.Writer, s *metrics.Summary) error {
	if len(s.ParseRates) == 0 {
		return nil
	}
	fmt.Fprintln(w, "\nJudge answers: how many were usable, per judge and kind of question:")
	t := newFitTable(w, 2)
	t.Header("Judge", "Question", "Asked", "Usable", "Parse rate", "Refused", "Fallbacks")
	for _, p := range s.ParseRates {
		if err := t.Append([]string{p.Judge, p.Kind, fmt.Sprint(p.Asked), fmt.Sprint(p.Usable), fmt.Sprintf("%.1f%%", 100*p.Rate),
			fmt.Sprint(p.Refused), fmt.Sprint(p.Fallbacks)}); err != nil {
			return err
		}
	}
	return t.Render()
}

// WriteSummary prints a run summary as terminal tables.
func WriteSummary(w io.Writer, s *metrics.Summary) error {
	fmt.Fprintf(w, "Audit %q: %s, %d of %d images, run directory %s\n\n", s.Name, s.Status, s.Items, s.ItemsPlanned, s.RunDir)
	writeFindings(w, s)
	if rows := ModelRankRows(metrics.RankModels(s.Metrics)); len(rows) > 0 {
		fmt.Fprintln(w, "Models ranked by mean judge accuracy over the audited countries:")
		if err := writeRows(w, 2, ModelRankHead, rows); err != nil {
			return err
		}
		fmt.Fprintln(w)
	}
	t := newFitTable(w, 1)
	t.Header("Calls", "Made", "Cache hits", "Resumed tasks", "Failed", "Refused", "Budget skipped", "Cost USD")
	if err := t.Append([]string{"this " + scope(s), fmt.Sprint(s.CallsMade), fmt.Sprint(s.CacheHits), fmt.Sprint(s.Resumed),
		fmt.Sprint(s.Failed), fmt.Sprint(s.Refused), fmt.Sprint(s.BudgetSkipped), fmt.Sprintf("%.4f", s.CostUSD)}); err != nil {
		return err
	}
	if p := s.Process; p != nil {
		if err := t.Append([]string{"this process", fmt.Sprint(p.CallsMade), fmt.Sprint(p.CacheHits), fmt.Sprint(p.Resumed),
			fmt.Sprint(p.Failed), fmt.Sprint(p.Refused), fmt.Sprint(p.BudgetSkipped), fmt.Sprintf("%.4f", p.CostUSD)}); err != nil {
			return err
		}
	}
	if err := t.Render(); err != nil {
		return err
	}
	if len(s.FailedByClass) > 0 {
		var parts []string
		for _, k := range slices.Sorted(maps.Keys(s.FailedByClass)) {
			parts = append(parts, fmt.Sprintf("%s %d", k, s.FailedByClass[k]))
		}
		fmt.Fprintf(w, "Failures by class: %s\n", strings.Join(parts, ", "))
	}
	for _, set := range []string{prompts.SetCountry, prompts.SetAgnostic} {
		p := HeadlinePivot(s.Metrics, set)
		if len(p.Rows) == 0 {
			continue
		}
		fmt.Fprintf(w, "\nJudge accuracy of generated images (%s prompts), by model and country:\n", strings.ReplaceAll(set, "_", "-"))
		if err := writePivot(w, p); err != nil {
			return err
		}
	}
	if err := writeParseRates(w, s); err != nil {
		return err
	}
	if err := writeJudgeHealth(w, s); err != nil {
		return err
	}
	if p := DiversityPivot(s.Metrics, metrics.MetricQualityVendi, prompts.SetCountry); len(p.Rows) > 0 {
		fmt.Fprint(w, "\n"+wrap(fmt.Sprintf("Quality-weighted Vendi diversity of generated images (mean quality x Vendi score; embeddings of %s), by model and country:", s.Embedder), "", "", TerminalWidth))
		if err := writePivot(w, p); err != nil {
			return err
		}
	}
	if p := AttributionPivot(s.Metrics, prompts.SetAgnostic); len(p.Rows) > 0 {
		fmt.Fprintln(w, "\nWhich country the judge sees in images of country-agnostic prompts (share):")
		if err := writePivot(w, p); err != nil {
			return err
		}
	}
	if rows := Defaults(s.Metrics); len(rows) > 0 {
		fmt.Fprintln(w, "\nDefaults: where images land when no country is named (share with 95% CI; divergence from uniform in bits):")
		t := newFitTable(w, 2)
		t.Header("Model", "Prompts", "Global North (judge)", "Global North (embedding)", "Modern (judge)", "Divergence")
		for _, r := range rows {
			if err := t.Append([]string{r.Model, r.Set, cellOr(r.GlobalNorth), cellOr(r.GlobalNorthCentroid), cellOr(r.Modern), cellOr(r.Divergence)}); err != nil {
				return err
			}
		}
		if err := t.Render(); err != nil {
			return err
		}
	}
	if sig := Significant(s.Tests, metrics.MetricVQAAccuracy); len(sig) > 0 {
		fmt.Fprintln(w, "\nCountries whose judge accuracy differs (permutation test, Holm-adjusted p < 0.05):")
		t := newFitTable(w, 3)
		t.Header("Model", "Country A", "Country B", "A - B", "p (Holm)", "n A", "n B")
		for _, x := range sig {
			if err := t.Append([]string{x.Model, x.A, x.B, fmt.Sprintf("%+.2f", x.Diff), fmt.Sprintf("%.4f", x.PHolm), fmt.Sprint(x.NA), fmt.Sprint(x.NB)}); err != nil {
				return err
			}
		}
		if err := t.Render(); err != nil {
			return err
		}
	}
	if rows := Refusals(s.Metrics); len(rows) > 0 {
		fmt.Fprintln(w, "\nRefusals (content-policy rejections and blank images), by model, country and category:")
		t := newFitTable(w, 3)
		t.Header("Model", "Country", "Category", "Refusal rate")
		for _, m := range rows {
			if err := t.Append([]string{m.Model, m.Country, m.Category, cell(m)}); err != nil {
				return err
			}
		}
		if err := t.Render(); err != nil {
			return err
		}
	}
	if rows := Drift(s.Metrics); len(rows) > 0 {
		fmt.Fprint(w, "\n"+wrap("Judge accuracy / SSIM to step 0, over edit steps (step 0 is the generated image); fidelity slope per step with its 95% CI:", "", "", TerminalWidth))
		bases := severalBases(rows, func(r DriftRow) (string, string) { return r.Model, r.Base })
		t := newFitTable(w, 3+b2i(bases))
		steps := 0
		for _, r := range rows {
			steps = max(steps, len(r.Steps))
		}
		head := withBase([]string{"Editor", "Chain", "Target"}, bases, "Images of")
		for i := 0; i < steps; i++ {
			head = append(head, fmt.Sprintf("step %d", i))
		}
		head = append(head, "Fidelity slope", "Metric flat, fidelity falls")
		t.Header(head...)
		for _, r := range rows {
			row := withBase([]string{r.Model, r.Chain, r.Target}, bases, r.Base)
			for i := 0; i < steps; i++ {
				if i >= len(r.Steps) {
					row = append(row, "-")
					continue
				}
				c := fmt.Sprintf("%.2f", r.Steps[i].Value)
				if v, ok := r.SSIM[r.Steps[i].Step]; ok {
					c += fmt.Sprintf(" / %.2f", v)
				}
				row = append(row, c)
			}
			slope := "-"
			if r.Slope != nil {
				slope = fmt.Sprintf("%+.3f", r.Slope.Value)
				if r.Slope.CILow != nil {
					slope += fmt.Sprintf(" [%+.3f, %+.3f]", *r.Slope.CILow, *r.Slope.CIHigh)
				}
			}
			row = append(row, slope, map[bool]string{true: "yes", false: "no"}[r.FlatButFalling])
			if err := t.Append(row); err != nil {
				return err
			}
		}
		if err := t.Render(); err != nil {
			return err
		}
	}
	if rows := Burden(s.Metrics); len(rows) > 0 {
		if err := writeBurden(w, rows, s.Metrics, s.Tests); err != nil {
			return err
		}
	}
	if err := writeLanguage(w, s.Metrics, s.Tests, s.Translations); err != nil {
		return err
	}
	if rows := Picks(s.Metrics); len(rows) > 0 {
		if err := writePicks(w, rows); err != nil {
			return err
		}
	}
	if rows := StoryRows(s.Metrics, nil); len(rows) > 0 {
		if err := writeStories(w, rows); err != nil {
			return err
		}
	}
	if len(s.Agreement) > 0 {
		if err := writeAgreement(w, s.Agreement); err != nil {
			return err
		}
	}
	return nil
}

func scope(s *metrics.Summary) string {
	switch {
	case s.Process != nil:
		return "shared run (every process)"
	case s.Status == "recorded":
		return "store (all runs)"
	}
	return "run"
}

func writePivot(w io.Writer, p Pivot) error { return writePivotAs(w, "Model", p) }

// writePivotAs is writePivot with another name for the row key.
func writePivotAs(w io.Writer, key string, p Pivot) error {
	head, rows := pivotCells(key, p)
	return writeRows(w, 1, head, rows)
}

// pivotCells formats a pivot as a header and rows of cells.
func pivotCells(key string, p Pivot) ([]string, [][]string) {
	var rows [][]string
	for _, r := range p.Rows {
		row := []string{r.Model}
		for _, c := range r.Cells {
			row = append(row, cell(c))
		}
		rows = append(rows, row)
	}
	return append([]string{key}, p.Countries...), rows
}

// Refusals lists the per-category refusal rates of generated images that
// are above zero, highest first.
func Refusals(ms []store.Metric) []store.Metric {
	var out []store.Metric
	for _, m := range ms {
		if m.Name == metrics.MetricRefusalRate && m.Category != "" && m.Chain == "" && m.Value > 0 {
			out = append(out, m)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Value > out[j].Value })
	return out
}

// Significant lists the tests of a metric whose Holm-adjusted p is below
// 0.05.
func Significant(ts []store.Test, metric string) []store.Test {
	var out []store.Test
	for _, t := range ts {
		if t.Metric == metric && t.PHolm < 0.05 {
			out = append(out, t)
		}
	}
	return out
}

// TestMeasure says what a test compares.
func TestMeasure(metric string) string {
	switch metric {
	case metrics.MetricVQAAccuracy:
		return "judge accuracy"
	case metrics.MetricLanguageGap:
		return "judge accuracy, prompt in the language against English (paired sign flips)"
	}
	if name, chain, ok := strings.Cut(metric, "/"); ok {
		if _, source, ok := metrics.SplitBurdenName(name); ok {
			return fmt.Sprintf("mean edits to acceptable (%s chain, by %s)", chain, metrics.BurdenSourceName(source))
		}
	}
	return metric
}

// DefaultsRow gathers one model's default-culture numbers for a prompt set.
type DefaultsRow struct {
	Model, Set                                           string
	GlobalNorth, GlobalNorthCentroid, Modern, Divergence *store.Metric
}

// Defaults arranges the default-culture metrics by model and prompt set.
func Defaults(ms []store.Metric) []DefaultsRow {
	idx := map[string]*DefaultsRow{}
	var order []string
	for _, m := range ms {
		var slot func(r *DefaultsRow) **store.Metric
		switch m.Name {
		case metrics.MetricGlobalNorth:
			slot = func(r *DefaultsRow) **store.Metric { return &r.GlobalNorth }
		case metrics.MetricGlobalNorthCentroid:
			slot = func(r *DefaultsRow) **store.Metric { return &r.GlobalNorthCentroid }
		case metrics.MetricModernShare:
			slot = func(r *DefaultsRow) **store.Metric { return &r.Modern }
		case metrics.MetricAttributionDivergence:
			slot = func(r *DefaultsRow) **store.Metric { return &r.Divergence }
		default:
			continue
		}
		k := m.Model + "\x00" + m.PromptSet
		r, ok := idx[k]
		if !ok {
			r = &DefaultsRow{Model: m.Model, Set: m.PromptSet}
			idx[k] = r
			order = append(order, k)
		}
		m := m
		*slot(r) = &m
	}
	sort.Strings(order)
	out := make([]DefaultsRow, len(order))
	for i, k := range order {
		out[i] = *idx[k]
	}
	return out
}

func cellOr(m *store.Metric) string {
	if m == nil {
		return "-"
	}
	return cell(*m)
}

// writeJudgeHealth prints the item analysis of the judge's question
// templates.
func writeJudgeHealth(w io.Writer, s *metrics.Summary) error {
	if len(s.JudgeHealth) == 0 {
		return nil
	}
	fmt.Fprintln(w, "\nJudge health: each yes/no question template against the others asked of the same images:")
	t := newFitTable(w, 2)
	t.Header("Judge", "Question", "Expects", "Answered", "Parse rate", "Yes", "As expected", "Item-rest r", "Flag")
	for _, row := range JudgeHealthRows(s.JudgeHealth) {
		row[1] = clip(row[1], 56) // whole in the report and the export
		if err := t.Append(row); err != nil {
			return err
		}
	}
	return t.Render()
}

// JudgeHealthRows formats the item analysis as table rows.
func JudgeHealthRows(hs []metrics.TemplateHealth) [][]string {
	var out [][]string
	for _, h := range hs {
		r := "-"
		if h.ItemRest != nil {
			r = fmt.Sprintf("%+.2f (n=%d)", *h.ItemRest, h.N)
		}
		flag := ""
		if h.Flagged {
			flag = "FLAGGED"
		}
		out = append(out, []string{h.Judge, h.Label() + ": " + h.Example, h.Expected, fmt.Sprint(h.Answered), fmt.Sprintf("%.1f%%", 100*h.ParseRate),
			fmt.Sprintf("%.2f", h.YesShare), fmt.Sprintf("%.2f", h.Accuracy), r, flag})
	}
	return out
}
