package audit

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/blindspot-audit/blindspot/audit/metrics"
	"github.com/blindspot-audit/blindspot/audit/outdir"
	"github.com/blindspot-audit/blindspot/audit/store"
	"github.com/blindspot-audit/blindspot/generators"
)

// A run that finds nothing new prints what the last run printed, without
// parsing its spec past where the run goes, making a plan, or opening the
// store. The last complete run leaves, in the run directory's rerunDir,
// its summary as such a run would print it, the files its spec read, and
// the fingerprint of everything that summary depends on: the caller's
// parts (the spec's bytes, the files it read, the program), and the size
// and modification time of the store's files and of the report. Any write
// to the store changes them, so the fingerprint holds only while nothing
// has been recorded, imported or rebuilt since.
const rerunDir = ".blindspot-rerun"

// Rerun files, in rerunDir.
const (
	rerunFingerprint = "fingerprint"
	rerunInputs      = "inputs.json"
	rerunText        = "summary.txt"
	rerunJSON        = "summary.json"
)

// Fingerprint hashes parts and the state of the run directory's store
// files and of the report; false when a file cannot be read (no report:
// the run must make one).
func Fingerprint(runDir, report string, parts []string) (string, bool) {
	h := sha256.New()
	for _, p := range parts {
		fmt.Fprintf(h, "part %q\n", p)
	}
	for _, f := range []string{filepath.Join(runDir, store.StoreFile), filepath.Join(runDir, store.StoreFile+"-wal"), report} {
		st, err := os.Stat(f)
		switch {
		case errors.Is(err, fs.ErrNotExist) && f != report:
			fmt.Fprintf(h, "file %q absent\n", filepath.Base(f))
		case err != nil:
			return "", false
		default:
			fmt.Fprintf(h, "file %q %d %d\n", filepath.Base(f), st.Size(), st.ModTime().UnixNano())
		}
	}
	return hex.EncodeToString(h.Sum(nil)), true
}

// RerunInputs lists the files the last complete run's spec read (nil when
// there was none).
func RerunInputs(runDir string) []string {
	b, err := os.ReadFile(filepath.Join(runDir, rerunDir, rerunInputs))
	if err != nil {
		return nil
	}
	var files []string
	if json.Unmarshal(b, &files) != nil {
		return nil
	}
	return files
}

// Unchanged returns what the last complete run printed (its summary as
// text and as JSON) when its fingerprint is fp; ok is false otherwise.
func Unchanged(runDir, fp string) (text, js []byte, ok bool) {
	dir := filepath.Join(runDir, rerunDir)
	got, err := os.ReadFile(filepath.Join(dir, rerunFingerprint))
	if err != nil || string(got) != fp {
		return nil, nil, false
	}
	if text, err = os.ReadFile(filepath.Join(dir, rerunText)); err != nil {
		return nil, nil, false
	}
	if js, err = os.ReadFile(filepath.Join(dir, rerunJSON)); err != nil {
		return nil, nil, false
	}
	return text, js, true
}

// NoopSummary is the run's summary as a run that finds nothing to do
// would give it: nothing called, every task resumed. nil when the run
// left work for a later one (stopped early, transient failures, budget)
// or when its store is shared (PostgreSQL: many processes write it).
func (r *Runner) NoopSummary() *metrics.Summary {
	s := r.Summary
	if s == nil || s.Status != "complete" || s.BudgetSkipped > 0 || s.FailedByClass[string(generators.Transient)] > 0 || r.shared() || r.Opts.Fresh {
		return nil
	}
	n := *s
	n.CallsMade, n.CacheHits, n.Failed, n.Refused, n.BudgetSkipped, n.CostUSD = 0, 0, 0, 0, 0, 0
	n.FailedByClass = map[string]int64{}
	n.Resumed = s.Resumed + r.settled[1] - r.settled[0]
	return &n
}

// SaveUnchanged records, after the run's last write, what a re-run that
// finds nothing new prints, the files its spec read and its fingerprint.
// The fingerprint is written last: a kill in between leaves an old or no
// fingerprint, which matches nothing.
func SaveUnchanged(runDir, fp string, inputs []string, text, js []byte) error {
	dir := filepath.Join(runDir, rerunDir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("recording the summary for re-runs: %w", err)
	}
	os.Remove(filepath.Join(dir, rerunFingerprint))
	in, err := json.Marshal(inputs)
	if err != nil {
		return err
	}
	for _, f := range []struct {
		name string
		data []byte
	}{{rerunText, text}, {rerunJSON, js}, {rerunInputs, in}, {rerunFingerprint, []byte(fp)}} {
		if err := outdir.WriteFile(filepath.Join(dir, f.name), f.data); err != nil {
			return fmt.Errorf("recording the summary for re-runs: %w", err)
		}
	}
	return nil
}
