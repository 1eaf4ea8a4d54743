package ollama

import "github.com/blindspot-audit/blindspot/generators"

// Adapter describes Ollama's native API to the registry; it takes no
// options.
var Adapter = generators.Provider{
	Name:  "ollama",
	Roles: []generators.Role{generators.RoleVLM, generators.RoleLLM, generators.RoleEmbedder},
	Doc:   "Ollama's native API: /api/chat with images, /api/embed (text)",
	Open: func(c generators.Config, key string) (generators.Endpoint, error) {
		cl := New(c.BaseURL, key)
		return generators.Endpoint{Chat: cl, Embedder: cl}, nil
	},
}
