package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/blindspot-audit/blindspot/audit/diversity"
)

func (a *App) vendiCmd() *cobra.Command {
	var qs, quality string
	var kernel, asJSON bool
	c := &cobra.Command{
		Use:   "vendi FILE",
		Short: "Vendi score (and quality-weighted Vendi) of a CSV of embeddings or of a kernel matrix",
		Long: "vendi reads a CSV of embedding rows (cosine kernel) or, with --kernel, a square similarity matrix with ones on\n" +
			"the diagonal, and prints the Vendi score of order --q. With --quality COLUMN (a header name or a 1-based number)\n" +
			"that column holds each row's quality score and the quality-weighted score is printed too. A first line that\n" +
			"is not all numbers is a header.",
		Args: exactArgs(1, "one CSV file"),
		RunE: func(c *cobra.Command, args []string) error {
			q, err := diversity.ParseQ(qs)
			if err != nil {
				return usageErr("--q: %v", err)
			}
			f, err := os.Open(a.path(args[0]))
			if err != nil {
				return usageErr("%v", err)
			}
			defer f.Close()
			t, err := diversity.ReadTable(f, args[0])
			if err != nil {
				return usageErr("%v", err)
			}
			var scores []float64
			if quality != "" {
				if scores, err = t.TakeColumn(quality); err != nil {
					return usageErr("%s: --quality: %v", args[0], err)
				}
			}
			var vs float64
			if kernel {
				vs, err = diversity.FromKernel(t.Rows, q)
			} else {
				vs, err = diversity.FromEmbeddings(t.Rows, q)
			}
			var ce *diversity.CellError
			if errors.As(err, &ce) && ce.Row <= len(t.Lines) {
				if ce.Col > 0 {
					return usageErr("%s:%d: value %d: %s", args[0], t.Lines[ce.Row-1], ce.Col, ce.Msg)
				}
				return usageErr("%s:%d: %s", args[0], t.Lines[ce.Row-1], ce.Msg)
			}
			if err != nil {
				return usageErr("%s: %v", args[0], err)
			}
			out := map[string]any{"n": len(t.Rows), "q": qs, "vendi": vs}
			if scores != nil {
				qvs, err := diversity.Quality(vs, scores)
				if err != nil {
					return usageErr("%s: %v", args[0], err)
				}
				out["quality_weighted_vendi"] = qvs
			}
			if asJSON {
				enc := json.NewEncoder(a.Stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(out)
			}
			fmt.Fprintf(a.Stdout, "n = %d, q = %s\nVendi score: %.6f\n", len(t.Rows), qs, vs)
			if v, ok := out["quality_weighted_vendi"]; ok {
				fmt.Fprintf(a.Stdout, "quality-weighted Vendi score: %.6f\n", v)
			}
			return nil
		},
	}
	c.Flags().StringVar(&qs, "q", "1", "order of the score: 0, any positive number, or inf")
	c.Flags().BoolVar(&kernel, "kernel", false, "the file is a square similarity matrix, not embeddings")
	c.Flags().StringVar(&quality, "quality", "", "column (header name or 1-based number) of quality scores")
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return c
}
