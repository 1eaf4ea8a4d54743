package reports

import (
	"context"
	"fmt"
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
}

type imageRow struct {
	Frame
	kind, promptID, set, country, category, subcategory, variant, prompt, chain, target, parent string
}

// loadGroups reads every successful image with its judgements and
// arranges them by prompt group, in a stable order.
func loadGroups(ctx context.Context, run *store.Run) ([]Group, error) {
	db := run.DB()
	byID := map[string]*imageRow{}
	var order []*imageRow
	err := db.EachImage(ctx, func(im store.Image) error {
		r := &imageRow{Frame: Frame{ID: im.ID, Model: im.Model, Seed: im.Seed, Step: im.Step, Instruction: im.Instruction, SHA: im.ImageSHA},
			kind: im.Kind, promptID: im.PromptID, set: im.PromptSet, country: im.Country, category: im.Category, subcategory: im.Subcategory, variant: im.Variant,
			prompt: im.Prompt, chain: im.Chain, target: im.Target, parent: im.ParentID}
		byID[r.ID] = r
		order = append(order, r)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := loadAccuracy(ctx, db, byID); err != nil {
		return nil, err
	}
	picks, err := loadPicks(ctx, run)
	if err != nil {
		return nil, err
	}
	groups := map[string]*Group{}
	var keys []string
	for _, r := range order {
		if r.kind != store.KindGenerated {
			continue
		}
		k := r.promptID + "\x00" + r.Model
		g, ok := groups[k]
		if !ok {
			id := prompts.ContentID(r.promptID, r.Model)
			g = &Group{ID: id, PromptID: r.promptID, Page: "groups/" + id + ".html", Prompt: r.prompt, Model: r.Model, Set: r.set, Country: r.country, Category: r.category, Subcategory: r.subcategory, Variant: r.variant}
			groups[k] = g
			keys = append(keys, k)
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
	for _, k := range keys {
		g := groups[k]
		sort.SliceStable(g.Frames, func(i, j int) bool { return g.Frames[i].Seed < g.Frames[j].Seed })
		for _, base := range g.Frames {
			for _, first := range children[base.ID] {
				if first.Step != 1 {
					continue
				}
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
				g.Strips = append(g.Strips, s)
			}
		}
		sort.SliceStable(g.Strips, func(i, j int) bool {
			a, b := g.Strips[i], g.Strips[j]
			return a.Editor+"\x00"+a.Chain+"\x00"+a.Target < b.Editor+"\x00"+b.Chain+"\x00"+b.Target
		})
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := groups[keys[i]], groups[keys[j]]
		ka := a.Set + "\x00" + a.Country + "\x00" + a.Category + "\x00" + a.Variant + "\x00" + a.Prompt + "\x00" + a.Model
		kb := b.Set + "\x00" + b.Country + "\x00" + b.Category + "\x00" + b.Variant + "\x00" + b.Prompt + "\x00" + b.Model
		return ka < kb
	})
	out := make([]Group, len(keys))
	for i, k := range keys {
		out[i] = *groups[k]
	}
	return out, nil
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

// loadAccuracy sets each image's accuracy as its first judge (by name)
// scored it, for the galleries; the judgements in full are read a group at
// a time (withJudgements).
func loadAccuracy(ctx context.Context, db *store.DB, byID map[string]*imageRow) error {
	return db.EachScore(ctx, "", func(sc store.ImageScore) error {
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
		out[i].Rows = append(out[i].Rows, ComparisonRow{Country: g.Country, Page: g.Page, Frames: g.Frames})
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
