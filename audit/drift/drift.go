package drift

import (
	"fmt"
	"image"
	"math"
	"strconv"

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
}

// Prepare reduces an image.
func Prepare(img image.Image) (*Prepared, error) {
	small := imaging.Resize(img, side, side, imaging.Box)
	p := &Prepared{gray: make([]float64, side*side), hist: make([]float64, hBins*sBins*vBins)}
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
	p.edges = sobel(p.gray)
	h, err := goimagehash.PerceptionHash(small)
	if err != nil {
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
		SSIM:          ssim(a.gray, b.gray),
		PHashDistance: float64(d) / 64,
		ColorDistance: tv(a.hist, b.hist),
		EdgeDistance:  1 - pearson(a.edges, b.edges),
	}
}

const (
	hBins, sBins, vBins = 12, 3, 3
)

func hsvBin(r, g, b float64) int {
	mx, mn := math.Max(r, math.Max(g, b)), math.Min(r, math.Min(g, b))
	v := mx
	s := 0.0
	if mx > 0 {
		s = (mx - mn) / mx
	}
	h := 0.0
	if d := mx - mn; d > 0 {
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

func sobel(g []float64) []float64 {
	out := make([]float64, side*side)
	at := func(x, y int) float64 {
		x = min(max(x, 0), side-1)
		y = min(max(y, 0), side-1)
		return g[y*side+x]
	}
	for y := 0; y < side; y++ {
		for x := 0; x < side; x++ {
			gx := at(x+1, y-1) + 2*at(x+1, y) + at(x+1, y+1) - at(x-1, y-1) - 2*at(x-1, y) - at(x-1, y+1)
			gy := at(x-1, y+1) + 2*at(x, y+1) + at(x+1, y+1) - at(x-1, y-1) - 2*at(x, y-1) - at(x+1, y-1)
			out[y*side+x] = math.Hypot(gx, gy)
		}
	}
	return out
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

// ssim is the mean SSIM over 8x8 windows with stride 4.
func ssim(a, b []float64) float64 {
	const win, stride = 8, 4
	const c1, c2 = (0.01 * 255) * (0.01 * 255), (0.03 * 255) * (0.03 * 255)
	var total float64
	var count int
	for y := 0; y+win <= side; y += stride {
		for x := 0; x+win <= side; x += stride {
			var ma, mb float64
			for j := 0; j < win; j++ {
				for i := 0; i < win; i++ {
					ma += a[(y+j)*side+x+i]
					mb += b[(y+j)*side+x+i]
				}
			}
			n := float64(win * win)
			ma /= n
			mb /= n
			var va, vb, cov float64
			for j := 0; j < win; j++ {
				for i := 0; i < win; i++ {
					da, db := a[(y+j)*side+x+i]-ma, b[(y+j)*side+x+i]-mb
					va += da * da
					vb += db * db
					cov += da * db
				}
			}
			va /= n - 1
			vb /= n - 1
			cov /= n - 1
			total += ((2*ma*mb + c1) * (2*cov + c2)) / ((ma*ma + mb*mb + c1) * (va + vb + c2))
			count++
		}
	}
	return total / float64(count)
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
