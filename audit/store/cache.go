package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/blindspot-audit/blindspot/generators"
)

// Cache maps canonical requests to the responses they got. It is shared by
// every run that names the same cache directory, so re-running an audit, or
// running an overlapping one, calls no endpoint twice for the same request.
// Only successful responses are cached; images live in the blob store.
type Cache struct {
	db    *sql.DB
	w     *writer
	Blobs *Blobs
}

const cacheSchema = `
CREATE TABLE IF NOT EXISTS responses (
	key        TEXT PRIMARY KEY,
	endpoint   TEXT NOT NULL,
	response   TEXT NOT NULL,
	image_sha  TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL
);`

// OpenCache opens (creating) the cache in dir.
func OpenCache(dir string) (*Cache, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("cache: %w", err)
	}
	blobs, err := OpenBlobs(filepath.Join(dir, "blobs"))
	if err != nil {
		return nil, err
	}
	db, err := openSQLite(filepath.Join(dir, "cache.db"), cacheSchema)
	if err != nil {
		return nil, fmt.Errorf("cache: %w", err)
	}
	return &Cache{db: db, w: newWriter(db), Blobs: blobs}, nil
}

// Get returns the cached response of a request, if any. A cached image whose
// blob is missing or corrupt counts as a miss.
func (c *Cache) Get(ctx context.Context, key string) (*generators.Response, bool, error) {
	var body, sha string
	err := c.db.QueryRowContext(ctx, `SELECT response, image_sha FROM responses WHERE key = ?`, key).Scan(&body, &sha)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("cache lookup: %w", err)
	}
	var r generators.Response
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		return nil, false, nil
	}
	if sha != "" {
		img, err := c.Blobs.Get(sha)
		if err != nil {
			return nil, false, nil
		}
		r.Image = img
	}
	return &r, true, nil
}

// Put stores a successful response. The image blob is written before the
// row that points to it.
func (c *Cache) Put(key, endpoint string, r *generators.Response) error {
	var sha string
	if r.Image != nil {
		var err error
		if sha, err = c.Blobs.Put(r.Image); err != nil {
			return err
		}
	}
	body, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	now := time.Now().UTC().Format(time.RFC3339)
	return c.w.do(func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT OR REPLACE INTO responses(key, endpoint, response, image_sha, created_at) VALUES (?, ?, ?, ?, ?)`, key, endpoint, string(body), sha, now)
		return err
	})
}

// Close flushes and closes the cache.
func (c *Cache) Close() error {
	c.w.close()
	return c.db.Close()
}
