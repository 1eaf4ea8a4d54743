package prompts

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Fields are the values a template's placeholders draw from.
type Fields struct {
	Country     Country // zero for agnostic prompts
	Category    string
	Subcategory string
	Variant     string
	// Lang, when set, renders the placeholders in that translation's words.
	Lang *Translation
}

// placeholders maps every placeholder name to how it renders. The
// capitalised form capitalises the first letter of the value.
var placeholders = map[string]func(f Fields) string{
	"country":     func(f Fields) string { return f.Country.Name },
	"demonym":     func(f Fields) string { return f.Country.Demonym },
	"capital":     func(f Fields) string { return f.Country.Capital },
	"language":    func(f Fields) string { return f.Country.Language },
	"category":    func(f Fields) string { return Words(f.Category) },
	"subcategory": func(f Fields) string { return Words(f.Subcategory) },
	"variant":     func(f Fields) string { return VariantWord(f.Variant) },
}

var countryPlaceholders = map[string]bool{"country": true, "demonym": true, "capital": true, "language": true}

// PlaceholderNames lists the placeholders templates may use; each also has
// a capitalised form ({Country}, {Variant}, ...).
func PlaceholderNames() []string { return slices.Sorted(maps.Keys(placeholders)) }

// VariantWord is the word a variant contributes to a prompt: none for the
// "general" variant, the variant itself otherwise.
func VariantWord(v string) string {
	if v == "general" || v == "none" {
		return ""
	}
	return Words(v)
}

// Words turns an identifier such as "religious_ritual" into prose.
func Words(id string) string { return strings.ReplaceAll(id, "_", " ") }

// CheckTemplate reports an unknown or unbalanced placeholder, and for an
// agnostic template any placeholder that would name a country.
func CheckTemplate(t string, agnostic bool) error {
	if strings.TrimSpace(t) == "" {
		return fmt.Errorf("template is empty")
	}
	_, err := render(t, Fields{}, func(name string) error {
		if agnostic && countryPlaceholders[strings.ToLower(name)] {
			return fmt.Errorf("placeholder {%s} names a country, which an agnostic template must not", name)
		}
		return nil
	})
	return err
}

// Render fills a template. Empty values (a "general" variant) vanish with
// their surrounding space, and the sentence starts with a capital letter:
// "{Variant} {subcategory} in {Country}" gives "House in China" for the
// general variant and "Traditional house in China" otherwise.
func Render(t string, f Fields) (string, error) {
	return render(t, f, nil)
}

func render(t string, f Fields, check func(string) error) (string, error) {
	var b strings.Builder
	for i := 0; i < len(t); {
		switch t[i] {
		case '{':
			end := strings.IndexByte(t[i:], '}')
			if end < 0 {
				return "", fmt.Errorf("unclosed placeholder at byte %d: %q", i, t[i:])
			}
			name := t[i+1 : i+end]
			fn, ok := placeholders[strings.ToLower(name)]
			if !ok || !(name == strings.ToLower(name) || name == capitalise(strings.ToLower(name))) {
				return "", fmt.Errorf("unknown placeholder {%s} (known: %s, and their capitalised forms)", name, strings.Join(PlaceholderNames(), ", "))
			}
			if check != nil {
				if err := check(name); err != nil {
					return "", err
				}
			}
			v := fn(f)
			if f.Lang != nil {
				var err error
				if v, err = f.Lang.value(strings.ToLower(name), f); err != nil {
					return "", err
				}
			}
			if name != strings.ToLower(name) {
				v = capitalise(v)
			}
			b.WriteString(v)
			i += end + 1
		case '}':
			return "", fmt.Errorf("stray '}' at byte %d", i)
		default:
			b.WriteByte(t[i])
			i++
		}
	}
	return tidy(b.String()), nil
}

// tidy collapses the spaces an empty placeholder leaves and capitalises the
// first letter.
func tidy(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	for _, p := range []string{",", ".", ";", ":", "!", "?"} {
		s = strings.ReplaceAll(s, " "+p, p)
	}
	return capitalise(s)
}

func capitalise(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}
