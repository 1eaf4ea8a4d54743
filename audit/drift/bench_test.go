package drift

import (
	"image"
	"image/color"
	"math"
	"math/rand/v2"
	"testing"
)

// BenchmarkPrepare reduces an image as drift does for every chain step
// (the simulator's 96 pixels, enlarged, and a larger image, reduced),
// compares it with the chain's root and the step before, and releases it.
func BenchmarkPrepare(b *testing.B) {
	for _, size := range []int{96, 256} {
		b.Run(map[int]string{96: "96px", 256: "256px"}[size], func(b *testing.B) {
			a := scene(40, color.RGBA{150, 200, 240, 255}, color.RGBA{200, 40, 40, 255})
			pa, err := Prepare(a)
			if err != nil {
				b.Fatal(err)
			}
			img := imageOf(size, rand.New(rand.NewPCG(1, 2)))
			b.ReportAllocs()
			for b.Loop() {
				p, err := Prepare(img)
				if err != nil {
					b.Fatal(err)
				}
				Compare(pa, p)
				Compare(p, pa)
				p.Release()
			}
		})
	}
}

// imageOf is a noisy gradient of size x size pixels.
func imageOf(size int, rng *rand.Rand) image.Image {
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			img.Set(x, y, color.NRGBA{uint8(x * 255 / size), uint8(rng.IntN(256)), uint8(y * 255 / size), 255})
		}
	}
	return img
}

// plainSSIM is SSIM computed for one pair from scratch: each window's
// means, then its variances and covariance.
func plainSSIM(a, b []float64) float64 {
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

// TestFastPathsMatchDefinitions: SSIM from per-image window statistics,
// the edge map and the colour bins equal, bit for bit, their plain
// definitions (each pair from scratch; every neighbour clamped; math.Max,
// math.Min and math.Mod), so stored drift does not change with them.
func TestFastPathsMatchDefinitions(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var ps []*Prepared
	for _, size := range []int{50, 96, 128, 300} {
		p, err := Prepare(imageOf(size, rng))
		if err != nil {
			t.Fatal(err)
		}
		ps = append(ps, p)
	}
	for _, a := range ps {
		for _, b := range ps {
			if got, want := ssim(a, b), plainSSIM(a.gray, b.gray); got != want {
				t.Fatalf("ssim = %v, want %v", got, want)
			}
		}
	}
	g := make([]float64, side*side)
	for i := range g {
		g[i] = rng.Float64() * 255
	}
	at := func(x, y int) float64 { return g[min(max(y, 0), side-1)*side+min(max(x, 0), side-1)] }
	got := make([]float64, side*side)
	sobel(got, g)
	for y := 0; y < side; y++ {
		for x := 0; x < side; x++ {
			gx := at(x+1, y-1) + 2*at(x+1, y) + at(x+1, y+1) - at(x-1, y-1) - 2*at(x-1, y) - at(x-1, y+1)
			gy := at(x-1, y+1) + 2*at(x, y+1) + at(x+1, y+1) - at(x-1, y-1) - 2*at(x, y-1) - at(x+1, y-1)
			if want := math.Hypot(gx, gy); got[y*side+x] != want {
				t.Fatalf("sobel at (%d, %d) = %v, want %v", x, y, got[y*side+x], want)
			}
		}
	}
	plain := func(r, g, b float64) int {
		mx, mn := math.Max(r, math.Max(g, b)), math.Min(r, math.Min(g, b))
		s, h := 0.0, 0.0
		if mx > 0 {
			s = (mx - mn) / mx
		}
		if d := mx - mn; d > 0 {
			switch mx {
			case r:
				h = math.Mod((g-b)/d, 6)
			case g:
				h = (b-r)/d + 2
			default:
				h = (r-g)/d + 4
			}
			if h *= 60; h < 0 {
				h += 360
			}
		}
		return (min(int(h/360*hBins), hBins-1)*sBins+min(int(s*sBins), sBins-1))*vBins + min(int(mx*vBins), vBins-1)
	}
	for i := 0; i < 200000; i++ {
		c := [3]float64{float64(rng.IntN(256)) / 255, float64(rng.IntN(256)) / 255, float64(rng.IntN(256)) / 255}
		if i%7 == 0 {
			c[1] = c[0] // ties between channels
		}
		if got, want := hsvBin(c[0], c[1], c[2]), plain(c[0], c[1], c[2]); got != want {
			t.Fatalf("hsvBin%v = %d, want %d", c, got, want)
		}
	}
}
