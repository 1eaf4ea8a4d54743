package audit

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/sourcegraph/conc/iter"

	"github.com/blindspot-audit/blindspot/audit/policy"
	"github.com/blindspot-audit/blindspot/audit/spec"
	"github.com/blindspot-audit/blindspot/audit/store"
	"github.com/blindspot-audit/blindspot/generators"
	"github.com/blindspot-audit/blindspot/generators/httpx"
	"github.com/blindspot-audit/blindspot/prompts"
	"github.com/blindspot-audit/blindspot/vqa"
)

// StageTranslate is the stage that settles the text of every prompt in
// another language before any image is made.
const StageTranslate = "translate"

// Translator prompts. The answer is the translation alone; parseTranslation
// forgives quotes and a leading label.
const (
	translatorSystem = "You translate short prompts for an image generator. Keep the meaning and the register; answer with the translation only, without quotes or notes."
	translateCue     = "Translate into %s (%s):\n%s"
	// maxTranslationBytes caps a stored translation: a prompt is a line.
	maxTranslationBytes = 1000
)

// TranslationPrompt is what the translator is asked to translate text
// into a language (code and name).
func TranslationPrompt(code, name, text string) string {
	return fmt.Sprintf(translateCue, name, code, text)
}

// ParseTranslation takes a translator's answer: its first non-empty line,
// without surrounding quotes or a leading "Translation:" label. ok is
// false for an empty or over-long answer.
func ParseTranslation(answer string) (string, bool) {
	line := ""
	for _, l := range strings.Split(answer, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			line = l
			break
		}
	}
	if i := strings.Index(line, ":"); i > 0 && i < 24 {
		label := strings.ToLower(strings.TrimSpace(line[:i]))
		if label == "translation" || label == "answer" || strings.HasSuffix(label, " translation") {
			line = strings.TrimSpace(line[i+1:])
		}
	}
	for _, q := range [][2]string{{`"`, `"`}, {"“", "”"}, {"«", "»"}, {"「", "」"}, {"'", "'"}} {
		if len(line) >= len(q[0])+len(q[1]) && strings.HasPrefix(line, q[0]) && strings.HasSuffix(line, q[1]) {
			line = strings.TrimSpace(line[len(q[0]) : len(line)-len(q[1])])
		}
	}
	if line == "" || len(line) > maxTranslationBytes || !utf8.ValidString(line) {
		return "", false
	}
	return line, true
}

// ResolveTranslations settles the text of every prompt in another
// language, in this order: a native reviewer's correction recorded in the
// run store; the schema's translation; the translator endpoint's (asked
// once, then read from the store). With a translator, every translation
// is also translated back into English. translate false (a worker) only
// reads what the store holds. A prompt left without text (its translation
// failed, or a worker found none) is dropped from this run's plan; the
// summary counts them from their failed calls (store.DB.Untranslated), and
// the next run asks again.
func (e *Engine) ResolveTranslations(ctx context.Context, translate bool) error {
	stored, err := e.Run.DB().Translations(ctx)
	if err != nil {
		return err
	}
	have := map[string]store.Translation{}
	for _, t := range stored {
		have[t.ID] = t
	}
	a := e.Plan.Audit
	var translator *trans
	if eps := a.Models.Translator; translate && len(eps) > 0 {
		translator = &trans{e: e, ep: eps[0].Name}
	}
	type job struct {
		i    int
		prev store.Translation
		ok   bool
	}
	var jobs []job
	for i, p := range e.Plan.Prompts {
		if p.Language == prompts.English {
			continue
		}
		prev, ok := have[p.TranslationID()]
		jobs = append(jobs, job{i, prev, ok})
	}
	results := iter.Map(jobs, func(j *job) *store.Translation {
		return e.settle(ctx, &e.Plan.Prompts[j.i], j.prev, j.ok, translator)
	})
	var put []store.Translation
	kept := e.Plan.Prompts[:0]
	e.pending = nil
	for _, p := range e.Plan.Prompts {
		if p.Pending() {
			if !translate {
				e.pending = append(e.pending, p)
			}
			continue
		}
		kept = append(kept, p)
	}
	e.Plan.Prompts = kept
	for _, t := range results {
		if t != nil {
			put = append(put, *t)
		}
	}
	if len(put) > 0 {
		if err := e.Run.PutTranslations(put); err != nil {
			return fmt.Errorf("recording translations: %w", err)
		}
	}
	return nil
}

// settle gives one prompt its text and returns the translation to record,
// or nil when the store already holds it as it is.
func (e *Engine) settle(ctx context.Context, p *prompts.Prompt, prev store.Translation, stored bool, tr *trans) *store.Translation {
	name := e.Plan.Audit.Schema.LanguageName(p.Language)
	row := store.Translation{ID: p.TranslationID(), Language: p.Language, PromptSet: p.Set, Country: p.Country, Category: p.Category,
		Subcategory: p.Subcategory, Variant: p.Variant, Source: p.Source}
	sameCell := stored && prev.Source == p.Source
	switch {
	case sameCell && prev.Origin == store.OriginReviewer:
		// A reviewer's correction stands until the English source changes.
		*p = p.Translated(prev.Text, prompts.StatusReviewed)
		if prev.Back != "" || tr == nil {
			return nil
		}
		row = prev
	case !p.Pending():
		if sameCell && prev.Origin == store.OriginSchema && prev.Text == p.Text {
			if prev.Status != store.TranslationDraft || prev.Back != "" || tr == nil {
				if prev.Status == store.TranslationReviewed || prev.Status == store.TranslationRejected {
					*p = p.Translated(p.Text, prev.Status)
				}
				return nil
			}
			row = prev
		} else {
			row.Text, row.Origin, row.Status = p.Text, store.OriginSchema, p.Translation
		}
	case sameCell && prev.Origin == store.OriginMachine:
		*p = p.Translated(prev.Text, prev.Status)
		if prev.Back != "" || tr == nil {
			return nil
		}
		row = prev
	case tr != nil:
		text, ok := tr.ask(ctx, row.ID, p.Language, name, p.Source)
		if !ok {
			return nil
		}
		*p = p.Translated(text, prompts.StatusDraft)
		row.Text, row.Origin, row.Status, row.Translator = text, store.OriginMachine, store.TranslationDraft, tr.ep
	default:
		return nil // stays pending: dropped from this run
	}
	if tr != nil && row.Back == "" {
		if back, ok := tr.ask(ctx, row.ID+":back", prompts.English, "English", row.Text); ok {
			row.Back, row.Translator = back, tr.ep
		}
	}
	return &row
}

// trans asks the translator endpoint, through the run's call policy.
type trans struct {
	e  *Engine
	ep string
}

func (t *trans) ask(ctx context.Context, taskID, code, name, text string) (string, bool) {
	e := t.e
	ep := endpointOf(e.Plan.Audit, t.ep)
	chat := e.Endpoints[ep.Name].Chat
	prompt := TranslationPrompt(code, name, text)
	req := generators.ChatRequest{Model: ep.Model, System: translatorSystem, Prompt: prompt, MaxTokens: 400}
	o := e.call(ctx, "translate:"+taskID, StageTranslate, &policy.Call{
		Endpoint: ep.Name,
		Key:      policy.Key(map[string]any{"endpoint": ep.Identity(), "role": "translator", "system": translatorSystem, "prompt": prompt, "max_tokens": 400}),
		Estimate: generators.Usage{InputTokens: len(prompt) / 3, OutputTokens: 60},
		// An answer without a translation is a failed call: recorded as
		// bad output and not cached, so the next run asks again.
		Do: func(ctx context.Context) (*generators.Response, error) {
			resp, err := chat.Chat(ctx, req)
			if err == nil {
				if _, ok := ParseTranslation(resp.Text); !ok {
					return nil, generators.Errorf(generators.BadOutput, "the translator's answer holds no translation: %q", httpx.Truncate(resp.Text, 200))
				}
			}
			return resp, err
		},
	})
	if o.Class != "" || o.Resp == nil {
		return "", false
	}
	return ParseTranslation(o.Resp.Text)
}

// translateQuestions asks the judge's yes/no questions in the prompt's
// language (judge.language: prompt). A question whose translation fails
// is asked in English, and stored as asked.
func (e *Engine) translateQuestions(ctx context.Context, p prompts.Prompt, qs []vqa.Question) {
	a := e.Plan.Audit
	if a.Judge.Language != spec.JudgeLanguagePrompt || p.Language == prompts.English || len(a.Models.Translator) == 0 {
		return
	}
	tr := &trans{e: e, ep: a.Models.Translator[0].Name}
	name := a.Schema.LanguageName(p.Language)
	for i, q := range qs {
		if q.Kind != vqa.KindYesNo && q.Kind != vqa.KindLLM {
			continue
		}
		if text, ok := tr.ask(ctx, "question:"+prompts.ContentID(p.Language, q.Text), p.Language, name, q.Text); ok {
			qs[i].Text, qs[i].Lang = text, p.Language
		}
	}
}
