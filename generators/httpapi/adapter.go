package httpapi

import (
	"fmt"

	"github.com/blindspot-audit/blindspot/generators"
)

// Adapter describes the declared-HTTP provider to the registry, with its
// `http:` block of request declarations.
var Adapter = generators.Provider{
	Name:    "http",
	Roles:   []generators.Role{generators.RoleT2I, generators.RoleI2I, generators.RoleScorer},
	Doc:     "declared in the spec: request template, result path, optional job polling (fal, Replicate, FLUX Kontext, Stability, aesthetic predictors)",
	Options: func() any { return new(Options) },
	Check: func(c generators.Check) []generators.Problem {
		o, _ := c.Options.(*Options)
		if o == nil {
			return []generators.Problem{generators.Problemf("", "an http endpoint needs an http block declaring its requests")}
		}
		out := generators.Messages("http", o.Check())
		switch {
		case c.Role == generators.RoleT2I && o.Generate == nil:
			out = append(out, generators.Problemf("http", "a t2i endpoint needs http.generate"))
		case c.Role == generators.RoleI2I && o.Edit == nil:
			out = append(out, generators.Problemf("http", "an i2i endpoint needs http.edit"))
		case c.Role == generators.RoleScorer && o.Score == nil:
			out = append(out, generators.Problemf("http", "a scorer endpoint needs http.score"))
		}
		return out
	},
	Identity: func(opts any) []generators.IdentityPart {
		o, _ := opts.(*Options)
		return []generators.IdentityPart{{Key: "HTTP", Value: o}}
	},
	Open: func(c generators.Config, key string) (generators.Endpoint, error) {
		o, _ := c.Options.(*Options)
		if o == nil {
			return generators.Endpoint{}, fmt.Errorf("an http endpoint needs an http block")
		}
		cl := New(*o, key)
		return generators.Endpoint{Generator: cl, Editor: cl, Scorer: cl}, nil
	},
}
