package review

import (
	"context"
	"fmt"
	"hash/fnv"
	"math"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/blindspot-audit/blindspot/audit/spec"
	"github.com/blindspot-audit/blindspot/audit/store"
)

// truthful rates cultural representation from the judge's accuracy on the
// image (what the simulator drew), with a small reviewer-specific slip,
// and marks Best/Worst at the extremes of each group.
func truthful(t *testing.T, run *store.Run, reviewer string, slip uint32) fillFn {
	acc := map[string]float64{}
	rows, err := run.DB().Query(`SELECT ri.item_id, AVG(s.accuracy) FROM review_items ri JOIN scores s ON s.image_id = ri.image_id WHERE s.accuracy IS NOT NULL GROUP BY ri.item_id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		var v float64
		rows.Scan(&id, &v)
		acc[id] = v
	}
	rows.Close()
	return func(row int, id, group, alignment string) []any {
		h := fnv.New32a()
		fmt.Fprint(h, reviewer, id)
		v := int(math.Round(1 + 4*acc[id]))
		if h.Sum32()%slip == 0 {
			v = max(1, min(5, v+1-int(h.Sum32()/slip%3)))
		}
		return []any{fmt.Sprint(3 + int(h.Sum32()%2)), fmt.Sprint(v)}
	}
}

// random rates at random.
func random(reviewer string) fillFn {
	return func(row int, id, group, alignment string) []any {
		h := fnv.New32a()
		fmt.Fprint(h, reviewer, id)
		return []any{fmt.Sprint(1 + h.Sum32()%5), fmt.Sprint(1 + (h.Sum32()>>4)%5)}
	}
}

func TestAgreementFollowsReviewers(t *testing.T) {
	t.Parallel()
	r, a := simRun(t, strings.Replace(reviewSpec, "per_cell: 3", "per_cell: 50", 1))
	res, err := Export(context.Background(), r.Run, r.Cache.Blobs, a.Review, t.TempDir(), "xlsx")
	if err != nil {
		t.Fatal(err)
	}
	// Kenya: two truthful reviewers and a random one; Korea and the United
	// States: one truthful reviewer each (their sheets name nobody).
	fillers := []fillFn{truthful(t, r.Run, "amina", 5), truthful(t, r.Run, "otieno", 7), random("wanjiru"), truthful(t, r.Run, "jisoo", 6), truthful(t, r.Run, "emily", 9)}
	names := []string{"", "", "", "jisoo", "emily"}
	for i, path := range res.Files {
		fill(t, path, names[i], "2026-11-20T10:00:00Z", fillers[i])
		if i != 2 { // the random reviewer marks no Best or Worst
			markExtremes(t, path)
		}
		if _, _, err := importFile(t, r.Run, path); err != nil {
			t.Fatal(err)
		}
	}
	as, err := ComputeAgreement(context.Background(), r.Run)
	if err != nil {
		t.Fatal(err)
	}
	get := func(stat, rating, country, against string) store.Agreement {
		for _, x := range as {
			if x.Statistic == stat && x.Rating == rating && x.Country == country && x.Against == against {
				return x
			}
		}
		t.Fatalf("no %s %s %s %s among %d", stat, rating, country, against, len(as))
		return store.Agreement{}
	}
	pair := get("cohen_kappa", "cultural", "Kenya", "amina vs otieno")
	noise := get("cohen_kappa", "cultural", "Kenya", "amina vs wanjiru")
	alpha := get("alpha_ordinal", "cultural", "Kenya", "")
	rho := get("spearman", "cultural", "Kenya", AutoVQAAccuracy)
	t.Logf("Kenya cultural: kappa truthful pair %.2f, with the random reviewer %.2f; ordinal alpha of all three %.2f [%.2f, %.2f] n=%d; Spearman with judge accuracy %.2f",
		pair.Value, noise.Value, alpha.Value, *alpha.CILow, *alpha.CIHigh, alpha.N, rho.Value)
	if pair.Value < 0.5 || noise.Value > 0.3 || rho.Value < 0.5 {
		t.Errorf("agreement does not follow the reviewers: truthful pair %.2f, random %.2f, Spearman %.2f", pair.Value, noise.Value, rho.Value)
	}
	if !(alpha.Value < pair.Value) {
		t.Errorf("alpha with a random reviewer %.2f should fall below the truthful pair's kappa %.2f", alpha.Value, pair.Value)
	}
	for _, x := range as {
		if x.CILow != nil && !(*x.CILow <= x.Value+1e-9 && x.Value <= *x.CIHigh+1e-9) {
			t.Errorf("%+v: value outside its interval", x)
		}
	}
	// Picks: the truthful reviewers mark Best/Worst at the extremes of the
	// judge-visible culture; the judge's own picks agree far above chance
	// (1 in 4 for four steps).
	best := get("best_agreement", "pick", "", "judge")
	worst := get("worst_agreement", "pick", "", "judge")
	t.Logf("judge vs reviewers: best %.2f (n=%d), worst %.2f (n=%d)", best.Value, best.N, worst.Value, worst.N)
	// Chance is 1 in 4 (four steps); ties among equally faithful steps
	// keep the best pick from being exact.
	if best.N < 15 || best.Value <= 0.25 || worst.Value <= 0.25 || (best.Value+worst.Value)/2 < 0.45 {
		t.Errorf("pick agreement: best %.2f (n=%d), worst %.2f; want both above chance (0.25) and a mean of at least 0.45", best.Value, best.N, worst.Value)
	}
}

// markExtremes marks, in every group of a filled workbook, the row with the
// highest cultural rating Best and the lowest Worst.
func markExtremes(t *testing.T, path string) {
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, _ := f.GetRows(SheetRatings)
	type ext struct{ hi, lo, hiRow, loRow int }
	groups := map[string]*ext{}
	var order []string
	for i, r := range rows[1:] {
		if len(r) <= colCultural || r[colCultural] == "" || !strings.Contains(r[colGroup], "edit steps") {
			continue
		}
		v, _ := scaleValue(r[colCultural])
		e := groups[r[colGroup]]
		if e == nil {
			e = &ext{hi: -1, lo: 6}
			groups[r[colGroup]] = e
			order = append(order, r[colGroup])
		}
		if v > e.hi {
			e.hi, e.hiRow = v, i+2
		}
		if v < e.lo {
			e.lo, e.loRow = v, i+2
		}
	}
	for _, g := range order {
		e := groups[g]
		if e.hiRow != e.loRow {
			f.SetCellValue(SheetRatings, fmt.Sprintf("J%d", e.hiRow), "Best")
			f.SetCellValue(SheetRatings, fmt.Sprintf("K%d", e.loRow), "Worst")
		}
	}
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
}

// TestCoverageAndAlphaN: coverage counts raters and items rated once and
// twice per country, and alpha's n counts only the items it can use
// (rated by two or more), not every rated item.
func TestCoverageAndAlphaN(t *testing.T) {
	items := map[string]store.ReviewItem{}
	var rs []store.CurrentRating
	for i := 0; i < 6; i++ {
		id := fmt.Sprintf("R%d", i)
		items[id] = store.ReviewItem{ItemID: id, Country: "Kenya"}
		rs = append(rs, store.CurrentRating{Reviewer: "a", Rating: store.Rating{ItemID: id, Cultural: 1 + i%5}})
		if i < 4 { // items 0-3 also rated by b
			rs = append(rs, store.CurrentRating{Reviewer: "b", Rating: store.Rating{ItemID: id, Cultural: 1 + (i+1)%5}})
		}
	}
	items["K1"] = store.ReviewItem{ItemID: "K1", Country: "Korea"}
	cov := CoverageOf(items, rs)
	if len(cov) != 2 || cov[0] != (Coverage{Country: "Kenya", Raters: 2, Items: 6, ItemsTwice: 4, Exported: 6}) || cov[1] != (Coverage{Country: "Korea", Exported: 1}) {
		t.Fatalf("coverage %+v", cov)
	}
	found := 0
	for _, a := range raterAgreement(dimensions(ProtocolOf(spec.Review{})), items, rs) {
		if a.Statistic == "alpha_ordinal" && a.Rating == "cultural" {
			found++
			if a.N != 4 {
				t.Errorf("alpha (%q) n = %d, want the 4 items rated twice", a.Country, a.N)
			}
		}
	}
	if found == 0 {
		t.Error("no alpha computed")
	}
}
