// Package thumbs makes the small pictures the report's gallery and the
// reviewer sheets show: an image resized to a width, as JPEG, made for
// many images in parallel.
package thumbs

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/jpeg"
	_ "image/png" // the stored images are PNG
	"runtime"
	"sort"

	"github.com/disintegration/imaging"
	"github.com/sourcegraph/conc/pool"
)

// Quality of the JPEG thumbnails: simulated and photographic thumbnails
// come out at a fifth of their PNG size, which matters when thousands load.
const Quality = 82

// JPEG resizes an encoded image to width pixels (keeping its aspect) and
// encodes it as JPEG: a picture of a set size, as a reviewer sheet's cells
// expect.
func JPEG(data []byte, width int) ([]byte, error) {
	return decodeAndEncode(data, width, true)
}

// Thumbnail is JPEG for a gallery: an image narrower than width keeps its
// size (the browser scales it; enlarging costs time and bytes for no
// detail).
func Thumbnail(data []byte, width int) ([]byte, error) {
	return decodeAndEncode(data, width, false)
}

func decodeAndEncode(data []byte, width int, enlarge bool) ([]byte, error) {
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	return Encode(img, width, enlarge)
}

// Encode is JPEG (enlarge) or Thumbnail for an image already decoded.
func Encode(img image.Image, width int, enlarge bool) ([]byte, error) {
	if w := img.Bounds().Dx(); w > width || (enlarge && w != width) {
		// Catmull-Rom is as sharp as Lanczos at these sizes, with two
		// thirds of its taps.
		img = imaging.Resize(img, width, 0, imaging.CatmullRom)
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, opaqueView(img), &jpeg.Options{Quality: Quality}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// opaqueView returns an opaque NRGBA image as the RGBA image it equals
// (without alpha, premultiplying changes nothing), which the JPEG encoder
// converts on its fast path instead of a pixel at a time.
func opaqueView(img image.Image) image.Image {
	n, ok := img.(*image.NRGBA)
	if !ok {
		return img
	}
	for i := 3; i < len(n.Pix); i += 4 {
		if n.Pix[i] != 0xff {
			return img
		}
	}
	return &image.RGBA{Pix: n.Pix, Stride: n.Stride, Rect: n.Rect}
}

// Each runs fn for every key, in sorted order, on as many goroutines as
// there are CPUs; the first error cancels the rest and is returned with
// its key.
func Each(ctx context.Context, keys []string, fn func(ctx context.Context, key string) error) error {
	keys = append([]string(nil), keys...)
	sort.Strings(keys)
	p := pool.New().WithErrors().WithContext(ctx).WithMaxGoroutines(runtime.GOMAXPROCS(0)).WithCancelOnError()
	for _, k := range keys {
		p.Go(func(ctx context.Context) error {
			if err := fn(ctx, k); err != nil {
				return fmt.Errorf("image %s: %w", k, err)
			}
			return nil
		})
	}
	return p.Wait()
}
