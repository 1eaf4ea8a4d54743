package main

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"

	"github.com/spf13/cobra"
)

// profiled adds --cpuprofile and --memprofile to c: the CPU profile of the
// whole command, and a heap profile written as it ends, for `go tool
// pprof`. Profiles hold function names and sizes only: no spec text,
// prompt or secret.
func (a *App) profiled(c *cobra.Command) *cobra.Command {
	var cpuFile, memFile string
	c.Flags().StringVar(&cpuFile, "cpuprofile", "", "write a CPU profile of this command to `FILE` (for go tool pprof)")
	c.Flags().StringVar(&memFile, "memprofile", "", "write a heap profile to `FILE` as the command ends (for go tool pprof)")
	run := c.RunE
	c.RunE = func(c *cobra.Command, args []string) (err error) {
		if cpuFile != "" {
			f, err := os.Create(a.path(cpuFile))
			if err != nil {
				return usageErr("--cpuprofile: %v", err)
			}
			if err := pprof.StartCPUProfile(f); err != nil {
				f.Close()
				return usageErr("--cpuprofile: %v", err)
			}
			defer func() {
				pprof.StopCPUProfile()
				err = errors.Join(err, closeProfile(f, "--cpuprofile"))
			}()
		}
		if memFile != "" {
			defer func() {
				f, ferr := os.Create(a.path(memFile))
				if ferr != nil {
					err = errors.Join(err, usageErr("--memprofile: %v", ferr))
					return
				}
				runtime.GC() // the heap as it stands, not as of the last collection
				werr := pprof.Lookup("heap").WriteTo(f, 0)
				if werr != nil {
					werr = fmt.Errorf("--memprofile: %w", werr)
				}
				err = errors.Join(err, werr, closeProfile(f, "--memprofile"))
			}()
		}
		return run(c, args)
	}
	return c
}

func closeProfile(f *os.File, flag string) error {
	if err := f.Close(); err != nil {
		return fmt.Errorf("%s: %w", flag, err)
	}
	return nil
}
