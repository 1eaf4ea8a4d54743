package outdir

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// Marker is the file that says Blindspot wrote a folder, and as what.
const Marker = ".blindspot-output"

// ErrRefused marks a folder Blindspot must not write into; the CLI maps it
// to a usage error.
var ErrRefused = errors.New("refused output folder")

// Check reports whether dir may be written as kind ("report", "export",
// "sheets"): it does not exist, is empty, or holds Blindspot's marker
// for the same kind. protected are folders (the run directory, the cache)
// that dir may be neither equal to nor hold.
func Check(dir, kind string, protected ...string) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	for _, p := range protected {
		if p == "" {
			continue
		}
		pa, err := filepath.Abs(p)
		if err != nil {
			continue
		}
		if rel, err := filepath.Rel(abs, pa); err == nil && (rel == "." || !strings.HasPrefix(rel, "..")) {
			return fmt.Errorf("%w: %s holds %s, which Blindspot must not replace; choose another folder for the %s", ErrRefused, dir, pa, kind)
		}
	}
	entries, err := os.ReadDir(abs)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("%w: %s: %v", ErrRefused, dir, err)
	case len(entries) == 0:
		return nil
	}
	got, err := os.ReadFile(filepath.Join(abs, Marker))
	if err == nil && strings.TrimSpace(string(got)) == kind {
		return nil
	}
	if err != nil && Legacy[kind] != nil && Legacy[kind](abs, entries) {
		return nil
	}
	example := entries[0].Name()
	if err == nil {
		return fmt.Errorf("%w: %s holds a Blindspot %s, not a %s; choose another folder", ErrRefused, dir, strings.TrimSpace(string(got)), kind)
	}
	return fmt.Errorf("%w: %s is not empty (it holds %s, among %d entries) and Blindspot did not write it; choose a new or empty folder for the %s", ErrRefused, dir, example, len(entries), kind)
}

// Mark records that dir was written by Blindspot as kind.
func Mark(dir, kind string) error {
	return os.WriteFile(filepath.Join(dir, Marker), []byte(kind+"\n"), 0o644)
}

// TempMarker is the file in a temporary folder that names the process
// writing it, so that a later writer can tell a folder left by a killed
// process from one in use.
const TempMarker = ".blindspot-writer"

// MarkTemp records this process as the writer of a temporary folder.
func MarkTemp(dir string) error {
	return os.WriteFile(filepath.Join(dir, TempMarker), []byte(strconv.Itoa(os.Getpid())), 0o644)
}

// CleanStale removes the temporary folders matching pattern (a
// filepath.Glob pattern, such as DIR/.report-*) that a killed writer left:
// those that carry TempMarker naming a process that no longer runs.
// Folders without the marker are left alone.
func CleanStale(pattern string) {
	matches, _ := filepath.Glob(pattern)
	for _, m := range matches {
		b, err := os.ReadFile(filepath.Join(m, TempMarker))
		if err != nil {
			continue
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil || pid <= 0 || alive(pid) {
			continue
		}
		os.RemoveAll(m)
	}
}

func alive(pid int) bool {
	if pid == os.Getpid() {
		return true
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// Legacy recognises, per kind, a folder written by a Blindspot from before
// the marker, so that re-running an old audit still replaces its report
// or export.
var Legacy = map[string]func(dir string, entries []os.DirEntry) bool{
	"report": func(dir string, _ []os.DirEntry) bool {
		b, err := os.ReadFile(filepath.Join(dir, "index.html"))
		_, cssErr := os.Stat(filepath.Join(dir, "assets", "report.css"))
		return err == nil && cssErr == nil && strings.Contains(string(b), "<title>Blindspot audit")
	},
	"export": func(_ string, entries []os.DirEntry) bool {
		for _, e := range entries {
			if !exportFileRe(e.Name()) {
				return false
			}
		}
		return true
	},
}

// exportFileRe matches the files an export writes.
func exportFileRe(name string) bool {
	base, ext, ok := strings.Cut(name, ".")
	if !ok || (ext != "csv" && ext != "jsonl") {
		return false
	}
	switch base {
	case "calls", "items", "answers", "picks", "stories", "metrics", "tests", "parse_rates", "judge_health":
		return true
	}
	return false
}

// FilePerm and DirPerm are the modes a new file and folder get under the
// process's umask: os.CreateTemp and os.MkdirTemp make theirs private, and
// a report or export is meant to be read by colleagues and web servers.
func FilePerm() os.FileMode { return 0o666 &^ umask() }

// DirPerm: see FilePerm.
func DirPerm() os.FileMode { return 0o777 &^ umask() }

// umask reads the process's umask without changing it (syscall.Umask would
// set it, racing other goroutines); 022 where it cannot be read.
func umask() os.FileMode {
	b, err := os.ReadFile("/proc/self/status")
	if err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "Umask:"); ok {
				if m, err := strconv.ParseUint(strings.TrimSpace(v), 8, 32); err == nil {
					return os.FileMode(m)
				}
			}
		}
	}
	return 0o022
}
