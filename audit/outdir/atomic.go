package outdir

import (
	"errors"
	"os"
	"path/filepath"
)

// WriteFile writes data to path through a temporary file in the same
// folder renamed into place: a reader, or a run killed half-way, sees the
// old file or the new one, never part of one.
func WriteFile(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	if err := errors.Join(tmp.Chmod(FilePerm()), func() error { _, err := tmp.Write(data); return err }(), tmp.Close()); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return nil
}
