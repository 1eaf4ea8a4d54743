package a1111

import "github.com/blindspot-audit/blindspot/generators"

// Adapter describes the Stable Diffusion web UI provider to the registry,
// with its `a1111:` options block.
var Adapter = generators.Provider{
	Name:    "a1111",
	Roles:   []generators.Role{generators.RoleT2I, generators.RoleI2I},
	Doc:     "Stable Diffusion web UI API (Automatic1111, Forge, SD.Next): txt2img, img2img",
	Options: func() any { return new(Options) },
	Check: func(c generators.Check) []generators.Problem {
		if o, ok := c.Options.(*Options); ok && o != nil {
			return generators.Messages("a1111", o.Check())
		}
		return nil
	},
	Identity: func(opts any) []generators.IdentityPart {
		o, _ := opts.(*Options)
		return []generators.IdentityPart{{Key: "A1111", Value: o}}
	},
	Open: func(c generators.Config, key string) (generators.Endpoint, error) {
		cl := New(c.BaseURL, key, c.Size, generators.OptionsOf[Options](c.Options))
		return generators.Endpoint{Generator: cl, Editor: cl}, nil
	},
}
