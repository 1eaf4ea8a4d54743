//go:build !cloud

package store

import (
	"context"
	"fmt"
	"net/url"
)

// openCloudBucket, in a build without the cloud object stores (see
// cloud.go), says how to get them.
func openCloudBucket(_ context.Context, loc string) (bucket, error) {
	u, _ := url.Parse(loc)
	return nil, fmt.Errorf("this build has no %s driver: the cloud object stores are opt-in, build with `go build -tags cloud ./cmd/blindspot`", u.Scheme)
}

// cloudDrivers reports whether this build has the cloud object stores.
const cloudDrivers = false
