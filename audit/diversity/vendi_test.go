package diversity

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"
)

func expKernel(xs []float64) [][]float64 {
	k := make([][]float64, len(xs))
	for i := range xs {
		k[i] = make([]float64, len(xs))
		for j := range xs {
			k[i][j] = math.Exp(-math.Abs(xs[i] - xs[j]))
		}
	}
	return k
}

// TestPublicVectors checks the published examples of the Vendi papers.
func TestPublicVectors(t *testing.T) {
	// The clusters overlap by e^-10, so the score is just under 3: the
	// published 2.9999 is the value truncated to 4 decimal places.
	vs, err := FromKernel(expKernel([]float64{0, 0, 10, 10, 20, 20}), 1)
	if err != nil || math.Floor(vs*1e4)/1e4 != 2.9999 {
		t.Errorf("samples [0,0,10,10,20,20]: %.12f, want 2.9999 to 4 decimal places (%v)", vs, err)
	}
	vs, err = FromKernel([][]float64{{1, .9, 0}, {.9, 1, 0}, {0, 0, 1}}, 1)
	if err != nil || math.Abs(vs-2.1573) > 0.00005 {
		t.Errorf("K = [[1,.9,0],[.9,1,0],[0,0,1]]: %.6f, want 2.1573 (%v)", vs, err)
	}
	xs := []float64{0, 0, 2}
	vs, _ = FromKernel(expKernel(xs), 1)
	quality := make([]float64, len(xs))
	for i, x := range xs {
		quality[i] = math.Exp(-math.Abs(x - 2))
	}
	qvs, err := Quality(vs, quality)
	if err != nil || math.Abs(qvs-0.793705659274703) > 1e-12 {
		t.Errorf("qVS of [0,0,2]: %.15f, want 0.793705659274703 (%v)", qvs, err)
	}
}

func TestOrders(t *testing.T) {
	// Three identical items and one distinct: eigenvalues of K/n are 3/4, 1/4.
	k := [][]float64{{1, 1, 1, 0}, {1, 1, 1, 0}, {1, 1, 1, 0}, {0, 0, 0, 1}}
	tests := []struct {
		q    float64
		want float64
	}{
		{0, 2},
		{1, math.Exp(-(0.75*math.Log(0.75) + 0.25*math.Log(0.25)))},
		{2, 1 / (0.75*0.75 + 0.25*0.25)},
		{0.5, math.Pow(math.Sqrt(0.75)+math.Sqrt(0.25), 2)},
		{math.Inf(1), 1 / 0.75},
	}
	for _, tc := range tests {
		got, err := FromKernel(k, tc.q)
		if err != nil || math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("q=%v: %v, want %v (%v)", tc.q, got, tc.want, err)
		}
	}
	// q = 1 is the limit of q -> 1.
	one, _ := FromKernel(k, 1)
	for _, q := range []float64{1 - 1e-7, 1 + 1e-7} {
		near, _ := FromKernel(k, q)
		if math.Abs(near-one) > 1e-6 {
			t.Errorf("q=%v gives %v, far from the q=1 value %v", q, near, one)
		}
	}
}

func randomEmbeddings(rng *rand.Rand, n, d int) [][]float64 {
	x := make([][]float64, n)
	for i := range x {
		x[i] = make([]float64, d)
		for j := range x[i] {
			x[i][j] = rng.NormFloat64()
		}
	}
	return x
}

func cosineKernel(x [][]float64) [][]float64 {
	flat, d, _ := normalizedRows(x, false)
	k := make([][]float64, len(x))
	for i := range x {
		k[i] = make([]float64, len(x))
		for j := range x {
			var s float64
			for a := 0; a < d; a++ {
				s += flat[i*d+a] * flat[j*d+a]
			}
			k[i][j] = s
		}
		k[i][i] = 1
	}
	return k
}

// TestEmbeddingAndKernelPathsAgree compares the dual (d < n) and primal
// embedding paths with brute-force eigen-decomposition of K, for several q.
func TestEmbeddingAndKernelPathsAgree(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	for _, shape := range [][2]int{{40, 8}, {12, 30}, {25, 25}} {
		x := randomEmbeddings(rng, shape[0], shape[1])
		for _, q := range []float64{0.5, 1, 2, math.Inf(1)} {
			a, err := FromEmbeddings(x, q)
			if err != nil {
				t.Fatal(err)
			}
			b, err := FromKernel(cosineKernel(x), q)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(a-b) > 1e-9 {
				t.Errorf("n=%d d=%d q=%v: embeddings %.12f, kernel %.12f", shape[0], shape[1], q, a, b)
			}
		}
	}
}

func TestErrors(t *testing.T) {
	tests := map[string]struct {
		k    [][]float64
		q    float64
		want string
	}{
		"empty":         {nil, 1, "empty"},
		"ragged":        {[][]float64{{1, 0}, {0}}, 1, "row 2: 1 values"},
		"not symmetric": {[][]float64{{1, 0.5}, {0.2, 1}}, 1, "not symmetric"},
		"diagonal":      {[][]float64{{2}}, 1, "k(x,x) = 1"},
		"nan":           {[][]float64{{1, math.NaN()}, {math.NaN(), 1}}, 1, "not finite"},
		"negative q":    {[][]float64{{1}}, -1, "order q"},
	}
	for name, tc := range tests {
		if _, err := FromKernel(tc.k, tc.q); err == nil || !contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", name, err, tc.want)
		}
	}
	if _, err := FromEmbeddings([][]float64{{0, 0}}, 1); err == nil {
		t.Error("a zero embedding was accepted")
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

// BenchmarkVendiEmbeddings is the bar: n = 10,000 embeddings of
// d = 512 in under a second on this 2-core machine.
// BenchmarkVendiEmbeddings computes the Vendi score of 10,000 embeddings
// of dimension 512 and reports speedup_vs_gonum: the time of the same
// eigenvalues through gonum's general multiply (the d x d product the
// blocked symmetric kernel replaced) over this one.
func BenchmarkVendiEmbeddings(b *testing.B) {
	x := randomEmbeddings(rand.New(rand.NewPCG(1, 2)), 10000, 512)
	reference := func() {
		data, d, err := normalizedRows(x, false)
		if err != nil {
			b.Fatal(err)
		}
		n := len(x)
		c := blas64.General{Rows: d, Cols: d, Stride: d, Data: make([]float64, d*d)}
		blas64.Gemm(blas.Trans, blas.NoTrans, 1/float64(n), blas64.General{Rows: n, Cols: d, Stride: d, Data: data}, blas64.General{Rows: n, Cols: d, Stride: d, Data: data}, 0, c)
		if _, err := eigenvalues(mat.NewSymDense(d, c.Data)); err != nil {
			b.Fatal(err)
		}
	}
	var ours, ref time.Duration
	for b.Loop() {
		start := time.Now()
		if _, err := FromEmbeddings(x, 1); err != nil {
			b.Fatal(err)
		}
		ours += time.Since(start)
		b.StopTimer()
		start = time.Now()
		reference()
		ref += time.Since(start)
		b.StartTimer()
	}
	b.ReportMetric(ref.Seconds()/ours.Seconds(), "speedup_vs_gonum")
}

func TestGeotagKernel(t *testing.T) {
	tags := []Geotag{{"Africa", "Kenya", "ugali"}, {"africa", "Kenya", "chapati"}, {"Asia", "India", "chapati"}}
	k, err := GeotagKernel(tags, DefaultGeotagWeights)
	if err != nil {
		t.Fatal(err)
	}
	if k[0][0] != 1 || math.Abs(k[0][1]-2.0/3) > 1e-12 || math.Abs(k[1][2]-1.0/3) > 1e-12 || k[0][2] != 0 {
		t.Fatalf("kernel %v", k)
	}
	if _, err := GeotagKernel(tags, GeotagWeights{0.5, 0.5, 0.5}); err == nil {
		t.Fatal("weights summing to 1.5 accepted")
	}
	vs, _ := FromKernel(k, 1)
	if vs <= 1 || vs >= 3 {
		t.Fatalf("VS %v", vs)
	}
}

// TestHostileInputs: inputs that gave silent wrong answers.
func TestHostileInputs(t *testing.T) {
	emb := func(text string) (float64, error) {
		tb, err := ReadTable(strings.NewReader(text), "x.csv")
		if err != nil {
			return 0, err
		}
		return FromEmbeddings(tb.Rows, 1)
	}
	kern := func(text string) (float64, error) {
		tb, err := ReadTable(strings.NewReader(text), "k.csv")
		if err != nil {
			return 0, err
		}
		return FromKernel(tb.Rows, 1)
	}
	for _, tc := range []struct {
		name string
		got  func() (float64, error)
		want float64 // 0: an error is wanted
		err  string
	}{
		{"huge rows", func() (float64, error) { return emb("1e160,0\n0,1e160\n") }, 2, ""},
		{"tiny rows", func() (float64, error) { return emb("1e-200,-1e-200\n-1e-200,-1e-200\n") }, 2, ""},
		{"out-of-range number is no header", func() (float64, error) { return emb("1e400,1\n1,0\n") }, 0, "x.csv:1:1: \"1e400\" is out of the range"},
		{"BOM", func() (float64, error) { return emb("\ufeff1,0\n0,1\n") }, 2, ""},
		{"BOM before a header", func() (float64, error) { return emb("\ufeffa,b\n1,0\n0,1\n") }, 2, ""},
		{"kernel entries over 1", func() (float64, error) { return kern("1,5\n5,1\n") }, 0, "similarity 5 is outside [-1, 1]"},
		{"kernel not PSD", func() (float64, error) { return kern("1,0.9,-0.9\n0.9,1,0.9\n-0.9,0.9,1\n") }, 0, "not positive semi-definite"},
	} {
		v, err := tc.got()
		switch {
		case tc.want == 0 && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%s: %v, %v; want an error with %q", tc.name, v, err, tc.err)
		case tc.want != 0 && (err != nil || math.Abs(v-tc.want) > 1e-9):
			t.Errorf("%s: %v, %v; want %v", tc.name, v, err, tc.want)
		}
	}
}

// TestFromGeotagsMatchesKernel: the factored computation gives the n x n
// kernel's score, for every order, on random geotags with case and space
// variants and equal and unequal weights.
func TestFromGeotagsMatchesKernel(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	conts := []string{"Africa", "africa ", "Asia", "Europe"}
	countries := []string{"Kenya", "India", "KENYA", "France", ""}
	things := []string{"ugali", "chapati", "bread", "rice", "Rice"}
	for _, n := range []int{2, 7, 120} {
		tags := make([]Geotag, n)
		for i := range tags {
			tags[i] = Geotag{conts[rng.IntN(len(conts))], countries[rng.IntN(len(countries))], things[rng.IntN(len(things))]}
		}
		for _, w := range []GeotagWeights{DefaultGeotagWeights, {0.5, 0.3, 0.2}} {
			k, err := GeotagKernel(tags, w)
			if err != nil {
				t.Fatal(err)
			}
			for _, q := range []float64{0.5, 1, 2, math.Inf(1)} {
				want, err1 := FromKernel(k, q)
				got, err2 := FromGeotags(tags, w, q)
				if err1 != nil || err2 != nil || math.Abs(got-want) > 1e-9*want {
					t.Errorf("n=%d w=%v q=%v: %v (%v), kernel %v (%v)", n, w, q, got, err2, want, err1)
				}
			}
		}
	}
}

// GeotagKernel is CUBE's kernel: k(a,b) = w1[continent equal] +
// w2[country equal] + w3[artifact equal], comparing case-insensitively: the
// definition FromGeotags is checked against.
func GeotagKernel(tags []Geotag, w GeotagWeights) ([][]float64, error) {
	if s := w.Continent + w.Country + w.Artifact; math.Abs(s-1) > 1e-9 || w.Continent < 0 || w.Country < 0 || w.Artifact < 0 {
		return nil, fmt.Errorf("geotag weights must be non-negative and sum to 1, got %v", w)
	}
	eq := func(a, b string) float64 {
		if strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(b)) {
			return 1
		}
		return 0
	}
	k := make([][]float64, len(tags))
	for i, a := range tags {
		k[i] = make([]float64, len(tags))
		for j, b := range tags {
			k[i][j] = w.Continent*eq(a.Continent, b.Continent) + w.Country*eq(a.Country, b.Country) + w.Artifact*eq(a.Artifact, b.Artifact)
		}
	}
	return k, nil
}
