package registry

import (
	"fmt"
	"sort"
	"time"

	"github.com/blindspot-audit/blindspot/generators"
	"github.com/blindspot-audit/blindspot/generators/a1111"
	"github.com/blindspot-audit/blindspot/generators/comfyui"
	"github.com/blindspot-audit/blindspot/generators/features"
	"github.com/blindspot-audit/blindspot/generators/httpapi"
	"github.com/blindspot-audit/blindspot/generators/infinity"
	"github.com/blindspot-audit/blindspot/generators/ollama"
	"github.com/blindspot-audit/blindspot/generators/openai"
	"github.com/blindspot-audit/blindspot/generators/sim"
)

// Config is what a provider needs to open one endpoint.
type Config struct {
	Name      string
	Provider  string
	Model     string
	BaseURL   string
	APIKeyEnv string
	Size      int
	Sim       *sim.Options
	OpenAI    *openai.Options
	A1111     *a1111.Options
	// Workflow and EditWorkflow are a comfyui endpoint's parsed workflows.
	Workflow, EditWorkflow comfyui.Workflow
	PollInterval           time.Duration
	HTTP                   *httpapi.Options
	Getenv                 func(string) string
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
	Generator generators.ImageGenerator
	Editor    generators.ImageEditor
	Chat      generators.ChatModel
	Embedder  generators.Embedder
	Scorer    generators.Scorer
}

// Provider describes one adapter.
type Provider struct {
	Name  string
	Roles []generators.Role
	// ImageEmbeddings is false for a provider whose embedder takes text
	// only; the image audit's embedder role needs images.
	ImageEmbeddings bool
	Doc             string
	// Open opens an endpoint; key is the value of its api_key_env.
	Open func(c Config, key string) (Endpoint, error)
}

var providers = map[string]Provider{
	"sim": {
		Name:            "sim",
		Roles:           generators.Roles(),
		ImageEmbeddings: true,
		Doc:             "built-in deterministic simulator with a cultural bias profile set in the spec; offline",
		Open: func(c Config, key string) (Endpoint, error) {
			var o sim.Options
			if c.Sim != nil {
				o = *c.Sim
			}
			p, err := sim.New(o)
			if err != nil {
				return Endpoint{}, err
			}
			return Endpoint{Generator: p, Editor: p, Chat: p, Embedder: p, Scorer: p}, nil
		},
	},
	"openai": {
		Name:            "openai",
		Roles:           []generators.Role{generators.RoleT2I, generators.RoleI2I, generators.RoleVLM, generators.RoleLLM, generators.RoleEmbedder},
		ImageEmbeddings: false, // only with openai.image_input declared
		Doc:             "OpenAI API and compatible servers: vLLM, SGLang, llama.cpp, LM Studio, LocalAI, OpenRouter, Ollama /v1, serve-sim",
		Open: func(c Config, key string) (Endpoint, error) {
			var o openai.Options
			if c.OpenAI != nil {
				o = *c.OpenAI
			}
			cl, err := openai.New(openai.Config{BaseURL: c.BaseURL, APIKey: key, Model: c.Model, Size: c.Size, Options: o})
			if err != nil {
				return Endpoint{}, err
			}
			return Endpoint{Generator: cl, Editor: cl, Chat: cl, Embedder: cl}, nil
		},
	},
	"a1111": {
		Name:  "a1111",
		Roles: []generators.Role{generators.RoleT2I, generators.RoleI2I},
		Doc:   "Stable Diffusion web UI API (Automatic1111, Forge, SD.Next): txt2img, img2img",
		Open: func(c Config, key string) (Endpoint, error) {
			var o a1111.Options
			if c.A1111 != nil {
				o = *c.A1111
			}
			cl := a1111.New(c.BaseURL, key, c.Size, o)
			return Endpoint{Generator: cl, Editor: cl}, nil
		},
	},
	"comfyui": {
		Name:  "comfyui",
		Roles: []generators.Role{generators.RoleT2I, generators.RoleI2I},
		Doc:   "ComfyUI: an API-format workflow with {{prompt}}, {{seed}}, {{image}} placeholders",
		Open: func(c Config, key string) (Endpoint, error) {
			cl := comfyui.New(c.BaseURL, key, c.Workflow, c.EditWorkflow, c.PollInterval)
			return Endpoint{Generator: cl, Editor: cl}, nil
		},
	},
	"features": {
		Name:            "features",
		Roles:           []generators.Role{generators.RoleEmbedder},
		ImageEmbeddings: true,
		Doc:             "pure-Go image features (CIELAB colour, layout, gradient orientation); offline, no model",
		Open: func(c Config, key string) (Endpoint, error) {
			return Endpoint{Embedder: features.Embedder{}}, nil
		},
	},
	"http": {
		Name:  "http",
		Roles: []generators.Role{generators.RoleT2I, generators.RoleI2I, generators.RoleScorer},
		Doc:   "declared in the spec: request template, result path, optional job polling (fal, Replicate, FLUX Kontext, Stability, aesthetic predictors)",
		Open: func(c Config, key string) (Endpoint, error) {
			if c.HTTP == nil {
				return Endpoint{}, fmt.Errorf("an http endpoint needs an http block")
			}
			cl := httpapi.New(*c.HTTP, key)
			return Endpoint{Generator: cl, Editor: cl, Scorer: cl}, nil
		},
	},
	"infinity": {
		Name:            "infinity",
		Roles:           []generators.Role{generators.RoleEmbedder},
		ImageEmbeddings: true,
		Doc:             "image-embedding servers with Infinity's /embeddings API (CLIP, SigLIP, ...)",
		Open: func(c Config, key string) (Endpoint, error) {
			return Endpoint{Embedder: infinity.New(c.BaseURL, key)}, nil
		},
	},
	"ollama": {
		Name:  "ollama",
		Roles: []generators.Role{generators.RoleVLM, generators.RoleLLM, generators.RoleEmbedder},
		Doc:   "Ollama's native API: /api/chat with images, /api/embed (text)",
		Open: func(c Config, key string) (Endpoint, error) {
			cl := ollama.New(c.BaseURL, key)
			return Endpoint{Chat: cl, Embedder: cl}, nil
		},
	},
}

// Names lists the registered providers in order.
func Names() []string {
	out := make([]string, 0, len(providers))
	for k := range providers {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Lookup returns a provider by name.
func Lookup(name string) (Provider, bool) {
	p, ok := providers[name]
	return p, ok
}

// Serves reports whether a provider can play a role.
func (p Provider) Serves(r generators.Role) bool {
	for _, x := range p.Roles {
		if x == r {
			return true
		}
	}
	return false
}

// Open opens an endpoint.
func Open(c Config) (Endpoint, error) {
	p, ok := providers[c.Provider]
	if !ok {
		return Endpoint{}, fmt.Errorf("endpoint %s: unknown provider %q", c.Name, c.Provider)
	}
	key, err := c.APIKey()
	if err != nil {
		return Endpoint{}, fmt.Errorf("endpoint %s: %w", c.Name, err)
	}
	e, err := p.Open(c, key)
	if err != nil {
		return Endpoint{}, fmt.Errorf("endpoint %s: %w", c.Name, err)
	}
	return e, nil
}
