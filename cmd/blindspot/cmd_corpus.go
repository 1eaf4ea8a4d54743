package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/blindspot-audit/blindspot/corpus"
)

func (a *App) corpusCmd() *cobra.Command {
	c := &cobra.Command{Use: "corpus", Short: "Build the reference corpus of the RAG judge"}
	var asJSON, verbose bool
	build := &cobra.Command{
		Use:   "build CONFIG",
		Short: "Crawl reference pages into a corpus file (passages with provenance); cached and resumable",
		Args:  exactArgs(1, "one corpus config"),
		RunE: func(c *cobra.Command, args []string) error {
			cfg, err := corpus.LoadConfig(a.path(args[0]))
			if err != nil {
				return usageErr("%v", err)
			}
			// The output file is replaced: only when it is a corpus already.
			if f, err := os.Open(cfg.Output); err == nil {
				_, rerr := corpus.Read(f, cfg.Output)
				f.Close()
				if rerr != nil {
					return usageErr("%s exists and is not a corpus file (%v); choose another output, Blindspot will not replace it", cfg.Output, rerr)
				}
			}
			var log io.Writer
			if verbose {
				log = a.Stderr
			}
			st, err := corpus.Build(context.Background(), cfg, log)
			if err != nil {
				return fmt.Errorf("corpus build: %w", err)
			}
			if asJSON {
				return json.NewEncoder(a.Stdout).Encode(st)
			}
			fmt.Fprintf(a.Stdout, "Wrote %d passages from %d pages to %s (%d requests, %d pages skipped).\n", st.Passages, st.Pages, cfg.Output, st.Requests, st.Skipped)
			return nil
		},
	}
	build.Flags().BoolVar(&asJSON, "json", false, "print the build's numbers as JSON")
	build.Flags().BoolVarP(&verbose, "verbose", "v", false, "say why each skipped page was skipped")
	c.AddCommand(build)
	return c
}
