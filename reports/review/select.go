package review

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"

	"github.com/blindspot-audit/blindspot/audit/spec"
	"github.com/blindspot-audit/blindspot/audit/stats"
	"github.com/blindspot-audit/blindspot/audit/store"
	"github.com/blindspot-audit/blindspot/prompts"
)

// Group kinds.
const (
	KindChain  = "chain"  // steps of one edit chain
	KindPrompt = "prompt" // the seeds of one prompt and model
)

// Item is one image to rate.
type Item struct {
	ID, ImageID, SHA string
	Text             string // what the image should show: the prompt or the edit instruction
	Model            string
	Step             int
	Alignment        bool
}

// Group is what one Best/Worst pick is made in.
type Group struct {
	ID, Kind, Country, Category string
	Items                       []Item
}

type imgRow struct {
	id, kind, promptID, set, country, category, prompt, model, chain, target, parent, instruction, sha string
	seed                                                                                               int64
	step                                                                                               int
}

// Select samples the groups to rate, per country x category x kind, as
// the review config asks; the result is the same for the same store and
// config.
func Select(ctx context.Context, db *store.DB, cfg spec.Review) ([]Group, error) {
	ims, err := loadImages(ctx, db)
	if err != nil {
		return nil, err
	}
	children := map[string][]*imgRow{}
	for _, im := range ims {
		if im.parent != "" {
			children[im.parent] = append(children[im.parent], im)
		}
	}
	var all []Group
	prompt := map[string]*Group{}
	for _, im := range ims {
		if im.kind != store.KindGenerated || im.set != prompts.SetCountry {
			continue
		}
		k := im.promptID + "\x00" + im.model
		g := prompt[k]
		if g == nil {
			g = &Group{ID: "prompt-" + prompts.ContentID(im.promptID, im.model), Kind: KindPrompt, Country: im.country, Category: im.category}
			prompt[k] = g
		}
		g.Items = append(g.Items, item(cfg, g, im, im.prompt))
		for _, first := range children[im.id] {
			if first.step != 1 {
				continue
			}
			chain := append([]*imgRow{im}, store.FollowChain(first, func(r *imgRow) []*imgRow { return children[r.id] },
				func(c *imgRow) bool {
					return c.chain == first.chain && c.model == first.model && c.target == first.target
				})...)
			cg := Group{ID: "chain-" + prompts.ContentID(im.id, first.model, first.chain, first.target), Kind: KindChain, Country: first.target, Category: im.category}
			for _, s := range cfg.Steps {
				if s < len(chain) {
					text := chain[s].instruction
					if s == 0 {
						text = im.prompt
					}
					cg.Items = append(cg.Items, item(cfg, &cg, chain[s], text))
				}
			}
			if len(cg.Items) >= 2 {
				all = append(all, cg)
			}
		}
	}
	for _, g := range prompt {
		g.Items = sampleVersions(cfg, g)
		all = append(all, *g)
	}
	// Sample per cell, seeded from the cell.
	cells := map[string][]Group{}
	for _, g := range all {
		k := g.Country + "\x00" + g.Category + "\x00" + g.Kind
		cells[k] = append(cells[k], g)
	}
	keys := make([]string, 0, len(cells))
	for k := range cells {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []Group
	for _, k := range keys {
		gs := cells[k]
		sort.Slice(gs, func(i, j int) bool { return gs[i].ID < gs[j].ID })
		seed := stats.Seed("review", fmt.Sprint(cfg.Seed), k)
		rng := rand.New(rand.NewPCG(seed, seed>>1|1))
		rng.Shuffle(len(gs), func(i, j int) { gs[i], gs[j] = gs[j], gs[i] })
		out = append(out, gs[:min(len(gs), cfg.PerCell)]...)
	}
	return out, nil
}

// sampleVersions keeps cfg.Versions of a prompt group's seeds, seeded
// from the group, in the order of their image ids.
func sampleVersions(cfg spec.Review, g *Group) []Item {
	items := g.Items
	sort.Slice(items, func(i, j int) bool { return items[i].ImageID < items[j].ImageID })
	if cfg.Versions <= 0 || len(items) <= cfg.Versions {
		return items
	}
	seed := stats.Seed("review-versions", fmt.Sprint(cfg.Seed), g.ID)
	rng := rand.New(rand.NewPCG(seed, seed>>1|1))
	keep := rng.Perm(len(items))[:cfg.Versions]
	sort.Ints(keep)
	out := make([]Item, len(keep))
	for i, k := range keep {
		out[i] = items[k]
	}
	return out
}

func item(cfg spec.Review, g *Group, im *imgRow, text string) Item {
	align := cfg.Alignment == "all" || (cfg.Alignment == "edits" && im.step > 0)
	return Item{ID: ItemID(g.Country, g.ID, im.id), ImageID: im.id, SHA: im.sha, Text: text, Model: im.model, Step: im.step, Alignment: align}
}

// ItemID names an item: the same image in the same group for the same
// country, whichever export or reviewer.
func ItemID(country, group, imageID string) string {
	return "R" + prompts.ContentID(country, group, imageID)[:11]
}

func loadImages(ctx context.Context, db *store.DB) ([]*imgRow, error) {
	var out []*imgRow
	err := db.EachImage(ctx, func(im store.Image) error {
		out = append(out, &imgRow{id: im.ID, kind: im.Kind, promptID: im.PromptID, set: im.PromptSet, country: im.Country, category: im.Category,
			prompt: im.Prompt, model: im.Model, chain: im.Chain, target: im.Target, parent: im.ParentID, instruction: im.Instruction,
			sha: im.ImageSHA, seed: im.Seed, step: im.Step})
		return nil
	})
	return out, err
}
