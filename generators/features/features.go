// Package features is a pure-Go image embedder that needs no model: the
// offline stand-in for learned embeddings (CLIP, SigLIP, DreamSim) when the
// spec names no embedding endpoint. An image (reduced to 64x64) becomes the
// concatenation of three blocks, each L2-normalised and weighted equally,
// then the whole vector L2-normalised:
//
//   - colour: a histogram of CIELAB a* x b* (8 x 8 bins) and L* (4 bins),
//     perceptual rather than RGB distances;
//   - layout: the mean L*, a*, b* of a 4 x 4 grid of cells;
//   - texture: histograms of gradient orientation (8 bins, weighted by
//     Sobel magnitude) in a 2 x 2 grid of cells.
//
// It embeds images only; every output is a pure function of the pixels.
package features

import (
	"bytes"
	"context"
	"image"
	_ "image/jpeg" // inputs may be JPEG
	_ "image/png"
	"math"

	"github.com/disintegration/imaging"

	"github.com/blindspot-audit/blindspot/generators"
)

// Dim is the length of a feature vector.
const Dim = 8*8 + 4 + 4*4*3 + 2*2*8

const side = 64

// Embedder is the features provider.
type Embedder struct{}

// Embed computes an image's feature vector.
func (Embedder) Embed(ctx context.Context, req generators.EmbedRequest) (*generators.Response, error) {
	if req.Image == nil {
		return nil, generators.Errorf(generators.Permanent, "the features embedder embeds images only")
	}
	img, _, err := image.Decode(bytes.NewReader(req.Image))
	if err != nil {
		return nil, &generators.Error{Class: generators.Permanent, Msg: "undecodable image", Err: err}
	}
	return &generators.Response{Vector: Vector(img), ModelVersion: "features@1"}, nil
}

// Vector computes the features of an image.
func Vector(img image.Image) []float64 {
	small := imaging.Resize(img, side, side, imaging.Box)
	lab := make([][3]float64, side*side)
	gray := make([]float64, side*side)
	for y := 0; y < side; y++ {
		for x := 0; x < side; x++ {
			o := small.PixOffset(x, y)
			r, g, b := float64(small.Pix[o])/255, float64(small.Pix[o+1])/255, float64(small.Pix[o+2])/255
			lab[y*side+x] = toLab(r, g, b)
			gray[y*side+x] = lab[y*side+x][0]
		}
	}
	colour := make([]float64, 8*8+4)
	layout := make([]float64, 4*4*3)
	for i, c := range lab {
		ai := clampBin((c[1]+100)/200*8, 8)
		bi := clampBin((c[2]+100)/200*8, 8)
		colour[ai*8+bi]++
		colour[64+clampBin(c[0]/100*4, 4)]++
		x, y := i%side, i/side
		cell := (y*4/side)*4 + x*4/side
		for k := 0; k < 3; k++ {
			layout[cell*3+k] += c[k] / float64(side*side/16)
		}
	}
	texture := make([]float64, 2*2*8)
	for y := 1; y < side-1; y++ {
		for x := 1; x < side-1; x++ {
			at := func(dx, dy int) float64 { return gray[(y+dy)*side+x+dx] }
			gx := at(1, -1) + 2*at(1, 0) + at(1, 1) - at(-1, -1) - 2*at(-1, 0) - at(-1, 1)
			gy := at(-1, 1) + 2*at(0, 1) + at(1, 1) - at(-1, -1) - 2*at(0, -1) - at(1, -1)
			mag := math.Hypot(gx, gy)
			if mag == 0 {
				continue
			}
			theta := math.Atan2(gy, gx) // orientation modulo pi
			if theta < 0 {
				theta += math.Pi
			}
			bin := clampBin(theta/math.Pi*8, 8)
			cell := (y*2/side)*2 + x*2/side
			texture[cell*8+bin] += mag
		}
	}
	out := make([]float64, 0, Dim)
	for _, block := range [][]float64{colour, layout, texture} {
		generators.UnitLength(block)
		out = append(out, block...)
	}
	generators.UnitLength(out)
	return out
}

func clampBin(v float64, n int) int {
	i := int(v)
	if i < 0 {
		return 0
	}
	if i >= n {
		return n - 1
	}
	return i
}

// toLab converts sRGB in [0,1] to CIELAB (D65).
func toLab(r, g, b float64) [3]float64 {
	lin := func(c float64) float64 {
		if c <= 0.04045 {
			return c / 12.92
		}
		return math.Pow((c+0.055)/1.055, 2.4)
	}
	r, g, b = lin(r), lin(g), lin(b)
	x := (0.4124*r + 0.3576*g + 0.1805*b) / 0.95047
	y := 0.2126*r + 0.7152*g + 0.0722*b
	z := (0.0193*r + 0.1192*g + 0.9505*b) / 1.08883
	f := func(t float64) float64 {
		if t > 0.008856 {
			return math.Cbrt(t)
		}
		return 7.787*t + 16.0/116
	}
	fx, fy, fz := f(x), f(y), f(z)
	return [3]float64{116*fy - 16, 500 * (fx - fy), 200 * (fy - fz)}
}
