package store

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Blobs is a content-addressed file store: a blob lives at
// dir/ab/abcdef... named by the hex SHA-256 of its bytes.
type Blobs struct{ dir string }

// OpenBlobs opens (creating) a blob directory.
func OpenBlobs(dir string) (*Blobs, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("blob store: %w", err)
	}
	return &Blobs{dir: dir}, nil
}

// Hash returns the address of data.
func Hash(data []byte) string {
	s := sha256.Sum256(data)
	return hex.EncodeToString(s[:])
}

// Path returns where a blob is stored.
func (b *Blobs) Path(sha string) string { return filepath.Join(b.dir, sha[:2], sha) }

// Put stores data and returns its address. The write is atomic: a temporary
// file renamed into place, so a crash never leaves a partial blob.
func (b *Blobs) Put(data []byte) (string, error) {
	sha := Hash(data)
	path := b.Path(sha)
	if _, err := os.Stat(path); err == nil {
		return sha, nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", fmt.Errorf("blob store: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return "", fmt.Errorf("blob store: %w", err)
	}
	_, werr := tmp.Write(data)
	if err := errors.Join(werr, tmp.Sync(), tmp.Close()); err != nil {
		os.Remove(tmp.Name())
		return "", fmt.Errorf("blob store: writing %s: %w", sha, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return "", fmt.Errorf("blob store: %w", err)
	}
	return sha, nil
}

// Get reads a blob and checks its content against its address.
func (b *Blobs) Get(sha string) ([]byte, error) {
	if len(sha) != 64 {
		return nil, fmt.Errorf("blob store: bad address %q", sha)
	}
	data, err := os.ReadFile(b.Path(sha))
	if err != nil {
		return nil, fmt.Errorf("blob store: %w", err)
	}
	if Hash(data) != sha {
		return nil, fmt.Errorf("blob store: %s is corrupt (content does not match its hash)", sha)
	}
	return data, nil
}
