package main

import (
	"errors"
	"fmt"

	"github.com/blindspot-audit/blindspot/audit"
	"github.com/blindspot-audit/blindspot/audit/outdir"
	"github.com/blindspot-audit/blindspot/audit/spec"
	"github.com/blindspot-audit/blindspot/audit/store"
)

// Exit codes, mapped here and nowhere else.
const (
	ExitOK          = 0   // success; failed model calls are recorded data, not a failure
	ExitError       = 1   // the tool itself failed: file system, store, unexpected error
	ExitUsage       = 2   // bad command line, spec or input file; nothing was written
	ExitBudget      = 3   // the run stopped at the budget cap; raise it and run again
	ExitCheckFailed = 4   // blindspot check: an endpoint did not answer properly
	ExitInterrupted = 130 // stopped by Ctrl-C or SIGTERM; run again to resume
)

// exitError carries an exit code with its error.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func usageErr(format string, a ...any) error {
	return &exitError{code: ExitUsage, err: fmt.Errorf(format, a...)}
}

func withCode(code int, err error) error { return &exitError{code: code, err: err} }

// exitCode maps an error to the process exit code.
func exitCode(err error) int {
	var ee *exitError
	var se *spec.Error
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &ee):
		return ee.code
	case errors.As(err, &se), errors.Is(err, outdir.ErrRefused), errors.Is(err, spec.ErrEndpoint), errors.Is(err, store.ErrInUse), errors.Is(err, audit.ErrFreshOverBudget):
		return ExitUsage
	}
	return ExitError
}
