//go:build cloud

package store

// The cloud object stores' drivers are opt-in (build tag "cloud"): they
// carry the AWS, Google Cloud and Azure SDKs, most of the binary and its
// build time, which a single-machine audit does not need.
import (
	_ "gocloud.dev/blob/azureblob" // azblob://container
	_ "gocloud.dev/blob/gcsblob"   // gs://bucket
	_ "gocloud.dev/blob/s3blob"    // s3://bucket?region=...&endpoint=... (S3 and S3-compatible)
)

const cloudDrivers = true
