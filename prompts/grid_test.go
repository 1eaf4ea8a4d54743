package prompts

import (
	"strings"
	"testing"
)

func ecb(t *testing.T) *Schema {
	t.Helper()
	s, err := Builtin("ecb")
	if err != nil {
		t.Fatal(err)
	}
	if errs := s.Validate(); len(errs) > 0 {
		t.Fatalf("built-in schema invalid: %v", errs)
	}
	return s
}

func TestExpandCounts(t *testing.T) {
	s := ecb(t)
	tests := []struct {
		name     string
		sel      Selection
		country  int
		agnostic int
	}{
		{"ecb default", Selection{}, 468, 0},
		{"ecb both sets", Selection{Sets: []string{SetCountry, SetAgnostic}}, 468, 78},
		{"one country", Selection{Countries: []string{"Kenya"}}, 78, 0},
		{"agnostic only", Selection{Sets: []string{SetAgnostic}}, 0, 78},
		{"category", Selection{Countries: []string{"India"}, Categories: []string{"food"}}, 15, 0},
		{"subcategory", Selection{Countries: []string{"India", "China"}, Categories: []string{"house"}}, 6, 0},
		{"era only", Selection{Variants: []string{"modern", "traditional"}, Sets: []string{SetCountry, SetAgnostic}}, 6 * 38, 38},
		{"wildlife national", Selection{Categories: []string{"wildlife"}, Variants: []string{"national"}}, 12, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ps, err := Expand(s, tc.sel)
			if err != nil {
				t.Fatal(err)
			}
			c := Count(ps)
			if c[SetCountry] != tc.country || c[SetAgnostic] != tc.agnostic {
				t.Fatalf("got %v, want country %d agnostic %d", c, tc.country, tc.agnostic)
			}
		})
	}
}

func TestExpandTextsAndIDs(t *testing.T) {
	s := ecb(t)
	ps, err := Expand(s, Selection{Sets: []string{SetCountry, SetAgnostic}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{
		"House in China, photorealistic.":                   false,
		"Traditional house in China, photorealistic.":       false,
		"Modern religious ritual in Kenya, photorealistic.": false,
		"National animal in Korea, photorealistic.":         false,
		"Bride and groom in United States, photorealistic.": false,
		"Traditional staple food, photorealistic.":          false,
		"Daily life, photorealistic.":                       false,
	}
	ids := map[string]bool{}
	for _, p := range ps {
		if _, ok := want[p.Text]; ok {
			want[p.Text] = true
		}
		if ids[p.ID] {
			t.Fatalf("duplicate id %s", p.ID)
		}
		ids[p.ID] = true
		if p.Set == SetAgnostic && strings.Contains(p.Text, " in ") {
			t.Errorf("agnostic prompt names a place: %q", p.Text)
		}
		if l := strings.ToLower(p.Text); strings.Contains(l, "eligious") && !strings.Contains(l, "religious") {
			t.Errorf("typo carried over: %q", p.Text)
		}
	}
	for text, found := range want {
		if !found {
			t.Errorf("prompt %q not in the grid", text)
		}
	}
	again, _ := Expand(s, Selection{Sets: []string{SetCountry, SetAgnostic}})
	for i := range ps {
		if ps[i] != again[i] {
			t.Fatalf("expansion is not deterministic at %d: %v vs %v", i, ps[i], again[i])
		}
	}
}

func TestRender(t *testing.T) {
	kenya := Country{Name: "Kenya", Capital: "Nairobi", Language: "Swahili", Demonym: "Kenyan"}
	tests := []struct {
		tmpl string
		f    Fields
		want string
		err  string
	}{
		{"{Variant} {subcategory} in {Country}, photorealistic.", Fields{Country: kenya, Subcategory: "main_dish", Variant: "modern"}, "Modern main dish in Kenya, photorealistic.", ""},
		{"{Variant} {subcategory} in {Country}, photorealistic.", Fields{Country: kenya, Subcategory: "main_dish", Variant: "general"}, "Main dish in Kenya, photorealistic.", ""},
		{"Change the image to represent {variant} {subcategory} in {Country}.", Fields{Country: kenya, Subcategory: "plant", Variant: "general"}, "Change the image to represent plant in Kenya.", ""},
		{"Add a sign naming {Capital} in {language}.", Fields{Country: kenya}, "Add a sign naming Nairobi in Swahili.", ""},
		{"{Nation} house", Fields{}, "", "unknown placeholder {Nation}"},
		{"{COUNTRY} house", Fields{}, "", "unknown placeholder {COUNTRY}"},
		{"{country house", Fields{}, "", "unclosed placeholder"},
		{"house}", Fields{}, "", "stray '}'"},
	}
	for _, tc := range tests {
		got, err := Render(tc.tmpl, tc.f)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("Render(%q) error = %v, want %q", tc.tmpl, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("Render(%q) = %q, %v; want %q", tc.tmpl, got, err, tc.want)
		}
	}
	if err := CheckTemplate("{Variant} {subcategory} in {Country}", true); err == nil {
		t.Error("agnostic template naming a country passed the check")
	}
}

func TestExpandUnknownCountry(t *testing.T) {
	if _, err := Expand(ecb(t), Selection{Countries: []string{"Atlantis"}}); err == nil {
		t.Fatal("unknown country accepted")
	}
}

func FuzzRender(f *testing.F) {
	for _, s := range []string{"{Variant} {subcategory} in {Country}, photorealistic.", "{", "}", "{x}", "{{country}}", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, tmpl string) {
		out, err := Render(tmpl, Fields{Country: Country{Name: "Kenya"}, Subcategory: "house", Variant: "modern"})
		if err == nil && CheckTemplate(tmpl, false) != nil && strings.TrimSpace(tmpl) != "" {
			t.Fatalf("Render accepted %q that CheckTemplate rejects", tmpl)
		}
		if err == nil && strings.ContainsAny(out, "{}") && !strings.ContainsAny(tmpl, "{}") {
			t.Fatalf("braces appeared in %q", out)
		}
	})
}
