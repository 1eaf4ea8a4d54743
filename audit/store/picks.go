package store

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
)

// Pick is a judge's best/worst choice among steps of one edit chain.
type Pick struct {
	// ChainID is the last image of the chain shown; its ID names the whole
	// chain (an edit's ID includes its parent's).
	ChainID  string
	Judge    string
	Target   string
	Steps    []int
	ImageIDs []string // the image at each step, in order
	Question string
	Context  string // the system prompt with retrieved notes
	Raw      string
	// Parsed is "best,worst" (1-based positions), "refused", "unparsed" or
	// "error".
	Parsed string
	// BestStep and WorstStep are edit steps, or -1 without a valid pick.
	BestStep, WorstStep int
}

// JoinSteps writes steps as stored: "0,1,3,5".
func JoinSteps(steps []int) string {
	s := make([]string, len(steps))
	for i, v := range steps {
		s[i] = strconv.Itoa(v)
	}
	return strings.Join(s, ",")
}

// PutPick records a best/worst pick and completes its task.
func (r *Run) PutPick(taskID, status, class string, p Pick) error {
	return r.w.do(func(tx *Tx) error {
		var best, worst any
		if p.BestStep >= 0 && p.WorstStep >= 0 {
			best, worst = p.BestStep, p.WorstStep
		}
		if err := r.w.exec(tx, `INSERT OR REPLACE INTO picks(chain_id, judge, target, steps, image_ids, question, context, raw, parsed, best_step, worst_step) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			p.ChainID, p.Judge, p.Target, JoinSteps(p.Steps), strings.Join(p.ImageIDs, ","), p.Question, p.Context, p.Raw, p.Parsed, best, worst); err != nil {
			return err
		}
		return markTask(r.w, tx, taskID, "pick", status, class)
	})
}

// Picks reads every recorded pick, in a stable order.
func (r *Run) Picks(ctx context.Context) ([]Pick, error) {
	rows, err := r.db.QueryContext(ctx, `SELECT chain_id, judge, target, steps, image_ids, question, context, raw, parsed, best_step, worst_step FROM picks ORDER BY chain_id, judge, steps`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Pick
	for rows.Next() {
		var p Pick
		var steps, ids string
		var best, worst sql.NullInt64
		if err := rows.Scan(&p.ChainID, &p.Judge, &p.Target, &steps, &ids, &p.Question, &p.Context, &p.Raw, &p.Parsed, &best, &worst); err != nil {
			return nil, err
		}
		for _, s := range strings.Split(steps, ",") {
			v, _ := strconv.Atoi(s)
			p.Steps = append(p.Steps, v)
		}
		p.ImageIDs = strings.Split(ids, ",")
		p.BestStep, p.WorstStep = -1, -1
		if best.Valid && worst.Valid {
			p.BestStep, p.WorstStep = int(best.Int64), int(worst.Int64)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}
