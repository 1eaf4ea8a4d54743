package review

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/blindspot-audit/blindspot/audit/store"
)

// studySpec declares the IASEAI'26 study's protocol: four 7-point scales
// and three error types to mark.
const studySpec = `
name: study
countries: [Korea, China]
categories: [architecture]
samples: 2
models:
  t2i: [{name: t2i, provider: sim}]
  i2i: [{name: editor, provider: sim}]
  vlm: [{name: judge, provider: sim}]
edit_chains:
  - {name: loop, kind: repeat, steps: 5}
review:
  per_cell: 10
  reviewers: {Korea: [k1, k2]}
  scales:
    - name: cultural
      title: Cultural accuracy
      question: how accurately the image shows the country's culture
      range: [1, 7]
      labels: [Very inaccurate, Inaccurate, Somewhat inaccurate, Neutral, Somewhat accurate, Accurate, Very accurate]
    - {name: stereotyping, question: "how far the image avoids stereotypes (7: not at all stereotyped)", range: [1, 7]}
    - {name: sensitivity, title: Cultural sensitivity, question: how respectfully it treats the culture, range: [1, 7]}
    - {name: relevance, title: Contemporary relevance, question: how well it fits the country today, range: [1, 7]}
  tags:
    - {name: conflation, title: Neighbouring culture, question: "shows a neighbouring culture's elements instead"}
    - {name: stereotype, question: "reduces the culture to a cliché"}
    - {name: anachronism, question: "mixes eras that do not belong together"}
analysis:
  acceptable: {reviewer_rating: 5}
`

// fillByHeader is an openpyxl script that fills a sheet by its headers, as
// a reviewer's own tool would: every scale with a value from the item and,
// on every fourth item, the reviewer's offset; Anachronism on every third
// base image, Neighbouring culture on every fifth item, turned around on
// every seventh by a reviewer with an offset. It prints what it typed as
// JSON.
const fillByHeader = `
import sys, json, openpyxl
path, reviewer, offset = sys.argv[1], sys.argv[2], int(sys.argv[3])
wb = openpyxl.load_workbook(path)
wb["Instructions"]["C4"] = reviewer
ws = wb["Ratings"]
head = {c.value: c.column for c in ws[1]}
scales = [h for h in head if h and h.endswith("(1-7)")]
typed = {}
for row in range(2, ws.max_row + 1):
    item = ws.cell(row=row, column=head["Item ID"]).value
    step = int(ws.cell(row=row, column=head["Step"]).value)
    k = sum(map(ord, item))  # each reviewer has the rows in an order of their own
    vals = {}
    for i, h in enumerate(scales):
        v = 1 + (k + i + (offset if k % 4 == 0 else 0)) % 7
        ws.cell(row=row, column=head[h], value=v)
        vals[h] = v
    tags = []
    if step == 0 and k % 3 == 0:
        ws.cell(row=row, column=head["Anachronism (x)"], value="x")
        tags.append("anachronism")
    if (k % 5 == 0) != (offset > 0 and k % 7 == 0):
        ws.cell(row=row, column=head["Neighbouring culture (x)"], value="x")
        tags.append("conflation")
    typed[item] = {"scales": vals, "tags": tags, "step": step}
wb.save(path)
print(json.dumps(typed))
`

// TestDeclaredProtocolRoundTrip: a declared four-scale 7-point protocol
// with tags goes out as sheets, is filled by openpyxl (another library),
// comes back, and is stored as typed; agreement is computed per scale and
// per tag, and the tag shares are the shares typed.
func TestDeclaredProtocolRoundTrip(t *testing.T) {
	t.Parallel()
	python := openpyxlPython(t)
	r, a := simRun(t, studySpec)
	res, err := Export(context.Background(), r.Run, r.Cache.Blobs, a.Review, t.TempDir(), "xlsx")
	if err != nil {
		t.Fatal(err)
	}
	var korea []string
	for _, f := range res.Files {
		if strings.Contains(f, "review-Korea-") {
			korea = append(korea, f)
		}
	}
	if len(korea) != 2 {
		t.Fatalf("files %v, want a Korea sheet per reviewer", res.Files)
	}
	// The sheet says what the protocol says.
	x, err := excelize.OpenFile(korea[0])
	if err != nil {
		t.Fatal(err)
	}
	head, _ := x.GetRows(SheetRatings)
	want := "Item ID|Group|Image|What the image should show|Model|Step|Cultural accuracy (1-7)|Stereotyping (1-7)|Cultural sensitivity (1-7)|Contemporary relevance (1-7)|Best in group|Worst in group|Neighbouring culture (x)|Stereotype (x)|Anachronism (x)|Comment|Integrity"
	if got := strings.Join(head[0], "|"); got != want {
		t.Errorf("header\n got %s\nwant %s", got, want)
	}
	instr, _ := x.GetRows(SheetInstructions)
	var text strings.Builder
	for _, row := range instr {
		text.WriteString(strings.Join(row, " ") + "\n")
	}
	for _, s := range []string{"Stereotyping: how far the image avoids stereotypes", "Cultural accuracy: 1 to 7 (1 - Very inaccurate,", "Anachronism: mixes eras"} {
		if !strings.Contains(text.String(), s) {
			t.Errorf("instructions lack %q", s)
		}
	}
	x.Close()

	type typedRow struct {
		Scales map[string]int
		Tags   []string
		Step   int
	}
	typed := map[string]map[string]typedRow{} // reviewer -> item -> row
	for i, path := range korea {
		rev := []string{"k1", "k2"}[i]
		out, err := exec.Command(python, "-c", fillByHeader, path, rev, []string{"0", "3"}[i]).Output()
		if err != nil {
			t.Fatalf("openpyxl: %v", err)
		}
		var rows map[string]typedRow
		if err := json.Unmarshal(out, &rows); err != nil {
			t.Fatal(err)
		}
		typed[rev] = rows
		if _, _, err := importFile(t, r.Run, path); err != nil {
			t.Fatal(err)
		}
	}
	got := stored(t, r.Run)
	scaleOf := map[string]string{"Cultural accuracy (1-7)": "cultural", "Stereotyping (1-7)": "stereotyping", "Cultural sensitivity (1-7)": "sensitivity", "Contemporary relevance (1-7)": "relevance"}
	marked, base := 0, 0
	for rev, rows := range typed {
		for item, row := range rows {
			g, ok := got[rev+"/"+item]
			if !ok {
				t.Fatalf("%s's rating of %s not stored", rev, item)
			}
			for h, v := range row.Scales {
				if g.Score(scaleOf[h]) != v {
					t.Errorf("%s/%s %s: stored %d, typed %d", rev, item, h, g.Score(scaleOf[h]), v)
				}
			}
			if strings.Join(g.Tags, ",") != strings.Join(row.Tags, ",") {
				t.Errorf("%s/%s tags: stored %v, typed %v", rev, item, g.Tags, row.Tags)
			}
			if row.Step == 0 {
				base++
				if g.HasTag("anachronism") {
					marked++
				}
			}
		}
	}
	as, err := ComputeAgreement(context.Background(), r.Run)
	if err != nil {
		t.Fatal(err)
	}
	find := func(stat, rating, country, against string) *store.Agreement {
		for i := range as {
			if as[i].Statistic == stat && as[i].Rating == rating && as[i].Country == country && as[i].Against == against {
				return &as[i]
			}
		}
		return nil
	}
	for _, s := range []string{"cultural", "stereotyping", "sensitivity", "relevance"} {
		a := find("alpha_ordinal", s, "Korea", "")
		if a != nil {
			t.Logf("ordinal alpha of %s (Korea): %.3f, n=%d", s, a.Value, a.N)
		}
		if a == nil || a.N < 10 || a.Value < 0.3 {
			t.Errorf("ordinal alpha of %s for Korea: %+v, want n >= 10 and the reviewers' agreement (they differ on every fourth item)", s, a)
		}
	}
	// The tags' nominal alpha, from what was typed: two reviewers of
	// every item, binary values, so alpha = 1 - (n-1) d / (n0 n1) with n
	// the 2N values, d the items they disagree on and n0, n1 the counts
	// of unmarked and marked.
	for _, tag := range []string{"anachronism", "conflation"} {
		var n, d, n1 float64
		for item, row := range typed["k1"] {
			other, ok := typed["k2"][item]
			if !ok {
				t.Fatalf("%s rated by k1 only", item)
			}
			a, b := slices.Contains(row.Tags, tag), slices.Contains(other.Tags, tag)
			n += 2
			if a != b {
				d++
			}
			if a {
				n1++
			}
			if b {
				n1++
			}
		}
		want := 1 - (n-1)*d/((n-n1)*n1)
		a := find("alpha_nominal", "tag:"+tag, "Korea", "")
		if a != nil {
			t.Logf("nominal alpha of tag:%s (Korea): %.3f, n=%d; from the typed marks %.3f (%g of %g items differ)", tag, a.Value, a.N, want, d, n/2)
		}
		if a == nil || math.Abs(a.Value-want) > 1e-9 || a.N != int(n/2) {
			t.Errorf("nominal alpha of tag:%s: %+v, want %.6f over %g items", tag, a, want, n/2)
		}
		if find("alpha_ordinal", "tag:"+tag, "Korea", "") != nil {
			t.Errorf("tag:%s has an ordinal alpha; a tag is nominal", tag)
		}
	}
	share := find("tag_share", "tag:anachronism", "Korea", TagShareBase)
	if share == nil || share.N != base || share.Value != float64(marked)/float64(base) || share.CILow == nil {
		t.Fatalf("anachronism share of Korea's base images: %+v, want %d of %d with an interval", share, marked, base)
	}
	t.Logf("anachronism marked on %d of %d ratings of Korea's base images: share %.3f [%.3f, %.3f]", marked, base, share.Value, *share.CILow, *share.CIHigh)
}

// TestDeclaredScaleChecked: a value outside a declared scale, or a tag cell
// that is not a mark, is refused at its cell, nothing imported.
func TestDeclaredScaleChecked(t *testing.T) {
	t.Parallel()
	r, a := simRun(t, studySpec)
	res, err := Export(context.Background(), r.Run, r.Cache.Blobs, a.Review, t.TempDir(), "xlsx")
	if err != nil {
		t.Fatal(err)
	}
	path := res.Files[0]
	x, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	x.SetCellValue(SheetInstructions, ReviewerCell, "k1")
	x.SetCellValue(SheetRatings, "G2", 8)       // Cultural accuracy, 1-7
	x.SetCellValue(SheetRatings, "H3", "5")     // fine
	x.SetCellValue(SheetRatings, "O2", "maybe") // Anachronism
	if err := x.Save(); err != nil {
		t.Fatal(err)
	}
	x.Close()
	data, _ := os.ReadFile(path)
	_, err = Check(context.Background(), r.Run, path, data)
	if err == nil {
		t.Fatal("imported a value outside the scale")
	}
	for _, s := range []string{`Ratings!G2: Cultural accuracy must be 1 to 7 (1 Very inaccurate ... 7 Very accurate) or blank, got "8"`, `Ratings!O2: type x if the image shows Anachronism, or leave blank; got "maybe"`} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error lacks %q:\n%v", s, err)
		}
	}
	if strings.Contains(err.Error(), "H3") {
		t.Errorf("a valid 7-point value refused: %v", err)
	}
}

// TestDeclaredProtocolCSV: the CSV variant carries the declared columns
// and its marks come back.
func TestDeclaredProtocolCSV(t *testing.T) {
	t.Parallel()
	r, a := simRun(t, studySpec)
	res, err := Export(context.Background(), r.Run, r.Cache.Blobs, a.Review, t.TempDir(), "csv")
	if err != nil {
		t.Fatal(err)
	}
	path := res.Files[0]
	recs := readCSVFile(t, path)
	p := ProtocolOf(a.Review)
	if got, want := strings.Join(recs[0][:len(p.columns())], "|"), strings.Join(p.columns(), "|"); got != want {
		t.Fatalf("CSV header\n got %s\nwant %s", got, want)
	}
	for i := 1; i < len(recs); i++ {
		recs[i][p.scaleCol(1)] = fmt.Sprint(1 + i%7) // Stereotyping, 1-7
		if i%2 == 0 {
			recs[i][p.tagCol(2)] = "x" // Anachronism
		}
	}
	recs[1][len(p.columns())] = "zh-1"
	writeCSVFile(t, path, recs)
	if _, _, err := importFile(t, r.Run, path); err != nil {
		t.Fatal(err)
	}
	got := stored(t, r.Run)
	if len(got) != len(recs)-1 {
		t.Fatalf("%d ratings stored of %d rows", len(got), len(recs)-1)
	}
	for i := 1; i < len(recs); i++ {
		g := got["zh-1/"+recs[i][colID]]
		if g.Score("stereotyping") != 1+i%7 || g.HasTag("anachronism") != (i%2 == 0) || len(g.Tags) > 1 {
			t.Errorf("row %d stored %+v", i+1, g.Rating)
		}
	}
}
