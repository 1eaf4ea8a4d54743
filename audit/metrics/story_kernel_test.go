package metrics

import (
	"math"
	"testing"

	"github.com/blindspot-audit/blindspot/audit/diversity"
)

// TestNgramKernel is a known answer for the stories' n-gram Vendi: two
// identical stories (punctuation aside) and one apart have eigenvalues 2/3
// and 1/3.
func TestNgramKernel(t *testing.T) {
	texts := []string{"Wanjiru shared ugali with shosho.", "Wanjiru shared ugali with shosho!", "Emily ate pancakes at the mall."}
	k := ngramKernel(texts, 2)
	if math.Abs(k[0][1]-1) > 1e-12 || k[0][2] != 0 {
		t.Fatalf("kernel %v", k)
	}
	vs, _ := diversity.FromKernel(k, 1)
	if want := math.Exp(-(2.0/3*math.Log(2.0/3) + 1.0/3*math.Log(1.0/3))); math.Abs(vs-want) > 1e-9 {
		t.Fatalf("VS %v, want %v", vs, want)
	}
}
