package metrics

import (
	"context"
	"fmt"
	"strings"

	"github.com/blindspot-audit/blindspot/audit/store"
	"github.com/blindspot-audit/blindspot/vqa"
)

// CallCounts are calls by outcome, with what they cost.
type CallCounts struct {
	CallsMade     int64   `json:"calls_made"`
	CacheHits     int64   `json:"cache_hits"`
	Resumed       int64   `json:"resumed_tasks"`
	Failed        int64   `json:"failed"`
	Refused       int64   `json:"refused"`
	BudgetSkipped int64   `json:"budget_skipped"`
	CostUSD       float64 `json:"cost_usd"`
}

// Summary is what a run did and found, from the store (and, after a run,
// that run's own counters).
type Summary struct {
	RunDir string `json:"run_dir"`
	Name   string `json:"name"`
	// Findings are what the metrics show, in plain words, largest effects
	// first and caveats last (see Findings).
	Findings []Finding `json:"findings"`
	// Status is "complete", "budget" (stopped at the cap), "interrupted" or
	// "recorded" (read back from a store).
	Status string `json:"status"`
	// Items is the number of images recorded successfully; ItemsPlanned the
	// number the grid asks for.
	Items        int `json:"items"`
	ItemsPlanned int `json:"items_planned"`
	// Counts of calls: for `run`, what this run did; for `summary`, every
	// call the store holds; for a run shared through PostgreSQL, every
	// worker's.
	CallCounts
	FailedByClass map[string]int64 `json:"failed_by_class"`
	// TotalCostUSD is what every run of this run directory has spent.
	TotalCostUSD float64 `json:"total_cost_usd"`
	// Process holds, for a run shared through PostgreSQL, what this process
	// did; the counts above are then the whole run's, every worker's.
	Process *CallCounts    `json:"process,omitempty"`
	Stages  []StageSummary `json:"stages"`
	Metrics []store.Metric `json:"metrics"`
	// Translations count the prompts' translations in use by language,
	// origin (schema, machine, reviewer) and status.
	Translations []store.TranslationCount `json:"translations,omitempty"`
	// LanguageNames names the run's prompt languages by code, as its
	// schema does (a language of one's own included).
	LanguageNames map[string]string `json:"language_names,omitempty"`
	Tests         []store.Test      `json:"tests"`
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

// NoMetricsNotice says why a run with images shows no metric: its
// metrics stage has not run, or a newer Blindspot dropped the metrics an
// older one stored because their table changed shape.
const NoMetricsNotice = "No metrics are stored for this run, so there are no findings: its metrics stage has not run since its images were made (an interrupted run), or this version of Blindspot set aside the metrics an earlier version computed, whose table has changed. `blindspot run SPEC` computes them from the stored results without calling any model again."

// Summarize reads a summary from the store.
func Summarize(ctx context.Context, run *store.Run) (*Summary, error) {
	s := &Summary{RunDir: run.Dir, Status: "recorded", FailedByClass: map[string]int64{}}
	db := run.DB()
	var err error
	info, err := run.Info(ctx)
	if err != nil {
		return nil, fmt.Errorf("summary: %w", err)
	}
	s.Name, s.ItemsPlanned, s.LanguageNames = info.Name, info.PlannedImages, info.LanguageNames
	if s.Items, err = db.CountOKImages(ctx); err != nil {
		return nil, fmt.Errorf("summary: %w", err)
	}
	// Images of a replaced translation are kept but are not the audit's.
	old, err := db.CountSupersededOK(ctx)
	if err != nil {
		return nil, fmt.Errorf("summary: %w", err)
	}
	s.Items -= old
	stages, err := db.CallsByStage(ctx)
	if err != nil {
		return nil, fmt.Errorf("summary: %w", err)
	}
	for _, c := range stages {
		st := StageSummary{Stage: c.Stage, Calls: c.Made, CacheHits: c.CacheHits, Failed: c.Failed, Refused: c.Refused, CostUSD: c.CostUSD}
		s.Stages = append(s.Stages, st)
		s.CallsMade += st.Calls
		s.CacheHits += st.CacheHits
		s.Failed += st.Failed
		s.Refused += st.Refused
		s.CostUSD += st.CostUSD
	}
	s.TotalCostUSD = s.CostUSD
	if s.FailedByClass, err = db.FailuresByClass(ctx); err != nil {
		return nil, fmt.Errorf("summary: %w", err)
	}
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
	if s.Translations, err = db.TranslationCounts(ctx); err != nil {
		return nil, fmt.Errorf("summary: %w", err)
	}
	s.Notices = withheldNotices(s.Withheld)
	if len(all) == 0 && s.Items > 0 {
		s.Notices = append(s.Notices, NoMetricsNotice)
	}
	if n, classes, err := db.Untranslated(ctx); err != nil {
		return nil, fmt.Errorf("summary: %w", err)
	} else if n > 0 {
		s.Notices = append(s.Notices, fmt.Sprintf("%d prompt(s) have no translation: the translator's calls failed (%s), so the run left them out; the next run asks again (calls table, stage translate).", n, strings.Join(classes, ", ")))
	}
	if s.JudgeHealth, err = run.JudgeHealth(ctx); err != nil {
		return nil, fmt.Errorf("summary: %w", err)
	}
	for _, h := range s.JudgeHealth {
		if h.Flagged && info.DropFlagged {
			s.Notices = append(s.Notices, fmt.Sprintf("Judge %s, question %s (%q) is left out of judge accuracy (judge.drop_flagged): %s.", h.Judge, h.Label(), h.Example, h.Reason))
			continue
		}
		if h.Flagged {
			s.Notices = append(s.Notices, fmt.Sprintf("Judge %s, question %s (%q, expects %s): %s; answered as expected %.0f%% of %d times.",
				h.Judge, h.Label(), h.Example, h.Expected, h.Reason, 100*h.Accuracy, h.Answered))
		}
	}
	if s.Seeds, err = seedUse(ctx, db); err != nil {
		return nil, fmt.Errorf("summary: %w", err)
	}
	perceptual, err := run.PerceptualDuplicates(ctx)
	if err != nil {
		return nil, fmt.Errorf("summary: %w", err)
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
	if s.Embedder, err = diversityEmbedder(ctx, run, info); err != nil {
		return nil, fmt.Errorf("summary: %w", err)
	}
	s.Findings = Findings(s)
	return s, nil
}

// DiversityEmbedder names the embedder whose image embeddings the
// diversity, attribution-by-centroid and drift metrics use: the spec's
// analysis.embedder (by default its first embedder), or for a store made
// before that was recorded, the first by name that embedded an image.
func DiversityEmbedder(ctx context.Context, run *store.Run) (string, error) {
	info, err := run.Info(ctx)
	if err != nil {
		return "", err
	}
	return diversityEmbedder(ctx, run, info)
}

// diversityEmbedder is DiversityEmbedder with the run's information read.
func diversityEmbedder(ctx context.Context, run *store.Run, info store.RunInfo) (string, error) {
	if info.Embedder != "" {
		return info.Embedder, nil
	}
	return run.DB().FirstImageEmbedder(ctx)
}

// ParseRates counts the judges' answers by kind. A question answered
// through its fallback counts once, by its final answer.
func ParseRates(ctx context.Context, db *store.DB) ([]ParseRate, error) {
	idx := map[[2]string]*ParseRate{}
	var out []ParseRate
	var order [][2]string
	err := db.EachAnswer(ctx, store.AnswerQuery{Usable: true}, func(a store.StoredAnswer) error {
		k := [2]string{a.Judge, a.Kind}
		pr := idx[k]
		if pr == nil {
			pr = &ParseRate{Judge: a.Judge, Kind: a.Kind}
			idx[k] = pr
			order = append(order, k)
		}
		if a.Protocol == vqa.ProtocolFallback {
			// The first answer was counted unusable; the fallback's replaces it.
			pr.Fallbacks++
			pr.Asked--
		}
		pr.Asked++
		switch a.Parsed {
		case vqa.Unparsed:
		case vqa.Refused:
			pr.Refused++
		default:
			pr.Usable++
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, k := range order {
		pr := idx[k]
		if pr.Asked > 0 {
			pr.Rate = float64(pr.Usable) / float64(pr.Asked)
		}
		out = append(out, *pr)
	}
	return out, nil
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
	repeats, err := db.SeedRepeats(ctx)
	if err != nil {
		return nil, err
	}
	out := []SeedUse{}
	for _, r := range repeats {
		if len(out) == 0 || out[len(out)-1].Model != r.Model {
			out = append(out, SeedUse{Model: r.Model})
		}
		u := &out[len(out)-1]
		u.Prompts++
		u.Duplicates += r.Images - r.Distinct
		u.Distinct += r.Distinct
		if r.Distinct == 1 {
			u.AllSame++
		}
	}
	return out, nil
}
