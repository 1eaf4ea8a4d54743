package store

import (
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
)

// Blobs is a content-addressed store of images, addressed by the hex
// SHA-256 of their bytes. It lives in the cache database rather than in one
// file per image: a write is then part of a batched transaction (atomic,
// never half-written) instead of a file creation, which costs about a
// millisecond of kernel time on the machines this runs on and would cap a
// run at a few thousand images a second.
type Blobs struct {
	db *DB
	w  *writer
	// objects keeps the blobs in object storage instead.
	objects *objectCache
}

const blobSchema = `CREATE TABLE IF NOT EXISTS blobs (sha TEXT PRIMARY KEY, data BLOB NOT NULL);`

// Hash returns the address of data.
func Hash(data []byte) string {
	s := sha256.Sum256(data)
	return hex.EncodeToString(s[:])
}

// MaxBlobBytes caps one blob.
const MaxBlobBytes = 64 << 20

// Put stores data and returns its address; storing the same bytes twice is
// a no-op.
func (b *Blobs) Put(data []byte) (string, error) {
	sha := Hash(data)
	if b.objects != nil {
		if err := b.objects.putBlob(sha, data); err != nil {
			return "", fmt.Errorf("blob store: %w", err)
		}
		return sha, nil
	}
	if err := b.w.do(func(tx *Tx) error { return putBlob(b.w, tx, sha, data) }); err != nil {
		return "", fmt.Errorf("blob store: %w", err)
	}
	return sha, nil
}

func putBlob(w *writer, tx *Tx, sha string, data []byte) error {
	if len(data) > MaxBlobBytes {
		return fmt.Errorf("blob of %d bytes is over the %d-byte cap", len(data), MaxBlobBytes)
	}
	err := w.exec(tx, `INSERT OR IGNORE INTO blobs(sha, data) VALUES (?, ?)`, sha, data)
	return err
}

// ErrNoBlob is returned for an address the store does not hold.
var ErrNoBlob = errors.New("no such blob")

// Get reads a blob and checks its content against its address.
func (b *Blobs) Get(sha string) ([]byte, error) {
	var data []byte
	var err error
	if b.objects != nil {
		var ok bool
		data, ok, err = b.objects.get(blobPrefix + sha)
		if err == nil && !ok {
			err = sql.ErrNoRows
		}
	} else {
		err = b.db.QueryRow(`SELECT data FROM blobs WHERE sha = ?`, sha).Scan(&data)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("blob store: %s: %w", sha, ErrNoBlob)
	}
	if err != nil {
		return nil, fmt.Errorf("blob store: %w", err)
	}
	if Hash(data) != sha {
		return nil, fmt.Errorf("blob store: %s is corrupt (content does not match its hash)", sha)
	}
	return data, nil
}
