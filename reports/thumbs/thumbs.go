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
// encodes it as JPEG.
func JPEG(data []byte, width int) ([]byte, error) {
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, imaging.Resize(img, width, 0, imaging.Lanczos), &jpeg.Options{Quality: Quality}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
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
