package vqa

import (
	"strings"
	"testing"

	"github.com/blindspot-audit/blindspot/prompts"
)

func TestParseYesNo(t *testing.T) {
	tests := map[string]string{
		"Yes.":                               "yes",
		"yes":                                "yes",
		"**No**":                             "no",
		"Answer: no":                         "no",
		"No, judging by the colours.":        "no",
		`{"answer": "yes"}`:                  "yes",
		`{"answer": false}`:                  "no",
		"The answer is no.":                  "no",
		"I'm sorry, I can't help with that.": Refused,
		"Maybe.":                             Unparsed,
		"":                                   Unparsed,
		"Yes and no.":                        "yes",
		"Nothing suggests so, yes":           "yes",
		"> Final answer: YES":                "yes",
	}
	for in, want := range tests {
		if got := ParseYesNo(in); got != want {
			t.Errorf("ParseYesNo(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseCountry(t *testing.T) {
	names := []string{"China", "India", "Kenya", "Korea", "Nigeria", "United States"}
	tests := map[string]string{
		"It most likely depicts Kenya.":         "Kenya",
		"I think it is united states":           "United States",
		"Answer: E) Nigeria":                    "Nigeria",
		"Korea, or possibly China":              "Korea",
		"Indiana":                               Unparsed,
		"I cannot determine the country, sorry": Refused,
	}
	for in, want := range tests {
		if got := ParseCountry(in, names); got != want {
			t.Errorf("ParseCountry(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestBuildBalanced(t *testing.T) {
	for _, n := range []int{2, 4, 6, 8} {
		qs, err := Build(prompts.Country{Name: "Kenya"}, prompts.Fields{Subcategory: "house", Variant: "traditional"}, n, true, []string{"Kenya", "Korea"})
		if err != nil {
			t.Fatal(err)
		}
		yes, no := 0, 0
		for _, q := range qs {
			switch q.Expected {
			case "yes":
				yes++
			case "no":
				no++
			}
		}
		if yes != n/2 || no != n/2 || qs[len(qs)-1].Kind != KindAttribution {
			t.Errorf("n=%d: %d yes, %d no, %d questions", n, yes, no, len(qs))
		}
	}
}

func TestTally(t *testing.T) {
	var tl Tally
	for _, a := range [][2]string{{"yes", "yes"}, {"yes", "no"}, {"no", "no"}, {"no", "yes"}, {"no", Unparsed}, {"yes", "yes"}} {
		tl.Add(a[0], a[1])
	}
	acc, _ := tl.Accuracy()
	if tl.Questions != 6 || tl.Answered != 5 || acc != 3.0/5 || tl.TP != 2 || tl.FP != 1 || tl.FN != 1 || tl.TN != 1 {
		t.Fatalf("tally %+v acc %v", tl, acc)
	}
}

func FuzzParseYesNo(f *testing.F) {
	for _, s := range []string{"Yes.", "**No**", `{"answer":"yes"}`, "Answer: no", "I can't"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		switch ParseYesNo(s) {
		case "yes", "no", Refused, Unparsed:
		default:
			t.Fatalf("unexpected parse of %q", s)
		}
		ParseCountry(s, []string{"Kenya", "United States"})
	})
}

func TestParseEra(t *testing.T) {
	for in, want := range map[string]string{"Modern.": "modern", "**Traditional**": "traditional", "It is a traditional scene.": "traditional",
		"Both modern and traditional": Unparsed, "Sorry, I can't tell.": Refused, "": Unparsed} {
		if got := ParseEra(in); got != want {
			t.Errorf("ParseEra(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseRating(t *testing.T) {
	for in, want := range map[string]int{"4": 4, "Rating: 2": 2, "**5**": 5, "3/5": 3, "I would say 4 out of 5.": 4, "none": 0, "between 2 and 4": 0, "7": 0} {
		if got := ParseRating(in); got != want {
			t.Errorf("ParseRating(%q) = %d, want %d", in, got, want)
		}
	}
}

func TestParseLLMQuestions(t *testing.T) {
	raw := "Here are the questions:\n1. Q: Does the roof show Kenyan thatch? A: yes\n**Q:** Is there a Western skyscraper? **A:** no\n" +
		"Q: " + strings.Repeat("very ", 30) + "long? A: yes\nQ: Not a question A: yes\nQ: Does the roof show Kenyan thatch? A: yes\n"
	qs, err := ParseLLMQuestions(raw, 8)
	if err != nil || len(qs) != 2 || qs[1].Expected != "no" || qs[0].Kind != KindLLM {
		t.Fatalf("%+v, %v", qs, err)
	}
	if _, err := ParseLLMQuestions("Q: Is it Kenyan? A: yes\n", 8); err == nil {
		t.Fatal("questions that all expect yes were accepted")
	}
	if _, err := ParseLLMQuestions("I cannot help.", 8); err == nil {
		t.Fatal("no questions accepted")
	}
}

func FuzzParseLLMQuestions(f *testing.F) {
	f.Add("Q: Is it Kenyan? A: yes\nQ: Is it foreign? A: no\n")
	f.Fuzz(func(t *testing.T, s string) {
		qs, err := ParseLLMQuestions(s, 8)
		if err == nil && (len(qs) == 0 || len(qs) > MaxLLMQuestions) {
			t.Fatalf("%d questions", len(qs))
		}
		for _, q := range qs {
			if len(strings.Fields(q.Text)) > MaxQuestionWords || (q.Expected != "yes" && q.Expected != "no") {
				t.Fatalf("invalid question kept: %+v", q)
			}
		}
	})
}

func TestParseGeotag(t *testing.T) {
	c, k, a, ok := ParseGeotag("Africa; Kenya; a bowl of ugali.")
	if !ok || c != "africa" || k != "kenya" || a != "a bowl of ugali" {
		t.Fatalf("%q %q %q %v", c, k, a, ok)
	}
	if _, _, _, ok := ParseGeotag("Answer: Asia, Korea, hanok"); !ok {
		t.Fatal("commas")
	}
	if _, _, _, ok := ParseGeotag("Somewhere in Asia"); ok {
		t.Fatal("one part accepted")
	}
}

func FuzzParseBestWorst(f *testing.F) {
	for _, s := range []string{"Best: 2; Worst: 4", `{"best":1,"worst":3}`, "Image 3 is the best", "best 99999999999999999999"} {
		f.Add(s, 4)
	}
	f.Fuzz(func(t *testing.T, s string, n int) {
		b, w, ok := ParseBestWorst(s, n)
		if ok && (b < 1 || w < 1 || b > n || w > n || b == w) {
			t.Fatalf("ParseBestWorst(%q, %d) accepted %d, %d", s, n, b, w)
		}
	})
}
