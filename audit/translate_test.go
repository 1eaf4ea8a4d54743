package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/blindspot-audit/blindspot/audit/metrics"
	"github.com/blindspot-audit/blindspot/audit/policy"
	"github.com/blindspot-audit/blindspot/audit/store"
	"github.com/blindspot-audit/blindspot/prompts"
)

func TestParseTranslation(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"Nyumba ya jadi nchini Kenya.", "Nyumba ya jadi nchini Kenya."},
		{"  \n\"Nyumba ya jadi\"\n", "Nyumba ya jadi"},
		{"Translation: «Nyumba ya jadi»", "Nyumba ya jadi"},
		{"Swahili translation: Nyumba", "Nyumba"},
		{"“한국의 집”\n\n(Note: 집 means house.)", "한국의 집"},
		{"「中国的房屋」", "中国的房屋"},
		{"Nyumba: ya jadi", "Nyumba: ya jadi"}, // a colon inside the text stays
		{"", ""},
		{"\n \n", ""},
		{`""`, ""},
		{strings.Repeat("a", maxTranslationBytes+1), ""},
	} {
		got, ok := ParseTranslation(c.in)
		if got != c.want || ok != (c.want != "") {
			t.Errorf("ParseTranslation(%q) = %q, %v; want %q", c.in, got, ok, c.want)
		}
	}
}

func FuzzParseTranslation(f *testing.F) {
	for _, s := range []string{"Translation: «x»", "\"\"", "“”", "a\nb", "Answer: 'y'"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := ParseTranslation(s)
		if ok && (got == "" || len(got) > maxTranslationBytes || !utf8.ValidString(got) || strings.Contains(got, "\n")) {
			t.Fatalf("ParseTranslation(%q) = %q", s, got)
		}
	})
}

// translatorServer is an OpenAI-compatible chat server written for this
// test: it translates into any language by wrapping the text in the
// language's code, answers in the formats real models use (a label,
// quotes, a note after the text), fails some calls once with a 500, and
// answers one text with nothing at all until told otherwise.
type translatorServer struct {
	mu      sync.Mutex
	seen    map[string]int
	silence string // a text answered with empty content
}

func (s *translatorServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/v1/chat/completions" || r.Header.Get("Content-Type") != "application/json" {
		http.Error(w, `{"error":{"message":"not found"}}`, http.StatusNotFound)
		return
	}
	var body struct {
		Model    string `json:"model"`
		Messages []struct {
			Role    string `json:"role"`
			Content any    `json:"content"`
		} `json:"messages"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.Model == "" {
		http.Error(w, `{"error":{"message":"bad request"}}`, http.StatusBadRequest)
		return
	}
	var user string
	for _, m := range body.Messages {
		if m.Role != "user" {
			continue
		}
		switch c := m.Content.(type) { // a string, or an array of parts
		case string:
			user = c
		case []any:
			for _, part := range c {
				if p, ok := part.(map[string]any); ok && p["type"] == "text" {
					user, _ = p["text"].(string)
				}
			}
		}
	}
	if !strings.HasPrefix(user, "Translate into ") {
		http.Error(w, `{"error":{"message":"this model only translates"}}`, http.StatusBadRequest)
		return
	}
	head, text, _ := strings.Cut(user, "\n")
	code := head[strings.LastIndex(head, "(")+1 : max(strings.LastIndex(head, ")"), strings.LastIndex(head, "(")+1)]
	s.mu.Lock()
	s.seen[user]++
	n, silence := s.seen[user], s.silence
	s.mu.Unlock()
	if n == 1 && len(text)%3 == 0 {
		http.Error(w, `{"error":{"message":"overloaded"}}`, http.StatusInternalServerError)
		return
	}
	var out string
	switch {
	case text == silence:
		out = ""
	case code == "en":
		out = strings.TrimSuffix(strings.TrimPrefix(text, "<am>"), "</am>")
	default:
		out = "<" + code + ">" + text + "</" + code + ">"
	}
	switch len(text) % 4 {
	case 1:
		out = "Translation: \"" + out + "\""
	case 2:
		out = "«" + out + "»\n\nNote: literal translation."
	case 3:
		out = "\n" + out + "\n"
	}
	if text == silence {
		out = ""
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"id": "x", "object": "chat.completion", "model": body.Model,
		"choices": []map[string]any{{"index": 0, "finish_reason": "stop", "message": map[string]any{"role": "assistant", "content": out}}},
		"usage":   map[string]int{"prompt_tokens": 20, "completion_tokens": 10}})
}

// amharicSpec audits Ethiopia in English and Amharic, a language the
// built-in schema has no translation for; a test adds the translator.
const amharicSpec = `name: amharic
extend:
  countries: [{name: Ethiopia, demonym: Ethiopian, capital: Addis Ababa, language: Amharic, region: East Africa, languages: [{code: am, name: Amharic}]}]
countries: [Ethiopia]
categories: [architecture]
languages: [en, native]
models:
  t2i: [{name: t2i, provider: sim}]
`

// TestTranslatorEndpoint: a language the schema has no translation for is
// translated by an OpenAI-compatible endpoint, whatever format it answers
// in; a translation that comes back empty leaves its prompt out of this
// run with a warning, in the run's summary, among its warnings (what the
// terminal and the report print) and in a summary read back from the
// store, and the next run asks again.
func TestTranslatorEndpoint(t *testing.T) {
	srv := &translatorServer{seen: map[string]int{}, silence: "Traditional house in Ethiopia, photorealistic."}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	spec := amharicSpec + fmt.Sprintf("  translator: [{name: tr, provider: openai, base_url: %s/v1, model: translate-1, retries: 2}]\n", ts.URL)
	dir := t.TempDir()
	a := loadSpec(t, spec)
	r := runAll(t, a, dir, Options{Backoff: policy.Backoff{Base: time.Millisecond, Max: time.Millisecond, MaxRetryAfter: time.Millisecond}})
	trs, err := r.Run.DB().Translations(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(trs) != 5 {
		t.Fatalf("%d translations stored, want 5 (6 prompts, one answered with nothing)", len(trs))
	}
	for _, tr := range trs {
		want := "<am>" + tr.Source + "</am>"
		if tr.Text != want || tr.Back != tr.Source || tr.Origin != store.OriginMachine || tr.Translator != "tr" {
			t.Errorf("stored %+v, want text %q translated back to its source", tr, want)
		}
	}
	const notice = "1 prompt(s) have no translation: the translator's calls failed (bad_output), so the run left them out"
	warned := func(s *metrics.Summary) bool {
		said := false
		for _, f := range s.Findings {
			said = said || (f.Kind == "caveat" && strings.HasPrefix(f.Text, notice))
		}
		return said
	}
	if !warned(r.Summary) {
		t.Errorf("no warning of the prompt left out: %q", r.Summary.Notices)
	}
	if s, err := metrics.Summarize(context.Background(), r.Run); err != nil || !warned(s) {
		t.Errorf("the summary read from the store does not warn of the prompt left out (%v): %q", err, s.Notices)
	}
	r.Close()
	srv.silence = ""
	r = runAll(t, loadSpec(t, spec), dir, Options{Backoff: policy.Backoff{Base: time.Millisecond, Max: time.Millisecond, MaxRetryAfter: time.Millisecond}})
	trs, _ = r.Run.DB().Translations(context.Background())
	if len(trs) != 6 {
		t.Errorf("%d translations after the second run, want 6", len(trs))
	}
	if warned(r.Summary) {
		t.Errorf("still a warning once every prompt is translated: %q", r.Summary.Notices)
	}
}

// TestWorkerFindsLaterTranslations: a worker that settled its plan before
// the run's first process recorded the translator's translations finds a
// queued unit's translated prompt by reading the store again.
func TestWorkerFindsLaterTranslations(t *testing.T) {
	const spec = amharicSpec + "  translator: [{name: tr, provider: sim}]\n"
	ctx := context.Background()
	first := runAll(t, loadSpec(t, spec), t.TempDir(), Options{})
	made, err := first.Run.DB().Translations(ctx)
	if err != nil || len(made) != 6 {
		t.Fatalf("%d translations made (%v)", len(made), err)
	}
	var translated prompts.Prompt
	for _, p := range first.Plan.Prompts {
		if p.Language == "am" {
			translated = p
		}
	}

	p, err := NewPlan(loadSpec(t, spec))
	if err != nil {
		t.Fatal(err)
	}
	late := NewRunner(p, Options{Dir: t.TempDir()})
	defer late.Close()
	if err := late.Stages()[0].Run(ctx); err != nil { // open
		t.Fatal(err)
	}
	if err := late.Engine.ResolveTranslations(ctx, false); err != nil {
		t.Fatal(err)
	}
	if _, ok := late.Engine.promptOf(ctx, translated.ID); ok {
		t.Fatal("found a translated prompt before any translation was stored")
	}
	if err := late.Run.PutTranslations(made); err != nil {
		t.Fatal(err)
	}
	got, ok := late.Engine.promptOf(ctx, translated.ID)
	if !ok || got.Text != translated.Text {
		t.Fatalf("after the translations were stored: %+v, %v; want %q", got, ok, translated.Text)
	}
}
