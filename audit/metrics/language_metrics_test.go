package metrics

import (
	"strings"
	"testing"

	"github.com/blindspot-audit/blindspot/audit/store"
	"github.com/blindspot-audit/blindspot/prompts"
	"github.com/blindspot-audit/blindspot/vqa"
)

// TestLanguageGapWithheldWithItsArms: a gap reads both arms' answers, so
// when the judge's answers to one arm were mostly unusable the gap takes
// that arm's parse rate, is withheld, and gets no test; with usable
// answers it has its pairs as n and a test.
func TestLanguageGapWithheldWithItsArms(t *testing.T) {
	build := func(answeredEnglish int) []*record {
		var recs []*record
		for seed := int64(1); seed <= 10; seed++ {
			for _, lang := range []string{prompts.English, "sw"} {
				acc, answered := 0.25, 4
				if lang == "sw" {
					acc = 1
				}
				if lang == prompts.English {
					answered = answeredEnglish
				}
				a := acc
				recs = append(recs, &record{origin: &origin{kind: store.KindGenerated, model: "m", set: prompts.SetCountry, country: "Kenya", subcategory: "house", variant: "general", judge: "j", language: lang}, id: lang + string(rune('a'+seed)), seed: seed, status: store.StatusOK, accuracy: &a, questions: 4, answered: answered})
			}
		}
		return recs
	}
	for _, c := range []struct {
		answered int
		withheld bool
	}{{4, false}, {1, true}} {
		ms, ts := languageMetrics(build(c.answered), []string{"sw"})
		var gap *store.Metric
		for i := range ms {
			if ms[i].Name == MetricLanguageGap {
				gap = &ms[i]
			}
		}
		if gap == nil || gap.N != 10 || gap.Value != 0.75 {
			t.Fatalf("answered %d of 4: gap %+v, want 0.75 over 10 pairs", c.answered, gap)
		}
		if gap.Withheld() != c.withheld || (len(ts) == 0) != c.withheld {
			t.Errorf("answered %d of 4: withheld %v (parse rate %v), %d tests; want withheld %v", c.answered, gap.Withheld(), gap.ParseRate, len(ts), c.withheld)
		}
	}
}

// TestLanguageFindingsNameTheRunsLanguages: a finding names a language as
// the run's schema does (an added country's Amharic), the built-in schema's
// by their names without help, and an unknown code by itself.
func TestLanguageFindingsNameTheRunsLanguages(t *testing.T) {
	var recs []*record
	for seed := int64(1); seed <= 12; seed++ {
		for _, arm := range []struct{ country, lang string }{{"Ethiopia", prompts.English}, {"Ethiopia", "am"}, {"Kenya", prompts.English}, {"Kenya", "sw"}} {
			a := 0.25
			if arm.lang != prompts.English {
				a = 1
			}
			recs = append(recs, &record{origin: &origin{kind: store.KindGenerated, model: "m", set: prompts.SetCountry, country: arm.country, subcategory: "house", variant: "general", judge: "j", language: arm.lang},
				id: arm.country + arm.lang + string(rune('a'+seed)), seed: seed, status: store.StatusOK, accuracy: &a, questions: 4, answered: 4})
		}
	}
	ms, ts := languageMetrics(recs, []string{"am", "sw"})
	for _, c := range []struct {
		names map[string]string
		want  []string
	}{
		{map[string]string{"am": "Amharic", "sw": "Swahili", "en": "English"}, []string{"Prompted in Amharic rather than English, m's images of Ethiopia", "Prompted in Swahili rather than English, m's images of Kenya"}},
		{nil, []string{"Prompted in am rather than English, m's images of Ethiopia", "Prompted in Swahili rather than English, m's images of Kenya"}},
	} {
		fs := languageFindings(ms, ts, c.names)
		if len(fs) != len(c.want) {
			t.Fatalf("names %v: %d findings, want %d: %+v", c.names, len(fs), len(c.want), fs)
		}
		for i, f := range fs {
			if !strings.HasPrefix(f.Text, c.want[i]) {
				t.Errorf("names %v: finding %q, want it to start %q", c.names, f.Text, c.want[i])
			}
		}
	}
}

// TestLanguageCueNeedsEnglish: a language's cue is stated against the same
// prompts in English; without a usable English arm (none asked, or its
// answers unusable) there is no finding, not a comparison with 0%.
func TestLanguageCueNeedsEnglish(t *testing.T) {
	build := func(englishAttributed string) []*record {
		var recs []*record
		for seed := int64(1); seed <= 20; seed++ {
			recs = append(recs, &record{origin: &origin{kind: store.KindGenerated, model: "m", set: prompts.SetAgnostic, subcategory: "house", variant: "general", judge: "j", language: "sw"},
				id: "sw" + string(rune('a'+seed)), seed: seed, status: store.StatusOK, attributed: "Kenya"})
			if englishAttributed != "" {
				recs = append(recs, &record{origin: &origin{kind: store.KindGenerated, model: "m", set: prompts.SetAgnostic, subcategory: "house", variant: "general", judge: "j", language: prompts.English},
					id: "en" + string(rune('a'+seed)), seed: seed, status: store.StatusOK, attributed: englishAttributed})
			}
		}
		return recs
	}
	for _, c := range []struct {
		english string
		want    int
	}{{"United States", 1}, {vqa.Unparsed, 0}, {"", 0}} {
		ms, ts := languageMetrics(build(c.english), []string{"sw"})
		fs := languageFindings(ms, ts, nil)
		if len(fs) != c.want {
			t.Errorf("English answers %q: %d findings, want %d: %+v", c.english, len(fs), c.want, fs)
		}
		for _, f := range fs {
			if !strings.Contains(f.Text, "against 0% for the same prompts in English") {
				t.Errorf("English answers %q: %q", c.english, f.Text)
			}
		}
	}
}
