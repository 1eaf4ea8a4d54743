package openai

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/blindspot-audit/blindspot/generators"
	"github.com/blindspot-audit/blindspot/generators/httpx"
)

// Options configure an endpoint (the `openai:` block of a spec endpoint).
type Options struct {
	// Quality is passed to image generation ("low", "high", "hd", ...).
	Quality string `yaml:"quality"`
	// ResponseFormat asks for "b64_json" or "url" images; empty leaves it to
	// the server (gpt-image models always answer b64_json).
	ResponseFormat string `yaml:"response_format"`
	// SendSeed adds a "seed" field to image requests, which several
	// OpenAI-compatible servers honour (the official API does not take it).
	SendSeed bool `yaml:"send_seed"`
	// MaxResponseMB caps a response (default 64).
	MaxResponseMB int `yaml:"max_response_mb"`
	// ImageInput declares that the embeddings endpoint embeds images, and
	// in which request shape: "data_uri" (the image's data URI as the
	// input string, as CLIP servers such as Infinity take it),
	// "image_objects" (input: [{"image": data URI}], as Jina-style
	// multimodal servers take it) or "messages" (a chat message with an
	// image_url part, as vLLM's multimodal embedding models take it).
	// Empty: the endpoint embeds text only, and an image is never sent.
	ImageInput string `yaml:"image_input"`
}

// ImageInputs lists the values of Options.ImageInput.
var ImageInputs = []string{"data_uri", "image_objects", "messages"}

// Config is everything an endpoint needs.
type Config struct {
	BaseURL string
	APIKey  string
	Model   string
	Size    int
	Options Options
}

// Client is one OpenAI-compatible endpoint. It speaks the four JSON and
// multipart operations Blindspot uses directly: the official SDK would
// add 26 MB to the binary and minutes to a cold build for them.
type Client struct {
	cfg  Config
	http *http.Client
	base string
}

// DefaultBaseURL is OpenAI's API.
const DefaultBaseURL = "https://api.openai.com/v1/"

// New opens an endpoint.
func New(cfg Config) (*Client, error) {
	switch cfg.Options.ResponseFormat {
	case "", "b64_json", "url":
	default:
		return nil, fmt.Errorf("openai.response_format must be b64_json or url, got %q", cfg.Options.ResponseFormat)
	}
	switch cfg.Options.ImageInput {
	case "", "data_uri", "image_objects", "messages":
	default:
		return nil, fmt.Errorf("openai.image_input must be one of %s, got %q", strings.Join(ImageInputs, ", "), cfg.Options.ImageInput)
	}
	base := cfg.BaseURL
	if base == "" {
		base = DefaultBaseURL
	}
	if !strings.HasSuffix(base, "/") {
		base += "/"
	}
	return &Client{cfg: cfg, http: httpx.Client(int64(cfg.Options.MaxResponseMB) << 20), base: base}, nil
}

// call sends one request to an operation under the base URL and decodes
// its JSON answer into out.
func (c *Client) call(ctx context.Context, op string, body any, multipart *httpx.Form, out any) error {
	h := http.Header{}
	if c.cfg.APIKey != "" {
		h.Set("Authorization", "Bearer "+c.cfg.APIKey)
	}
	return httpx.JSONCall{
		Client: c.http, Method: http.MethodPost, URL: c.base + op, Header: h,
		Body: body, Form: multipart, Secrets: []string{c.cfg.APIKey},
		ErrorMessage: errorMessage, Refusal: isRefusal,
	}.Do(ctx, out)
}

// apiError is the error body OpenAI and compatible servers send.
type apiError struct {
	Error struct {
		Message string `json:"message"`
		Type    string `json:"type"`
		Code    any    `json:"code"`
	} `json:"error"`
	Detail  any    `json:"detail"`  // FastAPI-style servers
	Message string `json:"message"` // a few gateways
}

// errorMessage keeps the server's words and, for a refusal, its code.
func errorMessage(body []byte) string {
	var e apiError
	if json.Unmarshal(body, &e) != nil {
		return ""
	}
	msg := e.Error.Message
	if code := fmt.Sprint(e.Error.Code); e.Error.Code != nil && code != "" && isRefusal(0, code+" "+e.Error.Type) && !isRefusal(0, msg) {
		msg = code + ": " + msg
	}
	switch {
	case msg != "":
		return msg
	case e.Message != "":
		return e.Message
	case e.Detail != nil:
		return fmt.Sprint(e.Detail)
	}
	return ""
}

func isRefusal(_ int, msg string) bool {
	l := strings.ToLower(msg)
	for _, s := range []string{"content_policy_violation", "content_filter", "moderation_blocked", "safety system", "safety_violations"} {
		if strings.Contains(l, s) {
			return true
		}
	}
	return false
}

func (c *Client) size(req int) string {
	if req == 0 {
		req = c.cfg.Size
	}
	if req == 0 {
		return ""
	}
	return fmt.Sprintf("%dx%d", req, req)
}

// imagesResponse is the answer of images/generations and images/edits.
type imagesResponse struct {
	Data []struct {
		B64JSON base64Image `json:"b64_json"`
		URL     string      `json:"url"`
	} `json:"data"`
	Usage struct {
		InputTokens  int `json:"input_tokens"`
		OutputTokens int `json:"output_tokens"`
	} `json:"usage"`
}

// base64Image is a JSON string of base64 decoded straight into bytes
// while the response is parsed: the image is not also kept as a string of
// its base64, a third larger than the image.
type base64Image []byte

// UnmarshalJSON decodes the string; base64 that does not decode is the
// model's bad output.
func (b *base64Image) UnmarshalJSON(data []byte) error {
	if string(data) == "null" {
		return nil
	}
	if len(data) < 2 || data[0] != '"' { // the decoder has checked it is JSON
		return generators.Errorf(generators.BadOutput, "b64_json is not a string")
	}
	s := data[1 : len(data)-1]
	if bytes.IndexByte(s, '\\') >= 0 { // escapes, as in "\/": unquote them first
		var str string
		if err := json.Unmarshal(data, &str); err != nil {
			return err
		}
		s = []byte(str)
	}
	out := make([]byte, base64.StdEncoding.DecodedLen(len(s)))
	n, err := base64.StdEncoding.Decode(out, s)
	if err != nil {
		return &generators.Error{Class: generators.BadOutput, Msg: "b64_json is not base64", Err: err}
	}
	*b = out[:n]
	return nil
}

// Generate calls images/generations.
func (c *Client) Generate(ctx context.Context, req generators.ImageRequest) (*generators.Response, error) {
	body := map[string]any{"prompt": req.Prompt, "n": 1}
	if req.Model != "" {
		body["model"] = req.Model
	}
	if s := c.size(req.Size); s != "" {
		body["size"] = s
	}
	if q := c.cfg.Options.Quality; q != "" {
		body["quality"] = q
	}
	if f := c.cfg.Options.ResponseFormat; f != "" {
		body["response_format"] = f
	}
	if c.cfg.Options.SendSeed {
		body["seed"] = req.Seed
	}
	var res imagesResponse
	if err := c.call(ctx, "images/generations", body, nil, &res); err != nil {
		return nil, err
	}
	return c.image(ctx, &res, req.Model)
}

// Edit calls images/edits with the image as a multipart upload.
func (c *Client) Edit(ctx context.Context, req generators.EditRequest) (*generators.Response, error) {
	f := &httpx.Form{Files: []httpx.FormFile{{Field: "image", Name: "image.png", Type: "image/png", Data: req.Image}}}
	f.Add("prompt", req.Instruction)
	if req.Model != "" {
		f.Add("model", req.Model)
	}
	f.Add("n", "1")
	if s := c.size(0); s != "" {
		f.Add("size", s)
	}
	if rf := c.cfg.Options.ResponseFormat; rf != "" {
		f.Add("response_format", rf)
	}
	if c.cfg.Options.SendSeed {
		f.Add("seed", strconv.FormatInt(req.Seed, 10))
	}
	var res imagesResponse
	if err := c.call(ctx, "images/edits", nil, f, &res); err != nil {
		return nil, err
	}
	return c.image(ctx, &res, req.Model)
}

func (c *Client) image(ctx context.Context, res *imagesResponse, model string) (*generators.Response, error) {
	if len(res.Data) == 0 {
		return nil, generators.Errorf(generators.BadOutput, "the response holds no image")
	}
	d := res.Data[0]
	var img []byte
	switch {
	case len(d.B64JSON) > 0:
		img = d.B64JSON
	case d.URL != "":
		var err error
		if img, err = httpx.Download(ctx, c.http, c.base, d.URL, nil); err != nil {
			return nil, httpx.Redact(err, c.cfg.APIKey)
		}
	default:
		return nil, generators.Errorf(generators.BadOutput, "the image has neither b64_json nor url")
	}
	return &generators.Response{
		Image:        img,
		Usage:        generators.Usage{Images: 1, InputTokens: res.Usage.InputTokens, OutputTokens: res.Usage.OutputTokens},
		ModelVersion: model,
	}, nil
}

// chatResponse is the answer of chat/completions.
type chatResponse struct {
	Model             string `json:"model"`
	SystemFingerprint string `json:"system_fingerprint"`
	Choices           []struct {
		FinishReason string `json:"finish_reason"`
		Message      struct {
			Content content `json:"content"`
			Refusal string  `json:"refusal"`
		} `json:"message"`
	} `json:"choices"`
	Usage struct {
		PromptTokens     int `json:"prompt_tokens"`
		CompletionTokens int `json:"completion_tokens"`
	} `json:"usage"`
}

// content is a message's content: a string, null, or (from a few servers)
// a list of parts whose text is joined.
type content string

func (c *content) UnmarshalJSON(b []byte) error {
	var s *string
	if err := json.Unmarshal(b, &s); err == nil {
		if s != nil {
			*c = content(*s)
		}
		return nil
	}
	var parts []struct {
		Text string `json:"text"`
	}
	if err := json.Unmarshal(b, &parts); err != nil {
		return fmt.Errorf("message content is neither a string nor a list of parts: %w", err)
	}
	var sb strings.Builder
	for _, p := range parts {
		sb.WriteString(p.Text)
	}
	*c = content(sb.String())
	return nil
}

// chatRequest is a chat/completions request. A struct, not a map: a
// judge sends one per question, and encoding a map sorts its keys and
// boxes every value.
type chatRequest struct {
	Model               string        `json:"model"`
	Messages            []chatMessage `json:"messages"`
	Temperature         float64       `json:"temperature"`
	Seed                int64         `json:"seed"`
	MaxCompletionTokens int           `json:"max_completion_tokens,omitempty"`
}

// chatMessage is one message; its content is a string or a list of parts.
type chatMessage struct {
	Role    string `json:"role"`
	Content any    `json:"content"`
}

type textPart struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

type imagePart struct {
	Type     string   `json:"type"`
	ImageURL imageURL `json:"image_url"`
}

type imageURL struct {
	URL any `json:"url"` // a dataURI, or the URI's string
}

// Chat calls chat/completions, images as data URIs.
func (c *Client) Chat(ctx context.Context, req generators.ChatRequest) (*generators.Response, error) {
	body, err := jsonBody(func(uri func([]byte) any) any {
		body := chatRequest{Model: req.Model, Temperature: req.Temperature, Seed: req.Seed, MaxCompletionTokens: req.MaxTokens}
		if req.System != "" {
			body.Messages = append(body.Messages, chatMessage{Role: "system", Content: req.System})
		}
		parts := []any{textPart{Type: "text", Text: req.Prompt}}
		for _, img := range req.Images {
			parts = append(parts, imagePart{Type: "image_url", ImageURL: imageURL{URL: uri(img)}})
		}
		body.Messages = append(body.Messages, chatMessage{Role: "user", Content: parts})
		return body
	})
	if err != nil {
		return nil, &generators.Error{Class: generators.Permanent, Msg: "encoding the request", Err: err}
	}
	var res chatResponse
	if err := c.call(ctx, "chat/completions", httpx.EncodedJSON(body), nil, &res); err != nil {
		return nil, err
	}
	if len(res.Choices) == 0 {
		return nil, generators.Errorf(generators.BadOutput, "the response has no choices")
	}
	ch := res.Choices[0]
	if ch.Message.Refusal != "" {
		return nil, generators.Errorf(generators.Refusal, "model refused: %s", httpx.Truncate(ch.Message.Refusal, 300))
	}
	if ch.FinishReason == "content_filter" {
		return nil, generators.Errorf(generators.Refusal, "content filter")
	}
	v := res.Model
	if res.SystemFingerprint != "" {
		v += " (" + res.SystemFingerprint + ")"
	}
	return &generators.Response{
		Text:         string(ch.Message.Content),
		Usage:        generators.Usage{InputTokens: res.Usage.PromptTokens, OutputTokens: res.Usage.CompletionTokens},
		ModelVersion: v,
	}, nil
}

// EmbeddingsResponse is the answer of embeddings (which Infinity and other
// embedding servers give too).
type EmbeddingsResponse struct {
	Model string `json:"model"`
	Data  []struct {
		Embedding []float64 `json:"embedding"`
	} `json:"data"`
	Usage struct {
		PromptTokens int `json:"prompt_tokens"`
	} `json:"usage"`
}

// Embed calls embeddings. Text goes as the input string. An image goes
// only to an endpoint declared multimodal (Options.ImageInput), in the
// shape it declared: a text-only endpoint would embed the image's base64
// text, and every image metric would measure that text.
func (c *Client) Embed(ctx context.Context, req generators.EmbedRequest) (*generators.Response, error) {
	if req.Image != nil && c.cfg.Options.ImageInput == "" {
		return nil, generators.Errorf(generators.Permanent, "this embeddings endpoint embeds text only; declare openai.image_input if it embeds images")
	}
	body, err := jsonBody(func(uri func([]byte) any) any {
		body := map[string]any{"model": req.Model, "encoding_format": "float"}
		switch {
		case req.Image == nil:
			body["input"] = req.Text
		case c.cfg.Options.ImageInput == "data_uri":
			body["input"] = uri(req.Image)
		case c.cfg.Options.ImageInput == "image_objects":
			body["input"] = []map[string]any{{"image": uri(req.Image)}}
		default: // messages
			body["messages"] = []map[string]any{{"role": "user",
				"content": []any{imagePart{Type: "image_url", ImageURL: imageURL{URL: uri(req.Image)}}}}}
		}
		return body
	})
	if err != nil {
		return nil, &generators.Error{Class: generators.Permanent, Msg: "encoding the request", Err: err}
	}
	var res EmbeddingsResponse
	if err := c.call(ctx, "embeddings", httpx.EncodedJSON(body), nil, &res); err != nil {
		return nil, err
	}
	if len(res.Data) == 0 || len(res.Data[0].Embedding) == 0 {
		return nil, generators.Errorf(generators.BadOutput, "the response holds no embedding")
	}
	return &generators.Response{Vector: res.Data[0].Embedding, Usage: generators.Usage{InputTokens: res.Usage.PromptTokens}, ModelVersion: res.Model}, nil
}

// DataURI encodes an image as a data URI, sniffing its type. Requests
// write their images' URIs straight into the body (jsonBody); this string
// is the plain form they fall back to and are tested against.
func DataURI(img []byte) string {
	prefix := "data:" + http.DetectContentType(img) + ";base64,"
	var b strings.Builder
	b.Grow(len(prefix) + base64.StdEncoding.EncodedLen(len(img)))
	b.WriteString(prefix)
	enc := base64.NewEncoder(base64.StdEncoding, &b)
	enc.Write(img) // a strings.Builder never fails a write
	enc.Close()
	return b.String()
}
