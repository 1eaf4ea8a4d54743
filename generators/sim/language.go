package sim

import (
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"unicode"

	"github.com/blindspot-audit/blindspot/generators"
	"github.com/blindspot-audit/blindspot/prompts"
)

// The simulator reads prompts in the languages of the built-in ECB
// schema's translations: it tells the language from the translation's
// words, finds the country by its name in that language and the era by
// the language's words for "modern" and "traditional". Text in no known
// language is English.

// tongue is what the simulator knows of one language.
type tongue struct {
	code      string
	markers   map[string]bool   // words of the language that English does not use
	unspaced  []string          // those of them written without spaces (Han, Hangul)
	countries []namedAs         // country names in the language, longest first
	eras      map[string]string // word -> "modern" or "traditional"
	home      string            // the first country that speaks it (lower case)
}

type namedAs struct{ name, country string }

// tongues is built on first use: a run that prompts only in English
// never pays for it.
var tongues = sync.OnceValue(func() []tongue {
	s, err := prompts.Builtin("ecb")
	if err != nil {
		panic(err) // the embedded schema is checked by its tests
	}
	english := map[string]bool{}
	// Common English words, so that an English prompt of one's own is
	// not read as a language whose translation uses the same letters.
	for _, w := range strings.Fields("a an the of in on at to for from by with and or is are this that these those photo image picture photorealistic realistic style") {
		english[w] = true
	}
	for _, w := range wordsOf(s.Templates.T2I + " " + s.Templates.T2IAgnostic) {
		english[w] = true
	}
	for _, c := range s.Categories {
		for _, sub := range c.Subcategories {
			for _, w := range wordsOf(prompts.Words(sub)) {
				english[w] = true
			}
		}
	}
	for _, vs := range s.VariantSets {
		for _, v := range vs {
			english[strings.ToLower(v)] = true
		}
	}
	for _, c := range s.Countries {
		for _, w := range wordsOf(c.Name + " " + strings.Join(c.Aliases, " ")) {
			english[w] = true
		}
	}
	var out []tongue
	for code, t := range s.Translations {
		tg := tongue{code: code, markers: map[string]bool{}, eras: map[string]string{}}
		if homes := s.HomeCountries(code); len(homes) > 0 {
			tg.home = strings.ToLower(homes[0])
		}
		words := []string{stripPlaceholders(t.Templates.T2I), stripPlaceholders(t.Templates.T2IAgnostic)}
		for _, w := range t.Subcategories {
			words = append(words, w)
		}
		for v, w := range t.Variants {
			words = append(words, w)
			if v == "modern" || v == "traditional" {
				tg.eras[strings.ToLower(w)] = v
			}
		}
		for c, w := range t.Countries {
			tg.countries = append(tg.countries, namedAs{strings.ToLower(w), strings.ToLower(c)})
		}
		for _, w := range words {
			for _, tok := range wordsOf(w) {
				if !english[tok] {
					tg.markers[tok] = true
				}
			}
		}
		for m := range tg.markers {
			if unspaced(m) {
				tg.unspaced = append(tg.unspaced, m)
			}
		}
		sort.Slice(tg.countries, func(i, j int) bool {
			a, b := tg.countries[i], tg.countries[j]
			if len(a.name) != len(b.name) {
				return len(a.name) > len(b.name)
			}
			return a.name < b.name
		})
		out = append(out, tg)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].code < out[j].code })
	return out
})

// wordsOf splits text into lower-case runs of letters and marks. A run
// of Han or Hangul script stays whole: words in those scripts are found by
// substring instead.
func wordsOf(text string) []string {
	return strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsMark(r)
	})
}

func stripPlaceholders(t string) string {
	var b strings.Builder
	depth := 0
	for _, r := range t {
		switch {
		case r == '{':
			depth++
		case r == '}':
			depth--
			b.WriteRune(' ')
		case depth == 0:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// unspaced reports whether a word is in a script written without spaces
// between words (Han, Hangul), where words are found by substring.
func unspaced(w string) bool {
	for _, r := range w {
		if unicode.In(r, unicode.Han, unicode.Hangul) {
			return true
		}
	}
	return false
}

// contains reports whether text (lower case, with its tokens) holds a
// word or phrase: by substring in unspaced scripts, else token by token.
func contains(text string, toks []string, phrase string) int {
	if unspaced(phrase) {
		return strings.Index(text, phrase)
	}
	pt := wordsOf(phrase)
	if len(pt) == 0 {
		return -1
	}
	for i := 0; i+len(pt) <= len(toks); i++ {
		if slices.Equal(toks[i:i+len(pt)], pt) {
			return i
		}
	}
	return -1
}

// minMarkers is how many of a language's own words a text needs to be
// read as that language.
const minMarkers = 2

// promptReading is what the simulator makes of a prompt's language.
type promptReading struct {
	lang    string // ISO 639 code; "en" when no other language is found
	country string // the country named, lower case, or ""
	era     string // "modern", "traditional" or ""
	subject string // the text without its country and era words
}

// readPrompt tells a text's language and finds its country and era. English
// text is read as it always was.
func readPrompt(text string) promptReading {
	lower := strings.ToLower(text)
	toks := wordsOf(lower)
	// Each distinct word counts once; words in unspaced scripts are looked
	// for only in a text that has such letters. This is called for every
	// image, English included, so it looks words up rather than scanning
	// every language's list.
	distinct := map[string]bool{}
	for _, w := range toks {
		if !unspaced(w) {
			distinct[w] = true
		}
	}
	hasUnspaced := unspaced(lower)
	var best *tongue
	bestHits := 0
	ts := tongues()
	for i := range ts {
		hits := 0
		for w := range distinct {
			if ts[i].markers[w] {
				hits++
			}
		}
		if hasUnspaced {
			for _, m := range ts[i].unspaced {
				if strings.Contains(lower, m) {
					hits++
				}
			}
		}
		if hits >= minMarkers && hits > bestHits {
			best, bestHits = &ts[i], hits
		}
	}
	if best == nil {
		r := promptReading{lang: prompts.English, country: findCountry(text)}
		if m := eraRe.FindString(text); m != "" {
			r.era = strings.ToLower(m)
		}
		r.subject = eraRe.ReplaceAllString(lower, "")
		if r.country != "" {
			r.subject = strings.ReplaceAll(r.subject, r.country, "")
		}
		return r
	}
	r := promptReading{lang: best.code, subject: lower}
	at := -1
	for _, n := range best.countries {
		if i := contains(lower, toks, n.name); i >= 0 && (at < 0 || i < at) {
			r.country, at = n.country, i
			r.subject = strings.ReplaceAll(r.subject, n.name, " ")
		}
	}
	if r.country == "" {
		r.country = findCountry(text)
	}
	for _, w := range slices.Sorted(maps.Keys(best.eras)) {
		if contains(lower, toks, w) >= 0 {
			if r.era == "" {
				r.era = best.eras[w]
			}
			r.subject = strings.ReplaceAll(r.subject, w, " ")
		}
	}
	return r
}

// homeOf is the country an agnostic prompt in a language may point to:
// the language effect's own, else the schema's first speaker of it.
func homeOf(lang string, e LanguageEffect) string {
	if e.Country != "" {
		return strings.ToLower(e.Country)
	}
	for _, t := range tongues() {
		if t.code == lang {
			return t.home
		}
	}
	return ""
}

// translated maps each prompt of the built-in grid in a translation to
// its language and its English source. A known translation is drawn with
// the random numbers of its source, on the source's layout: the pair
// differs only by the language effect, as a paired design wants.
var translated = sync.OnceValue(func() map[string]translation {
	s, err := prompts.Builtin("ecb")
	if err != nil {
		panic(err)
	}
	langs := slices.Sorted(maps.Keys(s.Translations))
	ps, err := prompts.Expand(s, prompts.Selection{Sets: prompts.KnownSets(), Languages: langs})
	if err != nil {
		panic(err)
	}
	out := make(map[string]translation, len(ps))
	for _, p := range ps {
		out[p.Text] = translation{p.Language, p.Source}
	}
	return out
})

type translation struct{ lang, source string }

// forward maps an English prompt of the built-in grid and a language code
// to the schema's translation of it.
var forward = sync.OnceValue(func() map[[2]string]string {
	out := make(map[[2]string]string, len(translated()))
	for text, t := range translated() {
		out[[2]string{t.source, t.lang}] = text
	}
	return out
})

// translateRe is the translator's request: "Translate into NAME (CODE):"
// and the text on the next line.
var translateRe = regexp.MustCompile(`(?s)^Translate into [^\n]*\(([a-z]{2,3})\):\n(.*)$`)

// translate answers a translation request as a translator that knows the
// built-in schema's translations: a prompt of the built-in grid gets the
// schema's text (and comes back into English as its source); any other
// text comes back marked "[code] text", and a marked text loses its mark
// on the way back into English.
func (p *Provider) translate(req generators.ChatRequest) *generators.Response {
	m := translateRe.FindStringSubmatch(req.Prompt)
	code, text := m[1], strings.TrimSpace(m[2])
	out := "[" + code + "] " + text
	switch t, ok := translated()[text]; {
	case code == prompts.English && ok:
		out = t.source
	case code == prompts.English:
		if i := strings.Index(text, "] "); strings.HasPrefix(text, "[") && i > 0 {
			out = text[i+2:]
		} else {
			out = text
		}
	default:
		if f, ok := forward()[[2]string{text, code}]; ok {
			out = f
		}
	}
	return &generators.Response{Text: out, Usage: generators.Usage{InputTokens: len(req.Prompt) / 4, OutputTokens: len(out) / 4}, ModelVersion: version(req.Model)}
}

// yesNoIn are the simulator judge's yes and no in the languages it
// answers questions marked by its translator.
var yesNoIn = map[string][2]string{
	"zh": {"是的", "不是"}, "ko": {"네", "아니요"}, "hi": {"हाँ", "नहीं"}, "sw": {"Ndiyo", "Hapana"},
	"yo": {"Bẹ́ẹ̀ni", "Rárá"}, "ha": {"Eh", "A'a"}, "ig": {"Ee", "Mba"},
}

// unmark splits a text its translator marked "[code] text" into the text
// and the code ("" when unmarked).
func unmark(s string) (string, string) {
	if m := markRe.FindStringSubmatch(s); m != nil {
		return m[2], m[1]
	}
	return s, ""
}

var markRe = regexp.MustCompile(`(?s)^\[([a-z]{2,3})\] (.*)$`)
