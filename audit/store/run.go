package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"time"
)

// Run is the store of one audit run: run_dir/store.db.
type Run struct {
	db  *DB
	w   *writer
	Dir string
}

const runSchema = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tasks (
	id          TEXT PRIMARY KEY,
	stage       TEXT NOT NULL,
	status      TEXT NOT NULL,
	error_class TEXT NOT NULL DEFAULT '',
	done_at     TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS images (
	id          TEXT PRIMARY KEY,
	kind        TEXT NOT NULL,
	prompt_id   TEXT NOT NULL,
	prompt_set  TEXT NOT NULL,
	country     TEXT NOT NULL,
	category    TEXT NOT NULL,
	subcategory TEXT NOT NULL,
	variant     TEXT NOT NULL,
	prompt      TEXT NOT NULL,
	model       TEXT NOT NULL,
	seed        INTEGER NOT NULL,
	chain       TEXT NOT NULL DEFAULT '',
	step        INTEGER NOT NULL DEFAULT 0,
	target      TEXT NOT NULL DEFAULT '',
	parent_id   TEXT NOT NULL DEFAULT '',
	instruction TEXT NOT NULL DEFAULT '',
	status      TEXT NOT NULL,
	image_sha   TEXT NOT NULL DEFAULT '',
	error_class TEXT NOT NULL DEFAULT '',
	error       TEXT NOT NULL DEFAULT '',
	language    TEXT NOT NULL DEFAULT 'en'
);
CREATE INDEX IF NOT EXISTS images_prompt ON images(prompt_id);
CREATE TABLE IF NOT EXISTS calls (
	id            INTEGER PRIMARY KEY AUTOINCREMENT,
	task_id       TEXT NOT NULL,
	stage         TEXT NOT NULL,
	endpoint      TEXT NOT NULL,
	model_version TEXT NOT NULL DEFAULT '',
	request_key   TEXT NOT NULL,
	status        TEXT NOT NULL,
	error_class   TEXT NOT NULL DEFAULT '',
	error         TEXT NOT NULL DEFAULT '',
	attempts      INTEGER NOT NULL,
	latency_ms    REAL NOT NULL,
	input_tokens  INTEGER NOT NULL DEFAULT 0,
	output_tokens INTEGER NOT NULL DEFAULT 0,
	images        INTEGER NOT NULL DEFAULT 0,
	cost_usd      REAL NOT NULL DEFAULT 0,
	cache_hit     INTEGER NOT NULL DEFAULT 0,
	at            TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS calls_task ON calls(task_id);
CREATE INDEX IF NOT EXISTS calls_key ON calls(request_key);
CREATE TABLE IF NOT EXISTS answers (
	image_id TEXT NOT NULL,
	judge    TEXT NOT NULL,
	qid      TEXT NOT NULL,
	kind     TEXT NOT NULL,
	question TEXT NOT NULL,
	expected TEXT NOT NULL,
	raw      TEXT NOT NULL,
	parsed   TEXT NOT NULL,
	correct  INTEGER,
	protocol TEXT NOT NULL DEFAULT '',
	error_class TEXT NOT NULL DEFAULT '',
	language TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (image_id, judge, qid)
);
CREATE TABLE IF NOT EXISTS burden (
	chain_id    TEXT NOT NULL,
	source      TEXT NOT NULL,
	editor      TEXT NOT NULL,
	chain       TEXT NOT NULL,
	prompt_set  TEXT NOT NULL,
	target      TEXT NOT NULL,
	category    TEXT NOT NULL,
	base_id     TEXT NOT NULL,
	base_model  TEXT NOT NULL DEFAULT '',
	steps       INTEGER NOT NULL,
	event_step  INTEGER,
	censored_at INTEGER,
	PRIMARY KEY (chain_id, source)
);
CREATE TABLE IF NOT EXISTS scores (
	image_id   TEXT NOT NULL,
	judge      TEXT NOT NULL,
	questions  INTEGER NOT NULL,
	answered   INTEGER NOT NULL,
	tp INTEGER NOT NULL, fp INTEGER NOT NULL, tn INTEGER NOT NULL, fn INTEGER NOT NULL,
	accuracy   REAL,
	attributed TEXT NOT NULL DEFAULT '',
	era        TEXT NOT NULL DEFAULT '',
	rating     INTEGER NOT NULL DEFAULT 0,
	context    TEXT NOT NULL DEFAULT '',
	geotag     TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (image_id, judge)
);
CREATE TABLE IF NOT EXISTS embeddings (
	image_id TEXT NOT NULL,
	embedder TEXT NOT NULL,
	vector   BLOB NOT NULL,
	PRIMARY KEY (image_id, embedder)
);
CREATE TABLE IF NOT EXISTS metrics (
	name       TEXT NOT NULL,
	model      TEXT NOT NULL,
	prompt_set TEXT NOT NULL,
	country    TEXT NOT NULL,
	category   TEXT NOT NULL,
	variant    TEXT NOT NULL,
	chain      TEXT NOT NULL,
	step       INTEGER NOT NULL,
	value      REAL NOT NULL,
	ci_low     REAL,
	ci_high    REAL,
	n          INTEGER NOT NULL,
	asked      INTEGER NOT NULL DEFAULT 0,
	parse_rate REAL,
	language   TEXT NOT NULL DEFAULT '',
	base_model TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (name, model, prompt_set, country, category, variant, chain, step, language, base_model)
);
CREATE TABLE IF NOT EXISTS llm_questions (
	cell_id  TEXT NOT NULL,
	llm      TEXT NOT NULL,
	qid      TEXT NOT NULL,
	question TEXT NOT NULL,
	expected TEXT NOT NULL,
	PRIMARY KEY (cell_id, llm, qid)
);
CREATE TABLE IF NOT EXISTS quality_scores (
	image_id TEXT NOT NULL,
	scorer   TEXT NOT NULL,
	score    REAL NOT NULL,
	PRIMARY KEY (image_id, scorer)
);
CREATE TABLE IF NOT EXISTS text_embeddings (
	embedder TEXT NOT NULL,
	text     TEXT NOT NULL,
	vector   BLOB NOT NULL,
	PRIMARY KEY (embedder, text)
);
CREATE TABLE IF NOT EXISTS drift (
	image_id    TEXT NOT NULL,
	against     TEXT NOT NULL,
	ssim        REAL NOT NULL,
	phash       REAL NOT NULL,
	color       REAL NOT NULL,
	edge        REAL NOT NULL,
	PRIMARY KEY (image_id, against)
);
CREATE TABLE IF NOT EXISTS picks (
	chain_id   TEXT NOT NULL,
	judge      TEXT NOT NULL,
	target     TEXT NOT NULL,
	steps      TEXT NOT NULL,
	image_ids  TEXT NOT NULL,
	question   TEXT NOT NULL,
	context    TEXT NOT NULL,
	raw        TEXT NOT NULL,
	parsed     TEXT NOT NULL,
	best_step  INTEGER,
	worst_step INTEGER,
	PRIMARY KEY (chain_id, judge, steps)
);
CREATE TABLE IF NOT EXISTS review_items (
	item_id   TEXT PRIMARY KEY,
	country   TEXT NOT NULL,
	group_id  TEXT NOT NULL,
	kind      TEXT NOT NULL,
	image_id  TEXT NOT NULL,
	step      INTEGER NOT NULL,
	alignment INTEGER NOT NULL,
	export_id TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS review_imports (
	file_sha      TEXT PRIMARY KEY,
	reviewer      TEXT NOT NULL,
	sheet         TEXT NOT NULL,
	file          TEXT NOT NULL,
	saved_at      TEXT NOT NULL,
	imported_at   TEXT NOT NULL,
	rows          INTEGER NOT NULL,
	superseded_by TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS ratings (
	file_sha  TEXT NOT NULL,
	reviewer  TEXT NOT NULL,
	item_id   TEXT NOT NULL,
	quality   INTEGER,
	cultural  INTEGER,
	alignment INTEGER,
	best      INTEGER NOT NULL,
	worst     INTEGER NOT NULL,
	comment   TEXT NOT NULL,
	PRIMARY KEY (file_sha, item_id)
);
CREATE TABLE IF NOT EXISTS rating_scores (
	file_sha TEXT NOT NULL,
	item_id  TEXT NOT NULL,
	scale    TEXT NOT NULL,
	value    INTEGER NOT NULL,
	PRIMARY KEY (file_sha, item_id, scale)
);
CREATE TABLE IF NOT EXISTS rating_tags (
	file_sha TEXT NOT NULL,
	item_id  TEXT NOT NULL,
	tag      TEXT NOT NULL,
	PRIMARY KEY (file_sha, item_id, tag)
);
CREATE TABLE IF NOT EXISTS agreement (
	statistic TEXT NOT NULL,
	rating    TEXT NOT NULL,
	country   TEXT NOT NULL,
	against   TEXT NOT NULL,
	value     REAL NOT NULL,
	ci_low    REAL,
	ci_high   REAL,
	n         INTEGER NOT NULL,
	PRIMARY KEY (statistic, rating, country, against)
);
CREATE TABLE IF NOT EXISTS stories (
	id            TEXT PRIMARY KEY,
	prompt_id     TEXT NOT NULL,
	country       TEXT NOT NULL,
	concept       TEXT NOT NULL,
	qualifier     TEXT NOT NULL,
	identity      TEXT NOT NULL,
	prompt        TEXT NOT NULL,
	model         TEXT NOT NULL,
	mode          TEXT NOT NULL,
	context_image TEXT NOT NULL DEFAULT '',
	seed          INTEGER NOT NULL,
	status        TEXT NOT NULL,
	error_class   TEXT NOT NULL DEFAULT '',
	error         TEXT NOT NULL DEFAULT '',
	text          TEXT NOT NULL DEFAULT '',
	characters    TEXT NOT NULL DEFAULT '[]',
	scene_prompts TEXT NOT NULL DEFAULT '[]',
	chain_raw     TEXT NOT NULL DEFAULT '',
	rating        INTEGER NOT NULL DEFAULT 0,
	rating_prompt TEXT NOT NULL DEFAULT '',
	rating_raw    TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS story_similarity (
	model  TEXT NOT NULL,
	a      TEXT NOT NULL,
	b      TEXT NOT NULL,
	method TEXT NOT NULL,
	value  REAL NOT NULL,
	n      INTEGER NOT NULL,
	PRIMARY KEY (model, a, b)
);
CREATE TABLE IF NOT EXISTS story_words (
	model   TEXT NOT NULL,
	country TEXT NOT NULL,
	rank    INTEGER NOT NULL,
	word    TEXT NOT NULL,
	score   REAL NOT NULL,
	PRIMARY KEY (model, country, rank)
);
CREATE TABLE IF NOT EXISTS tests (
	metric     TEXT NOT NULL,
	model      TEXT NOT NULL,
	prompt_set TEXT NOT NULL,
	a          TEXT NOT NULL,
	b          TEXT NOT NULL,
	diff       REAL NOT NULL,
	p          REAL NOT NULL,
	p_holm     REAL NOT NULL,
	n_a        INTEGER NOT NULL,
	n_b        INTEGER NOT NULL,
	base_model TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (metric, model, prompt_set, a, b, base_model)
);`

// StoreFile is the run store's file name inside a run directory.
const StoreFile = "store.db"

// OpenRun opens (creating) the run store in dir.
func OpenRun(dir string) (*Run, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("run store: %w", err)
	}
	db, err := openSQLite(filepath.Join(dir, StoreFile), runSchema+healthSchema+translationSchema)
	if err != nil {
		return nil, fmt.Errorf("run store: %w", err)
	}
	if err := migrate(db, runSchema+healthSchema+translationSchema); err != nil {
		db.Close()
		return nil, fmt.Errorf("run store %s: %w", dir, err)
	}
	return &Run{db: db, w: newWriter(db), Dir: dir}, nil
}

// OpenRunAt opens (creating) a run store: in dir (SQLite) when storeURL
// is empty, or in the PostgreSQL database storeURL names. dir stays the
// run's local folder (its report, sheets and exports).
func OpenRunAt(ctx context.Context, dir, storeURL string) (*Run, error) {
	if storeURL == "" {
		return OpenRun(dir)
	}
	if err := CheckStoreURL(storeURL); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("run store: %w", err)
	}
	db, err := openPostgres(ctx, storeURL, runSchema+healthSchema+translationSchema)
	if err != nil {
		return nil, fmt.Errorf("run store: %w", err)
	}
	return &Run{db: db, w: newWriter(db), Dir: dir}, nil
}

// OpenRunReadOnly opens an existing run store for reading, failing clearly
// when dir holds no run.
func OpenRunReadOnly(dir string) (*Run, error) {
	if _, err := os.Stat(filepath.Join(dir, StoreFile)); err != nil {
		return nil, fmt.Errorf("%s is not a run directory (no %s): %w", dir, StoreFile, err)
	}
	return OpenRun(dir)
}

// ID returns the run's identity, made once, at random, by whichever
// process asks first (every later one reads the same): it ties review
// sheets and cached responses to this run.
func (r *Run) ID(ctx context.Context) (string, error) {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	if err := r.w.do(func(tx *Tx) error {
		return r.w.exec(tx, `INSERT OR IGNORE INTO meta(key, value) VALUES (?, ?)`, metaRunID, hex.EncodeToString(b))
	}); err != nil {
		return "", fmt.Errorf("run id: %w", err)
	}
	return r.meta(ctx, metaRunID)
}

// PaidCallRecorded reports whether the run holds a call with this request
// key that was made and paid for (not a cache hit).
func (r *Run) PaidCallRecorded(ctx context.Context, key string) (bool, error) {
	var n int
	err := r.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM calls WHERE request_key = ? AND cache_hit = 0 AND status = 'ok'`, key).Scan(&n)
	return n > 0, err
}

// DB exposes the database for read-only queries by metrics and reports.
func (r *Run) DB() *DB { return r.db }

// Close flushes pending writes and closes the store.
func (r *Run) Close() error {
	r.w.close()
	return r.db.Close()
}

// setMeta records meta values (RunInfo's fields and the run's own).
func (r *Run) setMeta(kv map[string]string) error {
	return r.w.do(func(tx *Tx) error {
		for k, v := range kv {
			if err := r.w.exec(tx, `INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)`, k, v); err != nil {
				return err
			}
		}
		return nil
	})
}

// meta reads one meta value ("" when unset).
func (r *Run) meta(ctx context.Context, key string) (string, error) {
	var v string
	err := r.db.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return v, err
}

// Task states.
const (
	StatusOK      = "ok"
	StatusFailed  = "failed"
	StatusRefused = "refused"
)

// TaskState returns a task's recorded status and error class.
func (r *Run) TaskState(ctx context.Context, id string) (status, class string, err error) {
	err = r.db.QueryRowContext(ctx, `SELECT status, error_class FROM tasks WHERE id = ?`, id).Scan(&status, &class)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", nil
	}
	return status, class, err
}

func markTask(w *writer, tx *Tx, id, stage, status, class string) error {
	err := w.exec(tx, `INSERT OR REPLACE INTO tasks(id, stage, status, error_class, done_at) VALUES (?, ?, ?, ?, ?)`,
		id, stage, status, class, time.Now().UTC().Format(StampFormat))
	return err
}

// StampFormat writes the store's timestamps at a fixed width, so that they
// sort and compare as text in time order (RFC3339Nano drops trailing
// zeros: "…:01Z" would sort after "…:01.5Z"). It parses as RFC 3339.
const StampFormat = "2006-01-02T15:04:05.000000000Z07:00"

// Image is one generated or edited image and where it came from.
type Image struct {
	ID, Kind                                string
	PromptID, PromptSet                     string
	Country, Category, Subcategory, Variant string
	Prompt, Model                           string
	Seed                                    int64
	Chain                                   string
	Step                                    int
	Target, ParentID, Instruction           string
	Status, ImageSHA, ErrorClass, Error     string
	// Language is the ISO 639 code of the prompt's language ("en" for
	// the schema's English, and for images of stores made before).
	Language string
}

// LanguageOf is a stored language code: "en" when none is given.
func LanguageOf(code string) string {
	if code == "" {
		return "en"
	}
	return code
}

// Image kinds.
const (
	KindGenerated = "t2i"
	KindEdited    = "edit"
)

// PutImage records an image (and the call that made it, when given) and
// completes its task in one transaction.
func (r *Run) PutImage(im Image, call *Call) error {
	return r.w.do(func(tx *Tx) error {
		if call != nil {
			if err := r.putCall(tx, *call); err != nil {
				return err
			}
		}
		err := r.w.exec(tx, `INSERT OR REPLACE INTO images(id, kind, prompt_id, prompt_set, country, category, subcategory, variant, prompt, model, seed, chain, step, target, parent_id, instruction, status, image_sha, error_class, error, language)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			im.ID, im.Kind, im.PromptID, im.PromptSet, im.Country, im.Category, im.Subcategory, im.Variant, im.Prompt, im.Model, im.Seed,
			im.Chain, im.Step, im.Target, im.ParentID, im.Instruction, im.Status, im.ImageSHA, im.ErrorClass, im.Error, LanguageOf(im.Language))
		if err != nil {
			return err
		}
		return markTask(r.w, tx, im.ID, im.Kind, im.Status, im.ErrorClass)
	})
}

// GetImage reads an image record.
func (r *Run) GetImage(ctx context.Context, id string) (*Image, error) {
	var im Image
	err := r.db.QueryRowContext(ctx, `SELECT id, kind, prompt_id, prompt_set, country, category, subcategory, variant, prompt, model, seed, chain, step, target, parent_id, instruction, status, image_sha, error_class, error, language FROM images WHERE id = ?`, id).Scan(
		&im.ID, &im.Kind, &im.PromptID, &im.PromptSet, &im.Country, &im.Category, &im.Subcategory, &im.Variant, &im.Prompt, &im.Model, &im.Seed,
		&im.Chain, &im.Step, &im.Target, &im.ParentID, &im.Instruction, &im.Status, &im.ImageSHA, &im.ErrorClass, &im.Error, &im.Language)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading image %s: %w", id, err)
	}
	return &im, nil
}

// Call is the record of one endpoint call (or cache hit).
type Call struct {
	TaskID, Stage, Endpoint, ModelVersion, RequestKey string
	Status, ErrorClass, Error                         string
	Attempts                                          int
	Latency                                           time.Duration
	InputTokens, OutputTokens, Images                 int
	CostUSD                                           float64
	CacheHit                                          bool
}

// PutCall records a call.
func (r *Run) PutCall(c Call) error {
	return r.w.do(func(tx *Tx) error { return r.putCall(tx, c) })
}

func (r *Run) putCall(tx *Tx, c Call) error {
	{
		err := r.w.exec(tx, `INSERT INTO calls(task_id, stage, endpoint, model_version, request_key, status, error_class, error, attempts, latency_ms, input_tokens, output_tokens, images, cost_usd, cache_hit, at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			c.TaskID, c.Stage, c.Endpoint, c.ModelVersion, c.RequestKey, c.Status, c.ErrorClass, c.Error, c.Attempts,
			float64(c.Latency.Microseconds())/1000, c.InputTokens, c.OutputTokens, c.Images, c.CostUSD, c.CacheHit,
			time.Now().UTC().Format(StampFormat))
		return err
	}
}

// SpentUSD is what the run's calls have cost so far.
func (r *Run) SpentUSD(ctx context.Context) (float64, error) {
	var v sql.NullFloat64
	err := r.db.QueryRowContext(ctx, `SELECT SUM(cost_usd) FROM calls WHERE cache_hit = 0`).Scan(&v)
	return v.Float64, err
}

// Answer is one judge answer.
type Answer struct {
	QID, Kind, Question, Expected, Raw, Parsed string
	Correct                                    *bool
	// Protocol says how the answer was asked: "" for the question itself,
	// "fallback" for the plainer question asked once when the first answer
	// could not be read.
	Protocol string
	// ErrorClass is the failure class of a failed call (Parsed "error"):
	// a later run asks again only a transient one.
	ErrorClass string
	// Language is the ISO 639 code of a question asked in another
	// language than English (judge.language: prompt); "" for English.
	Language string
}

// Score is the judge's score of one image.
type Score struct {
	Questions, Answered int
	TP, FP, TN, FN      int
	Accuracy            *float64 // nil when nothing was answered
	Attributed          string
	Era                 string
	Rating              int // 1-5 cultural rating; 0 when not asked or not given
	// Context is the system prompt the judge saw, retrieved passages
	// included.
	Context string
	// Geotag is "continent;country;artifact", lower case ("" if none).
	Geotag string
}

// PutJudgement records the answers and score of an image and completes the
// judge task in one transaction.
func (r *Run) PutJudgement(taskID, imageID, judge, status, class string, answers []Answer, s Score) error {
	return r.w.do(func(tx *Tx) error {
		for _, a := range answers {
			var correct any
			if a.Correct != nil {
				correct = *a.Correct
			}
			if err := r.w.exec(tx, `INSERT OR REPLACE INTO answers(image_id, judge, qid, kind, question, expected, raw, parsed, correct, protocol, error_class, language) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				imageID, judge, a.QID, a.Kind, a.Question, a.Expected, a.Raw, a.Parsed, correct, a.Protocol, a.ErrorClass, a.Language); err != nil {
				return err
			}
		}
		if status == StatusOK {
			var acc any
			if s.Accuracy != nil {
				acc = *s.Accuracy
			}
			if err := r.w.exec(tx, `INSERT OR REPLACE INTO scores(image_id, judge, questions, answered, tp, fp, tn, fn, accuracy, attributed, era, rating, context, geotag) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				imageID, judge, s.Questions, s.Answered, s.TP, s.FP, s.TN, s.FN, acc, s.Attributed, s.Era, s.Rating, s.Context, s.Geotag); err != nil {
				return err
			}
		}
		return markTask(r.w, tx, taskID, "judge", status, class)
	})
}

// JudgeAnswers reads the answers a judge gave about an image, by
// question id: what a retried judgement need not ask again.
func (r *Run) JudgeAnswers(ctx context.Context, imageID, judge string) (map[string]Answer, error) {
	rows, err := r.db.QueryContext(ctx, `SELECT qid, kind, question, expected, raw, parsed, protocol, error_class, language FROM answers WHERE image_id = ? AND judge = ?`, imageID, judge)
	if err != nil {
		return nil, fmt.Errorf("reading answers: %w", err)
	}
	defer rows.Close()
	out := map[string]Answer{}
	for rows.Next() {
		var a Answer
		if err := rows.Scan(&a.QID, &a.Kind, &a.Question, &a.Expected, &a.Raw, &a.Parsed, &a.Protocol, &a.ErrorClass, &a.Language); err != nil {
			return nil, fmt.Errorf("reading answers: %w", err)
		}
		out[a.QID] = a
	}
	return out, rows.Err()
}

// PutEmbedding records an image embedding and completes its task.
func (r *Run) PutEmbedding(taskID, imageID, embedder, status, class string, v []float64) error {
	return r.w.do(func(tx *Tx) error {
		if status == StatusOK {
			if err := r.w.exec(tx, `INSERT OR REPLACE INTO embeddings(image_id, embedder, vector) VALUES (?, ?, ?)`, imageID, embedder, EncodeVector(v)); err != nil {
				return err
			}
		}
		return markTask(r.w, tx, taskID, "embed", status, class)
	})
}

// Metric is one aggregate number with its 95% confidence interval (when
// one is computed) and sample size; an empty Category, Variant or Chain
// means "all".
type Metric struct {
	Name      string   `json:"name"`
	Model     string   `json:"model"`
	PromptSet string   `json:"prompt_set"`
	Country   string   `json:"country"`
	Category  string   `json:"category,omitempty"`
	Variant   string   `json:"variant,omitempty"`
	Chain     string   `json:"chain,omitempty"`
	Step      int      `json:"step"`
	Value     float64  `json:"value"`
	CILow     *float64 `json:"ci_low,omitempty"`
	CIHigh    *float64 `json:"ci_high,omitempty"`
	N         int      `json:"n"`
	// Asked is, for a metric read from the judge's answers, how many
	// answers were sought; N counts the usable ones. ParseRate is the
	// share of answers the judge gave in a usable form (nil for metrics
	// that parse nothing). Unparsed and refused answers are missing data,
	// never a value.
	Asked     int      `json:"asked,omitempty"`
	ParseRate *float64 `json:"parse_rate,omitempty"`
	// Language is the prompt language (ISO 639) of a language_* metric;
	// empty for every other metric, which reads English prompts only.
	Language string `json:"language,omitempty"`
	// BaseModel is, for a burden metric (Model is then the editor), the
	// text-to-image model whose images the chains start from: two models'
	// chains are not pooled. Empty for every other metric.
	BaseModel string `json:"base_model,omitempty"`
}

// MinParseRate is the parse rate under which a metric is withheld: too
// many of its answers were unusable for the rest to stand for the whole.
const MinParseRate = 0.9

// Withheld reports whether the metric must not be shown: its answers were
// usable less than MinParseRate of the time.
func (m Metric) Withheld() bool { return m.ParseRate != nil && *m.ParseRate < MinParseRate }

// Test is a permutation test of a difference between two groups.
type Test struct {
	Metric, Model, PromptSet, A, B string
	Diff, P, PHolm                 float64
	NA, NB                         int
	// BaseModel is a burden test's text-to-image model (see Metric).
	BaseModel string `json:",omitempty"`
}

// ReplaceMetrics swaps the metrics and tests tables for new ones
// atomically.
func (r *Run) ReplaceMetrics(ms []Metric, tests []Test, burden []BurdenChain) error {
	return r.w.do(func(tx *Tx) error {
		for _, t := range []string{"metrics", "tests", "burden"} {
			if err := r.w.exec(tx, `DELETE FROM `+t); err != nil {
				return err
			}
		}
		for _, c := range burden {
			if err := r.w.exec(tx, `INSERT INTO burden(chain_id, source, editor, chain, prompt_set, target, category, base_id, base_model, steps, event_step, censored_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				c.ChainID, c.Source, c.Editor, c.Chain, c.PromptSet, c.Target, c.Category, c.BaseID, c.BaseModel, c.Steps, c.EventStep, c.CensoredAt); err != nil {
				return err
			}
		}
		for _, m := range ms {
			if err := r.w.exec(tx, `INSERT INTO metrics(name, model, prompt_set, country, category, variant, chain, step, value, ci_low, ci_high, n, asked, parse_rate, language, base_model) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				m.Name, m.Model, m.PromptSet, m.Country, m.Category, m.Variant, m.Chain, m.Step, m.Value, m.CILow, m.CIHigh, m.N, m.Asked, m.ParseRate, m.Language, m.BaseModel); err != nil {
				return err
			}
		}
		for _, t := range tests {
			if err := r.w.exec(tx, `INSERT INTO tests(metric, model, prompt_set, a, b, diff, p, p_holm, n_a, n_b, base_model) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				t.Metric, t.Model, t.PromptSet, t.A, t.B, t.Diff, t.P, t.PHolm, t.NA, t.NB, t.BaseModel); err != nil {
				return err
			}
		}
		return nil
	})
}

// BurdenChain is one edit chain as the bias-correction burden reads it,
// for one source of acceptability: the first step whose image is
// acceptable (EventStep), or the last step known not to be (CensoredAt)
// when none is, within the chain's Steps edits.
type BurdenChain struct {
	ChainID, Source, Editor, Chain, PromptSet, Target, Category, BaseID string
	// BaseModel is the text-to-image model that made the chain's first
	// image.
	BaseModel             string
	Steps                 int
	EventStep, CensoredAt *int
}

// Tests reads the permutation tests in a stable order.
func (r *Run) Tests(ctx context.Context) ([]Test, error) {
	rows, err := r.db.QueryContext(ctx, `SELECT metric, model, prompt_set, a, b, diff, p, p_holm, n_a, n_b, base_model FROM tests ORDER BY metric, model, base_model, prompt_set, a, b`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Test
	for rows.Next() {
		var t Test
		if err := rows.Scan(&t.Metric, &t.Model, &t.PromptSet, &t.A, &t.B, &t.Diff, &t.P, &t.PHolm, &t.NA, &t.NB, &t.BaseModel); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// Metrics reads every metric in a stable order.
func (r *Run) Metrics(ctx context.Context) ([]Metric, error) {
	rows, err := r.db.QueryContext(ctx, `SELECT name, model, prompt_set, country, category, variant, chain, step, value, ci_low, ci_high, n, asked, parse_rate, language, base_model FROM metrics ORDER BY name, model, base_model, prompt_set, chain, step, country, category, variant, language`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Metric
	for rows.Next() {
		var m Metric
		if err := rows.Scan(&m.Name, &m.Model, &m.PromptSet, &m.Country, &m.Category, &m.Variant, &m.Chain, &m.Step, &m.Value, &m.CILow, &m.CIHigh, &m.N, &m.Asked, &m.ParseRate, &m.Language, &m.BaseModel); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// EncodeVector packs floats as little-endian float64s.
func EncodeVector(v []float64) []byte {
	b := make([]byte, 8*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint64(b[8*i:], math.Float64bits(x))
	}
	return b
}

// DecodeVector unpacks EncodeVector's output.
func DecodeVector(b []byte) []float64 {
	v := make([]float64, len(b)/8)
	for i := range v {
		v[i] = math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:]))
	}
	return v
}

// IntegrityCheck runs SQLite's integrity check (PostgreSQL keeps its own).
func (r *Run) IntegrityCheck(ctx context.Context) error {
	if r.db.d != SQLite {
		return nil
	}
	var res string
	if err := r.db.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&res); err != nil {
		return err
	}
	if res != "ok" {
		return fmt.Errorf("integrity check: %s", res)
	}
	return nil
}

// Drift is the change of an edited image against step 0 ("step0") or the
// previous step ("prev").
type Drift struct {
	ImageID, Against         string
	SSIM, PHash, Color, Edge float64
}

// PutDrift records drift measures.
func (r *Run) PutDrift(ds []Drift) error {
	return r.w.do(func(tx *Tx) error {
		for _, d := range ds {
			if err := r.w.exec(tx, `INSERT OR REPLACE INTO drift(image_id, against, ssim, phash, color, edge) VALUES (?, ?, ?, ?, ?, ?)`,
				d.ImageID, d.Against, d.SSIM, d.PHash, d.Color, d.Edge); err != nil {
				return err
			}
		}
		return nil
	})
}

// DriftOf reads every recorded drift measure by image and reference.
func (r *Run) DriftOf(ctx context.Context) (map[[2]string]Drift, error) {
	rows, err := r.db.QueryContext(ctx, `SELECT image_id, against, ssim, phash, color, edge FROM drift`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[[2]string]Drift{}
	for rows.Next() {
		var d Drift
		if err := rows.Scan(&d.ImageID, &d.Against, &d.SSIM, &d.PHash, &d.Color, &d.Edge); err != nil {
			return nil, err
		}
		out[[2]string{d.ImageID, d.Against}] = d
	}
	return out, rows.Err()
}

// PutTextEmbedding records the embedding of a prompt or instruction and
// completes its task.
func (r *Run) PutTextEmbedding(taskID, embedder, text, status, class string, v []float64) error {
	return r.w.do(func(tx *Tx) error {
		if status == StatusOK {
			if err := r.w.exec(tx, `INSERT OR REPLACE INTO text_embeddings(embedder, text, vector) VALUES (?, ?, ?)`, embedder, text, EncodeVector(v)); err != nil {
				return err
			}
		}
		return markTask(r.w, tx, taskID, "embedtext", status, class)
	})
}

// PutQualityScore records a scorer's rating of an image and completes its
// task.
func (r *Run) PutQualityScore(taskID, imageID, scorer, status, class string, score float64) error {
	return r.w.do(func(tx *Tx) error {
		if status == StatusOK {
			if err := r.w.exec(tx, `INSERT OR REPLACE INTO quality_scores(image_id, scorer, score) VALUES (?, ?, ?)`, imageID, scorer, score); err != nil {
				return err
			}
		}
		return markTask(r.w, tx, taskID, "score", status, class)
	})
}

// PutLLMQuestions records the questions an LLM wrote for a cell (none when
// it failed) and completes the task.
func (r *Run) PutLLMQuestions(taskID, cellID, llm, status, class string, qs [][3]string) error {
	return r.w.do(func(tx *Tx) error {
		for _, q := range qs {
			if err := r.w.exec(tx, `INSERT OR REPLACE INTO llm_questions(cell_id, llm, qid, question, expected) VALUES (?, ?, ?, ?, ?)`, cellID, llm, q[0], q[1], q[2]); err != nil {
				return err
			}
		}
		return markTask(r.w, tx, taskID, "questions", status, class)
	})
}

// LLMQuestions reads a cell's LLM-written questions as (id, text, expected).
func (r *Run) LLMQuestions(ctx context.Context, cellID, llm string) ([][3]string, error) {
	rows, err := r.db.QueryContext(ctx, `SELECT qid, question, expected FROM llm_questions WHERE cell_id = ? AND llm = ? ORDER BY qid`, cellID, llm)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out [][3]string
	for rows.Next() {
		var q [3]string
		if err := rows.Scan(&q[0], &q[1], &q[2]); err != nil {
			return nil, err
		}
		out = append(out, q)
	}
	return out, rows.Err()
}

// MarshalJSON writes a withheld metric's value as null, with
// "withheld": true, so that no reader takes it for a measured 0.
func (m Metric) MarshalJSON() ([]byte, error) {
	type plain Metric
	out := struct {
		plain
		Value    *float64 `json:"value"`
		CILow    *float64 `json:"ci_low,omitempty"`
		CIHigh   *float64 `json:"ci_high,omitempty"`
		Withheld bool     `json:"withheld,omitempty"`
	}{plain: plain(m), Withheld: m.Withheld()}
	if !out.Withheld {
		v := m.Value
		out.Value, out.CILow, out.CIHigh = &v, m.CILow, m.CIHigh
	}
	return json.Marshal(out)
}
