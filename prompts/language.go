package prompts

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// English is the source language: the schema's own templates and words.
// A prompt in English keeps the ID it had before prompts had languages.
const English = "en"

// Native, in a spec's languages, stands for each country's own languages.
const Native = "native"

// Translation statuses: a draft awaits native reviewers; reviewed was
// confirmed or corrected by them.
const (
	StatusDraft    = "draft"
	StatusReviewed = "reviewed"
)

// Language is a language a country's people speak, by ISO 639-1 code.
type Language struct {
	Code string `yaml:"code"`
	Name string `yaml:"name"`
}

// Translation holds what a schema's prompts need in one language: the
// generation templates (the same placeholders as the English ones) and the
// words that fill them. A variant absent from Variants renders as no word,
// as "general" does in English.
type Translation struct {
	Name          string            `yaml:"name"`
	Status        string            `yaml:"status"`
	Templates     Templates         `yaml:"templates"`
	Variants      map[string]string `yaml:"variants"`
	Subcategories map[string]string `yaml:"subcategories"`
	Countries     map[string]string `yaml:"countries"`
}

// LanguageName is the name of a language code: the translation's name, a
// country's name for it, or the code itself.
func (s *Schema) LanguageName(code string) string {
	if code == English || code == "" {
		return "English"
	}
	if t, ok := s.Translations[code]; ok && t.Name != "" {
		return t.Name
	}
	for _, c := range s.Countries {
		for _, l := range c.Languages {
			if l.Code == code && l.Name != "" {
				return l.Name
			}
		}
	}
	return code
}

// HomeCountries lists, in schema order, the countries that speak a
// language: where an agnostic prompt in that language may point.
func (s *Schema) HomeCountries(code string) []string {
	var out []string
	for _, c := range s.Countries {
		for _, l := range c.Languages {
			if l.Code == code {
				out = append(out, c.Name)
			}
		}
	}
	return out
}

// Languages resolves a spec's language list for one country ("" for the
// agnostic set, which takes every audited country's languages): "en" is
// English, "native" the country's own languages, any other entry a code.
// The result is in the order given, without repeats.
func (s *Schema) Languages(list []string, country string, audited []Country) []string {
	var out []string
	add := func(code string) {
		if !slices.Contains(out, code) {
			out = append(out, code)
		}
	}
	for _, l := range list {
		if l != Native {
			add(l)
			continue
		}
		cs := audited
		if country != "" {
			c, _ := s.Country(country)
			cs = []Country{c}
		}
		for _, c := range cs {
			for _, lang := range c.Languages {
				add(lang.Code)
			}
		}
	}
	return out
}

// value is what a placeholder renders as in the translation, or an error
// naming the word it lacks. Translated templates may use {country},
// {subcategory} and {variant} (and their capitalised forms).
func (t *Translation) value(name string, f Fields) (string, error) {
	switch name {
	case "country":
		if f.Country.Name == "" {
			return "", nil
		}
		return t.word("country", t.Countries, f.Country.Name)
	case "subcategory":
		return t.word("subcategory", t.Subcategories, f.Subcategory)
	case "variant":
		if VariantWord(f.Variant) == "" {
			return "", nil
		}
		return t.word("variant", t.Variants, f.Variant)
	}
	return "", fmt.Errorf("placeholder {%s} is not available in a translated template (use {country}, {subcategory} and {variant})", name)
}

// translatable admits the placeholders a translated template may use.
func translatable(name string) error {
	switch strings.ToLower(name) {
	case "country", "subcategory", "variant":
		return nil
	}
	return fmt.Errorf("placeholder {%s} is not available in a translated template (use {country}, {subcategory} and {variant})", name)
}

// word is one entry of a translation's table, or an error naming it.
func (t *Translation) word(kind string, table map[string]string, key string) (string, error) {
	if w, ok := table[key]; ok && strings.TrimSpace(w) != "" {
		return w, nil
	}
	return "", fmt.Errorf("no translation of the %s %q", kind, key)
}

// validateTranslations checks that each translation's templates are
// usable and that every country's languages are known.
func (s *Schema) validateTranslations(add func(path, format string, a ...any)) {
	for _, code := range slices.Sorted(maps.Keys(s.Translations)) {
		t := s.Translations[code]
		p := "translations." + code
		if code == English || code == Native || !validCode(code) {
			add(p, "a translation needs a two- or three-letter ISO 639 code other than en (got %q)", code)
		}
		if t.Status != "" && t.Status != StatusDraft && t.Status != StatusReviewed {
			add(p+".status", "must be %s or %s, got %q", StatusDraft, StatusReviewed, t.Status)
		}
		for _, x := range []struct {
			path, text string
			agnostic   bool
		}{
			{p + ".templates.t2i", t.Templates.T2I, false},
			{p + ".templates.t2i_agnostic", t.Templates.T2IAgnostic, true},
		} {
			if err := CheckTemplate(x.text, x.agnostic); err != nil {
				add(x.path, "%v", err)
			} else if _, err := render(x.text, Fields{}, translatable); err != nil {
				add(x.path, "%v", err)
			}
		}
	}
	for i, c := range s.Countries {
		for j, l := range c.Languages {
			p := fmt.Sprintf("countries[%d].languages[%d]", i, j)
			if !validCode(l.Code) || l.Code == Native {
				add(p+".code", "must be a two- or three-letter ISO 639 code, got %q", l.Code)
			}
		}
	}
}

func validCode(code string) bool {
	if len(code) < 2 || len(code) > 3 {
		return false
	}
	for _, r := range code {
		if r < 'a' || r > 'z' {
			return false
		}
	}
	return true
}
