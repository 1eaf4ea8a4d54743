package audit

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/blindspot-audit/blindspot/audit/metrics"
	"github.com/blindspot-audit/blindspot/audit/policy"
	"github.com/blindspot-audit/blindspot/audit/spec"
	"github.com/blindspot-audit/blindspot/audit/store"
)

// Stage is one named step of a run.
type Stage struct {
	Name string
	Run  func(ctx context.Context) error
}

// Options configure a Runner.
type Options struct {
	// Fresh ignores the response cache and redoes recorded tasks.
	Fresh bool
	// Getenv supplies API keys (os.Getenv in the CLI).
	Getenv func(string) string
	// Progress receives task completions.
	Progress Progress
	// Stopping reports a graceful stop request.
	Stopping func() bool
	// Version is the tool version recorded for provenance.
	Version string
	// Dir resolves the spec's relative output and cache paths ("" = cwd).
	Dir string
	// Backoff overrides the retry backoff (zero: policy.DefaultBackoff).
	Backoff policy.Backoff
	// StoreURL puts the run store in PostgreSQL (overrides the spec's
	// store); empty keeps the spec's choice, by default SQLite in the run
	// directory. On PostgreSQL the run goes through the shared work queue.
	StoreURL string
	// Worker makes this runner a worker of a run started elsewhere: it
	// neither records the run's provenance nor computes its metrics.
	Worker bool
	// Work configures the worker loop on a PostgreSQL store.
	Work WorkOptions
}

// Runner holds the state of one run while its stages execute.
type Runner struct {
	Opts    Options
	Plan    *Plan
	Run     *store.Run
	Cache   *store.Cache
	Engine  *Engine
	Budget  *policy.Budget
	Summary *metrics.Summary
	// Outcome is the execute stage's soft ending: nil, ErrBudgetReached or
	// ErrInterrupted.
	Outcome error
	lock    *store.DirLock
	// settled counts the store's settled tasks before and after execute:
	// what a run that finds nothing to do would say it resumed.
	settled [2]int64
}

// NewRunner prepares a run of a plan.
func NewRunner(p *Plan, o Options) *Runner {
	if o.Getenv == nil {
		o.Getenv = func(string) string { return "" }
	}
	if o.Backoff.Base == 0 {
		o.Backoff = policy.DefaultBackoff
	}
	return &Runner{Opts: o, Plan: p}
}

// Resolve makes a spec path absolute against the runner's directory.
func (r *Runner) Resolve(path string) string {
	if filepath.IsAbs(path) || r.Opts.Dir == "" {
		return path
	}
	return filepath.Join(r.Opts.Dir, path)
}

// cacheLocation is the spec's cache_dir: an object-storage URL as it is,
// a folder resolved against the runner's directory.
func (r *Runner) cacheLocation() string {
	if store.IsBucketURL(r.Plan.Audit.CacheDir) {
		return r.Plan.Audit.CacheDir
	}
	return r.Resolve(r.Plan.Audit.CacheDir)
}

// RunDir is where the run store and report go.
func (r *Runner) RunDir() string { return r.Resolve(r.Plan.Audit.Output) }

// Stages lists the run's stages in order; more (the report) may follow.
// A worker only opens and works.
func (r *Runner) Stages() []Stage {
	if r.Opts.Worker {
		return []Stage{{"open", r.open}, {StageTranslate, r.translate}, {"execute", r.execute}}
	}
	return []Stage{
		{"open", r.open},
		{StageTranslate, r.translate},
		{"execute", r.execute},
		{"metrics", r.metrics},
	}
}

// ErrFreshOverBudget refuses a --fresh run whose estimate, added to what
// the run directory has spent, passes the budget cap: nothing is called.
var ErrFreshOverBudget = errors.New("the budget cannot cover a fresh run")

func (r *Runner) open(ctx context.Context) error {
	a := r.Plan.Audit
	var err error
	storeURL := r.Opts.StoreURL
	if storeURL == "" {
		storeURL = a.Store
	}
	// The endpoints' keys are checked before anything is written.
	eps, err := a.Open(r.Opts.Getenv)
	if err != nil {
		return err
	}
	// One process at a time writes a SQLite run; a shared run on PostgreSQL
	// has many workers, whose budget and queue live in the database.
	if storeURL == "" && !r.Opts.Worker {
		if err := os.MkdirAll(r.RunDir(), 0o755); err != nil {
			return fmt.Errorf("run directory: %w", err)
		}
		if r.lock, err = store.LockDir(r.RunDir(), "run"); err != nil {
			return err
		}
	}
	if r.Run, err = store.OpenRunAt(ctx, r.RunDir(), storeURL); err != nil {
		return err
	}
	// Workers of a run started with --fresh redo what the store holds too.
	if r.Opts.Worker {
		info, err := r.Run.Info(ctx)
		if err != nil {
			return err
		}
		if info.Fresh {
			r.Opts.Fresh = true
		}
	}
	if r.Cache, err = store.OpenCacheAt(ctx, r.cacheLocation()); err != nil {
		return err
	}
	spent, err := r.Run.SpentUSD(ctx)
	if err != nil {
		return fmt.Errorf("reading spending so far: %w", err)
	}
	// --fresh pays for every call again, on top of what the run directory
	// has spent: say so before the first call rather than stop at the cap
	// half-way through.
	if est := r.Plan.Counts.EstimateUSD; r.Opts.Fresh && !r.Opts.Worker && a.BudgetUSD > 0 && spent > 0 && spent+est > a.BudgetUSD {
		return fmt.Errorf("%w: --fresh redoes every call: about $%.2f (grid's estimate) on top of the $%.2f this run directory has spent would pass budget_usd $%.2f; raise budget_usd to at least $%.2f, or use another output folder",
			ErrFreshOverBudget, est, spent, a.BudgetUSD, spent+est)
	}
	r.Budget = policy.NewBudget(a.BudgetUSD, spent, a.Prices)
	if r.shared() {
		if !r.Opts.Worker {
			if err := r.Run.ResetBudget(ctx); err != nil {
				return fmt.Errorf("shared budget: %w", err)
			}
		}
		r.Budget.Share(r.Run)
	}
	ep := func(name string) spec.Endpoint { return endpointOf(a, name) }
	runID, err := r.Run.ID(ctx)
	if err != nil {
		return err
	}
	acct := &policy.Accounting{Run: runID, Process: processID(), Recorded: r.Run.PaidCallRecorded, Charge: r.Budget.Charge}
	invoke := policy.Chain(policy.Provider(),
		policy.Cache(r.Cache, r.Opts.Fresh, acct),
		r.Budget.Wrap,
		policy.Retry(func(n string) int { return *ep(n).Retries }, r.Opts.Backoff),
		r.rateLimit(),
		policy.Concurrency(func(n string) int { return ep(n).Concurrency }),
		policy.Timeout(func(n string) time.Duration { return ep(n).Timeout }),
		policy.Gate(r.Opts.Stopping),
	)
	r.Engine = &Engine{Plan: r.Plan, Run: r.Run, Blobs: r.Cache.Blobs, Endpoints: eps, Invoke: invoke,
		Progress: r.Opts.Progress, Stopping: r.Opts.Stopping, Fresh: r.Opts.Fresh}
	r.Engine.Judge = newJudge(a)
	if r.Opts.Worker {
		return nil
	}
	info := store.RunInfo{
		Name: a.Name, Spec: string(a.Raw), SpecFile: a.File, Output: a.Output, ToolVersion: r.Opts.Version,
		StartedAt: time.Now().UTC().Format(time.RFC3339), PlannedImages: r.Plan.Counts.Images,
		Fresh: r.Opts.Fresh, CacheDir: r.cacheLocation(),
		GlobalNorth: a.Analysis.GlobalNorth, Quality: a.Analysis.Quality, Embedder: a.Analysis.Embedder,
		DropFlagged: a.Judge.DropFlagged, Acceptable: a.Analysis.Acceptable.Sources(),
	}
	if st := a.Stories; st != nil {
		info.StoryLexicon, info.StorySimilarity = st.LexiconFiles, st.Similarity
	}
	if len(r.Plan.Counts.Languages) > 1 {
		info.LanguageNames = map[string]string{}
		for code := range r.Plan.Counts.Languages {
			info.LanguageNames[code] = a.Schema.LanguageName(code)
		}
	}
	return r.Run.SetInfo(info)
}

// shared reports whether the run goes through the work queue: its store is
// PostgreSQL, which every worker shares.
func (r *Runner) shared() bool { return r.Run.DB().Dialect() == store.Postgres }

// rateLimit paces calls by each endpoint's requests_per_minute: in this
// process, or across every worker when the store is shared.
func (r *Runner) rateLimit() policy.Wrapper {
	rpm := func(n string) float64 { return endpointOf(r.Plan.Audit, n).RequestsPerMinute }
	if r.shared() {
		return policy.SharedRateLimit(rpm, r.Run.WaitRate)
	}
	return policy.RateLimit(rpm)
}

// translate settles every translated prompt's text; a worker reads what
// the run's first process recorded.
func (r *Runner) translate(ctx context.Context) error {
	return r.Engine.ResolveTranslations(ctx, !r.Opts.Worker)
}

func (r *Runner) execute(ctx context.Context) error {
	var err error
	if r.Opts.Worker && !r.shared() {
		return store.ErrNeedsPostgres
	}
	if r.shared() {
		if !r.Opts.Worker {
			if _, err := r.Enqueue(ctx); err != nil {
				return err
			}
		}
		err = r.Work(ctx, r.Opts.Work)
	} else {
		if r.settled[0], err = r.Run.DB().CountSettledTasks(ctx); err != nil {
			return err
		}
		err = r.Engine.Execute(ctx)
		var cerr error
		if r.settled[1], cerr = r.Run.DB().CountSettledTasks(context.WithoutCancel(ctx)); cerr != nil {
			return cerr
		}
	}
	if errors.Is(err, ErrBudgetReached) || errors.Is(err, ErrInterrupted) {
		r.Outcome = err
		return nil
	}
	return err
}

func (r *Runner) metrics(ctx context.Context) error {
	// Metrics are computed even when the run stopped early, from what the
	// store holds; a hard cancel still gets them with a fresh context.
	_, err := metrics.Compute(context.WithoutCancel(ctx), r.Run, r.Cache.Blobs)
	if err != nil {
		return err
	}
	s, err := metrics.Summarize(context.WithoutCancel(ctx), r.Run)
	if err != nil {
		return err
	}
	status := "complete"
	switch {
	case errors.Is(r.Outcome, ErrBudgetReached):
		status = "budget"
	case errors.Is(r.Outcome, ErrInterrupted):
		status = "interrupted"
	}
	if r.shared() {
		// Every worker's calls are the run's: the store's counts stand, and
		// this process's own are given beside them.
		st := &r.Engine.Stats
		s.Status = status
		s.Process = &metrics.CallCounts{CallsMade: st.CallsMade.Load(), CacheHits: st.CacheHits.Load(), Resumed: st.Resumed.Load(),
			Failed: st.Failed.Load(), Refused: st.Refused.Load(), BudgetSkipped: st.BudgetSkip.Load(), CostUSD: st.CostUSD()}
	} else {
		withRunStats(s, &r.Engine.Stats, status)
	}
	r.Summary = s
	return nil
}

// Close flushes and closes the stores.
func (r *Runner) Close() error {
	var errs []error
	if r.Run != nil {
		errs = append(errs, r.Run.Close())
	}
	if r.Cache != nil {
		errs = append(errs, r.Cache.Close())
	}
	errs = append(errs, r.lock.Unlock())
	return errors.Join(errs...)
}

// StopReason explains a soft ending to the user.
func (r *Runner) StopReason() string {
	switch {
	case errors.Is(r.Outcome, ErrBudgetReached):
		return fmt.Sprintf("stopped at the budget cap: $%.4f spent of budget_usd $%.2f; raise budget_usd and run again to continue where this run stopped", r.Budget.Spent(), r.Budget.Cap())
	case errors.Is(r.Outcome, ErrInterrupted):
		return "interrupted: calls in flight were finished and recorded; run the same command again to resume"
	}
	return ""
}

// processID names this process among all that ever work on a run.
func processID() string {
	b := make([]byte, 8)
	rand.Read(b)
	return fmt.Sprintf("%d-%x", os.Getpid(), b)
}

// withRunStats replaces the store's cumulative call counts in a summary
// by what this run did.
func withRunStats(s *metrics.Summary, st *Stats, status string) {
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
