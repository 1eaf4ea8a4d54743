package sim

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/blindspot-audit/blindspot/generators"
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

// TestMarkedTranslationIsDrawnFromItsSource: a text the simulator's
// translator marked "[code] text" is drawn with its English source's
// random numbers and layout, with the language's effect on top, as a
// schema translation is: a machine-translated arm pairs like a drafted one.
func TestMarkedTranslationIsDrawnFromItsSource(t *testing.T) {
	ctx := context.Background()
	const source = "Traditional house in Kenya, photorealistic."
	plain := mustNew(t, Options{})
	for seed := int64(0); seed < 8; seed++ {
		en, err := plain.Generate(ctx, generators.ImageRequest{Model: "m", Prompt: source, Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		am, err := plain.Generate(ctx, generators.ImageRequest{Model: "m", Prompt: "[am] " + source, Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(en.Image, am.Image) {
			t.Errorf("seed %d: with no language effect the marked text drew another image than its source", seed)
		}
	}
	effect := mustNew(t, Options{Bias: Bias{Fidelity: map[string]float64{"Kenya": 0}, EraFidelity: fptr(1),
		Languages: map[string]LanguageEffect{"am": {Fidelity: map[string]float64{"Kenya": 1}}}}})
	for _, c := range []struct {
		prompt string
		kenya  bool
	}{{source, false}, {"[am] " + source, true}} {
		img, err := effect.Generate(ctx, generators.ImageRequest{Model: "m", Prompt: c.prompt, Seed: 3})
		if err != nil {
			t.Fatal(err)
		}
		ans, err := effect.Chat(ctx, generators.ChatRequest{Model: "v", Prompt: "Which country does this image most likely depict?", Images: [][]byte{img.Image}})
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(ans.Text, "Kenya") != c.kenya {
			t.Errorf("%q: the judge sees %q", c.prompt, ans.Text)
		}
	}
}
