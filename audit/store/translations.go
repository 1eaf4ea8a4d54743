package store

import (
	"context"
	"fmt"
)

// translationSchema holds the prompts' translations: what each prompt in
// another language said in this run, where the text came from, and what
// native reviewers made of it.
const translationSchema = `
CREATE TABLE IF NOT EXISTS translations (
	id          TEXT PRIMARY KEY,
	language    TEXT NOT NULL,
	prompt_set  TEXT NOT NULL,
	country     TEXT NOT NULL,
	category    TEXT NOT NULL,
	subcategory TEXT NOT NULL,
	variant     TEXT NOT NULL,
	source      TEXT NOT NULL,
	text        TEXT NOT NULL,
	origin      TEXT NOT NULL,
	status      TEXT NOT NULL,
	back        TEXT NOT NULL DEFAULT '',
	translator  TEXT NOT NULL DEFAULT '',
	replaced    TEXT NOT NULL DEFAULT '',
	verdict     TEXT NOT NULL DEFAULT '',
	reviewer    TEXT NOT NULL DEFAULT '',
	comment     TEXT NOT NULL DEFAULT '',
	reviewed_at TEXT NOT NULL DEFAULT ''
);`

// Translation origins: the schema's (draft) translation, the translator
// endpoint's, or a native reviewer's correction.
const (
	OriginSchema   = "schema"
	OriginMachine  = "machine"
	OriginReviewer = "reviewer"
)

// Translation statuses.
const (
	TranslationDraft    = "draft"
	TranslationReviewed = "reviewed" // a reviewer confirmed or corrected it
	TranslationRejected = "rejected" // a reviewer said no and gave no correction
)

// Translation is one prompt cell in one language: its text in use and
// where it came from. Back is the translator's translation of Text back
// into English, a check a reader of English can make; Replaced is the
// text a reviewer's correction replaced.
type Translation struct {
	ID, Language                                       string
	PromptSet, Country, Category, Subcategory, Variant string
	Source, Text, Origin, Status                       string
	Back, Translator, Replaced                         string
	Verdict, Reviewer, Comment, ReviewedAt             string
}

// PutTranslations records translations, replacing those of the same id.
func (r *Run) PutTranslations(ts []Translation) error {
	return r.w.do(func(tx *Tx) error {
		for _, t := range ts {
			if err := r.w.exec(tx, `INSERT OR REPLACE INTO translations(id, language, prompt_set, country, category, subcategory, variant, source, text, origin, status, back, translator, replaced, verdict, reviewer, comment, reviewed_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				t.ID, t.Language, t.PromptSet, t.Country, t.Category, t.Subcategory, t.Variant, t.Source, t.Text, t.Origin, t.Status,
				t.Back, t.Translator, t.Replaced, t.Verdict, t.Reviewer, t.Comment, t.ReviewedAt); err != nil {
				return err
			}
		}
		return nil
	})
}

// Translations reads every recorded translation, by language and id.
func (db *DB) Translations(ctx context.Context) ([]Translation, error) {
	rows, err := db.QueryContext(ctx, `SELECT id, language, prompt_set, country, category, subcategory, variant, source, text, origin, status, back, translator, replaced, verdict, reviewer, comment, reviewed_at
		FROM translations ORDER BY language, id`)
	if err != nil {
		return nil, fmt.Errorf("reading translations: %w", err)
	}
	defer rows.Close()
	var out []Translation
	for rows.Next() {
		var t Translation
		if err := rows.Scan(&t.ID, &t.Language, &t.PromptSet, &t.Country, &t.Category, &t.Subcategory, &t.Variant, &t.Source, &t.Text, &t.Origin, &t.Status,
			&t.Back, &t.Translator, &t.Replaced, &t.Verdict, &t.Reviewer, &t.Comment, &t.ReviewedAt); err != nil {
			return nil, fmt.Errorf("reading translations: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// superseded selects the images of a translation no longer in use (a
// reviewer corrected it since). A language without recorded translations
// supersedes none.
const superseded = `i.language != 'en' AND EXISTS (SELECT 1 FROM translations t WHERE t.language = i.language)
	AND NOT EXISTS (SELECT 1 FROM translations t WHERE t.language = i.language AND t.text = i.prompt)`

// SupersededImages lists the images made from a translation no longer in
// use: they stay stored but no metric reads them.
func (db *DB) SupersededImages(ctx context.Context) (map[string]bool, error) {
	rows, err := db.QueryContext(ctx, `SELECT i.id FROM images i WHERE `+superseded)
	if err != nil {
		return nil, fmt.Errorf("finding superseded translations: %w", err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out[id] = true
	}
	return out, rows.Err()
}

// TranslationReview is what a native reviewer said of a translation:
// Verdict "yes" (natural and faithful) or "no", and a Correction that
// replaces the text for later runs.
type TranslationReview struct {
	ID, Verdict, Correction, Comment string
}

// applyTranslationReviews records reviewers' verdicts: a correction
// becomes the text later runs use (the replaced text is kept, and the
// back-translation is made again); "yes" marks it reviewed; "no" without
// a correction marks it rejected.
func applyTranslationReviews(tx *Tx, imp ReviewImport, reviews []TranslationReview) error {
	for _, rv := range reviews {
		var err error
		switch {
		case rv.Correction != "":
			_, err = tx.Exec(`UPDATE translations SET replaced = CASE WHEN origin = ? THEN replaced ELSE text END, text = ?, origin = ?, status = ?, back = '',
				verdict = ?, reviewer = ?, comment = ?, reviewed_at = ? WHERE id = ?`,
				OriginReviewer, rv.Correction, OriginReviewer, TranslationReviewed, rv.Verdict, imp.Reviewer, rv.Comment, imp.SavedAt, rv.ID)
		default:
			status := TranslationReviewed
			if rv.Verdict == "no" {
				status = TranslationRejected
			}
			_, err = tx.Exec(`UPDATE translations SET status = ?, verdict = ?, reviewer = ?, comment = ?, reviewed_at = ? WHERE id = ?`,
				status, rv.Verdict, imp.Reviewer, rv.Comment, imp.SavedAt, rv.ID)
		}
		if err != nil {
			return fmt.Errorf("translation %s: %w", rv.ID, err)
		}
	}
	return nil
}

// TranslationCount counts a language's translations of one origin and
// status.
type TranslationCount struct {
	Language string `json:"language"`
	Origin   string `json:"origin"`
	Status   string `json:"status"`
	N        int    `json:"n"`
}

// TranslationCounts counts the translations in use by language, origin
// and status.
func (db *DB) TranslationCounts(ctx context.Context) ([]TranslationCount, error) {
	rows, err := db.QueryContext(ctx, `SELECT language, origin, status, COUNT(*) FROM translations GROUP BY language, origin, status ORDER BY language, origin, status`)
	if err != nil {
		return nil, fmt.Errorf("counting translations: %w", err)
	}
	defer rows.Close()
	var out []TranslationCount
	for rows.Next() {
		var c TranslationCount
		if err := rows.Scan(&c.Language, &c.Origin, &c.Status, &c.N); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// CountSupersededOK counts the good images of translations no longer in
// use: stored, but not images of the audit as it now stands.
func (db *DB) CountSupersededOK(ctx context.Context) (int, error) {
	var n int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM images i WHERE i.status = 'ok' AND `+superseded).Scan(&n); err != nil {
		return 0, fmt.Errorf("counting superseded images: %w", err)
	}
	return n, nil
}
