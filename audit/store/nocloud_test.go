//go:build !cloud

package store

import (
	"context"
	"strings"
	"testing"
)

// TestCloudDriversOptIn: a build without the cloud tag says how to get an
// s3://, gs:// or azblob:// cache instead of failing obscurely.
func TestCloudDriversOptIn(t *testing.T) {
	for _, loc := range []string{"s3://bucket?region=eu-west-1", "gs://bucket", "azblob://container"} {
		_, err := OpenCacheAt(context.Background(), loc)
		if err == nil || !strings.Contains(err.Error(), "-tags cloud") {
			t.Errorf("%s: %v", loc, err)
		}
	}
}
