// Package ollama is the provider for Ollama's native API: /api/chat with
// base64 images (VLM judge, story LLM) and /api/embed (text embeddings).
// Requests are not streamed. Contract as for every provider: failures are
// classified *generators.Error values (see generators/httpx), a response
// without a message is bad output, the call policy does the retries.
package ollama

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/blindspot-audit/blindspot/generators"
	"github.com/blindspot-audit/blindspot/generators/httpx"
)

// DefaultBaseURL is a local Ollama.
const DefaultBaseURL = "http://127.0.0.1:11434"

// Client is one Ollama server.
type Client struct {
	base string
	key  string
	http *http.Client
}

// New opens an Ollama server; key, when set, is sent as a Bearer token (for
// Ollama behind an authenticating proxy).
func New(baseURL, key string) *Client {
	if baseURL == "" {
		baseURL = DefaultBaseURL
	}
	return &Client{base: strings.TrimSuffix(baseURL, "/"), key: key, http: httpx.Client(0)}
}

func (c *Client) call(ctx context.Context, path string, body, out any) error {
	h := http.Header{}
	if c.key != "" {
		h.Set("Authorization", "Bearer "+c.key)
	}
	return httpx.JSONCall{
		Client: c.http, Method: http.MethodPost, URL: c.base + path, Header: h, Body: body, Secrets: []string{c.key},
		ErrorMessage: func(b []byte) string {
			var e struct {
				Error string `json:"error"`
			}
			json.Unmarshal(b, &e)
			return e.Error
		},
	}.Do(ctx, out)
}

type message struct {
	Role    string   `json:"role"`
	Content string   `json:"content"`
	Images  []string `json:"images,omitempty"`
}

// Chat calls /api/chat.
func (c *Client) Chat(ctx context.Context, req generators.ChatRequest) (*generators.Response, error) {
	var msgs []message
	if req.System != "" {
		msgs = append(msgs, message{Role: "system", Content: req.System})
	}
	user := message{Role: "user", Content: req.Prompt}
	for _, img := range req.Images {
		user.Images = append(user.Images, base64.StdEncoding.EncodeToString(img))
	}
	msgs = append(msgs, user)
	opts := map[string]any{"temperature": req.Temperature, "seed": req.Seed}
	if req.MaxTokens > 0 {
		opts["num_predict"] = req.MaxTokens
	}
	var res struct {
		Model      string   `json:"model"`
		Message    *message `json:"message"`
		Done       bool     `json:"done"`
		DoneReason string   `json:"done_reason"`
		PromptEval int      `json:"prompt_eval_count"`
		Eval       int      `json:"eval_count"`
	}
	if err := c.call(ctx, "/api/chat", map[string]any{"model": req.Model, "messages": msgs, "stream": false, "options": opts}, &res); err != nil {
		return nil, err
	}
	if res.Message == nil || !res.Done {
		return nil, generators.Errorf(generators.BadOutput, "the response has no finished message")
	}
	return &generators.Response{Text: res.Message.Content, Usage: generators.Usage{InputTokens: res.PromptEval, OutputTokens: res.Eval}, ModelVersion: res.Model}, nil
}

// Embed calls /api/embed; Ollama embeds text only.
func (c *Client) Embed(ctx context.Context, req generators.EmbedRequest) (*generators.Response, error) {
	if req.Image != nil {
		return nil, generators.Errorf(generators.Permanent, "ollama embeds text only")
	}
	var res struct {
		Model      string      `json:"model"`
		Embeddings [][]float64 `json:"embeddings"`
		PromptEval int         `json:"prompt_eval_count"`
	}
	if err := c.call(ctx, "/api/embed", map[string]any{"model": req.Model, "input": req.Text}, &res); err != nil {
		return nil, err
	}
	if len(res.Embeddings) == 0 || len(res.Embeddings[0]) == 0 {
		return nil, generators.Errorf(generators.BadOutput, "the response holds no embedding")
	}
	return &generators.Response{Vector: res.Embeddings[0], Usage: generators.Usage{InputTokens: res.PromptEval}, ModelVersion: res.Model}, nil
}
