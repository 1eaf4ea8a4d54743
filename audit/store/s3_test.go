//go:build cloud

package store

import (
	"context"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/blindspot-audit/blindspot/generators"
)

// TestObjectCacheOnS3 keeps the cache in an S3-compatible store (an
// in-process fake S3 server), through the same s3:// URL a real bucket
// takes.
func TestObjectCacheOnS3(t *testing.T) {
	backend := s3mem.New()
	if err := backend.CreateBucket("blindspot"); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	defer srv.Close()
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	loc := "s3://blindspot?region=us-east-1&use_path_style=true&endpoint=" + url.QueryEscape(srv.URL)
	c, err := OpenCacheAt(context.Background(), loc)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	img := []byte("an image's bytes")
	sha, err := c.Put("key", "t2i", &generators.Response{Image: img, ModelVersion: "v2"})
	if err != nil {
		t.Fatal(err)
	}
	r, got, ok, err := c.Get(context.Background(), "key")
	if err != nil || !ok || got != sha || string(r.Image) != string(img) || r.ModelVersion != "v2" {
		t.Fatalf("get from S3: %+v %q %v %v", r, got, ok, err)
	}
	objs, _ := backend.ListBucket("blindspot", nil, gofakes3.ListBucketPage{})
	if objs == nil || len(objs.Contents) != 2 {
		t.Errorf("objects in the bucket: %+v", objs)
	}
}
