package store

import (
	"context"
	"fmt"
)

// healthSchema holds the judge's health, recomputed by the metrics stage
// from the answers: parse rates per judge and kind of question, and the
// item analysis of every yes/no template.
const healthSchema = `
CREATE TABLE IF NOT EXISTS parse_rates (
	judge     TEXT NOT NULL,
	kind      TEXT NOT NULL,
	asked     INTEGER NOT NULL,
	usable    INTEGER NOT NULL,
	refused   INTEGER NOT NULL,
	fallbacks INTEGER NOT NULL,
	rate      REAL NOT NULL,
	PRIMARY KEY (judge, kind)
);
CREATE TABLE IF NOT EXISTS phashes (
	image_sha TEXT PRIMARY KEY,
	phash     TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS judge_health (
	judge      TEXT NOT NULL,
	qid        TEXT NOT NULL,
	example    TEXT NOT NULL,
	expected   TEXT NOT NULL,
	asked      INTEGER NOT NULL,
	answered   INTEGER NOT NULL,
	parse_rate REAL NOT NULL,
	yes_share  REAL NOT NULL,
	accuracy   REAL NOT NULL,
	item_rest  REAL,
	n          INTEGER NOT NULL,
	flagged    INTEGER NOT NULL,
	reason     TEXT NOT NULL,
	language   TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (judge, qid, language)
);
`

// ParseRate counts one judge's answers to one kind of question: asked
// (calls that returned; a question that took the fallback counts once, by
// its final answer), usable (parsed to a value), refused, and how many
// took the fallback question.
type ParseRate struct {
	Judge     string  `json:"judge"`
	Kind      string  `json:"kind"`
	Asked     int     `json:"asked"`
	Usable    int     `json:"usable"`
	Refused   int     `json:"refused"`
	Fallbacks int     `json:"fallbacks"`
	Rate      float64 `json:"parse_rate"`
}

// TemplateHealth is the item analysis of one yes/no question template of
// one judge, as psychometrics analyses the items of a test: how often it
// was answered usably, how often "yes", how often as expected, and how its
// verdicts go with those of the other questions asked about the same
// images. A template the judge reads the wrong way round is Flagged.
type TemplateHealth struct {
	Judge string `json:"judge"`
	QID   string `json:"qid"`
	// Language is the code of the language the template was asked in
	// (judge.language: prompt), "" for English: each wording is analysed
	// on its own.
	Language string `json:"language,omitempty"`
	// Example is the question as asked of one image.
	Example   string  `json:"example"`
	Expected  string  `json:"expected"`
	Asked     int     `json:"asked"`
	Answered  int     `json:"answered"`
	ParseRate float64 `json:"parse_rate"`
	YesShare  float64 `json:"yes_share"`
	// Accuracy is the share answered as expected.
	Accuracy float64 `json:"accuracy"`
	// ItemRest is the point-biserial (Pearson) correlation of the
	// template's verdict (1 as expected, 0 not) with the mean verdict of
	// the other questions on the same image, over the N images where both
	// exist; nil when it cannot be computed.
	ItemRest *float64 `json:"item_rest_r"`
	N        int      `json:"n"`
	Flagged  bool     `json:"flagged"`
	Reason   string   `json:"reason,omitempty"`
}

// Label names the template and, when it was asked in another language
// than English, that language: "y1", "y1 (sw)".
func (h TemplateHealth) Label() string {
	if h.Language == "" {
		return h.QID
	}
	return h.QID + " (" + h.Language + ")"
}

// ReplaceJudgeHealth swaps the parse-rate and judge-health tables for new
// ones atomically.
func (r *Run) ReplaceJudgeHealth(rates []ParseRate, hs []TemplateHealth) error {
	return r.w.do(func(tx *Tx) error {
		for _, t := range []string{"parse_rates", "judge_health"} {
			if err := r.w.exec(tx, `DELETE FROM `+t); err != nil {
				return err
			}
		}
		for _, p := range rates {
			if err := r.w.exec(tx, `INSERT INTO parse_rates(judge, kind, asked, usable, refused, fallbacks, rate) VALUES (?, ?, ?, ?, ?, ?, ?)`,
				p.Judge, p.Kind, p.Asked, p.Usable, p.Refused, p.Fallbacks, p.Rate); err != nil {
				return err
			}
		}
		for _, h := range hs {
			if err := r.w.exec(tx, `INSERT INTO judge_health(judge, qid, example, expected, asked, answered, parse_rate, yes_share, accuracy, item_rest, n, flagged, reason, language)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				h.Judge, h.QID, h.Example, h.Expected, h.Asked, h.Answered, h.ParseRate, h.YesShare, h.Accuracy, h.ItemRest, h.N, boolInt(h.Flagged), h.Reason, h.Language); err != nil {
				return err
			}
		}
		return nil
	})
}

// ParseRates reads the parse rates in a stable order.
func (r *Run) ParseRates(ctx context.Context) ([]ParseRate, error) {
	rows, err := r.db.QueryContext(ctx, `SELECT judge, kind, asked, usable, refused, fallbacks, rate FROM parse_rates ORDER BY judge, kind`)
	if err != nil {
		return nil, fmt.Errorf("reading parse rates: %w", err)
	}
	defer rows.Close()
	out := []ParseRate{}
	for rows.Next() {
		var p ParseRate
		if err := rows.Scan(&p.Judge, &p.Kind, &p.Asked, &p.Usable, &p.Refused, &p.Fallbacks, &p.Rate); err != nil {
			return nil, fmt.Errorf("reading parse rates: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// JudgeHealth reads the item analysis in a stable order.
func (r *Run) JudgeHealth(ctx context.Context) ([]TemplateHealth, error) {
	rows, err := r.db.QueryContext(ctx, `SELECT judge, qid, example, expected, asked, answered, parse_rate, yes_share, accuracy, item_rest, n, flagged, reason, language
		FROM judge_health ORDER BY judge, qid, language`)
	if err != nil {
		return nil, fmt.Errorf("reading judge health: %w", err)
	}
	defer rows.Close()
	out := []TemplateHealth{}
	for rows.Next() {
		var h TemplateHealth
		var flagged int
		if err := rows.Scan(&h.Judge, &h.QID, &h.Example, &h.Expected, &h.Asked, &h.Answered, &h.ParseRate, &h.YesShare, &h.Accuracy, &h.ItemRest, &h.N, &flagged, &h.Reason, &h.Language); err != nil {
			return nil, fmt.Errorf("reading judge health: %w", err)
		}
		h.Flagged = flagged != 0
		out = append(out, h)
	}
	return out, rows.Err()
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// PHashes reads the stored perceptual hashes (hex) by image SHA-256.
func (r *Run) PHashes(ctx context.Context) (map[string]string, error) {
	rows, err := r.db.QueryContext(ctx, `SELECT image_sha, phash FROM phashes`)
	if err != nil {
		return nil, fmt.Errorf("reading perceptual hashes: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var sha, h string
		if err := rows.Scan(&sha, &h); err != nil {
			return nil, fmt.Errorf("reading perceptual hashes: %w", err)
		}
		out[sha] = h
	}
	return out, rows.Err()
}

// PutPHashes records perceptual hashes, computed once per image.
func (r *Run) PutPHashes(hs map[string]string) error {
	return r.w.do(func(tx *Tx) error {
		for sha, h := range hs {
			if err := r.w.exec(tx, `INSERT OR REPLACE INTO phashes(image_sha, phash) VALUES (?, ?)`, sha, h); err != nil {
				return err
			}
		}
		return nil
	})
}
