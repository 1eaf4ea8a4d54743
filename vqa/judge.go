package vqa

import (
	"context"

	"github.com/blindspot-audit/blindspot/audit/store"
	"github.com/blindspot-audit/blindspot/corpus"
	"github.com/blindspot-audit/blindspot/generators"
	"github.com/blindspot-audit/blindspot/generators/httpx"
	"github.com/blindspot-audit/blindspot/prompts"
)

// Judge is the culture-aware VQA judge, whole: for an image it retrieves
// reference passages from the corpus into its system prompt, builds the
// questions (templates, attribution, rating), asks each through the
// caller's Ask, reads every answer by its kind, asks one plainer fallback
// question for an answer it cannot read, and tallies the score. The engine
// supplies Ask (the call policy and the call record) and stores the
// Judgement.
type Judge struct {
	// Schema's countries are the attribution choices.
	Schema *prompts.Schema
	// Questions is how many template questions an image gets.
	Questions int
	// Attribution asks country-specific images which country they depict
	// too (agnostic images are always asked).
	Attribution bool
	// Ratings asks for a 1-5 cultural rating.
	Ratings bool
	// Corpus is retrieved into the system prompt, TopK passages at a time
	// (nil: no retrieval).
	Corpus *corpus.Index
	TopK   int
}

// Reply is the judge endpoint's answer to one question: its text, or the
// class and error of a failed call.
type Reply struct {
	Text  string
	Class generators.Class
	Err   error
}

// Ask puts one question, under the system prompt, to the judge endpoint.
// stop reports that the run is stopping: the judgement is then dropped
// unrecorded, to be made by a later run.
type Ask func(ctx context.Context, system, question string) (r Reply, stop bool)

// Judgement is the outcome of judging one image.
type Judgement struct {
	Answers []store.Answer
	Score   store.Score
	// Status is store.StatusOK, or store.StatusFailed with Class the
	// failure class (transient if any question's was, so a later run
	// retries).
	Status, Class string
}

// Prepare returns the system prompt and the questions for an image of
// prompt set set made from prompt p: agnostic images get the attribution
// question and no references; the others the templates about their
// target country, with the passages retrieved about it.
func (j *Judge) Prepare(p prompts.Prompt, set, target string) (system string, qs []Question, err error) {
	names := make([]string, len(j.Schema.Countries))
	for i, c := range j.Schema.Countries {
		names[i] = c.Name
	}
	if set == prompts.SetAgnostic {
		return System, AgnosticQuestions(names), nil
	}
	c, _ := j.Schema.Country(target)
	f := prompts.Fields{Category: p.Category, Subcategory: p.Subcategory, Variant: p.Variant}
	if qs, err = Build(c, f, j.Questions, j.Attribution, names); err != nil {
		return "", nil, err
	}
	if j.Ratings {
		qs = append(qs, RatingQuestion(c))
	}
	return j.SystemFor(p, target), qs, nil
}

// SystemFor is the system prompt for judging an image of prompt p meant to
// depict target: the instructions with the passages retrieved about it.
func (j *Judge) SystemFor(p prompts.Prompt, target string) string {
	return SystemWith(j.references(p, target))
}

// references retrieves the corpus passages for judging an image: about its
// target country and category, ranked against its prompt.
func (j *Judge) references(p prompts.Prompt, target string) []Reference {
	if j.Corpus == nil {
		return nil
	}
	query := p.Text + " " + prompts.Words(p.Subcategory) + " " + prompts.VariantWord(p.Variant)
	var out []Reference
	for _, h := range j.Corpus.Retrieve(query, target, p.Category, j.TopK) {
		src := h.Passage.URL
		if h.Passage.Section != "" {
			src += " #" + h.Passage.Section
		}
		out = append(out, Reference{ID: h.Passage.ID, Country: h.Passage.Country, Category: h.Passage.Category, Source: src, Text: h.Passage.Text})
	}
	return out
}

// Run asks every question about an image whose target country is target.
// prev holds an earlier run's answers by question id: a refusal or a
// permanent failure of the same question stands without a call. stop is
// true when the run is stopping.
func (j *Judge) Run(ctx context.Context, target, system string, qs []Question, prev map[string]store.Answer, ask Ask) (out Judgement, stop bool) {
	var tally Tally
	out.Status = store.StatusOK
	choices := ChoicesOf(j.Schema.Countries)
	for _, q := range qs {
		ans, failed, stop := j.ask(ctx, system, q, choices, prev, ask)
		if stop {
			return out, true
		}
		// An answer that cannot be read gets one plainer question; both are
		// kept, and the second is final.
		if fq, ok := Fallback(q, target); ok && failed == "" && ans.Parsed == Unparsed {
			out.Answers = append(out.Answers, ans)
			if ans, failed, stop = j.ask(ctx, system, fq, choices, prev, ask); stop {
				return out, true
			}
			ans.Protocol = ProtocolFallback
		}
		if failed != "" {
			out.Status = store.StatusFailed
			if out.Class == "" || failed == string(generators.Transient) {
				out.Class = failed
			}
		}
		switch q.Kind {
		case KindAttribution:
			out.Score.Attributed = ans.Parsed
		case KindEra:
			out.Score.Era = ans.Parsed
		case KindGeotag:
			if ans.Parsed != Unparsed && ans.Parsed != Refused && ans.Parsed != "error" {
				out.Score.Geotag = ans.Parsed
			}
		case KindRating:
			if len(ans.Parsed) == 1 {
				out.Score.Rating = int(ans.Parsed[0] - '0')
			}
		case KindYesNo, KindLLM:
			tally.Add(q.Expected, ans.Parsed)
			if ans.Parsed == "yes" || ans.Parsed == "no" {
				ok := ans.Parsed == q.Expected
				ans.Correct = &ok
			}
		}
		out.Answers = append(out.Answers, ans)
	}
	s := &out.Score
	s.Questions, s.Answered, s.TP, s.FP, s.TN, s.FN, s.Context = tally.Questions, tally.Answered, tally.TP, tally.FP, tally.TN, tally.FN, system
	if acc, ok := tally.Accuracy(); ok {
		s.Accuracy = &acc
	}
	return out, false
}

// ask puts one question and reads the answer; failed is the error class
// of a failed call ("" otherwise).
func (j *Judge) ask(ctx context.Context, system string, q Question, choices []Choice, prev map[string]store.Answer, ask Ask) (ans store.Answer, failed string, stop bool) {
	if p, ok := prev[q.ID]; ok && p.Question == q.Text {
		switch {
		case p.Parsed == Refused:
			return p, "", false
		case p.Parsed == "error" && p.ErrorClass != "" && p.ErrorClass != string(generators.Transient):
			return p, p.ErrorClass, false
		}
	}
	r, stop := ask(ctx, system, q.Text)
	if stop {
		return ans, "", true
	}
	ans = store.Answer{QID: q.ID, Kind: q.Kind, Question: q.Text, Expected: q.Expected, Language: q.Lang}
	switch {
	case r.Class == generators.Refusal:
		ans.Parsed, ans.Raw = Refused, httpx.Truncate(r.Err.Error(), 2000)
	case r.Class != "":
		ans.Parsed, ans.Raw, ans.ErrorClass = "error", httpx.Truncate(r.Err.Error(), 2000), string(r.Class)
		failed = string(r.Class)
	default:
		ans.Raw = httpx.Truncate(r.Text, MaxAnswerBytes)
		ans.Parsed = ParseAnswer(q.Kind, r.Text, choices)
		if q.Lang != "" && (q.Kind == KindYesNo || q.Kind == KindLLM) {
			ans.Parsed = ParseYesNoIn(r.Text, q.Lang)
		}
	}
	return ans, failed, false
}
