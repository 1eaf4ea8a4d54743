package ollama

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/blindspot-audit/blindspot/generators"
	"github.com/blindspot-audit/blindspot/generators/conformance"
	"github.com/blindspot-audit/blindspot/generators/sim"
)

// fakeOllama answers /api/chat and /api/embed with the simulator, checking
// what Ollama checks: method, JSON body, a known model, messages, base64
// images, and no streaming asked of a client that reads one object.
func fakeOllama(t *testing.T, p *sim.Provider) http.Handler {
	fail := func(w http.ResponseWriter, status int, msg string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]string{"error": msg})
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/chat", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Model    string `json:"model"`
			Stream   *bool  `json:"stream"`
			Messages []struct {
				Role, Content string
				Images        []string
			} `json:"messages"`
			Options map[string]any `json:"options"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			fail(w, 400, "invalid JSON: "+err.Error())
			return
		}
		if req.Model != "m" {
			fail(w, 404, `model "`+req.Model+`" not found, try pulling it first`)
			return
		}
		if req.Stream == nil || *req.Stream {
			t.Error("the client asked for a stream")
		}
		if len(req.Messages) == 0 {
			fail(w, 400, "messages are required")
			return
		}
		cr := generators.ChatRequest{Model: req.Model}
		for _, m := range req.Messages {
			switch m.Role {
			case "system":
				cr.System = m.Content
			case "user":
				cr.Prompt = m.Content
				for _, s := range m.Images {
					b, err := base64.StdEncoding.DecodeString(s)
					if err != nil {
						fail(w, 400, "illegal base64 data in images")
						return
					}
					cr.Images = append(cr.Images, b)
				}
			}
		}
		resp, err := p.Chat(r.Context(), cr)
		if err != nil {
			fail(w, 500, err.Error())
			return
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		json.NewEncoder(w).Encode(map[string]any{"model": req.Model, "created_at": time.Now().Format(time.RFC3339),
			"message": map[string]any{"role": "assistant", "content": resp.Text}, "done": true, "done_reason": "stop",
			"prompt_eval_count": resp.Usage.InputTokens, "eval_count": resp.Usage.OutputTokens})
	})
	mux.HandleFunc("POST /api/embed", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Model string `json:"model"`
			Input string `json:"input"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Input == "" {
			fail(w, 400, "invalid input")
			return
		}
		resp, _ := p.Embed(r.Context(), generators.EmbedRequest{Model: req.Model, Text: req.Input})
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		json.NewEncoder(w).Encode(map[string]any{"model": req.Model, "embeddings": [][]float64{resp.Vector}, "prompt_eval_count": 3})
	})
	return mux
}

var ollamaShapes = conformance.Shapes{
	Error: func(w http.ResponseWriter, r *http.Request, status int, code, msg string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]string{"error": msg})
	},
	Empty: func(r *http.Request) string {
		if strings.HasSuffix(r.URL.Path, "/api/embed") {
			return `{"model": "m", "embeddings": []}`
		}
		return `{"model": "m", "done": true}`
	},
	OversizedBytes: 65 << 20,
}

func TestConformance(t *testing.T) {
	p, _ := sim.New(sim.Options{})
	fs := &conformance.FaultServer{Next: fakeOllama(t, p), Shapes: ollamaShapes}
	srv := httptest.NewServer(fs)
	defer srv.Close()
	c := New(srv.URL, "sk-ollama-proxy-key")
	conformance.Run(t, conformance.Harness{
		Chat: c, Embedder: c, Model: "m", SetFault: fs.Set, Secret: "sk-ollama-proxy-key", TextEmbeddings: true,
		Skip: map[conformance.Fault]string{conformance.Refused: "Ollama has no content-policy error; a refusal is ordinary text"},
	})
}

func TestUnknownModelIsPermanent(t *testing.T) {
	p, _ := sim.New(sim.Options{})
	srv := httptest.NewServer(fakeOllama(t, p))
	defer srv.Close()
	_, err := New(srv.URL, "").Chat(t.Context(), generators.ChatRequest{Model: "llava:13b", Prompt: "hi"})
	if generators.ClassOf(err) != generators.Permanent || !strings.Contains(err.Error(), "not found") {
		t.Fatalf("unknown model: %v", err)
	}
	if _, err := New(srv.URL, "").Embed(t.Context(), generators.EmbedRequest{Model: "m", Image: []byte("png")}); generators.ClassOf(err) != generators.Permanent {
		t.Fatalf("image embedding: %v", err)
	}
}
