package features

import "github.com/blindspot-audit/blindspot/generators"

// Adapter describes the pure-Go feature embedder to the registry; it
// takes no options.
var Adapter = generators.Provider{
	Name:            "features",
	Roles:           []generators.Role{generators.RoleEmbedder},
	ImageEmbeddings: true,
	Doc:             "pure-Go image features (CIELAB colour, layout, gradient orientation); offline, no model",
	Open: func(c generators.Config, key string) (generators.Endpoint, error) {
		return generators.Endpoint{Embedder: Embedder{}}, nil
	},
}
