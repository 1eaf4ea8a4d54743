package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"

	"github.com/blindspot-audit/blindspot/audit"
	"github.com/blindspot-audit/blindspot/audit/spec"
	"github.com/blindspot-audit/blindspot/audit/store"
	"github.com/blindspot-audit/blindspot/reports"
	"github.com/blindspot-audit/blindspot/reports/review"
)

func (a *App) runCmd() *cobra.Command {
	var asJSON, quiet, fresh bool
	var every time.Duration
	var storeURL string
	c := &cobra.Command{
		Use:   "run SPEC",
		Short: "Run or resume an audit; a finished audit re-runs without calling any model",
		Args:  exactArgs(1, "one spec file"),
		RunE: func(c *cobra.Command, args []string) error {
			if storeURL != "" {
				if err := store.CheckStoreURL(storeURL); err != nil {
					return usageErr("--store: %v", err)
				}
			}
			if !fresh && storeURL == "" {
				if done, err := a.unchangedRun(args[0], asJSON, quiet); done || err != nil {
					return err
				}
			}
			s, raw, files, err := a.loadSpecReading(args[0])
			if err != nil {
				return err
			}
			p, err := a.plan(args[0], s)
			if err != nil {
				return err
			}
			return a.runAudit(p, asJSON, quiet, fresh, every, storeURL, specRead{raw, files})
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print the summary as JSON")
	c.Flags().BoolVarP(&quiet, "quiet", "q", false, "no progress output")
	c.Flags().BoolVar(&fresh, "fresh", false, "ignore cached responses and recorded results: call every endpoint again")
	c.Flags().DurationVar(&every, "progress-every", 5*time.Second, "interval of progress lines when not on a terminal")
	addStoreFlag(c, &storeURL)
	return c
}

// specRead is a spec's bytes and the files reading it read.
type specRead struct {
	raw   []byte
	files []string
}

func (a *App) runAudit(p *audit.Plan, asJSON, quiet, fresh bool, every time.Duration, storeURL string, read specRead) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stopping atomic.Bool
	a.onInterrupt(ctx, cancel, &stopping, "blindspot: stopping: finishing the calls in flight (interrupt again to abort them)", "blindspot: aborting the calls in flight")

	stages := stageTotals(p)
	var prog progressUI = quietProgress{}
	switch {
	case quiet:
	case a.isTerminal():
		prog = newBarProgress(a.Stderr, stages)
	default:
		prog = newLineProgress(a.Stderr, stages, every)
	}
	r := audit.NewRunner(p, audit.Options{
		Fresh: fresh, Getenv: a.Getenv, Progress: prog, Stopping: stopping.Load, Version: Version(), Dir: a.Dir, StoreURL: storeURL,
	})
	defer r.Close()
	start := time.Now()
	var reportPath string
	all := append(r.Stages(), audit.Stage{Name: "agreement", Run: func(ctx context.Context) error {
		// Imported ratings are compared with this run's judge scores again.
		as, err := review.ComputeAgreement(context.WithoutCancel(ctx), r.Run)
		if err == nil && r.Summary != nil {
			r.Summary.Agreement = as
		}
		return err
	}}, audit.Stage{Name: "report", Run: func(ctx context.Context) error {
		var err error
		reportPath, err = reports.WriteHTML(context.WithoutCancel(ctx), r.Run, r.Cache.Blobs, r.Summary, reports.Options{Version: Version(), EChartsJS: a.Getenv(envEChartsJS)})
		return err
	}})
	// The phases after the calls say what they are doing: on a large run
	// computing the metrics takes a while, and silence looks like a hang.
	phases := map[string]string{"metrics": "computing the metrics", "agreement": "comparing with the reviewers' ratings", "report": "writing the report"}
	for _, st := range all {
		phaseStart := time.Now()
		if what := phases[st.Name]; what != "" && !quiet {
			fmt.Fprintf(a.Stderr, "blindspot: %s...\n", what)
		}
		if err := st.Run(ctx); err != nil {
			prog.Stop()
			return fmt.Errorf("%s: %w", st.Name, err)
		}
		if st.Name == "open" && r.Budget != nil {
			prog.SetSpent(r.Budget.Spent)
		}
		if st.Name == "execute" {
			prog.Stop()
		}
		if what := phases[st.Name]; what != "" && !quiet && time.Since(phaseStart) > time.Second {
			fmt.Fprintf(a.Stderr, "blindspot: %s took %s\n", what, time.Since(phaseStart).Round(100*time.Millisecond))
		}
	}
	if err := r.Close(); err != nil {
		return fmt.Errorf("closing the stores: %w", err)
	}
	if err := a.printSummary(r.Summary, asJSON, false); err != nil {
		return err
	}
	if ns := r.NoopSummary(); ns != nil {
		var text, js bytes.Buffer
		if err := errors.Join(a.writeSummary(&text, ns, false, false), a.writeSummary(&js, ns, true, false)); err != nil {
			return err
		}
		if fp, ok := audit.Fingerprint(r.RunDir(), reportPath, a.rerunParts(read.raw, read.files)); ok {
			if err := audit.SaveUnchanged(r.RunDir(), fp, read.files, text.Bytes(), js.Bytes()); err != nil {
				return err
			}
		}
	}
	if !quiet {
		// With --json the warnings are only in the JSON; say them on stderr too.
		if asJSON {
			for _, n := range r.Summary.Notices {
				fmt.Fprintf(a.Stderr, "warning: %s\n", n)
			}
		}
		fmt.Fprintf(a.Stderr, "Finished in %s. Report: %s\n", time.Since(start).Round(time.Millisecond), a.shown(reportPath))
	}
	if reason := r.StopReason(); reason != "" {
		code := ExitInterrupted
		if r.Summary.Status == "budget" {
			code = ExitBudget
		}
		return withCode(code, fmt.Errorf("%s", reason))
	}
	return nil
}

// unchangedRun prints what the last complete run of the spec at path
// printed, when nothing has been recorded since and the spec (its bytes
// and the files it read) and the program are the same (see
// audit.Unchanged). It reads only where the spec's run goes: no
// validation, plan or store.
func (a *App) unchangedRun(path string, asJSON, quiet bool) (bool, error) {
	start := time.Now()
	raw, err := spec.ReadFile(a.path(path))
	if err != nil {
		return false, nil // the full path says what is wrong
	}
	output, storeURL, ok := spec.Where(path, raw)
	if !ok || storeURL != "" {
		return false, nil
	}
	runDir := a.path(output)
	report := filepath.Join(runDir, "report", "index.html")
	fp, ok := audit.Fingerprint(runDir, report, a.rerunParts(raw, audit.RerunInputs(runDir)))
	if !ok {
		return false, nil
	}
	text, js, ok := audit.Unchanged(runDir, fp)
	if !ok || !a.runDirFree(runDir) {
		return false, nil
	}
	out := text
	if asJSON {
		out = js
	}
	if _, err := a.Stdout.Write(out); err != nil {
		return true, err
	}
	if !quiet {
		fmt.Fprintln(a.Stderr, "blindspot: nothing new since the last run (the same spec, nothing recorded since): its summary and report stand")
		fmt.Fprintf(a.Stderr, "Finished in %s. Report: %s\n", time.Since(start).Round(time.Millisecond), a.shown(report))
	}
	return true, nil
}

// rerunParts are what, besides the store, a run's printed summary depends
// on: the spec's bytes, the files it read (their size and modification
// time), this program (its version, and its executable, which changes
// with every build) and the ECharts the report carries.
func (a *App) rerunParts(raw []byte, files []string) []string {
	parts := []string{fmt.Sprintf("spec %x", sha256.Sum256(raw)), "version " + Version(), "echarts " + a.Getenv(envEChartsJS)}
	for _, f := range files {
		if st, err := os.Stat(f); err == nil {
			parts = append(parts, fmt.Sprintf("input %s %d %d", f, st.Size(), st.ModTime().UnixNano()))
		} else {
			parts = append(parts, fmt.Sprintf("input %s absent", f))
		}
	}
	if exe, err := os.Executable(); err == nil {
		if st, err := os.Stat(exe); err == nil {
			parts = append(parts, fmt.Sprintf("executable %s %d %d", exe, st.Size(), st.ModTime().UnixNano()))
		}
	}
	return parts
}

// runDirFree reports whether no other process holds the run directory's
// lock (a run in progress would be writing what the summary reads).
func (a *App) runDirFree(dir string) bool {
	l, err := store.LockDir(dir, "run")
	if err != nil {
		return false
	}
	return l.Unlock() == nil
}

// onInterrupt watches the app's signals until ctx ends: the first sets
// stopping (no new call starts) and says first; the second says second
// and cancels the calls in flight.
func (a *App) onInterrupt(ctx context.Context, cancel context.CancelFunc, stopping *atomic.Bool, first, second string) {
	if a.Signals == nil {
		return
	}
	go func() {
		for n := 0; ; n++ {
			select {
			case <-a.Signals:
				if n == 0 {
					stopping.Store(true)
					fmt.Fprintln(a.Stderr, first)
				} else {
					if second != "" {
						fmt.Fprintln(a.Stderr, second)
					}
					cancel()
				}
			case <-ctx.Done():
				return
			}
		}
	}()
}
