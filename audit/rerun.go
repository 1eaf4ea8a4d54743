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
	"github.com/blindspot-audit/blindspot/audit/spec"
	"github.com/blindspot-audit/blindspot/audit/store"
	"github.com/blindspot-audit/blindspot/generators"
)

// A run that finds nothing new prints what the last run printed, without
// opening the store or checking a single task. The last complete run
// leaves, in the run directory's rerunDir, its summary as such a run
// would print it and the fingerprint of everything that summary depends
// on: the spec, the caller's parts (the program's version and build), and
// the size and modification time of the store's files and of the report.
// Any write to the store changes them, so the fingerprint holds only while
// nothing has been recorded, imported or rebuilt since.
const rerunDir = ".blindspot-rerun"

// Rerun files, in rerunDir.
const (
	rerunFingerprint = "fingerprint"
	rerunText        = "summary.txt"
	rerunJSON        = "summary.json"
)

// fingerprint hashes the spec, parts and the state of the store's and the
// report's files; false when the run does not qualify (a fresh run, a
// store in PostgreSQL, where many processes write).
func fingerprint(a *spec.Audit, o Options, report string, parts []string) (string, bool) {
	if o.Fresh || o.StoreURL != "" || a.Store != "" {
		return "", false
	}
	spec, err := json.Marshal(a)
	if err != nil {
		return "", false
	}
	h := sha256.New()
	fmt.Fprintf(h, "spec %x\n", sha256.Sum256(spec))
	for _, p := range parts {
		fmt.Fprintf(h, "part %q\n", p)
	}
	dir := runDir(a, o)
	for _, f := range []string{filepath.Join(dir, store.StoreFile), filepath.Join(dir, store.StoreFile+"-wal"), report} {
		st, err := os.Stat(f)
		switch {
		case errors.Is(err, fs.ErrNotExist) && f != report:
			fmt.Fprintf(h, "file %q absent\n", filepath.Base(f))
		case err != nil:
			return "", false // no report, or an unreadable file: do the work
		default:
			fmt.Fprintf(h, "file %q %d %d\n", filepath.Base(f), st.Size(), st.ModTime().UnixNano())
		}
	}
	return hex.EncodeToString(h.Sum(nil)), true
}

// Unchanged returns what the last complete run of spec a printed (its
// summary as text and as JSON), when nothing it depends on has changed
// since; ok is false otherwise. It reads a few files and opens no store,
// and needs no plan: a run that finds nothing new costs about what
// reading its spec costs.
func Unchanged(a *spec.Audit, o Options, report string, parts []string) (text, js []byte, ok bool) {
	want, ok := fingerprint(a, o, report, parts)
	if !ok {
		return nil, nil, false
	}
	dir := filepath.Join(runDir(a, o), rerunDir)
	got, err := os.ReadFile(filepath.Join(dir, rerunFingerprint))
	if err != nil || string(got) != want {
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
// left work for a later one (stopped early, transient failures, budget).
func (r *Runner) NoopSummary() *metrics.Summary {
	s := r.Summary
	if s == nil || s.Status != "complete" || s.BudgetSkipped > 0 || s.FailedByClass[string(generators.Transient)] > 0 || r.shared() {
		return nil
	}
	n := *s
	n.CallsMade, n.CacheHits, n.Failed, n.Refused, n.BudgetSkipped, n.CostUSD = 0, 0, 0, 0, 0, 0
	n.FailedByClass = map[string]int64{}
	n.Resumed = s.Resumed + r.settled[1] - r.settled[0]
	return &n
}

// SaveUnchanged records, after the run's last write, what a re-run that
// finds nothing new prints. The fingerprint is written last: a kill in
// between leaves an old or no fingerprint, which matches nothing.
func (r *Runner) SaveUnchanged(report string, parts []string, text, js []byte) error {
	fp, ok := fingerprint(r.Plan.Audit, r.Opts, report, parts)
	if !ok {
		return nil
	}
	dir := filepath.Join(r.RunDir(), rerunDir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("recording the summary for re-runs: %w", err)
	}
	os.Remove(filepath.Join(dir, rerunFingerprint))
	for _, f := range []struct {
		name string
		data []byte
	}{{rerunText, text}, {rerunJSON, js}, {rerunFingerprint, []byte(fp)}} {
		if err := outdir.WriteFile(filepath.Join(dir, f.name), f.data); err != nil {
			return fmt.Errorf("recording the summary for re-runs: %w", err)
		}
	}
	return nil
}
