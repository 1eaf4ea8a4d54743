package main

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"time"

	"github.com/olekukonko/tablewriter"
	"github.com/spf13/cobra"

	"github.com/blindspot-audit/blindspot/generators"
	"github.com/blindspot-audit/blindspot/generators/registry"
)

// checkPNG is the small image sent to editors, judges and embedders.
func checkPNG() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 64, 64))
	for y := 0; y < 64; y++ {
		for x := 0; x < 64; x++ {
			img.Set(x, y, color.RGBA{uint8(4 * x), uint8(4 * y), 128, 255})
		}
	}
	var buf bytes.Buffer
	png.Encode(&buf, img)
	return buf.Bytes()
}

func (a *App) checkCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "check SPEC",
		Short: "Send one tiny request to every endpoint of a spec and report latency, model and problems",
		Long: "check calls every endpoint once, without cache or retries: a text-to-image endpoint makes one image, an editor\n" +
			"one edit, a judge or LLM one short answer, an embedder one embedding. Paid endpoints are charged for that call.",
		Args: exactArgs(1, "one spec file"),
		RunE: func(c *cobra.Command, args []string) error {
			p, err := a.loadPlan(args[0])
			if err != nil {
				return err
			}
			eps, err := p.Audit.Open(a.Getenv)
			if err != nil {
				return usageErr("%v", err)
			}
			t := tablewriter.NewWriter(a.Stdout)
			t.Header("Endpoint", "Role", "Result", "Latency", "Model reported", "Detail")
			failed := 0
			img := checkPNG()
			for _, e := range p.Audit.Endpoints() {
				ctx, cancel := context.WithTimeout(context.Background(), e.Timeout)
				start := time.Now()
				resp, err := checkCall(ctx, eps[e.Name], e.Role, e.Model, img)
				cancel()
				lat := time.Since(start).Round(time.Millisecond)
				result, detail, version := "ok", "", ""
				if err != nil {
					failed++
					result, detail = string(generators.ClassOf(err)), err.Error()
				} else {
					version = resp.ModelVersion
					detail = describe(e.Role, resp)
				}
				if err := t.Append([]string{e.Name, string(e.Role), result, lat.String(), version, truncateText(detail, 80)}); err != nil {
					return err
				}
			}
			if err := t.Render(); err != nil {
				return err
			}
			if failed > 0 {
				return withCode(ExitCheckFailed, fmt.Errorf("%d of %d endpoints failed the check", failed, len(p.Audit.Endpoints())))
			}
			return nil
		},
	}
}

func checkCall(ctx context.Context, ep registry.Endpoint, role generators.Role, model string, img []byte) (*generators.Response, error) {
	switch role {
	case generators.RoleT2I:
		return ep.Generator.Generate(ctx, generators.ImageRequest{Model: model, Prompt: "A red apple on a table, photorealistic.", Seed: 1})
	case generators.RoleI2I:
		return ep.Editor.Edit(ctx, generators.EditRequest{Model: model, Instruction: "Add a red apple.", Image: img, Seed: 1})
	case generators.RoleVLM:
		return ep.Chat.Chat(ctx, generators.ChatRequest{Model: model, Prompt: "Is this image mostly blue? Answer yes or no.", Images: [][]byte{img}, MaxTokens: 8})
	case generators.RoleLLM:
		return ep.Chat.Chat(ctx, generators.ChatRequest{Model: model, Prompt: "Reply with the word OK.", MaxTokens: 8})
	case generators.RoleScorer:
		return ep.Scorer.Score(ctx, generators.ScoreRequest{Model: model, Image: img, Prompt: "A colourful gradient."})
	default:
		return ep.Embedder.Embed(ctx, generators.EmbedRequest{Model: model, Image: img})
	}
}

func describe(role generators.Role, r *generators.Response) string {
	switch role {
	case generators.RoleT2I, generators.RoleI2I:
		if cfg, _, err := image.DecodeConfig(bytes.NewReader(r.Image)); err == nil {
			return fmt.Sprintf("%dx%d image", cfg.Width, cfg.Height)
		}
		return "undecodable image"
	case generators.RoleEmbedder:
		return fmt.Sprintf("vector of %d", len(r.Vector))
	case generators.RoleScorer:
		if r.Score != nil {
			return fmt.Sprintf("score %.3f", *r.Score)
		}
		return "no score"
	}
	return fmt.Sprintf("%q", r.Text)
}

func truncateText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
