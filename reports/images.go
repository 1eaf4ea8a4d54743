package reports

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"

	"github.com/blindspot-audit/blindspot/audit/store"
	"github.com/blindspot-audit/blindspot/reports/thumbs"
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
	err := thumbs.Each(ctx, slices.Collect(maps.Keys(shas)), func(_ context.Context, sha string) error {
		return writeImage(dir, prev, blobs, sha)
	})
	if err != nil {
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
	small, err := thumbs.Thumbnail(data, thumbEdge)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, thumb), small, 0o644); err != nil {
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
