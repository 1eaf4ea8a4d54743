package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sourcegraph/conc/pool"
)

// WorkOptions configure a worker of a shared run.
type WorkOptions struct {
	// ID names the worker (default: host and process id).
	ID string
	// Lease is how long a claimed unit stays the worker's without a
	// heartbeat; a worker that dies loses its units after it (default 30s).
	Lease time.Duration
	// Poll is how often an idle worker looks for work (default 200ms).
	Poll time.Duration
}

// Enqueue puts every unit of the plan in the store's queue once and
// requeues the units a previous run finished, so that this run walks them
// all again (what the store holds is skipped); units in flight are left to
// their workers. It returns how many units were new.
func (r *Runner) Enqueue(ctx context.Context) (int, error) {
	var jobs [][2]string
	r.Plan.EachUnit(func(u Unit) bool {
		b, _ := json.Marshal(u)
		jobs = append(jobs, [2]string{u.ID(), string(b)})
		return true
	})
	n, err := r.Run.Enqueue(ctx, jobs)
	if err != nil {
		return n, err
	}
	return n, r.Run.Requeue(ctx)
}

// Work takes units from the store's queue and does them until no unit is
// left queued or running: in any number of processes on any machines at
// once. Each claimed unit is leased; a heartbeat extends the leases, so
// the units of a worker that dies go to the others when its leases end.
func (r *Runner) Work(ctx context.Context, o WorkOptions) error {
	if o.Lease <= 0 {
		o.Lease = 30 * time.Second
	}
	if o.Poll <= 0 {
		o.Poll = 200 * time.Millisecond
	}
	host, _ := os.Hostname()
	if o.ID == "" {
		o.ID = fmt.Sprintf("%s-%d", host, os.Getpid())
	}
	e := r.Engine
	slots := r.Plan.Slots()
	var done atomic.Int64
	beat := func() error { return r.Run.Heartbeat(context.WithoutCancel(ctx), o.ID, host, o.Lease, done.Load()) }
	if err := beat(); err != nil {
		return err
	}
	// However it ends, short of being killed, the worker says it left, so
	// that status does not count it alive until its lease runs out.
	defer r.Run.WorkerExited(context.WithoutCancel(ctx), o.ID)
	stopBeat := make(chan struct{})
	var beatErr atomic.Value
	go func() {
		t := time.NewTicker(o.Lease / 3)
		defer t.Stop()
		for {
			select {
			case <-stopBeat:
				return
			case <-t.C:
				if err := beat(); err != nil {
					beatErr.Store(err)
				}
			}
		}
	}()
	defer close(stopBeat)
	p := pool.New().WithMaxGoroutines(slots)
	var inFlight atomic.Int64
	var mu sync.Mutex
	var failure error
	for !e.halted() && ctx.Err() == nil {
		free := slots - int(inFlight.Load())
		if free <= 0 {
			time.Sleep(o.Poll / 4)
			continue
		}
		jobs, err := r.Run.Claim(ctx, o.ID, o.Lease, min(free, 64))
		if err != nil {
			e.setFatal(err)
			break
		}
		if len(jobs) == 0 {
			if inFlight.Load() == 0 {
				q, err := r.Run.Queue(ctx)
				if err != nil {
					e.setFatal(err)
					break
				}
				if q.Remaining() == 0 {
					break
				}
			}
			time.Sleep(o.Poll)
			continue
		}
		for _, j := range jobs {
			u, err := ParseUnit(j.Payload)
			if err != nil {
				e.setFatal(fmt.Errorf("queued unit %s: %w", j.ID, err))
				break
			}
			inFlight.Add(1)
			p.Go(func() {
				defer inFlight.Add(-1)
				if err := e.RunUnit(ctx, u); err != nil {
					mu.Lock()
					failure = err
					mu.Unlock()
					e.setFatal(err)
					return
				}
				// A unit cut short by a stop stays leased and is taken up
				// again when its lease ends; only finished units complete.
				if e.halted() || ctx.Err() != nil {
					return
				}
				if err := r.Run.Complete(context.WithoutCancel(ctx), j.ID); err != nil {
					e.setFatal(err)
					return
				}
				done.Add(1)
			})
		}
	}
	p.Wait()
	beat()
	if err, _ := beatErr.Load().(error); err != nil && e.fatal == nil {
		return err
	}
	if failure != nil {
		return failure
	}
	return e.outcome(ctx)
}
