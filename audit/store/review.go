package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// ReviewItem is one image in the native-reviewer sheets. Reviewers of a
// country share items, so their ratings of an item can be compared.
type ReviewItem struct {
	ItemID    string
	Country   string
	GroupID   string // the edit chain or prompt group a Best/Worst is chosen in
	Kind      string // "chain" or "prompt"
	ImageID   string
	Step      int
	Alignment bool // whether Prompt Alignment is asked
	ExportID  string
}

// PutReviewItems records exported items; items already recorded are kept.
func (r *Run) PutReviewItems(items []ReviewItem) error {
	return r.w.do(func(tx *Tx) error {
		for _, it := range items {
			if err := r.w.exec(tx, `INSERT OR IGNORE INTO review_items(item_id, country, group_id, kind, image_id, step, alignment, export_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
				it.ItemID, it.Country, it.GroupID, it.Kind, it.ImageID, it.Step, it.Alignment, it.ExportID); err != nil {
				return err
			}
		}
		return nil
	})
}

// ReviewItems reads every exported item by id.
func (r *Run) ReviewItems(ctx context.Context) (map[string]ReviewItem, error) {
	rows, err := r.db.QueryContext(ctx, `SELECT item_id, country, group_id, kind, image_id, step, alignment, export_id FROM review_items`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]ReviewItem{}
	for rows.Next() {
		var it ReviewItem
		if err := rows.Scan(&it.ItemID, &it.Country, &it.GroupID, &it.Kind, &it.ImageID, &it.Step, &it.Alignment, &it.ExportID); err != nil {
			return nil, err
		}
		out[it.ItemID] = it
	}
	return out, rows.Err()
}

// Rating is one reviewer's rating of one item; 0 is a blank cell. ECB's
// three scales have fields of their own; other declared scales are in
// Scores, and the error types the reviewer marked in Tags.
type Rating struct {
	ItemID                       string
	Quality, Cultural, Alignment int
	Scores                       map[string]int
	Tags                         []string
	Best, Worst                  bool
	Comment                      string
}

// Score is the rating's value on the scale named name (0: blank).
func (rt Rating) Score(name string) int {
	switch name {
	case "quality":
		return rt.Quality
	case "cultural":
		return rt.Cultural
	case "alignment":
		return rt.Alignment
	}
	return rt.Scores[name]
}

// SetScore sets the rating's value on the scale named name.
func (rt *Rating) SetScore(name string, v int) {
	switch name {
	case "quality":
		rt.Quality = v
	case "cultural":
		rt.Cultural = v
	case "alignment":
		rt.Alignment = v
	default:
		if rt.Scores == nil {
			rt.Scores = map[string]int{}
		}
		rt.Scores[name] = v
	}
}

// HasTag reports whether the reviewer marked the error type tag.
func (rt Rating) HasTag(tag string) bool {
	for _, t := range rt.Tags {
		if t == tag {
			return true
		}
	}
	return false
}

// ReviewProtocol is the reviewer protocol the last sheets export wrote
// (JSON; "" before any export recorded one).
func (r *Run) ReviewProtocol(ctx context.Context) (string, error) {
	return r.meta(ctx, "review_protocol")
}

// SetReviewProtocol records the protocol of an export.
func (r *Run) SetReviewProtocol(p string) error {
	return r.setMeta(map[string]string{"review_protocol": p})
}

// ReviewImport describes an imported file.
type ReviewImport struct {
	FileSHA, Reviewer, Sheet, File string
	SavedAt, ImportedAt            string // RFC 3339
	Rows                           int
	SupersededBy                   string
}

// ImportOutcome says what PutReviewImport did.
type ImportOutcome struct {
	// Already: the same file was imported before; nothing changed.
	Already bool
	// Supersedes is the older file of the same reviewer this one replaces.
	Supersedes string
	// SupersededBy is the newer file already imported, which keeps
	// precedence; this one is recorded but not counted.
	SupersededBy string
}

// PutReviewImport records a validated file and its ratings in one
// transaction: all or nothing. A reviewer's newest file (by the time it
// was saved, then by import) counts; older ones are kept, marked
// superseded.
func (r *Run) PutReviewImport(imp ReviewImport, ratings []Rating, reviews []TranslationReview) (ImportOutcome, error) {
	var out ImportOutcome
	err := r.w.do(func(tx *Tx) error {
		out = ImportOutcome{}
		var n int
		if err := tx.QueryRow(`SELECT COUNT(*) FROM review_imports WHERE file_sha = ?`, imp.FileSHA).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			out.Already = true
			return nil
		}
		var cur, curSaved string
		err := tx.QueryRow(`SELECT file_sha, saved_at FROM review_imports WHERE reviewer = ? AND sheet = ? AND superseded_by = '' ORDER BY saved_at DESC, imported_at DESC LIMIT 1`, imp.Reviewer, imp.Sheet).Scan(&cur, &curSaved)
		switch {
		case err == sql.ErrNoRows:
		case err != nil:
			return err
		case curSaved > imp.SavedAt:
			out.SupersededBy = cur
			imp.SupersededBy = cur
		default:
			out.Supersedes = cur
			if _, err := tx.Exec(`UPDATE review_imports SET superseded_by = ? WHERE file_sha = ?`, imp.FileSHA, cur); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(`INSERT INTO review_imports(file_sha, reviewer, sheet, file, saved_at, imported_at, rows, superseded_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			imp.FileSHA, imp.Reviewer, imp.Sheet, imp.File, imp.SavedAt, imp.ImportedAt, imp.Rows, imp.SupersededBy); err != nil {
			return err
		}
		for _, rt := range ratings {
			if _, err := tx.Exec(`INSERT INTO ratings(file_sha, reviewer, item_id, quality, cultural, alignment, best, worst, comment) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				imp.FileSHA, imp.Reviewer, rt.ItemID, nullInt(rt.Quality), nullInt(rt.Cultural), nullInt(rt.Alignment), rt.Best, rt.Worst, rt.Comment); err != nil {
				return fmt.Errorf("rating of %s: %w", rt.ItemID, err)
			}
			for name, v := range rt.Scores {
				if v == 0 {
					continue
				}
				if _, err := tx.Exec(`INSERT INTO rating_scores(file_sha, item_id, scale, value) VALUES (?, ?, ?, ?)`, imp.FileSHA, rt.ItemID, name, v); err != nil {
					return fmt.Errorf("rating of %s: %w", rt.ItemID, err)
				}
			}
			for _, t := range rt.Tags {
				if _, err := tx.Exec(`INSERT INTO rating_tags(file_sha, item_id, tag) VALUES (?, ?, ?)`, imp.FileSHA, rt.ItemID, t); err != nil {
					return fmt.Errorf("rating of %s: %w", rt.ItemID, err)
				}
			}
		}
		if imp.SupersededBy != "" {
			return nil // a newer file of this reviewer already spoke for the translations
		}
		return applyTranslationReviews(tx, imp, reviews)
	})
	return out, err
}

func nullInt(v int) any {
	if v == 0 {
		return nil
	}
	return v
}

// CurrentRating is a counted rating with its reviewer.
type CurrentRating struct {
	Reviewer string
	Rating
}

// CurrentRatings reads the ratings of every reviewer's newest file.
func (r *Run) CurrentRatings(ctx context.Context) ([]CurrentRating, error) {
	rows, err := r.db.QueryContext(ctx, `SELECT r.reviewer, r.item_id, COALESCE(r.quality, 0), COALESCE(r.cultural, 0), COALESCE(r.alignment, 0), r.best, r.worst, r.comment
		FROM ratings r JOIN review_imports i ON i.file_sha = r.file_sha WHERE i.superseded_by = '' ORDER BY r.reviewer, r.item_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []CurrentRating
	at := map[[2]string]int{}
	for rows.Next() {
		var c CurrentRating
		if err := rows.Scan(&c.Reviewer, &c.ItemID, &c.Quality, &c.Cultural, &c.Alignment, &c.Best, &c.Worst, &c.Comment); err != nil {
			return nil, err
		}
		at[[2]string{c.Reviewer, c.ItemID}] = len(out)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// Declared scales beyond ECB's, and the marked error types.
	err = r.db.each(ctx, `SELECT i.reviewer, s.item_id, s.scale, s.value FROM rating_scores s JOIN review_imports i ON i.file_sha = s.file_sha
		WHERE i.superseded_by = '' ORDER BY i.reviewer, s.item_id, s.scale`, nil, func(rows *sql.Rows) error {
		var rev, item, scale string
		var v int
		if err := rows.Scan(&rev, &item, &scale, &v); err != nil {
			return err
		}
		if k, ok := at[[2]string{rev, item}]; ok {
			out[k].SetScore(scale, v)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = r.db.each(ctx, `SELECT i.reviewer, t.item_id, t.tag FROM rating_tags t JOIN review_imports i ON i.file_sha = t.file_sha
		WHERE i.superseded_by = '' ORDER BY i.reviewer, t.item_id, t.tag`, nil, func(rows *sql.Rows) error {
		var rev, item, tag string
		if err := rows.Scan(&rev, &item, &tag); err != nil {
			return err
		}
		if k, ok := at[[2]string{rev, item}]; ok {
			out[k].Tags = append(out[k].Tags, tag)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ReviewImports lists the imported files, oldest first.
func (r *Run) ReviewImports(ctx context.Context) ([]ReviewImport, error) {
	rows, err := r.db.QueryContext(ctx, `SELECT file_sha, reviewer, sheet, file, saved_at, imported_at, rows, superseded_by FROM review_imports ORDER BY imported_at, file_sha`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ReviewImport
	for rows.Next() {
		var i ReviewImport
		if err := rows.Scan(&i.FileSHA, &i.Reviewer, &i.Sheet, &i.File, &i.SavedAt, &i.ImportedAt, &i.Rows, &i.SupersededBy); err != nil {
			return nil, err
		}
		out = append(out, i)
	}
	return out, rows.Err()
}

// Agreement is one agreement or correlation statistic.
type Agreement struct {
	// Statistic: "alpha_nominal", "alpha_ordinal", "alpha_interval",
	// "fleiss_kappa", "cohen_kappa", "spearman", "kendall",
	// "best_agreement", "worst_agreement".
	Statistic string `json:"statistic"`
	// Rating: "quality", "cultural", "alignment", or "pick".
	Rating string `json:"rating"`
	// Country: a reviewer group, or "" for all.
	Country string `json:"country"`
	// Against: the other side (a reviewer pair for Cohen's kappa, an
	// automatic metric for correlations, the judge for picks).
	Against string   `json:"against,omitempty"`
	Value   float64  `json:"value"`
	CILow   *float64 `json:"ci_low,omitempty"`
	CIHigh  *float64 `json:"ci_high,omitempty"`
	N       int      `json:"n"`
}

// ReplaceAgreement swaps the agreement table for a new one.
func (r *Run) ReplaceAgreement(as []Agreement) error {
	return r.w.do(func(tx *Tx) error {
		if _, err := tx.Exec(`DELETE FROM agreement`); err != nil {
			return err
		}
		for _, a := range as {
			if _, err := tx.Exec(`INSERT INTO agreement(statistic, rating, country, against, value, ci_low, ci_high, n) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
				a.Statistic, a.Rating, a.Country, a.Against, a.Value, a.CILow, a.CIHigh, a.N); err != nil {
				return err
			}
		}
		return nil
	})
}

// Agreements reads the agreement table in a stable order.
func (r *Run) Agreements(ctx context.Context) ([]Agreement, error) {
	rows, err := r.db.QueryContext(ctx, `SELECT statistic, rating, country, against, value, ci_low, ci_high, n FROM agreement ORDER BY rating, statistic, country, against`)
	if err != nil {
		if strings.Contains(err.Error(), "no such table") { // a store older than the table, opened read-only
			return nil, nil
		}
		return nil, err
	}
	defer rows.Close()
	var out []Agreement
	for rows.Next() {
		var a Agreement
		var lo, hi sql.NullFloat64
		if err := rows.Scan(&a.Statistic, &a.Rating, &a.Country, &a.Against, &a.Value, &lo, &hi, &a.N); err != nil {
			return nil, err
		}
		if lo.Valid && hi.Valid {
			a.CILow, a.CIHigh = &lo.Float64, &hi.Float64
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// ReviewCoverage is how far one country's review items were rated: by how
// many reviewers, and how many items by two or more (all agreement
// statistics can use).
type ReviewCoverage struct {
	Country    string
	Raters     int
	Items      int // items with at least one rating
	ItemsTwice int // items with two or more ratings
	Exported   int // items exported for review
}
