package generators

import (
	"fmt"
	"strings"
)

// Provider describes one adapter. Each provider's folder declares its own
// (its roles, its options block, how it is checked, what of it goes into
// the cache identity, how an endpoint opens); generators/registry lists
// them, one line each, and the spec package knows no provider's fields.
type Provider struct {
	Name  string
	Roles []Role
	// ImageEmbeddings is false for a provider whose embedder takes text
	// only; the image audit's embedder role needs images. (A provider that
	// embeds images only when configured says so in Check.)
	ImageEmbeddings bool
	// ClipScore: its embedder can put text in its image space, so an
	// endpoint may declare clip_score (Check may ask for more).
	ClipScore bool
	Doc       string
	// Options makes an empty options block, a pointer to a struct with
	// yaml tags that the spec decoder fills from the endpoint's key named
	// after the provider (`openai:`); nil when the provider takes none.
	Options func() any
	// Check reports what is wrong with one endpoint of the provider; nil
	// when nothing can be.
	Check func(c Check) []Problem
	// Identity lists what of an endpoint's options makes it a different
	// model to the response cache; nil when nothing does.
	Identity func(opts any) []IdentityPart
	// Open opens an endpoint; key is the value of its api_key_env.
	Open func(c Config, key string) (Endpoint, error)
}

// Check is what a provider's Check sees of one endpoint.
type Check struct {
	// Name is the endpoint's name, for messages.
	Name string
	Role Role
	// Options is the decoded options block (nil when the spec has none).
	// Check may complete it with what it reads (parsed files).
	Options any
	// ClipScore is the endpoint's clip_score.
	ClipScore bool
	// Read reads a file the block names, relative to the spec.
	Read func(path string) ([]byte, error)
}

// Problem is one thing wrong with an endpoint: Path is relative to the
// endpoint ("openai.response_format", "clip_score", "" for the endpoint
// itself).
type Problem struct {
	Path, Msg string
}

// Problemf makes a Problem.
func Problemf(path, format string, a ...any) Problem {
	return Problem{Path: path, Msg: fmt.Sprintf(format, a...)}
}

// IdentityPart is one named piece of an endpoint's cache identity; a nil
// or empty value is left out.
type IdentityPart struct {
	Key   string
	Value any
}

// Config is what a provider needs to open one endpoint.
type Config struct {
	Name      string
	Provider  string
	Model     string
	BaseURL   string
	APIKeyEnv string
	Size      int
	// Options is the endpoint's decoded (and checked) options block, or nil.
	Options any
	Getenv  func(string) string
}

// APIKey reads the endpoint's key from its environment variable. A named
// variable that is empty is an error; the value never appears in one.
func (c Config) APIKey() (string, error) {
	if c.APIKeyEnv == "" {
		return "", nil
	}
	if c.Getenv == nil {
		return "", fmt.Errorf("api_key_env %s: no environment to read it from", c.APIKeyEnv)
	}
	v := c.Getenv(c.APIKeyEnv)
	if v == "" {
		return "", fmt.Errorf("api_key_env: the environment variable %s is not set", c.APIKeyEnv)
	}
	return v, nil
}

// Endpoint is an opened endpoint; the role fields its provider does not
// serve are nil.
type Endpoint struct {
	Generator ImageGenerator
	Editor    ImageEditor
	Chat      ChatModel
	Embedder  Embedder
	Scorer    Scorer
}

// Serves reports whether a provider can play a role.
func (p Provider) Serves(r Role) bool {
	for _, x := range p.Roles {
		if x == r {
			return true
		}
	}
	return false
}

// OptionsOf returns an endpoint's options block as the provider's type:
// the zero value when the spec gave none.
func OptionsOf[T any](opts any) T {
	if p, ok := opts.(*T); ok && p != nil {
		return *p
	}
	var zero T
	return zero
}

// Messages turns "field: text" messages (the form providers' option
// checks return) into problems under a block.
func Messages(block string, msgs []string) []Problem {
	out := make([]Problem, 0, len(msgs))
	for _, m := range msgs {
		path := block
		field, text, ok := strings.Cut(m, ": ")
		if ok {
			path += "." + field
		} else {
			text = m
		}
		out = append(out, Problem{Path: path, Msg: text})
	}
	return out
}
