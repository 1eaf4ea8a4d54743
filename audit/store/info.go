package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
)

// RunInfo is what a run records about itself when it starts: the spec it
// ran, how it ran, and the analysis settings its metrics read later.
// It lives in the meta table, one row per field, under the keys below.
type RunInfo struct {
	Name     string
	Spec     string // the spec's text as it was run
	SpecFile string
	// Output is the spec's output folder, as written: where the run's
	// report, exports and sheets go by default.
	Output      string
	ToolVersion string
	StartedAt   string
	// PlannedImages is how many images the plan holds.
	PlannedImages int
	// Fresh: the run redoes what the store holds; its workers do too.
	Fresh bool
	// CacheDir is the cache holding the run's responses and images.
	CacheDir string
	// GlobalNorth, Quality, Embedder and DropFlagged are the spec's
	// analysis and judge settings the metrics read.
	GlobalNorth []string
	Quality     string
	Embedder    string
	DropFlagged bool
	// Acceptable holds analysis.acceptable's thresholds by source
	// (judge_accuracy, judge_rating, reviewer_rating; absent: not used).
	Acceptable map[string]float64
	// StoryLexicon holds the stories' lexicon files (name, text);
	// StorySimilarity the stories' similarity method.
	StoryLexicon    [][2]string
	StorySimilarity string
	// LanguageNames names the prompt languages of the run by their codes
	// (as its schema does: "am" is "Amharic"), for findings and reports.
	LanguageNames map[string]string
}

// Meta keys of the run's own records beside RunInfo.
const (
	metaRunID      = "run_id"
	metaPerceptual = "perceptual_duplicates"
)

// SetInfo records the run's information, replacing what an earlier start
// recorded.
func (r *Run) SetInfo(info RunInfo) error {
	gn, err := json.Marshal(info.GlobalNorth)
	if err != nil {
		return err
	}
	lex := []byte("")
	if info.StoryLexicon != nil {
		if lex, err = json.Marshal(info.StoryLexicon); err != nil {
			return err
		}
	}
	acc, err := json.Marshal(info.Acceptable)
	if err != nil {
		return err
	}
	langs, err := json.Marshal(info.LanguageNames)
	if err != nil {
		return err
	}
	return r.setMeta(map[string]string{
		"acceptable":       string(acc),
		"language_names":   string(langs),
		"name":             info.Name,
		"spec":             info.Spec,
		"spec_file":        info.SpecFile,
		"output":           info.Output,
		"tool_version":     info.ToolVersion,
		"started_at":       info.StartedAt,
		"planned_images":   strconv.Itoa(info.PlannedImages),
		"fresh":            strconv.FormatBool(info.Fresh),
		"cache_dir":        info.CacheDir,
		"global_north":     string(gn),
		"quality":          info.Quality,
		"embedder":         info.Embedder,
		"drop_flagged":     strconv.FormatBool(info.DropFlagged),
		"story_lexicon":    string(lex),
		"story_similarity": info.StorySimilarity,
	})
}

// Info reads the run's information; a run that never started has the zero
// RunInfo.
func (r *Run) Info(ctx context.Context) (RunInfo, error) {
	m, err := r.allMeta(ctx)
	if err != nil {
		return RunInfo{}, fmt.Errorf("reading the run's information: %w", err)
	}
	info := RunInfo{
		Name: m["name"], Spec: m["spec"], SpecFile: m["spec_file"], Output: m["output"], ToolVersion: m["tool_version"], StartedAt: m["started_at"],
		Fresh: m["fresh"] == "true", CacheDir: m["cache_dir"], Quality: m["quality"], Embedder: m["embedder"],
		DropFlagged: m["drop_flagged"] == "true", StorySimilarity: m["story_similarity"],
	}
	if v := m["planned_images"]; v != "" {
		if info.PlannedImages, err = strconv.Atoi(v); err != nil {
			return info, fmt.Errorf("the run's planned_images %q is not a number", v)
		}
	}
	if v := m["global_north"]; v != "" && v != "null" {
		if err := json.Unmarshal([]byte(v), &info.GlobalNorth); err != nil {
			return info, fmt.Errorf("the run's global_north: %w", err)
		}
	}
	if v := m["acceptable"]; v != "" && v != "null" {
		if err := json.Unmarshal([]byte(v), &info.Acceptable); err != nil {
			return info, fmt.Errorf("the run's acceptable thresholds: %w", err)
		}
	}
	if v := m["language_names"]; v != "" && v != "null" {
		if err := json.Unmarshal([]byte(v), &info.LanguageNames); err != nil {
			return info, fmt.Errorf("the run's language_names: %w", err)
		}
	}
	if v := m["story_lexicon"]; v != "" && v != "null" {
		if err := json.Unmarshal([]byte(v), &info.StoryLexicon); err != nil {
			return info, fmt.Errorf("the run's story_lexicon: %w", err)
		}
	}
	return info, nil
}

// SetPerceptualDuplicates records, per model, how many images look the
// same as another seed's image of the same prompt without being
// byte-identical.
func (r *Run) SetPerceptualDuplicates(counts map[string]int) error {
	b, err := json.Marshal(counts)
	if err != nil {
		return err
	}
	return r.setMeta(map[string]string{metaPerceptual: string(b)})
}

// PerceptualDuplicates reads what SetPerceptualDuplicates recorded (nil
// when nothing was).
func (r *Run) PerceptualDuplicates(ctx context.Context) (map[string]int, error) {
	v, err := r.meta(ctx, metaPerceptual)
	if err != nil || v == "" {
		return nil, err
	}
	var out map[string]int
	if err := json.Unmarshal([]byte(v), &out); err != nil {
		return nil, fmt.Errorf("the run's perceptual duplicate counts: %w", err)
	}
	return out, nil
}

// StoredID reads the run's identity without making one ("" when none was
// made): for readers that record nothing.
func (r *Run) StoredID(ctx context.Context) (string, error) {
	return r.meta(ctx, metaRunID)
}

func (r *Run) allMeta(ctx context.Context) (map[string]string, error) {
	return keyed[string](ctx, r.db, `SELECT key, value FROM meta`)
}
