package reports

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/blindspot-audit/blindspot/audit/outdir"
)

const smallSpec = `
name: small
countries: [Korea, Kenya]
categories: [food]
samples: 1
models:
  t2i: [{name: t2i, provider: sim}]
  vlm: [{name: judge, provider: sim}]
`

// TestReportNeverReplacesUserFiles: --out may be new, empty or a report
// Blindspot wrote; a folder of the user's, the run directory and a folder
// that holds it are refused and left as they were; nothing beside the
// report (such as DIR.old) is touched; a killed writer's temporary folder
// is cleaned up, one without Blindspot's marker is not.
func TestReportNeverReplacesUserFiles(t *testing.T) {
	t.Parallel()
	r := simRun(t, smallSpec)
	ctx := context.Background()
	write := func(out string) error {
		_, err := WriteHTML(ctx, r.Run, r.Cache.Blobs, r.Summary, Options{Out: out, Version: "test"})
		return err
	}
	base := t.TempDir()
	user := filepath.Join(base, "imp")
	os.MkdirAll(filepath.Join(user, "sub"), 0o755)
	os.WriteFile(filepath.Join(user, "thesis.tex"), []byte("my thesis"), 0o644)
	os.MkdirAll(filepath.Join(base, "imp.old"), 0o755)
	os.WriteFile(filepath.Join(base, "imp.old", "keep.txt"), []byte("keep"), 0o644)
	storeBefore, _ := os.ReadFile(filepath.Join(r.Run.Dir, "store.db"))

	for _, out := range []string{user, r.Run.Dir, filepath.Dir(r.Run.Dir)} {
		if err := write(out); !errors.Is(err, outdir.ErrRefused) {
			t.Errorf("--out %s: %v, want a refusal", out, err)
		}
	}
	if b, err := os.ReadFile(filepath.Join(user, "thesis.tex")); err != nil || string(b) != "my thesis" {
		t.Errorf("thesis.tex: %q %v", b, err)
	}
	if _, err := os.Stat(filepath.Join(user, "sub")); err != nil {
		t.Error("imp/sub is gone")
	}
	if after, _ := os.ReadFile(filepath.Join(r.Run.Dir, "store.db")); len(after) == 0 || len(after) != len(storeBefore) {
		t.Errorf("store.db: %d bytes before, %d after", len(storeBefore), len(after))
	}

	// A new folder, then the same again: Blindspot's own report is replaced.
	mine := filepath.Join(base, "mine")
	for i := 0; i < 2; i++ {
		if err := write(mine); err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
	}
	if _, err := os.Stat(filepath.Join(mine, "index.html")); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(base, "imp.old", "keep.txt")); err != nil || string(b) != "keep" {
		t.Errorf("imp.old/keep.txt: %q %v", b, err)
	}

	// Left by a killed writer (its pid no longer runs): removed. Not ours: kept.
	stale := filepath.Join(base, ".report-stale")
	os.MkdirAll(stale, 0o755)
	os.WriteFile(filepath.Join(stale, outdir.TempMarker), []byte("4194303"), 0o644)
	foreign := filepath.Join(base, ".report-foreign")
	os.MkdirAll(foreign, 0o755)
	if err := write(mine); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("the stale temporary folder is still there: %v", err)
	}
	if _, err := os.Stat(foreign); err != nil {
		t.Errorf("a folder without the marker was removed: %v", err)
	}
	entries, _ := os.ReadDir(base)
	for _, e := range entries {
		if e.Name() != "imp" && e.Name() != "imp.old" && e.Name() != "mine" && e.Name() != ".report-foreign" {
			t.Errorf("left beside the report: %s", e.Name())
		}
	}
}
