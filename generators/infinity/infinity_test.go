package infinity

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/blindspot-audit/blindspot/generators"
	"github.com/blindspot-audit/blindspot/generators/conformance"
	"github.com/blindspot-audit/blindspot/generators/sim"
)

// fakeInfinity embeds with the simulator, checking what Infinity checks: a
// bearer key, a model, a list input, a known modality, image data URIs.
func fakeInfinity(p *sim.Provider, key string) http.Handler {
	fail := func(w http.ResponseWriter, status int, msg string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"message": msg, "type": "invalid_request_error", "code": status}})
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/embeddings" {
			fail(w, 404, "not found")
			return
		}
		if r.Header.Get("Authorization") != "Bearer "+key {
			fail(w, 401, "invalid bearer token")
			return
		}
		var req struct {
			Model    string   `json:"model"`
			Input    []string `json:"input"`
			Modality string   `json:"modality"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Model == "" || len(req.Input) == 0 {
			fail(w, 422, "model and a list input are required")
			return
		}
		var er generators.EmbedRequest
		switch req.Modality {
		case "text":
			er.Text = req.Input[0]
		case "image":
			_, data, ok := strings.Cut(req.Input[0], ";base64,")
			b, err := base64.StdEncoding.DecodeString(data)
			if !ok || err != nil {
				fail(w, 400, "image input must be a base64 data URI")
				return
			}
			er.Image = b
		default:
			fail(w, 422, "unknown modality")
			return
		}
		resp, err := p.Embed(r.Context(), er)
		if err != nil {
			fail(w, 400, err.Error())
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"object": "list", "model": req.Model,
			"data": []any{map[string]any{"object": "embedding", "index": 0, "embedding": resp.Vector}}, "usage": map[string]any{"prompt_tokens": 1, "total_tokens": 1}})
	})
}

func TestConformance(t *testing.T) {
	const key = "inf-secret-key-42"
	p, _ := sim.New(sim.Options{})
	fs := &conformance.FaultServer{Next: fakeInfinity(p, key), Shapes: conformance.Shapes{
		Error: func(w http.ResponseWriter, r *http.Request, status int, code, msg string) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"message": msg}})
		},
		Empty:          func(*http.Request) string { return `{"object": "list", "data": [], "model": "clip"}` },
		OversizedBytes: 65 << 20,
	}}
	srv := httptest.NewServer(fs)
	defer srv.Close()
	c := New(srv.URL, key)
	conformance.Run(t, conformance.Harness{Embedder: c, Model: "clip", SetFault: fs.Set, Secret: key,
		Skip: map[conformance.Fault]string{conformance.Refused: "an embedding server has no content policy"}})
	if _, err := c.Embed(t.Context(), generators.EmbedRequest{Model: "clip", Text: "a house"}); err != nil {
		t.Fatalf("text: %v", err)
	}
}
