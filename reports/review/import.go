package review

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/blindspot-audit/blindspot/audit/store"
)

// Problem is one thing wrong with a returned file, at sheet!cell.
type Problem struct {
	Where, Msg string
}

func (p Problem) String() string { return p.Where + ": " + p.Msg }

// Problems is every problem found in a file; nothing of it was recorded.
type Problems struct {
	File string
	List []Problem
}

// maxListed caps how many problems an error message lists.
const maxListed = 50

func (e *Problems) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d problem(s), nothing imported from this file:", e.File, len(e.List))
	for i, p := range e.List {
		if i == maxListed {
			fmt.Fprintf(&b, "\n  ... and %d more", len(e.List)-maxListed)
			break
		}
		b.WriteString("\n  " + p.String())
	}
	return b.String()
}

// Checked is a file that passed every check, ready to record.
type Checked struct {
	Import  store.ReviewImport
	Ratings []store.Rating
	// Translations are the verdicts and corrections of the Translations
	// sheets.
	Translations []store.TranslationReview
	Blank        int // rows with nothing filled in
}

// Check reads a returned file and checks it against the run's exported
// items; it records nothing. A blank cell is missing data, not an error.
func Check(ctx context.Context, run *store.Run, name string, data []byte) (*Checked, error) {
	items, err := run.ReviewItems(ctx)
	if err != nil {
		return nil, err
	}
	runID, err := run.StoredID(ctx)
	if err != nil {
		return nil, err
	}
	proto, err := loadProtocol(ctx, run)
	if err != nil {
		return nil, err
	}
	f, probs := readFile(name, data, proto)
	if f == nil {
		return nil, &Problems{File: name, List: probs}
	}
	// A cell already refused (a formula) is not refused again for the
	// value it shows.
	flagged := map[string]bool{}
	for _, p := range probs {
		flagged[p.Where] = true
	}
	add := func(where, msg string, a ...any) {
		if flagged[where] {
			return
		}
		flagged[where] = true
		probs = append(probs, Problem{Where: where, Msg: fmt.Sprintf(msg, a...)})
	}
	metaRef := func(key string) string {
		if f.metaRef != nil {
			return f.metaRef(key)
		}
		return f.Name
	}
	if f.Format != "" && f.Format != Format {
		add(metaRef("format"), "the sheet's format is %q; this Blindspot reads %q", f.Format, Format)
	}
	switch {
	case runID == "":
		add(f.Name, "this run has never exported review sheets (run blindspot sheets export first)")
	case f.RunID != "" && f.RunID != runID:
		add(metaRef("run_id"), "this file was exported from another run (%s); this run is %s", f.RunID, runID)
	}
	if f.Reviewer == "" {
		add(f.ReviewerRef, "the reviewer's name is missing: type your name or reviewer ID there")
	} else if !reviewerOK(f.Reviewer) {
		add(f.ReviewerRef, "reviewer name %q: use at most 64 letters, digits, spaces, dots, dashes or underscores", f.Reviewer)
	}
	firstRow := map[string]int{}
	best, worst := map[string]int{}, map[string]int{}
	country := ""
	out := &Checked{}
	for _, r := range f.Rows {
		c := r.Cells
		filledAny := false
		for _, i := range proto.inputCols() {
			if c[i] != "" && !strings.EqualFold(c[i], "n/a") {
				filledAny = true
			}
		}
		id := c[colID]
		if id == "" {
			if filledAny {
				add(f.ref(colID, r.Row), "this row has ratings but no item id")
			}
			continue
		}
		it, ok := items[id]
		if !ok {
			add(f.ref(colID, r.Row), "unknown item id %q: the id was edited, or the row comes from another run's sheet", id)
			continue
		}
		if first, dup := firstRow[id]; dup {
			add(f.ref(colID, r.Row), "item %s appears again (first in row %d)", id, first)
			continue
		}
		firstRow[id] = r.Row
		if runID != "" && c[proto.integrityCol()] != Integrity(runID, Item{ID: it.ItemID, ImageID: it.ImageID, Step: it.Step}, it.Country, it.GroupID) {
			add(f.ref(proto.integrityCol(), r.Row), "the row's check value does not match item %s: the row was edited or copied from another sheet", id)
			continue
		}
		if country == "" {
			country = it.Country
		} else if it.Country != country {
			add(f.ref(colID, r.Row), "item %s belongs to the %s sheet, not %s", id, it.Country, country)
			continue
		}
		rt := store.Rating{ItemID: id}
		scored := false
		for i, sc := range proto.Scales {
			col := proto.scaleCol(i)
			v := c[col]
			if alignmentScale(sc) && strings.EqualFold(v, "n/a") {
				continue
			}
			n, ok := pointValue(v, sc)
			if !ok {
				add(f.ref(col, r.Row), "%s must be %s or blank, got %q", sc.Title, scaleHint(sc), v)
				continue
			}
			if alignmentScale(sc) && n > 0 && !it.Alignment {
				add(f.ref(col, r.Row), "this image has no %s question; leave it n/a", sc.Title)
				continue
			}
			if n > 0 {
				rt.SetScore(sc.Name, n)
				scored = true
			}
		}
		for i, t := range proto.Tags {
			col := proto.tagCol(i)
			marked, ok := markValue(c[col], "x")
			if !ok {
				add(f.ref(col, r.Row), "type x if the image shows %s, or leave blank; got %q", t.Title, c[col])
			}
			if marked {
				rt.Tags = append(rt.Tags, t.Name)
			}
		}
		bestCol, worstCol, commentCol := proto.bestCol(), proto.worstCol(), proto.commentCol()
		var okB, okW bool
		if rt.Best, okB = markValue(c[bestCol], "best"); !okB {
			add(f.ref(bestCol, r.Row), "type Best or leave blank, got %q", c[bestCol])
		}
		if rt.Worst, okW = markValue(c[worstCol], "worst"); !okW {
			add(f.ref(worstCol, r.Row), "type Worst or leave blank, got %q", c[worstCol])
		}
		if rt.Best && rt.Worst {
			add(f.ref(worstCol, r.Row), "the same image is marked Best and Worst; the two must differ")
		}
		if rt.Best {
			if prev, ok := best[it.GroupID]; ok {
				add(f.ref(bestCol, r.Row), "%s already has a Best (row %d); mark one per group", c[colGroup], prev)
			}
			best[it.GroupID] = r.Row
		}
		if rt.Worst {
			if prev, ok := worst[it.GroupID]; ok {
				add(f.ref(worstCol, r.Row), "%s already has a Worst (row %d); mark one per group", c[colGroup], prev)
			}
			worst[it.GroupID] = r.Row
		}
		rt.Comment = strings.TrimPrefix(c[commentCol], "'")
		if n := len([]rune(rt.Comment)); n > MaxCommentRunes {
			add(f.ref(commentCol, r.Row), "the comment has %d characters; the limit is %d", n, MaxCommentRunes)
		}
		if !scored && len(rt.Tags) == 0 && !rt.Best && !rt.Worst && rt.Comment == "" {
			out.Blank++
			continue
		}
		out.Ratings = append(out.Ratings, rt)
	}
	if len(f.Translations) > 0 {
		all, err := run.DB().Translations(ctx)
		if err != nil {
			return nil, err
		}
		known := map[string]store.Translation{}
		for _, t := range all {
			known[t.ID] = t
		}
		out.Translations = checkTranslations(f.Translations, known, runID, add)
	}
	if len(probs) > 0 {
		return nil, &Problems{File: name, List: probs}
	}
	sum := sha256.Sum256(data)
	sheet := f.Sheet
	if sheet == "" {
		sheet = "review-" + safe(country)
	}
	saved := normaliseTime(f.SavedAt)
	now := time.Now().UTC().Format(time.RFC3339Nano)
	if saved == "" {
		saved = now
	}
	out.Import = store.ReviewImport{FileSHA: hex.EncodeToString(sum[:]), Reviewer: f.Reviewer, Sheet: sheet, File: filepath.Base(name), SavedAt: saved, ImportedAt: now, Rows: len(out.Ratings)}
	return out, nil
}

func reviewerOK(s string) bool {
	if len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r == ' ' || r == '.' || r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

// markValue reads a Best or Worst cell: blank, or the word, x, yes, 1,
// true or a tick.
func markValue(s, word string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "":
		return false, true
	case word, "x", "yes", "y", "1", "true", "✓", "✔":
		return true, true
	}
	return false, false
}

// normaliseTime turns a saved time into RFC 3339 UTC so times compare as
// text, or "" when it cannot be read.
func normaliseTime(s string) string {
	for _, layout := range []string{time.RFC3339Nano, time.RFC3339, "2006-01-02T15:04:05", "2006-01-02 15:04:05"} {
		if t, err := time.Parse(layout, strings.TrimSpace(s)); err == nil {
			return t.UTC().Format(time.RFC3339Nano)
		}
	}
	return ""
}

// Record stores a checked file in one transaction.
func Record(run *store.Run, c *Checked) (store.ImportOutcome, error) {
	return run.PutReviewImport(c.Import, c.Ratings, c.Translations)
}
