package store

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
	"unique"
)

// The typed reads below are every question the metrics, the summary, the
// report, the export and the review sheets ask of a run: the only SQL
// outside the writers.

// each runs a query and hands every row to scan.
func (db *DB) each(ctx context.Context, query string, args []any, scan func(*sql.Rows) error) error {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// keyed reads a two-column query into a map from the first column to the
// second.
func keyed[V any](ctx context.Context, db *DB, query string, args ...any) (map[string]V, error) {
	out := map[string]V{}
	err := db.each(ctx, query, args, func(rows *sql.Rows) error {
		var k string
		var v V
		if err := rows.Scan(&k, &v); err != nil {
			return err
		}
		out[k] = v
		return nil
	})
	return out, err
}

// JudgedImage is an image with one judge's score of it (Judge "" and no
// score when it was not judged).
type JudgedImage struct {
	Image
	Judge               string
	Accuracy            *float64
	Attributed, Era     string
	Rating              int
	Geotag              string
	Questions, Answered int
	// HasVector says the embedder asked for embedded the image; VectorsOf
	// reads the vectors a group at a time, so that an audit's embeddings
	// are never all in memory at once.
	HasVector bool
}

// EachJudgedImage calls fn for every image once per judge that scored it
// (once with an empty judge when none did), ordered by image and judge,
// with whether embedder embedded it, holding one at a time; repeated text
// comes interned.
func (db *DB) EachJudgedImage(ctx context.Context, embedder string, fn func(JudgedImage) error) error {
	err := db.each(ctx, `SELECT i.id, i.kind, i.model, i.prompt_set, i.country, i.target, i.category, i.variant, i.chain, i.step, i.status,
			s.accuracy, COALESCE(s.attributed, ''), COALESCE(s.era, ''), COALESCE(s.rating, 0), COALESCE(s.geotag, ''), i.parent_id, i.image_sha,
			EXISTS (SELECT 1 FROM embeddings e WHERE e.image_id = i.id AND e.embedder = ?),
			COALESCE(s.judge, ''), i.prompt_id, i.seed, COALESCE(s.questions, 0), COALESCE(s.answered, 0), i.language, i.subcategory
		FROM images i LEFT JOIN scores s ON s.image_id = i.id
		ORDER BY i.id, s.judge`, []any{embedder}, func(rows *sql.Rows) error {
		var r JudgedImage
		var acc sql.NullFloat64
		if err := rows.Scan(&r.ID, &r.Kind, &r.Model, &r.PromptSet, &r.Country, &r.Target, &r.Category, &r.Variant, &r.Chain, &r.Step, &r.Status,
			&acc, &r.Attributed, &r.Era, &r.Rating, &r.Geotag, &r.ParentID, &r.ImageSHA, &r.HasVector, &r.Judge, &r.PromptID, &r.Seed, &r.Questions, &r.Answered, &r.Language, &r.Subcategory); err != nil {
			return err
		}
		if acc.Valid {
			v := acc.Float64
			r.Accuracy = &v
		}
		for _, f := range []*string{&r.Kind, &r.Model, &r.PromptSet, &r.Country, &r.Target, &r.Category, &r.Variant, &r.Chain, &r.Status,
			&r.Attributed, &r.Era, &r.Geotag, &r.Judge, &r.PromptID, &r.Language, &r.Subcategory} {
			*f = Intern(*f)
		}
		return fn(r)
	})
	if err != nil {
		return fmt.Errorf("reading judged images: %w", err)
	}
	return nil
}

// EachImage calls fn for every image with a stored picture (status ok),
// by id, holding one at a time. Text that repeats across images (prompt,
// model, country, instruction, ...) comes interned: one copy however many
// images share it.
func (db *DB) EachImage(ctx context.Context, fn func(Image) error) error {
	return db.eachImage(ctx, "", nil, fn)
}

// EachImageOf is EachImage for the images of one prompt: its generated
// images and every edit made from them.
func (db *DB) EachImageOf(ctx context.Context, promptID string, fn func(Image) error) error {
	return db.eachImage(ctx, " AND prompt_id = ?", []any{promptID}, fn)
}

func (db *DB) eachImage(ctx context.Context, where string, args []any, fn func(Image) error) error {
	query := `SELECT id, kind, prompt_id, prompt_set, country, category, subcategory, variant, prompt, model, seed, chain, step, target, parent_id, instruction, status, image_sha, error_class, error, language
		FROM images WHERE status = 'ok' AND image_sha != ''` + where
	err := db.each(ctx, query+" ORDER BY id", args, func(rows *sql.Rows) error {
		var im Image
		if err := rows.Scan(&im.ID, &im.Kind, &im.PromptID, &im.PromptSet, &im.Country, &im.Category, &im.Subcategory, &im.Variant, &im.Prompt, &im.Model, &im.Seed,
			&im.Chain, &im.Step, &im.Target, &im.ParentID, &im.Instruction, &im.Status, &im.ImageSHA, &im.ErrorClass, &im.Error, &im.Language); err != nil {
			return err
		}
		for _, f := range []*string{&im.Kind, &im.PromptID, &im.PromptSet, &im.Country, &im.Category, &im.Subcategory, &im.Variant, &im.Prompt, &im.Model,
			&im.Chain, &im.Target, &im.Instruction, &im.Status, &im.ErrorClass, &im.Language} {
			*f = Intern(*f)
		}
		return fn(im)
	})
	if err != nil {
		return fmt.Errorf("reading images: %w", err)
	}
	return nil
}

// ImageGroup is a prompt and a text-to-image model with a generated
// image: what the report's gallery shows as a card and a page.
type ImageGroup struct {
	PromptID, Model, PromptSet, Country, Category, Variant, Prompt string
}

// ImageGroups lists the prompt groups of the images with a stored picture,
// by prompt and model: to lay out a gallery before reading its images a
// prompt at a time.
func (db *DB) ImageGroups(ctx context.Context) ([]ImageGroup, error) {
	var out []ImageGroup
	err := db.each(ctx, `SELECT DISTINCT prompt_id, model, prompt_set, country, category, variant, prompt FROM images
		WHERE status = 'ok' AND image_sha != '' AND kind = ? ORDER BY prompt_id, model`, []any{KindGenerated}, func(rows *sql.Rows) error {
		var g ImageGroup
		if err := rows.Scan(&g.PromptID, &g.Model, &g.PromptSet, &g.Country, &g.Category, &g.Variant, &g.Prompt); err != nil {
			return err
		}
		out = append(out, g)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading image groups: %w", err)
	}
	return out, nil
}

// Intern returns the one shared copy of s: rows read one by one carry the
// same prompt, question or retrieved notes thousands of times.
func Intern(s string) string { return unique.Make(s).Value() }

// ImageTexts maps every image to the text it was made from: its prompt, or
// for an edit its instruction.
func (db *DB) ImageTexts(ctx context.Context) (map[string]string, error) {
	out, err := keyed[string](ctx, db, `SELECT id, CASE WHEN kind = 'edit' THEN instruction ELSE prompt END FROM images`)
	if err != nil {
		return nil, fmt.Errorf("reading image texts: %w", err)
	}
	return out, nil
}

// CountOKImages counts the images recorded with a picture.
func (db *DB) CountOKImages(ctx context.Context) (int, error) {
	var n int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM images WHERE status = 'ok'`).Scan(&n); err != nil {
		return 0, fmt.Errorf("counting images: %w", err)
	}
	return n, nil
}

// SeedRepeat is how many images a prompt gave a model across seeds and how
// many of them differ.
type SeedRepeat struct {
	Model, PromptID  string
	Images, Distinct int
}

// SeedRepeats reads, per model and prompt with more than one generated
// image, how many were distinct, ordered by model and prompt.
func (db *DB) SeedRepeats(ctx context.Context) ([]SeedRepeat, error) {
	var out []SeedRepeat
	err := db.each(ctx, `SELECT model, prompt_id, COUNT(*), COUNT(DISTINCT image_sha) FROM images
		WHERE kind = 't2i' AND status = 'ok' GROUP BY model, prompt_id HAVING COUNT(*) > 1 ORDER BY model, prompt_id`, nil, func(rows *sql.Rows) error {
		var s SeedRepeat
		if err := rows.Scan(&s.Model, &s.PromptID, &s.Images, &s.Distinct); err != nil {
			return err
		}
		out = append(out, s)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading seed repeats: %w", err)
	}
	return out, nil
}

// StoredAnswer is a judge's answer about an image.
type StoredAnswer struct {
	ImageID, Judge string
	Answer
}

// AnswerQuery selects answers.
type AnswerQuery struct {
	// Kinds keeps answers of these kinds of question (all when empty).
	Kinds []string
	// Usable leaves out answers of failed calls (parsed "error").
	Usable bool
	// ByImage orders by image, judge and question; otherwise by judge,
	// kind, image and question.
	ByImage bool
	// PromptID keeps the answers about images of this prompt (all when
	// empty).
	PromptID string
}

// EachAnswer hands every answer the query selects to fn, in order.
func (db *DB) EachAnswer(ctx context.Context, q AnswerQuery, fn func(StoredAnswer) error) error {
	var where []string
	var args []any
	if len(q.Kinds) > 0 {
		where = append(where, "kind IN (?"+strings.Repeat(", ?", len(q.Kinds)-1)+")")
		for _, k := range q.Kinds {
			args = append(args, k)
		}
	}
	if q.Usable {
		where = append(where, "parsed != 'error'")
	}
	if q.PromptID != "" {
		where = append(where, "image_id IN (SELECT id FROM images WHERE prompt_id = ?)")
		args = append(args, q.PromptID)
	}
	query := `SELECT image_id, judge, qid, kind, question, expected, raw, parsed, correct, protocol, error_class, language FROM answers`
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	if q.ByImage {
		query += " ORDER BY image_id, judge, qid"
	} else {
		query += " ORDER BY judge, kind, image_id, qid"
	}
	err := db.each(ctx, query, args, func(rows *sql.Rows) error {
		var a StoredAnswer
		var correct sql.NullBool
		if err := rows.Scan(&a.ImageID, &a.Judge, &a.QID, &a.Kind, &a.Question, &a.Expected, &a.Raw, &a.Parsed, &correct, &a.Protocol, &a.ErrorClass, &a.Language); err != nil {
			return err
		}
		for _, f := range []*string{&a.Judge, &a.QID, &a.Kind, &a.Question, &a.Expected, &a.Raw, &a.Parsed, &a.Protocol, &a.ErrorClass, &a.Language} {
			*f = Intern(*f)
		}
		if correct.Valid {
			c := correct.Bool
			a.Correct = &c
		}
		return fn(a)
	})
	if err != nil {
		return fmt.Errorf("reading answers: %w", err)
	}
	return nil
}

// ImageScore is one judge's score of an image, as the report shows it.
type ImageScore struct {
	ImageID, Judge string
	Score
}

// EachScore calls fn for every judge's score of every image (of the
// prompt promptID only, unless it is empty), by image and judge, holding
// one at a time; repeated text comes interned.
func (db *DB) EachScore(ctx context.Context, promptID string, fn func(ImageScore) error) error {
	where, args := "", []any(nil)
	if promptID != "" {
		where, args = " WHERE image_id IN (SELECT id FROM images WHERE prompt_id = ?)", []any{promptID}
	}
	err := db.each(ctx, `SELECT image_id, judge, questions, answered, tp, fp, tn, fn, accuracy, attributed, era, rating, geotag, context FROM scores`+where+` ORDER BY image_id, judge`, args, func(rows *sql.Rows) error {
		var s ImageScore
		var acc sql.NullFloat64
		if err := rows.Scan(&s.ImageID, &s.Judge, &s.Questions, &s.Answered, &s.TP, &s.FP, &s.TN, &s.FN, &acc, &s.Attributed, &s.Era, &s.Rating, &s.Geotag, &s.Context); err != nil {
			return err
		}
		if acc.Valid {
			v := acc.Float64
			s.Accuracy = &v
		}
		for _, f := range []*string{&s.Judge, &s.Attributed, &s.Era, &s.Geotag, &s.Context} {
			*f = Intern(*f)
		}
		return fn(s)
	})
	if err != nil {
		return fmt.Errorf("reading scores: %w", err)
	}
	return nil
}

// Per-image means the review agreement compares reviewers' ratings with.
const (
	MeanAccuracy = "accuracy"      // judge accuracy, mean over judges
	MeanRating   = "rating"        // judge 1-5 cultural rating, mean over judges
	MeanQuality  = "quality"       // scorer rating, mean over scorers
	SSIMToStart  = "ssim_to_step0" // an edit's SSIM to its chain's first image
)

// PerImage reads one of the per-image figures above, by image id.
func (db *DB) PerImage(ctx context.Context, figure string) (map[string]float64, error) {
	queries := map[string]string{
		MeanAccuracy: `SELECT image_id, AVG(accuracy) FROM scores WHERE accuracy IS NOT NULL GROUP BY image_id`,
		MeanRating:   `SELECT image_id, AVG(rating) FROM scores WHERE rating > 0 GROUP BY image_id`,
		MeanQuality:  `SELECT image_id, AVG(score) FROM quality_scores GROUP BY image_id`,
		SSIMToStart:  `SELECT image_id, ssim FROM drift WHERE against = 'step0'`,
	}
	q, ok := queries[figure]
	if !ok {
		return nil, fmt.Errorf("no per-image figure %q", figure)
	}
	out, err := keyed[float64](ctx, db, q)
	if err != nil {
		return nil, fmt.Errorf("reading %s per image: %w", figure, err)
	}
	return out, nil
}

// HumanCulturalRatings reads each image's mean Cultural Representation
// over the reviewers' current ratings.
func (db *DB) HumanCulturalRatings(ctx context.Context) (map[string]float64, error) {
	out, err := keyed[float64](ctx, db, `SELECT ri.image_id, AVG(r.cultural) FROM ratings r
		JOIN review_imports i ON i.file_sha = r.file_sha JOIN review_items ri ON ri.item_id = r.item_id
		WHERE i.superseded_by = '' AND r.cultural IS NOT NULL GROUP BY ri.image_id`)
	if err != nil {
		return nil, fmt.Errorf("reading human ratings: %w", err)
	}
	return out, nil
}

// QualityScore is a scorer's rating of an image.
type QualityScore struct {
	ImageID, Scorer string
	Score           float64
}

// QualityScores reads every scorer rating, by scorer and image.
func (db *DB) QualityScores(ctx context.Context) ([]QualityScore, error) {
	var out []QualityScore
	err := db.each(ctx, `SELECT image_id, scorer, score FROM quality_scores ORDER BY scorer, image_id`, nil, func(rows *sql.Rows) error {
		var q QualityScore
		if err := rows.Scan(&q.ImageID, &q.Scorer, &q.Score); err != nil {
			return err
		}
		out = append(out, q)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading quality scores: %w", err)
	}
	return out, nil
}

// Embedding is a stored vector: of an image (ImageID) or of a text (Text).
type Embedding struct {
	Embedder, ImageID, Text string
	Vector                  []float64
}

// TextEmbeddings reads every text embedding, by embedder and text.
func (db *DB) TextEmbeddings(ctx context.Context) ([]Embedding, error) {
	var out []Embedding
	err := db.each(ctx, `SELECT embedder, text, vector FROM text_embeddings ORDER BY embedder, text`, nil, func(rows *sql.Rows) error {
		var e Embedding
		var v []byte
		if err := rows.Scan(&e.Embedder, &e.Text, &v); err != nil {
			return err
		}
		e.Vector = DecodeVector(v)
		out = append(out, e)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading text embeddings: %w", err)
	}
	return out, nil
}

// vectorBatch is how many images one VectorsOf query names at most: well
// under SQLite's 32,766 bound parameters.
const vectorBatch = 512

// VectorsOf reads the embeddings by embedder of the given images, keyed by
// image id (an image it did not embed is absent).
func (db *DB) VectorsOf(ctx context.Context, embedder string, ids []string) (map[string][]float64, error) {
	out := make(map[string][]float64, len(ids))
	for start := 0; start < len(ids); start += vectorBatch {
		batch := ids[start:min(start+vectorBatch, len(ids))]
		// The list is padded (with its last id) to a power of two, so that
		// a handful of query texts, each prepared once, serve every group.
		width := 1
		for width < len(batch) {
			width *= 2
		}
		args := make([]any, 0, width+1)
		args = append(args, embedder)
		for i := 0; i < width; i++ {
			args = append(args, batch[min(i, len(batch)-1)])
		}
		query := `SELECT image_id, vector FROM embeddings WHERE embedder = ? AND image_id IN (?` + strings.Repeat(", ?", width-1) + `)`
		err := db.each(ctx, query, args, func(rows *sql.Rows) error {
			var id string
			var v sql.RawBytes // decoded at once: no copy of the blob
			if err := rows.Scan(&id, &v); err != nil {
				return err
			}
			out[id] = DecodeVector(v)
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("reading embeddings by %s: %w", embedder, err)
		}
	}
	return out, nil
}

// ImageEmbeddings reads every image embedding of the given embedders (all
// when none is given), by embedder and image.
func (db *DB) ImageEmbeddings(ctx context.Context, embedders ...string) ([]Embedding, error) {
	query, args := `SELECT image_id, embedder, vector FROM embeddings`, []any{}
	if len(embedders) > 0 {
		query += " WHERE embedder IN (?" + strings.Repeat(", ?", len(embedders)-1) + ")"
		for _, e := range embedders {
			args = append(args, e)
		}
	}
	var out []Embedding
	err := db.each(ctx, query+" ORDER BY embedder, image_id", args, func(rows *sql.Rows) error {
		var e Embedding
		var v []byte
		if err := rows.Scan(&e.ImageID, &e.Embedder, &v); err != nil {
			return err
		}
		e.Vector = DecodeVector(v)
		out = append(out, e)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading image embeddings: %w", err)
	}
	return out, nil
}

// FirstImageEmbedder is the first embedder by name that embedded an image
// ("" when none did).
func (db *DB) FirstImageEmbedder(ctx context.Context) (string, error) {
	var name string
	if err := db.QueryRowContext(ctx, `SELECT COALESCE(MIN(embedder), '') FROM embeddings`).Scan(&name); err != nil {
		return "", fmt.Errorf("reading embedders: %w", err)
	}
	return name, nil
}

// StageCalls counts a stage's calls.
type StageCalls struct {
	Stage           string
	Made, CacheHits int64
	Failed, Refused int64
	CostUSD         float64
}

// CallsByStage counts calls per stage, in pipeline order.
func (db *DB) CallsByStage(ctx context.Context) ([]StageCalls, error) {
	var out []StageCalls
	err := db.each(ctx, `SELECT stage, SUM(CASE WHEN cache_hit = 0 AND status != 'skipped' THEN 1 ELSE 0 END), SUM(cache_hit),
		SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END), SUM(CASE WHEN status = 'refused' THEN 1 ELSE 0 END), SUM(cost_usd)
		FROM calls GROUP BY stage ORDER BY CASE stage WHEN 'generate' THEN 0 WHEN 'edit' THEN 1 WHEN 'judge' THEN 2 ELSE 3 END`, nil, func(rows *sql.Rows) error {
		var s StageCalls
		if err := rows.Scan(&s.Stage, &s.Made, &s.CacheHits, &s.Failed, &s.Refused, &s.CostUSD); err != nil {
			return err
		}
		out = append(out, s)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("counting calls: %w", err)
	}
	return out, nil
}

// FailuresByClass counts failed calls per error class.
func (db *DB) FailuresByClass(ctx context.Context) (map[string]int64, error) {
	out, err := keyed[int64](ctx, db, `SELECT error_class, COUNT(*) FROM calls WHERE status = 'failed' GROUP BY error_class ORDER BY error_class`)
	if err != nil {
		return nil, fmt.Errorf("counting failures: %w", err)
	}
	return out, nil
}

// Untranslated counts the prompts whose translation into another
// language failed and that have none recorded: the run left them out.
// Classes are the failure classes their calls met.
func (db *DB) Untranslated(ctx context.Context) (n int, classes []string, err error) {
	const failed = `FROM calls WHERE stage = 'translate' AND status = 'failed' AND task_id LIKE 'translate:t-%' AND task_id NOT LIKE '%:back'
		AND substr(task_id, 11) NOT IN (SELECT id FROM translations)`
	if err := db.QueryRowContext(ctx, `SELECT COUNT(DISTINCT task_id) `+failed).Scan(&n); err != nil {
		return 0, nil, fmt.Errorf("counting untranslated prompts: %w", err)
	}
	if n == 0 {
		return 0, nil, nil
	}
	byClass, err := keyed[int64](ctx, db, `SELECT error_class, COUNT(*) `+failed+` GROUP BY error_class ORDER BY error_class`)
	if err != nil {
		return 0, nil, fmt.Errorf("counting untranslated prompts: %w", err)
	}
	return n, slices.Sorted(maps.Keys(byClass)), nil
}

// CallCounts are a run's call records: made (sent to an endpoint, not
// answered from the cache), answered from the cache, failed, and made at
// or after a moment.
type CallCounts struct {
	Made, CacheHits, Failed, MadeSince int
}

// CountCalls counts the call records, in one statement so that the counts
// agree with each other.
func (db *DB) CountCalls(ctx context.Context, since time.Time) (CallCounts, error) {
	var c CallCounts
	err := db.QueryRowContext(ctx, `SELECT
		COALESCE(SUM(CASE WHEN cache_hit = 0 AND status != 'skipped' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN cache_hit != 0 THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN cache_hit = 0 AND status != 'skipped' AND at >= ? THEN 1 ELSE 0 END), 0)
		FROM calls`, since.UTC().Format(StampFormat)).Scan(&c.Made, &c.CacheHits, &c.Failed, &c.MadeSince)
	if err != nil {
		return c, fmt.Errorf("counting calls: %w", err)
	}
	return c, nil
}

// CountSettledTasks counts the recorded tasks that need no more work: done,
// refused, or failed other than transiently.
func (db *DB) CountSettledTasks(ctx context.Context) (int64, error) {
	var n int64
	err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM tasks WHERE status IN ('ok', 'refused') OR (status = 'failed' AND error_class != 'transient')`).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("counting tasks: %w", err)
	}
	return n, nil
}
