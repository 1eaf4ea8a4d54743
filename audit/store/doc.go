// Package store keeps what an audit produces: a content-addressed blob
// store for images, a response cache shared by runs, and the per-run SQLite
// store of images, calls, judge answers, embeddings and metrics. Writes go
// through one batching writer per database so that thousands of small
// results a second commit in few transactions; a write is acknowledged only
// once committed, so a result counts as done only when it is durable.
package store
