package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/blindspot-audit/blindspot/generators"
)

// bucketSchemes are the object-storage URLs a cache may live at.
var bucketSchemes = []string{"file", "s3", "gs", "azblob"}

// IsBucketURL reports whether a cache location is an object-storage URL
// rather than a folder.
func IsBucketURL(s string) bool {
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" {
		return false
	}
	for _, sc := range bucketSchemes {
		if u.Scheme == sc {
			return true
		}
	}
	return false
}

// objectCache keeps responses and image blobs as objects in a bucket, so
// that workers on several machines share one cache and every image.
// Objects are written whole (a writer commits on Close), never half.
type objectCache struct {
	b bucket
}

// bucket is the little of an object store the cache uses. A file:// bucket
// is a folder (dirBucket); the cloud stores come through gocloud.dev in a
// build with the tag "cloud" (cloud.go).
type bucket interface {
	// ReadAll returns an object, or errNoObject.
	ReadAll(ctx context.Context, key string) ([]byte, error)
	// Write stores an object whole: a reader sees the old one or the new.
	Write(ctx context.Context, key string, data []byte, contentType string) error
	Exists(ctx context.Context, key string) (bool, error)
	Close() error
}

// errNoObject is a bucket's answer for a key it does not hold.
var errNoObject = errors.New("no such object")

const (
	blobPrefix     = "blobs/"
	responsePrefix = "responses/"
	// objectTimeout bounds one object operation.
	objectTimeout = 2 * time.Minute
)

// OpenCacheAt opens the cache at a folder (SQLite) or at an object-storage
// URL: file:///path, s3://bucket, gs://bucket, azblob://container.
// Credentials come from each cloud's usual environment.
func OpenCacheAt(ctx context.Context, loc string) (*Cache, error) {
	if !IsBucketURL(loc) {
		return OpenCache(loc)
	}
	u, _ := url.Parse(loc)
	var b bucket
	var err error
	if u.Scheme == "file" {
		b, err = openDirBucket(u)
	} else {
		b, err = openCloudBucket(ctx, loc)
	}
	if err != nil {
		return nil, fmt.Errorf("cache %s: %w", loc, err)
	}
	oc := &objectCache{b: b}
	return &Cache{objects: oc, Blobs: &Blobs{objects: oc}}, nil
}

func (o *objectCache) get(key string) ([]byte, bool, error) {
	ctx, cancel := context.WithTimeout(context.Background(), objectTimeout)
	defer cancel()
	data, err := o.b.ReadAll(ctx, key)
	if errors.Is(err, errNoObject) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return data, true, nil
}

func (o *objectCache) put(key string, data []byte, contentType string) error {
	ctx, cancel := context.WithTimeout(context.Background(), objectTimeout)
	defer cancel()
	return o.b.Write(ctx, key, data, contentType)
}

func (o *objectCache) putBlob(sha string, data []byte) error {
	if len(data) > MaxBlobBytes {
		return fmt.Errorf("blob of %d bytes is over the %d-byte cap", len(data), MaxBlobBytes)
	}
	ctx, cancel := context.WithTimeout(context.Background(), objectTimeout)
	defer cancel()
	if ok, err := o.b.Exists(ctx, blobPrefix+sha); err == nil && ok {
		return nil
	}
	return o.put(blobPrefix+sha, data, "application/octet-stream")
}

// responseKey names a request's object; request keys are hex digests,
// which any object store takes as they are.
func responseKey(key string) string {
	return responsePrefix + strings.ReplaceAll(key, "/", "_") + ".json"
}

type storedResponse struct {
	Endpoint string          `json:"endpoint"`
	Response json.RawMessage `json:"response"`
	ImageSHA string          `json:"image_sha,omitempty"`
	Created  string          `json:"created_at"`
	CostUSD  float64         `json:"cost_usd,omitempty"`
	PaidRun  string          `json:"paid_run,omitempty"`
	PaidProc string          `json:"paid_proc,omitempty"`
}

func (o *objectCache) getResponse(key string) (*generators.Response, string, Paid, bool, error) {
	data, ok, err := o.get(responseKey(key))
	if err != nil || !ok {
		return nil, "", Paid{}, false, err
	}
	var s storedResponse
	if json.Unmarshal(data, &s) != nil {
		return nil, "", Paid{}, false, nil
	}
	var r generators.Response
	if json.Unmarshal(s.Response, &r) != nil {
		return nil, "", Paid{}, false, nil
	}
	return &r, s.ImageSHA, Paid{CostUSD: s.CostUSD, Run: s.PaidRun, Process: s.PaidProc}, true, nil
}

func (o *objectCache) putResponse(key, endpoint string, body []byte, sha string, paid Paid) error {
	data, err := json.Marshal(storedResponse{Endpoint: endpoint, Response: body, ImageSHA: sha, Created: time.Now().UTC().Format(time.RFC3339),
		CostUSD: paid.CostUSD, PaidRun: paid.Run, PaidProc: paid.Process})
	if err != nil {
		return err
	}
	return o.put(responseKey(key), data, "application/json")
}
