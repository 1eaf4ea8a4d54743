package spec

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/blindspot-audit/blindspot/generators/comfyui"
)

func TestExamplesLoad(t *testing.T) {
	for _, f := range []string{"../../examples/quickstart.yaml", "../../examples/quickstart-http.yaml", "../../examples/ecb.yaml", "../../examples/stories.yaml", "../../examples/reviewer-study.yaml", "../../examples/languages.yaml"} {
		a, err := Load(f)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if a.Schema == nil || len(a.SeedList) == 0 {
			t.Fatalf("%s: not resolved", f)
		}
		if strings.HasSuffix(f, "stories.yaml") && (a.Stories == nil || len(a.Stories.Prompts) != 48 || a.Stories.Lex.Find("kenkey") == nil) {
			t.Fatalf("%s: the story grid or the extra lexicon is missing", f)
		}
	}
}

const base = `name: t
models:
  t2i:
    - {name: g, provider: sim}
`

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want []string // each must appear in the error text
	}{
		{"unknown key", base + "colour: red\n", []string{"t.yaml:5:1: colour: unknown field \"colour\""}},
		{"nested unknown key", "name: t\nmodels:\n  t2i:\n    - {name: g, provider: sim, concurency: 3}\n", []string{"t.yaml:4:32: models.t2i[0].concurency: unknown field"}},
		{"wrong type", base + "samples: many\n", []string{"t.yaml:5:10: samples: expected a whole number"}},
		{"list expected", base + "countries: Kenya\n", []string{"countries: expected a list"}},
		{"languages", base + "countries: [Kenya]\nlanguages: [en, native, en, fr]\nextend:\n  translations:\n    xx1: {templates: {t2i: \"{Demonym} {subcategory}\", t2i_agnostic: \"{subcategory}\"}}\n",
			[]string{`languages[2]: language "en" is listed twice`, `languages[3]: the schema has no translation into "fr" (fr); add one under extend.translations, or declare a models.translator endpoint`,
				`translations.xx1: a translation needs a two- or three-letter ISO 639 code`, "translations.xx1.templates.t2i: placeholder {Demonym} is not available in a translated template"}},
		{"languages without English", base + "countries: [Kenya]\nlanguages: [sw]\n", []string{"t.yaml:6:1: languages: list en too: every measure but the language_* ones, each language gap and the edit chains read the English prompts (got sw)"}},
		{"unknown country", base + "countries: [Kenya, Atlantis]\n", []string{"t.yaml:5:20: countries[1]: unknown country \"Atlantis\""}},
		{"unknown category", base + "categories: [food, music]\n", []string{"categories[1]: unknown category or subcategory \"music\""}},
		{"bad placeholder", base + "templates:\n  t2i: \"{Variant} {dish} in {Country}\"\n", []string{"t.yaml:6:3: templates.t2i: unknown placeholder {dish}"}},
		{"agnostic names country", base + "templates:\n  t2i_agnostic: \"{subcategory} in {Country}\"\n", []string{"templates.t2i_agnostic: placeholder {Country} names a country"}},
		{"negative limit", "name: t\nmodels:\n  t2i:\n    - name: g\n      provider: sim\n      concurrency: -2\n      requests_per_minute: -1\n", []string{"t.yaml:6:7: models.t2i[0].concurrency: must be between 1 and 1024, got -2", "t.yaml:7:7: models.t2i[0].requests_per_minute: must not be negative"}},
		{"text-only embedder", base + "  embedder: [{name: e, provider: ollama}]\n", []string{"models.embedder[0].provider: provider \"ollama\" embeds text only"}},
		{"text-only openai embedder", base + "  embedder:\n    - {name: e, provider: openai, base_url: \"http://127.0.0.1:9/v1\"}\n",
			[]string{"t.yaml:6:17: models.embedder[0].provider: endpoint \"e\": an openai embeddings endpoint embeds text", "openai.image_input (data_uri, image_objects, messages)"}},
		{"analysis embedder", base + "  embedder: [{name: e, provider: sim}]\nanalysis: {embedder: f}\n", []string{"analysis.embedder: \"f\" is not a models.embedder endpoint (known: e)"}},
		{"acceptable thresholds", base + "analysis:\n  acceptable: {judge_accuracy: 1.5, judge_rating: 4, reviewer_rating: 7}\n",
			[]string{"analysis.acceptable.judge_accuracy: must be a share from 0 to 1, got 1.5", "analysis.acceptable.judge_rating: needs judge.ratings: true",
				"analysis.acceptable.reviewer_rating: must be a rating on the cultural scale, 1 to 5 (0 or absent: not used), got 7"}},
		{"review protocol", base + "review:\n  scales:\n    - {name: Cultural, range: [1, 20]}\n    - {name: acc, range: [1, 7], labels: [a, b]}\n    - {name: acc}\n  tags:\n    - {name: acc}\nanalysis: {acceptable: {reviewer_rating: 4}}\n",
			[]string{`review.scales[0].name: "Cultural": use lower-case letters`, "review.scales[0].range: [lowest, highest]: 1 or more, highest above lowest, at most 11 points; got [1 20]",
				"review.scales[1].labels: 2 labels for 7 points (1 to 7): name every point or none", `review.scales[2].name: "acc" is also the name of review.scales[1]`,
				`review.tags[0].name: "acc" is also the name of review.scales[1]`, "analysis.acceptable.reviewer_rating: needs a review scale named cultural"}},
		{"huge samples", base + "samples: 1000000000\n", []string{"t.yaml:5:1: samples: must be between 1 and 10000, got 1000000000"}},
		{"explicit zeros", "name: t\nsamples: 0\nmodels:\n  t2i: [{name: g, provider: sim, concurrency: 0, timeout: 0s}]\njudge: {questions: 0}\n",
			[]string{"samples: must be between 1 and 10000, got 0", "models.t2i[0].concurrency: must be between 1 and 1024, got 0",
				"models.t2i[0].timeout: must be positive", "judge.questions: must be an even number from 2 to 8 (half expect yes, half no), got 0"}},
		{"ollama cannot draw", "name: t\nmodels:\n  t2i:\n    - {name: g, provider: ollama}\n", []string{"provider \"ollama\" cannot serve role t2i"}},
		{"base url", "name: t\nmodels:\n  t2i:\n    - {name: g, provider: openai, base_url: localhost:8000}\n", []string{"models.t2i[0].base_url: must be an http(s) URL"}},
		{"unknown provider", "name: t\nmodels:\n  t2i:\n    - {name: g, provider: dalle}\n", []string{"models.t2i[0].provider: unknown provider \"dalle\""}},
		{"no t2i", "name: t\n", []string{"models.t2i: at least one text-to-image endpoint"}},
		{"sim bias out of range", "name: t\nmodels:\n  t2i:\n    - name: g\n      provider: sim\n      sim: {bias: {fidelity: {Kenya: 1.5}}}\n", []string{"models.t2i[0].sim.bias.fidelity.Kenya: must be a probability"}},
		{"chain without editor", base + "edit_chains:\n  - {name: c, kind: repeat, steps: 3}\n", []string{"edit_chains: edit chains need at least one endpoint under models.i2i"}},
		{"chain kind", base + "  i2i: [{name: e, provider: sim}]\nedit_chains:\n  - {name: c, kind: loop, steps: 3}\n", []string{"edit_chains[0].kind: unknown kind \"loop\""}},
		{"best/worst steps", base + "judge: {best_worst: [0, 3, 3]}\n", []string{"judge.best_worst[2]: steps must increase, got 3 after 3", "judge.best_worst: the best/worst pick needs a judge under models.vlm", "judge.best_worst: the best/worst pick chooses among the steps of edit_chains"}},
		{"best/worst one step", base + "judge:\n  best_worst: [2]\n", []string{"t.yaml:6:3: judge.best_worst: needs 2 to 10 edit steps to choose among, got 1"}},
		{"stories without a writer", base + "stories: {concepts: [friendship]}\n", []string{"stories: stories are written by the first models.llm endpoint"}},
		{"story fields", base + "  llm: [{name: w, provider: sim}]\nstories:\n  template: \"A story about {topic}\"\n  scenes: 5\n  similarity: embedding\n  lexicon: [missing.yaml]\n",
			[]string{"t.yaml:7:3: stories.template: unknown placeholder {topic}", "stories.scenes: must be between 0 (off) and 3", "stories.similarity: embedding similarity needs a models.embedder endpoint", "stories.lexicon[0]:"}},
		{"price for nobody", base + "prices:\n  dalle: {per_image: 0.04}\n", []string{"t.yaml:6:3: prices.dalle: no endpoint is named \"dalle\""}},
		{"duplicate key", base + "samples: 2\nsamples: 3\n", []string{"samples"}},
		{"bad yaml", "name: [\n", []string{"t.yaml", "invalid YAML"}},
		{"empty", "", []string{"the spec is empty"}},
		{"extension problem", base + "extend:\n  categories:\n    - {name: music, variants: eras, subcategories: [instrument]}\n", []string{"extend.categories[0].variants: unknown variant set \"eras\""}},
		{"many at once", base + "samples: -1\nbudget_usd: -5\njudge: {questions: 3}\n", []string{"samples:", "budget_usd:", "judge.questions:"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("t.yaml", []byte(tc.yaml), os.ReadFile)
			if err == nil {
				t.Fatal("accepted")
			}
			var se *Error
			if !errors.As(err, &se) {
				t.Fatalf("error is %T, want *spec.Error", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error\n%s\ndoes not contain %q", err, w)
				}
			}
		})
	}
}

func TestExtendAndDefaults(t *testing.T) {
	y := base + `extend:
  countries:
    - {name: Japan, demonym: Japanese, capital: Tokyo, language: Japanese}
  categories:
    - {name: music, variants: era, subcategories: [instrument]}
countries: [Japan, Kenya]
categories: [instrument]
`
	a, err := Parse("t.yaml", []byte(y), os.ReadFile)
	if err != nil {
		t.Fatal(err)
	}
	if a.Output != "runs/t" || a.Models.T2I[0].Concurrency != 4 || *a.Models.T2I[0].Retries != 3 || a.SeedList[0] != 1 {
		t.Fatalf("defaults not filled: %+v", a.Spec)
	}
	if _, ok := a.Schema.Country("Japan"); !ok {
		t.Fatal("extension lost")
	}
}

func FuzzParse(f *testing.F) {
	seed, _ := os.ReadFile("../../examples/quickstart.yaml")
	f.Add(seed)
	f.Add([]byte(base))
	f.Add([]byte("name: &a [*a]\n"))
	f.Add([]byte("models: {t2i: [{name: g, provider: sim, sim: {size: 99999}}]}\nedit_chains: [{kind: sequence}]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := Parse("f.yaml", data, func(string) ([]byte, error) { return nil, os.ErrNotExist })
		if err == nil {
			if a.Schema == nil || a.Output == "" || len(a.SeedList) == 0 {
				t.Fatalf("accepted a spec without resolving it: %q", data)
			}
			return
		}
		if strings.TrimSpace(err.Error()) == "" {
			t.Fatalf("empty error for %q", data)
		}
	})
}

func TestAliasBomb(t *testing.T) {
	y := "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\nextend:\n  variant_sets: {e: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]}\n"
	if _, err := Parse("t.yaml", []byte(y), os.ReadFile); err == nil {
		t.Fatal("accepted")
	}
}

func TestSchemaFile(t *testing.T) {
	dir := t.TempDir()
	good := `name: mini
countries:
  - {name: Japan, demonym: Japanese, capital: Tokyo, language: Japanese}
  - {name: Brazil, demonym: Brazilian, capital: Brasília, language: Portuguese}
variant_sets: {era: [general, modern, traditional]}
categories:
  - {name: food, variants: era, subcategories: [dessert, street_food]}
templates:
  t2i: "A photo of {variant} {subcategory} from {Country}."
  t2i_agnostic: "A photo of {variant} {subcategory}."
  i2i: "Make it {variant} {subcategory} from {Country}."
`
	os.WriteFile(dir+"/mini.yaml", []byte(good), 0o644)
	a, err := Parse(dir+"/spec.yaml", []byte(base+"schema: mini.yaml\n"), os.ReadFile)
	if err != nil {
		t.Fatal(err)
	}
	if c, ok := a.Schema.Country("Brazil"); !ok || c.Capital != "Brasília" {
		t.Fatalf("schema file not used: %+v", a.Schema)
	}
	bad := strings.Replace(good, "variants: era", "variants: eras", 1)
	os.WriteFile(dir+"/bad.yaml", []byte(bad), 0o644)
	_, err = Parse(dir+"/spec.yaml", []byte(base+"schema: bad.yaml\n"), os.ReadFile)
	if err == nil || !strings.Contains(err.Error(), "bad.yaml:7:18: categories[0].variants: unknown variant set \"eras\"") {
		t.Fatalf("error in a schema file: %v", err)
	}
	_, err = Parse(dir+"/spec.yaml", []byte(base+"schema: missing.yaml\n"), os.ReadFile)
	if err == nil || !strings.Contains(err.Error(), "spec.yaml:5:1: schema: \"missing.yaml\" is neither a built-in schema") {
		t.Fatalf("missing schema file: %v", err)
	}
}

func TestComfyUIWorkflows(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(dir+"/gen.json", []byte(`{"1": {"class_type": "CLIPTextEncode", "inputs": {"text": "{{prompt}}"}}}`), 0o644)
	os.WriteFile(dir+"/bad.json", []byte(`{"nodes": []}`), 0o644)
	ok := "name: t\nmodels:\n  t2i:\n    - {name: g, provider: comfyui, comfyui: {workflow: gen.json}}\n"
	a, err := Parse(dir+"/s.yaml", []byte(ok), os.ReadFile)
	if err != nil {
		t.Fatal(err)
	}
	if o, _ := a.Models.T2I[0].Options().(*comfyui.Options); o == nil || o.Generate == nil || a.Models.T2I[0].Identity() == "" {
		t.Fatal("workflow not loaded")
	}
	for name, tc := range map[string]struct{ yaml, want string }{
		"missing block":    {"name: t\nmodels:\n  t2i:\n    - {name: g, provider: comfyui}\n", "models.t2i[0]: a comfyui endpoint needs a comfyui block"},
		"missing file":     {"name: t\nmodels:\n  t2i:\n    - {name: g, provider: comfyui, comfyui: {workflow: nope.json}}\n", "models.t2i[0].comfyui.workflow: cannot read the workflow"},
		"ui format":        {"name: t\nmodels:\n  t2i:\n    - {name: g, provider: comfyui, comfyui: {workflow: bad.json}}\n", "bad.json: node nodes is not an API-format node"},
		"edit needs image": {"name: t\nmodels:\n  t2i:\n    - {name: g, provider: comfyui, comfyui: {workflow: gen.json}}\n  i2i:\n    - {name: e, provider: comfyui, comfyui: {edit_workflow: gen.json}}\n", "models.i2i[0].comfyui.edit_workflow: gen.json: an edit workflow needs"},
		"wrong provider":   {"name: t\nmodels:\n  t2i:\n    - {name: g, provider: sim, comfyui: {workflow: gen.json}}\n", "comfyui options are for provider comfyui"},
	} {
		_, err := Parse(dir+"/s.yaml", []byte(tc.yaml), os.ReadFile)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", name, err, tc.want)
		}
	}
}

func TestHTTPProviderBlock(t *testing.T) {
	good := `name: t
models:
  t2i:
    - name: flux
      provider: http
      api_key_env: BFL_API_KEY
      http:
        generate:
          url: https://api.bfl.ai/v1/flux-kontext-pro
          headers: {x-key: "{{key}}"}
          body: '{"prompt": {{prompt}}, "seed": {{seed}}}'
          poll: {url: "{{response.polling_url}}", interval: 1s, done: {path: status, in: [Ready]}}
          result: {url_path: result.sample}
          refused: {path: status, in: [Content Moderated]}
`
	if _, err := Parse("t.yaml", []byte(good), os.ReadFile); err != nil {
		t.Fatal(err)
	}
	bad := strings.Replace(good, "{{seed}}}", "{{sed}}}", 1)
	_, err := Parse("t.yaml", []byte(bad), os.ReadFile)
	if err == nil || !strings.Contains(err.Error(), "models.t2i[0].http.generate.placeholders: unknown placeholder {{sed}}") {
		t.Fatalf("bad placeholder: %v", err)
	}
	_, err = Parse("t.yaml", []byte("name: t\nmodels:\n  t2i:\n    - {name: g, provider: http}\n"), os.ReadFile)
	if err == nil || !strings.Contains(err.Error(), "needs an http block") {
		t.Fatalf("missing block: %v", err)
	}
}

// TestECBExampleCommentedEndpoints uncomments the real-endpoint examples in
// examples/ecb.yaml and checks that they are valid spec.
func TestECBExampleCommentedEndpoints(t *testing.T) {
	data, err := os.ReadFile("../../examples/ecb.yaml")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`(?m)^(\s+)# (- name:|  )`)
	uncommented := re.ReplaceAll(data, []byte("$1$2"))
	if bytes.Equal(uncommented, data) {
		t.Fatal("no commented endpoints found")
	}
	// The commented judge replaces the simulated one; with both uncommented
	// the spec has two, which is the one problem allowed here.
	uncommented = regexp.MustCompile(`(?m)^    - name: sim-judge\n(?:      .*\n)+`).ReplaceAll(uncommented, nil)
	uncommented = regexp.MustCompile(`(?m)^  sim-judge: .*\n`).ReplaceAll(uncommented, nil)
	a, err := Parse("../../examples/ecb.yaml", uncommented, ReadFile)
	if err != nil {
		t.Fatalf("the commented endpoints of examples/ecb.yaml are not valid:\n%v", err)
	}
	providers := map[string]bool{}
	for _, e := range a.Endpoints() {
		providers[e.Provider] = true
	}
	for _, p := range []string{"openai", "a1111", "comfyui", "http", "infinity", "sim"} {
		if !providers[p] {
			t.Errorf("examples/ecb.yaml shows no %s endpoint", p)
		}
	}
}

// TestErrorsQuoteExcerpts: a schema path that names some other file gets
// an error quoting at most a short excerpt of it.
func TestErrorsQuoteExcerpts(t *testing.T) {
	secret := strings.Repeat("root:x:0:0:root:/root:/bin/bash ", 200)
	_, err := Parse("t.yaml", []byte(base+"schema: other.txt\n"), func(string) ([]byte, error) { return []byte(secret), nil })
	if err == nil || len(err.Error()) > 2000 || strings.Count(err.Error(), "root:x") > 2 || !strings.Contains(err.Error(), "more characters") {
		t.Fatalf("error of %d bytes: %.300s", len(err.Error()), err)
	}
}

// TestSpecTooLarge: a file over the cap says so.
func TestSpecTooLarge(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big.yaml")
	os.WriteFile(path, bytes.Repeat([]byte("# padding\n"), MaxSpecBytes/10+1), 0o644)
	_, err := Load(path)
	if err == nil || !strings.Contains(err.Error(), "is too large") {
		t.Fatalf("%v", err)
	}
}
