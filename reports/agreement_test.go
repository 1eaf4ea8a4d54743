package reports

import (
	"bytes"
	"strings"
	"testing"

	"github.com/blindspot-audit/blindspot/audit/store"
)

// TestAgreementSummaryScale: the short table shows the cultural scale's
// alpha, or, for a protocol without one, its first scale's, and says
// which.
func TestAgreementSummaryScale(t *testing.T) {
	t.Parallel()
	cov := []store.ReviewCoverage{{Country: "Korea", Raters: 2, Items: 30, ItemsTwice: 30, Exported: 30}}
	alpha := func(rating string, v float64) store.Agreement {
		return store.Agreement{Statistic: "alpha_ordinal", Rating: rating, Country: "Korea", Value: v, N: 30}
	}
	for _, tc := range []struct {
		name string
		as   []store.Agreement
		want []string
	}{
		{"ecb", []store.Agreement{alpha("quality", 0.5), alpha("cultural", 0.71)}, []string{"agreement on cultural representation", "0.71 (n=30)"}},
		{"declared", []store.Agreement{alpha("stereotyping", 0.62), alpha("relevance", 0.4)}, []string{"agreement on the stereotyping scale", "0.62 (n=30)"}},
	} {
		var b bytes.Buffer
		if err := WriteAgreementSummary(&b, cov, tc.as); err != nil {
			t.Fatal(err)
		}
		for _, w := range tc.want {
			if !strings.Contains(b.String(), w) {
				t.Errorf("%s: summary lacks %q:\n%s", tc.name, w, b.String())
			}
		}
	}
}
