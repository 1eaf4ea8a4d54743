package metrics

import (
	"math"
	"strings"
	"testing"

	"github.com/blindspot-audit/blindspot/audit/store"
)

// TestKaplanMeier checks the curve against a hand computation with
// censoring: six chains over L = 3 steps, acceptable at steps 0, 1, 1 and
// 3, one censored after step 1 (its edit failed), one never acceptable.
//
//	t=0: 6 at risk, 1 event: S = 5/6
//	t=1: 5 at risk, 2 events: S = 5/6 * 3/5 = 1/2
//	t=2: 2 at risk (the censored chain has left), 0 events: S = 1/2
//	t=3: 2 at risk, 1 event: S = 1/4
func TestKaplanMeier(t *testing.T) {
	os := []chainOutcome{
		{event: true, step: 0}, {event: true, step: 1}, {event: true, step: 1},
		{event: true, step: 3}, {step: 1}, {step: 3},
	}
	s := kaplanMeier(os, 3)
	want := []float64{5.0 / 6, 0.5, 0.5, 0.25}
	for i := range want {
		if math.Abs(s[i]-want[i]) > 1e-12 {
			t.Fatalf("S = %v, want %v", s, want)
		}
	}
	step0, mean, never := burdenStats(s)
	if math.Abs(step0-1.0/6) > 1e-12 || math.Abs(mean-(5.0/6+0.5+0.5)) > 1e-12 || never != 0.25 {
		t.Errorf("step0 %v, mean %v, never %v", step0, mean, never)
	}
	// Every chain acceptable early: the curve is 0 after, not unknown; the
	// last chain censored early: unknown after.
	if s := kaplanMeier([]chainOutcome{{event: true, step: 0}, {event: true, step: 1}}, 3); s[3] != 0 {
		t.Errorf("every chain acceptable by step 1: S(3) = %v, want 0", s[3])
	}
	if s := kaplanMeier([]chainOutcome{{event: true, step: 0}, {step: 1}}, 3); s[1] != 0.5 || !math.IsNaN(s[2]) {
		t.Errorf("a chain acceptable at 0 and one censored after 1: S = %v, want 0.5 to step 1, unknown after", s)
	}
}

// TestFirstJudge: with two judges, the chains are read through the first
// by name; an image no judge scored stays.
func TestFirstJudge(t *testing.T) {
	recs := []*record{{origin: &origin{judge: "zeta"}, id: "1"}, {origin: &origin{judge: "alpha"}, id: "1"}, {origin: &origin{}, id: "2"}, {origin: &origin{judge: "zeta"}, id: "3"}}
	var got []string
	for _, r := range firstJudge(recs) {
		got = append(got, r.id+":"+r.judge)
	}
	if strings.Join(got, ",") != "1:alpha,2:" {
		t.Errorf("kept %v, want [1:alpha 2:]", got)
	}
}

// TestBurdenSkipsRepeatedChains: a chain that repeats a lower seed's
// image for image adds no sample; one whose edits differ does.
func TestBurdenSkipsRepeatedChains(t *testing.T) {
	acc := func(v float64) *float64 { return &v }
	chain := func(seed, base, edit string, dupBase, dupEdit bool) []*record {
		return []*record{
			{origin: &origin{kind: store.KindGenerated, model: "t2i", set: "country_specific", country: "Kenya", target: "Kenya", promptID: "p"}, id: base, status: store.StatusOK, accuracy: acc(0), duplicate: dupBase, seed: int64(len(seed))},
			{origin: &origin{kind: store.KindEdited, model: "ed", chain: "c", set: "country_specific", country: "Kenya", target: "Kenya", promptID: "p"}, id: edit, step: 1, parent: base, status: store.StatusOK, accuracy: acc(1), duplicate: dupEdit},
		}
	}
	var recs []*record
	recs = append(recs, chain("1", "b1", "e1", false, false)...)
	recs = append(recs, chain("22", "b2", "e2", true, true)...)   // repeats seed 1's chain
	recs = append(recs, chain("333", "b3", "e3", true, false)...) // same base, its own edit
	ms, rows, _ := burdenMetrics(recs, map[string]float64{"judge_accuracy": 0.75})
	if len(rows) != 2 {
		t.Errorf("%d chains counted, want 2 (the repeated one left out)", len(rows))
	}
	for _, m := range ms {
		if m.Name == BurdenName(BurdenMeanSteps, "judge_accuracy") && m.Category == "" && m.N != 2 {
			t.Errorf("mean steps over n=%d chains, want 2", m.N)
		}
	}
}
