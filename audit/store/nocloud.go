//go:build !cloud

package store

// cloudDrivers is false in a build without the cloud object stores (see
// cloud.go).
const cloudDrivers = false
