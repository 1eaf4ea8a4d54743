package openai

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/blindspot-audit/blindspot/generators"
	"github.com/blindspot-audit/blindspot/generators/conformance"
	"github.com/blindspot-audit/blindspot/generators/sim"
)

// secret is a planted API key that must never show up in an error.
const secret = "sk-planted-SECRET-0123456789"

// faultServer is an OpenAI-compatible fake: the simulator behind the
// checks a real server makes (path, method, bearer key, required fields,
// multipart parts), with every conformance fault injectable.
type faultServer struct {
	mu    sync.Mutex
	fault conformance.Fault
	next  http.Handler
}

func (f *faultServer) set(x conformance.Fault) {
	f.mu.Lock()
	f.fault = x
	f.mu.Unlock()
}

func (f *faultServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	fault := f.fault
	f.mu.Unlock()
	errJSON := func(status int, typ, code, msg string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		w.Write([]byte(`{"error": {"message": "` + msg + `", "type": "` + typ + `", "param": null, "code": "` + code + `"}}`))
	}
	chat := strings.HasSuffix(r.URL.Path, "/chat/completions")
	switch fault {
	case conformance.RateLimited:
		w.Header().Set("Retry-After", "2")
		errJSON(http.StatusTooManyRequests, "requests", "rate_limit_exceeded", "Rate limit reached")
	case conformance.ServerError:
		errJSON(http.StatusInternalServerError, "server_error", "", "The server had an error")
	case conformance.Garbage:
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<html><body>502 Bad Gateway</body></html>"))
	case conformance.Truncated:
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"created": 1, "data": [{"b64_json": "iVBO`))
	case conformance.Oversized:
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"data": [{"b64_json": "` + strings.Repeat("A", 2<<20) + `"}]}`))
	case conformance.Empty:
		w.Header().Set("Content-Type", "application/json")
		switch {
		case chat:
			w.Write([]byte(`{"id": "x", "object": "chat.completion", "created": 1, "model": "m", "choices": []}`))
		case strings.HasSuffix(r.URL.Path, "/embeddings"):
			w.Write([]byte(`{"object": "list", "data": [], "model": "m", "usage": {"prompt_tokens": 1, "total_tokens": 1}}`))
		default:
			w.Write([]byte(`{"created": 1, "data": []}`))
		}
	case conformance.Refused:
		if chat {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"id": "x", "object": "chat.completion", "created": 1, "model": "m", "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": null, "refusal": "I can't help with that."}}]}`))
			return
		}
		errJSON(http.StatusBadRequest, "invalid_request_error", "content_policy_violation", "Your request was rejected as a result of our safety system.")
	case conformance.Unauthorized:
		errJSON(http.StatusUnauthorized, "invalid_request_error", "invalid_api_key", "Incorrect API key provided: "+strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
	case conformance.Hangup:
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	default:
		f.next.ServeHTTP(w, r)
	}
}

func TestConformance(t *testing.T) {
	p, _ := sim.New(sim.Options{})
	fs := &faultServer{next: (&sim.Server{Models: map[string]*sim.Provider{"m": p}, APIKey: secret}).Handler()}
	srv := httptest.NewServer(fs)
	defer srv.Close()
	c, err := New(Config{BaseURL: srv.URL + "/v1", APIKey: secret, Options: Options{MaxResponseMB: 1}})
	if err != nil {
		t.Fatal(err)
	}
	conformance.Run(t, conformance.Harness{
		Generator: c, Editor: c, Chat: c, Embedder: c, Model: "m",
		SetFault: fs.set, Secret: secret,
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
