package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/blindspot-audit/blindspot/generators"
	"github.com/blindspot-audit/blindspot/generators/sim"
)

func (a *App) serveSimCmd() *cobra.Command {
	var addr, specPath, keyEnv string
	var latency time.Duration
	c := &cobra.Command{
		Use:   "serve-sim",
		Short: "Serve the simulator over the OpenAI-compatible HTTP API, to rehearse an audit over HTTP",
		Long: "serve-sim answers /v1/images/generations, /v1/images/edits, /v1/chat/completions, /v1/embeddings and /v1/models\n" +
			"with the simulator. It serves the model \"sim\" with default options and, with --spec, every sim endpoint of that\n" +
			"spec under its model name with its options, so the spec's audit can be run again over HTTP.",
		Args: exactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, args []string) error {
			models, err := a.simModels(specPath)
			if err != nil {
				return err
			}
			srv := &sim.Server{Models: models, Latency: latency}
			if keyEnv != "" {
				if srv.APIKey = a.Getenv(keyEnv); srv.APIKey == "" {
					return usageErr("--api-key-env: the environment variable %s is not set", keyEnv)
				}
			}
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return usageErr("--addr %s: %v", addr, err)
			}
			hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
			names := make([]string, 0, len(models))
			for k := range models {
				names = append(names, k)
			}
			sort.Strings(names)
			fmt.Fprintf(a.Stdout, "serving simulated models %s at http://%s/v1\n", strings.Join(names, ", "), ln.Addr())
			errc := make(chan error, 1)
			go func() { errc <- hs.Serve(ln) }()
			select {
			case err := <-errc:
				return err
			case <-a.Signals:
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				if err := hs.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
					return err
				}
				return nil
			}
		},
	}
	c.Flags().StringVar(&addr, "addr", "127.0.0.1:8080", "address to listen on")
	c.Flags().DurationVar(&latency, "latency", 0, "time from a request to its answer (the simulator's work included), e.g. 50ms")
	c.Flags().StringVar(&specPath, "spec", "", "serve the sim endpoints of this spec under their model names")
	c.Flags().StringVar(&keyEnv, "api-key-env", "", "require the key in this environment variable as a Bearer token")
	return c
}

// simModels collects the models to serve: "sim", and every sim endpoint of
// a spec under its model name.
func (a *App) simModels(specPath string) (map[string]*sim.Provider, error) {
	opts := map[string]sim.Options{"sim": {}}
	if specPath != "" {
		p, err := a.loadPlan(specPath)
		if err != nil {
			return nil, err
		}
		for _, e := range p.Audit.Endpoints() {
			if e.Provider != "sim" {
				continue
			}
			o := generators.OptionsOf[sim.Options](e.Options())
			o.Latency = 0
			if prev, ok := opts[e.Model]; ok && e.Model != "sim" && !reflect.DeepEqual(prev, o) {
				return nil, usageErr("%s: model %q is used by two sim endpoints with different options; give them different model names", specPath, e.Model)
			}
			opts[e.Model] = o
		}
	}
	out := map[string]*sim.Provider{}
	for name, o := range opts {
		p, err := sim.New(o)
		if err != nil {
			return nil, usageErr("model %s: %v", name, err)
		}
		out[name] = p
	}
	return out, nil
}
