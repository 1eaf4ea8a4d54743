package store

import (
	"fmt"
)

// A store made by an earlier Blindspot lacks what later versions added;
// migrate brings it up to the current schema on open, in both dialects.
// Creating the schema adds missing tables; these add the rest.

// addedColumn is a column added to a table after the table first shipped.
type addedColumn struct{ table, column, decl string }

// addedColumns are columns added to tables after those tables first
// shipped. A store that lacks one gets it, with its default.
var addedColumns = []addedColumn{
	{"scores", "era", "TEXT NOT NULL DEFAULT ''"},
	{"scores", "rating", "INTEGER NOT NULL DEFAULT 0"},
	{"scores", "context", "TEXT NOT NULL DEFAULT ''"},
	{"scores", "geotag", "TEXT NOT NULL DEFAULT ''"},
	{"stories", "rating_prompt", "TEXT NOT NULL DEFAULT ''"},
	{"answers", "protocol", "TEXT NOT NULL DEFAULT ''"},
	{"answers", "error_class", "TEXT NOT NULL DEFAULT ''"},
	{"answers", "language", "TEXT NOT NULL DEFAULT ''"},
	{"images", "language", "TEXT NOT NULL DEFAULT 'en'"},
}

// derivedTables hold what the metrics stage recomputes from the rest on
// every run; one whose shape changed (a new key column) is dropped and
// made again rather than altered.
var derivedTables = map[string][]string{
	"metrics": {"category", "variant", "ci_low", "ci_high", "parse_rate", "language", "base_model"},
	"tests":   {"p_holm", "base_model"},
	"burden":  {"base_model"},
	// judge_health is rebuilt with the metrics.
	"judge_health": {"language"},
}

func hasColumn(db *DB, table, column string) (bool, error) {
	var n int
	var err error
	if db.d == Postgres {
		err = db.db.QueryRow(`SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 AND column_name = $2`, table, column).Scan(&n)
	} else {
		err = db.db.QueryRow(`SELECT COUNT(*) FROM pragma_table_info(?) WHERE name = ?`, table, column).Scan(&n)
	}
	return n > 0, err
}

// migrate adds missing columns and rebuilds derived tables of an old
// shape; schema is re-applied to make the dropped tables again.
func migrate(db *DB, schema string) error {
	rebuilt := false
	for table, cols := range derivedTables {
		for _, c := range cols {
			ok, err := hasColumn(db, table, c)
			if err != nil {
				return fmt.Errorf("migrating %s: %w", table, err)
			}
			if !ok {
				if _, err := db.db.Exec(`DROP TABLE IF EXISTS ` + table); err != nil {
					return fmt.Errorf("migrating %s: %w", table, err)
				}
				rebuilt = true
				break
			}
		}
	}
	if rebuilt {
		if err := applySchema(db, schema); err != nil {
			return err
		}
	}
	return addColumns(db, addedColumns)
}

// addColumns adds the columns a store lacks, with their defaults.
func addColumns(db *DB, cols []addedColumn) error {
	for _, m := range cols {
		ok, err := hasColumn(db, m.table, m.column)
		if err != nil {
			return fmt.Errorf("migrating %s: %w", m.table, err)
		}
		if ok {
			continue
		}
		decl := m.decl
		if db.d == Postgres {
			decl = postgresSchema(decl)
		}
		if _, err := db.db.Exec(`ALTER TABLE ` + m.table + ` ADD COLUMN ` + m.column + ` ` + decl); err != nil {
			// Another process sharing the store may have added it first.
			if ok, _ := hasColumn(db, m.table, m.column); !ok {
				return fmt.Errorf("migrating %s.%s: %w", m.table, m.column, err)
			}
		}
	}
	return nil
}

// applySchema creates what is missing of a schema.
func applySchema(db *DB, schema string) error {
	if db.d == Postgres {
		for _, stmt := range splitStatements(postgresSchema(schema)) {
			if _, err := db.db.Exec(stmt); err != nil {
				return err
			}
		}
		return nil
	}
	_, err := db.db.Exec(schema)
	return err
}
