package sim

import (
	"fmt"
	"strings"
	"time"
)

// Options configure a simulated endpoint (the `sim:` block of an endpoint).
type Options struct {
	Bias Bias `yaml:"bias"`
	// Noise is the probability that the VLM gives a wrong answer.
	Noise float64 `yaml:"noise"`
	// Leak is the probability that a story name comes from the default
	// culture instead of the requested one.
	Leak float64 `yaml:"leak"`
	// EditStrength scales how often an edit redraws an image of another
	// culture in the target culture (default 0.2: editors mostly keep the
	// source identity, as ECB observed).
	EditStrength *float64 `yaml:"edit_strength"`
	// Size is the edge length of generated images in pixels (default 96).
	Size int `yaml:"size"`
	// CLIP makes the embedder put text in its image space, as a CLIP model
	// does, so CLIPScore can be computed; otherwise text is a bag of words.
	CLIP bool `yaml:"clip"`
	// Latency is added to every call, to rehearse real endpoint timing.
	Latency time.Duration `yaml:"latency"`
}

// Bias is the injected cultural bias of a simulated model.
type Bias struct {
	// DefaultCulture is what the model draws when it fails a country or gets
	// an agnostic prompt (default "United States").
	DefaultCulture string `yaml:"default_culture"`
	// DefaultEra is the era drawn for prompts without an era word (default
	// "modern").
	DefaultEra string `yaml:"default_era"`
	// Fidelity is the per-country probability that the requested culture is
	// rendered.
	Fidelity map[string]float64 `yaml:"fidelity"`
	// DefaultFidelity applies to countries not in Fidelity (default 0.8).
	DefaultFidelity *float64 `yaml:"default_fidelity"`
	// EraFidelity is the probability that a requested era is rendered
	// (default 0.8).
	EraFidelity *float64 `yaml:"era_fidelity"`
	// Languages is the language effect, by the ISO 639 code of the
	// prompt's language (as the built-in schema's translations write it).
	Languages map[string]LanguageEffect `yaml:"languages" json:",omitempty"`
}

// LanguageEffect is how prompting in one language changes what the model
// draws.
type LanguageEffect struct {
	// Fidelity is added to a country's fidelity when the prompt naming it
	// is in this language (the sum is kept within 0 and 1).
	Fidelity map[string]float64 `yaml:"fidelity"`
	// Cue is the probability that a prompt in this language naming no
	// country is drawn in the language's country rather than the default.
	Cue float64 `yaml:"cue"`
	// Country is where the cue points; by default the first country of
	// the built-in schema that speaks the language.
	Country string `yaml:"country"`
}

// Defaults fills unset fields.
func (o *Options) Defaults() {
	if o.Bias.DefaultCulture == "" {
		o.Bias.DefaultCulture = "United States"
	}
	if o.Bias.DefaultEra == "" {
		o.Bias.DefaultEra = "modern"
	}
	if o.Bias.DefaultFidelity == nil {
		f := 0.8
		o.Bias.DefaultFidelity = &f
	}
	if o.Bias.EraFidelity == nil {
		f := 0.8
		o.Bias.EraFidelity = &f
	}
	if o.Size == 0 {
		o.Size = 96
	}
	if o.EditStrength == nil {
		s := 0.2
		o.EditStrength = &s
	}
}

// Check returns every invalid field as "field: problem".
func (o *Options) Check() []string {
	var out []string
	prob := func(name string, v float64) {
		if v < 0 || v > 1 {
			out = append(out, fmt.Sprintf("%s: must be a probability between 0 and 1, got %g", name, v))
		}
	}
	prob("noise", o.Noise)
	prob("leak", o.Leak)
	if o.EditStrength != nil {
		prob("edit_strength", *o.EditStrength)
	}
	for k, v := range o.Bias.Fidelity {
		prob("bias.fidelity."+k, v)
	}
	if o.Bias.DefaultFidelity != nil {
		prob("bias.default_fidelity", *o.Bias.DefaultFidelity)
	}
	if o.Bias.EraFidelity != nil {
		prob("bias.era_fidelity", *o.Bias.EraFidelity)
	}
	for code, e := range o.Bias.Languages {
		prob("bias.languages."+code+".cue", e.Cue)
		for k, v := range e.Fidelity {
			if v < -1 || v > 1 {
				out = append(out, fmt.Sprintf("bias.languages.%s.fidelity.%s: must be a change between -1 and 1, got %g", code, k, v))
			}
		}
		if e.Cue > 0 && homeOf(code, e) == "" {
			out = append(out, fmt.Sprintf("bias.languages.%s.country: no country is known to speak %q; name the country the cue points to", code, code))
		}
	}
	if o.Bias.DefaultEra != "" && o.Bias.DefaultEra != "modern" && o.Bias.DefaultEra != "traditional" {
		out = append(out, fmt.Sprintf("bias.default_era: must be modern or traditional, got %q", o.Bias.DefaultEra))
	}
	if o.Size != 0 && (o.Size < 16 || o.Size > 1024) {
		out = append(out, fmt.Sprintf("size: must be between 16 and 1024 pixels, got %d", o.Size))
	}
	if o.Latency < 0 {
		out = append(out, "latency: must not be negative")
	}
	return out
}

func (o *Options) fidelity(country string) float64 {
	for k, v := range o.Bias.Fidelity {
		if strings.EqualFold(k, country) {
			return v
		}
	}
	return *o.Bias.DefaultFidelity
}

// fidelityIn is a country's fidelity when prompted in a language.
func (o *Options) fidelityIn(country, lang string) float64 {
	f := o.fidelity(country)
	for k, v := range o.Bias.Languages[lang].Fidelity {
		if strings.EqualFold(k, country) {
			f += v
		}
	}
	return min(1, max(0, f))
}
