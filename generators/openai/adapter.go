package openai

import (
	"strings"

	"github.com/blindspot-audit/blindspot/generators"
)

// Adapter describes the OpenAI-compatible provider to the registry, with
// its `openai:` options block.
var Adapter = generators.Provider{
	Name:  "openai",
	Roles: []generators.Role{generators.RoleT2I, generators.RoleI2I, generators.RoleVLM, generators.RoleLLM, generators.RoleEmbedder},
	// Images are embedded only with openai.image_input declared (Check).
	ImageEmbeddings: true,
	ClipScore:       true,
	Doc:             "OpenAI API and compatible servers: vLLM, SGLang, llama.cpp, LM Studio, LocalAI, OpenRouter, Ollama /v1, serve-sim",
	Options:         func() any { return new(Options) },
	Check: func(c generators.Check) []generators.Problem {
		var out []generators.Problem
		o := generators.OptionsOf[Options](c.Options)
		if c.Role == generators.RoleEmbedder && o.ImageInput == "" {
			out = append(out, generators.Problemf("provider", "endpoint %q: an openai embeddings endpoint embeds text, and the embedder role embeds images for Vendi, attribution by centroid and drift; "+
				"if the server embeds images, say how with openai.image_input (%s), otherwise use an image-embedding provider", c.Name, strings.Join(ImageInputs, ", ")))
		}
		switch o.ResponseFormat {
		case "", "b64_json", "url":
		default:
			out = append(out, generators.Problemf("openai.response_format", "must be b64_json or url, got %q", o.ResponseFormat))
		}
		switch o.ImageInput {
		case "", "data_uri", "image_objects", "messages":
		default:
			out = append(out, generators.Problemf("openai.image_input", "must be one of %s, got %q", strings.Join(ImageInputs, ", "), o.ImageInput))
		}
		if o.MaxResponseMB < 0 || o.MaxResponseMB > 1024 {
			out = append(out, generators.Problemf("openai.max_response_mb", "must be between 1 and 1024, got %d", o.MaxResponseMB))
		}
		return out
	},
	Identity: func(opts any) []generators.IdentityPart {
		o, _ := opts.(*Options)
		return []generators.IdentityPart{{Key: "OpenAI", Value: o}}
	},
	Open: func(c generators.Config, key string) (generators.Endpoint, error) {
		cl, err := New(Config{BaseURL: c.BaseURL, APIKey: key, Model: c.Model, Size: c.Size, Options: generators.OptionsOf[Options](c.Options)})
		if err != nil {
			return generators.Endpoint{}, err
		}
		return generators.Endpoint{Generator: cl, Editor: cl, Chat: cl, Embedder: cl}, nil
	},
}
