package reports

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"

	"github.com/sourcegraph/conc/pool"

	"github.com/blindspot-audit/blindspot/audit/store"
	"github.com/blindspot-audit/blindspot/reports/thumbs"
)

// imageWriter writes the thumbnail and full image of every frame it is
// given under img/, on as many goroutines as there are CPUs, while the
// pages are rendered. Images are named by content, so the previous
// report's copies are still right: they are hard-linked instead of made
// again; and an image shown by several groups is made once.
type imageWriter struct {
	pool      *pool.ContextPool
	blobs     *store.Blobs
	dir, prev string
	queued    map[string]bool
}

func newImageWriter(ctx context.Context, blobs *store.Blobs, dir, prev string) *imageWriter {
	p := pool.New().WithErrors().WithContext(ctx).WithMaxGoroutines(runtime.GOMAXPROCS(0)).WithCancelOnError()
	return &imageWriter{pool: p, blobs: blobs, dir: dir, prev: prev, queued: map[string]bool{}}
}

// group queues the images of g's frames and strips; it waits while every
// goroutine is busy, so what is queued stays bounded.
func (w *imageWriter) group(g Group) {
	add := func(fs []Frame) {
		for _, f := range fs {
			if w.queued[f.SHA] {
				continue
			}
			w.queued[f.SHA] = true
			w.pool.Go(func(context.Context) error {
				if err := writeImage(w.dir, w.prev, w.blobs, f.SHA); err != nil {
					return fmt.Errorf("report images: image %s: %w", f.SHA, err)
				}
				return nil
			})
		}
	}
	add(g.Frames)
	for _, s := range g.Strips {
		add(s.Frames)
	}
}

// wait returns when every queued image is written, with the first error.
func (w *imageWriter) wait() error { return w.pool.Wait() }

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
