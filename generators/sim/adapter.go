package sim

import "github.com/blindspot-audit/blindspot/generators"

// Adapter describes the simulator to the registry: every role, the `sim:`
// options block, and a cache identity that changes with the simulator's
// Version and every option that shapes an answer.
var Adapter = generators.Provider{
	Name:            "sim",
	Roles:           generators.Roles(),
	ImageEmbeddings: true,
	ClipScore:       true,
	Doc:             "built-in deterministic simulator with a cultural bias profile set in the spec; offline",
	Options:         func() any { return new(Options) },
	Check: func(c generators.Check) []generators.Problem {
		var out []generators.Problem
		o, _ := c.Options.(*Options)
		if o != nil {
			out = generators.Messages("sim", o.Check())
		}
		if c.ClipScore && c.Role == generators.RoleEmbedder && (o == nil || !o.CLIP) {
			out = append(out, generators.Problemf("clip_score", "a sim embedder puts text in its image space only with sim.clip: true"))
		}
		return out
	},
	Identity: func(opts any) []generators.IdentityPart {
		var id *Options
		if o, ok := opts.(*Options); ok && o != nil {
			c := *o
			c.Latency = 0 // timing does not change an answer
			id = &c
		}
		return []generators.IdentityPart{{Key: "Sim", Value: id}, {Key: "SimVersion", Value: Version}}
	},
	Open: func(c generators.Config, key string) (generators.Endpoint, error) {
		p, err := New(generators.OptionsOf[Options](c.Options))
		if err != nil {
			return generators.Endpoint{}, err
		}
		return generators.Endpoint{Generator: p, Editor: p, Chat: p, Embedder: p, Scorer: p}, nil
	},
}
