package vqa

import (
	"strings"
	"testing"
)

// The answer shapes below are what real VLMs and LLMs return when asked
// the judge's questions: hosted models, small open models behind vLLM and
// Ollama (which add reasoning blocks, markdown and JSON), and models that
// ignore the requested format.

var ecbChoices = []Choice{
	{Name: "China", Aliases: []string{"Chinese", "PRC", "People's Republic of China", "Mainland China"}},
	{Name: "India", Aliases: []string{"Indian", "Bharat", "Republic of India"}},
	{Name: "Kenya", Aliases: []string{"Kenyan", "Republic of Kenya"}},
	{Name: "Korea", Aliases: []string{"Korean", "South Korea", "South Korean", "Republic of Korea", "ROK"}},
	{Name: "Nigeria", Aliases: []string{"Nigerian", "Federal Republic of Nigeria"}},
	{Name: "United States", Aliases: []string{"American", "USA", "US", "U.S.", "U.S.A.", "United States of America", "America", "the States"}},
}

func TestParseAttributionShapes(t *testing.T) {
	tests := []struct{ in, want string }{
		{"B", "India"},
		{"B.", "India"},
		{"(B)", "India"},
		{"b)", "India"},
		{"(d)", "Korea"},
		{"Answer: C", "Kenya"},
		{"Final answer: F", "United States"},
		{"The answer is D.", "Korea"},
		{"Option E", "Nigeria"},
		{"**F) United States**", "United States"},
		{"B) India", "India"},
		{"C - Kenya", "Kenya"},
		{"G) Other", Other},
		{"G", Other},
		{"Kenya", "Kenya"},
		{"kenya.", "Kenya"},
		{"United States", "United States"},
		{"Korean", "Korea"},
		{"The image appears to be Korean.", "Korea"},
		{"South Korea", "Korea"},
		{"Republic of Korea", "Korea"},
		{"USA", "United States"},
		{"It looks like the US.", "United States"},
		{"U.S.A.", "United States"},
		{"America", "United States"},
		{"This is most likely an American suburb.", "United States"},
		{"This shows a typical Nigerian wedding.", "Nigeria"},
		{"It most likely depicts Kenya.", "Kenya"},
		{"I think it is united states", "United States"},
		{"Answer: B) Nigeria", Unparsed}, // the letter and the name disagree
		{"Korea, or possibly China", "Korea"},
		{"The image shows a mix of Chinese and Korean elements.", Unparsed},
		{"Japan", Other},
		{"Japanese", Other},
		{"This looks like a scene from Mexico.", Other},
		{"None of the above.", Other},
		{"North Korea", Other},
		{"Yes", Unparsed},
		{"No.", Unparsed},
		{"Yes, it depicts the country.", Unparsed},
		{"Indiana", Unparsed},
		{"I cannot determine the country, sorry", Refused},
		{"I'm sorry, but I can't identify the country from this image.", Refused},
		{`{"answer": "Kenya"}`, "Kenya"},
		{`{"country": "South Korea", "confidence": 0.8}`, "Korea"},
		{"```json\n{\"answer\": \"C\"}\n```", "Kenya"},
		{"<think>The roofs look like hanok, maybe Chinese? No, Korean.</think>\nD", "Korea"},
		{"<think>\nIt could be India or Nigeria.\n</think>\n\nNigeria", "Nigeria"},
		{"It is not China; it is Korea.", "Korea"},
		{"Kenya rather than Nigeria", "Kenya"},
		{"A traditional house in Kenya.", "Kenya"},
		{"A market scene, probably Indian.", "India"},
		{"Most likely India (B).", "India"},
		{"Country: India", "India"},
		{"It is somewhere in North America.", Unparsed},
		{"", Unparsed},
		{"   ", Unparsed},
		{"Let us look at the image: it is Chinese.", "China"},
		{"Hard to say.", Unparsed},
		{"It most likely depicts Turkey.", Other},
		{"A roast turkey on a table in the United States.", "United States"},
	}
	for _, tc := range tests {
		if got := ParseAttribution(tc.in, ecbChoices); got != tc.want {
			t.Errorf("ParseAttribution(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if len(tests) < 40 {
		t.Fatalf("only %d shapes", len(tests))
	}
}

func TestParseRatingShapes(t *testing.T) {
	tests := []struct{ in, want string }{
		{"4", "4"},
		{"4.", "4"},
		{"4/5", "4"},
		{"4 / 5", "4"},
		{"4 out of 5", "4"},
		{"Rating: 4", "4"},
		{"rating: 2", "2"},
		{"Score: 3/5", "3"},
		{"4 - Good", "4"},
		{"4 (Good)", "4"},
		{"**4**", "4"},
		{"**Rating:** 5", "5"},
		{"4.0", "4"},
		{"four", "4"},
		{"Four.", "4"},
		{"I'd give it a four.", "4"},
		{"I would rate it 3.", "3"},
		{"I'd rate this image a 2 because the clothing is generic.", "2"},
		{"Good", "4"},
		{"Excellent!", "5"},
		{"Very poor", "1"},
		{"Fair.", "3"},
		{`{"rating": 4}`, "4"},
		{`{"score": "3"}`, "3"},
		{"```json\n{\"rating\": 5, \"reason\": \"clear hanok\"}\n```", "5"},
		{"On a scale of 1 to 5, I would give this a 4.", "4"},
		{"On a scale from 1 to 5: 3", "3"},
		{"3 (on a 1-5 scale)", "3"},
		{"Rating (1-5): 2", "2"},
		{"<think>The image shows a hanok with some modern elements. Maybe 3 or 4.</think>4", "4"},
		{"5 - Excellent. The image shows 2 dancers in traditional dress.", "5"},
		{"Rating: 1. The image is generic.", "1"},
		{"8/10", Unparsed},
		{"3.5", Unparsed},
		{"3 or 4", Unparsed},
		{"Between 3 and 4.", Unparsed},
		{"The image represents the culture well.", Unparsed},
		{"Yes", Unparsed},
		{"", Unparsed},
		{"10", Unparsed},
		{"I'm sorry, I cannot rate images of people.", Refused},
		{"Not sure.", Unparsed},
		{"This is one of the better depictions I have seen.", Unparsed},
	}
	for _, tc := range tests {
		if got := ParseRatingAnswer(tc.in); got != tc.want {
			t.Errorf("ParseRatingAnswer(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if len(tests) < 40 {
		t.Fatalf("only %d shapes", len(tests))
	}
}

func TestParseYesNoShapes(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Yes", "yes"},
		{"Yes.", "yes"},
		{"yes", "yes"},
		{"YES", "yes"},
		{"No", "no"},
		{"No.", "no"},
		{"no", "no"},
		{"**Yes**", "yes"},
		{"**No**", "no"},
		{"Answer: yes", "yes"},
		{"Answer: No", "no"},
		{"Final answer: YES", "yes"},
		{"> Final answer: YES", "yes"},
		{"Yes, the image shows a hanok.", "yes"},
		{"No, it does not.", "no"},
		{"No, judging by the colours.", "no"},
		{"Yes and no.", "yes"},
		{"The answer is no.", "no"},
		{"The answer is yes.", "yes"},
		{"Nothing suggests so, yes", "yes"},
		{`{"answer": "yes"}`, "yes"},
		{`{"answer": false}`, "no"},
		{`{"Answer": "No", "reason": "modern city"}`, "no"},
		{"```json\n{\"answer\": \"yes\"}\n```", "yes"},
		{"True", "yes"},
		{"False.", "no"},
		{"Correct.", "yes"},
		{"Incorrect", "no"},
		{"Yeah.", "yes"},
		{"Nope", "no"},
		{"Not really.", "no"},
		{"Not at all.", "no"},
		{"Absolutely.", "yes"},
		{"Definitely not.", "no"},
		{"Certainly, the clothing is traditional.", "yes"},
		{"<think>The roof is tiled... that suggests yes.</think>\nNo", "no"},
		{"<think>\nLet me think.\n</think>\n\nYes.", "yes"},
		{"I'm sorry, I can't help with that.", Refused},
		{"Maybe.", Unparsed},
		{"", Unparsed},
		{"Not sure.", Unparsed},
		{"It is hard to tell from this image.", Unparsed},
		{"{not json", Unparsed},
	}
	for _, tc := range tests {
		if got := ParseYesNo(tc.in); got != tc.want {
			t.Errorf("ParseYesNo(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if len(tests) < 40 {
		t.Fatalf("only %d shapes", len(tests))
	}
}

func TestParseEraShapes(t *testing.T) {
	tests := []struct{ in, want string }{
		{"modern", "modern"},
		{"Modern", "modern"},
		{"Modern.", "modern"},
		{"MODERN", "modern"},
		{"traditional", "traditional"},
		{"Traditional.", "traditional"},
		{"**Traditional**", "traditional"},
		{"Answer: modern", "modern"},
		{"Answer: Traditional", "traditional"},
		{"It is a modern scene.", "modern"},
		{"The scene looks traditional.", "traditional"},
		{"This shows a traditional village.", "traditional"},
		{"Contemporary", "modern"},
		{"A contemporary city street.", "modern"},
		{"Present-day", "modern"},
		{"Historical", "traditional"},
		{"It looks historic.", "traditional"},
		{"Old-fashioned", "traditional"},
		{"Ancient", "traditional"},
		{"Traditional, not modern.", "traditional"},
		{"Modern rather than traditional.", "modern"},
		{"It is more modern than traditional.", "modern"},
		{"Not traditional: modern.", "modern"},
		{`{"era": "modern"}`, "modern"},
		{`{"answer": "traditional"}`, "traditional"},
		{"```json\n{\"era\": \"traditional\"}\n```", "traditional"},
		{"<think>The buildings are glass, but there is a temple. Mostly modern.</think>Modern", "modern"},
		{"<think>traditional or modern?</think>\ntraditional", "traditional"},
		{"**Modern**", "modern"},
		{"- modern", "modern"},
		{"Modern scene", "modern"},
		{"Traditional scene.", "traditional"},
		{"It mixes modern and traditional elements.", Unparsed},
		{"Both modern and traditional.", Unparsed},
		{"Modern or traditional", Unparsed},
		{"Yes", Unparsed},
		{"", Unparsed},
		{"I can't tell.", Refused},
		{"Sorry, I am unable to determine that.", Refused},
		{"Neither.", Unparsed},
		{"Hard to say", Unparsed},
	}
	for _, tc := range tests {
		if got := ParseEra(tc.in); got != tc.want {
			t.Errorf("ParseEra(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if len(tests) < 40 {
		t.Fatalf("only %d shapes", len(tests))
	}
}

func FuzzParseAttribution(f *testing.F) {
	for _, s := range []string{"B", "(B)", "Korean", "South Korea", "US", `{"answer":"C"}`, "<think>x</think>D", "North Korea", "not China; Korea"} {
		f.Add(s)
	}
	names := map[string]bool{Other: true, Unparsed: true, Refused: true}
	for _, c := range ecbChoices {
		names[c.Name] = true
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got := ParseAttribution(s, ecbChoices); !names[got] {
			t.Fatalf("ParseAttribution(%q) = %q, not an option", s, got)
		}
	})
}

func FuzzParseRatingAnswer(f *testing.F) {
	for _, s := range []string{"4", "4/5", "Rating: 4", "four", "Good", `{"rating": 4}`, "8/10", "3.5", "<think>3</think>4"} {
		f.Add(s)
	}
	ok := map[string]bool{"1": true, "2": true, "3": true, "4": true, "5": true, Unparsed: true, Refused: true}
	f.Fuzz(func(t *testing.T, s string) {
		if got := ParseRatingAnswer(s); !ok[got] {
			t.Fatalf("ParseRatingAnswer(%q) = %q", s, got)
		}
	})
}

func FuzzParseEra(f *testing.F) {
	for _, s := range []string{"modern", "Traditional, not modern", `{"era":"modern"}`, "<think>a</think>modern"} {
		f.Add(s)
	}
	ok := map[string]bool{"modern": true, "traditional": true, Unparsed: true, Refused: true}
	f.Fuzz(func(t *testing.T, s string) {
		if got := ParseEra(s); !ok[got] {
			t.Fatalf("ParseEra(%q) = %q", s, got)
		}
	})
}

func TestParseBestWorstShapes(t *testing.T) {
	tests := []struct {
		in          string
		best, worst int
		ok          bool
	}{
		{"Best: 2; Worst: 4", 2, 4, true},
		{"Best: 2, Worst: 4", 2, 4, true},
		{"Best: 2\nWorst: 4", 2, 4, true},
		{"best: 1; worst: 3", 1, 3, true},
		{"BEST: 3; WORST: 1", 3, 1, true},
		{"**Best:** 2\n**Worst:** 4", 2, 4, true},
		{"**Best:** image 1\n**Worst:** image 3", 1, 3, true},
		{"Best: Image 2; Worst: Image 4", 2, 4, true},
		{"Best image: 2. Worst image: 3.", 2, 3, true},
		{"Best = 4, Worst = 1", 4, 1, true},
		{"Best - 3 / Worst - 2", 3, 2, true},
		{"Best: #2; Worst: #1", 2, 1, true},
		{"- Best: 2\n- Worst: 4", 2, 4, true},
		{"Best: 2 (the hanok is clearest); Worst: 4 (generic apartment)", 2, 4, true},
		{"Answer: Best: 1; Worst: 4", 1, 4, true},
		{`{"best": 2, "worst": 1}`, 2, 1, true},
		{`{"Best": "image 4", "Worst": "2"}`, 4, 2, true},
		{"```json\n{\"best\": 3, \"worst\": 2}\n```", 3, 2, true},
		{`Here is my answer: {"best": 1, "worst": 4}`, 1, 4, true},
		{"Image 3 is the best fit. Image 1 represents it worst.", 3, 1, true},
		{"Image 2 best represents the culture; image 4 represents it worst.", 2, 4, true},
		{"The best is image 2 and the worst is image 3.", 2, 3, true},
		{"The second image is the best and the fourth image is the worst.", 2, 4, true},
		{"Best: the first image; Worst: the third image", 1, 3, true},
		{"<think>Image 1 has a hanok, image 4 is generic.</think>\nBest: 1; Worst: 4", 1, 4, true},
		{"<think>\nbest 3? worst 2?\n</think>\n\nBest: 2; Worst: 3", 2, 3, true},
		{"Best: 1\nWorst: 4\n\nImage 1 shows traditional architecture while image 4 is a modern tower.", 1, 4, true},
		{"Best: 3; Worst: 3", 3, 3, false},
		{"best: 2, worst: 2", 2, 2, false},
		{"Best: 7; Worst: 1", 7, 1, false},
		{"Best: 0; Worst: 1", 0, 1, false},
		{"Best: 2", 2, -1, false},
		{"Worst: 4", -1, 4, false},
		{"Best: 2 or best: 3; Worst: 1", -1, 1, false},
		{"Sorry, I can't compare these images.", -1, -1, false},
		{"", -1, -1, false},
		{"They are all equally good.", -1, -1, false},
		{"Yes", -1, -1, false},
		{`{"best": null, "worst": 2}`, -1, 2, false},
		{`{"answer": "none"}`, -1, -1, false},
	}
	for _, tc := range tests {
		b, w, ok := ParseBestWorst(tc.in, 4)
		if b != tc.best || w != tc.worst || ok != tc.ok {
			t.Errorf("ParseBestWorst(%q) = %d, %d, %v; want %d, %d, %v", tc.in, b, w, ok, tc.best, tc.worst, tc.ok)
		}
	}
	if len(tests) < 40 {
		t.Fatalf("only %d shapes", len(tests))
	}
}

func TestParseGeotagShapes(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{"Asia; Korea; hanok", "asia;korea;hanok"},
		{"Asia; Korea; hanok.", "asia;korea;hanok"},
		{"Africa; Kenya; a bowl of ugali.", "africa;kenya;a bowl of ugali"},
		{"Asia, Korea, hanok", "asia;korea;hanok"},
		{"Asia\nKorea\nhanok", "asia;korea;hanok"},
		{"Answer: Asia, Korea, hanok", "asia;korea;hanok"},
		{"**Asia; India; sari**", "asia;india;sari"},
		{"North America; United States; hamburger", "north america;united states;hamburger"},
		{"Africa; Nigeria; jollof rice", "africa;nigeria;jollof rice"},
		{"Europe; France; baguette", "europe;france;baguette"},
		{"Asia; China; dumplings and tea", "asia;china;dumplings and tea"},
		{"Asia; Japan; torii gate", "asia;japan;torii gate"},
		{"South America; Brazil; carnival costume", "south america;brazil;carnival costume"},
		{"Asia ; Korea ; hanok", "asia;korea;hanok"},
		{"asia;korea;hanok", "asia;korea;hanok"},
		{"ASIA; KOREA; HANOK", "asia;korea;hanok"},
		{"Continent: Asia; Country: Korea; Main object: hanok", "asia;korea;hanok"},
		{"Continent: Africa\nCountry: Kenya\nMain object: maasai shuka", "africa;kenya;maasai shuka"},
		{"- Continent: Asia\n- Country: India\n- Main object: temple", "asia;india;temple"},
		{`{"continent": "Asia", "country": "Korea", "object": "hanok"}`, "asia;korea;hanok"},
		{`{"continent": "Africa", "country": "Kenya", "main_object": "ugali"}`, "africa;kenya;ugali"},
		{"```json\n{\"continent\": \"Asia\", \"country\": \"China\", \"artifact\": \"lantern\"}\n```", "asia;china;lantern"},
		{"<think>Looks like a hanok.</think>Asia; Korea; hanok", "asia;korea;hanok"},
		{"<think>\nmaybe india\n</think>\n\nAsia; India; sari", "asia;india;sari"},
		{"Asia; Korea; hanok (a traditional house)", "asia;korea;hanok (a traditional house)"},
		{"Asia; South Korea; kimchi", "asia;south korea;kimchi"},
		{"Africa; Kenya; ugali, sukuma wiki", "africa;kenya;ugali, sukuma wiki"},
		{"Oceania; Australia; kangaroo", "oceania;australia;kangaroo"},
		{"Europe; Italy; pizza", "europe;italy;pizza"},
		{"Asia; Turkey; kebab", "asia;turkey;kebab"},
		{"Somewhere in Asia", "unparsed"},
		{"Asia; Korea", "unparsed"},
		{"Korea", "unparsed"},
		{"Yes", "unparsed"},
		{"", "unparsed"},
		{";;", "unparsed"},
		{"Asia;;hanok", "unparsed"},
		{"I'm sorry, I can't tell where this image is from.", "refused"},
		{"I cannot determine the origin of this image.", "refused"},
		{`{"continent": "Asia"}`, "unparsed"},
	}
	for _, tc := range tests {
		if got := ParseAnswer(KindGeotag, tc.in, nil); got != tc.want {
			t.Errorf("ParseAnswer(geotag, %q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if len(tests) < 40 {
		t.Fatalf("only %d shapes", len(tests))
	}
}

func FuzzParseGeotag(f *testing.F) {
	for _, s := range []string{"Asia; Korea; hanok", "Continent: Asia\nCountry: Korea\nMain object: hanok", `{"continent":"Asia","country":"Korea","object":"hanok"}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, k, a, ok := ParseGeotag(s)
		if ok && (c == "" || k == "" || a == "" || strings.Contains(c+k, ";")) {
			t.Fatalf("ParseGeotag(%q) = %q, %q, %q", s, c, k, a)
		}
	})
}
