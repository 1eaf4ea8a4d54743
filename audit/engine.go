package audit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // endpoints may answer with JPEG
	_ "image/png"
	"sync"
	"sync/atomic"

	"github.com/sourcegraph/conc/pool"

	"github.com/blindspot-audit/blindspot/audit/policy"
	"github.com/blindspot-audit/blindspot/audit/spec"
	"github.com/blindspot-audit/blindspot/audit/store"
	"github.com/blindspot-audit/blindspot/corpus"
	"github.com/blindspot-audit/blindspot/generators"
	"github.com/blindspot-audit/blindspot/generators/httpx"
	"github.com/blindspot-audit/blindspot/generators/registry"
	"github.com/blindspot-audit/blindspot/prompts"
	"github.com/blindspot-audit/blindspot/vqa"
)

// Stage names, as counted by Progress.
const (
	StageGenerate = "generate"
	StageEdit     = "edit"
	StageJudge    = "judge"
	StageEmbed    = "embed"
	StageScore    = "score"
)

// Progress receives task completions per stage: images for generate and
// edit, calls for the judge (as the plan counts them), tasks otherwise.
type Progress interface {
	Add(stage string, n int)
}

// Engine executes a plan.
type Engine struct {
	Plan      *Plan
	Run       *store.Run
	Blobs     *store.Blobs
	Endpoints map[string]registry.Endpoint
	Invoke    policy.Invoker
	Progress  Progress
	// Stopping reports a graceful stop request: tasks not yet started are
	// left for the next run, tasks in flight finish and are recorded.
	Stopping func() bool
	// Fresh redoes tasks the run store already holds.
	Fresh bool
	// Judge builds, asks, reads and scores the judge's questions.
	Judge *vqa.Judge

	Stats Stats

	cellLocks sync.Map // cell id -> *sync.Mutex: one LLM call per cell
	// promptByID and storyByID find a queued unit's prompt.
	indexOnce  sync.Once
	promptMu   sync.RWMutex
	promptByID map[string]prompts.Prompt
	storyByID  map[string]prompts.StoryPrompt
	// pending are a worker's translated prompts whose text the store did
	// not hold yet when it started: looked up again when a unit needs one.
	pending   []prompts.Prompt
	fatalOnce sync.Once
	fatal     error
	stopped   atomic.Bool
}

// Stats counts what this run did.
type Stats struct {
	CallsMade  atomic.Int64
	CacheHits  atomic.Int64
	Resumed    atomic.Int64 // tasks skipped because the store had them
	Failed     atomic.Int64
	Refused    atomic.Int64
	BudgetSkip atomic.Int64
	byClass    sync.Map // class -> *atomic.Int64
	costMu     sync.Mutex
	cost       float64 // exact, as the store records each call's cost
}

// CostUSD is what this run's calls cost: the sum of the costs the store
// records, not of rounded ones, so that every figure agrees.
func (s *Stats) CostUSD() float64 {
	s.costMu.Lock()
	defer s.costMu.Unlock()
	return s.cost
}

func (s *Stats) addCost(v float64) {
	s.costMu.Lock()
	s.cost += v
	s.costMu.Unlock()
}

// FailedByClass returns failures per class.
func (s *Stats) FailedByClass() map[string]int64 {
	out := map[string]int64{}
	s.byClass.Range(func(k, v any) bool {
		out[k.(string)] = v.(*atomic.Int64).Load()
		return true
	})
	return out
}

func (s *Stats) countClass(c generators.Class) {
	v, _ := s.byClass.LoadOrStore(string(c), new(atomic.Int64))
	v.(*atomic.Int64).Add(1)
}

// ErrBudgetReached reports that the run stopped at the budget cap: the
// call policy's ErrBudget, one sentinel for both.
var ErrBudgetReached = policy.ErrBudget

// ErrInterrupted reports a run stopped by the user.
var ErrInterrupted = errors.New("interrupted")

// Execute runs every unit of the plan. It returns nil when every task was
// attempted (failed calls are data, not errors), ErrBudgetReached or
// ErrInterrupted when it stopped early, or the first store error.
func (e *Engine) Execute(ctx context.Context) error {
	p := pool.New().WithMaxGoroutines(e.Plan.Slots())
	// Units are produced lazily, so memory does not grow with the grid.
	e.Plan.EachUnit(func(u Unit) bool {
		if e.halted() || ctx.Err() != nil {
			return false
		}
		p.Go(func() {
			if err := e.RunUnit(ctx, u); err != nil {
				e.setFatal(err)
			}
		})
		return true
	})
	p.Wait()
	return e.outcome(ctx)
}

// outcome is how a batch of work ended: a fatal error, an interrupt, the
// budget cap, or nil.
func (e *Engine) outcome(ctx context.Context) error {
	switch {
	case e.fatal != nil:
		return e.fatal
	case ctx.Err() != nil || (e.Stopping != nil && e.Stopping()):
		return ErrInterrupted
	case e.Stats.BudgetSkip.Load() > 0:
		return ErrBudgetReached
	}
	return nil
}

func (e *Engine) halted() bool {
	return e.stopped.Load() || (e.Stopping != nil && e.Stopping())
}

func (e *Engine) setFatal(err error) {
	e.fatalOnce.Do(func() { e.fatal = err })
	e.stopped.Store(true)
}

func (e *Engine) progress(stage string) { e.progressN(stage, 1) }

func (e *Engine) progressN(stage string, n int) {
	if e.Progress != nil && n > 0 {
		e.Progress.Add(stage, n)
	}
}

// settled reports whether a recorded task needs no more work: done, refused
// or failed permanently. Transient failures are retried by the next run.
func settled(status, class string) bool {
	switch status {
	case store.StatusOK, store.StatusRefused:
		return true
	case store.StatusFailed:
		return class != string(generators.Transient)
	}
	return false
}

// call sends one call through the policy and records it.
func (e *Engine) call(ctx context.Context, taskID, stage string, c *policy.Call) policy.Outcome {
	o, rec := e.invoke(ctx, taskID, stage, c)
	if o.Class == generators.Canceled {
		return o
	}
	if err := e.Run.PutCall(rec); err != nil {
		e.setFatal(fmt.Errorf("recording a call: %w", err))
	}
	return o
}

// invoke sends one call through the policy, counts it and returns the
// record to store.
func (e *Engine) invoke(ctx context.Context, taskID, stage string, c *policy.Call) (policy.Outcome, store.Call) {
	o := e.Invoke(ctx, c)
	if o.StoreErr != nil {
		e.setFatal(fmt.Errorf("storing a response: %w", o.StoreErr))
	}
	switch {
	case o.Class == generators.Canceled:
		return o, store.Call{}
	case o.Class == generators.Budget:
		e.Stats.BudgetSkip.Add(1)
		e.stopped.Store(true)
	case o.CacheHit:
		e.Stats.CacheHits.Add(1)
		e.Stats.addCost(o.CostUSD)
	default:
		e.Stats.CallsMade.Add(1)
		e.Stats.addCost(o.CostUSD)
	}
	switch o.Class {
	case "", generators.Budget:
	case generators.Refusal:
		e.Stats.Refused.Add(1)
	default:
		e.Stats.Failed.Add(1)
		e.Stats.countClass(o.Class)
	}
	rec := store.Call{TaskID: taskID, Stage: stage, Endpoint: c.Endpoint, RequestKey: c.Key, Status: callStatus(o),
		ErrorClass: string(o.Class), Attempts: o.Attempts, Latency: o.Latency, CostUSD: o.CostUSD, CacheHit: o.CacheHit && !o.Recovered}
	if o.Err != nil {
		rec.Error = httpx.Truncate(o.Err.Error(), 2000)
	}
	if o.Resp != nil {
		rec.ModelVersion = o.Resp.ModelVersion
		rec.InputTokens, rec.OutputTokens, rec.Images = o.Resp.Usage.InputTokens, o.Resp.Usage.OutputTokens, o.Resp.Usage.Images
	}
	return o, rec
}

func callStatus(o policy.Outcome) string {
	switch o.Class {
	case "":
		return store.StatusOK
	case generators.Refusal:
		return store.StatusRefused
	case generators.Budget:
		return "skipped"
	}
	return store.StatusFailed
}

// interrupted reports an outcome that must leave its task unrecorded so a
// later run does it: a budget refusal or a cancellation.
func interrupted(o policy.Outcome) bool {
	return o.Class == generators.Budget || o.Class == generators.Canceled
}

// MaxImagePixels caps images accepted from endpoints.
const MaxImagePixels = 8192 * 8192

// checkImage rejects a response that is not a decodable image of sane size,
// and classes a blank (single-colour) image as a refusal: it is what
// safety filters return in place of the image.
func checkImage(b []byte) error {
	_, err := decodeImage(b)
	return err
}

// decodeImage is checkImage returning the decoded image: the one decode
// of an image the run makes while calling, which the seed duplicates'
// perceptual hash then uses too.
func decodeImage(b []byte) (image.Image, error) {
	if len(b) == 0 {
		return nil, generators.Errorf(generators.BadOutput, "the response holds no image")
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		return nil, generators.Errorf(generators.BadOutput, "undecodable image: %v", err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > MaxImagePixels {
		return nil, generators.Errorf(generators.BadOutput, "image of %dx%d pixels is out of range", cfg.Width, cfg.Height)
	}
	img, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		return nil, generators.Errorf(generators.BadOutput, "truncated or corrupt image: %v", err)
	}
	if blank(img) {
		return nil, generators.Errorf(generators.Refusal, "blank image (a safety filter's placeholder)")
	}
	return img, nil
}

// blank reports whether a 32x32 grid of samples shows one colour.
func blank(img image.Image) bool {
	r := img.Bounds()
	var r0, g0, b0 uint32
	for i := 0; i < 32; i++ {
		for j := 0; j < 32; j++ {
			x := r.Min.X + (2*i+1)*r.Dx()/64
			y := r.Min.Y + (2*j+1)*r.Dy()/64
			cr, cg, cb, _ := img.At(x, y).RGBA()
			if i == 0 && j == 0 {
				r0, g0, b0 = cr, cg, cb
				continue
			}
			if absDiff(cr, r0) > 0x300 || absDiff(cg, g0) > 0x300 || absDiff(cb, b0) > 0x300 {
				return false
			}
		}
	}
	return true
}

func absDiff(a, b uint32) uint32 {
	if a > b {
		return a - b
	}
	return b - a
}

func endpointOf(a *spec.Audit, name string) spec.Endpoint {
	for _, e := range a.Endpoints() {
		if e.Name == name {
			return e.Endpoint
		}
	}
	return spec.Endpoint{}
}

// promptFields are a prompt's template fields.
func promptFields(p prompts.Prompt) prompts.Fields {
	return prompts.Fields{Category: p.Category, Subcategory: p.Subcategory, Variant: p.Variant}
}

// newJudge is the spec's judge: its questions, and retrieval from its
// corpus when it has passages.
func newJudge(a *spec.Audit) *vqa.Judge {
	j := &vqa.Judge{Schema: a.Schema, Questions: a.Judge.Questions, Ratings: a.Judge.Ratings, TopK: a.Judge.TopK,
		Attribution: a.Judge.Attribution != nil && *a.Judge.Attribution}
	if len(a.Judge.Passages) > 0 {
		j.Corpus = corpus.NewIndex(a.Judge.Passages)
	}
	return j
}
