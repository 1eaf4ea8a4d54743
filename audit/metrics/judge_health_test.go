package metrics

import (
	"context"
	"testing"

	"github.com/blindspot-audit/blindspot/audit/store"
	"github.com/blindspot-audit/blindspot/vqa"
)

// TestJudgeHealthNamesTemplatesInEnglish: with questions asked in the
// prompts' languages, a template is shown by its English wording, even
// when the first image read was asked in another language.
func TestJudgeHealthNamesTemplatesInEnglish(t *testing.T) {
	run, err := store.OpenRun(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer run.Close()
	ask := func(image, lang, question string) {
		t.Helper()
		acc := 1.0
		as := []store.Answer{{QID: "y1", Kind: vqa.KindYesNo, Question: question, Expected: "yes", Raw: "Yes.", Parsed: "yes", Language: lang}}
		if err := run.PutJudgement("judge:"+image, image, "judge", store.StatusOK, "", as, store.Score{Questions: 1, Answered: 1, TP: 1, Accuracy: &acc}); err != nil {
			t.Fatal(err)
		}
	}
	ask("a-sw", "sw", "Je, picha hii inaonyesha nyumba kutoka Kenya?") // read first: image ids sort
	ask("b-en", "", "Does this image depict a house from Kenya?")
	ask("c-ko", "ko", "이 이미지는 한국의 집을 보여줍니까?")
	hs, err := JudgeHealth(context.Background(), run.DB())
	if err != nil {
		t.Fatal(err)
	}
	if len(hs) != 1 || hs[0].Example != "Does this image depict a house from Kenya?" || hs[0].Answered != 3 {
		t.Errorf("judge health %+v, want y1 shown in English over 3 answers", hs)
	}
}
