package audit

import (
	"testing"
)

// TestCacheInObjectStorage runs an audit whose cache is a file:// bucket:
// the run completes, its images are read back from the bucket, and a
// second run calls nothing.
func TestCacheInObjectStorage(t *testing.T) {
	t.Parallel()
	spec := recoverSpec + "cache_dir: file://" + t.TempDir() + "\n"
	dir := t.TempDir()
	r := runAll(t, loadSpec(t, spec), dir, Options{})
	if r.Summary.Items == 0 || r.Engine.Stats.CallsMade.Load() == 0 {
		t.Fatalf("first run: %d images, %d calls", r.Summary.Items, r.Engine.Stats.CallsMade.Load())
	}
	again := runAll(t, loadSpec(t, spec), t.TempDir(), Options{})
	if made := again.Engine.Stats.CallsMade.Load(); made != 0 || again.Engine.Stats.CacheHits.Load() == 0 {
		t.Errorf("a fresh run store over the same bucket made %d calls, %d cache hits", made, again.Engine.Stats.CacheHits.Load())
	}
}
