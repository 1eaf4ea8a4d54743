package sim

import (
	"context"
	"hash/fnv"
	"image"
	"math"
	"strings"

	"github.com/blindspot-audit/blindspot/generators"
)

// hueBins and gridCells size the image features.
const (
	hueBins   = 24
	gridCells = 4
)

// Embed returns an L2-normalised feature vector: for images a hue
// histogram of the coloured pixels, the grey fraction and a 4x4 grid of
// mean brightness; for text a hashed bag of words, or with the CLIP option
// the image features of the text's faithful rendering.
func (p *Provider) Embed(ctx context.Context, req generators.EmbedRequest) (*generators.Response, error) {
	if err := p.wait(ctx); err != nil {
		return nil, err
	}
	var v []float64
	switch {
	case req.Image != nil:
		img, err := decodePNG(req.Image)
		if err != nil {
			return nil, &generators.Error{Class: generators.Permanent, Msg: "input image", Err: err}
		}
		v = imageFeatures(img)
	case p.opts.CLIP:
		// Like a CLIP model, embed the text into the image space: the
		// features of the image the text describes, drawn faithfully.
		v = imageFeatures(p.canonical(req.Text))
	default:
		v = make([]float64, 64)
		for _, w := range strings.Fields(strings.ToLower(req.Text)) {
			h := fnv.New32a()
			h.Write([]byte(strings.Trim(w, ".,;:!?\"'")))
			v[h.Sum32()%64]++
		}
	}
	generators.UnitLength(v)
	return &generators.Response{Vector: v, Usage: generators.Usage{InputTokens: tokens(req.Text)}, ModelVersion: version(req.Model)}, nil
}

// imageFeatures is the hue histogram of the coloured pixels, the grey
// fraction and a 4x4 grid of mean brightness.
func imageFeatures(img *image.RGBA) []float64 {
	{
		v := make([]float64, hueBins+1+gridCells*gridCells)
		w, h := img.Rect.Dx(), img.Rect.Dy()
		n := 0.0
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				c := img.RGBAAt(img.Rect.Min.X+x, img.Rect.Min.Y+y)
				n++
				r, g, b := float64(c.R)/255, float64(c.G)/255, float64(c.B)/255
				mx, mn := math.Max(r, math.Max(g, b)), math.Min(r, math.Min(g, b))
				if mx-mn < 0.1 {
					v[hueBins]++
				} else {
					v[int(hue(r, g, b, mx, mn)/360*hueBins)%hueBins] += mx - mn
				}
				v[hueBins+1+(y*gridCells/h)*gridCells+x*gridCells/w] += (r + g + b) / 3
			}
		}
		for i := range v {
			v[i] /= n
		}
		return v
	}
}

func hue(r, g, b, mx, mn float64) float64 {
	d := mx - mn
	var h float64
	switch mx {
	case r:
		h = math.Mod((g-b)/d, 6)
	case g:
		h = (b-r)/d + 2
	default:
		h = (r-g)/d + 4
	}
	h *= 60
	if h < 0 {
		h += 360
	}
	return h
}

// Score is a simulated aesthetic predictor on a 1-10 scale: colourfulness
// and contrast of the image, a pure function of its pixels.
func (p *Provider) Score(ctx context.Context, req generators.ScoreRequest) (*generators.Response, error) {
	if err := p.wait(ctx); err != nil {
		return nil, err
	}
	img, err := decodePNG(req.Image)
	if err != nil {
		return nil, &generators.Error{Class: generators.Permanent, Msg: "input image", Err: err}
	}
	var sat, lum, lum2, n float64
	b := img.Rect
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			c := img.RGBAAt(x, y)
			r, g, bl := float64(c.R)/255, float64(c.G)/255, float64(c.B)/255
			mx, mn := math.Max(r, math.Max(g, bl)), math.Min(r, math.Min(g, bl))
			sat += mx - mn
			l := (r + g + bl) / 3
			lum += l
			lum2 += l * l
			n++
		}
	}
	contrast := math.Sqrt(math.Max(lum2/n-(lum/n)*(lum/n), 0))
	score := 1 + 9*math.Min(1, 0.6*sat/n+1.6*contrast)
	return &generators.Response{Score: &score, ModelVersion: version(req.Model)}, nil
}
