package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = ""

// Version returns the tool version, from the build when not set.
func Version() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// App is the CLI with everything it touches injected, so tests run it
// in-process.
type App struct {
	Stdout, Stderr io.Writer
	Getenv         func(string) string
	// Dir is the working directory relative paths resolve against ("" =
	// the process's).
	Dir string
	// Signals delivers interrupts to a running audit.
	Signals <-chan os.Signal
	// Terminal forces (true) terminal progress bars; nil detects.
	Terminal *bool
}

// Main runs the CLI and returns the exit code.
func (a *App) Main(args []string) int {
	if a.Getenv == nil {
		a.Getenv = func(string) string { return "" }
	}
	root := a.root()
	root.SetArgs(args)
	err := root.Execute()
	if err != nil {
		fmt.Fprintln(a.Stderr, "blindspot: "+strings.TrimSpace(err.Error()))
	}
	return exitCode(err)
}

func (a *App) root() *cobra.Command {
	root := &cobra.Command{
		Use:           "blindspot",
		Short:         "Audit generative image models for cultural bias",
		Version:       Version(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(a.Stdout)
	root.SetErr(a.Stderr)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageErr("%v (see '%s --help')", err, c.CommandPath())
	})
	root.AddCommand(a.initCmd(), a.gridCmd(), a.profiled(a.runCmd()), a.summaryCmd(), a.serveSimCmd(), a.providersCmd(), a.checkCmd(), a.profiled(a.vendiCmd()), a.corpusCmd(), a.profiled(a.reportCmd()), a.exportCmd(), a.sheetsCmd(), a.workerCmd(), a.statusCmd())
	return root
}

// path resolves a command-line path against the app's directory.
func (a *App) path(p string) string {
	if filepath.IsAbs(p) || a.Dir == "" {
		return p
	}
	return filepath.Join(a.Dir, p)
}

// shown is a path as the user would type it: relative to the working
// folder when it lies below it.
func (a *App) shown(p string) string {
	base := a.Dir
	if base == "" {
		var err error
		if base, err = os.Getwd(); err != nil {
			return p
		}
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return p
	}
	if absBase, err := filepath.Abs(base); err == nil {
		if rel, err := filepath.Rel(absBase, abs); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return rel
		}
	}
	return p
}

// isTerminal reports whether progress should draw bars.
func (a *App) isTerminal() bool {
	if a.Terminal != nil {
		return *a.Terminal
	}
	f, ok := a.Stderr.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// exactArgs is cobra.ExactArgs with a usage exit code.
func exactArgs(n int, names string) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		if len(args) != n {
			return usageErr("%s takes %s (see '%s --help')", c.CommandPath(), names, c.CommandPath())
		}
		return nil
	}
}
