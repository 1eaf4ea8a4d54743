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
	db    *DB
	w     *writer
	Blobs *Blobs
	// objects holds the cache in object storage instead (see OpenCacheAt).
	objects *objectCache
}

const cacheSchema = `
CREATE TABLE IF NOT EXISTS responses (
	key        TEXT PRIMARY KEY,
	endpoint   TEXT NOT NULL,
	response   TEXT NOT NULL,
	image_sha  TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL,
	cost_usd   REAL NOT NULL DEFAULT 0,
	paid_run   TEXT NOT NULL DEFAULT '',
	paid_proc  TEXT NOT NULL DEFAULT ''
);`

// cacheAddedColumns are the cache's columns added after it first shipped.
var cacheAddedColumns = []addedColumn{
	{"responses", "cost_usd", "REAL NOT NULL DEFAULT 0"},
	{"responses", "paid_run", "TEXT NOT NULL DEFAULT ''"},
	{"responses", "paid_proc", "TEXT NOT NULL DEFAULT ''"},
}

// Paid says what a cached response cost and who paid for it: the run (its
// ID) and the process of that run that made the call. A process killed
// after caching a response and before recording its call leaves a paid
// response that its run has not accounted for; the next process of the
// run charges it when it first uses it.
type Paid struct {
	CostUSD float64
	Run     string
	Process string
}

// OpenCache opens (creating) the cache in dir: dir/cache.db holds the
// responses and the image blobs.
func OpenCache(dir string) (*Cache, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("cache: %w", err)
	}
	db, err := openSQLite(filepath.Join(dir, "cache.db"), cacheSchema+blobSchema)
	if err != nil {
		return nil, fmt.Errorf("cache: %w", err)
	}
	if err := addColumns(db, cacheAddedColumns); err != nil {
		db.Close()
		return nil, fmt.Errorf("cache: %w", err)
	}
	w := newWriter(db)
	return &Cache{db: db, w: w, Blobs: &Blobs{db: db, w: w}}, nil
}

// Get returns the cached response of a request and the address of its
// image, if any. A cached image whose blob is missing or corrupt counts as
// a miss.
func (c *Cache) Get(ctx context.Context, key string) (*generators.Response, string, bool, error) {
	r, sha, _, ok, err := c.GetPaid(ctx, key)
	return r, sha, ok, err
}

// GetPaid is Get with who paid for the response.
func (c *Cache) GetPaid(ctx context.Context, key string) (*generators.Response, string, Paid, bool, error) {
	if c.objects != nil {
		r, sha, paid, ok, err := c.objects.getResponse(key)
		if err != nil {
			return nil, "", Paid{}, false, fmt.Errorf("cache lookup: %w", err)
		}
		if !ok {
			return nil, "", Paid{}, false, nil
		}
		r, sha, ok, err = c.withImage(r, sha)
		return r, sha, paid, ok, err
	}
	var body, sha string
	var paid Paid
	err := c.db.QueryRowContext(ctx, `SELECT response, image_sha, cost_usd, paid_run, paid_proc FROM responses WHERE key = ?`, key).Scan(&body, &sha, &paid.CostUSD, &paid.Run, &paid.Process)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", Paid{}, false, nil
	}
	if err != nil {
		return nil, "", Paid{}, false, fmt.Errorf("cache lookup: %w", err)
	}
	var r generators.Response
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		return nil, "", Paid{}, false, nil
	}
	rr, sha, ok, err := c.withImage(&r, sha)
	return rr, sha, paid, ok, err
}

// withImage completes a cached response with its image; a missing or
// corrupt image makes the lookup a miss.
func (c *Cache) withImage(r *generators.Response, sha string) (*generators.Response, string, bool, error) {
	if sha != "" {
		img, err := c.Blobs.Get(sha)
		if err != nil {
			return nil, "", false, nil
		}
		r.Image = img
	}
	return r, sha, true, nil
}

// Put stores a successful response, its image blob in the same
// transaction, and returns the image's address ("" without an image).
func (c *Cache) Put(key, endpoint string, r *generators.Response) (string, error) {
	return c.PutPaid(key, endpoint, r, Paid{})
}

// PutPaid is Put with what the call cost and who paid for it.
func (c *Cache) PutPaid(key, endpoint string, r *generators.Response, paid Paid) (string, error) {
	var sha string
	if r.Image != nil {
		sha = Hash(r.Image)
	}
	body, err := json.Marshal(r)
	if err != nil {
		return "", fmt.Errorf("cache: %w", err)
	}
	if c.objects != nil {
		// The image first: a response object never names a missing blob.
		if sha != "" {
			if err := c.objects.putBlob(sha, r.Image); err != nil {
				return "", fmt.Errorf("cache: %w", err)
			}
		}
		if err := c.objects.putResponse(key, endpoint, body, sha, paid); err != nil {
			return "", fmt.Errorf("cache: %w", err)
		}
		return sha, nil
	}
	now := time.Now().UTC().Format(time.RFC3339)
	err = c.w.do(func(tx *Tx) error {
		if sha != "" {
			if err := putBlob(c.w, tx, sha, r.Image); err != nil {
				return err
			}
		}
		err := c.w.exec(tx, `INSERT OR REPLACE INTO responses(key, endpoint, response, image_sha, created_at, cost_usd, paid_run, paid_proc) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			key, endpoint, string(body), sha, now, paid.CostUSD, paid.Run, paid.Process)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("cache: %w", err)
	}
	return sha, nil
}

// Close flushes and closes the cache.
func (c *Cache) Close() error {
	if c.objects != nil {
		return c.objects.b.Close()
	}
	c.w.close()
	return c.db.Close()
}
