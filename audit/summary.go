package audit

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/blindspot-audit/blindspot/audit/store"
	"github.com/blindspot-audit/blindspot/vqa"
)

// Summary is what a run did and found, from the store (and, after a run,
// that run's own counters).
type Summary struct {
	RunDir string `json:"run_dir"`
	Name   string `json:"name"`
	// Status is "complete", "budget" (stopped at the cap), "interrupted" or
	// "recorded" (read back from a store).
	Status string `json:"status"`
	// Items is the number of images recorded successfully; ItemsPlanned the
	// number the grid asks for.
	Items        int `json:"items"`
	ItemsPlanned int `json:"items_planned"`
	// Counts of calls: for `run`, what this run did; for `summary`, every
	// call the store holds.
	CallsMade     int64            `json:"calls_made"`
	CacheHits     int64            `json:"cache_hits"`
	Resumed       int64            `json:"resumed_tasks"`
	Failed        int64            `json:"failed"`
	Refused       int64            `json:"refused"`
	BudgetSkipped int64            `json:"budget_skipped"`
	FailedByClass map[string]int64 `json:"failed_by_class"`
	CostUSD       float64          `json:"cost_usd"`
	// TotalCostUSD is what every run of this run directory has spent.
	TotalCostUSD float64        `json:"total_cost_usd"`
	Stages       []StageSummary `json:"stages"`
	Metrics      []store.Metric `json:"metrics"`
	Tests        []store.Test   `json:"tests"`
	// Agreement holds the native reviewers' agreement and its correlation
	// with the automatic metrics, once ratings are imported.
	Agreement []store.Agreement `json:"agreement,omitempty"`
	// Embedder is the endpoint whose image embeddings the diversity,
	// attribution and drift metrics use ("" without embeddings).
	Embedder string `json:"embedder,omitempty"`
	// Withheld are metrics not reported because their answers were usable
	// less than store.MinParseRate of the time; Metrics holds the rest.
	Withheld []store.Metric `json:"withheld"`
	// Notices say in words what is withheld or doubtful, for the top of
	// the summary and the report.
	Notices []string `json:"notices"`
	// ParseRates are, per judge and kind of question, how many answers
	// were sought and how many were usable.
	ParseRates []ParseRate `json:"parse_rates"`
	// JudgeHealth is the item analysis of every yes/no question template
	// of every judge; flagged ones also make a notice.
	JudgeHealth []TemplateHealth `json:"judge_health"`
	// Seeds says, per text-to-image model, how many prompts returned
	// byte-identical images for different seeds. Metrics count such an
	// image once.
	Seeds []SeedUse `json:"seeds"`
}

// SeedUse counts one model's prompts (with more than one seed) by whether
// their seeds gave distinct images.
type SeedUse struct {
	Model string `json:"model"`
	// Prompts with at least two images; AllSame of them returned one image
	// for every seed; Duplicates is how many images repeat one of a lower
	// seed, and Distinct how many images remain.
	Prompts    int `json:"prompts"`
	AllSame    int `json:"all_same"`
	Duplicates int `json:"duplicates"`
	Distinct   int `json:"distinct"`
	// Perceptual counts distinct images with the same perceptual hash
	// (pHash distance 0) as a lower seed's image of the same prompt:
	// reported, still counted in n.
	Perceptual int `json:"perceptual_duplicates"`
}

// ParseRate counts one judge's answers to one kind of question; see
// store.ParseRate.
type ParseRate = store.ParseRate

// StageSummary counts the store's calls of one stage.
type StageSummary struct {
	Stage     string  `json:"stage"`
	Calls     int64   `json:"calls"`
	CacheHits int64   `json:"cache_hits"`
	Failed    int64   `json:"failed"`
	Refused   int64   `json:"refused"`
	CostUSD   float64 `json:"cost_usd"`
}

// Summarize reads a summary from the store.
func Summarize(ctx context.Context, run *store.Run) (*Summary, error) {
	s := &Summary{RunDir: run.Dir, Status: "recorded", FailedByClass: map[string]int64{}}
	db := run.DB()
	var err error
	if s.Name, err = run.Meta(ctx, "name"); err != nil {
		return nil, fmt.Errorf("summary: %w", err)
	}
	var planned string
	if planned, err = run.Meta(ctx, "planned_images"); err == nil && planned != "" {
		fmt.Sscan(planned, &s.ItemsPlanned)
	}
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM images WHERE status = 'ok'`).Scan(&s.Items); err != nil {
		return nil, fmt.Errorf("summary: %w", err)
	}
	rows, err := db.QueryContext(ctx, `SELECT stage, SUM(CASE WHEN cache_hit = 0 AND status != 'skipped' THEN 1 ELSE 0 END), SUM(cache_hit),
		SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END), SUM(CASE WHEN status = 'refused' THEN 1 ELSE 0 END), SUM(cost_usd)
		FROM calls GROUP BY stage ORDER BY CASE stage WHEN 'generate' THEN 0 WHEN 'edit' THEN 1 WHEN 'judge' THEN 2 ELSE 3 END`)
	if err != nil {
		return nil, fmt.Errorf("summary: %w", err)
	}
	for rows.Next() {
		var st StageSummary
		if err := rows.Scan(&st.Stage, &st.Calls, &st.CacheHits, &st.Failed, &st.Refused, &st.CostUSD); err != nil {
			rows.Close()
			return nil, fmt.Errorf("summary: %w", err)
		}
		s.Stages = append(s.Stages, st)
		s.CallsMade += st.Calls
		s.CacheHits += st.CacheHits
		s.Failed += st.Failed
		s.Refused += st.Refused
		s.CostUSD += st.CostUSD
	}
	rows.Close()
	s.TotalCostUSD = s.CostUSD
	rows, err = db.QueryContext(ctx, `SELECT error_class, COUNT(*) FROM calls WHERE status = 'failed' GROUP BY error_class ORDER BY error_class`)
	if err != nil {
		return nil, fmt.Errorf("summary: %w", err)
	}
	for rows.Next() {
		var c string
		var n int64
		if err := rows.Scan(&c, &n); err != nil {
			rows.Close()
			return nil, fmt.Errorf("summary: %w", err)
		}
		s.FailedByClass[c] = n
	}
	rows.Close()
	all, err := run.Metrics(ctx)
	if err != nil {
		return nil, fmt.Errorf("summary: %w", err)
	}
	s.Metrics, s.Withheld = []store.Metric{}, []store.Metric{}
	for _, m := range all {
		if m.Withheld() {
			s.Withheld = append(s.Withheld, m)
		} else {
			s.Metrics = append(s.Metrics, m)
		}
	}
	if s.ParseRates, err = run.ParseRates(ctx); err != nil {
		return nil, fmt.Errorf("summary: %w", err)
	}
	s.Notices = withheldNotices(s.Withheld)
	if s.JudgeHealth, err = run.JudgeHealth(ctx); err != nil {
		return nil, fmt.Errorf("summary: %w", err)
	}
	dropped, _ := run.Meta(ctx, "drop_flagged")
	for _, h := range s.JudgeHealth {
		if h.Flagged && dropped == "true" {
			s.Notices = append(s.Notices, fmt.Sprintf("Judge %s, question %s (%q) is left out of judge accuracy (judge.drop_flagged): %s.", h.Judge, h.QID, h.Example, h.Reason))
			continue
		}
		if h.Flagged {
			s.Notices = append(s.Notices, fmt.Sprintf("Judge %s, question %s (%q, expects %s): %s; answered as expected %.0f%% of %d times.",
				h.Judge, h.QID, h.Example, h.Expected, h.Reason, 100*h.Accuracy, h.Answered))
		}
	}
	if s.Seeds, err = seedUse(ctx, db); err != nil {
		return nil, fmt.Errorf("summary: %w", err)
	}
	var perceptual map[string]int
	if v, _ := run.Meta(ctx, metaPerceptual); v != "" {
		json.Unmarshal([]byte(v), &perceptual)
	}
	for i := range s.Seeds {
		s.Seeds[i].Perceptual = perceptual[s.Seeds[i].Model]
	}
	for _, u := range s.Seeds {
		if u.Perceptual > 0 {
			s.Notices = append(s.Notices, fmt.Sprintf("%d images of %s look the same as another seed's image of the same prompt (perceptual hash distance 0) without being byte-identical; they still count in n.", u.Perceptual, u.Model))
		}
		if u.Duplicates > 0 {
			s.Notices = append(s.Notices, fmt.Sprintf("%d of %d prompts of %s returned the same image for every seed (%d images repeat another seed's): "+
				"the model ignores seeds, or they are not sent; n and every interval count distinct images (%d).", u.AllSame, u.Prompts, u.Model, u.Duplicates, u.Distinct))
		}
	}
	if s.Tests, err = run.Tests(ctx); err != nil {
		return nil, fmt.Errorf("summary: %w", err)
	}
	if s.Agreement, err = run.Agreements(ctx); err != nil {
		return nil, fmt.Errorf("summary: %w", err)
	}
	if s.Embedder, err = DiversityEmbedder(ctx, run); err != nil {
		return nil, fmt.Errorf("summary: %w", err)
	}
	return s, nil
}

// WithRunStats replaces the store's cumulative call counts by what this
// run did.
func (s *Summary) WithRunStats(st *Stats, status string) {
	s.Status = status
	s.CallsMade = st.CallsMade.Load()
	s.CacheHits = st.CacheHits.Load()
	s.Resumed = st.Resumed.Load()
	s.Failed = st.Failed.Load()
	s.Refused = st.Refused.Load()
	s.BudgetSkipped = st.BudgetSkip.Load()
	s.FailedByClass = st.FailedByClass()
	s.CostUSD = st.CostUSD()
}

// DiversityEmbedder names the embedder whose image embeddings the
// diversity, attribution-by-centroid and drift metrics use: the spec's
// analysis.embedder (by default its first embedder), or for a store made
// before that was recorded, the first by name that embedded an image.
func DiversityEmbedder(ctx context.Context, run *store.Run) (string, error) {
	if v, err := run.Meta(ctx, "embedder"); err != nil {
		return "", err
	} else if v != "" {
		return v, nil
	}
	var name string
	err := run.DB().QueryRowContext(ctx, `SELECT COALESCE(MIN(embedder), '') FROM embeddings`).Scan(&name)
	return name, err
}

// ParseRates counts the judges' answers by kind. A question answered
// through its fallback counts once, by its final answer.
func ParseRates(ctx context.Context, db *store.DB) ([]ParseRate, error) {
	rows, err := db.QueryContext(ctx, `SELECT judge, kind, parsed, qid, protocol FROM answers WHERE parsed != 'error' ORDER BY judge, kind`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	idx := map[[2]string]*ParseRate{}
	var out []ParseRate
	var order [][2]string
	for rows.Next() {
		var judge, kind, parsed, qid, protocol string
		if err := rows.Scan(&judge, &kind, &parsed, &qid, &protocol); err != nil {
			return nil, err
		}
		k := [2]string{judge, kind}
		pr := idx[k]
		if pr == nil {
			pr = &ParseRate{Judge: judge, Kind: kind}
			idx[k] = pr
			order = append(order, k)
		}
		if protocol == vqa.ProtocolFallback {
			// The first answer was counted unusable; the fallback's replaces it.
			pr.Fallbacks++
			pr.Asked--
		}
		pr.Asked++
		switch parsed {
		case vqa.Unparsed:
		case vqa.Refused:
			pr.Refused++
		default:
			pr.Usable++
		}
	}
	for _, k := range order {
		pr := idx[k]
		if pr.Asked > 0 {
			pr.Rate = float64(pr.Usable) / float64(pr.Asked)
		}
		out = append(out, *pr)
	}
	return out, rows.Err()
}

// withheldNotices says, per metric name and model, what is withheld and
// why.
func withheldNotices(ws []store.Metric) []string {
	type key struct{ name, model, set string }
	worst := map[key]store.Metric{}
	var order []key
	for _, m := range ws {
		k := key{m.Name, m.Model, m.PromptSet}
		w, ok := worst[k]
		if !ok {
			order = append(order, k)
		}
		if !ok || *m.ParseRate < *w.ParseRate {
			worst[k] = m
		}
	}
	out := []string{}
	for _, k := range order {
		m := worst[k]
		scope := m.Model
		if m.PromptSet != "" {
			scope += ", " + m.PromptSet + " prompts"
		}
		out = append(out, fmt.Sprintf("%s (%s) is not reported: the judge's answers were usable for %.0f%% of %d asked (at least %.0f%% needed).",
			m.Name, scope, 100**m.ParseRate, m.Asked, 100*store.MinParseRate))
	}
	return out
}

// seedUse counts, per model, prompts whose seeds gave identical images.
func seedUse(ctx context.Context, db *store.DB) ([]SeedUse, error) {
	rows, err := db.QueryContext(ctx, `SELECT model, prompt_id, COUNT(*), COUNT(DISTINCT image_sha) FROM images
		WHERE kind = 't2i' AND status = 'ok' GROUP BY model, prompt_id HAVING COUNT(*) > 1 ORDER BY model, prompt_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []SeedUse{}
	for rows.Next() {
		var model, prompt string
		var n, distinct int
		if err := rows.Scan(&model, &prompt, &n, &distinct); err != nil {
			return nil, err
		}
		if len(out) == 0 || out[len(out)-1].Model != model {
			out = append(out, SeedUse{Model: model})
		}
		u := &out[len(out)-1]
		u.Prompts++
		u.Duplicates += n - distinct
		u.Distinct += distinct
		if distinct == 1 {
			u.AllSame++
		}
	}
	return out, rows.Err()
}
