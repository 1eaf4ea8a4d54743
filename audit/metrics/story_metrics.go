package metrics

import (
	"context"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"

	"github.com/blindspot-audit/blindspot/audit/diversity"
	"github.com/blindspot-audit/blindspot/audit/stats"
	"github.com/blindspot-audit/blindspot/audit/store"
	"github.com/blindspot-audit/blindspot/corpus/lexicon"
)

// Story metrics, per writer x nationality (Country), with bootstrap CIs
// over stories; the per-kind ones carry the kind in Category.
const (
	// MetricCSIDensity is culturally specific items per 100 words.
	MetricCSIDensity = "story_csi_density"
	// MetricCSICount is culturally specific items per story.
	MetricCSICount = "story_csi_count"
	// MetricCSILeakage is the share of a story's items that belong to
	// another culture's lexicon and not to the story's own.
	MetricCSILeakage = "story_csi_leakage"
	// MetricStoryRating is the LLM's 1-5 cultural rating.
	MetricStoryRating = "story_llm_rating"
	// MetricStoryVendi is the Vendi score of a nationality's stories under
	// the word-bigram cosine kernel.
	MetricStoryVendi = "story_vendi"
	// MetricStorySimWithin and MetricStorySimAcross are the mean
	// similarity of a nationality's stories with each other and with the
	// other nationalities' stories.
	MetricStorySimWithin = "story_similarity_within"
	MetricStorySimAcross = "story_similarity_across"
)

// Bounds of the story analysis: similarity and Vendi use at most
// maxStoriesPerGroup stories per nationality (a seeded sample), which
// keeps the pairwise work bounded on large runs.
const (
	maxStoriesPerGroup = 200
	distinctiveWords   = 10
	storyNgram         = 2
)

// storyLexicon is the default lexicon extended by the files the run was
// made with (stored in the run's meta).
func storyLexicon(info store.RunInfo) (*lexicon.Lexicon, error) {
	lex := lexicon.Default()
	for _, f := range info.StoryLexicon {
		if err := lex.Add(f[0], []byte(f[1])); err != nil {
			return nil, err
		}
	}
	return lex, nil
}

// StoryCSI is what the lexicon finds in one story.
type StoryCSI struct {
	Words, Items, Leaked int
	// ByKind counts items and leaked items per kind.
	ByKind map[string][2]int
	// LeakedFrom counts leaked items by the culture they belong to.
	LeakedFrom map[string]int
}

// MeasureCSI counts a story's culturally specific items and how many
// belong only to other cultures than country.
func MeasureCSI(lex *lexicon.Lexicon, text, country string) StoryCSI {
	m := StoryCSI{Words: len(lexicon.Words(text)), ByKind: map[string][2]int{}, LeakedFrom: map[string]int{}}
	for _, h := range lex.Find(text) {
		m.Items++
		k := h.Kind(country)
		c := m.ByKind[k]
		c[0]++
		if !h.Belongs(country) {
			m.Leaked++
			c[1]++
			m.LeakedFrom[h.Owners[0].Country]++
		}
		m.ByKind[k] = c
	}
	return m
}

func storyMetrics(ctx context.Context, run *store.Run, info store.RunInfo) ([]store.Metric, error) {
	stories, err := run.Stories(ctx)
	if err != nil {
		return nil, err
	}
	var ok []store.Story
	for _, s := range stories {
		if s.Status == store.StatusOK {
			ok = append(ok, s)
		}
	}
	if len(ok) == 0 {
		return nil, run.ReplaceStoryAnalysis(nil, nil)
	}
	lex, err := storyLexicon(info)
	if err != nil {
		return nil, err
	}
	var g groups
	for _, s := range ok {
		m := MeasureCSI(lex, s.Text, s.Country)
		key := store.Metric{Model: s.Model, PromptSet: "story", Country: s.Country}
		key.Name = MetricCSICount
		g.add(key, float64(m.Items))
		if m.Words > 0 {
			key.Name = MetricCSIDensity
			g.add(key, 100*float64(m.Items)/float64(m.Words))
		}
		if m.Items > 0 {
			key.Name = MetricCSILeakage
			g.add(key, float64(m.Leaked)/float64(m.Items))
		}
		for _, kind := range lexicon.Kinds {
			c, found := m.ByKind[kind]
			k := key
			k.Category = kind
			if m.Words > 0 {
				k.Name = MetricCSIDensity
				g.add(k, 100*float64(c[0])/float64(m.Words))
			}
			if found && c[0] > 0 {
				k.Name = MetricCSILeakage
				g.add(k, float64(c[1])/float64(c[0]))
			}
		}
		if s.RatingPrompt != "" {
			// Asked: an unreadable rating is missing data, not a 0.
			key.Name = MetricStoryRating
			g.answerOne(key, float64(s.Rating), s.Rating > 0)
		}
	}
	out := g.means()
	sims, simMetrics, err := storySimilarity(ctx, run, ok, info.StorySimilarity)
	if err != nil {
		return nil, err
	}
	out = append(out, simMetrics...)
	words := distinctive(ok)
	if err := run.ReplaceStoryAnalysis(sims, words); err != nil {
		return nil, fmt.Errorf("storing the story analysis: %w", err)
	}
	return out, nil
}

// sampleStories keeps at most maxStoriesPerGroup stories per writer and
// nationality, seeded, in a stable order.
func sampleStories(ss []store.Story) map[[2]string][]store.Story {
	by := map[[2]string][]store.Story{}
	for _, s := range ss {
		k := [2]string{s.Model, s.Country}
		by[k] = append(by[k], s)
	}
	for k, list := range by {
		if len(list) > maxStoriesPerGroup {
			seed := stats.Seed("stories", k[0], k[1])
			rng := rand.New(rand.NewPCG(seed, seed>>1|1))
			rng.Shuffle(len(list), func(i, j int) { list[i], list[j] = list[j], list[i] })
			list = list[:maxStoriesPerGroup]
			sort.Slice(list, func(i, j int) bool { return list[i].ID < list[j].ID })
			by[k] = list
		}
	}
	return by
}

// storySimilarity computes the nationality x nationality similarity
// matrix per writer, the within/across metrics and the story Vendi score.
func storySimilarity(ctx context.Context, run *store.Run, ss []store.Story, method string) ([]store.StorySimilarity, []store.Metric, error) {
	by := sampleStories(ss)
	writers := map[string][]string{}
	for k := range by {
		writers[k[0]] = append(writers[k[0]], k[1])
	}
	var sims []store.StorySimilarity
	var out []store.Metric
	for _, w := range slices.Sorted(maps.Keys(writers)) {
		countries := writers[w]
		sort.Strings(countries)
		var texts []string
		var owner []int
		for ci, c := range countries {
			for _, s := range by[[2]string{w, c}] {
				texts = append(texts, s.Text)
				owner = append(owner, ci)
			}
		}
		k, used := storyKernel(ctx, run, texts, method)
		for ai, a := range countries {
			across, acrossN := 0.0, 0
			for bi, b := range countries {
				sum, n := 0.0, 0
				for i := range texts {
					if owner[i] != ai {
						continue
					}
					for j := range texts {
						if owner[j] != bi || i == j || (ai == bi && j < i) {
							continue
						}
						sum += k[i][j]
						n++
					}
				}
				if n == 0 {
					continue
				}
				sims = append(sims, store.StorySimilarity{Model: w, A: a, B: b, Method: used, Value: sum / float64(n), N: n})
				if ai == bi {
					out = append(out, store.Metric{Name: MetricStorySimWithin, Model: w, PromptSet: "story", Country: a, Value: sum / float64(n), N: n})
				} else {
					across += sum
					acrossN += n
				}
			}
			if acrossN > 0 {
				out = append(out, store.Metric{Name: MetricStorySimAcross, Model: w, PromptSet: "story", Country: a, Value: across / float64(acrossN), N: acrossN})
			}
			// Vendi of this nationality's stories.
			var idx []int
			for i := range texts {
				if owner[i] == ai {
					idx = append(idx, i)
				}
			}
			if len(idx) >= 2 {
				sub := make([][]float64, len(idx))
				for x, i := range idx {
					sub[x] = make([]float64, len(idx))
					for y, j := range idx {
						sub[x][y] = k[i][j]
					}
				}
				v, err := diversity.FromKernel(sub, 1)
				if err != nil {
					return nil, nil, fmt.Errorf("story Vendi of %s: %w", a, err)
				}
				out = append(out, store.Metric{Name: MetricStoryVendi, Model: w, PromptSet: "story", Country: a, Value: v, N: len(idx)})
			}
		}
	}
	return sims, out, nil
}

// storyKernel is the cosine similarity of the texts' stored text
// embeddings when the spec asked for embedding similarity and every text
// has one, and of their word-bigram counts otherwise.
func storyKernel(ctx context.Context, run *store.Run, texts []string, method string) ([][]float64, string) {
	if method == "embedding" {
		if vecs, ok := storedTextEmbeddings(ctx, run, texts); ok {
			return diversity.CosineKernel(vecs), "embedding"
		}
	}
	return ngramKernel(texts, storyNgram), "ngram"
}

// storedTextEmbeddings reads the texts' vectors in one query (for a text
// embedded by several embedders, the first by name, as before); ok is
// false unless every text has one.
func storedTextEmbeddings(ctx context.Context, run *store.Run, texts []string) ([][]float64, bool) {
	stored, err := run.DB().TextEmbeddings(ctx)
	if err != nil {
		return nil, false
	}
	want := make(map[string]bool, len(texts))
	for _, t := range texts {
		want[t] = true
	}
	have := map[string][]float64{}
	for _, e := range stored {
		if want[e.Text] && have[e.Text] == nil {
			have[e.Text] = e.Vector
		}
	}
	vecs := make([][]float64, len(texts))
	for i, t := range texts {
		if vecs[i] = have[t]; vecs[i] == nil {
			return nil, false
		}
	}
	return vecs, true
}

// ngramKernel is the cosine similarity of word n-gram counts, computed on
// sparse vectors: a long story has few of the n-grams all stories share.
func ngramKernel(texts []string, n int) [][]float64 {
	vecs := make([]map[string]float64, len(texts))
	for t, text := range texts {
		ws := lexicon.Words(text)
		v := map[string]float64{}
		for i := 0; i+n <= len(ws); i++ {
			v[strings.Join(ws[i:i+n], " ")]++
		}
		norm := 0.0
		for _, c := range v {
			norm += c * c
		}
		for g := range v {
			if norm > 0 {
				v[g] /= math.Sqrt(norm)
			}
		}
		vecs[t] = v
	}
	k := make([][]float64, len(texts))
	for i := range k {
		k[i] = make([]float64, len(texts))
	}
	for i := range vecs {
		k[i][i] = 1
		for j := i + 1; j < len(vecs); j++ {
			a, b := vecs[i], vecs[j]
			if len(b) < len(a) {
				a, b = b, a
			}
			dot := 0.0
			for g, x := range a {
				dot += x * b[g]
			}
			k[i][j], k[j][i] = dot, dot
		}
	}
	return k
}

// stopwords are left out of the distinctive words.
var stopwords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`the a an and or but of to in on at for with from by as is was were are be been it its they them their
		he she his her him we our you your i me my this that these those there then than so too very can could would should will
		one two all any some every each no not only just also into out up down over after before again once upon time day who what
		when where which while how had has have did do does said says like little big new old went go going came come got get made make`) {
		stopwords[w] = true
	}
}

// distinctive ranks words by tf-idf with nationalities as documents: how
// often a nationality's stories use a word, discounted by how many
// nationalities use it.
func distinctive(ss []store.Story) []store.StoryWord {
	type doc struct {
		tf    map[string]float64
		total float64
	}
	docs := map[[2]string]*doc{}
	for _, s := range ss {
		k := [2]string{s.Model, s.Country}
		d := docs[k]
		if d == nil {
			d = &doc{tf: map[string]float64{}}
			docs[k] = d
		}
		for _, w := range lexicon.Words(s.Text) {
			if len(w) < 3 || stopwords[w] {
				continue
			}
			d.tf[w]++
			d.total++
		}
	}
	var out []store.StoryWord
	writers := map[string][]string{}
	for k := range docs {
		writers[k[0]] = append(writers[k[0]], k[1])
	}
	for _, w := range slices.Sorted(maps.Keys(writers)) {
		countries := writers[w]
		sort.Strings(countries)
		df := map[string]int{}
		for _, c := range countries {
			for word := range docs[[2]string{w, c}].tf {
				df[word]++
			}
		}
		for _, c := range countries {
			d := docs[[2]string{w, c}]
			type scored struct {
				word  string
				score float64
			}
			var list []scored
			for word, n := range d.tf {
				idf := math.Log(float64(len(countries)) / float64(df[word]))
				if idf <= 0 {
					continue
				}
				list = append(list, scored{word, n / d.total * idf})
			}
			sort.Slice(list, func(i, j int) bool {
				if list[i].score != list[j].score {
					return list[i].score > list[j].score
				}
				return list[i].word < list[j].word
			})
			for r, s := range list[:min(len(list), distinctiveWords)] {
				out = append(out, store.StoryWord{Model: w, Country: c, Rank: r + 1, Word: s.word, Score: s.score})
			}
		}
	}
	return out
}
