package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// dirBucket is a file:// bucket: each object a file under a root folder,
// written to a temporary file and renamed into place so a reader never
// sees half an object. The layout is gocloud's fileblob's, so a cache
// written by either reads in the other.
type dirBucket struct{ root string }

func openDirBucket(u *url.URL) (*dirBucket, error) {
	root := filepath.FromSlash(u.Path)
	if u.Host != "" && u.Host != "localhost" {
		return nil, fmt.Errorf("a file:// URL names a local folder (file:///path), not host %q", u.Host)
	}
	fi, err := os.Stat(root)
	if err != nil {
		return nil, fmt.Errorf("the bucket folder: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("the bucket %s is not a folder", root)
	}
	return &dirBucket{root: root}, nil
}

// path maps a key to its file, refusing keys that would leave the root.
func (d *dirBucket) path(key string) (string, error) {
	if key == "" || strings.HasPrefix(key, "/") || strings.Contains(key, "\\") {
		return "", fmt.Errorf("object key %q is not a relative path", key)
	}
	for _, part := range strings.Split(key, "/") {
		if part == "" || part == "." || part == ".." {
			return "", fmt.Errorf("object key %q is not a clean relative path", key)
		}
	}
	return filepath.Join(d.root, filepath.FromSlash(key)), nil
}

func (d *dirBucket) Close() error { return nil }

func (d *dirBucket) ReadAll(_ context.Context, key string) ([]byte, error) {
	p, err := d.path(key)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, errNoObject
	}
	return data, err
}

func (d *dirBucket) Exists(_ context.Context, key string) (bool, error) {
	p, err := d.path(key)
	if err != nil {
		return false, err
	}
	_, err = os.Stat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}

func (d *dirBucket) Write(_ context.Context, key string, data []byte, _ string) error {
	p, err := d.path(key)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), ".tmp-"+filepath.Base(p)+"-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Rename(tmp.Name(), p); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return nil
}
