package registry

import (
	"fmt"
	"sort"

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

// Config, Endpoint and Provider are the generators package's: each
// provider's folder declares itself (its Adapter), and this package lists
// them.
type (
	Config   = generators.Config
	Endpoint = generators.Endpoint
	Provider = generators.Provider
)

// providers are every provider, one line each.
var providers = index(
	sim.Adapter,
	openai.Adapter,
	a1111.Adapter,
	comfyui.Adapter,
	features.Adapter,
	httpapi.Adapter,
	infinity.Adapter,
	ollama.Adapter,
)

func index(ps ...Provider) map[string]Provider {
	out := make(map[string]Provider, len(ps))
	for _, p := range ps {
		out[p.Name] = p
	}
	return out
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
