package prompts

import (
	"bytes"
	_ "embed"
	"fmt"
	"maps"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Country is one culture the grid can name. Demonym, Capital and Language
// feed the attribute-addition edit chain's templates. Aliases are the
// other names a judge's answer may call it by ("South Korea", "USA"); the
// demonym counts as one too.
type Country struct {
	Name     string   `yaml:"name"`
	Demonym  string   `yaml:"demonym"`
	Capital  string   `yaml:"capital"`
	Language string   `yaml:"language"`
	Region   string   `yaml:"region"`
	Aliases  []string `yaml:"aliases"`
	// Languages are the languages the country's people speak, which a
	// spec's "native" language stands for.
	Languages []Language `yaml:"languages"`
}

// Category groups subcategories that share one variant set (the era axis).
type Category struct {
	Name          string   `yaml:"name"`
	Variants      string   `yaml:"variants"`
	Subcategories []string `yaml:"subcategories"`
}

// Templates are the prompt templates; see Render for the placeholders.
type Templates struct {
	T2I         string `yaml:"t2i"`
	T2IAgnostic string `yaml:"t2i_agnostic"`
	I2I         string `yaml:"i2i"`
}

// Schema is a complete cultural schema.
type Schema struct {
	Name        string              `yaml:"name"`
	Countries   []Country           `yaml:"countries"`
	VariantSets map[string][]string `yaml:"variant_sets"`
	Categories  []Category          `yaml:"categories"`
	Templates   Templates           `yaml:"templates"`
	// Translations are the prompts' templates and words in other
	// languages, by ISO 639 code.
	Translations map[string]Translation `yaml:"translations"`
}

//go:embed schemas/ecb.yaml
var ecbYAML []byte

// BuiltinNames lists the names Builtin accepts.
func BuiltinNames() []string { return []string{"ecb"} }

// Builtin returns a fresh copy of a built-in schema, so callers may extend it.
func Builtin(name string) (*Schema, error) {
	switch name {
	case "ecb":
		var s Schema
		dec := yaml.NewDecoder(bytes.NewReader(ecbYAML))
		dec.KnownFields(true)
		if err := dec.Decode(&s); err != nil {
			return nil, fmt.Errorf("built-in schema ecb: %w", err)
		}
		return &s, nil
	}
	return nil, fmt.Errorf("unknown built-in schema %q (known: %s)", name, strings.Join(BuiltinNames(), ", "))
}

// Country returns the country with the given name (case-insensitive).
func (s *Schema) Country(name string) (Country, bool) {
	for _, c := range s.Countries {
		if strings.EqualFold(c.Name, name) {
			return c, true
		}
	}
	return Country{}, false
}

// Category returns the category with the given name.
func (s *Schema) Category(name string) (Category, bool) {
	for _, c := range s.Categories {
		if c.Name == name {
			return c, true
		}
	}
	return Category{}, false
}

// CategoryOf returns the category that holds a subcategory.
func (s *Schema) CategoryOf(sub string) (Category, bool) {
	for _, c := range s.Categories {
		for _, x := range c.Subcategories {
			if x == sub {
				return c, true
			}
		}
	}
	return Category{}, false
}

// Variants returns the variant words of a category, in schema order.
func (s *Schema) Variants(c Category) []string { return s.VariantSets[c.Variants] }

// Validate checks the schema's internal consistency and returns every
// problem found, each naming the field path it concerns.
func (s *Schema) Validate() []FieldError {
	var errs []FieldError
	add := func(path, format string, a ...any) {
		errs = append(errs, FieldError{Path: path, Msg: fmt.Sprintf(format, a...)})
	}
	if len(s.Countries) == 0 {
		add("countries", "a schema needs at least one country")
	}
	seen := map[string]bool{}
	for i, c := range s.Countries {
		p := fmt.Sprintf("countries[%d]", i)
		if strings.TrimSpace(c.Name) == "" {
			add(p+".name", "a country needs a name")
		}
		k := strings.ToLower(c.Name)
		if seen[k] {
			add(p+".name", "country %q is listed twice", c.Name)
		}
		seen[k] = true
	}
	for name, vs := range s.VariantSets {
		if len(vs) == 0 {
			add("variant_sets."+name, "a variant set needs at least one variant")
		}
	}
	if len(s.Categories) == 0 {
		add("categories", "a schema needs at least one category")
	}
	seenCat, seenSub := map[string]bool{}, map[string]string{}
	for i, c := range s.Categories {
		p := fmt.Sprintf("categories[%d]", i)
		if c.Name == "" {
			add(p+".name", "a category needs a name")
		}
		if seenCat[c.Name] {
			add(p+".name", "category %q is listed twice", c.Name)
		}
		seenCat[c.Name] = true
		if _, ok := s.VariantSets[c.Variants]; !ok {
			add(p+".variants", "unknown variant set %q (known: %s)", c.Variants, strings.Join(slices.Sorted(maps.Keys(s.VariantSets)), ", "))
		}
		if len(c.Subcategories) == 0 {
			add(p+".subcategories", "category %q has no subcategories", c.Name)
		}
		for j, sub := range c.Subcategories {
			if prev, dup := seenSub[sub]; dup {
				add(fmt.Sprintf("%s.subcategories[%d]", p, j), "subcategory %q is already in category %q", sub, prev)
			}
			seenSub[sub] = c.Name
		}
	}
	for _, t := range []struct {
		path, text string
		agnostic   bool
	}{
		{"templates.t2i", s.Templates.T2I, false},
		{"templates.t2i_agnostic", s.Templates.T2IAgnostic, true},
		{"templates.i2i", s.Templates.I2I, false},
	} {
		if err := CheckTemplate(t.text, t.agnostic); err != nil {
			add(t.path, "%v", err)
		}
	}
	s.validateTranslations(add)
	return errs
}

// FieldError is a problem at a field path (e.g. "categories[2].variants").
type FieldError struct {
	Path string
	Msg  string
}

func (e FieldError) Error() string { return e.Path + ": " + e.Msg }
