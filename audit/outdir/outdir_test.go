package outdir

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

func TestPermsFollowUmask(t *testing.T) {
	old := syscall.Umask(0o027)
	defer syscall.Umask(old)
	if FilePerm() != 0o640 || DirPerm() != 0o750 {
		t.Errorf("umask 027: file %o, dir %o", FilePerm(), DirPerm())
	}
	syscall.Umask(0o022)
	if FilePerm() != 0o644 || DirPerm() != 0o755 {
		t.Errorf("umask 022: file %o, dir %o", FilePerm(), DirPerm())
	}
}

func TestCheck(t *testing.T) {
	base := t.TempDir()
	run := filepath.Join(base, "runs", "x")
	os.MkdirAll(run, 0o755)
	legacy := filepath.Join(base, "legacy-export")
	os.MkdirAll(legacy, 0o755)
	os.WriteFile(filepath.Join(legacy, "calls.csv"), nil, 0o644)
	os.WriteFile(filepath.Join(legacy, "metrics.jsonl"), nil, 0o644)
	mixed := filepath.Join(base, "mixed")
	os.MkdirAll(mixed, 0o755)
	os.WriteFile(filepath.Join(mixed, "calls.csv"), nil, 0o644)
	os.WriteFile(filepath.Join(mixed, "notes.txt"), nil, 0o644)
	marked := filepath.Join(base, "marked")
	os.MkdirAll(marked, 0o755)
	Mark(marked, "sheets")
	os.WriteFile(filepath.Join(marked, "Kenya.xlsx"), nil, 0o644)
	empty := filepath.Join(base, "empty")
	os.MkdirAll(empty, 0o755)
	tests := []struct {
		dir, kind string
		ok        bool
	}{
		{filepath.Join(base, "new"), "report", true},
		{empty, "export", true},
		{marked, "sheets", true},
		{marked, "report", false},
		{legacy, "export", true},
		{mixed, "export", false},
		{run, "report", false},
		{filepath.Join(base, "runs"), "export", false},
		{base, "report", false},
	}
	for _, tc := range tests {
		err := Check(tc.dir, tc.kind, run)
		if (err == nil) != tc.ok || (err != nil && !errors.Is(err, ErrRefused)) {
			t.Errorf("Check(%s, %s) = %v, want ok %v", tc.dir, tc.kind, err, tc.ok)
		}
	}
}
