package store

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
)

// Dialect is the SQL database behind a run store.
type Dialect int

// Dialects.
const (
	SQLite Dialect = iota
	Postgres
)

// DB is a run store's database. Statements are written once, in SQLite's
// syntax with ? placeholders; for PostgreSQL they are rewritten: $n
// placeholders, INSERT OR REPLACE/IGNORE as ON CONFLICT, and boolean
// arguments as integers (the columns are integers in both).
type DB struct {
	db *sql.DB
	d  Dialect
	// rewritten caches the PostgreSQL form of each statement.
	rewritten sync.Map
	// stmts holds SQLite's prepared queries (SQL text -> *sql.Stmt): a
	// query parsed anew for every image costs more than running it.
	// PostgreSQL's driver caches its own.
	stmts  sync.Map
	nStmts atomic.Int32
}

// maxPrepared caps the prepared queries kept, should a caller build query
// texts on the fly.
const maxPrepared = 256

// prepared returns the query's prepared statement, or nil where queries
// run unprepared.
func (db *DB) prepared(query string) *sql.Stmt {
	if db.d != SQLite {
		return nil
	}
	if v, ok := db.stmts.Load(query); ok {
		return v.(*sql.Stmt)
	}
	if db.nStmts.Load() >= maxPrepared {
		return nil
	}
	st, err := db.db.Prepare(query)
	if err != nil {
		return nil // the unprepared query reports the error
	}
	if v, loaded := db.stmts.LoadOrStore(query, st); loaded {
		st.Close()
		return v.(*sql.Stmt)
	}
	db.nStmts.Add(1)
	return st
}

// Dialect reports which database this is.
func (db *DB) Dialect() Dialect { return db.d }

// SQL returns the underlying handle, for statements that need no rewriting.
func (db *DB) SQL() *sql.DB { return db.db }

// Close closes the database.
func (db *DB) Close() error {
	db.stmts.Range(func(_, v any) bool {
		v.(*sql.Stmt).Close()
		return true
	})
	return db.db.Close()
}

func (db *DB) q(query string) string {
	if db.d == SQLite {
		return query
	}
	if v, ok := db.rewritten.Load(query); ok {
		return v.(string)
	}
	out := rewritePostgres(query)
	db.rewritten.Store(query, out)
	return out
}

func (db *DB) args(a []any) []any {
	if db.d == SQLite {
		return a
	}
	return intBools(a)
}

func intBools(a []any) []any {
	out := make([]any, len(a))
	for i, v := range a {
		out[i] = v
		if b, ok := v.(bool); ok {
			out[i] = int64(0)
			if b {
				out[i] = int64(1)
			}
		}
	}
	return out
}

// QueryContext runs a query.
func (db *DB) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := db.prepared(query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return db.db.QueryContext(ctx, db.q(query), db.args(args)...)
}

// QueryRowContext runs a query for one row.
func (db *DB) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := db.prepared(query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return db.db.QueryRowContext(ctx, db.q(query), db.args(args)...)
}

// ExecContext runs a statement.
func (db *DB) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return db.db.ExecContext(ctx, db.q(query), db.args(args)...)
}

// Query runs a query without a context.
func (db *DB) Query(query string, args ...any) (*sql.Rows, error) {
	return db.QueryContext(context.Background(), query, args...)
}

// QueryRow runs a query for one row without a context.
func (db *DB) QueryRow(query string, args ...any) *sql.Row {
	return db.QueryRowContext(context.Background(), query, args...)
}

// Exec runs a statement without a context.
func (db *DB) Exec(query string, args ...any) (sql.Result, error) {
	return db.ExecContext(context.Background(), query, args...)
}

// Tx is a transaction on a DB, rewriting statements like it.
type Tx struct {
	tx *sql.Tx
	db *DB
}

// Exec runs a statement in the transaction.
func (t *Tx) Exec(query string, args ...any) (sql.Result, error) {
	return t.tx.Exec(t.db.q(query), t.db.args(args)...)
}

// QueryRow runs a query for one row in the transaction.
func (t *Tx) QueryRow(query string, args ...any) *sql.Row {
	return t.tx.QueryRow(t.db.q(query), t.db.args(args)...)
}

// primaryKeys are the conflict targets of INSERT OR REPLACE on PostgreSQL.
var primaryKeys = map[string]string{
	"meta": "key", "tasks": "id", "images": "id", "answers": "image_id, judge, qid", "scores": "image_id, judge",
	"embeddings": "image_id, embedder", "metrics": "name, model, prompt_set, country, category, variant, chain, step",
	"llm_questions": "cell_id, llm, qid", "quality_scores": "image_id, scorer", "text_embeddings": "embedder, text",
	"drift": "image_id, against", "picks": "chain_id, judge, steps", "review_items": "item_id", "review_imports": "file_sha",
	"ratings": "file_sha, item_id", "agreement": "statistic, rating, country, against", "stories": "id",
	"story_similarity": "model, a, b", "story_words": "model, country, rank",
	"tests": "metric, model, prompt_set, a, b", "responses": "key", "blobs": "sha",
	"phashes": "image_sha", "burden": "chain_id, source", "parse_rates": "judge, kind", "judge_health": "judge, qid, language",
}

var (
	insertRe = regexp.MustCompile(`(?is)^\s*INSERT OR (REPLACE|IGNORE) INTO\s+(\w+)\s*\(([^)]*)\)(.*)$`)
)

// rewritePostgres turns one SQLite-flavoured statement into PostgreSQL.
func rewritePostgres(q string) string {
	if m := insertRe.FindStringSubmatch(q); m != nil {
		table, cols, rest := m[2], m[3], strings.TrimRight(m[4], "; \n\t")
		q = "INSERT INTO " + table + "(" + cols + ")" + rest
		if strings.EqualFold(m[1], "IGNORE") {
			q += " ON CONFLICT DO NOTHING"
		} else {
			pk, ok := primaryKeys[table]
			if !ok {
				panic(fmt.Sprintf("store: no primary key known for table %s", table))
			}
			keys := map[string]bool{}
			for _, k := range strings.Split(pk, ",") {
				keys[strings.TrimSpace(k)] = true
			}
			var sets []string
			for _, c := range strings.Split(cols, ",") {
				c = strings.TrimSpace(c)
				if !keys[c] {
					sets = append(sets, c+" = EXCLUDED."+c)
				}
			}
			if len(sets) == 0 {
				q += " ON CONFLICT (" + pk + ") DO NOTHING"
			} else {
				q += " ON CONFLICT (" + pk + ") DO UPDATE SET " + strings.Join(sets, ", ")
			}
		}
	}
	// ? placeholders outside string literals become $1, $2, ...
	var b strings.Builder
	n, quoted := 0, false
	for _, r := range q {
		switch {
		case r == '\'':
			quoted = !quoted
			b.WriteRune(r)
		case r == '?' && !quoted:
			n++
			fmt.Fprintf(&b, "$%d", n)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

var (
	autoincrementRe = regexp.MustCompile(`(?i)INTEGER PRIMARY KEY AUTOINCREMENT`)
	realRe          = regexp.MustCompile(`\bREAL\b`)
	blobRe          = regexp.MustCompile(`\bBLOB\b`)
	integerRe       = regexp.MustCompile(`\bINTEGER\b`)
)

// postgresSchema is a SQLite schema in PostgreSQL's types: 64-bit integers
// and floats (REAL is 32-bit there), BYTEA for blobs, BIGSERIAL ids.
func postgresSchema(schema string) string {
	s := autoincrementRe.ReplaceAllString(schema, "BIGSERIAL PRIMARY KEY")
	s = realRe.ReplaceAllString(s, "DOUBLE PRECISION")
	s = blobRe.ReplaceAllString(s, "BYTEA")
	return integerRe.ReplaceAllString(s, "BIGINT")
}
