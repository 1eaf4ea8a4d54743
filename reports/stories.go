package reports

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/blindspot-audit/blindspot/audit/metrics"
	"github.com/blindspot-audit/blindspot/audit/store"
)

// StoryRow is one writer and nationality's story measures.
type StoryRow struct {
	Model, Country                                  string
	Density, Leakage, Rating, Within, Across, Vendi *store.Metric
	Words                                           []string
}

// StoryRows gathers the story metrics and distinctive words by writer and
// nationality, in a stable order.
func StoryRows(ms []store.Metric, words []store.StoryWord) []StoryRow {
	var out []StoryRow
	at := map[[2]string]int{}
	row := func(model, country string) *StoryRow {
		k := [2]string{model, country}
		i, ok := at[k]
		if !ok {
			i = len(out)
			at[k] = i
			out = append(out, StoryRow{Model: model, Country: country})
		}
		return &out[i]
	}
	for _, m := range ms {
		if m.PromptSet != "story" || m.Category != "" {
			continue
		}
		m := m
		switch m.Name {
		case metrics.MetricCSIDensity:
			row(m.Model, m.Country).Density = &m
		case metrics.MetricCSILeakage:
			row(m.Model, m.Country).Leakage = &m
		case metrics.MetricStoryRating:
			row(m.Model, m.Country).Rating = &m
		case metrics.MetricStorySimWithin:
			row(m.Model, m.Country).Within = &m
		case metrics.MetricStorySimAcross:
			row(m.Model, m.Country).Across = &m
		case metrics.MetricStoryVendi:
			row(m.Model, m.Country).Vendi = &m
		}
	}
	for _, w := range words {
		r := row(w.Model, w.Country)
		r.Words = append(r.Words, w.Word)
	}
	slices.SortStableFunc(out, func(a, b StoryRow) int { return strings.Compare(a.Model+"\x00"+a.Country, b.Model+"\x00"+b.Country) })
	return out
}

var storyHead = []string{"Writer", "Nationality", "Items per 100 words", "Leakage (share of items from other cultures)", "LLM rating", "Similarity within", "Similarity across", "Vendi", "Distinctive words"}

func (r StoryRow) cells() []string {
	return []string{r.Model, r.Country, cellOr(r.Density), cellOr(r.Leakage), cellOr(r.Rating), cellOr(r.Within), cellOr(r.Across), cellOr(r.Vendi), strings.Join(r.Words, ", ")}
}

func writeStories(w io.Writer, rows []StoryRow) error {
	fmt.Fprintln(w, "\nStories: culturally specific items (CSIs), leakage of other cultures' items, similarity and diversity, by writer and nationality (95% CI):")
	t := newFitTable(w, 2)
	head := storyHead[:len(storyHead)-1] // the words are in the report
	t.Header(head...)
	for _, r := range rows {
		if err := t.Append(r.cells()[:len(head)]); err != nil {
			return err
		}
	}
	return t.Render()
}

// SampleStory is a story shown in the report, with its scenes.
type SampleStory struct {
	Country, Identity, Concept, Model, Text string
	Characters                              []string
	Scenes                                  []Frame
	Page                                    string // the scenes' group page
}

// samplesPerCountry is how many stories per nationality the report shows.
const samplesPerCountry = 2

// storySection builds the story part of the report from the stored story
// metrics, similarity, words and stories.
func storySection(ctx context.Context, run *store.Run, ms []store.Metric, groups []Group) (Section, []SampleStory, error) {
	sims, words, err := run.StoryAnalysis(ctx)
	if err != nil {
		return Section{}, nil, err
	}
	rows := StoryRows(ms, words)
	if len(rows) == 0 {
		return Section{}, nil, nil
	}
	s := Section{ID: "stories", Title: "Stories: culturally specific items, leakage, similarity",
		Note: "Culturally specific items are names, kinship terms, places, foods, festivals and clothing from the lexicon; leakage is the share of a story's items that belong only to other cultures (e.g. default-culture names in a Kenyan story). Similarity is the mean cosine of stories' word bigrams (or text embeddings) within a nationality and across nationalities."}
	var xs []string
	var dens, leak []*store.Metric
	for _, r := range rows {
		xs = append(xs, r.Country+" ("+r.Model+")")
		dens, leak = append(dens, r.Density), append(leak, r.Leakage)
	}
	s.Charts = append(s.Charts, ciBars("stories-leakage", "Leakage of other cultures' items", xs, []ciSeries{{Name: "leakage", Vals: leak}}, 1))
	maxDensity := 1.0
	for _, d := range dens {
		if d != nil && d.CIHigh != nil {
			maxDensity = max(maxDensity, *d.CIHigh)
		}
	}
	s.Charts = append(s.Charts, ciBars("stories-density", "CSIs per 100 words", xs, []ciSeries{{Name: "density", Vals: dens}}, float64(int(maxDensity)+1)))
	writers := map[string]bool{}
	for _, x := range sims {
		writers[x.Model] = true
	}
	simTable := Table{Caption: "Similarity between nationalities' stories", Head: []string{"Writer", "Nationality A", "Nationality B", "Mean similarity", "Pairs", "Method"}}
	for i, w := range slices.Sorted(func(yield func(string) bool) {
		for k := range writers {
			if !yield(k) {
				return
			}
		}
	}) {
		cells := map[[2]string]store.Metric{}
		var names []string
		for _, x := range sims {
			if x.Model != w {
				continue
			}
			cells[[2]string{x.A, x.B}] = store.Metric{Value: x.Value, N: x.N}
			if !slices.Contains(names, x.A) {
				names = append(names, x.A)
			}
			simTable.Rows = append(simTable.Rows, []string{w, x.A, x.B, f2(x.Value), fmt.Sprint(x.N), x.Method})
		}
		s.Charts = append(s.Charts, heatmap(fmt.Sprintf("stories-similarity-%d", i), "Story similarity: "+w, names, names, cells))
	}
	t := Table{Head: storyHead}
	for _, r := range rows {
		t.Rows = append(t.Rows, r.cells())
	}
	s.Tables = []Table{t, simTable}
	stories, err := run.Stories(ctx)
	if err != nil {
		return Section{}, nil, err
	}
	byPrompt := map[string]Group{}
	for _, g := range groups {
		byPrompt[g.PromptID] = g
	}
	var samples []SampleStory
	shown := map[string]int{}
	for _, st := range stories {
		if st.Status != store.StatusOK || shown[st.Country] >= samplesPerCountry {
			continue
		}
		shown[st.Country]++
		ss := SampleStory{Country: st.Country, Identity: st.Identity, Concept: st.Concept, Model: st.Model, Text: st.Text, Characters: st.Characters}
		for i := range st.ScenePrompts {
			if g, ok := byPrompt[fmt.Sprintf("%s-scene%d", st.ID, i+1)]; ok && len(g.Frames) > 0 {
				f := g.Frames[0]
				f.Instruction = g.Prompt
				ss.Scenes = append(ss.Scenes, f)
				ss.Page = g.Page
			}
		}
		samples = append(samples, ss)
	}
	return s, samples, nil
}
