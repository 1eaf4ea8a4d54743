// Package a1111 is the provider for the Stable Diffusion web UI API of
// Automatic1111, Forge and SD.Next: /sdapi/v1/txt2img (T2I) and
// /sdapi/v1/img2img (I2I), with prompt, negative prompt, seed, steps,
// sampler, CFG scale, size and denoising strength. A key, when the server
// runs with --api-auth, is "user:password" and is sent as HTTP Basic auth.
// Failures are classified *generators.Error values (generators/httpx); a
// response without images is bad output; safety filters that blank the
// image are caught as refusals by the engine.
package a1111

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/blindspot-audit/blindspot/generators"
	"github.com/blindspot-audit/blindspot/generators/httpx"
)

// Options are the generation parameters (the `a1111:` block of an endpoint).
type Options struct {
	NegativePrompt string  `yaml:"negative_prompt"`
	Steps          int     `yaml:"steps"`
	Sampler        string  `yaml:"sampler"`
	CFGScale       float64 `yaml:"cfg_scale"`
	// DenoisingStrength is how far img2img may move from its input (0..1).
	DenoisingStrength float64 `yaml:"denoising_strength"`
	// Checkpoint, when set, is loaded for the request (override_settings).
	Checkpoint string `yaml:"checkpoint"`
}

// Check returns every invalid option as "field: problem".
func (o Options) Check() []string {
	var out []string
	if o.Steps < 0 || o.Steps > 500 {
		out = append(out, fmt.Sprintf("steps: must be between 1 and 500, got %d", o.Steps))
	}
	if o.CFGScale < 0 || o.CFGScale > 50 {
		out = append(out, fmt.Sprintf("cfg_scale: must be between 0 and 50, got %g", o.CFGScale))
	}
	if o.DenoisingStrength < 0 || o.DenoisingStrength > 1 {
		out = append(out, fmt.Sprintf("denoising_strength: must be between 0 and 1, got %g", o.DenoisingStrength))
	}
	return out
}

// DefaultBaseURL is a local web UI.
const DefaultBaseURL = "http://127.0.0.1:7860"

// Client is one web UI server.
type Client struct {
	base string
	auth string // user:password for --api-auth
	size int
	opts Options
	http *http.Client
}

// New opens a server.
func New(baseURL, auth string, size int, o Options) *Client {
	if baseURL == "" {
		baseURL = DefaultBaseURL
	}
	if size == 0 {
		size = 512
	}
	if o.Steps == 0 {
		o.Steps = 20
	}
	if o.CFGScale == 0 {
		o.CFGScale = 7
	}
	if o.DenoisingStrength == 0 {
		o.DenoisingStrength = 0.6
	}
	return &Client{base: strings.TrimSuffix(baseURL, "/"), auth: auth, size: size, opts: o, http: httpx.Client(0)}
}

type response struct {
	Images []string `json:"images"`
	Info   string   `json:"info"`
}

func (c *Client) body(prompt string, seed int64) map[string]any {
	b := map[string]any{
		"prompt": prompt, "negative_prompt": c.opts.NegativePrompt, "seed": seed, "steps": c.opts.Steps,
		"cfg_scale": c.opts.CFGScale, "width": c.size, "height": c.size, "batch_size": 1, "n_iter": 1,
		"send_images": true, "save_images": false,
	}
	if c.opts.Sampler != "" {
		b["sampler_name"] = c.opts.Sampler
	}
	if c.opts.Checkpoint != "" {
		b["override_settings"] = map[string]any{"sd_model_checkpoint": c.opts.Checkpoint}
	}
	return b
}

func (c *Client) post(ctx context.Context, path string, body map[string]any) (*generators.Response, error) {
	h := http.Header{}
	var secrets []string
	if c.auth != "" {
		enc := base64.StdEncoding.EncodeToString([]byte(c.auth))
		h.Set("Authorization", "Basic "+enc)
		secrets = []string{c.auth, enc}
	}
	var res response
	err := httpx.JSONCall{
		Client: c.http, Method: http.MethodPost, URL: c.base + path, Header: h, Body: body, Secrets: secrets,
		ErrorMessage: errorMessage,
	}.Do(ctx, &res)
	if err != nil {
		return nil, err
	}
	if len(res.Images) == 0 {
		return nil, generators.Errorf(generators.BadOutput, "the response holds no image")
	}
	img, err := base64.StdEncoding.DecodeString(res.Images[0])
	if err != nil {
		return nil, &generators.Error{Class: generators.BadOutput, Msg: "the image is not base64", Err: err}
	}
	var info struct {
		Model string `json:"sd_model_name"`
		Hash  string `json:"sd_model_hash"`
	}
	json.Unmarshal([]byte(res.Info), &info)
	version := info.Model
	if info.Hash != "" {
		version += " [" + info.Hash + "]"
	}
	return &generators.Response{Image: img, Usage: generators.Usage{Images: 1}, ModelVersion: version}, nil
}

// errorMessage reads FastAPI's {"detail": ...} and the web UI's
// {"error": ..., "detail": ...} error bodies.
func errorMessage(b []byte) string {
	var e struct {
		Error  string          `json:"error"`
		Detail json.RawMessage `json:"detail"`
		Errors string          `json:"errors"`
	}
	if json.Unmarshal(b, &e) != nil {
		return ""
	}
	parts := []string{}
	for _, s := range []string{e.Error, e.Errors, strings.Trim(string(e.Detail), `"`)} {
		if s != "" && s != "null" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, ": ")
}

// Generate calls txt2img.
func (c *Client) Generate(ctx context.Context, req generators.ImageRequest) (*generators.Response, error) {
	b := c.body(req.Prompt, req.Seed)
	if req.Size > 0 {
		b["width"], b["height"] = req.Size, req.Size
	}
	return c.post(ctx, "/sdapi/v1/txt2img", b)
}

// Edit calls img2img with the previous image as its init image.
func (c *Client) Edit(ctx context.Context, req generators.EditRequest) (*generators.Response, error) {
	b := c.body(req.Instruction, req.Seed)
	b["init_images"] = []string{base64.StdEncoding.EncodeToString(req.Image)}
	b["denoising_strength"] = c.opts.DenoisingStrength
	return c.post(ctx, "/sdapi/v1/img2img", b)
}
