// Package infinity is the provider for image-embedding servers that speak
// the Infinity server's /embeddings API: an OpenAI-shaped request with a
// "modality" field ("image" or "text") and image inputs as data URIs. It
// serves CLIP, SigLIP and similar models, so diversity and drift can use
// learned embeddings. Failures are classified *generators.Error values.
package infinity

import (
	"context"
	"encoding/base64"
	"net/http"
	"strings"

	"github.com/blindspot-audit/blindspot/generators"
	"github.com/blindspot-audit/blindspot/generators/httpx"
	"github.com/blindspot-audit/blindspot/generators/openai"
)

// DefaultBaseURL is a local Infinity server.
const DefaultBaseURL = "http://127.0.0.1:7997"

// Client is one server.
type Client struct {
	base, key string
	http      *http.Client
}

// New opens a server; key, when set, is sent as a Bearer token.
func New(baseURL, key string) *Client {
	if baseURL == "" {
		baseURL = DefaultBaseURL
	}
	return &Client{base: strings.TrimSuffix(baseURL, "/"), key: key, http: httpx.Client(0)}
}

// Embed embeds an image (as a data URI) or a text.
func (c *Client) Embed(ctx context.Context, req generators.EmbedRequest) (*generators.Response, error) {
	modality, input := "text", req.Text
	if req.Image != nil {
		modality = "image"
		input = "data:" + http.DetectContentType(req.Image) + ";base64," + base64.StdEncoding.EncodeToString(req.Image)
	}
	h := http.Header{}
	if c.key != "" {
		h.Set("Authorization", "Bearer "+c.key)
	}
	var res openai.EmbeddingsResponse
	err := httpx.JSONCall{
		Client: c.http, Method: http.MethodPost, URL: c.base + "/embeddings", Header: h, Secrets: []string{c.key},
		Body:         map[string]any{"model": req.Model, "input": []string{input}, "modality": modality, "encoding_format": "float"},
		ErrorMessage: errorMessage,
	}.Do(ctx, &res)
	if err != nil {
		return nil, err
	}
	if len(res.Data) == 0 || len(res.Data[0].Embedding) == 0 {
		return nil, generators.Errorf(generators.BadOutput, "the response holds no embedding")
	}
	return &generators.Response{Vector: res.Data[0].Embedding, Usage: generators.Usage{InputTokens: res.Usage.PromptTokens}, ModelVersion: res.Model}, nil
}
