package store

import (
	"context"
	"strings"
	"testing"

	"github.com/blindspot-audit/blindspot/generators"
)

// TestObjectCache keeps responses and images in a file:// bucket: what is
// put comes back, the same image is stored once, a corrupt blob is a miss.
func TestObjectCache(t *testing.T) {
	dir := t.TempDir()
	c, err := OpenCacheAt(context.Background(), "file://"+dir)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	img := []byte("\\x89PNG fake image bytes")
	sha, err := c.Put("k1", "t2i", &generators.Response{Image: img, ModelVersion: "v1", Usage: generators.Usage{Images: 1}})
	if err != nil || sha != Hash(img) {
		t.Fatalf("put: %q %v", sha, err)
	}
	r, got, ok, err := c.Get(context.Background(), "k1")
	if err != nil || !ok || got != sha || string(r.Image) != string(img) || r.ModelVersion != "v1" {
		t.Fatalf("get: %+v %q %v %v", r, got, ok, err)
	}
	if _, _, ok, _ := c.Get(context.Background(), "missing"); ok {
		t.Error("a missing key hit")
	}
	if again, err := c.Blobs.Put(img); err != nil || again != sha {
		t.Errorf("second put: %q %v", again, err)
	}
	// Corrupt the stored image: the response no longer hits.
	if err := c.objects.put(blobPrefix+sha, []byte("garbage"), ""); err != nil {
		t.Fatal(err)
	}
	if _, _, ok, _ := c.Get(context.Background(), "k1"); ok {
		t.Error("a corrupt image hit")
	}
	if _, err := c.Blobs.Get(sha); err == nil || !strings.Contains(err.Error(), "corrupt") {
		t.Errorf("corrupt blob: %v", err)
	}
	if !IsBucketURL("s3://bucket?region=eu-west-1") || IsBucketURL("/tmp/cache") || IsBucketURL(".blindspot-cache") {
		t.Error("IsBucketURL")
	}
}
