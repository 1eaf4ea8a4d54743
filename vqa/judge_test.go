package vqa

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/blindspot-audit/blindspot/audit/store"
	"github.com/blindspot-audit/blindspot/corpus"
	"github.com/blindspot-audit/blindspot/generators"
	"github.com/blindspot-audit/blindspot/prompts"
)

// TestJudgeRun drives the judge through an Ask that answers as a real VLM
// might: a bare letter, prose, an unreadable rating (which earns one
// fallback question), a refusal and a transient failure; it checks every
// answer's reading, the tally, the score and the task status.
func TestJudgeRun(t *testing.T) {
	schema, err := prompts.Builtin("ecb")
	if err != nil {
		t.Fatal(err)
	}
	j := &Judge{Schema: schema, Questions: 2, Attribution: true, Ratings: true}
	p := prompts.Prompt{Set: prompts.SetCountry, Country: "Kenya", Category: schema.Categories[0].Name,
		Subcategory: schema.Categories[0].Subcategories[0], Variant: schema.Variants(schema.Categories[0])[0], Text: "A photo in Kenya."}
	system, qs, err := j.Prepare(p, prompts.SetCountry, "Kenya")
	if err != nil {
		t.Fatal(err)
	}
	if len(qs) != 4 {
		t.Fatalf("%d questions, want 2 templates, attribution and rating: %+v", len(qs), qs)
	}
	var asked []string
	ask := func(_ context.Context, sys, q string) (Reply, bool) {
		if sys != system {
			t.Errorf("asked under another system prompt")
		}
		asked = append(asked, q)
		switch {
		case strings.Contains(q, "single digit"): // the rating fallback
			return Reply{Text: "4"}, false
		case strings.Contains(strings.ToLower(q), "rate"):
			return Reply{Text: "It is a lovely picture."}, false
		case strings.Contains(q, "Which country"):
			return Reply{Text: "The image most likely depicts Kenya."}, false
		case len(asked) == 1:
			return Reply{Class: generators.Refusal, Err: errors.New("content_filter")}, false
		}
		return Reply{Class: generators.Transient, Err: errors.New("503 overloaded")}, false
	}
	got, stop := j.Run(context.Background(), "Kenya", system, qs, nil, ask)
	if stop {
		t.Fatal("stopped")
	}
	if got.Status != store.StatusFailed || got.Class != string(generators.Transient) {
		t.Errorf("status %s/%s, want failed/transient (a transient question makes the task retryable)", got.Status, got.Class)
	}
	if got.Score.Attributed != "Kenya" || got.Score.Rating != 4 {
		t.Errorf("score %+v, want Kenya and rating 4 from the fallback", got.Score)
	}
	if got.Score.Accuracy != nil || got.Score.Questions != 2 || got.Score.Answered != 0 {
		t.Errorf("tally %+v: a refusal and a failure are not answers", got.Score)
	}
	fallbacks := 0
	for _, a := range got.Answers {
		if a.Protocol == ProtocolFallback {
			fallbacks++
		}
	}
	if len(got.Answers) != 5 || fallbacks != 1 {
		t.Errorf("%d answers with %d fallbacks, want 5 and 1: %+v", len(got.Answers), fallbacks, got.Answers)
	}

	// A later run keeps the refusal without asking again, and asks the
	// transient failure again.
	prev := map[string]store.Answer{}
	for _, a := range got.Answers {
		prev[a.QID] = a
	}
	asked = nil
	again, _ := j.Run(context.Background(), "Kenya", system, qs, prev, func(_ context.Context, _, q string) (Reply, bool) {
		asked = append(asked, q)
		return Reply{Text: "Yes."}, false
	})
	for _, q := range asked {
		if q == qs[0].Text {
			t.Error("the refused question was asked again")
		}
	}
	if again.Status != store.StatusOK {
		t.Errorf("second run status %s, want ok", again.Status)
	}

	// A stopping run records nothing.
	if _, stop := j.Run(context.Background(), "Kenya", system, qs, nil, func(context.Context, string, string) (Reply, bool) { return Reply{}, true }); !stop {
		t.Error("a stopping Ask did not stop the judgement")
	}
}

// TestJudgeRetrieves checks that the judge owns retrieval: country images
// get the corpus passages about their target in the system prompt,
// agnostic images get none.
func TestJudgeRetrieves(t *testing.T) {
	schema, _ := prompts.Builtin("ecb")
	cat := schema.Categories[0]
	ps := []corpus.Passage{{ID: "p1", Country: "Kenya", Category: cat.Name, URL: "https://example.org/kenya", Text: "Kenyan notes on " + cat.Subcategories[0]}}
	j := &Judge{Schema: schema, Questions: 2, TopK: 4, Corpus: corpus.NewIndex(ps)}
	p := prompts.Prompt{Set: prompts.SetCountry, Country: "Kenya", Category: cat.Name, Subcategory: cat.Subcategories[0], Text: "A " + cat.Subcategories[0] + " in Kenya."}
	system, _, err := j.Prepare(p, prompts.SetCountry, "Kenya")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(system, "Kenyan notes") {
		t.Errorf("the passage is not in the system prompt:\n%s", system)
	}
	system, qs, _ := j.Prepare(prompts.Prompt{Set: prompts.SetAgnostic, Category: cat.Name, Text: "A photo."}, prompts.SetAgnostic, "")
	if strings.Contains(system, "Kenyan notes") || len(qs) == 0 || qs[0].Kind != KindAttribution {
		t.Errorf("agnostic image: system %q, questions %+v", system, qs)
	}
}
