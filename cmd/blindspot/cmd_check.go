package main

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"time"

	"github.com/blindspot-audit/blindspot/reports"
	"github.com/spf13/cobra"

	"github.com/blindspot-audit/blindspot/generators"
	"github.com/blindspot-audit/blindspot/generators/httpx"
	"github.com/blindspot-audit/blindspot/generators/registry"
)

// checkPNG is the small image sent to editors, judges and embedders.
func checkPNG() []byte {
	return drawPNG(func(x, y int) color.RGBA { return color.RGBA{uint8(4 * x), uint8(4 * y), 128, 255} })
}

func (a *App) checkCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "check SPEC",
		Short: "Send one tiny request to every endpoint of a spec and report latency, model and problems",
		Long: "check calls every endpoint once, without cache or retries: a text-to-image endpoint makes one image, an editor\n" +
			"one edit, a judge or LLM one short answer, an embedder one embedding. A text-to-image endpoint also makes a second image\n" +
			"with another seed, to tell whether it honours seeds; an embedder also embeds the same image again, a slightly changed\n" +
			"one and a very different one, and fails unless its vectors behave as image embeddings. Paid endpoints are charged for those calls.",
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
			t := reports.NewTable(a.Stdout)
			t.Header("Endpoint", "Role", "Result", "Latency", "Model reported", "Detail")
			failed := 0
			img := checkPNG()
			for _, e := range p.Audit.Endpoints() {
				ctx, cancel := context.WithTimeout(context.Background(), e.Timeout)
				start := time.Now()
				resp, err := checkCall(ctx, eps[e.Name], e.Role, e.Model, img)
				extra := ""
				if err == nil {
					extra, err = checkMore(ctx, eps[e.Name], e.Role, e.Model, img, resp)
				}
				cancel()
				lat := time.Since(start).Round(time.Millisecond)
				result, detail, version := "ok", "", ""
				if err != nil {
					failed++
					result, detail = string(generators.ClassOf(err)), err.Error()
				} else {
					version = resp.ModelVersion
					detail = describe(e.Role, resp) + extra
				}
				if err := t.Append([]string{e.Name, string(e.Role), result, lat.String(), version, httpx.Truncate(detail, 160)}); err != nil {
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

// checkMore asks what one call cannot show: whether a text-to-image
// endpoint honours seeds (a second seed), and whether an embedder embeds
// pixels (the same image again, a slightly changed one, a very different
// one). It returns a note for the detail column, or an error that fails
// the endpoint.
func checkMore(ctx context.Context, ep registry.Endpoint, role generators.Role, model string, img []byte, first *generators.Response) (string, error) {
	switch role {
	case generators.RoleT2I:
		second, err := ep.Generator.Generate(ctx, generators.ImageRequest{Model: model, Prompt: "A red apple on a table, photorealistic.", Seed: 2})
		if err != nil {
			return "", fmt.Errorf("second seed: %w", err)
		}
		if bytes.Equal(first.Image, second.Image) {
			return "; seeds ignored: seeds 1 and 2 gave the same image, so an audit's n counts distinct images only", nil
		}
		return "; seeds honoured", nil
	case generators.RoleEmbedder:
		embed := func(b []byte) ([]float64, error) {
			r, err := ep.Embedder.Embed(ctx, generators.EmbedRequest{Model: model, Image: b})
			if err != nil {
				return nil, err
			}
			return r.Vector, nil
		}
		again, err := embed(img)
		if err != nil {
			return "", err
		}
		near, err := embed(checkPNGShifted())
		if err != nil {
			return "", err
		}
		far, err := embed(checkPNGOther())
		if err != nil {
			return "", err
		}
		return judgeEmbeddings(first.Vector, again, near, far)
	}
	return "", nil
}

// judgeEmbeddings fails vectors that cannot be image embeddings: a
// different vector for the same image, the same vector for very different
// images, or a slightly changed image farther than a very different one
// (an endpoint that embeds the image's bytes as text).
func judgeEmbeddings(a, again, near, far []float64) (string, error) {
	dAgain, dNear, dFar := cosDist(a, again), cosDist(a, near), cosDist(a, far)
	switch {
	case dAgain > 1e-3:
		return "", generators.Errorf(generators.BadOutput, "the same image embedded twice gave different vectors (cosine distance %.4f)", dAgain)
	case dFar < 1e-6:
		return "", generators.Errorf(generators.BadOutput, "two very different images gave the same vector: these are not image embeddings")
	case dNear >= dFar:
		return "", generators.Errorf(generators.BadOutput, "a slightly changed image is farther (%.4f) than a very different one (%.4f): the endpoint does not embed pixels (is it embedding the image's text?)", dNear, dFar)
	}
	return fmt.Sprintf("; embeds pixels (distance to a similar image %.3f, to a different one %.3f)", dNear, dFar), nil
}

func cosDist(a, b []float64) float64 {
	if len(a) != len(b) || len(a) == 0 {
		return 1
	}
	var dot, na, nb float64
	for i := range a {
		dot, na, nb = dot+a[i]*b[i], na+a[i]*a[i], nb+b[i]*b[i]
	}
	if na == 0 || nb == 0 {
		return 1
	}
	return 1 - dot/math.Sqrt(na*nb)
}

// checkPNGShifted is checkPNG a little brighter; checkPNGOther is a
// black-and-yellow checkerboard.
func checkPNGShifted() []byte {
	return drawPNG(func(x, y int) color.RGBA { return color.RGBA{uint8(4*x + 3), uint8(4*y + 3), 134, 255} })
}

func checkPNGOther() []byte {
	return drawPNG(func(x, y int) color.RGBA {
		if (x/8+y/8)%2 == 0 {
			return color.RGBA{250, 220, 0, 255}
		}
		return color.RGBA{10, 10, 10, 255}
	})
}

func drawPNG(at func(x, y int) color.RGBA) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 64, 64))
	for y := 0; y < 64; y++ {
		for x := 0; x < 64; x++ {
			img.Set(x, y, at(x, y))
		}
	}
	var buf bytes.Buffer
	png.Encode(&buf, img)
	return buf.Bytes()
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
