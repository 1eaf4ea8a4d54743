// Package registry is the one place that lists Blindspot's providers (each
// declared by its own folder's Adapter: roles, options block, checks, cache
// identity), and opens an endpoint of any of them from its spec
// configuration.
package registry
