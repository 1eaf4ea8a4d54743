// Package audittest runs whole audits on the simulator for tests of the
// packages that read a run store (reports, review sheets).
package audittest

import (
	"context"
	"os"
	"testing"

	"github.com/blindspot-audit/blindspot/audit"
	"github.com/blindspot-audit/blindspot/audit/spec"
)

// Run validates a spec text, runs every stage in a temporary folder and
// returns the runner, closed when the test ends.
func Run(tb testing.TB, specText string) *audit.Runner {
	tb.Helper()
	r := RunIn(tb, specText, tb.TempDir())
	tb.Cleanup(func() { r.Close() })
	return r
}

// RunIn is Run in a given folder; the caller closes the runner (before
// running again in the same folder).
func RunIn(tb testing.TB, specText, dir string) *audit.Runner {
	tb.Helper()
	a, err := spec.Parse("test.yaml", []byte(specText), os.ReadFile)
	if err != nil {
		tb.Fatal(err)
	}
	p, err := audit.NewPlan(a)
	if err != nil {
		tb.Fatal(err)
	}
	r := audit.NewRunner(p, audit.Options{Dir: dir})
	for _, st := range r.Stages() {
		if err := st.Run(context.Background()); err != nil {
			tb.Fatalf("stage %s: %v", st.Name, err)
		}
	}
	return r
}
