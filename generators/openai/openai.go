package openai

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	oai "github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"

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

// Client is one OpenAI-compatible endpoint.
type Client struct {
	c    oai.Client
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
	hc := httpx.Client(int64(cfg.Options.MaxResponseMB) << 20)
	opts := []option.RequestOption{option.WithBaseURL(base), option.WithHTTPClient(hc), option.WithMaxRetries(0)}
	if cfg.APIKey != "" {
		opts = append(opts, option.WithAPIKey(cfg.APIKey))
	} else {
		// Local servers take no key; the SDK would otherwise read one from
		// OPENAI_API_KEY behind the spec's back.
		opts = append(opts, option.WithAPIKey("none"))
	}
	return &Client{c: oai.NewClient(opts...), cfg: cfg, http: hc, base: base}, nil
}

// classify turns an SDK error into a generators.Error.
func (c *Client) classify(err error) error {
	if err == nil {
		return nil
	}
	var ae *oai.Error
	if errors.As(err, &ae) {
		msg := ae.Message
		if msg == "" {
			msg = http.StatusText(ae.StatusCode)
		}
		var h http.Header
		if ae.Response != nil {
			h = ae.Response.Header
		}
		e := httpx.StatusError(ae.StatusCode, h, msg)
		if isRefusal(ae.Code, ae.Type, msg) {
			e.Class = generators.Refusal
		}
		return httpx.Redact(e, c.cfg.APIKey)
	}
	// The SDK reports a complete response whose JSON does not parse as
	// "error parsing response json"; that is the server's bad output, even
	// when the JSON decoder's cause is an unexpected EOF.
	if strings.Contains(err.Error(), "parsing response json") {
		return httpx.Redact(&generators.Error{Class: generators.BadOutput, Msg: "the response is not valid JSON", Err: err}, c.cfg.APIKey)
	}
	if e := httpx.Transport(err); e != nil {
		return httpx.Redact(e, c.cfg.APIKey)
	}
	// Anything else failed while reading a response: not JSON, or not of
	// the expected shape.
	return httpx.Redact(&generators.Error{Class: generators.BadOutput, Msg: "unreadable response", Err: err}, c.cfg.APIKey)
}

func isRefusal(code, typ, msg string) bool {
	l := strings.ToLower(code + " " + typ + " " + msg)
	for _, s := range []string{"content_policy_violation", "content_filter", "moderation_blocked", "safety system", "safety_violations"} {
		if strings.Contains(l, s) {
			return true
		}
	}
	return false
}

func (c *Client) size(req int) oai.ImageGenerateParamsSize {
	if req == 0 {
		req = c.cfg.Size
	}
	if req == 0 {
		return ""
	}
	return oai.ImageGenerateParamsSize(fmt.Sprintf("%dx%d", req, req))
}

// Generate calls images/generations.
func (c *Client) Generate(ctx context.Context, req generators.ImageRequest) (*generators.Response, error) {
	p := oai.ImageGenerateParams{Prompt: req.Prompt, Model: oai.ImageModel(req.Model), N: oai.Int(1), Size: c.size(req.Size)}
	if q := c.cfg.Options.Quality; q != "" {
		p.Quality = oai.ImageGenerateParamsQuality(q)
	}
	if f := c.cfg.Options.ResponseFormat; f != "" {
		p.ResponseFormat = oai.ImageGenerateParamsResponseFormat(f)
	}
	if c.cfg.Options.SendSeed {
		p.SetExtraFields(map[string]any{"seed": req.Seed})
	}
	res, err := c.c.Images.Generate(ctx, p)
	if err != nil {
		return nil, c.classify(err)
	}
	return c.image(ctx, res, req.Model)
}

// Edit calls images/edits with the image as a multipart upload.
func (c *Client) Edit(ctx context.Context, req generators.EditRequest) (*generators.Response, error) {
	p := oai.ImageEditParams{
		Image:  oai.ImageEditParamsImageUnion{OfFile: oai.File(bytes.NewReader(req.Image), "image.png", "image/png")},
		Prompt: req.Instruction,
		Model:  oai.ImageModel(req.Model),
		N:      oai.Int(1),
	}
	if s := c.size(0); s != "" {
		p.Size = oai.ImageEditParamsSize(s)
	}
	if f := c.cfg.Options.ResponseFormat; f != "" {
		p.ResponseFormat = oai.ImageEditParamsResponseFormat(f)
	}
	if c.cfg.Options.SendSeed {
		// The SDK writes only string extras into a multipart body.
		p.SetExtraFields(map[string]any{"seed": strconv.FormatInt(req.Seed, 10)})
	}
	res, err := c.c.Images.Edit(ctx, p)
	if err != nil {
		return nil, c.classify(err)
	}
	return c.image(ctx, res, req.Model)
}

func (c *Client) image(ctx context.Context, res *oai.ImagesResponse, model string) (*generators.Response, error) {
	if len(res.Data) == 0 {
		return nil, generators.Errorf(generators.BadOutput, "the response holds no image")
	}
	d := res.Data[0]
	var img []byte
	switch {
	case d.B64JSON != "":
		var err error
		if img, err = base64.StdEncoding.DecodeString(d.B64JSON); err != nil {
			return nil, &generators.Error{Class: generators.BadOutput, Msg: "b64_json is not base64", Err: err}
		}
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
		Usage:        generators.Usage{Images: 1, InputTokens: int(res.Usage.InputTokens), OutputTokens: int(res.Usage.OutputTokens)},
		ModelVersion: model,
	}, nil
}

// Chat calls chat/completions, images as data URIs.
func (c *Client) Chat(ctx context.Context, req generators.ChatRequest) (*generators.Response, error) {
	var msgs []oai.ChatCompletionMessageParamUnion
	if req.System != "" {
		msgs = append(msgs, oai.SystemMessage(req.System))
	}
	parts := []oai.ChatCompletionContentPartUnionParam{oai.TextContentPart(req.Prompt)}
	for _, img := range req.Images {
		parts = append(parts, oai.ImageContentPart(oai.ChatCompletionContentPartImageImageURLParam{URL: DataURI(img)}))
	}
	msgs = append(msgs, oai.UserMessage(parts))
	p := oai.ChatCompletionNewParams{Model: oai.ChatModel(req.Model), Messages: msgs, Temperature: oai.Float(req.Temperature), Seed: oai.Int(req.Seed)}
	if req.MaxTokens > 0 {
		p.MaxCompletionTokens = oai.Int(int64(req.MaxTokens))
	}
	res, err := c.c.Chat.Completions.New(ctx, p)
	if err != nil {
		return nil, c.classify(err)
	}
	if len(res.Choices) == 0 {
		return nil, generators.Errorf(generators.BadOutput, "the response has no choices")
	}
	ch := res.Choices[0]
	if ch.Message.Refusal != "" {
		return nil, generators.Errorf(generators.Refusal, "model refused: %s", ch.Message.Refusal)
	}
	if ch.FinishReason == "content_filter" {
		return nil, generators.Errorf(generators.Refusal, "content filter")
	}
	v := res.Model
	if res.SystemFingerprint != "" {
		v += " (" + res.SystemFingerprint + ")"
	}
	return &generators.Response{
		Text:         ch.Message.Content,
		Usage:        generators.Usage{InputTokens: int(res.Usage.PromptTokens), OutputTokens: int(res.Usage.CompletionTokens)},
		ModelVersion: v,
	}, nil
}

// Embed calls embeddings. Text goes as the input string. An image goes
// only to an endpoint declared multimodal (Options.ImageInput), in the
// shape it declared: a text-only endpoint would embed the image's base64
// text, and every image metric would measure that text.
func (c *Client) Embed(ctx context.Context, req generators.EmbedRequest) (*generators.Response, error) {
	var res oai.CreateEmbeddingResponse
	var err error
	switch {
	case req.Image == nil:
		var r *oai.CreateEmbeddingResponse
		if r, err = c.c.Embeddings.New(ctx, oai.EmbeddingNewParams{Model: oai.EmbeddingModel(req.Model), Input: oai.EmbeddingNewParamsInputUnion{OfString: oai.String(req.Text)}}); r != nil {
			res = *r
		}
	case c.cfg.Options.ImageInput == "":
		return nil, generators.Errorf(generators.Permanent, "this embeddings endpoint embeds text only; declare openai.image_input if it embeds images")
	case c.cfg.Options.ImageInput == "data_uri":
		var r *oai.CreateEmbeddingResponse
		if r, err = c.c.Embeddings.New(ctx, oai.EmbeddingNewParams{Model: oai.EmbeddingModel(req.Model), Input: oai.EmbeddingNewParamsInputUnion{OfString: oai.String(DataURI(req.Image))}}); r != nil {
			res = *r
		}
	case c.cfg.Options.ImageInput == "image_objects":
		body := map[string]any{"model": req.Model, "input": []map[string]string{{"image": DataURI(req.Image)}}, "encoding_format": "float"}
		err = c.c.Post(ctx, "embeddings", body, &res)
	default: // messages
		body := map[string]any{"model": req.Model, "encoding_format": "float", "messages": []map[string]any{{"role": "user",
			"content": []map[string]any{{"type": "image_url", "image_url": map[string]string{"url": DataURI(req.Image)}}}}}}
		err = c.c.Post(ctx, "embeddings", body, &res)
	}
	if err != nil {
		return nil, c.classify(err)
	}
	if len(res.Data) == 0 || len(res.Data[0].Embedding) == 0 {
		return nil, generators.Errorf(generators.BadOutput, "the response holds no embedding")
	}
	return &generators.Response{Vector: res.Data[0].Embedding, Usage: generators.Usage{InputTokens: int(res.Usage.PromptTokens)}, ModelVersion: res.Model}, nil
}

// DataURI encodes an image for a JSON request, sniffing its type.
func DataURI(img []byte) string {
	return "data:" + http.DetectContentType(img) + ";base64," + base64.StdEncoding.EncodeToString(img)
}
