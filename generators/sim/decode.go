package sim

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"
)

// maxPixels caps the images the simulator will decode.
const maxPixels = 4096 * 4096

// decodePNG reads an image given to the editor, judge or embedder.
func decodePNG(b []byte) (*image.RGBA, error) {
	cfg, err := png.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("not a PNG image: %w", err)
	}
	if cfg.Width*cfg.Height > maxPixels || cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, fmt.Errorf("image of %dx%d pixels is out of range", cfg.Width, cfg.Height)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("undecodable PNG: %w", err)
	}
	if rgba, ok := img.(*image.RGBA); ok && rgba.Rect.Min == (image.Point{}) {
		return rgba, nil
	}
	out := image.NewRGBA(image.Rect(0, 0, img.Bounds().Dx(), img.Bounds().Dy()))
	draw.Draw(out, out.Rect, img, img.Bounds().Min, draw.Src)
	return out, nil
}

func dist2(a, b color.RGBA) float64 {
	dr, dg, db := float64(a.R)-float64(b.R), float64(a.G)-float64(b.G), float64(a.B)-float64(b.B)
	return dr*dr + dg*dg + db*db
}

func isGrey(c color.RGBA) bool {
	mx := max(c.R, c.G, c.B)
	mn := min(c.R, c.G, c.B)
	return mx-mn < 24 && mx > 90 && mx < 170
}

// reading is what the simulator sees in an image.
type reading struct {
	Culture string  // best matching candidate
	Margin  float64 // how much better it fits than the runner-up (0..1)
	Era     string  // "modern" or "traditional"
}

// look decodes culture and era from the pixels: the culture whose palette
// the coloured pixels sit closest to, and the modern era when enough pixels
// are the neutral grey of the modern grid.
func look(img *image.RGBA, candidates []string) reading {
	type score struct {
		name string
		d    float64
	}
	cults := make([]culture, len(candidates))
	for i, n := range candidates {
		cults[i] = cultureOf(n)
	}
	sums := make([]float64, len(cults))
	grey, total := 0, 0
	b := img.Rect
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			c := img.RGBAAt(x, y)
			total++
			if isGrey(c) {
				grey++
				continue
			}
			for i, cu := range cults {
				best := math.MaxFloat64
				for _, p := range cu.Palette {
					best = min(best, dist2(c, p))
				}
				sums[i] += math.Sqrt(best)
			}
		}
	}
	r := reading{Era: "traditional"}
	if total > 0 && float64(grey)/float64(total) > 0.04 {
		r.Era = "modern"
	}
	first, second := score{"", math.MaxFloat64}, score{"", math.MaxFloat64}
	for i, cu := range cults {
		s := score{cu.Name, sums[i]}
		if s.d < first.d {
			first, second = s, first
		} else if s.d < second.d {
			second = s
		}
	}
	r.Culture = first.name
	if second.d > 0 && second.d < math.MaxFloat64 {
		r.Margin = 1 - first.d/second.d
	}
	return r
}

// structure recovers the layout of an image drawn in culture c: each pixel
// takes the label of the nearest palette colour, grey grid and motif pixels
// counting as shape.
func structure(img *image.RGBA, c culture) layout {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	lay := layout{W: w, H: h, L: make([]uint8, w*h)}
	labels := [4]uint8{labelShape, labelGround, labelBackground, labelShape}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			col := img.RGBAAt(img.Rect.Min.X+x, img.Rect.Min.Y+y)
			if isGrey(col) {
				lay.L[y*w+x] = labelShape
				continue
			}
			best, bl := math.MaxFloat64, uint8(labelBackground)
			for i, p := range c.Palette {
				if d := dist2(col, p); d < best {
					best, bl = d, labels[i]
				}
			}
			lay.L[y*w+x] = bl
		}
	}
	return lay
}

// shift moves every pixel a fraction of the way toward the matching colour
// of another palette: a superficial recolouring that keeps the structure.
func shift(img *image.RGBA, from, to culture, amount float64) *image.RGBA {
	out := image.NewRGBA(image.Rect(0, 0, img.Rect.Dx(), img.Rect.Dy()))
	for y := 0; y < out.Rect.Dy(); y++ {
		for x := 0; x < out.Rect.Dx(); x++ {
			c := img.RGBAAt(img.Rect.Min.X+x, img.Rect.Min.Y+y)
			if isGrey(c) {
				out.SetRGBA(x, y, c)
				continue
			}
			bi, best := 0, math.MaxFloat64
			for i, p := range from.Palette {
				if d := dist2(c, p); d < best {
					bi, best = i, d
				}
			}
			t := to.Palette[bi]
			mix := func(a, b uint8) uint8 { return uint8(math.Round(float64(a) + amount*(float64(b)-float64(a)))) }
			out.SetRGBA(x, y, color.RGBA{mix(c.R, t.R), mix(c.G, t.G), mix(c.B, t.B), 255})
		}
	}
	return out
}
