package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // the PostgreSQL driver (pgx)
)

// IsStoreURL reports whether s names a database rather than a folder.
func IsStoreURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// CheckStoreURL reports a store URL that cannot be used, or that carries a
// password (passwords come from the environment: PGPASSWORD).
func CheckStoreURL(s string) error {
	if !IsStoreURL(s) {
		return fmt.Errorf("%q is not a postgres:// URL", s)
	}
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("store URL: %w", err)
	}
	if _, has := u.User.Password(); has {
		return fmt.Errorf("the store URL carries a password; leave it out and set PGPASSWORD in the environment")
	}
	if sp := u.Query().Get("search_path"); sp != "" && !schemaNameRe.MatchString(sp) {
		return fmt.Errorf("search_path %q: use letters, digits and underscores", sp)
	}
	return nil
}

var schemaNameRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,62}$`)

// Redacted is a store URL safe to print: no password.
func Redacted(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "postgres://(unparseable URL)"
	}
	return u.Redacted()
}

// connectError says why a connection failed, the cause first: pgx tries
// TLS, then plain text, and lists both attempts, so a server without TLS
// would put "server refused TLS connection" before, say, "database does
// not exist". It says how to skip the TLS attempt for such a server.
func connectError(dsn string, u *url.URL, err error) error {
	var pgErr *pgconn.PgError
	cause := ""
	tlsRefused := false
	if errors.As(err, &pgErr) {
		cause = fmt.Sprintf("%s (SQLSTATE %s)", pgErr.Message, pgErr.Code)
	}
	// Each attempt (address, TLS or not) failed for a reason of its own.
	var attempts []error
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		if j, ok := ce.Unwrap().(interface{ Unwrap() []error }); ok {
			attempts = j.Unwrap()
		}
	}
	for _, a := range attempts {
		msg := a.Error()
		if strings.Contains(msg, "tls error") {
			tlsRefused = true
			continue
		}
		if cause == "" {
			cause = msg
		}
	}
	if cause == "" {
		return fmt.Errorf("connecting to %s: %w", Redacted(dsn), err)
	}
	hint := ""
	if tlsRefused && u.Query().Get("sslmode") == "" {
		hint = " (the server does not offer TLS; for a local server add sslmode=disable to the URL to skip trying it)"
	}
	return &connectErr{msg: fmt.Sprintf("connecting to %s: %s%s", Redacted(dsn), cause, hint), err: err}
}

// connectErr is a short connection error that still unwraps to pgx's.
type connectErr struct {
	msg string
	err error
}

func (e *connectErr) Error() string { return e.msg }
func (e *connectErr) Unwrap() error { return e.err }

// openPostgres connects to a PostgreSQL store and prepares its schema
// (the search_path of the URL, created if missing).
func openPostgres(ctx context.Context, dsn, schema string) (*DB, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return nil, fmt.Errorf("store URL: %w", err)
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", Redacted(dsn), err)
	}
	db.SetMaxOpenConns(16)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, connectError(dsn, u, err)
	}
	// Concurrent first runs race on CREATE SCHEMA and CREATE TABLE IF NOT
	// EXISTS (either can fail with a duplicate key); a session advisory
	// lock makes preparing the store one process at a time.
	conn, err := db.Conn(ctx)
	if err != nil {
		db.Close()
		return nil, err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(7126539)`); err != nil {
		db.Close()
		return nil, fmt.Errorf("locking the schema: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(7126539)`)
	if sp := firstSchema(u.Query().Get("search_path")); sp != "" {
		if _, err := conn.ExecContext(ctx, `CREATE SCHEMA IF NOT EXISTS `+pgx.Identifier{sp}.Sanitize()); err != nil {
			db.Close()
			return nil, fmt.Errorf("creating schema %s: %w", sp, err)
		}
	}
	for _, stmt := range splitStatements(postgresSchema(schema) + ";" + queueSchema) {
		if _, err := conn.ExecContext(ctx, stmt); err != nil {
			db.Close()
			return nil, fmt.Errorf("preparing %s: %w", Redacted(dsn), err)
		}
	}
	out := &DB{db: db, d: Postgres}
	if err := migrate(out, schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("preparing %s: %w", Redacted(dsn), err)
	}
	return out, nil
}

// firstSchema is the schema new tables go to: the first of a search_path
// ("audit, public"), unquoted; "" for "$user", which the server resolves.
func firstSchema(searchPath string) string {
	first, _, _ := strings.Cut(searchPath, ",")
	first = strings.Trim(strings.TrimSpace(first), `"`)
	if strings.HasPrefix(first, "$") {
		return ""
	}
	return first
}

// splitStatements splits a schema into its statements.
func splitStatements(schema string) []string {
	var out []string
	for _, s := range strings.Split(schema, ";") {
		if strings.TrimSpace(s) != "" {
			out = append(out, s)
		}
	}
	return out
}
