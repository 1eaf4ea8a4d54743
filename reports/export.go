package reports

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"github.com/blindspot-audit/blindspot/audit/outdir"
	"github.com/blindspot-audit/blindspot/audit/store"
	"os"
	"path/filepath"
	"strconv"

	"github.com/blindspot-audit/blindspot/reports/csvsafe"
)

// Export writes every ExportTable as dir/NAME.csv or dir/NAME.jsonl
// (format "csv" or "jsonl") and returns the files with their row counts.
// Each file is written beside its final name and renamed into place.
func Export(ctx context.Context, db *store.DB, dir, format string) ([]string, error) {
	if format != "csv" && format != "jsonl" {
		return nil, fmt.Errorf("export format %q: want csv or jsonl", format)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	var out []string
	for _, t := range store.ExportTables {
		path := filepath.Join(dir, t.Name+"."+format)
		n, err := exportTable(ctx, db, t, path, format)
		if err != nil {
			return nil, fmt.Errorf("export %s: %w", t.Name, err)
		}
		out = append(out, fmt.Sprintf("%s (%d rows)", path, n))
	}
	return out, nil
}

func exportTable(ctx context.Context, db *store.DB, t store.ExportTable, path, format string) (n int, err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+"-*")
	if err != nil {
		return 0, err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := tmp.Chmod(outdir.FilePerm()); err != nil {
		return 0, err
	}
	w := bufio.NewWriterSize(tmp, 1<<16)
	var cw *csv.Writer
	var cols, record []string
	header := func(c []string) error {
		cols, record = c, make([]string, len(c))
		if format != "csv" {
			return nil
		}
		cw = csv.NewWriter(w)
		return cw.Write(cols)
	}
	err = db.EachExportRow(ctx, t, header, func(vals []any) error {
		n++
		if cw != nil {
			for i, v := range vals {
				record[i] = csvCell(v)
			}
			return cw.Write(record)
		}
		obj := make(map[string]any, len(cols))
		for i, c := range cols {
			if b, ok := vals[i].([]byte); ok {
				obj[c] = string(b)
			} else {
				obj[c] = vals[i]
			}
		}
		b, err := json.Marshal(obj)
		if err != nil {
			return err
		}
		w.Write(b)
		return w.WriteByte('\n')
	})
	if err != nil {
		return n, err
	}
	if cw != nil {
		cw.Flush()
		if err := cw.Error(); err != nil {
			return n, err
		}
	}
	if err := w.Flush(); err != nil {
		return n, err
	}
	if err := tmp.Close(); err != nil {
		return n, err
	}
	return n, os.Rename(tmp.Name(), path)
}

// csvCell formats a value for CSV. Numbers stay numbers; text that a
// spreadsheet would run as a formula is neutralised.
func csvCell(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case []byte:
		return csvsafe.Neutralise(string(x))
	case string:
		return csvsafe.Neutralise(x)
	default:
		return csvsafe.Neutralise(fmt.Sprint(x))
	}
}
