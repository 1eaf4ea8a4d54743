package prompts

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
)

// Prompt sets.
const (
	SetCountry  = "country_specific"
	SetAgnostic = "agnostic"
)

// Prompt is one text-to-image prompt of the grid.
type Prompt struct {
	ID          string `json:"id"`
	Set         string `json:"set"`
	Country     string `json:"country,omitempty"`
	Category    string `json:"category"`
	Subcategory string `json:"subcategory"`
	Variant     string `json:"variant"`
	Text        string `json:"text"`
}

// Selection narrows a schema to the part an audit runs. Empty fields select
// everything. Categories may name categories or single subcategories.
type Selection struct {
	Countries  []string
	Categories []string
	Variants   []string
	Sets       []string
}

// Expand returns the prompt grid in a stable order: country-specific prompts
// first (by selected country, then schema order of category, subcategory and
// variant), then the agnostic prompts in the same order.
func Expand(s *Schema, sel Selection) ([]Prompt, error) {
	countries := s.Countries
	if len(sel.Countries) > 0 {
		countries = nil
		for _, name := range sel.Countries {
			c, ok := s.Country(name)
			if !ok {
				return nil, fmt.Errorf("unknown country %q", name)
			}
			countries = append(countries, c)
		}
	}
	type cell struct{ cat, sub, variant string }
	var cells []cell
	want := func(list []string, v string) bool {
		if len(list) == 0 {
			return true
		}
		for _, x := range list {
			if x == v {
				return true
			}
		}
		return false
	}
	for _, c := range s.Categories {
		for _, sub := range c.Subcategories {
			if len(sel.Categories) > 0 && !want(sel.Categories, c.Name) && !want(sel.Categories, sub) {
				continue
			}
			for _, v := range s.Variants(c) {
				if want(sel.Variants, v) {
					cells = append(cells, cell{c.Name, sub, v})
				}
			}
		}
	}
	sets := sel.Sets
	if len(sets) == 0 {
		sets = []string{SetCountry}
	}
	var out []Prompt
	for _, set := range []string{SetCountry, SetAgnostic} {
		if !want(sets, set) {
			continue
		}
		tmpl := s.Templates.T2I
		list := countries
		if set == SetAgnostic {
			tmpl = s.Templates.T2IAgnostic
			list = []Country{{}}
		}
		for _, country := range list {
			for _, c := range cells {
				text, err := Render(tmpl, Fields{Country: country, Category: c.cat, Subcategory: c.sub, Variant: c.variant})
				if err != nil {
					return nil, fmt.Errorf("template for %s: %w", set, err)
				}
				p := Prompt{Set: set, Country: country.Name, Category: c.cat, Subcategory: c.sub, Variant: c.variant, Text: text}
				p.ID = "p-" + ContentID(p.Set, p.Country, p.Category, p.Subcategory, p.Variant, p.Text)
				out = append(out, p)
			}
		}
	}
	return out, nil
}

// ContentID is a stable 16-hex-digit identifier of its parts.
func ContentID(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// Count tallies prompts per set.
func Count(ps []Prompt) map[string]int {
	m := map[string]int{SetCountry: 0, SetAgnostic: 0}
	for _, p := range ps {
		m[p.Set]++
	}
	return m
}

// EditInstruction renders an edit template for a prompt's cell and a target
// country.
func EditInstruction(tmpl string, p Prompt, target Country) (string, error) {
	return Render(tmpl, Fields{Country: target, Category: p.Category, Subcategory: p.Subcategory, Variant: p.Variant})
}

// KnownSets lists the prompt set names.
func KnownSets() []string { return []string{SetCountry, SetAgnostic} }

// IsSet reports whether name is a prompt set.
func IsSet(name string) bool { return name == SetCountry || name == SetAgnostic }
