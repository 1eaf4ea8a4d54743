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

// TestTagShareCharts: the report draws the tag shares, base and edited
// images apart, a bar per tag and reviewer group.
func TestTagShareCharts(t *testing.T) {
	t.Parallel()
	share := func(country, set, tag string, v float64) store.Agreement {
		return store.Agreement{Statistic: "tag_share", Rating: "tag:" + tag, Country: country, Against: set, Value: v, N: 20}
	}
	s, ok := humanSection([]store.Agreement{share("", "step 0", "anachronism", 0.3), share("Korea", "step 0", "anachronism", 0.4), share("Korea", "step 0", "stereotype", 0.1)})
	if !ok {
		t.Fatal("no section")
	}
	var ids []string
	for _, c := range s.Charts {
		ids = append(ids, c.ID)
	}
	if strings.Join(ids, ",") != "human-tags-base" {
		t.Fatalf("charts %v, want the base images' tag shares alone", ids)
	}
	opt := string(s.Charts[0].Option)
	for _, w := range []string{`"anachronism"`, `"stereotype"`, `"Korea"`, `"all"`} {
		if !strings.Contains(opt, w) {
			t.Errorf("chart option lacks %s", w)
		}
	}
}
