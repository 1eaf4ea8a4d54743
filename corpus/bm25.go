package corpus

import (
	"math"
	"sort"
	"strings"
	"unicode"
)

// Index ranks passages with Okapi BM25 (k1 = 1.5, b = 0.75).
type Index struct {
	passages []Passage
	terms    []map[string]int
	lengths  []int
	df       map[string]int
	avgLen   float64
}

const (
	bm25K1 = 1.5
	bm25B  = 0.75
)

var stopwords = map[string]bool{"a": true, "an": true, "the": true, "of": true, "in": true, "and": true, "or": true, "to": true,
	"is": true, "are": true, "this": true, "that": true, "with": true, "for": true, "on": true, "from": true, "by": true, "as": true, "it": true}

// Tokens lower-cases a text and splits it into words without stopwords.
func Tokens(s string) []string {
	var out []string
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) }) {
		if !stopwords[w] {
			out = append(out, w)
		}
	}
	return out
}

// NewIndex indexes passages.
func NewIndex(ps []Passage) *Index {
	ix := &Index{passages: ps, df: map[string]int{}}
	total := 0
	for _, p := range ps {
		tf := map[string]int{}
		toks := Tokens(p.Title + " " + p.Section + " " + p.Text)
		for _, t := range toks {
			tf[t]++
		}
		for t := range tf {
			ix.df[t]++
		}
		ix.terms = append(ix.terms, tf)
		ix.lengths = append(ix.lengths, len(toks))
		total += len(toks)
	}
	if len(ps) > 0 {
		ix.avgLen = float64(total) / float64(len(ps))
	}
	return ix
}

func (ix *Index) score(i int, query []string) float64 {
	n := float64(len(ix.passages))
	var s float64
	for _, q := range query {
		f := float64(ix.terms[i][q])
		if f == 0 {
			continue
		}
		df := float64(ix.df[q])
		idf := math.Log(1 + (n-df+0.5)/(df+0.5))
		s += idf * f * (bm25K1 + 1) / (f + bm25K1*(1-bm25B+bm25B*float64(ix.lengths[i])/ix.avgLen))
	}
	return s
}

// Hit is a retrieved passage and its score.
type Hit struct {
	Passage Passage
	Score   float64
}

// Retrieve returns the top k passages for a query about an item of a
// country and category: passages of that country first, among them those
// of the category, each group ranked by BM25; other countries' passages
// only fill what remains. Ties keep corpus order.
func (ix *Index) Retrieve(query, country, category string, k int) []Hit {
	q := Tokens(query)
	type cand struct {
		i, tier int
		s       float64
	}
	var cs []cand
	for i, p := range ix.passages {
		tier := 3
		switch {
		case strings.EqualFold(p.Country, country) && category != "" && p.Category == category:
			tier = 0
		case strings.EqualFold(p.Country, country):
			tier = 1
		}
		s := ix.score(i, q)
		if tier == 3 && s == 0 {
			continue
		}
		cs = append(cs, cand{i, tier, s})
	}
	sort.SliceStable(cs, func(a, b int) bool {
		if cs[a].tier != cs[b].tier {
			return cs[a].tier < cs[b].tier
		}
		return cs[a].s > cs[b].s
	})
	out := make([]Hit, 0, min(k, len(cs)))
	for _, c := range cs[:min(k, len(cs))] {
		out = append(out, Hit{Passage: ix.passages[c.i], Score: c.s})
	}
	return out
}
