package audit

import (
	"context"
	"fmt"

	"github.com/blindspot-audit/blindspot/audit/policy"
	"github.com/blindspot-audit/blindspot/audit/spec"
	"github.com/blindspot-audit/blindspot/audit/store"
	"github.com/blindspot-audit/blindspot/generators"
	"github.com/blindspot-audit/blindspot/generators/httpx"
	"github.com/blindspot-audit/blindspot/prompts"
	"github.com/blindspot-audit/blindspot/vqa"
)

// StagePick names the judge's best/worst pick within an edit chain.
const StagePick = "pick"

// pickSteps is the part of judge.best_worst that a chain of n edit steps
// has; a chain with fewer than two of them gets no pick.
func pickSteps(want []int, n int) []int {
	var out []int
	for _, s := range want {
		if s <= n {
			out = append(out, s)
		}
	}
	if len(out) < 2 {
		return nil
	}
	return out
}

// pickChain asks every judge to pick the best and worst of the chain's
// images at the judge.best_worst steps; chain[i] is the image at step i.
func (e *Engine) pickChain(ctx context.Context, p prompts.Prompt, target string, chain []*store.Image) {
	steps := pickSteps(e.Plan.Audit.Judge.BestWorst, len(chain)-1)
	if steps == nil {
		return
	}
	for _, v := range e.Plan.Audit.Models.VLM {
		e.pick(ctx, p, target, chain, steps, v)
	}
}

func (e *Engine) pick(ctx context.Context, p prompts.Prompt, target string, chain []*store.Image, steps []int, ep spec.Endpoint) {
	last := chain[steps[len(steps)-1]]
	id := "pick:" + last.ID + ":" + store.JoinSteps(steps) + ":" + ep.Name
	if !e.startTask(ctx, id, StagePick) {
		return
	}
	c, _ := e.Plan.Audit.Schema.Country(target)
	q := vqa.PickQuestion(c.Name, len(steps))
	system := e.Judge.SystemFor(p, last.Target)
	rec := store.Pick{ChainID: last.ID, Judge: ep.Name, Target: target, Steps: steps, Question: q.Text, Context: system, BestStep: -1, WorstStep: -1}
	var images [][]byte
	var shas []string
	for _, s := range steps {
		b, err := e.Blobs.Get(chain[s].ImageSHA)
		if err != nil {
			e.setFatal(fmt.Errorf("reading the image of %s: %w", chain[s].ID, err))
			return
		}
		images = append(images, b)
		shas = append(shas, chain[s].ImageSHA)
		rec.ImageIDs = append(rec.ImageIDs, chain[s].ID)
	}
	chat := e.Endpoints[ep.Name].Chat
	req := generators.ChatRequest{Model: ep.Model, System: system, Prompt: q.Text, Images: images, MaxTokens: 64}
	o := e.call(ctx, id, StagePick, &policy.Call{
		Endpoint: ep.Name,
		Key:      policy.Key(map[string]any{"endpoint": ep.Identity(), "role": "vlm", "system": system, "prompt": q.Text, "images": shas, "max_tokens": 64}),
		Estimate: generators.Usage{InputTokens: judgeInputTokens(e.Plan.Audit) + estPickTokensPerImage*len(steps), OutputTokens: estJudgeOutputTokens},
		Do:       func(ctx context.Context) (*generators.Response, error) { return chat.Chat(ctx, req) },
	})
	if interrupted(o) {
		return
	}
	status, class := store.StatusOK, ""
	switch {
	case o.Class == generators.Refusal:
		rec.Parsed, rec.Raw = vqa.Refused, httpx.Truncate(o.Err.Error(), 2000)
	case o.Class != "":
		status, class = store.StatusFailed, string(o.Class)
		rec.Parsed, rec.Raw = "error", httpx.Truncate(o.Err.Error(), 2000)
	default:
		rec.Raw = httpx.Truncate(o.Resp.Text, vqa.MaxAnswerBytes)
		var best, worst int
		best, worst, rec.Parsed = vqa.ParsePick(o.Resp.Text, len(steps))
		if best > 0 {
			rec.BestStep, rec.WorstStep = steps[best-1], steps[worst-1]
		}
	}
	if err := e.Run.PutPick(id, status, class, rec); err != nil {
		e.setFatal(fmt.Errorf("recording the best/worst pick of %s: %w", last.ID, err))
		return
	}
	e.progress(StagePick)
}
