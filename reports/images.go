package reports

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/jpeg"
	_ "image/png" // decodes the stored images
	"os"
	"path/filepath"
	"runtime"
	"sort"

	"github.com/disintegration/imaging"
	"github.com/sourcegraph/conc/pool"

	"github.com/blindspot-audit/blindspot/audit/store"
)

// writeImages writes every frame's thumbnail and full image under img/,
// in parallel. Images are named by content, so the previous report's
// copies are still right: they are hard-linked instead of made again.
func writeImages(ctx context.Context, d *Data, blobs *store.Blobs, dir, prev string) error {
	shas := map[string]bool{}
	for _, g := range d.Groups {
		for _, f := range g.Frames {
			shas[f.SHA] = true
		}
		for _, s := range g.Strips {
			for _, f := range s.Frames {
				shas[f.SHA] = true
			}
		}
	}
	list := make([]string, 0, len(shas))
	for s := range shas {
		list = append(list, s)
	}
	sort.Strings(list)
	p := pool.New().WithErrors().WithContext(ctx).WithMaxGoroutines(runtime.GOMAXPROCS(0)).WithCancelOnError()
	for _, sha := range list {
		p.Go(func(ctx context.Context) error { return writeImage(dir, prev, blobs, sha) })
	}
	if err := p.Wait(); err != nil {
		return fmt.Errorf("report images: %w", err)
	}
	return nil
}

func writeImage(dir, prev string, blobs *store.Blobs, sha string) error {
	thumb, full := "img/"+sha[:16]+"-t.jpg", "img/"+sha[:16]+".png"
	if reuse(dir, prev, thumb) && reuse(dir, prev, full) {
		return nil
	}
	data, err := blobs.Get(sha)
	if err != nil {
		return err
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("image %s: %w", sha, err)
	}
	var buf bytes.Buffer
	// JPEG: simulated and photographic thumbnails are a fifth of their
	// PNG size, which is what a gallery of thousands loads.
	if err := jpeg.Encode(&buf, imaging.Resize(img, thumbEdge, 0, imaging.Lanczos), &jpeg.Options{Quality: 82}); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, thumb), buf.Bytes(), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, full), data, 0o644)
}

func reuse(dir, prev, rel string) bool {
	dst := filepath.Join(dir, rel)
	if _, err := os.Stat(dst); err == nil {
		return true
	}
	return os.Link(filepath.Join(prev, rel), dst) == nil
}

func sortStrings(v []string) { sort.Strings(v) }
