package store

import (
	"context"
	"errors"
	"net/url"
	"os"
	"path/filepath"
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

// TestDirBucket checks the file:// bucket: objects round-trip, a missing
// key is "no object", keys cannot leave the folder, and no temporary file
// is left behind.
func TestDirBucket(t *testing.T) {
	dir := t.TempDir()
	u, _ := url.Parse("file://" + dir)
	b, err := openDirBucket(u)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := b.ReadAll(ctx, "responses/a.json"); !errors.Is(err, errNoObject) {
		t.Fatalf("missing object: %v", err)
	}
	if err := b.Write(ctx, "responses/a.json", []byte("one"), "application/json"); err != nil {
		t.Fatal(err)
	}
	if err := b.Write(ctx, "responses/a.json", []byte("two"), "application/json"); err != nil {
		t.Fatal(err)
	}
	if data, err := b.ReadAll(ctx, "responses/a.json"); err != nil || string(data) != "two" {
		t.Fatalf("read %q, %v", data, err)
	}
	if ok, err := b.Exists(ctx, "responses/a.json"); !ok || err != nil {
		t.Fatalf("exists = %v, %v", ok, err)
	}
	for _, k := range []string{"../escape", "/abs", "a//b", "a/./b", `a\b`, ""} {
		if err := b.Write(ctx, k, []byte("x"), ""); err == nil {
			t.Errorf("key %q was accepted", k)
		}
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "responses"))
	if len(entries) != 1 {
		t.Errorf("the folder holds %d files, want 1 (no temporary left)", len(entries))
	}
	if _, err := openDirBucket(&url.URL{Scheme: "file", Host: "elsewhere", Path: dir}); err == nil {
		t.Error("a remote host in a file:// URL was accepted")
	}
	if _, err := OpenCacheAt(ctx, "s3://bucket"); !cloudDrivers && (err == nil || !strings.Contains(err.Error(), "-tags cloud")) {
		t.Errorf("s3 without the cloud build: %v", err)
	}
}
