package infinity

import "github.com/blindspot-audit/blindspot/generators"

// Adapter describes the Infinity embedding provider to the registry; it
// takes no options.
var Adapter = generators.Provider{
	Name:            "infinity",
	Roles:           []generators.Role{generators.RoleEmbedder},
	ImageEmbeddings: true,
	ClipScore:       true,
	Doc:             "image-embedding servers with Infinity's /embeddings API (CLIP, SigLIP, ...)",
	Open: func(c generators.Config, key string) (generators.Endpoint, error) {
		return generators.Endpoint{Embedder: New(c.BaseURL, key)}, nil
	},
}
