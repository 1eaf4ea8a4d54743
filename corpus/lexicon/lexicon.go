package lexicon

import (
	"bytes"
	_ "embed"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"unicode"

	"go.yaml.in/yaml/v3"
)

//go:embed default.yaml
var defaultYAML []byte

// Kinds of item.
var Kinds = []string{"names", "kinship", "places", "foods", "festivals", "clothing"}

// maxWords is the longest term, in words.
const maxWords = 4

// Lexicon maps terms to the cultures (and kinds) they belong to.
type Lexicon struct {
	terms map[string][]Owner // lower-cased words joined by one space
	// Countries are the cultures the lexicon knows, sorted.
	Countries []string
}

// Owner is a culture and the kind of item a term is there.
type Owner struct {
	Country, Kind string
}

// Hit is one item found in a text.
type Hit struct {
	Term   string
	Owners []Owner
}

// Default is the embedded lexicon.
func Default() *Lexicon {
	l := &Lexicon{terms: map[string][]Owner{}}
	if err := l.Add("default", defaultYAML); err != nil {
		panic(err) // the embedded file is tested
	}
	return l
}

// Add merges a lexicon file (country -> kind -> terms) into l; name is
// the file's name for messages.
func (l *Lexicon) Add(name string, data []byte) error {
	var doc map[string]map[string][]string
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	known := map[string]bool{}
	for _, k := range Kinds {
		known[k] = true
	}
	for _, country := range slices.Sorted(maps.Keys(doc)) {
		for _, kind := range slices.Sorted(maps.Keys(doc[country])) {
			if !known[kind] {
				return fmt.Errorf("%s: %s.%s: unknown kind (known: %s)", name, country, kind, strings.Join(Kinds, ", "))
			}
			for i, t := range doc[country][kind] {
				key := strings.Join(Words(t), " ")
				if key == "" || len(Words(t)) > maxWords {
					return fmt.Errorf("%s: %s.%s[%d]: a term is 1 to %d words, got %q", name, country, kind, i, maxWords, t)
				}
				o := Owner{country, kind}
				if !contains(l.terms[key], o) {
					l.terms[key] = append(l.terms[key], o)
				}
			}
		}
		if !contains2(l.Countries, country) {
			l.Countries = append(l.Countries, country)
			sort.Strings(l.Countries)
		}
	}
	return nil
}

// Words splits text into lower-case words (letters, digits, apostrophes
// and inner hyphens), the unit of matching.
func Words(text string) []string {
	return strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsNumber(r) && r != '\'' && r != '-'
	})
}

// Find returns the items in text, longest match first at each position,
// in order of appearance.
func (l *Lexicon) Find(text string) []Hit {
	ws := Words(text)
	var out []Hit
	for i := 0; i < len(ws); {
		matched := 0
		for n := min(maxWords, len(ws)-i); n >= 1; n-- {
			if owners, ok := l.terms[strings.Join(ws[i:i+n], " ")]; ok {
				out = append(out, Hit{Term: strings.Join(ws[i:i+n], " "), Owners: owners})
				matched = n
				break
			}
		}
		if matched == 0 {
			matched = 1
		}
		i += matched
	}
	return out
}

// Belongs reports whether a hit is an item of country.
func (h Hit) Belongs(country string) bool {
	for _, o := range h.Owners {
		if strings.EqualFold(o.Country, country) {
			return true
		}
	}
	return false
}

// Kind is the hit's kind in country, or its first kind elsewhere.
func (h Hit) Kind(country string) string {
	for _, o := range h.Owners {
		if strings.EqualFold(o.Country, country) {
			return o.Kind
		}
	}
	return h.Owners[0].Kind
}

func contains(os []Owner, o Owner) bool {
	for _, x := range os {
		if x == o {
			return true
		}
	}
	return false
}

func contains2(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}
