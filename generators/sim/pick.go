package sim

import (
	"fmt"
	"image"
	"math"

	"github.com/blindspot-audit/blindspot/generators"
)

// pick answers a best/worst question over several images: the image whose
// coloured pixels sit closest to the named culture's palette is the best,
// the farthest the worst. With probability Noise the two are chosen at
// random instead.
func (p *Provider) pick(req generators.ChatRequest, named, system string) (*generators.Response, error) {
	if named == "" {
		named = p.opts.Bias.DefaultCulture
	}
	hashes := ""
	dist := make([]float64, len(req.Images))
	for i, b := range req.Images {
		img, err := decodePNG(b)
		if err != nil {
			return nil, &generators.Error{Class: generators.Permanent, Msg: fmt.Sprintf("input image %d", i+1), Err: err}
		}
		dist[i] = paletteDistance(img, cultureOf(named))
		hashes += hashBytes(b)
	}
	best, worst := 0, 0
	for i, d := range dist {
		if d < dist[best] {
			best = i
		}
		if d > dist[worst] {
			worst = i
		}
	}
	rng := rngFor("pick", req.Model, system, req.Prompt, hashes, fmt.Sprint(req.Seed))
	if rng.Float64() < p.opts.Noise || best == worst {
		best = rng.IntN(len(dist))
		worst = (best + 1 + rng.IntN(len(dist)-1)) % len(dist)
	}
	text := fmt.Sprintf("Best: %d; Worst: %d", best+1, worst+1)
	return &generators.Response{
		Text:         text,
		Usage:        generators.Usage{InputTokens: tokens(system) + tokens(req.Prompt) + 85*len(req.Images), OutputTokens: tokens(text)},
		ModelVersion: version(req.Model),
	}, nil
}

// paletteDistance is the mean distance of an image's coloured pixels to
// the nearest colour of culture c's palette.
func paletteDistance(img *image.RGBA, c culture) float64 {
	sum, n := 0.0, 0
	b := img.Rect
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			px := img.RGBAAt(x, y)
			if isGrey(px) {
				continue
			}
			best := math.MaxFloat64
			for _, q := range c.Palette {
				best = min(best, dist2(px, q))
			}
			sum += math.Sqrt(best)
			n++
		}
	}
	if n == 0 {
		return math.MaxFloat64
	}
	return sum / float64(n)
}
