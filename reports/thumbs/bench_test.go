package thumbs

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/disintegration/imaging"
)

// noisyPNG is an opaque, textured edge x edge PNG, like a simulator's or a
// photograph's (flat colours would flatter the encoder).
func noisyPNG(tb testing.TB, edge int) []byte {
	rng := rand.New(rand.NewPCG(1, uint64(edge)))
	img := image.NewRGBA(image.Rect(0, 0, edge, edge))
	for y := 0; y < edge; y++ {
		for x := 0; x < edge; x++ {
			v := uint8(x * 255 / edge)
			img.SetRGBA(x, y, color.RGBA{v, uint8(y * 255 / edge), uint8(rng.IntN(40)) + v/2, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// plainThumbnail is the straightforward way, for reference: decode,
// resize with Lanczos (enlarging too), encode what imaging returns.
func plainThumbnail(data []byte, width int) ([]byte, error) {
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	err = jpeg.Encode(&buf, imaging.Resize(img, width, 0, imaging.Lanczos), &jpeg.Options{Quality: Quality})
	return buf.Bytes(), err
}

// BenchmarkThumbnail makes 160-pixel thumbnails of a simulator-sized image
// (96 px, kept at its size) and of a photograph-sized one (1024 px, scaled
// down); speedup_vs_plain is plainThumbnail's time over Thumbnail's.
func BenchmarkThumbnail(b *testing.B) {
	for _, edge := range []int{96, 1024} {
		data := noisyPNG(b, edge)
		b.Run(fmt.Sprint(edge), func(b *testing.B) {
			b.ReportAllocs()
			var ours, plain time.Duration
			for i := 0; i < b.N; i++ {
				start := time.Now()
				if _, err := Thumbnail(data, 160); err != nil {
					b.Fatal(err)
				}
				mid := time.Now()
				if _, err := plainThumbnail(data, 160); err != nil {
					b.Fatal(err)
				}
				ours, plain = ours+mid.Sub(start), plain+time.Since(mid)
			}
			b.ReportMetric(float64(plain)/float64(ours), "speedup_vs_plain")
		})
	}
}
