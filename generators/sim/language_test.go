package sim

import (
	"strings"
	"testing"

	"github.com/blindspot-audit/blindspot/prompts"
)

// TestReadsEveryTranslatedPrompt: the simulator finds the language, the
// country and the era of every prompt of the built-in grid, in English and
// in every draft translation.
func TestReadsEveryTranslatedPrompt(t *testing.T) {
	s, err := prompts.Builtin("ecb")
	if err != nil {
		t.Fatal(err)
	}
	langs := []string{prompts.English}
	for code := range s.Translations {
		langs = append(langs, code)
	}
	ps, err := prompts.Expand(s, prompts.Selection{Sets: prompts.KnownSets(), Languages: langs})
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 78*7*8 {
		t.Fatalf("%d prompts, want %d", len(ps), 78*7*8)
	}
	for _, p := range ps {
		r := readPrompt(p.Text)
		if r.lang != p.Language {
			t.Errorf("%q: read as %q, want %q", p.Text, r.lang, p.Language)
		}
		if r.country != strings.ToLower(p.Country) {
			t.Errorf("%q (%s): country %q, want %q", p.Text, p.Language, r.country, p.Country)
		}
		want := ""
		if p.Variant == "modern" || p.Variant == "traditional" {
			want = p.Variant
		}
		if r.era != want {
			t.Errorf("%q (%s): era %q, want %q", p.Text, p.Language, r.era, want)
		}
	}
	for _, text := range []string{"A cat in a hat, photo.", "Using a single business card", "A man and a dog on a boat at sea"} {
		if r := readPrompt(text); r.lang != prompts.English || r.country != "" {
			t.Errorf("%q: read as %q naming %q, want English naming none", text, r.lang, r.country)
		}
	}
}
