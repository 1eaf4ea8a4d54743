package reports

import (
	"context"
	"database/sql"
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
}

// Group is a prompt and a text-to-image model: its images over seeds and
// the edit chains that start from them. It has a page of its own.
type Group struct {
	ID       string  `json:"id"`
	PromptID string  `json:"prompt_id"`
	Page     string  `json:"page"`
	Prompt   string  `json:"prompt"`
	Model    string  `json:"model"`
	Set      string  `json:"set"`
	Country  string  `json:"country"`
	Category string  `json:"category"`
	Variant  string  `json:"variant"`
	Frames   []Frame `json:"frames"`
	Strips   []Strip `json:"strips,omitempty"`
}

type imageRow struct {
	Frame
	kind, promptID, set, country, category, variant, prompt, chain, target, parent string
}

// loadGroups reads every successful image with its judgements and
// arranges them by prompt group, in a stable order.
func loadGroups(ctx context.Context, run *store.Run) ([]Group, error) {
	db := run.DB()
	rows, err := db.QueryContext(ctx, `SELECT id, kind, prompt_id, prompt_set, country, category, variant, prompt, model, seed, step, chain, target, parent_id, instruction, image_sha
		FROM images WHERE status = 'ok' AND image_sha != '' ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("reading images: %w", err)
	}
	byID := map[string]*imageRow{}
	var order []*imageRow
	for rows.Next() {
		r := &imageRow{}
		if err := rows.Scan(&r.ID, &r.kind, &r.promptID, &r.set, &r.country, &r.category, &r.variant, &r.prompt, &r.Model, &r.Seed, &r.Step, &r.chain, &r.target, &r.parent, &r.Instruction, &r.SHA); err != nil {
			rows.Close()
			return nil, fmt.Errorf("reading images: %w", err)
		}
		byID[r.ID] = r
		order = append(order, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if err := loadJudgements(ctx, db, byID); err != nil {
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
			g = &Group{ID: id, PromptID: r.promptID, Page: "groups/" + id + ".html", Prompt: r.prompt, Model: r.Model, Set: r.set, Country: r.country, Category: r.category, Variant: r.variant}
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
				s := Strip{Editor: first.Model, Chain: first.chain, Target: first.target, Frames: []Frame{base}}
				steps := store.FollowChain(first, func(r *imageRow) []*imageRow { return children[r.ID] },
					func(c *imageRow) bool {
						return c.chain == first.chain && c.Model == first.Model && c.target == first.target
					})
				for _, r := range steps {
					s.Frames = append(s.Frames, r.Frame)
				}
				for _, p := range picks[s.Frames[len(s.Frames)-1].ID] {
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

func loadJudgements(ctx context.Context, db *store.DB, byID map[string]*imageRow) error {
	rows, err := db.QueryContext(ctx, `SELECT image_id, judge, accuracy, attributed, era, rating, geotag, context FROM scores ORDER BY image_id, judge`)
	if err != nil {
		return fmt.Errorf("reading scores: %w", err)
	}
	for rows.Next() {
		var id string
		var j Judge
		var acc sql.NullFloat64
		if err := rows.Scan(&id, &j.Judge, &acc, &j.Attributed, &j.Era, &j.Rating, &j.Geotag, &j.Context); err != nil {
			rows.Close()
			return err
		}
		if acc.Valid {
			j.Accuracy = fmt.Sprintf("%.2f", acc.Float64)
		}
		if r := byID[id]; r != nil {
			if r.Accuracy == "" {
				r.Accuracy = j.Accuracy
			}
			r.Judgements = append(r.Judgements, j)
		}
	}
	rows.Close()
	rows, err = db.QueryContext(ctx, `SELECT image_id, judge, question, expected, raw, parsed, correct FROM answers ORDER BY image_id, judge, qid`)
	if err != nil {
		return fmt.Errorf("reading answers: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, judge string
		var a Answer
		var correct sql.NullBool
		if err := rows.Scan(&id, &judge, &a.Question, &a.Expected, &a.Raw, &a.Parsed, &correct); err != nil {
			return err
		}
		if correct.Valid {
			a.Verdict = map[bool]string{true: "right", false: "wrong"}[correct.Bool]
		}
		r := byID[id]
		if r == nil {
			continue
		}
		i := 0
		for i < len(r.Judgements) && r.Judgements[i].Judge != judge {
			i++
		}
		if i == len(r.Judgements) { // a judgement that failed has answers but no score
			r.Judgements = append(r.Judgements, Judge{Judge: judge})
		}
		r.Judgements[i].Answers = append(r.Judgements[i].Answers, a)
	}
	return rows.Err()
}
