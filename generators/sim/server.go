package sim

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/blindspot-audit/blindspot/generators"
)

// Server serves simulated models over the OpenAI-compatible HTTP API
// (/v1/images/generations, /v1/images/edits, /v1/chat/completions,
// /v1/embeddings, /v1/models) in the official response shapes, so an audit
// can be rehearsed over HTTP. Beyond the official API it accepts a "seed"
// field on image requests, as several OpenAI-compatible servers do.
type Server struct {
	// Models maps a model name to the simulator that answers for it.
	Models map[string]*Provider
	// Latency is added to every request.
	Latency time.Duration
	// APIKey, when set, is required as "Authorization: Bearer KEY".
	APIKey string
	// MaxBodyBytes caps a request body (default 64 MiB).
	MaxBodyBytes int64

	mu     sync.Mutex
	images map[string][]byte // served for response_format=url, newest kept
	order  []string
}

// maxServedImages bounds the images kept for URL responses.
const maxServedImages = 4096

// Handler returns the server's routes.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/images/generations", s.wrap(s.generations))
	mux.HandleFunc("POST /v1/images/edits", s.wrap(s.edits))
	mux.HandleFunc("POST /v1/chat/completions", s.wrap(s.chat))
	mux.HandleFunc("POST /v1/embeddings", s.wrap(s.embeddings))
	mux.HandleFunc("GET /v1/models", s.wrap(s.models))
	mux.HandleFunc("GET /v1/sim-images/{name}", s.served)
	return mux
}

// apiError is an error in OpenAI's shape.
type apiError struct {
	status int
	Type   string `json:"type"`
	Code   string `json:"code,omitempty"`
	Param  string `json:"param,omitempty"`
	Msg    string `json:"message"`
}

// maxEmbeddingInputs is the OpenAI API's cap on inputs per request.
const maxEmbeddingInputs = 2048

func badRequest(param, format string, a ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, Type: "invalid_request_error", Param: param, Msg: fmt.Sprintf(format, a...)}
}

func (s *Server) wrap(h func(r *http.Request) (any, *apiError)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.APIKey != "" {
			got := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
			if subtle.ConstantTimeCompare([]byte(got), []byte(s.APIKey)) != 1 {
				writeJSON(w, http.StatusUnauthorized, map[string]any{"error": &apiError{Type: "invalid_request_error", Code: "invalid_api_key", Msg: "Incorrect API key provided."}})
				return
			}
		}
		limit := s.MaxBodyBytes
		if limit == 0 {
			limit = 64 << 20
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		// The latency is the time to an answer: the simulator's own work
		// happens inside it, as a real model's compute would.
		deadline := time.Now().Add(s.Latency)
		out, e := h(r)
		if generators.Sleep(r.Context(), time.Until(deadline)) != nil {
			return
		}
		if e != nil {
			if e.status == 0 {
				e.status = http.StatusBadRequest
			}
			writeJSON(w, e.status, map[string]any{"error": e})
			return
		}
		writeJSON(w, http.StatusOK, out)
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func (s *Server) model(name string) (*Provider, *apiError) {
	if name == "" {
		return nil, badRequest("model", "you must provide a model parameter")
	}
	p, ok := s.Models[name]
	if !ok {
		return nil, &apiError{status: http.StatusNotFound, Type: "invalid_request_error", Code: "model_not_found", Param: "model",
			Msg: fmt.Sprintf("The model `%s` does not exist; this server has: %s", name, strings.Join(s.modelNames(), ", "))}
	}
	return p, nil
}

func (s *Server) modelNames() []string {
	out := make([]string, 0, len(s.Models))
	for k := range s.Models {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// providerError maps a simulator failure to an HTTP error.
func providerError(err error) *apiError {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return &apiError{status: 499, Type: "server_error", Msg: err.Error()}
	}
	return badRequest("", "%v", err)
}

func decodeJSON(r *http.Request, v any) *apiError {
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		return badRequest("", "expected Content-Type application/json, got %q", ct)
	}
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		return badRequest("", "invalid JSON body: %v", err)
	}
	return nil
}

type imagesRequest struct {
	Model          string `json:"model"`
	Prompt         string `json:"prompt"`
	N              *int   `json:"n"`
	Size           string `json:"size"`
	ResponseFormat string `json:"response_format"`
	Seed           int64  `json:"seed"`
}

// parseSize reads "WxH" (square only) or "auto".
func parseSize(s string) (int, *apiError) {
	if s == "" || s == "auto" {
		return 0, nil
	}
	w, h, ok := strings.Cut(s, "x")
	wi, err1 := strconv.Atoi(w)
	hi, err2 := strconv.Atoi(h)
	if !ok || err1 != nil || err2 != nil || wi != hi || wi < 16 || wi > 1024 {
		return 0, badRequest("size", "size must be a square WxH between 16x16 and 1024x1024, got %q", s)
	}
	return wi, nil
}

func (s *Server) imagesResponse(imgs [][]byte, format string, u generators.Usage) (any, *apiError) {
	data := make([]map[string]any, len(imgs))
	for i, img := range imgs {
		switch format {
		case "", "b64_json":
			data[i] = map[string]any{"b64_json": base64.StdEncoding.EncodeToString(img)}
		case "url":
			data[i] = map[string]any{"url": s.serve(img)}
		default:
			return nil, badRequest("response_format", "response_format must be url or b64_json, got %q", format)
		}
	}
	return map[string]any{
		"created": time.Now().Unix(), "data": data, "output_format": "png",
		"usage": map[string]any{"input_tokens": u.InputTokens, "output_tokens": 0, "total_tokens": u.InputTokens,
			"input_tokens_details": map[string]any{"text_tokens": u.InputTokens, "image_tokens": 0}},
	}, nil
}

// serve keeps an image for a URL response and returns its path.
func (s *Server) serve(img []byte) string {
	name := hashBytes(img) + ".png"
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.images == nil {
		s.images = map[string][]byte{}
	}
	if _, ok := s.images[name]; !ok {
		s.images[name] = img
		s.order = append(s.order, name)
		if len(s.order) > maxServedImages {
			delete(s.images, s.order[0])
			s.order = s.order[1:]
		}
	}
	return "/v1/sim-images/" + name
}

func (s *Server) served(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	img, ok := s.images[r.PathValue("name")]
	s.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Write(img)
}

func (s *Server) generations(r *http.Request) (any, *apiError) {
	var req imagesRequest
	if e := decodeJSON(r, &req); e != nil {
		return nil, e
	}
	p, e := s.model(req.Model)
	if e != nil {
		return nil, e
	}
	if strings.TrimSpace(req.Prompt) == "" {
		return nil, badRequest("prompt", "prompt must not be empty")
	}
	size, e := parseSize(req.Size)
	if e != nil {
		return nil, e
	}
	n := 1
	if req.N != nil {
		n = *req.N
	}
	if n < 1 || n > 10 {
		return nil, badRequest("n", "n must be between 1 and 10, got %d", n)
	}
	var imgs [][]byte
	for i := 0; i < n; i++ {
		resp, err := p.Generate(r.Context(), generators.ImageRequest{Model: req.Model, Prompt: req.Prompt, Seed: req.Seed + int64(i), Size: size})
		if err != nil {
			return nil, providerError(err)
		}
		imgs = append(imgs, resp.Image)
	}
	return s.imagesResponse(imgs, req.ResponseFormat, generators.Usage{InputTokens: tokens(req.Prompt)})
}

func (s *Server) edits(r *http.Request) (any, *apiError) {
	if err := r.ParseMultipartForm(32 << 20); err != nil {
		return nil, badRequest("", "expected a multipart/form-data body: %v", err)
	}
	form := r.MultipartForm
	get := func(k string) string {
		if v := form.Value[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	p, e := s.model(get("model"))
	if e != nil {
		return nil, e
	}
	files := form.File["image"]
	if len(files) == 0 {
		files = form.File["image[]"]
	}
	if len(files) == 0 {
		return nil, badRequest("image", "an image file part is required")
	}
	img, err := readPart(files[0])
	if err != nil {
		return nil, badRequest("image", "%v", err)
	}
	prompt := get("prompt")
	if strings.TrimSpace(prompt) == "" {
		return nil, badRequest("prompt", "prompt must not be empty")
	}
	var seed int64
	if v := get("seed"); v != "" {
		if seed, err = strconv.ParseInt(v, 10, 64); err != nil {
			return nil, badRequest("seed", "seed must be an integer")
		}
	}
	resp, err := p.Edit(r.Context(), generators.EditRequest{Model: get("model"), Instruction: prompt, Image: img, Seed: seed})
	if err != nil {
		return nil, providerError(err)
	}
	return s.imagesResponse([][]byte{resp.Image}, get("response_format"), generators.Usage{InputTokens: tokens(prompt) + 85})
}

func readPart(fh *multipart.FileHeader) ([]byte, error) {
	f, err := fh.Open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}

type chatMessage struct {
	Role    string          `json:"role"`
	Content json.RawMessage `json:"content"`
}

type contentPart struct {
	Type     string `json:"type"`
	Text     string `json:"text"`
	ImageURL struct {
		URL string `json:"url"`
	} `json:"image_url"`
}

func (s *Server) chat(r *http.Request) (any, *apiError) {
	var req struct {
		Model               string        `json:"model"`
		Messages            []chatMessage `json:"messages"`
		MaxTokens           int           `json:"max_tokens"`
		MaxCompletionTokens int           `json:"max_completion_tokens"`
		Temperature         *float64      `json:"temperature"`
		Seed                int64         `json:"seed"`
	}
	if e := decodeJSON(r, &req); e != nil {
		return nil, e
	}
	p, e := s.model(req.Model)
	if e != nil {
		return nil, e
	}
	if len(req.Messages) == 0 {
		return nil, badRequest("messages", "messages must not be empty")
	}
	cr := generators.ChatRequest{Model: req.Model, Seed: req.Seed, MaxTokens: max(req.MaxTokens, req.MaxCompletionTokens)}
	var user []string
	for i, m := range req.Messages {
		texts, imgs, err := messageContent(m.Content)
		if err != nil {
			return nil, badRequest(fmt.Sprintf("messages[%d].content", i), "%v", err)
		}
		switch m.Role {
		case "system", "developer":
			cr.System = strings.Join(texts, "\n")
		case "user":
			user = append(user, texts...)
			cr.Images = append(cr.Images, imgs...)
		case "assistant":
		default:
			return nil, badRequest(fmt.Sprintf("messages[%d].role", i), "unknown role %q", m.Role)
		}
	}
	cr.Prompt = strings.Join(user, "\n")
	resp, err := p.Chat(r.Context(), cr)
	if err != nil {
		return nil, providerError(err)
	}
	return map[string]any{
		"id": "chatcmpl-sim-" + hashBytes([]byte(cr.Prompt))[:12], "object": "chat.completion", "created": time.Now().Unix(), "model": req.Model,
		"system_fingerprint": version(req.Model),
		"choices":            []map[string]any{{"index": 0, "message": map[string]any{"role": "assistant", "content": resp.Text, "refusal": nil}, "finish_reason": "stop", "logprobs": nil}},
		"usage":              map[string]any{"prompt_tokens": resp.Usage.InputTokens, "completion_tokens": resp.Usage.OutputTokens, "total_tokens": resp.Usage.InputTokens + resp.Usage.OutputTokens},
	}, nil
}

// messageContent reads a message's text and data-URI images.
func messageContent(raw json.RawMessage) ([]string, [][]byte, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return []string{s}, nil, nil
	}
	var parts []contentPart
	if err := json.Unmarshal(raw, &parts); err != nil {
		return nil, nil, fmt.Errorf("content must be a string or a list of parts")
	}
	var texts []string
	var imgs [][]byte
	for _, p := range parts {
		switch p.Type {
		case "text":
			texts = append(texts, p.Text)
		case "image_url":
			img, err := decodeDataURI(p.ImageURL.URL)
			if err != nil {
				return nil, nil, err
			}
			imgs = append(imgs, img)
		default:
			return nil, nil, fmt.Errorf("unsupported content part type %q", p.Type)
		}
	}
	return texts, imgs, nil
}

// decodeDataURI reads "data:image/png;base64,...".
func decodeDataURI(u string) ([]byte, error) {
	rest, ok := strings.CutPrefix(u, "data:")
	if !ok {
		return nil, fmt.Errorf("only data: image URLs are supported by the simulator")
	}
	meta, data, ok := strings.Cut(rest, ",")
	if !ok || !strings.HasSuffix(meta, ";base64") {
		return nil, fmt.Errorf("image data URI must be base64")
	}
	return base64.StdEncoding.DecodeString(data)
}

func (s *Server) embeddings(r *http.Request) (any, *apiError) {
	var req struct {
		Model string          `json:"model"`
		Input json.RawMessage `json:"input"`
	}
	if e := decodeJSON(r, &req); e != nil {
		return nil, e
	}
	p, e := s.model(req.Model)
	if e != nil {
		return nil, e
	}
	var inputs []string
	var one string
	if err := json.Unmarshal(req.Input, &one); err == nil {
		inputs = []string{one}
	} else if err := json.Unmarshal(req.Input, &inputs); err != nil || len(inputs) == 0 {
		return nil, badRequest("input", "input must be a string or a non-empty list of strings")
	}
	// The OpenAI API takes at most 2048 inputs a request.
	if len(inputs) > maxEmbeddingInputs {
		return nil, badRequest("input", "input must have at most %d items, got %d", maxEmbeddingInputs, len(inputs))
	}
	data := make([]map[string]any, len(inputs))
	total := 0
	for i, in := range inputs {
		er := generators.EmbedRequest{Model: req.Model, Text: in}
		if strings.HasPrefix(in, "data:image/") {
			img, err := decodeDataURI(in)
			if err != nil {
				return nil, badRequest(fmt.Sprintf("input[%d]", i), "%v", err)
			}
			er = generators.EmbedRequest{Model: req.Model, Image: img}
		}
		resp, err := p.Embed(r.Context(), er)
		if err != nil {
			return nil, providerError(err)
		}
		total += max(resp.Usage.InputTokens, 1)
		data[i] = map[string]any{"object": "embedding", "index": i, "embedding": resp.Vector}
	}
	return map[string]any{"object": "list", "data": data, "model": req.Model,
		"usage": map[string]any{"prompt_tokens": total, "total_tokens": total}}, nil
}

func (s *Server) models(*http.Request) (any, *apiError) {
	var data []map[string]any
	for _, name := range s.modelNames() {
		data = append(data, map[string]any{"id": name, "object": "model", "created": 0, "owned_by": "blindspot-sim"})
	}
	return map[string]any{"object": "list", "data": data}, nil
}
