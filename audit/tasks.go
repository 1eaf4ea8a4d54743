package audit

import (
	"context"
	"fmt"
	"image"
	"math"
	"sync"

	"github.com/blindspot-audit/blindspot/audit/drift"
	"github.com/blindspot-audit/blindspot/audit/policy"
	"github.com/blindspot-audit/blindspot/audit/spec"
	"github.com/blindspot-audit/blindspot/audit/store"
	"github.com/blindspot-audit/blindspot/generators"
	"github.com/blindspot-audit/blindspot/generators/httpx"
	"github.com/blindspot-audit/blindspot/prompts"
	"github.com/blindspot-audit/blindspot/vqa"
)

// ImageID is the stable ID of a generated image.
func ImageID(p prompts.Prompt, endpoint, model string, seed int64) string {
	return "img-" + prompts.ContentID(store.KindGenerated, p.ID, endpoint, model, fmt.Sprint(seed))
}

// EditID is the stable ID of an edit step.
func EditID(parentID, chain, endpoint, model, instruction string, step int) string {
	return "img-" + prompts.ContentID(store.KindEdited, parentID, chain, endpoint, model, instruction, fmt.Sprint(step))
}

// unit carries one base image through every stage: generate, judge, embed,
// then each applicable edit chain step by step.
func (e *Engine) unit(ctx context.Context, p prompts.Prompt, t2i spec.Endpoint, seedIndex int, seed int64) {
	a := e.Plan.Audit
	base := e.generate(ctx, p, t2i, seed)
	if base == nil || base.Status != store.StatusOK {
		return
	}
	if !e.post(ctx, base, p) {
		return
	}
	for _, ch := range a.EditChains {
		if !chainApplies(ch, a.Schema, p, seedIndex) {
			continue
		}
		for _, ed := range a.Models.I2I {
			for _, target := range chainTargets(ch, p) {
				chain := []*store.Image{base}
				for step := 1; step <= chainSteps(ch); step++ {
					child := e.edit(ctx, p, ch, ed, target, chain[step-1], step, seed)
					if child == nil || child.Status != store.StatusOK || !e.post(ctx, child, p) {
						break
					}
					chain = append(chain, child)
				}
				if len(chain) == chainSteps(ch)+1 && !e.halted() {
					e.pickChain(ctx, p, target, chain)
				}
			}
		}
	}
}

// generate makes (or finds in the store) a base image.
func (e *Engine) generate(ctx context.Context, p prompts.Prompt, ep spec.Endpoint, seed int64) *store.Image {
	id := ImageID(p, ep.Name, ep.Model, seed)
	if im := e.done(ctx, id, StageGenerate); im != nil {
		return im
	}
	if e.halted() {
		return nil
	}
	gen := e.Endpoints[ep.Name].Generator
	req := generators.ImageRequest{Model: ep.Model, Prompt: p.Text, Seed: seed, Size: ep.Size}
	c := &policy.Call{
		Endpoint: ep.Name,
		Key:      policy.Key(map[string]any{"endpoint": ep.Identity(), "role": "t2i", "prompt": p.Text, "seed": seed, "size": ep.Size}),
		Estimate: generators.Usage{Images: 1},
		Do:       func(ctx context.Context) (*generators.Response, error) { return gen.Generate(ctx, req) },
	}
	im := &store.Image{ID: id, Kind: store.KindGenerated, PromptID: p.ID, PromptSet: p.Set, Country: p.Country, Category: p.Category,
		Subcategory: p.Subcategory, Variant: p.Variant, Prompt: p.Text, Model: ep.Name, Seed: seed, Target: p.Country, Language: p.Language}
	made, img := e.finishImage(ctx, im, StageGenerate, c)
	if img != nil && len(e.Plan.Audit.SeedList) > 1 {
		// The seed-duplicate check compares a prompt's seeds by this hash;
		// made now, the metrics need not decode the image again.
		if h, err := drift.PHashOf(img); err == nil {
			if err := e.Run.PutPHashes(map[string]string{made.ImageSHA: h}); err != nil {
				e.setFatal(fmt.Errorf("recording the perceptual hash of %s: %w", made.ID, err))
			}
		}
	}
	return made
}

// edit makes (or finds) one step of an edit chain.
func (e *Engine) edit(ctx context.Context, p prompts.Prompt, ch spec.EditChain, ep spec.Endpoint, target string, parent *store.Image, step int, seed int64) *store.Image {
	instruction, err := chainInstruction(e.Plan.Audit, ch, p, target, step)
	if err != nil {
		e.setFatal(fmt.Errorf("edit chain %s: %w", ch.Name, err))
		return nil
	}
	id := EditID(parent.ID, ch.Name, ep.Name, ep.Model, instruction, step)
	if im := e.done(ctx, id, StageEdit); im != nil {
		return im
	}
	if e.halted() {
		return nil
	}
	input, err := e.Blobs.Get(parent.ImageSHA)
	if err != nil {
		e.setFatal(fmt.Errorf("reading the image of %s: %w", parent.ID, err))
		return nil
	}
	editor := e.Endpoints[ep.Name].Editor
	req := generators.EditRequest{Model: ep.Model, Instruction: instruction, Image: input, Seed: seed}
	c := &policy.Call{
		Endpoint: ep.Name,
		Key:      policy.Key(map[string]any{"endpoint": ep.Identity(), "role": "i2i", "prompt": instruction, "image": parent.ImageSHA, "seed": seed}),
		Estimate: generators.Usage{Images: 1},
		Do:       func(ctx context.Context) (*generators.Response, error) { return editor.Edit(ctx, req) },
	}
	im := &store.Image{ID: id, Kind: store.KindEdited, PromptID: p.ID, PromptSet: p.Set, Country: p.Country, Category: p.Category,
		Subcategory: p.Subcategory, Variant: p.Variant, Prompt: p.Text, Model: ep.Name, Seed: seed, Chain: ch.Name, Step: step, Language: p.Language,
		Target: target, ParentID: parent.ID, Instruction: instruction}
	im, _ = e.finishImage(ctx, im, StageEdit, c)
	return im
}

// done returns a recorded image whose task needs no more work. Store reads
// ignore cancellation: an abort stops calls, not bookkeeping.
func (e *Engine) done(ctx context.Context, id, stage string) *store.Image {
	if e.Fresh {
		return nil
	}
	im, err := e.Run.GetImage(context.WithoutCancel(ctx), id)
	if err != nil {
		e.setFatal(err)
		return nil
	}
	if im != nil && settled(im.Status, im.ErrorClass) {
		e.Stats.Resumed.Add(1)
		e.progress(stage)
		return im
	}
	return nil
}

// finishImage makes an image call, stores the image and records it; it
// returns the decoded image of a good one.
func (e *Engine) finishImage(ctx context.Context, im *store.Image, stage string, c *policy.Call) (*store.Image, image.Image) {
	o, rec := e.invoke(ctx, im.ID, stage, c)
	if o.Class == generators.Canceled {
		return nil, nil
	}
	if o.Class == generators.Budget {
		if err := e.Run.PutCall(rec); err != nil {
			e.setFatal(fmt.Errorf("recording a call: %w", err))
		}
		return nil, nil
	}
	var decoded image.Image
	if o.Class == "" {
		var err error
		if decoded, err = decodeImage(o.Resp.Image); err != nil {
			o.Class, o.Err = generators.ClassOf(err), err
		}
	}
	switch o.Class {
	case "":
		sha := o.ImageSHA
		if sha == "" {
			var err error
			if sha, err = e.Blobs.Put(o.Resp.Image); err != nil {
				e.setFatal(err)
				return nil, nil
			}
		}
		im.Status, im.ImageSHA = store.StatusOK, sha
	case generators.Refusal:
		im.Status, im.ErrorClass, im.Error = store.StatusRefused, string(o.Class), httpx.Truncate(o.Err.Error(), 2000)
	default:
		im.Status, im.ErrorClass, im.Error = store.StatusFailed, string(o.Class), httpx.Truncate(o.Err.Error(), 2000)
	}
	// The call and its image commit together: one transaction per image.
	if err := e.Run.PutImage(*im, &rec); err != nil {
		e.setFatal(fmt.Errorf("recording image %s: %w", im.ID, err))
		return nil, nil
	}
	e.progress(stage)
	return im, decoded
}

// post judges and embeds an image; it reports false when the run is
// stopping and the chain should not go on.
func (e *Engine) post(ctx context.Context, im *store.Image, p prompts.Prompt) bool {
	a := e.Plan.Audit
	var img []byte
	load := func() []byte {
		if img == nil {
			b, err := e.Blobs.Get(im.ImageSHA)
			if err != nil {
				e.setFatal(fmt.Errorf("reading the image of %s: %w", im.ID, err))
				return nil
			}
			img = b
		}
		return img
	}
	for _, v := range a.Models.VLM {
		e.judge(ctx, im, p, v, load)
	}
	for _, em := range a.Models.Embedder {
		e.embed(ctx, im, em, load)
		if em.ClipScore {
			e.embedText(ctx, imageText(im), em)
		}
	}
	for _, sc := range a.Models.Scorer {
		e.score(ctx, im, sc, load)
	}
	return !e.halted()
}

// startTask reports whether a judge or embed task should run now: not when
// the store already holds it (it counts as resumed) nor when the run is
// stopping.
func (e *Engine) startTask(ctx context.Context, id, stage string) bool {
	run, _ := e.startTaskAgain(ctx, id, stage, 1)
	return run
}

// startTaskAgain is startTask that also reports whether an earlier run
// recorded a failed attempt of the task (whose answers a retry may keep);
// a resumed task counts as calls planned calls of progress.
func (e *Engine) startTaskAgain(ctx context.Context, id, stage string, calls int) (run, again bool) {
	if !e.Fresh {
		st, class, err := e.Run.TaskState(context.WithoutCancel(ctx), id)
		if err != nil {
			e.setFatal(err)
			return false, false
		}
		if settled(st, class) {
			e.Stats.Resumed.Add(1)
			e.progressN(stage, calls)
			return false, false
		}
		again = st != ""
	}
	return !e.halted(), again
}

func (e *Engine) judge(ctx context.Context, im *store.Image, p prompts.Prompt, ep spec.Endpoint, load func() []byte) {
	id := "judge:" + im.ID + ":" + ep.Name
	// Progress counts the judge's calls as the plan does (grid's count), a
	// question at a time: a fallback question beyond the plan is not
	// counted, and questions never asked are counted when the image is
	// judged, so the stage ends at its planned total.
	planned := judgeQuestions(e.Plan.Audit, im.PromptSet)
	run, again := e.startTaskAgain(ctx, id, StageJudge, planned)
	if !run {
		return
	}
	counted := 0
	system, qs, err := e.Judge.Prepare(p, im.PromptSet, im.Target)
	if err != nil {
		e.setFatal(err)
		return
	}
	if im.PromptSet != prompts.SetAgnostic && e.Plan.Audit.Judge.LLMQuestions > 0 {
		qs = append(qs, e.llmQuestions(ctx, im, p)...)
	}
	e.translateQuestions(ctx, p, qs)
	img := load()
	if img == nil {
		return
	}
	// A retried judgement asks again only what failed transiently: a
	// refusal or a permanent failure of an earlier run stands. A first
	// attempt has nothing to read.
	var prev map[string]store.Answer
	if again {
		if prev, err = e.Run.JudgeAnswers(context.WithoutCancel(ctx), im.ID, ep.Name); err != nil {
			e.setFatal(err)
			return
		}
	}
	ask := func(ctx context.Context, system, question string) (vqa.Reply, bool) {
		chat := e.Endpoints[ep.Name].Chat
		req := generators.ChatRequest{Model: ep.Model, System: system, Prompt: question, Images: [][]byte{img}, MaxTokens: 64}
		c := &policy.Call{
			Endpoint: ep.Name,
			Key:      policy.Key(map[string]any{"endpoint": ep.Identity(), "role": "vlm", "system": system, "prompt": question, "image": im.ImageSHA, "max_tokens": 64}),
			Estimate: generators.Usage{InputTokens: judgeInputTokens(e.Plan.Audit), OutputTokens: estJudgeOutputTokens},
			Do:       func(ctx context.Context) (*generators.Response, error) { return chat.Chat(ctx, req) },
		}
		o := e.call(ctx, id, StageJudge, c)
		if interrupted(o) {
			return vqa.Reply{}, true
		}
		if counted < planned {
			counted++
			e.progressN(StageJudge, 1)
		}
		r := vqa.Reply{Class: o.Class, Err: o.Err}
		if o.Resp != nil {
			r.Text = o.Resp.Text
		}
		return r, false
	}
	j, stop := e.Judge.Run(ctx, im.Target, system, qs, prev, ask)
	if stop {
		return
	}
	if err := e.Run.PutJudgement(id, im.ID, ep.Name, j.Status, j.Class, j.Answers, j.Score); err != nil {
		e.setFatal(fmt.Errorf("recording the judgement of %s: %w", im.ID, err))
		return
	}
	e.progressN(StageJudge, planned-counted)
}

func (e *Engine) embed(ctx context.Context, im *store.Image, ep spec.Endpoint, load func() []byte) {
	id := "embed:" + im.ID + ":" + ep.Name
	if !e.startTask(ctx, id, StageEmbed) {
		return
	}
	img := load()
	if img == nil {
		return
	}
	emb := e.Endpoints[ep.Name].Embedder
	req := generators.EmbedRequest{Model: ep.Model, Image: img}
	var vec []float64
	e.callTask(ctx, id, StageEmbed, &policy.Call{
		Endpoint: ep.Name,
		Key:      policy.Key(map[string]any{"endpoint": ep.Identity(), "role": "embedder", "image": im.ImageSHA}),
		Do:       func(ctx context.Context) (*generators.Response, error) { return emb.Embed(ctx, req) },
	}, func(r *generators.Response) error {
		vec = r.Vector
		return checkVector(vec)
	}, func(status, class string) error {
		if err := e.Run.PutEmbedding(id, im.ID, ep.Name, status, class, vec); err != nil {
			return fmt.Errorf("recording the embedding of %s: %w", im.ID, err)
		}
		return nil
	})
}

// callTask is the skeleton of every task that makes one call: the call
// through the policy, then read checks the response (an error makes it bad
// output), record stores the result under the task's status and failure
// class, and progress counts it. An interrupted call records nothing, so a
// later run does the task.
func (e *Engine) callTask(ctx context.Context, id, stage string, c *policy.Call, read func(*generators.Response) error, record func(status, class string) error) {
	o := e.call(ctx, id, stage, c)
	if interrupted(o) {
		return
	}
	if o.Class == "" {
		if err := read(o.Resp); err != nil {
			o.Class = generators.BadOutput
		}
	}
	status, class := store.StatusOK, ""
	switch o.Class {
	case "":
	case generators.Refusal:
		status, class = store.StatusRefused, string(o.Class)
	default:
		status, class = store.StatusFailed, string(o.Class)
	}
	if err := record(status, class); err != nil {
		e.setFatal(err)
		return
	}
	e.progress(stage)
}

func checkVector(v []float64) error {
	if len(v) == 0 || len(v) > 1<<16 {
		return fmt.Errorf("embedding of length %d", len(v))
	}
	for _, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("embedding holds NaN or Inf")
		}
	}
	return nil
}

// imageText is the text an image was made from: its prompt, or the
// instruction of an edit.
func imageText(im *store.Image) string {
	if im.Kind == store.KindEdited {
		return im.Instruction
	}
	return im.Prompt
}

// stageEmbedText names text-embedding tasks; progress does not count them.
const stageEmbedText = "embedtext"

// embedText embeds a prompt or instruction for CLIPScore, once per text.
func (e *Engine) embedText(ctx context.Context, text string, ep spec.Endpoint) {
	id := "embedtext:" + prompts.ContentID(ep.Name, text)
	if !e.startTask(ctx, id, stageEmbedText) {
		return
	}
	emb := e.Endpoints[ep.Name].Embedder
	req := generators.EmbedRequest{Model: ep.Model, Text: text}
	var vec []float64
	e.callTask(ctx, id, stageEmbedText, &policy.Call{
		Endpoint: ep.Name,
		Key:      policy.Key(map[string]any{"endpoint": ep.Identity(), "role": "embedder", "text": text}),
		Estimate: generators.Usage{InputTokens: len(text) / 4},
		Do:       func(ctx context.Context) (*generators.Response, error) { return emb.Embed(ctx, req) },
	}, func(r *generators.Response) error {
		vec = r.Vector
		return checkVector(vec)
	}, func(status, class string) error {
		if err := e.Run.PutTextEmbedding(id, ep.Name, text, status, class, vec); err != nil {
			return fmt.Errorf("recording a text embedding: %w", err)
		}
		return nil
	})
}

// score has a scorer rate an image.
func (e *Engine) score(ctx context.Context, im *store.Image, ep spec.Endpoint, load func() []byte) {
	id := "score:" + im.ID + ":" + ep.Name
	if !e.startTask(ctx, id, StageScore) {
		return
	}
	img := load()
	if img == nil {
		return
	}
	sc := e.Endpoints[ep.Name].Scorer
	req := generators.ScoreRequest{Model: ep.Model, Image: img, Prompt: imageText(im)}
	v := 0.0
	e.callTask(ctx, id, StageScore, &policy.Call{
		Endpoint: ep.Name,
		Key:      policy.Key(map[string]any{"endpoint": ep.Identity(), "role": "scorer", "image": im.ImageSHA, "prompt": req.Prompt}),
		Estimate: generators.Usage{Images: 1},
		Do:       func(ctx context.Context) (*generators.Response, error) { return sc.Score(ctx, req) },
	}, func(r *generators.Response) error {
		if r.Score == nil || math.IsNaN(*r.Score) || math.IsInf(*r.Score, 0) {
			return fmt.Errorf("no finite score")
		}
		v = *r.Score
		return nil
	}, func(status, class string) error {
		if err := e.Run.PutQualityScore(id, im.ID, ep.Name, status, class, v); err != nil {
			return fmt.Errorf("recording the score of %s: %w", im.ID, err)
		}
		return nil
	})
}

// cellID names a prompt cell and target country, the unit LLM-written
// questions are written for.
func cellID(p prompts.Prompt, target string) string {
	return "cell-" + prompts.ContentID(p.Category, p.Subcategory, p.Variant, target)
}

// llmQuestions returns the LLM-written questions of an image's cell,
// asking the first models.llm endpoint once per cell.
func (e *Engine) llmQuestions(ctx context.Context, im *store.Image, p prompts.Prompt) []vqa.Question {
	a := e.Plan.Audit
	ep := a.Models.LLM[0]
	cell := cellID(p, im.Target)
	lock, _ := e.cellLocks.LoadOrStore(cell, &sync.Mutex{})
	lock.(*sync.Mutex).Lock()
	defer lock.(*sync.Mutex).Unlock()
	id := "questions:" + cell + ":" + ep.Name
	if e.Fresh || !e.taskDone(ctx, id) {
		if e.halted() {
			return nil
		}
		c, _ := a.Schema.Country(im.Target)
		prompt, err := vqa.QuestionRequest(c, promptFields(p), a.Judge.LLMQuestions)
		if err != nil {
			e.setFatal(err)
			return nil
		}
		chat := e.Endpoints[ep.Name].Chat
		req := generators.ChatRequest{Model: ep.Model, System: vqa.QuestionWriterSystem, Prompt: prompt, MaxTokens: 400}
		call := &policy.Call{
			Endpoint: ep.Name,
			Key:      policy.Key(map[string]any{"endpoint": ep.Identity(), "role": "llm", "system": req.System, "prompt": prompt, "max_tokens": 400}),
			Estimate: generators.Usage{InputTokens: 120, OutputTokens: 300},
			Do:       func(ctx context.Context) (*generators.Response, error) { return chat.Chat(ctx, req) },
		}
		o := e.call(ctx, id, "questions", call)
		if interrupted(o) {
			return nil
		}
		status, class := store.StatusOK, ""
		var rows [][3]string
		if o.Class == "" {
			qs, err := vqa.ParseLLMQuestions(o.Resp.Text, a.Judge.LLMQuestions)
			if err != nil {
				o.Class = generators.BadOutput
			}
			for _, q := range qs {
				rows = append(rows, [3]string{q.ID, q.Text, q.Expected})
			}
		}
		if o.Class != "" {
			status, class = store.StatusFailed, string(o.Class)
		}
		if err := e.Run.PutLLMQuestions(id, cell, ep.Name, status, class, rows); err != nil {
			e.setFatal(err)
			return nil
		}
	}
	rows, err := e.Run.LLMQuestions(context.WithoutCancel(ctx), cell, ep.Name)
	if err != nil {
		e.setFatal(err)
		return nil
	}
	out := make([]vqa.Question, len(rows))
	for i, r := range rows {
		out[i] = vqa.Question{ID: r[0], Kind: vqa.KindLLM, Text: r[1], Expected: r[2]}
	}
	return out
}

// taskDone reports whether a task needs no more work.
func (e *Engine) taskDone(ctx context.Context, id string) bool {
	st, class, err := e.Run.TaskState(context.WithoutCancel(ctx), id)
	if err != nil {
		e.setFatal(err)
		return true
	}
	return settled(st, class)
}
