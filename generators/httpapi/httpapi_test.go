package httpapi

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/blindspot-audit/blindspot/generators"
	"github.com/blindspot-audit/blindspot/generators/conformance"
	"github.com/blindspot-audit/blindspot/generators/sim"
)

const bflKey = "bfl-secret-key-777"

// fakeBFL behaves like Black Forest Labs' API: submit with an x-key header,
// poll the returned URL until "Ready", fetch the signed sample URL.
// "Content Moderated" is its refusal.
type fakeBFL struct {
	p     *sim.Provider
	url   string
	mu    sync.Mutex
	jobs  map[string]int
	imgs  map[string][]byte
	count int
}

func (f *fakeBFL) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	writeJSON := func(status int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(v)
	}
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/v1/flux-kontext-pro":
		if r.Header.Get("x-key") != bflKey {
			writeJSON(403, map[string]any{"detail": "Not authenticated - Invalid Authentication"})
			return
		}
		var req struct {
			Prompt     string  `json:"prompt"`
			Seed       *int64  `json:"seed"`
			InputImage *string `json:"input_image"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Prompt == "" || req.Seed == nil {
			writeJSON(422, map[string]any{"detail": "prompt and seed are required"})
			return
		}
		var resp *generators.Response
		if req.InputImage != nil {
			b, err := base64.StdEncoding.DecodeString(*req.InputImage)
			if err != nil {
				writeJSON(422, map[string]any{"detail": "input_image must be base64"})
				return
			}
			resp, _ = f.p.Edit(r.Context(), generators.EditRequest{Model: "flux", Instruction: req.Prompt, Image: b, Seed: *req.Seed})
		} else {
			resp, _ = f.p.Generate(r.Context(), generators.ImageRequest{Model: "flux", Prompt: req.Prompt, Seed: *req.Seed})
		}
		f.mu.Lock()
		f.count++
		id := fmt.Sprintf("task-%d", f.count)
		f.jobs[id], f.imgs[id] = 0, resp.Image
		f.mu.Unlock()
		writeJSON(200, map[string]any{"id": id, "polling_url": f.url + "/v1/get_result?id=" + id})
	case r.Method == http.MethodGet && r.URL.Path == "/v1/get_result":
		id := r.URL.Query().Get("id")
		f.mu.Lock()
		n, ok := f.jobs[id]
		f.jobs[id] = n + 1
		f.mu.Unlock()
		switch {
		case !ok:
			writeJSON(404, map[string]any{"detail": "Task not found"})
		case n == 0:
			writeJSON(200, map[string]any{"id": id, "status": "Pending"})
		default:
			writeJSON(200, map[string]any{"id": id, "status": "Ready", "result": map[string]any{"sample": f.url + "/delivery/" + id + ".png"}})
		}
	case strings.HasPrefix(r.URL.Path, "/delivery/"):
		f.mu.Lock()
		img := f.imgs[strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/delivery/"), ".png")]
		f.mu.Unlock()
		w.Header().Set("Content-Type", "image/png")
		w.Write(img)
	default:
		http.NotFound(w, r)
	}
}

func bflOptions(base string) Options {
	req := func(body string) *Request {
		return &Request{
			Method: "POST", URL: base + "/v1/flux-kontext-pro",
			Headers: map[string]string{"x-key": "{{key}}", "accept": "application/json"},
			Body:    body,
			Poll: &Poll{URL: "{{response.polling_url}}", Interval: 5 * time.Millisecond,
				Done: Match{Path: "status", In: []string{"Ready"}}, Failed: &Match{Path: "status", In: []string{"Error", "Failed"}}},
			Result:  Result{URLPath: "result.sample"},
			Refused: &Match{Path: "status", In: []string{"Content Moderated", "Request Moderated"}},
		}
	}
	return Options{
		Generate: req(`{"prompt": {{prompt}}, "seed": {{seed}}}`),
		Edit:     req(`{"prompt": {{prompt}}, "seed": {{seed}}, "input_image": {{image_b64}}}`),
	}
}

func TestConformanceBFL(t *testing.T) {
	p, _ := sim.New(sim.Options{})
	bfl := &fakeBFL{p: p, jobs: map[string]int{}, imgs: map[string][]byte{}}
	fs := &conformance.FaultServer{Next: bfl, Shapes: conformance.Shapes{
		Error: func(w http.ResponseWriter, r *http.Request, status int, code, msg string) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			json.NewEncoder(w).Encode(map[string]any{"detail": msg})
		},
		Empty: func(r *http.Request) string { return `{"id": "x", "polling_url": ""}` },
		Refuse: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"id": "x", "status": "Content Moderated", "details": {"Moderation Reasons": ["Derivative Works Filter"]}}`))
		},
		OversizedBytes: 65 << 20,
	}}
	srv := httptest.NewServer(fs)
	defer srv.Close()
	bfl.url = srv.URL
	o := bflOptions(srv.URL)
	if errs := o.Check(); len(errs) > 0 {
		t.Fatal(errs)
	}
	c := New(o, bflKey)
	conformance.Run(t, conformance.Harness{Generator: c, Editor: c, Model: "flux", SetFault: fs.Set, Secret: bflKey})
}

// TestStabilityStyleForm declares a multipart request whose answer is the
// image itself, as Stability's v2 API gives with Accept: image/*.
func TestStabilityStyleForm(t *testing.T) {
	p, _ := sim.New(sim.Options{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer st-key" || r.Header.Get("Accept") != "image/*" {
			w.WriteHeader(401)
			return
		}
		if err := r.ParseMultipartForm(1 << 20); err != nil || r.FormValue("prompt") == "" || r.FormValue("output_format") != "png" {
			w.WriteHeader(400)
			io.WriteString(w, `{"errors": ["prompt and output_format are required"]}`)
			return
		}
		var resp *generators.Response
		if f, _, err := r.FormFile("image"); err == nil {
			b, _ := io.ReadAll(f)
			resp, _ = p.Edit(r.Context(), generators.EditRequest{Model: "sd3", Instruction: r.FormValue("prompt"), Image: b})
		} else {
			resp, _ = p.Generate(r.Context(), generators.ImageRequest{Model: "sd3", Prompt: r.FormValue("prompt")})
		}
		w.Header().Set("Content-Type", "image/png")
		w.Write(resp.Image)
	}))
	defer srv.Close()
	req := func(form map[string]string) *Request {
		return &Request{URL: srv.URL + "/v2beta/stable-image/generate/sd3", Headers: map[string]string{"Authorization": "Bearer {{key}}", "Accept": "image/*"},
			Form: form, Result: Result{Raw: true}}
	}
	o := Options{
		Generate: req(map[string]string{"prompt": "{{prompt}}", "output_format": "png", "seed": "{{seed}}"}),
		Edit:     req(map[string]string{"prompt": "{{prompt}}", "output_format": "png", "image": "{{image}}"}),
	}
	if errs := o.Check(); len(errs) > 0 {
		t.Fatal(errs)
	}
	c := New(o, "st-key")
	img, err := c.Generate(t.Context(), generators.ImageRequest{Prompt: "House in Kenya", Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Edit(t.Context(), generators.EditRequest{Instruction: "Change it to Korea", Image: img.Image}); err != nil {
		t.Fatal(err)
	}
}

func TestCheck(t *testing.T) {
	for name, tc := range map[string]struct {
		o    Options
		want string
	}{
		"nothing":         {Options{}, "needs a generate, edit or score request"},
		"bad json":        {Options{Generate: &Request{URL: "https://x/y", Body: `{"prompt": {{prompt}}`, Result: Result{Raw: true}}}, "not valid JSON"},
		"bad url":         {Options{Generate: &Request{URL: "ftp://x", Body: `{}`, Result: Result{Raw: true}}}, "url: must be an http(s) URL"},
		"placeholder":     {Options{Generate: &Request{URL: "https://x", Body: `{"p": {{promt}}}`, Result: Result{Raw: true}}}, "unknown placeholder {{promt}}"},
		"two results":     {Options{Generate: &Request{URL: "https://x", Body: `{}`, Result: Result{Raw: true, URLPath: "a"}}}, "exactly one of"},
		"edit no image":   {Options{Edit: &Request{URL: "https://x", Body: `{"p": {{prompt}}}`, Result: Result{Raw: true}}}, "must send the image"},
		"poll incomplete": {Options{Generate: &Request{URL: "https://x", Body: `{}`, Result: Result{Raw: true}, Poll: &Poll{URL: "{{response.u}}"}}}, "poll.done"},
	} {
		errs := strings.Join(tc.o.Check(), "; ")
		if !strings.Contains(errs, tc.want) {
			t.Errorf("%s: %q, want %q", name, errs, tc.want)
		}
	}
}

func FuzzFill(f *testing.F) {
	f.Add(`{"prompt": {{prompt}}, "seed": {{seed}}}`, "a \"quoted\" prompt\n")
	f.Fuzz(func(t *testing.T, tmpl, prompt string) {
		out := fill(tmpl, vars{Prompt: prompt, Seed: 3}, nil, true)
		if json.Valid([]byte(tmpl)) && !strings.Contains(tmpl, "{{") && out != tmpl {
			t.Fatalf("a template without placeholders changed: %q -> %q", tmpl, out)
		}
		if tmpl == `{"p": {{prompt}}}` && !json.Valid([]byte(out)) {
			t.Fatalf("prompt %q broke the JSON: %s", prompt, out)
		}
	})
}

func TestScoreRequest(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Image string `json:"image"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || !strings.HasPrefix(req.Image, "data:image/png;base64,") {
			w.WriteHeader(422)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"predictions": [{"aesthetic_score": 6.25}]}`)
	}))
	defer srv.Close()
	o := Options{Score: &Request{URL: srv.URL + "/predict", Body: `{"image": {{image_data_uri}}}`, Result: Result{ScorePath: "predictions.0.aesthetic_score"}}}
	if errs := o.Check(); len(errs) > 0 {
		t.Fatal(errs)
	}
	p, _ := sim.New(sim.Options{})
	img, _ := p.Generate(t.Context(), generators.ImageRequest{Prompt: "House in Kenya"})
	r, err := New(o, "").Score(t.Context(), generators.ScoreRequest{Image: img.Image})
	if err != nil || r.Score == nil || *r.Score != 6.25 {
		t.Fatalf("score %v, %v", r, err)
	}
	bad := Options{Score: &Request{URL: srv.URL, Body: `{"image": {{image_b64}}}`, Result: Result{URLPath: "x"}}}
	if errs := strings.Join(bad.Check(), ";"); !strings.Contains(errs, "score_path") {
		t.Fatalf("a score request without score_path: %q", errs)
	}
}

// TestConformanceScorer runs the suite on a declared scorer: a fake
// aesthetic predictor that takes the image as base64 JSON and answers
// {"score": ...}, or {"status": "blocked"} for a refusal.
func TestConformanceScorer(t *testing.T) {
	const key = "sk-scorer-SECRET-42"
	predictor := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Image string `json:"image"`
		}
		if r.Header.Get("Authorization") != "Bearer "+key {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Image == "" {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"score": %.2f}`, 1+float64(len(req.Image)%900)/100)
	})
	fs := &conformance.FaultServer{Next: predictor, Shapes: conformance.Shapes{
		Error: func(w http.ResponseWriter, r *http.Request, status int, code, msg string) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			json.NewEncoder(w).Encode(map[string]any{"detail": msg})
		},
		Empty: func(r *http.Request) string { return `{"status": "ok"}` },
		Refuse: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"status": "blocked"}`))
		},
		OversizedBytes: 65 << 20,
	}}
	srv := httptest.NewServer(fs)
	defer srv.Close()
	o := Options{Score: &Request{
		Method: "POST", URL: srv.URL + "/score",
		Headers: map[string]string{"Authorization": "Bearer {{key}}"},
		Body:    `{"image": {{image_b64}}}`,
		Result:  Result{ScorePath: "score"},
		Refused: &Match{Path: "status", In: []string{"blocked"}},
	}}
	if errs := o.Check(); len(errs) > 0 {
		t.Fatal(errs)
	}
	c := New(o, key)
	conformance.Run(t, conformance.Harness{Scorer: c, Model: "aesthetic", SetFault: fs.Set, Secret: key})
}
