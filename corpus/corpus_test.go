package corpus

import (
	"bytes"
	"github.com/blindspot-audit/blindspot/prompts"
	"os"
	"strings"
	"testing"
)

func TestSplit(t *testing.T) {
	text := strings.Repeat("w ", 2000)
	ps := Split([]Section{{Heading: "History", Text: text}, {Heading: "Food", Text: "short"}}, 800, 120)
	if len(ps) != 4 || ps[3].Text != "short" || ps[0].Heading != "History" {
		t.Fatalf("%d passages: %+v", len(ps), ps[3])
	}
	for _, p := range ps[:3] {
		if n := len(strings.Fields(p.Text)); n > 800 {
			t.Fatalf("passage of %d tokens", n)
		}
	}
	// 2000 words at stride 680: passages start at 0, 680, 1360.
	if n := len(strings.Fields(ps[2].Text)); n != 640 {
		t.Fatalf("last passage %d tokens, want 640", n)
	}
}

func TestDefaultCorpus(t *testing.T) {
	ps, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 48+216 {
		t.Fatalf("%d passages, want 6 countries x (8 categories + 36 subcategories)", len(ps))
	}
	// Every country x subcategory of the built-in schema has its note.
	schema, err := prompts.Builtin("ecb")
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, p := range ps {
		have[p.Country+"/"+p.Category+"/"+p.Section] = true
	}
	for _, c := range schema.Countries {
		for _, cat := range schema.Categories {
			for _, sub := range cat.Subcategories {
				if !have[c.Name+"/"+cat.Name+"/"+sub] {
					t.Errorf("no default note for %s / %s / %s", c.Name, cat.Name, sub)
				}
			}
		}
	}
	var buf bytes.Buffer
	Write(&buf, ps)
	back, err := Read(&buf, "c.jsonl")
	if err != nil || len(back) != len(ps) || back[5] != ps[5] {
		t.Fatalf("round trip: %v", err)
	}
}

func TestRetrieve(t *testing.T) {
	ps, _ := Default()
	ix := NewIndex(ps)
	hits := ix.Retrieve("traditional house with a curved tiled roof", "Korea", "architecture", 3)
	if len(hits) != 3 || hits[0].Passage.Country != "Korea" || hits[0].Passage.Category != "architecture" {
		t.Fatalf("hits %+v", hits)
	}
	for _, h := range hits {
		if h.Passage.Country != "Korea" {
			t.Errorf("same-country passages should come first: %s", h.Passage.Country)
		}
	}
	// BM25 ranks within a tier: the food query prefers the food passage.
	hits = ix.Retrieve("ugali maize porridge", "", "", 1)
	if len(hits) != 1 || hits[0].Passage.Country != "Kenya" || hits[0].Passage.Category != "food" {
		t.Fatalf("unfiltered query: %+v", hits)
	}
}

func TestReadErrors(t *testing.T) {
	if _, err := Read(strings.NewReader("{\"text\": \"x\", \"country\": \"Kenya\"}\nnot json\n"), "c.jsonl"); err == nil || !strings.Contains(err.Error(), "c.jsonl:2:") {
		t.Fatalf("%v", err)
	}
}

func FuzzRead(f *testing.F) {
	f.Add([]byte("{\"text\": \"x\", \"country\": \"Kenya\"}\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		ps, err := Read(bytes.NewReader(b), "f")
		if err == nil {
			for _, p := range ps {
				if p.Text == "" || p.Country == "" {
					t.Fatal("accepted an empty passage")
				}
			}
		}
	})
}

func TestExampleConfig(t *testing.T) {
	c, err := LoadConfig("../examples/corpus.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Seeds) < 12 || c.PassageTokens != 800 || c.OverlapTokens != 120 || c.AllowedDomains[0] != "en.wikipedia.org" {
		t.Fatalf("%+v", c)
	}
	for name, body := range map[string]string{
		"no seeds":      "output: x.jsonl\n",
		"no country":    "output: x.jsonl\nseeds: [{url: 'http://a/'}]\n",
		"foreign seed":  "output: x.jsonl\nallowed_domains: [b]\nseeds: [{url: 'http://a/', country: Kenya}]\n",
		"unknown field": "output: x.jsonl\ncolour: red\n",
	} {
		p := t.TempDir() + "/c.yaml"
		os.WriteFile(p, []byte(body), 0o644)
		if _, err := LoadConfig(p); err == nil || !strings.Contains(err.Error(), "c.yaml") {
			t.Errorf("%s: %v", name, err)
		}
	}
}
