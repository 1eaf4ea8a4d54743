package vqa

import (
	"regexp"
	"sort"
	"strings"
	"sync"
)

// Choice is one country the attribution question offers, with the other
// names an answer may call it by: its demonym ("Korean") and aliases
// ("South Korea", "ROK"). An alias written in capitals of at most three
// letters ("US") matches only in capitals, so the pronoun "us" is not the
// United States.
type Choice struct {
	Name    string
	Aliases []string
}

// Choices makes bare choices from country names.
func Choices(names []string) []Choice {
	out := make([]Choice, len(names))
	for i, n := range names {
		out[i] = Choice{Name: n}
	}
	return out
}

// otherPhrases name the "Other" option in words.
var otherPhrases = []string{"other", "none of the above", "none of these", "none of the options", "not listed", "another country", "a different country", "some other country"}

// notCountries are place phrases that contain a country's name or alias
// without naming it ("North America" holds "America").
var notCountries = []string{"north america", "south america", "latin america", "central america", "african american", "asian american",
	"native american", "indian ocean", "west indies", "east indies", "south asia", "east asia", "korean peninsula", "indo-chinese"}

// ParseCountry finds which listed country an answer names; see
// ParseAttribution.
func ParseCountry(raw string, names []string) string { return ParseAttribution(raw, Choices(names)) }

// ParseAttribution reads the answer to the attribution question, whose
// options are the choices in order followed by "Other". It accepts the
// option letter ("B", "(B)", "Answer: B) India"), the country's name, its
// demonym or an alias, a sentence that names exactly one of them (or leads
// with one: "Korea, or possibly China"), JSON ({"answer": "Kenya"}), and a
// country outside the list or "none of the above" as Other. A mention
// after "not", "rather than" or "instead of" does not count. It returns
// the choice's name, Other, Refused, or Unparsed (a bare yes/no, two
// countries, none).
func ParseAttribution(raw string, choices []Choice) string {
	raw = prepare(raw)
	if v, ok := jsonField(raw, "answer", "country", "choice", "option", "response", "result", "label", "prediction"); ok {
		return ParseAttribution(v, choices)
	}
	clean := strings.TrimSpace(markupRe.ReplaceAllString(raw, ""))
	// An option letter at the start of the answer.
	letter := ""
	if m := optionLetterRe.FindStringSubmatch(clean); m != nil {
		l := m[1] + m[2] + m[3]
		i := int(strings.ToUpper(l)[0] - 'A')
		switch {
		case i < len(choices):
			letter = choices[i].Name
		case i == len(choices):
			letter = Other
		}
	}
	mentions := findMentions(clean, choices)
	if letter != "" {
		for _, m := range mentions {
			if m.name != letter {
				// "B) Nigeria" where B is India: the answer contradicts itself.
				return Unparsed
			}
		}
		return letter
	}
	distinct := map[string]bool{}
	for _, m := range mentions {
		distinct[m.name] = true
	}
	switch {
	case len(distinct) == 1:
		return mentions[0].name
	case len(distinct) > 1 && leadsWith(clean, mentions[0]):
		return mentions[0].name
	case len(distinct) > 1:
		return Unparsed
	}
	if refusalRe.MatchString(strings.ToLower(clean)) {
		return Refused
	}
	return Unparsed
}

// optionLetterRe finds an option letter that opens an answer: "B",
// "(b)", "B)", "B.", "B -", "Answer: B", "Option C", "The answer is D."
// A capital letter followed by a word ("A traditional house") is not one.
var optionLetterRe = regexp.MustCompile(`^(?i:(?:(?:my |the |final )?(?:answer|option|choice)(?: is)?\s*[:\-]?\s*))?(?:\(([A-Za-z])\)|([A-Z])(?:[.):,]|\s*$|\s+[-–—:]\s)|([a-z])(?:[.)]|\s*$))`)

// leadsWith reports whether the answer opens with the mention: the
// first three words, after a lead such as "Answer:".
func leadsWith(s string, m mention) bool {
	head := leadRe.ReplaceAllString(asciiLower(s), "")
	off := len(s) - len(head)
	return len(strings.Fields(s[:min(m.at, len(s))])) <= 3 && m.at >= off && len(strings.Fields(s[off:m.at])) <= 2
}

type mention struct {
	name    string
	at, end int
}

// negationRe ends a text that negates what follows it.
var negationRe = regexp.MustCompile(`(?i)(?:\bnot(?:\s+(?:from|in|of|the))?|\brather than|\binstead of|\bunlike|\bisn't|\bnor)\s*$`)

// findMentions lists the countries an answer names, in order, without
// those inside a longer name (North Korea, North America) or negated.
func findMentions(s string, choices []Choice) []mention {
	ls := asciiLower(s)
	type span struct {
		name       string
		start, end int
	}
	var spans []span
	add := func(name string, re *regexp.Regexp, text string) {
		for _, loc := range re.FindAllStringSubmatchIndex(text, -1) {
			if len(loc) >= 4 { // the name is the first group
				loc = loc[2:4]
			}
			spans = append(spans, span{name, loc[0], loc[1]})
		}
	}
	taken := map[string]bool{}
	for _, c := range choices {
		for _, n := range append([]string{c.Name}, c.Aliases...) {
			n = strings.TrimSpace(markupRe.ReplaceAllString(n, ""))
			if n == "" {
				continue
			}
			taken[strings.ToLower(n)] = true
			if isCapsAbbrev(n) {
				add(c.Name, nameRegexpCase(n), s)
			} else {
				add(c.Name, nameRegexp(n), ls)
			}
		}
	}
	for _, n := range otherPhrases {
		add(Other, nameRegexp(n), ls)
	}
	add(Other, worldRegexp(taken), ls)
	for _, loc := range worldCasedRe.FindAllStringIndex(s, -1) {
		if !taken[asciiLower(s[loc[0]:loc[1]])] {
			spans = append(spans, span{Other, loc[0], loc[1]})
		}
	}
	for _, n := range notCountries {
		add("", nameRegexp(n), ls)
	}
	// The longest span at a place wins; spans inside it are dropped.
	sort.Slice(spans, func(i, j int) bool {
		if spans[i].start != spans[j].start {
			return spans[i].start < spans[j].start
		}
		return spans[i].end > spans[j].end
	})
	var out []mention
	end := -1
	for _, sp := range spans {
		if sp.start < end {
			continue
		}
		end = sp.end
		if sp.name == "" || negationRe.MatchString(s[:sp.start]) {
			continue
		}
		// "other" as a word in a sentence ("and other details") is not the
		// Other option unless it is the whole answer.
		if sp.name == Other && ls[sp.start:sp.end] == "other" && len(strings.Fields(ls)) > 2 {
			continue
		}
		out = append(out, mention{sp.name, sp.start, sp.end})
	}
	return out
}

func isCapsAbbrev(n string) bool {
	letters := 0
	for _, r := range n {
		switch {
		case r >= 'A' && r <= 'Z':
			letters++
		case r == '.':
		default:
			return false
		}
	}
	return letters > 0 && letters <= 3
}

var caseRegexps sync.Map

// nameRegexpCase matches a capitals-only alias such as "US" or "U.S."
// case-sensitively.
func nameRegexpCase(name string) *regexp.Regexp {
	if re, ok := caseRegexps.Load(name); ok {
		return re.(*regexp.Regexp)
	}
	re := regexp.MustCompile(`(?:^|[^A-Za-z.])(` + regexp.QuoteMeta(name) + `)(?:$|[^A-Za-z])`)
	caseRegexps.Store(name, re)
	return re
}

// asciiLower lowers A-Z only, so that byte offsets in the result are
// offsets in s (strings.ToLower may change the length of other letters).
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
