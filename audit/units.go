package audit

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/blindspot-audit/blindspot/audit/store"
	"github.com/blindspot-audit/blindspot/prompts"
)

// Unit is one independent piece of a run: a base image with everything
// done to it (judging, embedding, edit chains), or one story with its
// chain. Units are what workers share out through the queue.
type Unit struct {
	Kind      string `json:"kind"`               // "image" or "story"
	Prompt    string `json:"prompt"`             // prompt id or story prompt id
	Endpoint  string `json:"endpoint,omitempty"` // the text-to-image endpoint of an image unit
	SeedIndex int    `json:"seed_index"`
	Seed      int64  `json:"seed"`
}

// ID names a unit, the same for the same grid cell in every process.
func (u Unit) ID() string {
	return u.Kind + "-" + prompts.ContentID(u.Prompt, u.Endpoint, fmt.Sprint(u.SeedIndex), fmt.Sprint(u.Seed))
}

// EachUnit calls fn for every unit of the plan, in a stable order, until
// fn returns false.
func (p *Plan) EachUnit(fn func(Unit) bool) {
	a := p.Audit
	for _, pr := range p.Prompts {
		for _, t := range a.Models.T2I {
			for si, seed := range a.SeedList {
				if !fn(Unit{Kind: "image", Prompt: pr.ID, Endpoint: t.Name, SeedIndex: si, Seed: seed}) {
					return
				}
			}
		}
	}
	if st := a.Stories; st != nil {
		for _, sp := range st.Prompts {
			for seed := int64(1); seed <= int64(st.Samples); seed++ {
				if !fn(Unit{Kind: "story", Prompt: sp.ID, Seed: seed}) {
					return
				}
			}
		}
	}
}

// Slots is how many units run at once, in a run or in a worker: four times
// the endpoints' total concurrency, so that while some units wait for
// their results to commit, others keep every endpoint busy.
func (p *Plan) Slots() int {
	n := 0
	for _, ep := range p.Audit.Endpoints() {
		n += ep.Concurrency
	}
	return max(4, 4*n)
}

// RunUnit does one unit; what the store already holds is not done again.
func (e *Engine) RunUnit(ctx context.Context, u Unit) error {
	e.indexOnce.Do(e.index)
	switch u.Kind {
	case "image":
		pr, ok := e.promptOf(ctx, u.Prompt)
		if !ok {
			return fmt.Errorf("unit %s: the spec has no prompt %s (a worker with another spec?)", u.ID(), u.Prompt)
		}
		for _, t := range e.Plan.Audit.Models.T2I {
			if t.Name == u.Endpoint {
				e.unit(ctx, pr, t, u.SeedIndex, u.Seed)
				return nil
			}
		}
		return fmt.Errorf("unit %s: the spec has no text-to-image endpoint %s", u.ID(), u.Endpoint)
	case "story":
		sp, ok := e.storyByID[u.Prompt]
		if !ok {
			return fmt.Errorf("unit %s: the spec has no story prompt %s", u.ID(), u.Prompt)
		}
		e.storyUnit(ctx, sp, u.Seed)
		return nil
	}
	return fmt.Errorf("unit %s: unknown kind %q", u.ID(), u.Kind)
}

func (e *Engine) index() {
	e.promptByID = map[string]prompts.Prompt{}
	for _, p := range e.Plan.Prompts {
		e.promptByID[p.ID] = p
	}
	e.storyByID = map[string]prompts.StoryPrompt{}
	if st := e.Plan.Audit.Stories; st != nil {
		for _, sp := range st.Prompts {
			e.storyByID[sp.ID] = sp
		}
	}
}

// ParseUnit reads a queued unit.
func ParseUnit(payload string) (Unit, error) {
	var u Unit
	err := json.Unmarshal([]byte(payload), &u)
	return u, err
}

// promptOf finds a unit's prompt. A worker that started before the run's
// first process recorded the translations reads them again for a prompt
// it does not know.
func (e *Engine) promptOf(ctx context.Context, id string) (prompts.Prompt, bool) {
	e.indexOnce.Do(e.index)
	e.promptMu.RLock()
	pr, ok := e.promptByID[id]
	e.promptMu.RUnlock()
	if ok {
		return pr, true
	}
	e.promptMu.Lock()
	defer e.promptMu.Unlock()
	if pr, ok := e.promptByID[id]; ok {
		return pr, true
	}
	if len(e.pending) == 0 {
		return prompts.Prompt{}, false
	}
	stored, err := e.Run.DB().Translations(ctx)
	if err != nil {
		return prompts.Prompt{}, false
	}
	have := map[string]store.Translation{}
	for _, t := range stored {
		have[t.ID] = t
	}
	still := e.pending[:0]
	for _, p := range e.pending {
		prev, ok := have[p.TranslationID()]
		e.settle(ctx, &p, prev, ok, nil)
		if p.Pending() {
			still = append(still, p)
			continue
		}
		e.promptByID[p.ID] = p
	}
	e.pending = still
	pr, ok = e.promptByID[id]
	return pr, ok
}
