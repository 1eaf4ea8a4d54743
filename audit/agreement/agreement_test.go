package agreement

import (
	"math"
	"testing"
)

var nan = math.NaN()

// krippendorff2011 is the reliability data of Krippendorff (2011),
// "Computing Krippendorff's Alpha-Reliability", section C: 4 observers,
// 12 units, missing values; units x observers here.
var krippendorff2011 = [][]float64{
	{1, 1, nan, 1},
	{2, 2, 3, 2},
	{3, 3, 3, 3},
	{3, 3, 3, 3},
	{2, 2, 2, 2},
	{1, 2, 3, 4},
	{4, 4, 4, 4},
	{1, 1, 2, 1},
	{2, 2, 2, 2},
	{nan, 5, 5, 5},
	{nan, nan, 1, 1},
	{nan, 3, nan, nan},
}

func TestAlphaPublishedExample(t *testing.T) {
	// The paper gives nominal 0.743, ordinal 0.815 and interval 0.849.
	for _, c := range []struct {
		level Level
		want  float64
	}{{Nominal, 0.743}, {Ordinal, 0.815}, {Interval, 0.849}} {
		got, err := Alpha(krippendorff2011, c.level)
		if err != nil || math.Abs(got-c.want) > 0.0005 {
			t.Errorf("alpha %s = %.4f (%v), want %.3f", c.level, got, err, c.want)
		}
	}
}

func TestAlphaEdgeCases(t *testing.T) {
	perfect := [][]float64{{1, 1}, {2, 2}, {3, 3}}
	if a, err := Alpha(perfect, Ordinal); err != nil || a != 1 {
		t.Errorf("perfect agreement: %v %v", a, err)
	}
	if _, err := Alpha([][]float64{{2, 2}, {2, 2}}, Nominal); err != ErrUndefined {
		t.Errorf("no variation: %v, want ErrUndefined", err)
	}
	if _, err := Alpha([][]float64{{1, nan}, {nan, 2}}, Interval); err != ErrUndefined {
		t.Errorf("nothing pairable: %v, want ErrUndefined", err)
	}
}

// TestFleissPublishedExample is the worked example of Fleiss' kappa on
// Wikipedia: 10 subjects, 14 raters, 5 categories, kappa 0.210.
func TestFleissPublishedExample(t *testing.T) {
	counts := [][]int{
		{0, 0, 0, 0, 14}, {0, 2, 6, 4, 2}, {0, 0, 3, 5, 6}, {0, 3, 9, 2, 0}, {2, 2, 8, 1, 1},
		{7, 7, 0, 0, 0}, {3, 2, 6, 3, 0}, {2, 5, 3, 2, 2}, {6, 5, 2, 1, 0}, {0, 2, 2, 3, 7},
	}
	k, err := Fleiss(counts)
	if err != nil || math.Abs(k-0.210) > 0.0005 {
		t.Errorf("Fleiss = %.4f (%v), want 0.210", k, err)
	}
	if _, err := Fleiss([][]int{{1, 1}, {3, 0}}); err == nil {
		t.Error("unequal numbers of raters accepted")
	}
}

// TestCohenPublishedExample is Wikipedia's: 50 proposals, both yes 20,
// A yes B no 5, A no B yes 10, both no 15: kappa 0.4.
func TestCohenPublishedExample(t *testing.T) {
	var a, b []string
	add := func(n int, x, y string) {
		for range n {
			a, b = append(a, x), append(b, y)
		}
	}
	add(20, "yes", "yes")
	add(5, "yes", "no")
	add(10, "no", "yes")
	add(15, "no", "no")
	add(3, "", "no") // missing: dropped
	k, err := Cohen(a, b)
	if err != nil || math.Abs(k-0.4) > 1e-9 {
		t.Errorf("Cohen = %v (%v), want 0.4", k, err)
	}
}

func TestCorrelations(t *testing.T) {
	x := []float64{1, 2, 3, 4, 5}
	if r := Spearman(x, []float64{5, 6, 7, 8, 7}); math.Abs(r-0.8208) > 0.0001 {
		t.Errorf("Spearman with a tie = %.4f, want 0.8208", r)
	}
	if r := Spearman(x, []float64{10, 9, 8, 7, 6}); r != -1 {
		t.Errorf("Spearman reversed = %v", r)
	}
	// Kendall tau-b with ties: x = (1,2,3,4,5), y = (5,6,7,8,7): 8
	// concordant, 1 discordant, 1 tie in y: (8-1)/sqrt(10*9) = 0.7379.
	if r := Kendall(x, []float64{5, 6, 7, 8, 7}); math.Abs(r-0.7379) > 0.0001 {
		t.Errorf("Kendall tau-b = %.4f, want 0.7379", r)
	}
	if r := Kendall([]float64{1, nan, 2, 3}, []float64{1, 5, 2, 3}); r != 1 {
		t.Errorf("Kendall dropping NaN = %v", r)
	}
}

func TestBootstrapInterval(t *testing.T) {
	e := Bootstrap(len(krippendorff2011), func(units []int) float64 {
		sub := make([][]float64, len(units))
		for i, u := range units {
			sub[i] = krippendorff2011[u]
		}
		a, _ := Alpha(sub, Interval)
		return a
	}, 1000, 7, 0.95)
	if !(e.Low <= e.Value && e.Value <= e.High) || e.N != 12 {
		t.Errorf("interval %+v does not hold its value", e)
	}
	again := Bootstrap(12, func(units []int) float64 { return float64(len(units)) }, 10, 7, 0.95)
	if again.Low != 12 || again.High != 12 {
		t.Errorf("constant statistic: %+v", again)
	}
}
