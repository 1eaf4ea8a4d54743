//go:build cloud

package store

import (
	"context"

	"gocloud.dev/blob"
	_ "gocloud.dev/blob/azureblob" // azblob://container
	_ "gocloud.dev/blob/gcsblob"   // gs://bucket
	_ "gocloud.dev/blob/s3blob"    // s3://bucket?region=...&endpoint=... (S3 and S3-compatible)
	"gocloud.dev/gcerrors"
)

// The cloud object stores come through gocloud.dev, opt-in (build tag
// "cloud"): they carry the AWS, Google Cloud and Azure SDKs, most of the
// binary and its build time, which a single-machine audit does not need.

// cloudDrivers reports whether this build has the cloud object stores.
const cloudDrivers = true

// openCloudBucket opens s3://, gs:// and azblob:// buckets.
func openCloudBucket(ctx context.Context, loc string) (bucket, error) {
	b, err := blob.OpenBucket(ctx, loc)
	if err != nil {
		return nil, err
	}
	return cloudBucket{b}, nil
}

type cloudBucket struct{ b *blob.Bucket }

func (c cloudBucket) ReadAll(ctx context.Context, key string) ([]byte, error) {
	data, err := c.b.ReadAll(ctx, key)
	if gcerrors.Code(err) == gcerrors.NotFound {
		return nil, errNoObject
	}
	return data, err
}

func (c cloudBucket) Close() error { return c.b.Close() }

func (c cloudBucket) Exists(ctx context.Context, key string) (bool, error) {
	return c.b.Exists(ctx, key)
}

// Write commits on Close: the object appears whole or not at all.
func (c cloudBucket) Write(ctx context.Context, key string, data []byte, contentType string) error {
	w, err := c.b.NewWriter(ctx, key, &blob.WriterOptions{ContentType: contentType})
	if err != nil {
		return err
	}
	if _, err := w.Write(data); err != nil {
		w.Close()
		return err
	}
	return w.Close()
}
