package corpus

import (
	"bytes"
	_ "embed"
	"fmt"
	"sort"

	"go.yaml.in/yaml/v3"
)

//go:embed default/notes.yaml
var defaultNotes []byte

// DefaultName is how specs name the embedded corpus.
const DefaultName = "default"

// Default returns the embedded corpus: one passage per country and
// category of the built-in schema, written by the team.
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
	return out, nil
}
