package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
)

// Story is one story a model wrote for an identity, with the story chain's
// characters and scene prompts and the LLM's rating when asked.
type Story struct {
	ID, PromptID, Country, Concept, Qualifier, Identity string
	Prompt, Model                                       string
	Mode                                                string // "text", or "image" when written looking at ContextImage
	ContextImage                                        string
	Seed                                                int64
	Status, ErrorClass, Error                           string
	Text                                                string
	Characters, ScenePrompts                            []string
	ChainRaw                                            string // the LLM's raw answers of the chain
	Rating                                              int
	RatingPrompt, RatingRaw                             string
}

// PutStory records a story (or its failure) and completes its task.
func (r *Run) PutStory(taskID string, s Story) error {
	return r.w.do(func(tx *Tx) error {
		if err := r.w.exec(tx, `INSERT OR REPLACE INTO stories(id, prompt_id, country, concept, qualifier, identity, prompt, model, mode, context_image, seed, status, error_class, error, text) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			s.ID, s.PromptID, s.Country, s.Concept, s.Qualifier, s.Identity, s.Prompt, s.Model, s.Mode, s.ContextImage, s.Seed, s.Status, s.ErrorClass, s.Error, s.Text); err != nil {
			return err
		}
		return markTask(r.w, tx, taskID, "story", s.Status, s.ErrorClass)
	})
}

// PutStoryChain records a story's characters and scene prompts.
func (r *Run) PutStoryChain(taskID, storyID string, characters, scenes []string, raw, status, class string) error {
	c, _ := json.Marshal(nonNil(characters))
	sc, _ := json.Marshal(nonNil(scenes))
	return r.w.do(func(tx *Tx) error {
		if err := r.w.exec(tx, `UPDATE stories SET characters = ?, scene_prompts = ?, chain_raw = ? WHERE id = ?`, string(c), string(sc), raw, storyID); err != nil {
			return err
		}
		return markTask(r.w, tx, taskID, "storychain", status, class)
	})
}

// PutStoryRating records the LLM's 1-5 rating of a story (0: none) with
// the prompt it answered.
func (r *Run) PutStoryRating(taskID, storyID string, rating int, prompt, raw, status, class string) error {
	return r.w.do(func(tx *Tx) error {
		if err := r.w.exec(tx, `UPDATE stories SET rating = ?, rating_prompt = ?, rating_raw = ? WHERE id = ?`, rating, prompt, raw, storyID); err != nil {
			return err
		}
		return markTask(r.w, tx, taskID, "storyrate", status, class)
	})
}

func nonNil(xs []string) []string {
	if xs == nil {
		return []string{}
	}
	return xs
}

const storyCols = `id, prompt_id, country, concept, qualifier, identity, prompt, model, mode, context_image, seed, status, error_class, error, text, characters, scene_prompts, chain_raw, rating, rating_prompt, rating_raw`

func scanStory(rows interface{ Scan(...any) error }) (Story, error) {
	var s Story
	var chars, scenes string
	err := rows.Scan(&s.ID, &s.PromptID, &s.Country, &s.Concept, &s.Qualifier, &s.Identity, &s.Prompt, &s.Model, &s.Mode, &s.ContextImage, &s.Seed,
		&s.Status, &s.ErrorClass, &s.Error, &s.Text, &chars, &scenes, &s.ChainRaw, &s.Rating, &s.RatingPrompt, &s.RatingRaw)
	if err == nil {
		json.Unmarshal([]byte(chars), &s.Characters)
		json.Unmarshal([]byte(scenes), &s.ScenePrompts)
	}
	return s, err
}

// GetStory reads one story, or nil.
func (r *Run) GetStory(ctx context.Context, id string) (*Story, error) {
	s, err := scanStory(r.db.QueryRowContext(ctx, `SELECT `+storyCols+` FROM stories WHERE id = ?`, id))
	if err == sql.ErrNoRows {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &s, nil
}

// Stories reads every story in a stable order.
func (r *Run) Stories(ctx context.Context) ([]Story, error) {
	rows, err := r.db.QueryContext(ctx, `SELECT `+storyCols+` FROM stories ORDER BY country, prompt_id, model, seed, id`)
	if err != nil {
		if strings.Contains(err.Error(), "no such table") { // an older store opened read-only
			return nil, nil
		}
		return nil, err
	}
	defer rows.Close()
	var out []Story
	for rows.Next() {
		s, err := scanStory(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// StorySimilarity is the mean similarity of stories for nationality A with
// those for B (A = B: distinct pairs within A).
type StorySimilarity struct {
	Model, A, B, Method string
	Value               float64
	N                   int // pairs
}

// StoryWord is a word distinctive of a nationality's stories.
type StoryWord struct {
	Model, Country string
	Rank           int
	Word           string
	Score          float64
}

// ReplaceStoryAnalysis swaps the similarity and distinctive-word tables.
func (r *Run) ReplaceStoryAnalysis(sims []StorySimilarity, words []StoryWord) error {
	return r.w.do(func(tx *Tx) error {
		for _, q := range []string{`DELETE FROM story_similarity`, `DELETE FROM story_words`} {
			if _, err := tx.Exec(q); err != nil {
				return err
			}
		}
		for _, s := range sims {
			if _, err := tx.Exec(`INSERT INTO story_similarity(model, a, b, method, value, n) VALUES (?, ?, ?, ?, ?, ?)`, s.Model, s.A, s.B, s.Method, s.Value, s.N); err != nil {
				return err
			}
		}
		for _, w := range words {
			if _, err := tx.Exec(`INSERT INTO story_words(model, country, rank, word, score) VALUES (?, ?, ?, ?, ?)`, w.Model, w.Country, w.Rank, w.Word, w.Score); err != nil {
				return err
			}
		}
		return nil
	})
}

// StoryAnalysis reads the similarity and distinctive-word tables.
func (r *Run) StoryAnalysis(ctx context.Context) ([]StorySimilarity, []StoryWord, error) {
	var sims []StorySimilarity
	rows, err := r.db.QueryContext(ctx, `SELECT model, a, b, method, value, n FROM story_similarity ORDER BY model, a, b`)
	if err != nil {
		if strings.Contains(err.Error(), "no such table") {
			return nil, nil, nil
		}
		return nil, nil, err
	}
	for rows.Next() {
		var s StorySimilarity
		if err := rows.Scan(&s.Model, &s.A, &s.B, &s.Method, &s.Value, &s.N); err != nil {
			rows.Close()
			return nil, nil, err
		}
		sims = append(sims, s)
	}
	rows.Close()
	var words []StoryWord
	rows, err = r.db.QueryContext(ctx, `SELECT model, country, rank, word, score FROM story_words ORDER BY model, country, rank`)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var w StoryWord
		if err := rows.Scan(&w.Model, &w.Country, &w.Rank, &w.Word, &w.Score); err != nil {
			return nil, nil, err
		}
		words = append(words, w)
	}
	return sims, words, rows.Err()
}
