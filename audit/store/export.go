package store

import (
	"context"
	"fmt"
)

// ExportTable is one table written by Export: a file per table.
type ExportTable struct {
	Name  string
	Query string
}

// ExportTables are the tables Export writes, for pandas or R: one row per
// call, per image and judge (with precision, recall and F1), per judge
// answer, per best/worst pick, per story, per metric (withheld ones without a value), per
// judge and kind of question (parse rates), per judge question template (its
// health), per edit chain and source of acceptability (its burden: the
// first acceptable step, or censored) and per test.
var ExportTables = []ExportTable{
	{"calls", `SELECT id, task_id, stage, endpoint, model_version, status, error_class, error, attempts, latency_ms,
		input_tokens, output_tokens, images, cost_usd, cache_hit, at FROM calls ORDER BY id`},
	{"items", `SELECT i.id, i.kind, i.prompt_id, i.prompt_set, i.country, i.category, i.subcategory, i.variant, i.prompt, i.model,
		i.seed, i.chain, i.step, i.target, i.parent_id, i.instruction, i.status, i.error_class, i.image_sha,
		s.judge, s.questions, s.answered, s.tp, s.fp, s.tn, s.fn, s.accuracy,
		CAST(s.tp AS REAL) / NULLIF(s.tp + s.fp, 0) AS precision,
		CAST(s.tp AS REAL) / NULLIF(s.tp + s.fn, 0) AS recall,
		2.0 * s.tp / NULLIF(2 * s.tp + s.fp + s.fn, 0) AS f1,
		s.attributed, s.era, s.rating, s.geotag, i.language
		FROM images i LEFT JOIN scores s ON s.image_id = i.id ORDER BY i.id, s.judge`},
	{"answers", `SELECT image_id, judge, qid, kind, question, expected, raw, parsed, correct, protocol, language FROM answers ORDER BY image_id, judge, qid`},
	{"picks", `SELECT chain_id, judge, target, steps, image_ids, question, raw, parsed, best_step, worst_step FROM picks ORDER BY chain_id, judge, steps`},
	{"stories", `SELECT id, prompt_id, country, concept, qualifier, identity, prompt, model, mode, context_image, seed, status, error_class, error,
		text, characters, scene_prompts, chain_raw, rating, rating_prompt, rating_raw FROM stories ORDER BY country, prompt_id, model, seed, id`},
	// A withheld metric has no value: too few of its answers were usable.
	{"metrics", fmt.Sprintf(`SELECT name, model, prompt_set, country, category, variant, chain, step,
		CASE WHEN parse_rate < %[1]g THEN NULL ELSE value END AS value, CASE WHEN parse_rate < %[1]g THEN NULL ELSE ci_low END AS ci_low,
		CASE WHEN parse_rate < %[1]g THEN NULL ELSE ci_high END AS ci_high, n, asked, parse_rate,
		CASE WHEN parse_rate < %[1]g THEN 1 ELSE 0 END AS withheld, language, base_model FROM metrics
		ORDER BY name, model, base_model, prompt_set, country, category, variant, chain, step, language`, MinParseRate)},
	{"parse_rates", `SELECT judge, kind, asked, usable, refused, fallbacks, rate AS parse_rate FROM parse_rates ORDER BY judge, kind`},
	{"judge_health", `SELECT judge, qid, language, example, expected, asked, answered, parse_rate, yes_share, accuracy, item_rest AS item_rest_r, n, flagged, reason
		FROM judge_health ORDER BY judge, qid, language`},
	{"burden", `SELECT chain_id, source, editor, base_model, chain, prompt_set, target, category, base_id, steps, event_step, censored_at,
		CASE WHEN event_step IS NULL THEN 1 ELSE 0 END AS censored FROM burden ORDER BY source, editor, base_model, chain, prompt_set, target, category, chain_id`},
	{"tests", `SELECT metric, model, base_model, prompt_set, a, b, diff, p, p_holm, n_a, n_b FROM tests ORDER BY metric, model, base_model, prompt_set, a, b`},
	{"translations", `SELECT id, language, prompt_set, country, category, subcategory, variant, source, text, origin, status, back, translator, replaced, verdict, reviewer, comment, reviewed_at
		FROM translations ORDER BY language, prompt_set, country, category, subcategory, variant`},
}

// EachExportRow reads one export table: header gets its columns once, row
// every row's values (reused between calls).
func (db *DB) EachExportRow(ctx context.Context, t ExportTable, header func([]string) error, row func([]any) error) error {
	rows, err := db.QueryContext(ctx, t.Query)
	if err != nil {
		return err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	if err := header(cols); err != nil {
		return err
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		if err := row(vals); err != nil {
			return err
		}
	}
	return rows.Err()
}
