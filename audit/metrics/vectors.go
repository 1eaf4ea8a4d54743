package metrics

import (
	"context"

	"github.com/blindspot-audit/blindspot/audit/store"
)

// vectorSource reads images' embeddings from the store a group at a time:
// an audit's vectors (a few kilobytes an image with a real embedder) are
// never all in memory at once, so the metrics' memory does not grow with
// them.
type vectorSource struct {
	ctx      context.Context
	db       *store.DB
	embedder string
}

// load fills the vector of each of recs that has one stored and none in
// memory, and returns what puts them back: the vectors are let go again.
// A nil source (a test's records carry their vectors) loads nothing.
func (s *vectorSource) load(recs []*record) (release func(), err error) {
	if s == nil || s.embedder == "" {
		return func() {}, nil
	}
	var ids []string
	var todo []*record
	seen := map[string]bool{}
	for _, r := range recs {
		if !r.hasVector || r.vector != nil {
			continue
		}
		todo = append(todo, r)
		if !seen[r.id] { // an image judged twice has two records
			seen[r.id] = true
			ids = append(ids, r.id)
		}
	}
	if len(todo) == 0 {
		return func() {}, nil
	}
	vecs, err := s.db.VectorsOf(s.ctx, s.embedder, ids)
	if err != nil {
		return nil, err
	}
	for _, r := range todo {
		r.vector = vecs[r.id]
	}
	return func() {
		for _, r := range todo {
			r.vector = nil
		}
	}, nil
}

// embedded says an image has an embedding, in memory or in the store.
func (r *record) embedded() bool { return r.hasVector || r.vector != nil }
