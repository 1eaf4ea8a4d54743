package metrics

import (
	"context"
	"fmt"
	"testing"

	"github.com/blindspot-audit/blindspot/audit/store"
	"github.com/blindspot-audit/blindspot/vqa"
)

// TestJudgeHealthPerLanguage: with questions asked in the prompts'
// languages, each wording of a template is analysed on its own. Here the
// Swahili wording of y1 is answered the wrong way round while English and
// Korean are not: it alone is flagged, shown in its own words.
func TestJudgeHealthPerLanguage(t *testing.T) {
	run, err := store.OpenRun(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer run.Close()
	wording := map[string]string{"": "Does this image depict a house from Kenya?", "sw": "Je, picha hii inaonyesha nyumba kutoka Kenya?", "ko": "이 이미지는 한국의 집을 보여줍니까?"}
	for _, lang := range []string{"sw", "", "ko"} { // Swahili's images read first
		for i := 0; i < 20; i++ {
			faithful := i%2 == 0
			answer := func(qid, expected string, asExpected bool) store.Answer {
				parsed := expected
				if !asExpected {
					parsed = map[string]string{"yes": "no", "no": "yes"}[expected]
				}
				q := qid + " " + wording[lang]
				if qid == "y1" {
					q = wording[lang]
				}
				return store.Answer{QID: qid, Kind: vqa.KindYesNo, Question: q, Expected: expected, Raw: parsed, Parsed: parsed, Language: lang}
			}
			// y2, n1 and n2 follow the image; y1 does too, except in
			// Swahili, where it says the opposite.
			as := []store.Answer{
				answer("y1", "yes", faithful != (lang == "sw")),
				answer("y2", "yes", faithful),
				answer("n1", "no", faithful),
				answer("n2", "no", faithful),
			}
			image := fmt.Sprintf("%s-%02d", map[string]string{"": "b-en", "sw": "a-sw", "ko": "c-ko"}[lang], i)
			if err := run.PutJudgement("judge:"+image, image, "judge", store.StatusOK, "", as, store.Score{Questions: 4, Answered: 4}); err != nil {
				t.Fatal(err)
			}
		}
	}
	hs, err := JudgeHealth(context.Background(), run.DB())
	if err != nil {
		t.Fatal(err)
	}
	if len(hs) != 12 {
		t.Fatalf("%d templates, want 4 templates x 3 languages", len(hs))
	}
	for _, h := range hs {
		t.Logf("%s: %q item-rest %v flagged %v", h.Label(), h.Example, fmtp(h.ItemRest), h.Flagged)
		if h.Answered != 20 {
			t.Errorf("%s: %d answers, want 20", h.Label(), h.Answered)
		}
		if h.QID == "y1" && h.Example != wording[h.Language] {
			t.Errorf("%s shown as %q, want %q", h.Label(), h.Example, wording[h.Language])
		}
		if want := h.QID == "y1" && h.Language == "sw"; h.Flagged != want {
			t.Errorf("%s flagged %v (item-rest %v), want %v", h.Label(), h.Flagged, fmtp(h.ItemRest), want)
		}
	}
	if got := hs[0].Label() + " " + hs[1].Label() + " " + hs[2].Label(); got != "n1 n1 (ko) n1 (sw)" {
		t.Errorf("order %s, want each template's languages together, English first", got)
	}
}

func fmtp(v *float64) string {
	if v == nil {
		return "none"
	}
	return fmt.Sprintf("%.2f", *v)
}
