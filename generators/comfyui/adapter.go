package comfyui

import (
	"crypto/sha256"
	"encoding/hex"

	"github.com/blindspot-audit/blindspot/generators"
)

// Adapter describes the ComfyUI provider to the registry: its `comfyui:`
// block names workflow files, which Check reads and parses with the spec.
var Adapter = generators.Provider{
	Name:    "comfyui",
	Roles:   []generators.Role{generators.RoleT2I, generators.RoleI2I},
	Doc:     "ComfyUI: an API-format workflow with {{prompt}}, {{seed}}, {{image}} placeholders",
	Options: func() any { return new(Options) },
	Check:   check,
	Identity: func(opts any) []generators.IdentityPart {
		return []generators.IdentityPart{{Key: "Workflows", Value: generators.OptionsOf[Options](opts).Hash}}
	},
	Open: func(c generators.Config, key string) (generators.Endpoint, error) {
		o := generators.OptionsOf[Options](c.Options)
		cl := New(c.BaseURL, key, o.Generate, o.Edit, o.PollInterval)
		return generators.Endpoint{Generator: cl, Editor: cl}, nil
	},
}

// check reads and parses the workflows the endpoint's role needs.
func check(c generators.Check) []generators.Problem {
	o, _ := c.Options.(*Options)
	if o == nil {
		return []generators.Problem{generators.Problemf("", "a comfyui endpoint needs a comfyui block with its workflow files")}
	}
	var out []generators.Problem
	h := sha256.New()
	for _, w := range []struct {
		field, path string
		edit        bool
		into        *Workflow
		needed      bool
	}{
		{"workflow", o.Workflow, false, &o.Generate, c.Role == generators.RoleT2I},
		{"edit_workflow", o.EditWorkflow, true, &o.Edit, c.Role == generators.RoleI2I},
	} {
		if w.path == "" {
			if w.needed {
				out = append(out, generators.Problemf("comfyui", "a comfyui %s endpoint needs comfyui.%s", c.Role, w.field))
			}
			continue
		}
		data, err := c.Read(w.path)
		if err != nil {
			out = append(out, generators.Problemf("comfyui."+w.field, "cannot read the workflow: %v", err))
			continue
		}
		wf, err := ParseWorkflow(data, w.edit)
		if err != nil {
			out = append(out, generators.Problemf("comfyui."+w.field, "%s: %v", w.path, err))
			continue
		}
		*w.into = wf
		h.Write(data)
	}
	if o.PollInterval < 0 {
		out = append(out, generators.Problemf("comfyui.poll_interval", "must not be negative"))
	}
	o.Hash = hex.EncodeToString(h.Sum(nil))[:16]
	return out
}
