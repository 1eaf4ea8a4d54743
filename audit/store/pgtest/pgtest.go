// Package pgtest gives tests a PostgreSQL store of their own: a fresh
// schema on the server named by BLINDSPOT_TEST_POSTGRES, dropped when the
// test ends.
package pgtest

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"sync"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the PostgreSQL driver
)

var pwOnce sync.Once

// URL returns a store URL (without password: it goes to PGPASSWORD for
// the test) in a new schema, or skips the test when no server is
// configured; with BLINDSPOT_REQUIRE_POSTGRES set (as .ci/run does) a
// missing server fails it instead.
func URL(t testing.TB) string {
	t.Helper()
	base := os.Getenv("BLINDSPOT_TEST_POSTGRES")
	if base == "" {
		if os.Getenv("BLINDSPOT_REQUIRE_POSTGRES") != "" {
			t.Fatal("BLINDSPOT_TEST_POSTGRES is not set")
		}
		t.Skip("BLINDSPOT_TEST_POSTGRES is not set (a postgres:// URL; .ci/run starts a server and sets it)")
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "bs_test_" + hex.EncodeToString(b)
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	if p, ok := u.User.Password(); ok {
		// Process-wide, once: t.Setenv would forbid parallel tests.
		pwOnce.Do(func() { os.Setenv("PGPASSWORD", p) })
		u.User = url.User(u.User.Username())
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	t.Cleanup(func() {
		if db, err := sql.Open("pgx", base); err == nil {
			db.Exec(`DROP SCHEMA IF EXISTS ` + schema + ` CASCADE`)
			db.Close()
		}
	})
	return u.String()
}
