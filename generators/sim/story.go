package sim

import (
	"fmt"
	"math"
	"regexp"
	"strings"

	"github.com/blindspot-audit/blindspot/generators"
)

// Phrases of the story chain's prompts the simulated LLM recognises; the
// audit's prompts (audit/stories.go) contain them.
const (
	storyCharactersCue = "list the main characters"
	storyScenesCue     = "write one image prompt"
	storyRatingCue     = "rate the cultural authenticity"
)

// story writes a short children's story for a culture; each culturally
// specific item (name, place, kinship term, food) comes from the default
// culture instead with probability Leak.
func (p *Provider) story(req generators.ChatRequest, country string) *generators.Response {
	rng := rngFor("llm", req.Model, req.System, req.Prompt, fmt.Sprint(req.Seed))
	own, def := lexiconOf(country), lexiconOf(p.opts.Bias.DefaultCulture)
	pick := func(get func(lexicon) []string) string {
		l := own
		if country == "" || rng.Float64() < p.opts.Leak {
			l = def
		}
		xs := get(l)
		return xs[rng.IntN(len(xs))]
	}
	names := func(l lexicon) []string { return l.Names }
	text := fmt.Sprintf("Once upon a time, %s lived near %s with their %s. "+
		"Every morning %s shared %s with %s. "+
		"One day they went together to %s and learned that kindness is the greatest gift.",
		pick(names), pick(func(l lexicon) []string { return l.Places }), pick(func(l lexicon) []string { return l.Family }),
		pick(names), pick(func(l lexicon) []string { return l.Foods }), pick(names),
		pick(func(l lexicon) []string { return l.Places }))
	return p.textResponse(req, text)
}

func (p *Provider) textResponse(req generators.ChatRequest, text string) *generators.Response {
	return &generators.Response{
		Text:         text,
		Usage:        generators.Usage{InputTokens: tokens(req.System) + tokens(req.Prompt), OutputTokens: tokens(text)},
		ModelVersion: version(req.Model),
	}
}

var atMostRe = regexp.MustCompile(`(?i)at most (\d)`)

// characters lists the people a story names, "Name: role" per line, at
// most as many as the prompt asks.
func (p *Provider) characters(req generators.ChatRequest) *generators.Response {
	limit := 3
	if m := atMostRe.FindStringSubmatch(req.Prompt); m != nil {
		fmt.Sscan(m[1], &limit)
	}
	var lines []string
	seen := map[string]bool{}
	for _, n := range storyNames(req.Prompt) {
		if !seen[n] && len(lines) < limit {
			seen[n] = true
			lines = append(lines, fmt.Sprintf("%d. %s: a child in the story", len(lines)+1, n))
		}
	}
	return p.textResponse(req, "Main characters:\n"+strings.Join(lines, "\n"))
}

// storyNames are the lexicon names found in text, in order.
func storyNames(text string) []string {
	type hit struct {
		at   int
		name string
	}
	var hits []hit
	for _, l := range lexicons {
		for _, n := range l.Names {
			for i := 0; ; {
				j := strings.Index(text[i:], n)
				if j < 0 {
					break
				}
				hits = append(hits, hit{i + j, n})
				i += j + len(n)
			}
		}
	}
	for i := 1; i < len(hits); i++ {
		for k := i; k > 0 && hits[k].at < hits[k-1].at; k-- {
			hits[k], hits[k-1] = hits[k-1], hits[k]
		}
	}
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.name
	}
	return out
}

var characterLineRe = regexp.MustCompile(`(?m)^\s*(?:\d+[.)]\s*)?([^:\n]+):`)

// scenes writes one image prompt per character line of the prompt, set in
// the culture the prompt names.
func (p *Provider) scenes(req generators.ChatRequest) *generators.Response {
	country := findCountry(req.Prompt)
	place := lexiconOf(country).Places[0]
	var lines []string
	for _, m := range characterLineRe.FindAllStringSubmatch(req.Prompt, -1) {
		name := strings.TrimSpace(m[1])
		if name == "" || strings.Contains(strings.ToLower(name), "character") || strings.Contains(strings.ToLower(name), "story") {
			continue
		}
		lines = append(lines, fmt.Sprintf("%d. A children's book illustration of %s, a child from %s, at %s.", len(lines)+1, name, title(country), place))
	}
	return p.textResponse(req, strings.Join(lines, "\n"))
}

// rateStory rates a story's cultural authenticity from the share of its
// items that belong to the culture named in the prompt.
func (p *Provider) rateStory(req generators.ChatRequest) *generators.Response {
	country := findCountry(req.Prompt)
	own, other := 0, 0
	for name, l := range lexicons {
		for _, xs := range [][]string{l.Names, l.Family, l.Foods, l.Places} {
			for _, x := range xs {
				n := strings.Count(req.Prompt, x)
				if name == country {
					own += n
				} else {
					other += n
				}
			}
		}
	}
	r := 3
	if own+other > 0 {
		r = 1 + int(math.Round(4*float64(own)/float64(own+other)))
	}
	return p.textResponse(req, fmt.Sprintf("Rating: %d", r))
}
