package metrics

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"

	"gonum.org/v1/gonum/stat"

	"github.com/blindspot-audit/blindspot/audit/store"
	"github.com/blindspot-audit/blindspot/vqa"
)

// TemplateHealth is the item analysis of one judge's question template;
// see store.TemplateHealth.
type TemplateHealth = store.TemplateHealth

// Item-analysis thresholds: a correlation needs MinHealthImages images; a
// template is flagged when its item-rest correlation is negative, or
// FlagGap below the median of the judge's other templates.
const (
	MinHealthImages = 10
	FlagGap         = 0.5
)

// JudgeHealth runs the item analysis of every yes/no template of every
// judge from the stored answers.
func JudgeHealth(ctx context.Context, db *store.DB) ([]TemplateHealth, error) {
	type answer struct {
		qid, lang string
		verdict   float64 // 1 as expected, 0 not, NaN unusable
	}
	type tally struct {
		h     TemplateHealth
		yes   int
		right int
		x, y  []float64
	}
	// A template asked in several languages (judge.language: prompt) is
	// one item per wording: a translation that misleads the judge shows
	// on its own instead of being averaged into the English.
	type itemKey struct{ judge, qid, lang string }
	items := map[itemKey]*tally{}
	var order []itemKey
	// The answers come by judge and image: one image's are held at a time,
	// and each yes/no verdict is set against the mean of the image's others
	// (item-rest).
	var cur [2]string
	var as []answer
	flush := func() {
		for i, a := range as {
			if math.IsNaN(a.verdict) {
				continue
			}
			sum, n := 0.0, 0
			for j, b := range as {
				if j != i && !math.IsNaN(b.verdict) {
					sum += b.verdict
					n++
				}
			}
			if n == 0 {
				continue
			}
			t := items[itemKey{cur[0], a.qid, a.lang}]
			t.x, t.y = append(t.x, a.verdict), append(t.y, sum/float64(n))
		}
		as = as[:0]
	}
	err := db.EachAnswer(ctx, store.AnswerQuery{Kinds: []string{vqa.KindYesNo}, Usable: true}, func(a store.StoredAnswer) error {
		judge, image, qid, question, expected, parsed := a.Judge, a.ImageID, a.QID, a.Question, a.Expected, a.Parsed
		if ik := [2]string{judge, image}; ik != cur {
			flush()
			cur = ik
		}
		k := itemKey{judge, qid, a.Language}
		t := items[k]
		if t == nil {
			t = &tally{h: TemplateHealth{Judge: judge, QID: qid, Language: a.Language, Example: question, Expected: expected}}
			items[k] = t
			order = append(order, k)
		}
		t.h.Asked++
		v := math.NaN()
		if parsed == "yes" || parsed == "no" {
			t.h.Answered++
			if parsed == "yes" {
				t.yes++
			}
			if parsed == expected {
				t.right++
				v = 1
			} else {
				v = 0
			}
		}
		as = append(as, answer{qid, a.Language, v})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("judge health: %w", err)
	}
	flush()
	out := make([]TemplateHealth, 0, len(order))
	for _, k := range order {
		t := items[k]
		h := t.h
		if h.Asked > 0 {
			h.ParseRate = float64(h.Answered) / float64(h.Asked)
		}
		if h.Answered > 0 {
			h.YesShare, h.Accuracy = float64(t.yes)/float64(h.Answered), float64(t.right)/float64(h.Answered)
		}
		h.N = len(t.x)
		if h.N >= MinHealthImages {
			if r := stat.Correlation(t.x, t.y, nil); !math.IsNaN(r) {
				h.ItemRest = &r
			}
		}
		out = append(out, h)
	}
	flagTemplates(out)
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Judge != out[j].Judge {
			return out[i].Judge < out[j].Judge
		}
		if out[i].QID != out[j].QID {
			return out[i].QID < out[j].QID
		}
		return out[i].Language < out[j].Language
	})
	return out, nil
}

// flagTemplates flags, per judge and language, templates whose verdicts
// go against the rest: a negative item-rest correlation, or one FlagGap
// below the median of the judge's other templates in that language.
func flagTemplates(hs []TemplateHealth) {
	for i := range hs {
		h := &hs[i]
		if h.ItemRest == nil {
			continue
		}
		var others []float64
		for j, o := range hs {
			if j != i && o.Judge == h.Judge && o.Language == h.Language && o.ItemRest != nil {
				others = append(others, *o.ItemRest)
			}
		}
		switch {
		case *h.ItemRest < 0:
			h.Flagged = true
			h.Reason = fmt.Sprintf("its verdicts go against the other questions' (item-rest r = %.2f): the judge may read it the wrong way round", *h.ItemRest)
		case len(others) > 0 && *h.ItemRest < median(others)-FlagGap:
			h.Flagged = true
			h.Reason = fmt.Sprintf("it agrees with the other questions far less than they do with each other (item-rest r = %.2f, median of the others %.2f)", *h.ItemRest, median(others))
		}
	}
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// rescoreWithoutFlagged recomputes every record's yes/no tally and
// accuracy from the stored answers, leaving out the flagged templates
// (judge.drop_flagged).
func rescoreWithoutFlagged(ctx context.Context, db *store.DB, recs []*record, health []TemplateHealth) error {
	flagged := map[[3]string]bool{}
	for _, h := range health {
		if h.Flagged {
			flagged[[3]string{h.Judge, h.QID, h.Language}] = true
		}
	}
	if len(flagged) == 0 {
		return nil
	}
	tallies := map[[2]string]*vqa.Tally{}
	err := db.EachAnswer(ctx, store.AnswerQuery{Kinds: []string{vqa.KindYesNo, vqa.KindLLM}, Usable: true}, func(a store.StoredAnswer) error {
		if flagged[[3]string{a.Judge, a.QID, a.Language}] {
			return nil
		}
		k := [2]string{a.ImageID, a.Judge}
		if tallies[k] == nil {
			tallies[k] = &vqa.Tally{}
		}
		tallies[k].Add(a.Expected, a.Parsed)
		return nil
	})
	if err != nil {
		return fmt.Errorf("rescoring without flagged questions: %w", err)
	}
	for _, r := range recs {
		t := tallies[[2]string{r.id, r.judge}]
		if t == nil {
			continue
		}
		r.questions, r.answered, r.accuracy = t.Questions, t.Answered, nil
		if acc, ok := t.Accuracy(); ok {
			r.accuracy = &acc
		}
	}
	return nil
}
