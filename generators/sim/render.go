package sim

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math"
	"math/rand/v2"
	"sync"
)

// Labels of the layout map.
const (
	labelBackground = iota
	labelGround
	labelShape
)

const numMotifs = 6

var gridGrey = color.RGBA{128, 128, 128, 255}

// layout is a label per pixel.
type layout struct {
	W, H int
	L    []uint8
}

// newLayout draws background, a ground band and a few shapes.
func newLayout(size int, rng *rand.Rand) layout {
	lay := layout{W: size, H: size, L: make([]uint8, size*size)}
	ground := size*3/5 + rng.IntN(size/5+1)
	for y := ground; y < size; y++ {
		for x := 0; x < size; x++ {
			lay.L[y*size+x] = labelGround
		}
	}
	n := 2 + rng.IntN(3)
	for i := 0; i < n; i++ {
		w := size/6 + rng.IntN(size/4+1)
		h := size/5 + rng.IntN(size/3+1)
		x0 := rng.IntN(size - w)
		y0 := clamp(ground-h+rng.IntN(size/8+1), 0, size-h)
		ellipse := rng.IntN(2) == 0
		for y := y0; y < y0+h; y++ {
			for x := x0; x < x0+w; x++ {
				if ellipse {
					dx := (float64(x-x0)+0.5)/float64(w)*2 - 1
					dy := (float64(y-y0)+0.5)/float64(h)*2 - 1
					if dx*dx+dy*dy > 1 {
						continue
					}
				}
				lay.L[y*size+x] = labelShape
			}
		}
	}
	return lay
}

func clamp(v, lo, hi int) int {
	if v < lo {
		return lo
	}
	if v > hi {
		return hi
	}
	return v
}

// motif reports whether the culture's motif covers pixel (x, y).
func motif(m, x, y int) bool {
	switch m {
	case 0: // horizontal stripes
		return y%6 < 2
	case 1: // checks
		return (x/5+y/5)%2 == 0
	case 2: // dots
		return (x%6-3)*(x%6-3)+(y%6-3)*(y%6-3) <= 2
	case 3: // zigzag
		return (y+abs(x%8-4))%7 < 2
	case 4: // diamonds
		return (abs(x%10-5)+abs(y%10-5))%5 == 0
	default: // rings
		d := int(math.Hypot(float64(x%12-6), float64(y%12-6)))
		return d == 4 || d == 2
	}
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// render paints a layout in a culture and era, with seeded pixel noise.
func render(lay layout, c culture, era string, rng *rand.Rand) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, lay.W, lay.H))
	for y := 0; y < lay.H; y++ {
		for x := 0; x < lay.W; x++ {
			var col color.RGBA
			switch lay.L[y*lay.W+x] {
			case labelBackground:
				col = c.Palette[2]
			case labelGround:
				col = c.Palette[1]
			default:
				col = c.Palette[0]
				if era == "modern" {
					if x%8 == 0 || y%8 == 0 {
						col = gridGrey
					}
				} else if motif(c.Motif, x, y) {
					col = c.Palette[3]
				}
			}
			img.SetRGBA(x, y, jitter(col, rng))
		}
	}
	return img
}

func jitter(c color.RGBA, rng *rand.Rand) color.RGBA {
	d := func(v uint8) uint8 { return uint8(clamp(int(v)+rng.IntN(9)-4, 0, 255)) }
	return color.RGBA{d(c.R), d(c.G), d(c.B), 255}
}

// pngPool reuses the encoder's compressor state, which is large enough to
// dominate the cost of encoding a small image.
type pngPool struct{ p sync.Pool }

func (p *pngPool) Get() *png.EncoderBuffer {
	if b, ok := p.p.Get().(*png.EncoderBuffer); ok {
		return b
	}
	return nil
}

func (p *pngPool) Put(b *png.EncoderBuffer) { p.p.Put(b) }

var encoders = &pngPool{}

func encodePNG(img image.Image) ([]byte, error) {
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed, BufferPool: encoders}
	if err := enc.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// recolourGround paints the ground band in another culture's ground colour.
func recolourGround(img *image.RGBA, lay layout, c culture, rng *rand.Rand) *image.RGBA {
	for y := 0; y < lay.H; y++ {
		for x := 0; x < lay.W; x++ {
			if lay.L[y*lay.W+x] == labelGround {
				img.SetRGBA(x, y, jitter(c.Palette[1], rng))
			}
		}
	}
	return img
}
