package metrics

import (
	"math"
	"testing"
)

// TestSlopeSums: the slope from merged sums is the least-squares slope of
// the pooled points, and NaN without spread in x.
func TestSlopeSums(t *testing.T) {
	tests := []struct {
		name   string
		chains [][][2]float64
		want   float64
	}{
		{"a line", [][][2]float64{{{0, 1}, {1, 0.8}, {2, 0.6}}}, -0.2},
		{"two chains pooled", [][][2]float64{{{0, 1}, {1, 0.5}}, {{0, 0.9}, {2, 0.1}}}, -1.175 / 2.75},
		{"one step only", [][][2]float64{{{3, 1}}, {{3, 0.2}}}, math.NaN()},
		{"one point", [][][2]float64{{{0, 1}}}, math.NaN()},
	}
	for _, tc := range tests {
		var all slopeSums
		var xs, ys []float64
		for _, c := range tc.chains {
			var s slopeSums
			for _, p := range c {
				s.add(p[0], p[1])
				xs, ys = append(xs, p[0]), append(ys, p[1])
			}
			all.merge(s)
		}
		got := all.slope()
		// The two-pass definition, for reference.
		want := tc.want
		if n := float64(len(xs)); n >= 2 {
			var mx, my, sxy, sxx float64
			for i := range xs {
				mx, my = mx+xs[i]/n, my+ys[i]/n
			}
			for i := range xs {
				sxy += (xs[i] - mx) * (ys[i] - my)
				sxx += (xs[i] - mx) * (xs[i] - mx)
			}
			if sxx > 1e-12 {
				want = sxy / sxx
			}
		}
		if math.IsNaN(tc.want) != math.IsNaN(got) || (!math.IsNaN(got) && (math.Abs(got-want) > 1e-12 || math.Abs(got-tc.want) > 1e-9)) {
			t.Errorf("%s: slope %v, want %v (two-pass %v)", tc.name, got, tc.want, want)
		}
	}
}
