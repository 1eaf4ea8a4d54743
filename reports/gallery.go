package reports

import (
	"context"
	"fmt"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/blindspot-audit/blindspot/audit/store"
	"github.com/blindspot-audit/blindspot/prompts"
)

// Frame is one image in the galleries.
type Frame struct {
	ID          string  `json:"id"`
	SHA         string  `json:"-"`
	Thumb       string  `json:"thumb"`
	Full        string  `json:"full"`
	Model       string  `json:"model"`
	Seed        int64   `json:"seed"`
	Step        int     `json:"step"`
	Instruction string  `json:"instruction,omitempty"`
	Accuracy    string  `json:"accuracy,omitempty"`
	Judgements  []Judge `json:"-"` // on the group pages only
}

// Judge is one judge's verdict on an image, for the detail page.
type Judge struct {
	Judge      string   `json:"judge"`
	Accuracy   string   `json:"accuracy,omitempty"`
	Attributed string   `json:"attributed,omitempty"`
	Era        string   `json:"era,omitempty"`
	Rating     int      `json:"rating,omitempty"`
	Geotag     string   `json:"geotag,omitempty"`
	Context    string   `json:"context,omitempty"`
	Answers    []Answer `json:"answers"`
}

// Answer is one question put to the judge.
type Answer struct {
	Question, Expected, Raw, Parsed, Verdict string
}

// Strip is one edit chain, step 0 (the generated image) to the last step.
type Strip struct {
	Editor string  `json:"editor"`
	Chain  string  `json:"chain"`
	Target string  `json:"target"`
	Frames []Frame `json:"frames"`
	Pick   string  `json:"pick,omitempty"`
	// Best and Worst are the steps the first judge picked (-1: none).
	Best  int `json:"best"`
	Worst int `json:"worst"`
}

// Group is a prompt and a text-to-image model: its images over seeds and
// the edit chains that start from them. It has a page of its own.
type Group struct {
	ID       string `json:"id"`
	PromptID string `json:"prompt_id"`
	Page     string `json:"page"`
	Prompt   string `json:"prompt"`
	Model    string `json:"model"`
	Set      string `json:"set"`
	Country  string `json:"country"`
	Category string `json:"category"`
	// Subcategory is the prompt's subject (house, wedding, ...).
	Subcategory string  `json:"subcategory"`
	Variant     string  `json:"variant"`
	Frames      []Frame `json:"frames"`
	Strips      []Strip `json:"strips,omitempty"`
	// Seeds and Chains count the group's images and edit chains: in the
	// index, Frames and Strips are a preview of them.
	Seeds  int `json:"seeds"`
	Chains int `json:"chains,omitempty"`
}

// galleryFrames is how many of a group's seeds the index and compare
// pages show; the group's own page shows every seed and every chain.
const galleryFrames = 8

type imageRow struct {
	Frame
	kind, promptID, set, country, category, subcategory, variant, prompt, chain, target, parent string
}

// fullGroupFunc is handed each group in full as loadGroups reads it, with
// the pages of its neighbours in gallery order ("" at either end).
type fullGroupFunc func(g Group, prev, next string) error

// loadGroups arranges the successful images by prompt group, in a stable
// order, for the index and compare pages: each group with its first
// galleryFrames seeds and the first chain of each editor, chain and
// target. It lays the groups out first, then reads a prompt at a time and
// hands each group in full to full (when not nil: the group pages are
// written from it), keeping only the preview, so the memory it holds does
// not grow with the seeds and each image is read once.
func loadGroups(ctx context.Context, run *store.Run, full fullGroupFunc) ([]Group, error) {
	layout, err := run.DB().ImageGroups(ctx)
	if err != nil {
		return nil, err
	}
	var order []Group
	seen := map[string]bool{}
	for _, l := range layout {
		id := prompts.ContentID(l.PromptID, l.Model)
		if !seen[id] {
			seen[id] = true
			order = append(order, Group{ID: id, PromptID: l.PromptID, Page: "groups/" + id + ".html", Prompt: l.Prompt, Model: l.Model,
				Set: l.PromptSet, Country: l.Country, Category: l.Category, Variant: l.Variant})
		}
	}
	sort.SliceStable(order, func(i, j int) bool { return groupKey(order[i]) < groupKey(order[j]) })
	at := make(map[string]int, len(order))
	for i, g := range order {
		at[g.ID] = i
	}
	picks, err := loadPicks(ctx, run)
	if err != nil {
		return nil, err
	}
	out := make([]Group, len(order))
	read := make([]bool, len(order))
	for i, l := range layout { // by prompt
		if i > 0 && layout[i-1].PromptID == l.PromptID {
			continue
		}
		gs, err := promptGroups(ctx, run.DB(), l.PromptID, picks)
		if err != nil {
			return nil, err
		}
		for _, g := range gs {
			k, ok := at[g.ID]
			if !ok { // recorded since the layout was read: the next report shows it
				continue
			}
			if full != nil {
				var prev, next string
				if k > 0 {
					prev = path.Base(order[k-1].Page)
				}
				if k+1 < len(order) {
					next = path.Base(order[k+1].Page)
				}
				if err := full(g, prev, next); err != nil {
					return nil, err
				}
			}
			out[k], read[k] = preview(g), true
		}
	}
	kept := out[:0]
	for k, g := range out {
		if read[k] {
			kept = append(kept, g)
		}
	}
	return kept, nil
}

func groupKey(g Group) string {
	return g.Set + "\x00" + g.Country + "\x00" + g.Category + "\x00" + g.Variant + "\x00" + g.Prompt + "\x00" + g.Model + "\x00" + g.ID
}

// preview is g as the index shows it: its first seeds, and the first chain
// (from the lowest seed) of each editor, chain and target.
func preview(g Group) Group {
	g.Seeds, g.Chains = len(g.Frames), len(g.Strips)
	if len(g.Frames) > galleryFrames {
		g.Frames = slices.Clone(g.Frames[:galleryFrames])
	}
	seen := map[string]bool{}
	var strips []Strip
	for _, st := range g.Strips {
		if k := st.Editor + "\x00" + st.Chain + "\x00" + st.Target; !seen[k] {
			seen[k] = true
			strips = append(strips, st)
		}
	}
	g.Strips = strips
	return g
}

// promptGroups reads the images of one prompt with their accuracy and
// arranges them by text-to-image model: seeds in order, and the edit
// chains that start from them.
func promptGroups(ctx context.Context, db *store.DB, promptID string, picks map[string][]store.Pick) ([]Group, error) {
	byID := map[string]*imageRow{}
	var order []*imageRow
	err := db.EachImageOf(ctx, promptID, func(im store.Image) error {
		r := &imageRow{Frame: Frame{ID: im.ID, Model: im.Model, Seed: im.Seed, Step: im.Step, Instruction: im.Instruction, SHA: im.ImageSHA},
			kind: im.Kind, promptID: im.PromptID, set: im.PromptSet, country: im.Country, category: im.Category, subcategory: im.Subcategory, variant: im.Variant,
			prompt: im.Prompt, chain: im.Chain, target: im.Target, parent: im.ParentID}
		setPaths(&r.Frame)
		byID[r.ID] = r
		order = append(order, r)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := loadAccuracy(ctx, db, promptID, byID); err != nil {
		return nil, err
	}
	groups := map[string]*Group{}
	var keys []string
	for _, r := range order {
		if r.kind != store.KindGenerated {
			continue
		}
		g, ok := groups[r.Model]
		if !ok {
			id := prompts.ContentID(r.promptID, r.Model)
			g = &Group{ID: id, PromptID: r.promptID, Page: "groups/" + id + ".html", Prompt: r.prompt, Model: r.Model, Set: r.set, Country: r.country, Category: r.category, Subcategory: r.subcategory, Variant: r.variant}
			groups[r.Model] = g
			keys = append(keys, r.Model)
		}
		g.Frames = append(g.Frames, r.Frame)
	}
	// Children of each image, to walk chains from their base.
	children := map[string][]*imageRow{}
	for _, r := range order {
		if r.parent != "" {
			children[r.parent] = append(children[r.parent], r)
		}
	}
	sort.Strings(keys)
	out := make([]Group, 0, len(keys))
	for _, k := range keys {
		g := groups[k]
		sort.SliceStable(g.Frames, func(i, j int) bool { return g.Frames[i].Seed < g.Frames[j].Seed })
		for _, base := range g.Frames {
			for _, first := range children[base.ID] {
				if first.Step != 1 {
					continue
				}
				g.Strips = append(g.Strips, chainStrip(base, first, children, picks))
			}
		}
		sort.SliceStable(g.Strips, func(i, j int) bool {
			a, b := g.Strips[i], g.Strips[j]
			return a.Editor+"\x00"+a.Chain+"\x00"+a.Target < b.Editor+"\x00"+b.Chain+"\x00"+b.Target
		})
		g.Seeds, g.Chains = len(g.Frames), len(g.Strips)
		out = append(out, *g)
	}
	return out, nil
}

// chainStrip is the edit chain from base whose first edit is first, with
// the judges' best and worst picks.
func chainStrip(base Frame, first *imageRow, children map[string][]*imageRow, picks map[string][]store.Pick) Strip {
	s := Strip{Editor: first.Model, Chain: first.chain, Target: first.target, Frames: []Frame{base}, Best: -1, Worst: -1}
	steps := store.FollowChain(first, func(r *imageRow) []*imageRow { return children[r.ID] },
		func(c *imageRow) bool {
			return c.chain == first.chain && c.Model == first.Model && c.target == first.target
		})
	for _, r := range steps {
		s.Frames = append(s.Frames, r.Frame)
	}
	for i, p := range picks[s.Frames[len(s.Frames)-1].ID] {
		if i == 0 && p.BestStep >= 0 {
			s.Best, s.Worst = p.BestStep, p.WorstStep
		}
		if p.BestStep >= 0 {
			s.Pick += fmt.Sprintf("%s picked step %d as the best and step %d as the worst of steps %s. ", p.Judge, p.BestStep, p.WorstStep, store.JoinSteps(p.Steps))
		} else {
			s.Pick += fmt.Sprintf("%s gave no valid pick (%s). ", p.Judge, p.Parsed)
		}
	}
	s.Pick = strings.TrimSpace(s.Pick)
	return s
}

// loadPicks indexes the best/worst picks by the last image of the chain.
func loadPicks(ctx context.Context, run *store.Run) (map[string][]store.Pick, error) {
	ps, err := run.Picks(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading picks: %w", err)
	}
	out := map[string][]store.Pick{}
	for _, p := range ps {
		out[p.ChainID] = append(out[p.ChainID], p)
	}
	return out, nil
}

// loadAccuracy sets the accuracy of each image of a prompt as its first
// judge (by name) scored it, for the galleries; the judgements in full are
// read for a group's page (withJudgements).
func loadAccuracy(ctx context.Context, db *store.DB, promptID string, byID map[string]*imageRow) error {
	return db.EachScore(ctx, promptID, func(sc store.ImageScore) error {
		if r := byID[sc.ImageID]; r != nil && r.Accuracy == "" && sc.Accuracy != nil {
			r.Accuracy = accuracyText(*sc.Accuracy)
		}
		return nil
	})
}

func accuracyText(v float64) string { return store.Intern(fmt.Sprintf("%.2f", v)) }

// withJudgements returns a copy of g whose frames carry their judges'
// scores and answers, read for this group alone: those of every image at
// once would hold the whole run in memory while the pages are written.
func withJudgements(ctx context.Context, db *store.DB, g Group) (Group, error) {
	byID := map[string][]*Frame{}
	own := func(fs []Frame) []Frame {
		out := make([]Frame, len(fs))
		for i, f := range fs {
			f.Judgements = nil
			out[i] = f
			byID[f.ID] = append(byID[f.ID], &out[i])
		}
		return out
	}
	g.Frames = own(g.Frames)
	strips := make([]Strip, len(g.Strips))
	for i, st := range g.Strips {
		st.Frames = own(st.Frames)
		strips[i] = st
	}
	g.Strips = strips
	err := db.EachScore(ctx, g.PromptID, func(sc store.ImageScore) error {
		j := Judge{Judge: sc.Judge, Attributed: sc.Attributed, Era: sc.Era, Rating: sc.Rating, Geotag: sc.Geotag, Context: sc.Context}
		if sc.Accuracy != nil {
			j.Accuracy = accuracyText(*sc.Accuracy)
		}
		for _, f := range byID[sc.ImageID] {
			f.Judgements = append(f.Judgements, j)
		}
		return nil
	})
	if err != nil {
		return Group{}, fmt.Errorf("reading the judgements of %s: %w", g.Page, err)
	}
	err = db.EachAnswer(ctx, store.AnswerQuery{ByImage: true, PromptID: g.PromptID}, func(sa store.StoredAnswer) error {
		a := Answer{Question: sa.Question, Expected: sa.Expected, Raw: sa.Raw, Parsed: sa.Parsed}
		if sa.Correct != nil {
			a.Verdict = map[bool]string{true: "right", false: "wrong"}[*sa.Correct]
		}
		for _, f := range byID[sa.ImageID] {
			i := 0
			for i < len(f.Judgements) && f.Judgements[i].Judge != sa.Judge {
				i++
			}
			if i == len(f.Judgements) { // a judgement that failed has answers but no score
				f.Judgements = append(f.Judgements, Judge{Judge: sa.Judge})
			}
			f.Judgements[i].Answers = append(f.Judgements[i].Answers, a)
		}
		return nil
	})
	if err != nil {
		return Group{}, fmt.Errorf("reading the answers of %s: %w", g.Page, err)
	}
	return g, nil
}

// Comparison is one subject drawn for every country: the figure a reader
// of the ECB paper expects, a row per country of one model's images of the
// same subcategory and variant.
type Comparison struct {
	Model       string          `json:"model"`
	Category    string          `json:"category"`
	Subcategory string          `json:"subcategory"`
	Variant     string          `json:"variant"`
	Rows        []ComparisonRow `json:"rows"`
}

// ComparisonRow is one country's images of a comparison.
type ComparisonRow struct {
	Country string  `json:"country"`
	Page    string  `json:"page"`
	Frames  []Frame `json:"frames"`
	Seeds   int     `json:"seeds"` // all of them, on the group's page
}

// comparisons arranges the country-specific groups by model, subcategory
// and variant, a row per country, in a stable order.
func comparisons(groups []Group) []Comparison {
	idx := map[[4]string]int{}
	var out []Comparison
	for _, g := range groups {
		if g.Set != prompts.SetCountry || g.Subcategory == "" {
			continue
		}
		k := [4]string{g.Model, g.Category, g.Subcategory, g.Variant}
		i, ok := idx[k]
		if !ok {
			i = len(out)
			idx[k] = i
			out = append(out, Comparison{Model: g.Model, Category: g.Category, Subcategory: g.Subcategory, Variant: g.Variant})
		}
		out[i].Rows = append(out[i].Rows, ComparisonRow{Country: g.Country, Page: g.Page, Frames: g.Frames, Seeds: g.Seeds})
	}
	for i := range out {
		sort.SliceStable(out[i].Rows, func(a, b int) bool { return out[i].Rows[a].Country < out[i].Rows[b].Country })
	}
	sort.SliceStable(out, func(a, b int) bool {
		x, y := out[a], out[b]
		return x.Model+"\x00"+x.Category+"\x00"+x.Subcategory+"\x00"+x.Variant < y.Model+"\x00"+y.Category+"\x00"+y.Subcategory+"\x00"+y.Variant
	})
	return out
}

// ChainComparison is one edit chain of one subject, a row per country (and
// target): the same edits read across cultures.
type ChainComparison struct {
	Model       string     `json:"model"`
	Editor      string     `json:"editor"`
	Chain       string     `json:"chain"`
	Category    string     `json:"category"`
	Subcategory string     `json:"subcategory"`
	Variant     string     `json:"variant"`
	Rows        []ChainRow `json:"rows"`
}

// ChainRow is one country's chain in a comparison: the strip from its
// first seed's image.
type ChainRow struct {
	Country string `json:"country"`
	Page    string `json:"page"`
	Strip   Strip  `json:"strip"`
}

// chainComparisons arranges the edit chains of country-specific groups by
// model, editor, chain, subject and variant, a row per country and target
// (the first seed's chain: a group's strips run in seed order), in a
// stable order.
func chainComparisons(groups []Group) []ChainComparison {
	idx := map[[6]string]int{}
	seen := map[[3]string]bool{}
	var out []ChainComparison
	for _, g := range groups {
		if g.Set != prompts.SetCountry || g.Subcategory == "" {
			continue
		}
		for _, st := range g.Strips {
			k := [6]string{g.Model, st.Editor, st.Chain, g.Category, g.Subcategory, g.Variant}
			row := [3]string{strings.Join(k[:], "\x00"), g.Country, st.Target}
			if seen[row] {
				continue
			}
			seen[row] = true
			i, ok := idx[k]
			if !ok {
				i = len(out)
				idx[k] = i
				out = append(out, ChainComparison{Model: g.Model, Editor: st.Editor, Chain: st.Chain, Category: g.Category, Subcategory: g.Subcategory, Variant: g.Variant})
			}
			out[i].Rows = append(out[i].Rows, ChainRow{Country: g.Country, Page: g.Page, Strip: st})
		}
	}
	for i := range out {
		sort.SliceStable(out[i].Rows, func(a, b int) bool {
			x, y := out[i].Rows[a], out[i].Rows[b]
			return x.Country+"\x00"+x.Strip.Target < y.Country+"\x00"+y.Strip.Target
		})
	}
	sort.SliceStable(out, func(a, b int) bool {
		x, y := out[a], out[b]
		return strings.Join([]string{x.Model, x.Editor, x.Chain, x.Category, x.Subcategory, x.Variant}, "\x00") <
			strings.Join([]string{y.Model, y.Editor, y.Chain, y.Category, y.Subcategory, y.Variant}, "\x00")
	})
	return out
}
