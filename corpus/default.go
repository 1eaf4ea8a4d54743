package corpus

import (
	"bytes"
	_ "embed"
	"fmt"
	"maps"
	"slices"
	"sort"

	"go.yaml.in/yaml/v3"
)

//go:embed default/notes.yaml
var defaultNotes []byte

//go:embed default/subcategories.yaml
var subcategoryNotes []byte

// DefaultName is how specs name the embedded corpus.
const DefaultName = "default"

// Default returns the embedded corpus, written by the team: one passage
// per country and category of the built-in schema, and one per country and
// subcategory (its section is the subcategory).
func Default() ([]Passage, error) {
	var notes map[string]map[string]string
	dec := yaml.NewDecoder(bytes.NewReader(defaultNotes))
	if err := dec.Decode(&notes); err != nil {
		return nil, fmt.Errorf("embedded corpus: %w", err)
	}
	var out []Passage
	countries := make([]string, 0, len(notes))
	for c := range notes {
		countries = append(countries, c)
	}
	sort.Strings(countries)
	for _, c := range countries {
		cats := make([]string, 0, len(notes[c]))
		for k := range notes[c] {
			cats = append(cats, k)
		}
		sort.Strings(cats)
		for _, cat := range cats {
			out = append(out, NewPassage(c, cat, "blindspot:default/"+c+"/"+cat, c, Section{Heading: cat, Text: notes[c][cat]}, ""))
		}
	}
	var subs map[string]map[string]map[string]string
	dec = yaml.NewDecoder(bytes.NewReader(subcategoryNotes))
	if err := dec.Decode(&subs); err != nil {
		return nil, fmt.Errorf("embedded corpus (subcategories): %w", err)
	}
	for _, c := range slices.Sorted(maps.Keys(subs)) {
		for _, cat := range slices.Sorted(maps.Keys(subs[c])) {
			for _, sub := range slices.Sorted(maps.Keys(subs[c][cat])) {
				url := "blindspot:default/" + c + "/" + cat + "/" + sub
				out = append(out, NewPassage(c, cat, url, c, Section{Heading: sub, Text: subs[c][cat][sub]}, ""))
			}
		}
	}
	return out, nil
}
