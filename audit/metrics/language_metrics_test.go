package metrics

import (
	"testing"

	"github.com/blindspot-audit/blindspot/audit/store"
	"github.com/blindspot-audit/blindspot/prompts"
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
