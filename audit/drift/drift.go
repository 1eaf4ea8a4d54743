package drift

import (
	"fmt"
	"image"
	"math"
	"strconv"
	"sync"

	"github.com/corona10/goimagehash"
	"github.com/disintegration/imaging"
)

// side is the edge length images are reduced to before comparing.
const side = 128

// Prepared is an image reduced to what the measures need, so that an image
// compared several times is decoded and reduced once.
type Prepared struct {
	gray  []float64 // side x side luminance
	edges []float64 // Sobel magnitudes
	hist  []float64 // normalised HSV histogram
	hash  *goimagehash.ImageHash
	// windows are the luminance's SSIM window statistics.
	windows []windowStat
}

// prepared holds released Prepared values, whose two large buffers (128
// KiB each) the next Prepare reuses.
var prepared = sync.Pool{New: func() any {
	return &Prepared{gray: make([]float64, side*side), edges: make([]float64, side*side), hist: make([]float64, hBins*sBins*vBins)}
}}

// Release hands p's buffers to a later Prepare; p must not be used after.
func (p *Prepared) Release() {
	p.hash = nil
	prepared.Put(p)
}

// Prepare reduces an image. Release hands the result's buffers back when
// it is no longer needed.
func Prepare(img image.Image) (*Prepared, error) {
	small := imaging.Resize(img, side, side, imaging.Box)
	p := prepared.Get().(*Prepared)
	clear(p.hist)
	for y := 0; y < side; y++ {
		for x := 0; x < side; x++ {
			o := small.PixOffset(x, y)
			r, g, b := float64(small.Pix[o]), float64(small.Pix[o+1]), float64(small.Pix[o+2])
			p.gray[y*side+x] = 0.299*r + 0.587*g + 0.114*b
			p.hist[hsvBin(r/255, g/255, b/255)]++
		}
	}
	for i := range p.hist {
		p.hist[i] /= side * side
	}
	sobel(p.edges, p.gray)
	p.windows = windowStats(p.windows, p.gray)
	h, err := goimagehash.PerceptionHash(small)
	if err != nil {
		p.Release()
		return nil, fmt.Errorf("perceptual hash: %w", err)
	}
	p.hash = h
	return p, nil
}

// Measures compare two images.
type Measures struct {
	SSIM          float64 `json:"ssim"`
	PHashDistance float64 `json:"phash_distance"`
	ColorDistance float64 `json:"color_distance"`
	EdgeDistance  float64 `json:"edge_distance"`
}

// Compare measures the change from a to b.
func Compare(a, b *Prepared) Measures {
	d, _ := a.hash.Distance(b.hash)
	return Measures{
		SSIM:          ssim(a, b),
		PHashDistance: float64(d) / 64,
		ColorDistance: tv(a.hist, b.hist),
		EdgeDistance:  1 - pearson(a.edges, b.edges),
	}
}

const (
	hBins, sBins, vBins = 12, 3, 3
)

// hsvBin is the histogram bin of a colour with channels in [0, 1].
func hsvBin(r, g, b float64) int {
	// Plain comparisons give math.Max's and math.Min's results for these
	// channels (no NaN, no -0), at a fraction of their cost.
	mx, mn := r, r
	if g > mx {
		mx = g
	}
	if b > mx {
		mx = b
	}
	if g < mn {
		mn = g
	}
	if b < mn {
		mn = b
	}
	v := mx
	s := 0.0
	if mx > 0 {
		s = (mx - mn) / mx
	}
	h := 0.0
	if d := mx - mn; d > 0 {
		switch mx {
		case r:
			h = (g - b) / d // in [-1, 1], where math.Mod(h, 6) is h itself
		case g:
			h = (b-r)/d + 2
		default:
			h = (r-g)/d + 4
		}
		h *= 60
		if h < 0 {
			h += 360
		}
	}
	hi := min(int(h/360*hBins), hBins-1)
	si := min(int(s*sBins), sBins-1)
	vi := min(int(v*vBins), vBins-1)
	return (hi*sBins+si)*vBins + vi
}

func tv(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += math.Abs(a[i] - b[i])
	}
	return s / 2
}

// sobel writes the Sobel gradient magnitudes of g (side x side, edges
// repeated outward) to out.
func sobel(out, g []float64) {
	at := func(x, y int) float64 {
		x = min(max(x, 0), side-1)
		y = min(max(y, 0), side-1)
		return g[y*side+x]
	}
	border := func(x, y int) {
		gx := at(x+1, y-1) + 2*at(x+1, y) + at(x+1, y+1) - at(x-1, y-1) - 2*at(x-1, y) - at(x-1, y+1)
		gy := at(x-1, y+1) + 2*at(x, y+1) + at(x+1, y+1) - at(x-1, y-1) - 2*at(x, y-1) - at(x+1, y-1)
		out[y*side+x] = math.Hypot(gx, gy)
	}
	for y := 0; y < side; y++ {
		if y == 0 || y == side-1 {
			for x := 0; x < side; x++ {
				border(x, y)
			}
			continue
		}
		border(0, y)
		// Inside, no neighbour needs clamping: the same sums, indexed
		// directly, in the same order (so the same values).
		up, row, down := g[(y-1)*side:y*side], g[y*side:(y+1)*side], g[(y+1)*side:(y+2)*side]
		for x := 1; x < side-1; x++ {
			gx := up[x+1] + 2*row[x+1] + down[x+1] - up[x-1] - 2*row[x-1] - down[x-1]
			gy := down[x-1] + 2*down[x] + down[x+1] - up[x-1] - 2*up[x] - up[x+1]
			out[y*side+x] = math.Hypot(gx, gy)
		}
		border(side-1, y)
	}
}

func pearson(a, b []float64) float64 {
	n := float64(len(a))
	var sa, sb float64
	for i := range a {
		sa += a[i]
		sb += b[i]
	}
	ma, mb := sa/n, sb/n
	var cov, va, vb float64
	for i := range a {
		da, db := a[i]-ma, b[i]-mb
		cov += da * db
		va += da * da
		vb += db * db
	}
	if va == 0 || vb == 0 {
		if va == vb {
			return 1 // two flat images have the same (no) edges
		}
		return 0
	}
	return cov / math.Sqrt(va*vb)
}

// SSIM windows: 8x8 pixels, every 4 pixels.
const win, stride = 8, 4

// windowStat is a window's mean and sample variance, which SSIM needs for
// each image and which Prepare computes once, however often the image is
// compared.
type windowStat struct{ mean, variance float64 }

// windowStats computes every window's statistics, in ssim's order.
func windowStats(out []windowStat, a []float64) []windowStat {
	out = out[:0]
	const n = float64(win * win)
	for y := 0; y+win <= side; y += stride {
		for x := 0; x+win <= side; x += stride {
			var m float64
			for j := 0; j < win; j++ {
				for i := 0; i < win; i++ {
					m += a[(y+j)*side+x+i]
				}
			}
			m /= n
			var v float64
			for j := 0; j < win; j++ {
				for i := 0; i < win; i++ {
					d := a[(y+j)*side+x+i] - m
					v += d * d
				}
			}
			out = append(out, windowStat{m, v / (n - 1)})
		}
	}
	return out
}

// ssim is the mean SSIM over 8x8 windows with stride 4.
func ssim(a, b *Prepared) float64 {
	const c1, c2 = (0.01 * 255) * (0.01 * 255), (0.03 * 255) * (0.03 * 255)
	const n = float64(win * win)
	var total float64
	k := 0
	for y := 0; y+win <= side; y += stride {
		for x := 0; x+win <= side; x += stride {
			wa, wb := a.windows[k], b.windows[k]
			k++
			var cov float64
			for j := 0; j < win; j++ {
				ra, rb := a.gray[(y+j)*side+x:(y+j)*side+x+win], b.gray[(y+j)*side+x:(y+j)*side+x+win]
				for i := range ra {
					cov += (ra[i] - wa.mean) * (rb[i] - wb.mean)
				}
			}
			cov /= n - 1
			total += ((2*wa.mean*wb.mean + c1) * (2*cov + c2)) / ((wa.mean*wa.mean + wb.mean*wb.mean + c1) * (wa.variance + wb.variance + c2))
		}
	}
	return total / float64(k)
}

// PHashOf is an image's 64-bit perceptual hash (goimagehash's DCT hash) in
// hexadecimal: the form the run store keeps for the seed-duplicate check.
func PHashOf(img image.Image) (string, error) {
	h, err := goimagehash.PerceptionHash(img)
	if err != nil {
		return "", fmt.Errorf("perceptual hash: %w", err)
	}
	return strconv.FormatUint(h.GetHash(), 16), nil
}
