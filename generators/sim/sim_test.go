package sim

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/blindspot-audit/blindspot/generators"
	"github.com/blindspot-audit/blindspot/generators/conformance"
)

func mustNew(t testing.TB, o Options) *Provider {
	t.Helper()
	p, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func fptr(f float64) *float64 { return &f }

// TestJudgeSeesTheRenderedCulture checks, for every built-in culture and
// era, that the VLM reads from the pixels what the generator drew.
func TestJudgeSeesTheRenderedCulture(t *testing.T) {
	ctx := context.Background()
	p := mustNew(t, Options{Bias: Bias{DefaultFidelity: fptr(1), EraFidelity: fptr(1)}})
	for _, country := range []string{"China", "India", "Kenya", "Korea", "Nigeria", "United States", "Japan"} {
		for _, era := range []string{"Traditional", "Modern"} {
			for seed := int64(0); seed < 3; seed++ {
				img, err := p.Generate(ctx, generators.ImageRequest{Model: "m", Prompt: era + " house in " + country + ", photorealistic.", Seed: seed})
				if err != nil {
					t.Fatal(err)
				}
				ans, err := p.Chat(ctx, generators.ChatRequest{Model: "v", Prompt: "Which country does this image most likely depict?", Images: [][]byte{img.Image}})
				if err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(ans.Text, country) {
					t.Errorf("%s %s seed %d: judge says %q", era, country, seed, ans.Text)
				}
				yn, _ := p.Chat(ctx, generators.ChatRequest{Model: "v", Prompt: "Does this image depict " + strings.ToLower(era) + " house from " + country + "?", Images: [][]byte{img.Image}})
				if !strings.Contains(yn.Text, "es") {
					t.Errorf("%s %s seed %d: yes/no judge says %q", era, country, seed, yn.Text)
				}
				neg, _ := p.Chat(ctx, generators.ChatRequest{Model: "v", Prompt: "Are there elements from a different culture that contradict " + strings.ToLower(era) + " " + country + " style?", Images: [][]byte{img.Image}})
				if !strings.Contains(strings.ToLower(neg.Text), "no") {
					t.Errorf("%s %s seed %d: contradiction judge says %q", era, country, seed, neg.Text)
				}
			}
		}
	}
}

func TestDeterministic(t *testing.T) {
	ctx := context.Background()
	p := mustNew(t, Options{})
	req := generators.ImageRequest{Model: "m", Prompt: "Festival in India, photorealistic.", Seed: 7}
	a, _ := p.Generate(ctx, req)
	b, _ := p.Generate(ctx, req)
	if !bytes.Equal(a.Image, b.Image) {
		t.Fatal("same request, different image")
	}
	req.Seed = 8
	c, _ := p.Generate(ctx, req)
	if bytes.Equal(a.Image, c.Image) {
		t.Fatal("different seed, same image")
	}
}

func TestBadInputImage(t *testing.T) {
	p := mustNew(t, Options{})
	_, err := p.Edit(context.Background(), generators.EditRequest{Model: "m", Instruction: "x", Image: []byte("not a png")})
	if generators.ClassOf(err) != generators.Permanent {
		t.Fatalf("got %v", err)
	}
}

func TestOptionsCheck(t *testing.T) {
	if _, err := New(Options{Noise: 2}); err == nil || !strings.Contains(err.Error(), "noise") {
		t.Fatalf("noise 2 accepted: %v", err)
	}
}

// TestStoryLeak measures the share of default-culture names in stories
// written for Kenya against the configured leak rate.
func TestStoryLeak(t *testing.T) {
	for _, leak := range []float64{0, 0.3, 1} {
		p := mustNew(t, Options{Leak: leak})
		own, def := 0, 0
		for seed := int64(0); seed < 300; seed++ {
			r, err := p.Chat(context.Background(), generators.ChatRequest{Model: "llm", Prompt: "Write a children's story about a festival for a Kenyan kid in Kenya.", Seed: seed})
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range lexicons["kenya"].Names {
				own += strings.Count(r.Text, n)
			}
			for _, n := range lexicons["united states"].Names {
				def += strings.Count(r.Text, n)
			}
		}
		got := float64(def) / float64(own+def)
		if got < leak-0.05 || got > leak+0.05 {
			t.Errorf("leak %.2f: measured %.3f", leak, got)
		}
	}
}

func TestEmbeddingIsNormalisedAndSeparatesCultures(t *testing.T) {
	ctx := context.Background()
	p := mustNew(t, Options{Bias: Bias{DefaultFidelity: fptr(1)}})
	emb := func(prompt string) []float64 {
		img, _ := p.Generate(ctx, generators.ImageRequest{Model: "m", Prompt: prompt, Seed: 1})
		r, err := p.Embed(ctx, generators.EmbedRequest{Model: "e", Image: img.Image})
		if err != nil {
			t.Fatal(err)
		}
		return r.Vector
	}
	dot := func(a, b []float64) (s float64) {
		for i := range a {
			s += a[i] * b[i]
		}
		return
	}
	k1, k2, c := emb("House in Kenya"), emb("Landmark in Kenya"), emb("House in China")
	if n := dot(k1, k1); n < 0.999 || n > 1.001 {
		t.Fatalf("norm %v", n)
	}
	if dot(k1, k2) <= dot(k1, c) {
		t.Fatalf("two Kenyan images (%.3f) are less alike than Kenya and China (%.3f)", dot(k1, k2), dot(k1, c))
	}
}

func TestConformance(t *testing.T) {
	p := mustNew(t, Options{})
	skip := map[conformance.Fault]string{}
	for f := range conformance.Want {
		skip[f] = "the in-process simulator has no server to fail"
	}
	conformance.Run(t, conformance.Harness{Generator: p, Editor: p, Chat: p, Embedder: p, Scorer: p, Model: "m", SetFault: func(conformance.Fault) {}, Skip: skip})
}

// TestServerCapsLikeTheAPI: serve-sim refuses, as the OpenAI API does, an
// n outside 1..10 and more than 2048 embedding inputs, with a 400 and
// without doing the work.
func TestServerCapsLikeTheAPI(t *testing.T) {
	p, _ := New(Options{})
	srv := httptest.NewServer((&Server{Models: map[string]*Provider{"sim": p}}).Handler())
	defer srv.Close()
	many := make([]string, 2049)
	for i := range many {
		many[i] = "x"
	}
	manyJSON, _ := json.Marshal(many)
	for _, tc := range []struct{ path, body string }{
		{"/v1/images/generations", `{"model": "sim", "prompt": "a house", "n": -1}`},
		{"/v1/images/generations", `{"model": "sim", "prompt": "a house", "n": 0}`},
		{"/v1/images/generations", `{"model": "sim", "prompt": "a house", "n": 11}`},
		{"/v1/embeddings", `{"model": "sim", "input": ` + string(manyJSON) + `}`},
	} {
		resp, err := http.Post(srv.URL+tc.path, "application/json", strings.NewReader(tc.body))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || len(body) > 1000 {
			t.Errorf("%s %.60s: %d, %d bytes", tc.path, tc.body, resp.StatusCode, len(body))
		}
	}
	resp, err := http.Post(srv.URL+"/v1/images/generations", "application/json", strings.NewReader(`{"model": "sim", "prompt": "a house", "response_format": "b64_json"}`))
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("without n: %v %v", err, resp.Status)
	}
	resp.Body.Close()
}
