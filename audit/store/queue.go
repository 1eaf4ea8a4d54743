package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/blindspot-audit/blindspot/generators"
)

// ErrNeedsPostgres is returned by the work queue on a SQLite store:
// several workers need a database server to share.
var ErrNeedsPostgres = errors.New("workers share a run through a PostgreSQL store (--store postgres://...); a SQLite store serves one process")

// queueSchema holds the work queue, the workers' heartbeats and the shared
// rate limits; PostgreSQL only.
const queueSchema = `
CREATE TABLE IF NOT EXISTS jobs (
	id          TEXT PRIMARY KEY,
	payload     TEXT NOT NULL,
	status      TEXT NOT NULL DEFAULT 'queued',
	worker      TEXT NOT NULL DEFAULT '',
	lease_until TIMESTAMPTZ,
	attempts    BIGINT NOT NULL DEFAULT 0,
	done_at     TIMESTAMPTZ
);
CREATE INDEX IF NOT EXISTS jobs_status ON jobs(status, id);
CREATE TABLE IF NOT EXISTS workers (
	id         TEXT PRIMARY KEY,
	host       TEXT NOT NULL,
	started_at TIMESTAMPTZ NOT NULL,
	seen_at    TIMESTAMPTZ NOT NULL,
	jobs_done  BIGINT NOT NULL DEFAULT 0
);
ALTER TABLE workers ADD COLUMN IF NOT EXISTS lease_until TIMESTAMPTZ;
ALTER TABLE workers ADD COLUMN IF NOT EXISTS exited_at TIMESTAMPTZ;
CREATE TABLE IF NOT EXISTS rate_limits (
	endpoint TEXT PRIMARY KEY,
	next_at  TIMESTAMPTZ NOT NULL
);
CREATE TABLE IF NOT EXISTS budget (
	id       INTEGER PRIMARY KEY,
	spent    DOUBLE PRECISION NOT NULL,
	reserved DOUBLE PRECISION NOT NULL
)`

// Job is one unit of work taken from the queue.
type Job struct {
	ID, Payload string
}

func (r *Run) queue() (*sql.DB, error) {
	if r.db.d != Postgres {
		return nil, ErrNeedsPostgres
	}
	return r.db.db, nil
}

// Enqueue adds jobs (id, payload) that are not queued yet; enqueueing the
// same grid again adds nothing.
func (r *Run) Enqueue(ctx context.Context, jobs [][2]string) (int, error) {
	db, err := r.queue()
	if err != nil {
		return 0, err
	}
	// One transaction: a worker sees the whole queue or none of it, so it
	// never finishes the first batch and leaves, thinking the run done.
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("enqueueing: %w", err)
	}
	defer tx.Rollback()
	added := 0
	const batch = 500
	for start := 0; start < len(jobs); start += batch {
		part := jobs[start:min(len(jobs), start+batch)]
		var b strings.Builder
		args := make([]any, 0, 2*len(part))
		b.WriteString(`INSERT INTO jobs(id, payload) VALUES `)
		for i, j := range part {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "($%d, $%d)", 2*i+1, 2*i+2)
			args = append(args, j[0], j[1])
		}
		b.WriteString(` ON CONFLICT (id) DO NOTHING`)
		res, err := tx.ExecContext(ctx, b.String(), args...)
		if err != nil {
			return 0, fmt.Errorf("enqueueing: %w", err)
		}
		n, _ := res.RowsAffected()
		added += int(n)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("enqueueing: %w", err)
	}
	return added, nil
}

// QueueFilled reports whether the run's grid is in the queue (Enqueue
// adds it whole, in one transaction).
func (r *Run) QueueFilled(ctx context.Context) (bool, error) {
	db, err := r.queue()
	if err != nil {
		return false, err
	}
	var filled bool
	if err := db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM jobs)`).Scan(&filled); err != nil {
		return false, fmt.Errorf("reading the queue: %w", err)
	}
	return filled, nil
}

// Requeue puts done jobs back in the queue, so that a new run walks every
// unit again: recorded tasks are skipped, transient failures retried, as a
// re-run on SQLite does.
func (r *Run) Requeue(ctx context.Context) error {
	db, err := r.queue()
	if err != nil {
		return err
	}
	_, err = db.ExecContext(ctx, `UPDATE jobs SET status = 'queued', worker = '', lease_until = NULL WHERE status = 'done'`)
	return err
}

// Claim leases up to n jobs to worker: queued ones, and running ones whose
// lease ran out (their worker died). SKIP LOCKED keeps workers from waiting
// on each other.
func (r *Run) Claim(ctx context.Context, worker string, lease time.Duration, n int) ([]Job, error) {
	db, err := r.queue()
	if err != nil {
		return nil, err
	}
	rows, err := db.QueryContext(ctx, `UPDATE jobs SET status = 'running', worker = $1, lease_until = clock_timestamp() + make_interval(secs => $2), attempts = attempts + 1
		WHERE id IN (SELECT id FROM jobs WHERE status = 'queued' OR (status = 'running' AND lease_until < clock_timestamp())
			ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED)
		RETURNING id, payload`, worker, lease.Seconds(), n)
	if err != nil {
		return nil, fmt.Errorf("claiming work: %w", err)
	}
	defer rows.Close()
	var out []Job
	for rows.Next() {
		var j Job
		if err := rows.Scan(&j.ID, &j.Payload); err != nil {
			return nil, err
		}
		out = append(out, j)
	}
	return out, rows.Err()
}

// Heartbeat records that worker is alive and extends the leases of the
// jobs it holds.
func (r *Run) Heartbeat(ctx context.Context, worker, host string, lease time.Duration, jobsDone int64) error {
	db, err := r.queue()
	if err != nil {
		return err
	}
	// A worker is alive while its heartbeat's lease lasts: the same
	// lease after which its units go to others.
	if _, err := db.ExecContext(ctx, `INSERT INTO workers(id, host, started_at, seen_at, jobs_done, lease_until) VALUES ($1, $2, clock_timestamp(), clock_timestamp(), $3, clock_timestamp() + make_interval(secs => $4))
		ON CONFLICT (id) DO UPDATE SET seen_at = clock_timestamp(), jobs_done = $3, lease_until = clock_timestamp() + make_interval(secs => $4), exited_at = NULL`, worker, host, jobsDone, lease.Seconds()); err != nil {
		return fmt.Errorf("heartbeat: %w", err)
	}
	if _, err := db.ExecContext(ctx, `UPDATE jobs SET lease_until = clock_timestamp() + make_interval(secs => $2) WHERE worker = $1 AND status = 'running'`, worker, lease.Seconds()); err != nil {
		return fmt.Errorf("extending leases: %w", err)
	}
	return nil
}

// Complete marks a job done. Completing twice (a job taken over from a
// worker thought dead) is harmless: the work itself is idempotent.
func (r *Run) Complete(ctx context.Context, id string) error {
	db, err := r.queue()
	if err != nil {
		return err
	}
	_, err = db.ExecContext(ctx, `UPDATE jobs SET status = 'done', done_at = clock_timestamp() WHERE id = $1`, id)
	return err
}

// QueueCounts is how many jobs are in each state.
type QueueCounts struct {
	Queued  int `json:"queued"`
	Running int `json:"running"`
	Done    int `json:"done"`
	// Expired counts running units whose lease ran out (their worker died).
	Expired int `json:"expired"`
}

// Remaining is work not yet done.
func (q QueueCounts) Remaining() int { return q.Queued + q.Running }

// Queue counts jobs by state; Expired counts running jobs whose lease ran
// out.
func (r *Run) Queue(ctx context.Context) (QueueCounts, error) {
	var q QueueCounts
	db, err := r.queue()
	if err != nil {
		return q, err
	}
	err = db.QueryRowContext(ctx, `SELECT
		COUNT(*) FILTER (WHERE status = 'queued'), COUNT(*) FILTER (WHERE status = 'running'),
		COUNT(*) FILTER (WHERE status = 'done'), COUNT(*) FILTER (WHERE status = 'running' AND lease_until < clock_timestamp())
		FROM jobs`).Scan(&q.Queued, &q.Running, &q.Done, &q.Expired)
	return q, err
}

// Worker is a worker's last heartbeat.
type Worker struct {
	ID        string    `json:"id"`
	Host      string    `json:"host"`
	StartedAt time.Time `json:"started_at"`
	SeenAt    time.Time `json:"seen_at"`
	// UnitsDone counts the queue's units this worker completed.
	UnitsDone int64 `json:"units_done"`
	// Alive: its heartbeat's lease has not run out and it has not exited.
	Alive bool `json:"alive"`
	// Exited: it finished and said so (a killed worker cannot).
	Exited bool `json:"exited"`
}

// WorkerExited records that a worker ended cleanly.
func (r *Run) WorkerExited(ctx context.Context, worker string) error {
	db, err := r.queue()
	if err != nil {
		return err
	}
	if _, err := db.ExecContext(ctx, `UPDATE workers SET exited_at = clock_timestamp(), lease_until = clock_timestamp() WHERE id = $1`, worker); err != nil {
		return fmt.Errorf("recording the worker's exit: %w", err)
	}
	return nil
}

// Workers lists the workers that ever took part, most recently seen first,
// with the units each completed (counted in the queue itself) and whether
// it is alive, both judged by the database's clock.
func (r *Run) Workers(ctx context.Context) ([]Worker, error) {
	db, err := r.queue()
	if err != nil {
		return nil, err
	}
	rows, err := db.QueryContext(ctx, `SELECT w.id, w.host, w.started_at, w.seen_at,
		(SELECT COUNT(*) FROM jobs j WHERE j.worker = w.id AND j.status = 'done'),
		w.exited_at IS NULL AND COALESCE(w.lease_until, w.seen_at) > clock_timestamp(), w.exited_at IS NOT NULL
		FROM workers w ORDER BY w.seen_at DESC, w.id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Worker
	for rows.Next() {
		var w Worker
		if err := rows.Scan(&w.ID, &w.Host, &w.StartedAt, &w.SeenAt, &w.UnitsDone, &w.Alive, &w.Exited); err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

// WaitRate waits for endpoint's next slot under a limit of rpm requests
// per minute shared by every worker: one row per endpoint holds the time
// of the next free slot, and each call moves it on by 60/rpm seconds.
func (r *Run) WaitRate(ctx context.Context, endpoint string, rpm float64) error {
	db, err := r.queue()
	if err != nil {
		return err
	}
	step := 60 / rpm
	var wait float64
	if err := db.QueryRowContext(ctx, `INSERT INTO rate_limits(endpoint, next_at) VALUES ($1, clock_timestamp() + make_interval(secs => $2))
		ON CONFLICT (endpoint) DO UPDATE SET next_at = GREATEST(rate_limits.next_at, clock_timestamp()) + make_interval(secs => $2)
		RETURNING EXTRACT(EPOCH FROM (next_at - clock_timestamp()))::float8 - $2`, endpoint, step).Scan(&wait); err != nil {
		return fmt.Errorf("shared rate limit of %s: %w", endpoint, err)
	}
	if wait <= 0 {
		return nil
	}
	return generators.Sleep(ctx, time.Duration(wait*float64(time.Second)))
}

// ResetBudget sets the shared budget to what the recorded calls cost, with
// nothing reserved: a new run starts from the store's own account, and
// reservations of workers that died are forgotten.
func (r *Run) ResetBudget(ctx context.Context) error {
	db, err := r.queue()
	if err != nil {
		return err
	}
	_, err = db.ExecContext(ctx, `INSERT INTO budget(id, spent, reserved) VALUES (1, (SELECT COALESCE(SUM(cost_usd), 0) FROM calls WHERE cache_hit = 0), 0)
		ON CONFLICT (id) DO UPDATE SET spent = EXCLUDED.spent, reserved = 0`)
	return err
}

// Reserve sets aside cost of the shared budget if spent, reserved and cost
// stay within capUSD.
func (r *Run) Reserve(ctx context.Context, cost, capUSD float64) (bool, error) {
	db, err := r.queue()
	if err != nil {
		return false, err
	}
	for attempt := 0; attempt < 2; attempt++ {
		res, err := db.ExecContext(ctx, `UPDATE budget SET reserved = reserved + $1 WHERE id = 1 AND spent + reserved + $1 <= $2 + 1e-12`, cost, capUSD)
		if err != nil {
			return false, err
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			return n == 1, err
		}
		// Refused, or no account yet (a worker with --spec before any run):
		// open one from the recorded calls and try once more.
		res, err = db.ExecContext(ctx, `INSERT INTO budget(id, spent, reserved) VALUES (1, (SELECT COALESCE(SUM(cost_usd), 0) FROM calls WHERE cache_hit = 0), 0) ON CONFLICT (id) DO NOTHING`)
		if err != nil {
			return false, err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return false, nil // the account exists: the cap refused the call
		}
	}
	return false, nil
}

// Settle replaces a reservation by what the call cost.
func (r *Run) Settle(ctx context.Context, reserved, actual float64) error {
	db, err := r.queue()
	if err != nil {
		return err
	}
	_, err = db.ExecContext(ctx, `UPDATE budget SET reserved = GREATEST(reserved - $1, 0), spent = spent + $2 WHERE id = 1`, reserved, actual)
	return err
}
