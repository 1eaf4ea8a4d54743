package generators

import (
	"context"
)

// Role names a capability an endpoint is used for in a spec.
type Role string

// The roles of an audit.
const (
	RoleT2I      Role = "t2i"
	RoleI2I      Role = "i2i"
	RoleVLM      Role = "vlm"
	RoleLLM      Role = "llm"
	RoleEmbedder Role = "embedder"
	// RoleScorer rates an image's quality or aesthetics on the endpoint's
	// own scale (an aesthetic predictor): a conventional metric.
	RoleScorer Role = "scorer"
)

// Roles lists every role in spec order.
func Roles() []Role { return []Role{RoleT2I, RoleI2I, RoleVLM, RoleLLM, RoleEmbedder, RoleScorer} }

// ImageRequest asks a text-to-image model for one image.
type ImageRequest struct {
	Model  string
	Prompt string
	Seed   int64
	Size   int // edge length in pixels; 0 means the provider's default
}

// EditRequest asks an image editor to apply an instruction to an image.
type EditRequest struct {
	Model       string
	Instruction string
	Image       []byte // PNG
	Seed        int64
}

// ChatRequest is one turn to a chat model, with optional images (a VLM).
type ChatRequest struct {
	Model       string
	System      string
	Prompt      string
	Images      [][]byte // PNG
	Seed        int64
	MaxTokens   int
	Temperature float64
}

// EmbedRequest asks for an embedding of an image or of a text.
type EmbedRequest struct {
	Model string
	Image []byte // PNG; nil when Text is set
	Text  string
}

// Usage is what a call consumed, for pricing.
type Usage struct {
	InputTokens  int `json:"input_tokens,omitempty"`
	OutputTokens int `json:"output_tokens,omitempty"`
	Images       int `json:"images,omitempty"`
}

// Response is the outcome of any successful call. Only the fields of the
// role that was called are set.
type Response struct {
	Image  []byte    `json:"-"`                // PNG, for t2i and i2i
	Text   string    `json:"text,omitempty"`   // for chat
	Vector []float64 `json:"vector,omitempty"` // for embedders
	Score  *float64  `json:"score,omitempty"`  // for scorers
	Usage  Usage     `json:"usage"`
	// ModelVersion is the model name and version the endpoint reported, kept
	// for provenance.
	ModelVersion string `json:"model_version,omitempty"`
}

// ImageGenerator turns a text prompt into an image. Implementations must
// return *Error for every failure so the call policy can classify it, and
// must be safe for concurrent use.
type ImageGenerator interface {
	Generate(ctx context.Context, req ImageRequest) (*Response, error)
}

// ImageEditor applies an instruction to an image. Same contract as
// ImageGenerator.
type ImageEditor interface {
	Edit(ctx context.Context, req EditRequest) (*Response, error)
}

// ChatModel answers a prompt, optionally about images (VLM judge, story
// LLM). Same contract as ImageGenerator.
type ChatModel interface {
	Chat(ctx context.Context, req ChatRequest) (*Response, error)
}

// ScoreRequest asks a scorer to rate an image.
type ScoreRequest struct {
	Model  string
	Image  []byte // PNG
	Prompt string // the text the image was made from, for scorers that use it
}

// Scorer rates an image (Response.Score). Same contract as ImageGenerator.
type Scorer interface {
	Score(ctx context.Context, req ScoreRequest) (*Response, error)
}

// Embedder maps an image or a text to a vector. Same contract as
// ImageGenerator.
type Embedder interface {
	Embed(ctx context.Context, req EmbedRequest) (*Response, error)
}
