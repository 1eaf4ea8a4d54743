package vqa

import "testing"

func TestParseYesNoIn(t *testing.T) {
	for _, c := range []struct{ lang, in, want string }{
		{"sw", "Ndiyo.", "yes"}, {"sw", "Hapana, si hivyo.", "no"}, {"sw", "**Ndio**", "yes"},
		{"yo", "Bẹ́ẹ̀ni", "yes"}, {"yo", "Rárá.", "no"}, {"yo", "beeni", "yes"},
		{"ha", "A'a", "no"}, {"ha", "Eh, haka ne.", "yes"},
		{"ig", "Ee.", "yes"}, {"ig", "Mba", "no"},
		{"hi", "हाँ।", "yes"}, {"hi", "नहीं, यह नहीं है।", "no"},
		{"zh", "是的，这是一座传统房屋。", "yes"}, {"zh", "不是。", "no"}, {"zh", "否", "no"},
		{"ko", "네, 그렇습니다.", "yes"}, {"ko", "아니요.", "no"},
		{"sw", "Yes.", "yes"}, // English is read first, whatever the language
		{"sw", "Sijui", Unparsed},
		{"en", "Ndiyo.", Unparsed}, // a language's words count only for its questions
		{"", "네", Unparsed},
		{"ko", "I cannot help with that.", Refused},
	} {
		if got := ParseYesNoIn(c.in, c.lang); got != c.want {
			t.Errorf("ParseYesNoIn(%q, %s) = %q, want %q", c.in, c.lang, got, c.want)
		}
	}
}

func FuzzParseYesNoIn(f *testing.F) {
	for _, s := range []string{"Ndiyo.", "是的", "아니요", "Bẹ́ẹ̀ni", "A'a", "हाँ"} {
		f.Add(s, "sw")
	}
	f.Fuzz(func(t *testing.T, s, lang string) {
		switch ParseYesNoIn(s, lang) {
		case "yes", "no", Refused, Unparsed:
		default:
			t.Fatalf("unexpected parse of %q in %q", s, lang)
		}
	})
}
