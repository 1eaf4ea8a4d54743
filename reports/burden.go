package reports

import (
	"cmp"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"

	"github.com/blindspot-audit/blindspot/audit/metrics"
	"github.com/blindspot-audit/blindspot/audit/store"
)

// BurdenRow is the bias-correction burden of one editor's chain, from one
// text-to-image model's images (Base), toward one target country, for one
// source of acceptability, over all categories.
type BurdenRow struct {
	Source, Editor, Base, Chain, Set, Target string
	Step0, MeanSteps, Never                  *store.Metric
	// NotYet is the Kaplan-Meier curve: the share of chains not yet
	// acceptable after each step (NaN where unknown).
	NotYet []float64
	N      int
}

// Burden arranges the burden metrics by source, editor, base model, chain
// and target.
func Burden(ms []store.Metric) []BurdenRow {
	idx := map[[6]string]*BurdenRow{}
	for _, m := range ms {
		measure, source, ok := metrics.SplitBurdenName(m.Name)
		if !ok || m.Category != "" || measure == metrics.BurdenAgreement {
			continue
		}
		k := [6]string{source, m.Model, m.BaseModel, m.Chain, m.PromptSet, m.Country}
		r := idx[k]
		if r == nil {
			r = &BurdenRow{Source: source, Editor: m.Model, Base: m.BaseModel, Chain: m.Chain, Set: m.PromptSet, Target: m.Country, N: m.N}
			idx[k] = r
		}
		m := m
		switch measure {
		case metrics.BurdenStep0:
			r.Step0 = &m
		case metrics.BurdenMeanSteps:
			r.MeanSteps = &m
		case metrics.BurdenNever:
			r.Never = &m
		case metrics.BurdenNotYet:
			for len(r.NotYet) <= m.Step {
				r.NotYet = append(r.NotYet, math.NaN())
			}
			r.NotYet[m.Step] = m.Value
		}
	}
	out := make([]BurdenRow, 0, len(idx))
	for _, r := range idx {
		out = append(out, *r)
	}
	slices.SortFunc(out, func(a, b BurdenRow) int {
		return cmp.Or(cmp.Compare(a.Source, b.Source), cmp.Compare(a.Editor, b.Editor), cmp.Compare(a.Base, b.Base), cmp.Compare(a.Chain, b.Chain),
			cmp.Compare(a.Set, b.Set), cmp.Compare(a.Target, b.Target))
	})
	return out
}

// BurdenByCategory arranges the mean edits to acceptable by category (a
// row per source, editor, base model, chain and category) and target
// country, the paper's table.
func BurdenByCategory(ms []store.Metric, bases bool) Pivot {
	var rows []store.Metric
	for _, m := range ms {
		measure, source, ok := metrics.SplitBurdenName(m.Name)
		if ok && measure == metrics.BurdenMeanSteps && m.Category != "" {
			m.Model = fmt.Sprintf("%s, %s chain, %s (by %s)", editorLabel(m.Model, m.BaseModel, bases), m.Chain, m.Category, source)
			rows = append(rows, m)
		}
	}
	return pivot(rows, func(store.Metric) bool { return true })
}

// BurdenAgreementRows lists the agreement between sources of
// acceptability: editor, base model, chain, the two sources, alpha and n
// (the base model only with bases).
func BurdenAgreementRows(ms []store.Metric, bases bool) [][]string {
	var out [][]string
	for _, m := range ms {
		measure, pair, ok := metrics.SplitBurdenName(m.Name)
		if !ok || measure != metrics.BurdenAgreement {
			continue
		}
		a, b, _ := strings.Cut(pair, "~")
		out = append(out, withBase([]string{m.Model, m.Chain, a, b, fmt.Sprintf("%.2f", m.Value), fmt.Sprint(m.N)}, bases, m.BaseModel))
	}
	return out
}

// BurdenAgreementHead is the header of BurdenAgreementRows.
func BurdenAgreementHead(bases bool) []string {
	return withBase([]string{"Editor", "Chain", "Source A", "Source B", "Krippendorff's alpha", "Images"}, bases, "Images of")
}

// BurdenHead is the burden table's header, with the base model's column
// when an editor has chains from several text-to-image models (see
// severalBases); BurdenCells a row's cells.
func BurdenHead(bases bool) []string {
	return append([]string{"Acceptable by"}, withBase([]string{"Editor", "Chain", "Target", "Chains", "Acceptable at step 0", "Mean edits to acceptable", "Never acceptable"}, bases, "Images of")...)
}

// burdenBases reports whether the burden rows need their base model's
// column.
func burdenBases(rows []BurdenRow) bool {
	return severalBases(rows, func(r BurdenRow) (string, string) { return r.Editor, r.Base })
}

// BurdenCells formats a row: each measure with its 95% interval.
func BurdenCells(r BurdenRow, bases bool) []string {
	withCI := func(m *store.Metric, pct bool) string {
		if m == nil {
			return "-"
		}
		f := func(v float64) string {
			if pct {
				return fmt.Sprintf("%.0f%%", 100*v)
			}
			return fmt.Sprintf("%.2f", v)
		}
		s := f(m.Value)
		if m.CILow != nil && m.CIHigh != nil {
			s += " [" + f(*m.CILow) + ", " + f(*m.CIHigh) + "]"
		}
		return s
	}
	steps := ""
	if n := len(r.NotYet); n > 0 {
		steps = fmt.Sprintf(" within %d", n-1)
	}
	return append([]string{r.Source}, withBase([]string{r.Editor, r.Chain, r.Target, fmt.Sprint(r.N), withCI(r.Step0, true), withCI(r.MeanSteps, false), withCI(r.Never, true) + steps}, bases, r.Base)...)
}

// burdenSection: per editor and chain, the share of chains not yet
// acceptable after each edit, a line per target country, and the table.
func burdenSection(ms []store.Metric) (Section, bool) {
	rows := Burden(ms)
	if len(rows) == 0 {
		return Section{}, false
	}
	s := Section{ID: "burden", Title: "Bias-correction burden: edits until an image is acceptable",
		Note: "For every edit chain, the first step whose image is acceptable (analysis.acceptable; by default the judge's accuracy of at least 0.75). The curves are Kaplan-Meier estimates of the share of chains not yet acceptable after each edit (a chain whose edit failed counts until then); mean edits is the restricted mean over the chain's steps (a chain never acceptable counts all of them). Intervals: 95% bootstrap over chains."}
	bases := burdenBases(rows)
	t := Table{Head: BurdenHead(bases)}
	type figure struct {
		source, editor, base, chain string
		steps                       []string
		series                      []lineSeries
	}
	var figs []*figure
	for _, r := range rows {
		t.Rows = append(t.Rows, BurdenCells(r, bases))
		var xs []string
		for i := range r.NotYet {
			xs = append(xs, fmt.Sprint(i))
		}
		if last := len(figs) - 1; last < 0 || figs[last].source != r.Source || figs[last].editor != r.Editor || figs[last].base != r.Base || figs[last].chain != r.Chain || len(xs) > len(figs[last].steps) {
			figs = append(figs, &figure{source: r.Source, editor: r.Editor, base: r.Base, chain: r.Chain, steps: xs})
		}
		f := figs[len(figs)-1]
		f.series = append(f.series, lineSeries{Name: r.Target, Vals: r.NotYet})
	}
	for i, f := range figs {
		for j := range f.series { // a shorter curve ends in a gap
			for len(f.series[j].Vals) < len(f.steps) {
				f.series[j].Vals = append(f.series[j].Vals, math.NaN())
			}
		}
		title := fmt.Sprintf("%s, %s chain: share not yet acceptable (by %s) after 0, 1, ... edits", editorLabel(f.editor, f.base, bases), f.chain, metrics.BurdenSourceName(f.source))
		s.Charts = append(s.Charts, linesStep(fmt.Sprintf("burden-%d", i), title, f.steps, f.series, 1, "end"))
	}
	s.Tables = []Table{t}
	if rows := BurdenAgreementRows(ms, bases); len(rows) > 0 {
		s.Tables = append(s.Tables, Table{Caption: "Agreement between the sources of acceptability on the same images (nominal)", Head: BurdenAgreementHead(bases), Rows: rows})
	}
	if p := BurdenByCategory(ms, bases); len(p.Rows) > 0 {
		head, rows := pivotCells("Editor, chain, category", p)
		s.Tables = append(s.Tables, Table{Caption: "Mean edits to acceptable by category and target country", Head: head, Rows: rows})
	}
	return s, true
}

// writeBurden prints the burden table, then the differences between
// countries its tests find.
func writeBurden(w io.Writer, rows []BurdenRow, ms []store.Metric, ts []store.Test) error {
	fmt.Fprint(w, "\n"+wrap("Bias-correction burden: edits until an edit chain's image is acceptable (step 0 is the generated image), with 95% bootstrap intervals over chains:", "", "", TerminalWidth))
	bases := burdenBases(rows)
	t := newFitTable(w, 4+b2i(bases)) // each part repeats the row's key, through Target
	t.Header(BurdenHead(bases)...)
	for _, r := range rows {
		if err := t.Append(BurdenCells(r, bases)); err != nil {
			return err
		}
	}
	if err := t.Render(); err != nil {
		return err
	}
	if rows := BurdenAgreementRows(ms, bases); len(rows) > 0 {
		fmt.Fprintln(w, "\nAgreement between the sources of acceptability on the same images:")
		if err := writeRows(w, 2+b2i(bases), BurdenAgreementHead(bases), rows); err != nil {
			return err
		}
	}
	if p := BurdenByCategory(ms, bases); len(p.Rows) > 0 {
		fmt.Fprintln(w, "\nMean edits to acceptable, by category and target country:")
		if err := writePivotAs(w, "Editor, chain, category", p); err != nil {
			return err
		}
	}
	var sig []store.Test
	for _, x := range ts {
		if strings.HasPrefix(x.Metric, metrics.BurdenMeanSteps+"@") && x.PHolm < 0.05 {
			sig = append(sig, x)
		}
	}
	if len(sig) == 0 {
		return nil
	}
	fmt.Fprintln(w, "\nCountries whose burden differs (permutation test of mean edits, Holm-adjusted p < 0.05):")
	t = newFitTable(w, 2+b2i(bases))
	t.Header(withBase([]string{"Editor", "Measure", "Country A", "Country B", "A - B", "p (Holm)", "n A", "n B"}, bases, "Images of")...)
	for _, x := range sig {
		if err := t.Append(withBase([]string{x.Model, TestMeasure(x.Metric), x.A, x.B, fmt.Sprintf("%+.2f", x.Diff), fmt.Sprintf("%.4f", x.PHolm), fmt.Sprint(x.NA), fmt.Sprint(x.NB)}, bases, x.BaseModel)); err != nil {
			return err
		}
	}
	return t.Render()
}
