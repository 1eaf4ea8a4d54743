package reports

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/blindspot-audit/blindspot/audit/store"
)

// TestExport writes every table as CSV and JSON lines: row counts match
// the store, numbers stay numbers (negative ones too), formulas in text
// are neutralised in CSV and kept as data in JSON lines.
func TestExport(t *testing.T) {
	t.Parallel()
	r := simRun(t, reportSpec)
	evil := `=HYPERLINK("http://evil.example","click")`
	if err := r.Run.PutImage(store.Image{ID: "zz-evil", Kind: store.KindGenerated, PromptSet: "country_specific", Country: "Kenya",
		Category: "food", Subcategory: "snack", Variant: "modern", Prompt: evil, Model: "@model", Seed: -3, Status: store.StatusFailed}, nil); err != nil {
		t.Fatal(err)
	}
	db := r.Run.DB()
	count := func(table string) int {
		var n int
		if err := db.QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	dir := t.TempDir()
	if _, err := Export(context.Background(), db, dir, "csv"); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(dir, "items.csv"))
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs)-1 < count("images") {
		t.Errorf("items.csv: %d rows for %d images", len(recs)-1, count("images"))
	}
	head := recs[0]
	col := func(name string) int {
		for i, h := range head {
			if h == name {
				return i
			}
		}
		t.Fatalf("items.csv has no column %s", name)
		return -1
	}
	last := recs[len(recs)-1]
	if last[col("prompt")] != "'"+evil || last[col("model")] != "'@model" || last[col("seed")] != "-3" {
		t.Errorf("evil row: prompt %q model %q seed %q", last[col("prompt")], last[col("model")], last[col("seed")])
	}
	for _, rec := range recs[1:] {
		if rec[col("f1")] != "" && (rec[col("precision")] == "" && rec[col("recall")] == "") {
			t.Errorf("f1 without precision or recall: %v", rec)
		}
	}
	for _, tb := range []struct{ file, table string }{{"calls", "calls"}, {"answers", "answers"}, {"metrics", "metrics"}, {"picks", "picks"}, {"tests", "tests"}, {"parse_rates", "parse_rates"}, {"judge_health", "judge_health"}} {
		b, err := os.ReadFile(filepath.Join(dir, tb.file+".csv"))
		if err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(strings.NewReader(string(b))).ReadAll()
		if err != nil || len(rows)-1 != count(tb.table) {
			t.Errorf("%s.csv: %d rows (%v), store has %d", tb.file, len(rows)-1, err, count(tb.table))
		}
	}
	if _, err := Export(context.Background(), db, dir, "jsonl"); err != nil {
		t.Fatal(err)
	}
	jf, err := os.Open(filepath.Join(dir, "items.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer jf.Close()
	sc := bufio.NewScanner(jf)
	sc.Buffer(nil, 1<<20)
	n := 0
	var lastObj map[string]any
	for sc.Scan() {
		lastObj = nil
		if err := json.Unmarshal(sc.Bytes(), &lastObj); err != nil {
			t.Fatalf("items.jsonl line %d: %v", n+1, err)
		}
		n++
	}
	if n != len(recs)-1 || lastObj["prompt"] != evil || lastObj["seed"] != float64(-3) || lastObj["accuracy"] != nil {
		t.Errorf("items.jsonl: %d rows (csv %d); last %v", n, len(recs)-1, lastObj)
	}
	if _, err := Export(context.Background(), db, dir, "xlsx"); err == nil || !strings.Contains(err.Error(), "want csv or jsonl") {
		t.Errorf("format xlsx: %v", err)
	}
}
