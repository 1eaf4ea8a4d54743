package reports

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"github.com/blindspot-audit/blindspot/audit/store"
	"github.com/blindspot-audit/blindspot/audit/outdir"
	"os"
	"path/filepath"
	"strconv"

	"github.com/blindspot-audit/blindspot/reports/csvsafe"
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
// health) and per test.
var ExportTables = []ExportTable{
	{"calls", `SELECT id, task_id, stage, endpoint, model_version, status, error_class, error, attempts, latency_ms,
		input_tokens, output_tokens, images, cost_usd, cache_hit, at FROM calls ORDER BY id`},
	{"items", `SELECT i.id, i.kind, i.prompt_id, i.prompt_set, i.country, i.category, i.subcategory, i.variant, i.prompt, i.model,
		i.seed, i.chain, i.step, i.target, i.parent_id, i.instruction, i.status, i.error_class, i.image_sha,
		s.judge, s.questions, s.answered, s.tp, s.fp, s.tn, s.fn, s.accuracy,
		CAST(s.tp AS REAL) / NULLIF(s.tp + s.fp, 0) AS precision,
		CAST(s.tp AS REAL) / NULLIF(s.tp + s.fn, 0) AS recall,
		2.0 * s.tp / NULLIF(2 * s.tp + s.fp + s.fn, 0) AS f1,
		s.attributed, s.era, s.rating, s.geotag
		FROM images i LEFT JOIN scores s ON s.image_id = i.id ORDER BY i.id, s.judge`},
	{"answers", `SELECT image_id, judge, qid, kind, question, expected, raw, parsed, correct, protocol FROM answers ORDER BY image_id, judge, qid`},
	{"picks", `SELECT chain_id, judge, target, steps, image_ids, question, raw, parsed, best_step, worst_step FROM picks ORDER BY chain_id, judge, steps`},
	{"stories", `SELECT id, prompt_id, country, concept, qualifier, identity, prompt, model, mode, context_image, seed, status, error_class, error,
		text, characters, scene_prompts, chain_raw, rating, rating_prompt, rating_raw FROM stories ORDER BY country, prompt_id, model, seed, id`},
	// A withheld metric has no value: too few of its answers were usable.
	{"metrics", fmt.Sprintf(`SELECT name, model, prompt_set, country, category, variant, chain, step,
		CASE WHEN parse_rate < %[1]g THEN NULL ELSE value END AS value, CASE WHEN parse_rate < %[1]g THEN NULL ELSE ci_low END AS ci_low,
		CASE WHEN parse_rate < %[1]g THEN NULL ELSE ci_high END AS ci_high, n, asked, parse_rate,
		CASE WHEN parse_rate < %[1]g THEN 1 ELSE 0 END AS withheld FROM metrics
		ORDER BY name, model, prompt_set, country, category, variant, chain, step`, store.MinParseRate)},
	{"parse_rates", `SELECT judge, kind, asked, usable, refused, fallbacks, rate AS parse_rate FROM parse_rates ORDER BY judge, kind`},
	{"judge_health", `SELECT judge, qid, example, expected, asked, answered, parse_rate, yes_share, accuracy, item_rest AS item_rest_r, n, flagged, reason
		FROM judge_health ORDER BY judge, qid`},
	{"tests", `SELECT metric, model, prompt_set, a, b, diff, p, p_holm, n_a, n_b FROM tests ORDER BY metric, model, prompt_set, a, b`},
}

// Export writes every ExportTable as dir/NAME.csv or dir/NAME.jsonl
// (format "csv" or "jsonl") and returns the files with their row counts.
// Each file is written beside its final name and renamed into place.
func Export(ctx context.Context, db *store.DB, dir, format string) ([]string, error) {
	if format != "csv" && format != "jsonl" {
		return nil, fmt.Errorf("export format %q: want csv or jsonl", format)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	var out []string
	for _, t := range ExportTables {
		path := filepath.Join(dir, t.Name+"."+format)
		n, err := exportTable(ctx, db, t, path, format)
		if err != nil {
			return nil, fmt.Errorf("export %s: %w", t.Name, err)
		}
		out = append(out, fmt.Sprintf("%s (%d rows)", path, n))
	}
	return out, nil
}

func exportTable(ctx context.Context, db *store.DB, t ExportTable, path, format string) (n int, err error) {
	rows, err := db.QueryContext(ctx, t.Query)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return 0, err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+"-*")
	if err != nil {
		return 0, err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := tmp.Chmod(outdir.FilePerm()); err != nil {
		return 0, err
	}
	w := bufio.NewWriterSize(tmp, 1<<16)
	var cw *csv.Writer
	if format == "csv" {
		cw = csv.NewWriter(w)
		if err := cw.Write(cols); err != nil {
			return 0, err
		}
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	record := make([]string, len(cols))
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return n, err
		}
		if cw != nil {
			for i, v := range vals {
				record[i] = csvCell(v)
			}
			if err := cw.Write(record); err != nil {
				return n, err
			}
		} else {
			obj := make(map[string]any, len(cols))
			for i, c := range cols {
				if b, ok := vals[i].([]byte); ok {
					obj[c] = string(b)
				} else {
					obj[c] = vals[i]
				}
			}
			b, err := json.Marshal(obj)
			if err != nil {
				return n, err
			}
			w.Write(b)
			w.WriteByte('\n')
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return n, err
	}
	if cw != nil {
		cw.Flush()
		if err := cw.Error(); err != nil {
			return n, err
		}
	}
	if err := w.Flush(); err != nil {
		return n, err
	}
	if err := tmp.Close(); err != nil {
		return n, err
	}
	return n, os.Rename(tmp.Name(), path)
}

// csvCell formats a value for CSV. Numbers stay numbers; text that a
// spreadsheet would run as a formula is neutralised.
func csvCell(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case []byte:
		return csvsafe.Neutralise(string(x))
	case string:
		return csvsafe.Neutralise(x)
	default:
		return csvsafe.Neutralise(fmt.Sprint(x))
	}
}
