package sim

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"image"
	"math/rand/v2"
	"regexp"
	"sort"
	"strings"

	"github.com/blindspot-audit/blindspot/generators"
	"github.com/blindspot-audit/blindspot/prompts"
)

// Provider is a simulated endpoint serving every role.
type Provider struct {
	opts Options
	// candidates are the cultures the judge compares an image against.
	candidates []string
}

// New returns a simulator with the given options (defaults filled in).
func New(o Options) (*Provider, error) {
	o.Defaults()
	if errs := o.Check(); len(errs) > 0 {
		return nil, fmt.Errorf("sim options: %s", strings.Join(errs, "; "))
	}
	cands := map[string]bool{strings.ToLower(o.Bias.DefaultCulture): true}
	for k := range knownHues {
		cands[k] = true
	}
	for k := range o.Bias.Fidelity {
		cands[strings.ToLower(k)] = true
	}
	p := &Provider{opts: o}
	for k := range cands {
		p.candidates = append(p.candidates, k)
	}
	sort.Strings(p.candidates)
	return p, nil
}

func rngFor(parts ...string) *rand.Rand {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	s := h.Sum(nil)
	return rand.New(rand.NewPCG(binary.BigEndian.Uint64(s[:8]), binary.BigEndian.Uint64(s[8:16])))
}

func hashBytes(b []byte) string {
	s := sha256.Sum256(b)
	return fmt.Sprintf("%x", s[:12])
}

var (
	eraRe  = regexp.MustCompile(`(?i)\b(traditional|modern)\b`)
	wordRe = regexp.MustCompile(`[a-z]+`)
)

func (p *Provider) wait(ctx context.Context) error {
	return generators.Sleep(ctx, p.opts.Latency)
}

// Version changes whenever the simulator's outputs change, so that cached
// answers of an older simulator are not reused.
const Version = "4"

func version(model string) string { return "sim/" + model + "@" + Version }

func (p *Provider) candidatesWith(extra string) []string {
	if extra == "" {
		return p.candidates
	}
	for _, c := range p.candidates {
		if c == extra {
			return p.candidates
		}
	}
	return append(append([]string(nil), p.candidates...), extra)
}

// Generate renders the prompt's culture with the country's fidelity, the
// default culture otherwise.
func (p *Provider) Generate(ctx context.Context, req generators.ImageRequest) (*generators.Response, error) {
	if err := p.wait(ctx); err != nil {
		return nil, err
	}
	if strings.TrimSpace(req.Prompt) == "" {
		return nil, generators.Errorf(generators.Permanent, "empty prompt")
	}
	text, r := req.Prompt, readPrompt(req.Prompt)
	// English text is never a translation: the table is built only for
	// text in another language.
	if r.lang != prompts.English {
		if t, ok := translated()[req.Prompt]; ok {
			text, r = t.source, readPrompt(t.source)
			r.lang = t.lang
		}
	}
	// A text its own translator marked "[code] text" is that text in the
	// language code: drawn like a schema translation, from its source.
	if source, code := unmark(req.Prompt); code != "" {
		text, r = source, readPrompt(source)
		r.lang = code
	}
	rng := rngFor("t2i", req.Model, text, fmt.Sprint(req.Seed))
	cult := strings.ToLower(p.opts.Bias.DefaultCulture)
	switch e := p.opts.Bias.Languages[r.lang]; {
	case r.country != "":
		if rng.Float64() < p.opts.fidelityIn(r.country, r.lang) {
			cult = r.country
		}
	case e.Cue > 0:
		// The cue has a draw of its own, per language: prompts naming no
		// country in two languages share a source, and sharing its draw
		// would tie their errors together.
		if home := homeOf(r.lang, e); home != "" && rngFor("cue", req.Model, r.lang, text, fmt.Sprint(req.Seed)).Float64() < e.Cue {
			cult = home
		}
	}
	era := p.opts.Bias.DefaultEra
	if r.era != "" && rng.Float64() < *p.opts.Bias.EraFidelity {
		era = r.era
	}
	size := p.opts.Size
	if req.Size > 0 {
		size = req.Size
	}
	subject := wordRe.FindAllString(r.subject, -1)
	if text == req.Prompt && r.lang != prompts.English {
		subject = wordsOf(r.subject)
	}
	lay := newLayout(size, rngFor("layout", strings.Join(subject, " "), fmt.Sprint(req.Seed)))
	png, err := encodePNG(render(lay, cultureOf(cult), era, rng))
	if err != nil {
		return nil, &generators.Error{Class: generators.Permanent, Msg: "encoding image", Err: err}
	}
	return &generators.Response{Image: png, Usage: generators.Usage{Images: 1}, ModelVersion: version(req.Model)}, nil
}

// Edit applies an instruction naming a target culture.
//   - The image already shows the target: with the target's fidelity the
//     culture is kept (only the era may change); otherwise the edit redraws
//     the same layout in the default culture and era. Repeated edits
//     therefore erode fidelity while structure-based metrics stay flat.
//   - The image shows another culture: with probability fidelity x
//     EditStrength it is redrawn in the target culture on the same layout;
//     otherwise only the ground is recoloured toward the target, a
//     superficial cue that leaves the source identity in place.
func (p *Provider) Edit(ctx context.Context, req generators.EditRequest) (*generators.Response, error) {
	if err := p.wait(ctx); err != nil {
		return nil, err
	}
	img, err := decodePNG(req.Image)
	if err != nil {
		return nil, &generators.Error{Class: generators.Permanent, Msg: "input image", Err: err}
	}
	rng := rngFor("i2i", req.Model, req.Instruction, hashBytes(req.Image), fmt.Sprint(req.Seed))
	target := findCountry(req.Instruction)
	src := look(img, p.candidatesWith(target))
	srcC := cultureOf(src.Culture)
	era := src.Era
	if m := eraRe.FindString(req.Instruction); m != "" && rng.Float64() < *p.opts.Bias.EraFidelity {
		era = strings.ToLower(m)
	}
	lay := structure(img, srcC)
	f := 1.0
	if target != "" {
		f = p.opts.fidelity(target)
	}
	var out *image.RGBA
	switch {
	case target == "" || target == src.Culture:
		if rng.Float64() < f {
			out = render(lay, srcC, era, rng)
		} else {
			out = render(lay, cultureOf(p.opts.Bias.DefaultCulture), p.opts.Bias.DefaultEra, rng)
		}
	case rng.Float64() < f*(*p.opts.EditStrength):
		out = render(lay, cultureOf(target), era, rng)
	default:
		out = recolourGround(shift(img, srcC, srcC, 0), lay, cultureOf(target), rng)
	}
	png, err := encodePNG(out)
	if err != nil {
		return nil, &generators.Error{Class: generators.Permanent, Msg: "encoding image", Err: err}
	}
	return &generators.Response{Image: png, Usage: generators.Usage{Images: 1}, ModelVersion: version(req.Model)}, nil
}

// canonical draws what a text describes, faithfully: its culture (the
// default culture when it names none) and era, on the layout of seed 0.
func (p *Provider) canonical(text string) *image.RGBA {
	country := findCountry(text)
	if country == "" {
		country = strings.ToLower(p.opts.Bias.DefaultCulture)
	}
	era := p.opts.Bias.DefaultEra
	if m := eraRe.FindString(text); m != "" {
		era = strings.ToLower(m)
	}
	subject := strings.ReplaceAll(eraRe.ReplaceAllString(strings.ToLower(text), ""), country, "")
	lay := newLayout(p.opts.Size, rngFor("layout", strings.Join(wordRe.FindAllString(subject, -1), " "), "0"))
	return render(lay, cultureOf(country), era, rngFor("canonical", text))
}
