package main

import (
	"bytes"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// realServer is an OpenAI-compatible server written for these tests,
// independently of the simulator and of Blindspot's parsers, that answers
// the way real models do. Its image model paints each picture in one
// culture's colour (the culture it chose, with a known per-country
// fidelity and a known default for prompts that name no country). Its VLM
// reads the colour back and answers in many formats: attribution as a
// letter, "(B)", a name, a demonym, an alias, or a bare "Yes" (a small
// model that did not read the options); ratings as "4", "4/5", "Rating:
// 4", "four", JSON, or a sentence with no number; and one yes/no template
// the wrong way round.
type realServer struct {
	fidelity    map[string]float64 // chance a prompt naming the country is drawn as it
	defaultTo   string             // culture of the images that were not drawn as asked
	defaultRate float64            // chance an agnostic prompt is drawn as defaultTo
	ignoreSeeds bool
	nearSeeds   bool // seeds change one pixel a little: new bytes, same look
	textOnlyEmb bool // embeddings embed the input string, whatever it holds

	mu       sync.Mutex
	agnostic map[string]string    // image key -> culture drawn, for agnostic prompts
	drawn    map[string][2]string // image key -> (country named, culture drawn), for the rest
	calls    map[string]int
}

var realCultures = []string{"China", "India", "Kenya", "Korea", "Nigeria", "United States"}

// realColours are the cultures' colours; distinct in every channel.
var realColours = map[string]color.RGBA{
	"China": {200, 30, 30, 255}, "India": {240, 150, 20, 255}, "Kenya": {30, 140, 60, 255},
	"Korea": {40, 60, 200, 255}, "Nigeria": {120, 200, 120, 255}, "United States": {150, 150, 160, 255},
}

func realUnit(parts ...string) float64 {
	h := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return float64(binary.BigEndian.Uint64(h[:8])>>11) / (1 << 53)
}

func (s *realServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var body map[string]any
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		http.Error(w, `{"error":{"message":"bad json"}}`, http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	s.calls[r.URL.Path]++
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	switch r.URL.Path {
	case "/v1/images/generations":
		s.generate(w, body)
	case "/v1/chat/completions":
		s.chat(w, body)
	case "/v1/embeddings":
		s.embed(w, body)
	default:
		http.NotFound(w, r)
	}
}

func (s *realServer) generate(w http.ResponseWriter, body map[string]any) {
	prompt, _ := body["prompt"].(string)
	seed := fmt.Sprint(body["seed"])
	pixelSeed := seed
	if s.ignoreSeeds || s.nearSeeds {
		seed = ""
	}
	named := ""
	for _, c := range realCultures {
		if strings.Contains(prompt, c) {
			named = c
		}
	}
	culture := s.defaultTo
	u := realUnit("draw", prompt, seed)
	switch {
	case named != "" && u < s.fidelity[named]:
		culture = named
	case named == "" && u >= s.defaultRate:
		others := []string{}
		for _, c := range realCultures {
			if c != s.defaultTo {
				others = append(others, c)
			}
		}
		culture = others[int(realUnit("other", prompt, seed)*float64(len(others)))]
	}
	s.mu.Lock()
	if named == "" {
		s.agnostic[prompt+"\x00"+seed] = culture
	} else {
		s.drawn[prompt+"\x00"+seed] = [2]string{named, culture}
	}
	s.mu.Unlock()
	c := realColours[culture]
	img := image.NewRGBA(image.Rect(0, 0, 32, 32))
	for y := 0; y < 32; y++ {
		for x := 0; x < 32; x++ {
			// A little texture from the prompt and seed, so images differ.
			d := uint8(8 * realUnit("px", prompt, seed, fmt.Sprint(x/8, y/8)))
			img.Set(x, y, color.RGBA{c.R + d, c.G + d, c.B + d, 255})
		}
	}
	if s.nearSeeds {
		img.Set(0, 0, color.RGBA{c.R, c.G, c.B + pixelSeed[len(pixelSeed)-1] - '0', 255})
	}
	var buf bytes.Buffer
	png.Encode(&buf, img)
	json.NewEncoder(w).Encode(map[string]any{"created": 1, "data": []map[string]any{{"b64_json": base64.StdEncoding.EncodeToString(buf.Bytes())}}})
}

// seen reads the culture an image was painted in: the nearest colour.
func seen(img image.Image) string {
	r, g, b, _ := img.At(16, 16).RGBA()
	best, bd := "", math.Inf(1)
	for c, col := range realColours {
		d := math.Pow(float64(r>>8)-float64(col.R), 2) + math.Pow(float64(g>>8)-float64(col.G), 2) + math.Pow(float64(b>>8)-float64(col.B), 2)
		if d < bd {
			best, bd = c, d
		}
	}
	return best
}

func decodeDataURI(u string) (image.Image, error) {
	_, b64, ok := strings.Cut(u, ";base64,")
	if !ok {
		return nil, fmt.Errorf("not a data URI")
	}
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, err
	}
	return png.Decode(bytes.NewReader(raw))
}

var optionLineRe = regexp.MustCompile(`(?m)^([A-Z])\) (.+)$`)

var realDemonyms = map[string]string{"China": "Chinese", "India": "Indian", "Kenya": "Kenyan", "Korea": "Korean", "Nigeria": "Nigerian", "United States": "American"}
var realAliases = map[string]string{"China": "the People's Republic of China", "India": "Bharat", "Kenya": "Republic of Kenya", "Korea": "South Korea", "Nigeria": "Nigeria", "United States": "USA"}

func (s *realServer) chat(w http.ResponseWriter, body map[string]any) {
	var question, uri string
	msgs, _ := body["messages"].([]any)
	for _, m := range msgs {
		mm, _ := m.(map[string]any)
		if mm["role"] != "user" {
			continue
		}
		switch c := mm["content"].(type) {
		case string:
			question = c
		case []any:
			for _, p := range c {
				pm, _ := p.(map[string]any)
				if t, ok := pm["text"].(string); ok {
					question = t
				}
				if iu, ok := pm["image_url"].(map[string]any); ok {
					uri, _ = iu["url"].(string)
				}
			}
		}
	}
	img, err := decodeDataURI(uri)
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"error":{"message":%q}}`, "image: "+err.Error())
		return
	}
	culture := seen(img)
	style := realUnit("style", question, uri)
	named := ""
	for _, c := range realCultures {
		if strings.Contains(question, "of "+c) || strings.Contains(question, " "+c+" ") || strings.Contains(question, " "+c+"?") || strings.HasSuffix(question, c) {
			named = c
		}
	}
	var answer string
	switch {
	case strings.Contains(question, "country name only"):
		answer = culture
	case strings.Contains(question, "Which country"):
		letter := ""
		for _, m := range optionLineRe.FindAllStringSubmatch(question, -1) {
			if m[2] == culture {
				letter = m[1]
			}
		}
		switch n := int(style * 7); n {
		case 0:
			answer = letter
		case 1:
			answer = "(" + letter + ")"
		case 2:
			answer = culture
		case 3:
			answer = "The image appears to be " + realDemonyms[culture] + "."
		case 4:
			answer = realAliases[culture]
		case 5:
			answer = "Yes" // a small model that did not read the options
		default:
			answer = letter + ") " + culture
		}
	case strings.Contains(question, "modern or a traditional"):
		answer = "Modern."
	case strings.Contains(question, "continent; country"):
		answer = "Somewhere; " + culture + "; scene"
	case strings.Contains(question, "single digit"):
		answer = fmt.Sprint(realRating(culture, named))
	case strings.Contains(question, "Rate how well"):
		v := realRating(culture, named)
		words := []string{"", "one", "two", "three", "four", "five"}
		switch n := int(style * 6); n {
		case 0:
			answer = fmt.Sprint(v)
		case 1:
			answer = fmt.Sprintf("%d/5", v)
		case 2:
			answer = fmt.Sprintf("Rating: %d", v)
		case 3:
			answer = words[v]
		case 4:
			answer = fmt.Sprintf(`{"rating": %d}`, v)
		default:
			answer = "It captures some of the culture, I suppose." // no number at all
		}
	default: // yes/no
		faithful := culture == named
		contradiction := regexp.MustCompile(`different|foreign|contradict|generic`).MatchString(question)
		yes := faithful != contradiction
		if strings.Contains(question, "generic depiction") {
			yes = !yes // this model reads that template backwards
		}
		answer = map[bool]string{true: "Yes.", false: "No."}[yes]
	}
	json.NewEncoder(w).Encode(map[string]any{"id": "c1", "object": "chat.completion", "model": "real-vlm",
		"choices": []map[string]any{{"index": 0, "finish_reason": "stop", "message": map[string]any{"role": "assistant", "content": answer}}},
		"usage":   map[string]any{"prompt_tokens": 50, "completion_tokens": 3, "total_tokens": 53}})
}

func realRating(culture, named string) int {
	if culture == named {
		return 4
	}
	return 2
}

// embed embeds images by colour (or, text-only, the input string's
// character trigrams, as a text embedding model would embed a data URI).
func (s *realServer) embed(w http.ResponseWriter, body map[string]any) {
	in, _ := body["input"].(string)
	vec := make([]float64, 16)
	if img, err := decodeDataURI(in); err == nil && !s.textOnlyEmb {
		r, g, b, _ := img.At(16, 16).RGBA()
		vec[0], vec[1], vec[2] = float64(r>>8), float64(g>>8), float64(b>>8)
		vec[3] = 1
	} else {
		for i := 0; i+3 <= len(in); i++ {
			h := sha256.Sum256([]byte(in[i : i+3]))
			vec[int(h[0])%16]++
		}
	}
	json.NewEncoder(w).Encode(map[string]any{"object": "list", "model": "real-embed",
		"data":  []map[string]any{{"object": "embedding", "index": 0, "embedding": vec}},
		"usage": map[string]any{"prompt_tokens": 1, "total_tokens": 1}})
}

func newRealServer(t *testing.T, rs *realServer) *httptest.Server {
	rs.agnostic, rs.drawn, rs.calls = map[string]string{}, map[string][2]string{}, map[string]int{}
	srv := httptest.NewServer(rs)
	t.Cleanup(srv.Close)
	return srv
}

const realSpec = `name: real
countries: [China, India, Kenya, Korea, Nigeria, United States]
categories: [architecture, food]
prompt_sets: [country_specific, agnostic]
samples: 4
models:
  t2i: [{name: gen, provider: openai, base_url: URL/v1, model: real-image, concurrency: 8, openai: {send_seed: SEED}}]
  vlm: [{name: judge, provider: openai, base_url: URL/v1, model: real-vlm, concurrency: 8}]
  embedder: [{name: emb, provider: openai, base_url: URL/v1, model: real-embed, concurrency: 8, openai: {image_input: data_uri}}]
judge:
  questions: 8
  ratings: true
output: run
`

type realSummary struct {
	Metrics    []map[string]any `json:"metrics"`
	Withheld   []map[string]any `json:"withheld"`
	Notices    []string         `json:"notices"`
	ParseRates []struct {
		Kind      string  `json:"kind"`
		Asked     int     `json:"asked"`
		Usable    int     `json:"usable"`
		Fallbacks int     `json:"fallbacks"`
		Rate      float64 `json:"parse_rate"`
	} `json:"parse_rates"`
	JudgeHealth []struct {
		QID      string   `json:"qid"`
		Example  string   `json:"example"`
		Answered int      `json:"answered"`
		YesShare float64  `json:"yes_share"`
		Accuracy float64  `json:"accuracy"`
		ItemRest *float64 `json:"item_rest_r"`
		Flagged  bool     `json:"flagged"`
	} `json:"judge_health"`
	Seeds []struct {
		Model      string `json:"model"`
		Prompts    int    `json:"prompts"`
		AllSame    int    `json:"all_same"`
		Duplicates int    `json:"duplicates"`
		Distinct   int    `json:"distinct"`
		Perceptual int    `json:"perceptual_duplicates"`
	} `json:"seeds"`
}

func runReal(t *testing.T, rs *realServer, sendSeed string) (realSummary, string) {
	t.Helper()
	srv := newRealServer(t, rs)
	return runRealSpec(t, t.TempDir(), strings.NewReplacer("URL", srv.URL, "SEED", sendSeed).Replace(realSpec))
}

func runRealSpec(t *testing.T, dir, spec string) (realSummary, string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, "real.yaml"), []byte(spec), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	no := false
	app := &App{Stdout: &out, Stderr: &errb, Dir: dir, Terminal: &no, Getenv: func(string) string { return "" }}
	if code := app.Main([]string{"run", "real.yaml", "--json", "-q"}); code != ExitOK {
		t.Fatalf("run: exit %d\n%s\n%s", code, out.String(), errb.String())
	}
	var s realSummary
	if err := json.Unmarshal(out.Bytes(), &s); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	var text bytes.Buffer
	app = &App{Stdout: &text, Stderr: &errb, Dir: dir, Terminal: &no, Getenv: func(string) string { return "" }}
	if code := app.Main([]string{"summary", "run"}); code != ExitOK {
		t.Fatalf("summary: exit %d\n%s", code, errb.String())
	}
	return s, text.String()
}

func metricValue(ms []map[string]any, name, set, country string) (float64, bool) {
	for _, m := range ms {
		if m["name"] == name && m["prompt_set"] == set && m["country"] == country && m["category"] == nil && m["variant"] == nil {
			v, ok := m["value"].(float64)
			return v, ok
		}
	}
	return 0, false
}

// TestRealVLMAnswers runs an audit against realServer: the agnostic
// default share must be the truth the server drew, whatever format its
// judge answered in, with every attribution and rating read (after one
// fallback question where needed), and no metric may count "unparsed".
func TestRealVLMAnswers(t *testing.T) {
	t.Parallel()
	rs := &realServer{defaultTo: "United States", defaultRate: 0.85,
		fidelity: map[string]float64{"United States": 0.95, "Korea": 0.9, "China": 0.8, "India": 0.6, "Nigeria": 0.4, "Kenya": 0.3}}
	srv := newRealServer(t, rs)
	dir := t.TempDir()
	spec := strings.NewReplacer("URL", srv.URL, "SEED", "true").Replace(realSpec)
	s, text := runRealSpec(t, dir, spec)

	// The truth: the share of agnostic images the server drew as American.
	us := 0
	for _, c := range rs.agnostic {
		if c == "United States" {
			us++
		}
	}
	truth := float64(us) / float64(len(rs.agnostic))
	got, ok := metricValue(s.Metrics, "global_north_share", "agnostic", "")
	if !ok {
		t.Fatalf("no global_north_share for agnostic prompts; withheld %v; notices %v", s.Withheld, s.Notices)
	}
	t.Logf("agnostic default share: measured %.3f, drawn %.3f (%d images), injected %.2f", got, truth, len(rs.agnostic), rs.defaultRate)
	if math.Abs(got-truth) > 0.005 || math.Abs(got-rs.defaultRate) > 0.05 {
		t.Errorf("global-north share %.3f, drawn %.3f, injected %.2f", got, truth, rs.defaultRate)
	}
	for _, kind := range []string{"attribution", "rating"} {
		found := false
		for _, p := range s.ParseRates {
			if p.Kind != kind {
				continue
			}
			found = true
			t.Logf("%s: asked %d, usable %d, fallbacks %d, parse rate %.3f", kind, p.Asked, p.Usable, p.Fallbacks, p.Rate)
			if p.Rate < 0.99 || p.Fallbacks == 0 {
				t.Errorf("%s parse rate %.3f after %d fallbacks", kind, p.Rate, p.Fallbacks)
			}
		}
		if !found {
			t.Errorf("no parse rate for %s", kind)
		}
	}
	for _, m := range append(s.Metrics, s.Withheld...) {
		if c, _ := m["country"].(string); c == "unparsed" || c == "refused" || c == "error" {
			t.Errorf("a metric counts %q: %v", c, m)
		}
	}
	if len(s.Withheld) > 0 {
		t.Errorf("withheld %v", s.Withheld)
	}
	// The template the server reads backwards, and only it, is flagged.
	flagged := map[string]bool{}
	for _, h := range s.JudgeHealth {
		r := math.NaN()
		if h.ItemRest != nil {
			r = *h.ItemRest
		}
		t.Logf("judge health %s %q: answered %d, yes %.2f, as expected %.2f, item-rest r %.2f, flagged %v", h.QID, h.Example, h.Answered, h.YesShare, h.Accuracy, r, h.Flagged)
		if h.Flagged {
			flagged[h.QID] = true
		}
		if strings.Contains(h.Example, "generic depiction") != h.Flagged {
			t.Errorf("template %s %q flagged %v", h.QID, h.Example, h.Flagged)
		}
	}
	if len(flagged) != 1 || len(s.Notices) != 1 || !strings.Contains(s.Notices[0], "generic depiction") {
		t.Errorf("flagged %v, notices %v", flagged, s.Notices)
	}
	if !strings.Contains(text, "Judge health") || !strings.Contains(text, "FLAGGED") {
		t.Errorf("the summary does not show judge health:\n%s", text)
	}

	// With the flagged template dropped, judge accuracy per country is the
	// share of images the server drew as asked (its judge sees perfectly).
	// The re-run calls no model: only the metrics change.
	calls := rs.calls["/v1/chat/completions"]
	s, _ = runRealSpec(t, dir, strings.Replace(spec, "  ratings: true", "  ratings: true\n  drop_flagged: true", 1))
	if rs.calls["/v1/chat/completions"] != calls {
		t.Errorf("the re-run made %d judge calls", rs.calls["/v1/chat/completions"]-calls)
	}
	faithful, total := map[string]int{}, map[string]int{}
	for _, d := range rs.drawn {
		total[d[0]]++
		if d[0] == d[1] {
			faithful[d[0]]++
		}
	}
	for _, c := range realCultures {
		want := float64(faithful[c]) / float64(total[c])
		got, ok := metricValue(s.Metrics, "vqa_accuracy", "country_specific", c)
		t.Logf("%s: judge accuracy %.3f without the flagged template, drawn as asked %.3f", c, got, want)
		if !ok || math.Abs(got-want) > 1e-9 {
			t.Errorf("%s: accuracy %.3f (found %v), drawn as asked %.3f", c, got, ok, want)
		}
	}
	if len(s.Notices) != 1 || !strings.Contains(s.Notices[0], "left out of judge accuracy") {
		t.Errorf("notices %v", s.Notices)
	}
	if _, ok := metricValue(s.Metrics, "cultural_rating", "country_specific", "Korea"); !ok {
		t.Error("no cultural rating for Korea")
	}
	if !strings.Contains(text, "Judge answers") || !strings.Contains(text, "attribution") {
		t.Errorf("the summary does not show the parse rates:\n%s", text)
	}
}

// TestRealSeedsIgnored: an image endpoint that returns the same image for
// every seed (here: seeds are not sent) must not double n, and the summary
// must say so.
func TestRealSeedsIgnored(t *testing.T) {
	t.Parallel()
	rs := &realServer{defaultTo: "United States", defaultRate: 0.85, fidelity: map[string]float64{"Korea": 0.9}}
	s, text := runReal(t, rs, "false")
	if len(s.Seeds) != 1 || s.Seeds[0].AllSame != s.Seeds[0].Prompts || s.Seeds[0].Prompts == 0 {
		t.Fatalf("seeds %+v", s.Seeds)
	}
	if !strings.Contains(text, "returned the same image for every seed") {
		t.Errorf("no warning in the summary:\n%s", text)
	}
	// 21 agnostic prompts x 4 seeds, one distinct image each.
	for _, m := range s.Metrics {
		if m["name"] == "global_north_share" && m["prompt_set"] == "agnostic" {
			if n := m["n"].(float64); n != 21 {
				t.Errorf("global-north share counts n=%v images, want the 21 distinct", n)
			}
			return
		}
	}
	t.Error("no global_north_share")
}

// TestCheckSeedsAndEmbeddings: check says whether an image endpoint
// honours seeds, and fails an embedder whose vectors do not come from
// pixels (a text embedding model given the image's data URI).
func TestCheckSeedsAndEmbeddings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		server      *realServer
		sendSeed    string
		wantCode    int
		wantInTable []string
	}{
		{"honest", &realServer{defaultTo: "United States", defaultRate: 0.85}, "true", ExitOK, []string{"seeds honoured", "embeds pixels"}},
		{"seeds ignored", &realServer{defaultTo: "United States", defaultRate: 0.85, ignoreSeeds: true}, "true", ExitOK, []string{"seeds ignored"}},
		{"text-only embedder", &realServer{defaultTo: "United States", defaultRate: 0.85, textOnlyEmb: true}, "true", ExitCheckFailed, []string{"bad_output", "does not embed pixels"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newRealServer(t, tc.server)
			dir := t.TempDir()
			spec := strings.NewReplacer("URL", srv.URL, "SEED", tc.sendSeed).Replace(realSpec)
			os.WriteFile(filepath.Join(dir, "real.yaml"), []byte(spec), 0o644)
			var out, errb bytes.Buffer
			no := false
			app := &App{Stdout: &out, Stderr: &errb, Dir: dir, Terminal: &no, Getenv: func(string) string { return "" }}
			code := app.Main([]string{"check", "real.yaml"})
			table := strings.Join(strings.Fields(out.String()), " ")
			if code != tc.wantCode {
				t.Fatalf("exit %d, want %d\n%s\n%s", code, tc.wantCode, out.String(), errb.String())
			}
			for _, w := range tc.wantInTable {
				if !strings.Contains(table, w) {
					t.Errorf("check output lacks %q:\n%s", w, out.String())
				}
			}
		})
	}
}

// TestTextOnlyEmbedderRefused: an openai embeddings endpoint not declared
// multimodal cannot serve the image metrics; the spec says so at load
// time, naming the line.
func TestTextOnlyEmbedderRefused(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	spec := strings.NewReplacer("URL", "http://127.0.0.1:9", "SEED", "true", ", openai: {image_input: data_uri}", "").Replace(realSpec)
	os.WriteFile(filepath.Join(dir, "real.yaml"), []byte(spec), 0o644)
	var out, errb bytes.Buffer
	no := false
	app := &App{Stdout: &out, Stderr: &errb, Dir: dir, Terminal: &no, Getenv: func(string) string { return "" }}
	code := app.Main([]string{"run", "real.yaml"})
	if code != ExitUsage || !strings.Contains(errb.String(), "real.yaml:9:") || !strings.Contains(errb.String(), "openai.image_input") {
		t.Fatalf("exit %d\n%s", code, errb.String())
	}
}

// TestRealSeedsNearlyIgnored: seeds that change a pixel make new bytes but
// the same picture; the summary reports them apart from exact duplicates.
func TestRealSeedsNearlyIgnored(t *testing.T) {
	t.Parallel()
	rs := &realServer{defaultTo: "United States", defaultRate: 0.85, nearSeeds: true, fidelity: map[string]float64{"Korea": 0.9}}
	s, text := runReal(t, rs, "true")
	if len(s.Seeds) != 1 || s.Seeds[0].Duplicates != 0 || s.Seeds[0].Perceptual == 0 {
		t.Fatalf("seeds %+v", s.Seeds)
	}
	t.Logf("seeds: %+v", s.Seeds[0])
	if !strings.Contains(text, "perceptual hash distance 0") {
		t.Errorf("no perceptual warning in the summary:\n%s", text)
	}
}

// TestJudgeRetriesOnlyTransientQuestions: in one judgement one question
// gets a 429 (transient) and another a body that is not JSON (bad_output).
// The task is recorded as transient, and the next run asks again exactly
// the 429 question, not the bad_output one.
func TestJudgeRetriesOnlyTransientQuestions(t *testing.T) {
	t.Parallel()
	// Both orders: the transient failure before the bad output, and after.
	for _, order := range [][2]string{{"depict", "culturally representative"}, {"culturally representative", "depict"}} {
		t.Run(order[0]+" transient", func(t *testing.T) { judgeRetryCase(t, order[0], order[1]) })
	}
}

func judgeRetryCase(t *testing.T, transientText, badText string) {
	rs := &realServer{defaultTo: "United States", defaultRate: 0.85, fidelity: map[string]float64{"Korea": 0.9, "Kenya": 0.3}}
	var mu sync.Mutex
	healed := false
	asked := map[string]int{}
	inner := rs
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/chat/completions" {
			inner.ServeHTTP(w, r)
			return
		}
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		mu.Lock()
		defer mu.Unlock()
		switch {
		case bytes.Contains(body, []byte(transientText)):
			asked["transient"]++
			if !healed {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusTooManyRequests)
				w.Write([]byte(`{"error": {"message": "Rate limit reached", "type": "rate_limit_error"}}`))
				return
			}
		case bytes.Contains(body, []byte(badText)):
			asked["bad"]++
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"choices": [`)) // cut off
			return
		}
		mu.Unlock()
		inner.ServeHTTP(w, r)
		mu.Lock()
	})
	rs.agnostic, rs.drawn, rs.calls = map[string]string{}, map[string][2]string{}, map[string]int{}
	srv := httptest.NewServer(h)
	defer srv.Close()
	dir := t.TempDir()
	spec := `name: retry
countries: [Korea, Kenya]
categories: [food]
samples: 1
models:
  t2i: [{name: gen, provider: openai, base_url: URL/v1, model: real-image, openai: {send_seed: true}}]
  vlm: [{name: judge, provider: openai, base_url: URL/v1, model: real-vlm, retries: 0}]
judge: {questions: 4}
output: run
`
	spec = strings.ReplaceAll(spec, "URL", srv.URL)
	os.WriteFile(filepath.Join(dir, "r.yaml"), []byte(spec), 0o644)
	run := func() {
		var out, errb bytes.Buffer
		no := false
		app := &App{Stdout: &out, Stderr: &errb, Dir: dir, Terminal: &no, Getenv: func(string) string { return "" }}
		if code := app.Main([]string{"run", "r.yaml", "-q", "--json"}); code != ExitOK {
			t.Fatalf("exit %d: %s", code, errb.String())
		}
	}
	run()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "run/store.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	var classes []string
	rows, _ := db.Query(`SELECT DISTINCT error_class FROM tasks WHERE stage = 'judge'`)
	for rows.Next() {
		var c string
		rows.Scan(&c)
		classes = append(classes, c)
	}
	rows.Close()
	db.Close()
	if strings.Join(classes, ",") != "transient" {
		t.Fatalf("judge tasks recorded as %v, want transient", classes)
	}
	mu.Lock()
	first := map[string]int{"transient": asked["transient"], "bad": asked["bad"]}
	healed = true
	mu.Unlock()
	run()
	mu.Lock()
	defer mu.Unlock()
	t.Logf("first run asked %v; second run asked %d transient and %d bad_output questions again", first, asked["transient"]-first["transient"], asked["bad"]-first["bad"])
	if asked["transient"] == first["transient"] || asked["bad"] != first["bad"] {
		t.Errorf("second run: transient asked %d more times, bad_output %d more", asked["transient"]-first["transient"], asked["bad"]-first["bad"])
	}
}
