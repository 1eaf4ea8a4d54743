package prompts

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strings"
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
	// Language is the prompt's ISO 639 code ("en" for the schema's own
	// English); Source is the English prompt it translates, and
	// Translation the translation's status (draft or reviewed).
	Language    string `json:"language"`
	Source      string `json:"source,omitempty"`
	Translation string `json:"translation,omitempty"`
}

// Selection narrows a schema to the part an audit runs. Empty fields select
// everything. Categories may name categories or single subcategories.
type Selection struct {
	Countries  []string
	Categories []string
	Variants   []string
	Sets       []string
	// Languages are "en", "native" (each country's own languages) or ISO
	// 639 codes; empty means English only.
	Languages []string
	// MachineTranslation leaves a prompt the schema cannot translate
	// pending (empty Text, Translation "machine"), for a translator
	// endpoint to translate at run time, instead of failing.
	MachineTranslation bool
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
	langList := sel.Languages
	if len(langList) == 0 {
		langList = []string{English}
	}
	var out []Prompt
	for _, set := range []string{SetCountry, SetAgnostic} {
		if !want(sets, set) {
			continue
		}
		list := countries
		if set == SetAgnostic {
			list = []Country{{}}
		}
		for _, country := range list {
			for _, lang := range s.Languages(langList, country.Name, countries) {
				for _, c := range cells {
					p, err := s.prompt(set, lang, country, c.cat, c.sub, c.variant, sel.MachineTranslation)
					if err != nil {
						return nil, err
					}
					out = append(out, p)
				}
			}
		}
	}
	return out, nil
}

// prompt renders one cell of the grid in one language.
func (s *Schema) prompt(set, lang string, country Country, cat, sub, variant string, machine bool) (Prompt, error) {
	tmpl := s.Templates.T2I
	if set == SetAgnostic {
		tmpl = s.Templates.T2IAgnostic
	}
	f := Fields{Country: country, Category: cat, Subcategory: sub, Variant: variant}
	text, err := Render(tmpl, f)
	if err != nil {
		return Prompt{}, fmt.Errorf("template for %s: %w", set, err)
	}
	p := Prompt{Set: set, Country: country.Name, Category: cat, Subcategory: sub, Variant: variant, Text: text, Language: English}
	if lang == English {
		p.ID = "p-" + ContentID(p.Set, p.Country, p.Category, p.Subcategory, p.Variant, p.Text)
		return p, nil
	}
	p.Source, p.Text, p.Language = text, "", lang
	t, ok := s.Translations[lang]
	if !ok {
		if machine {
			p.Translation = TranslationMachine
			return p, nil
		}
		return Prompt{}, fmt.Errorf("the schema has no translation into %q (%s); known: %s", lang, s.LanguageName(lang), strings.Join(slices.Sorted(maps.Keys(s.Translations)), ", "))
	}
	tt := t.Templates.T2I
	if set == SetAgnostic {
		tt = t.Templates.T2IAgnostic
	}
	f.Lang = &t
	translated, err := Render(tt, f)
	if err != nil {
		if machine {
			p.Translation = TranslationMachine
			return p, nil
		}
		return Prompt{}, fmt.Errorf("translation %s, %s prompt %q: %w", lang, set, text, err)
	}
	status := t.Status
	if status == "" {
		status = StatusDraft
	}
	return p.Translated(translated, status), nil
}

// TranslationMachine marks a prompt the schema could not translate: its
// text comes from the translator endpoint at run time.
const TranslationMachine = "machine"

// Pending reports whether a prompt still waits for its translation.
func (p Prompt) Pending() bool { return p.Language != English && p.Text == "" }

// Translated returns the prompt with its text in its language: the ID
// follows the text, so a corrected translation is a new prompt.
func (p Prompt) Translated(text, status string) Prompt {
	p.Text, p.Translation = text, status
	p.ID = "p-" + ContentID(p.Set, p.Country, p.Category, p.Subcategory, p.Variant, p.Text, p.Language)
	return p
}

// TranslationID names a prompt cell in a language, whatever its text.
func (p Prompt) TranslationID() string {
	return "t-" + ContentID(p.Language, p.Set, p.Country, p.Category, p.Subcategory, p.Variant)
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
