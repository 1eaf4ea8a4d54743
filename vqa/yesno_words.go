package vqa

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// yesNoWords are the words that open a yes or a no in the languages a
// judge may be asked in besides English (judge.language: prompt), by ISO
// 639 code. Latin-script words are compared without their tone marks.
var yesNoWords = map[string]map[string]string{
	"sw": {"ndiyo": "yes", "ndio": "yes", "naam": "yes", "hapana": "no", "la": "no"},
	"yo": {"beeni": "yes", "bee": "yes", "rara": "no", "beeko": "no"},
	"ha": {"eh": "yes", "e": "yes", "na'am": "yes", "a'a": "no", "aa": "no", "babu": "no"},
	"ig": {"ee": "yes", "eh": "yes", "mba": "no"},
	"hi": {"हाँ": "yes", "हां": "yes", "जी": "yes", "नहीं": "no", "ना": "no"},
}

// yesNoPrefixes open a yes or a no in scripts written without spaces:
// the answer's first characters are compared, longest first.
var yesNoPrefixes = map[string][]struct{ prefix, answer string }{
	"zh": {{"不是", "no"}, {"没有", "no"}, {"沒有", "no"}, {"不", "no"}, {"否", "no"}, {"是", "yes"}, {"对", "yes"}, {"對", "yes"}, {"有", "yes"}},
	"ko": {{"아니", "no"}, {"네", "yes"}, {"예", "yes"}, {"응", "yes"}},
}

// parseYesNoIn reads a yes or a no in language lang from an answer
// already lower-cased and stripped of markup, or returns "".
func parseYesNoIn(s, lang string) string {
	s = strings.TrimLeftFunc(norm.NFC.String(s), func(r rune) bool { return !unicode.IsLetter(r) })
	for _, p := range yesNoPrefixes[lang] {
		if strings.HasPrefix(s, p.prefix) {
			return p.answer
		}
	}
	words := yesNoWords[lang]
	if words == nil {
		return ""
	}
	first := strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsMark(r) && r != '\'' })
	if len(first) == 0 {
		return ""
	}
	return words[withoutMarks(first[0])]
}

// withoutMarks drops the tone and dot marks of a Latin-script word
// ("bẹ́ẹ̀ni" reads as "beeni"); a word in another script is kept whole.
func withoutMarks(w string) string {
	for _, r := range w {
		if !unicode.Is(unicode.Latin, r) && r != '\'' {
			return w
		}
		break
	}
	var b strings.Builder
	for _, r := range norm.NFD.String(w) {
		if !unicode.Is(unicode.Mn, r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}
