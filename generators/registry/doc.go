// Package registry is the one place that lists Blindspot's providers, the
// roles each can play, and opens an endpoint of any of them from its spec
// configuration.
package registry
