package openai

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/blindspot-audit/blindspot/generators"
	"github.com/blindspot-audit/blindspot/generators/conformance"
	"github.com/blindspot-audit/blindspot/generators/sim"
)

// secret is a planted API key that must never show up in an error.
const secret = "sk-planted-SECRET-0123456789"

// openAIShapes write faults the way the OpenAI API does.
var openAIShapes = conformance.Shapes{
	Error: func(w http.ResponseWriter, r *http.Request, status int, code, msg string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"message": msg, "type": "invalid_request_error", "param": nil, "code": code}})
	},
	Empty: func(r *http.Request) string {
		switch {
		case strings.HasSuffix(r.URL.Path, "/chat/completions"):
			return `{"id": "x", "object": "chat.completion", "created": 1, "model": "m", "choices": []}`
		case strings.HasSuffix(r.URL.Path, "/embeddings"):
			return `{"object": "list", "data": [], "model": "m", "usage": {"prompt_tokens": 1, "total_tokens": 1}}`
		}
		return `{"created": 1, "data": []}`
	},
	Refuse: func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if strings.HasSuffix(r.URL.Path, "/chat/completions") {
			w.Write([]byte(`{"id": "x", "object": "chat.completion", "created": 1, "model": "m", "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": null, "refusal": "I can't help with that."}}]}`))
			return
		}
		w.WriteHeader(http.StatusBadRequest)
		w.Write([]byte(`{"error": {"message": "Your request was rejected as a result of our safety system.", "type": "invalid_request_error", "param": null, "code": "content_policy_violation"}}`))
	},
	OversizedBytes: 2 << 20,
}

func TestConformance(t *testing.T) {
	p, _ := sim.New(sim.Options{})
	fs := &conformance.FaultServer{Next: (&sim.Server{Models: map[string]*sim.Provider{"m": p}, APIKey: secret}).Handler(), Shapes: openAIShapes}
	srv := httptest.NewServer(fs)
	defer srv.Close()
	c, err := New(Config{BaseURL: srv.URL + "/v1", APIKey: secret, Options: Options{MaxResponseMB: 1}})
	if err != nil {
		t.Fatal(err)
	}
	conformance.Run(t, conformance.Harness{
		Generator: c, Editor: c, Chat: c, Embedder: c, Model: "m",
		SetFault: fs.Set, Secret: secret,
	})
}

func TestWrongKeyIsPermanentAndRedacted(t *testing.T) {
	p, _ := sim.New(sim.Options{})
	srv := httptest.NewServer((&sim.Server{Models: map[string]*sim.Provider{"m": p}, APIKey: "the-right-key"}).Handler())
	defer srv.Close()
	c, _ := New(Config{BaseURL: srv.URL + "/v1", APIKey: secret})
	_, err := c.Chat(t.Context(), chatReq())
	if err == nil || !strings.Contains(err.Error(), "authentication failed") || strings.Contains(err.Error(), secret) {
		t.Fatalf("wrong key: %v", err)
	}
}

func TestURLResponseFormatDownloads(t *testing.T) {
	p, _ := sim.New(sim.Options{})
	srv := httptest.NewServer((&sim.Server{Models: map[string]*sim.Provider{"m": p}}).Handler())
	defer srv.Close()
	c, _ := New(Config{BaseURL: srv.URL + "/v1", Options: Options{ResponseFormat: "url"}})
	r, err := c.Generate(t.Context(), imgReq())
	if err != nil || len(r.Image) == 0 {
		t.Fatalf("url response: %v", err)
	}
}

func chatReq() generators.ChatRequest {
	return generators.ChatRequest{Model: "m", Prompt: "Is this Kenya?", Images: [][]byte{}}
}

func imgReq() generators.ImageRequest {
	return generators.ImageRequest{Model: "m", Prompt: "House in Kenya", Seed: 1}
}
