package vqa

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
)

// Parsed answers beside "yes" and "no".
const (
	Refused  = "refused"
	Unparsed = "unparsed"
	// Other is the attribution option for a country not listed.
	Other = "other"
)

var (
	markupRe  = regexp.MustCompile("[*_`#>\"']")
	leadRe    = regexp.MustCompile(`^(?:final answer|answer|response|a)\s*[:\-]\s*`)
	yesRe     = regexp.MustCompile(`\byes\b`)
	noRe      = regexp.MustCompile(`\bno\b`)
	refusalRe = regexp.MustCompile(`\b(i can(?:no|'|)t|i cannot|i am unable|i'?m unable|unable to|sorry|i won'?t|not able to)\b`)
)

// MaxAnswerBytes caps how much of an answer is read.
const MaxAnswerBytes = 16 << 10

// thinkRe is the reasoning block that reasoning models served by vLLM or
// Ollama put before their answer; what it weighs is not the answer.
var thinkRe = regexp.MustCompile(`(?is)<think(?:ing)?>.*?</think(?:ing)?>`)

// prepare caps an answer and drops a reasoning block; an answer that is
// nothing but an unfinished block stays as it is (and is then unparsed).
func prepare(raw string) string {
	if len(raw) > MaxAnswerBytes {
		raw = raw[:MaxAnswerBytes]
	}
	if strings.Contains(raw, "</think") {
		raw = thinkRe.ReplaceAllString(raw, " ")
	}
	return raw
}

// ParseYesNo reads a yes/no answer from free-form output: "Yes.",
// "**No**", "Answer: yes", `{"answer": "no"}`, "No, it does not". It
// returns "yes", "no", Refused or Unparsed.
func ParseYesNo(raw string) string {
	raw = prepare(raw)
	s := strings.TrimSpace(raw)
	if v, ok := jsonField(s, "answer", "response", "result", "verdict", "prediction"); ok {
		return ParseYesNo(v)
	}
	if strings.HasPrefix(s, "{") {
		return Unparsed
	}
	s = strings.ToLower(markupRe.ReplaceAllString(s, ""))
	s = strings.TrimSpace(leadRe.ReplaceAllString(strings.TrimSpace(s), ""))
	first := strings.FieldsFunc(s, func(r rune) bool { return !('a' <= r && r <= 'z') })
	if len(first) > 0 {
		switch first[0] {
		case "yes", "y", "true", "correct", "yeah", "yep", "yup":
			return "yes"
		case "no", "n", "false", "incorrect", "nope":
			return "no"
		case "not":
			// "Not really" is no; "Not sure" is no answer.
			if len(first) == 1 || !strings.Contains(" sure certain clear possible enough ", " "+first[1]+" ") {
				return "no"
			}
		case "absolutely", "definitely", "certainly", "indeed", "sure", "affirmative":
			// "Definitely not" turns it around.
			if len(first) > 1 && first[1] == "not" {
				return "no"
			}
			return "yes"
		}
	}
	if refusalRe.MatchString(s) {
		return Refused
	}
	// A sentence that commits to one answer: "The answer is no."
	hasYes, hasNo := yesRe.MatchString(s), noRe.MatchString(s)
	switch {
	case hasYes && !hasNo:
		return "yes"
	case hasNo && !hasYes:
		return "no"
	}
	return Unparsed
}

// ParseYesNoIn is ParseYesNo for a question asked in language lang (ISO
// 639): an answer English does not settle is read in that language too
// ("Ndiyo", "아니요", "是的", "नहीं").
func ParseYesNoIn(raw, lang string) string {
	v := ParseYesNo(raw)
	if v != Unparsed || lang == "" || lang == "en" {
		return v
	}
	s := strings.ToLower(markupRe.ReplaceAllString(strings.TrimSpace(prepare(raw)), ""))
	if w := parseYesNoIn(s, lang); w != "" {
		return w
	}
	return Unparsed
}

// ParseEra reads "modern" or "traditional" from an answer: the word
// itself, "contemporary" or "present-day" for modern, "historical" or
// "old-fashioned" for traditional, JSON ({"era": "modern"}); a negated
// word ("traditional, not modern") does not count. An answer that names
// both or neither is Unparsed.
func ParseEra(raw string) string {
	raw = prepare(raw)
	if v, ok := jsonField(raw, "era", "answer", "style", "result", "response"); ok {
		return ParseEra(v)
	}
	l := strings.ToLower(markupRe.ReplaceAllString(raw, ""))
	l = eraNegatedRe.ReplaceAllString(l, " ")
	m, t := modernRe.MatchString(l), traditionalRe.MatchString(l)
	switch {
	case m && !t:
		return "modern"
	case t && !m:
		return "traditional"
	case refusalRe.MatchString(l):
		return Refused
	}
	return Unparsed
}

var (
	modernRe      = regexp.MustCompile(`\b(?:modern|contemporary|present[- ]day|todays)\b`)
	traditionalRe = regexp.MustCompile(`\b(?:traditional|historical|historic|old[- ]fashioned|ancient|classical)\b`)
	eraNegatedRe  = regexp.MustCompile(`\b(?:not|rather than|instead of|than)\s+(?:very\s+|a\s+|an\s+)?(?:modern|contemporary|traditional|historical|ancient)\b`)
)

// ratingScaleRe finds descriptions of the scale that are not the rating:
// "on a scale of 1 to 5", "(1-5)", "1 = very poor".
var ratingScaleRe = regexp.MustCompile(`(?i)(?:on )?(?:a |the )?scale (?:of|from) (?:1|one) (?:to|-|–) (?:5|five)|\(\s*1\s*[-–]\s*5\s*\)|\bfrom 1 \(very poor\) to 5 \(excellent\)|\b[1-5]\s*=\s*[a-z ]+|\b1\s*(?:to|[-–])\s*5\b|\bbetween 1 and 5\b`)

var (
	ratingNumberRe = regexp.MustCompile(`(?i)(\d+(?:\.\d+)?)(?:\s*(?:/|out of)\s*(\d+))?`)
	ratingLeadRe   = regexp.MustCompile(`(?i)\b(?:rating|score|rate it|rated|give it|i(?:'d| would) (?:say|give it|rate it)|answer)\s*(?:is|:|=|-|of|at|as)?\s*(?:a |an )?$`)
	ratingRangeRe  = regexp.MustCompile(`(?i)^\s*(?:or|to|and|[-–]\s*\d)\b`)
	ratingWordRe   = regexp.MustCompile(`(?i)\b(one|two|three|four|five)\b`)
	ratingLabelRe  = regexp.MustCompile(`(?i)^(?:it(?:'s| is) )?(very poor|poor|fair|average|good|very good|excellent)[.!]?$`)
)

var ratingWords = map[string]int{"one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
	"very poor": 1, "poor": 2, "fair": 3, "average": 3, "good": 4, "very good": 5, "excellent": 5}

// ParseRatingAnswer reads a 1-5 rating and returns it as "1".."5",
// Refused or Unparsed. It accepts "4", "4/5", "4 out of 5", "Rating: 4",
// "4 - Good", "**4**", "4.0", "four", "I'd give it a four", "Good" (the
// scale's label alone), JSON ({"rating": 4}); descriptions of the scale
// ("on a scale of 1 to 5") are not ratings. A rating out of another
// scale ("8/10"), a fraction ("3.5") or two different ratings is Unparsed.
func ParseRatingAnswer(raw string) string {
	raw = prepare(raw)
	if v, ok := jsonField(raw, "rating", "score", "cultural_rating", "cultural", "answer", "value", "result"); ok {
		return ParseRatingAnswer(v)
	}
	s := strings.TrimSpace(markupRe.ReplaceAllString(raw, ""))
	s = ratingScaleRe.ReplaceAllString(s, " ")
	var found []int
	var led int
	bad := false
	for _, m := range ratingNumberRe.FindAllStringSubmatchIndex(s, -1) {
		num := s[m[2]:m[3]]
		denom := ""
		if m[4] >= 0 {
			denom = s[m[4]:m[5]]
		}
		v, ok := ratingValue(num)
		if denom != "" && denom != "5" {
			bad = true
			continue
		}
		if !ok {
			if strings.Contains(num, ".") || denom == "5" {
				bad = true
			}
			continue
		}
		found = append(found, v)
		// A number that opens the answer, or follows "Rating:", is the rating.
		if led == 0 && (m[0] == 0 || ratingLeadRe.MatchString(s[:m[0]])) && !ratingRangeRe.MatchString(s[m[1]:]) {
			led = v
		}
	}
	if len(found) == 0 && !bad {
		for _, m := range ratingWordRe.FindAllStringSubmatchIndex(s, -1) {
			// A number word counts after a lead ("I'd give it a four") or as
			// nearly the whole answer ("Four.").
			if ratingLeadRe.MatchString(s[:m[0]]) || len(strings.Fields(s)) <= 2 {
				found = append(found, ratingWords[strings.ToLower(s[m[2]:m[3]])])
			}
		}
		if m := ratingLabelRe.FindStringSubmatch(strings.TrimSpace(s)); m != nil && len(found) == 0 {
			found = append(found, ratingWords[strings.ToLower(m[1])])
		}
	}
	switch {
	case led > 0:
		return fmt.Sprint(led)
	case bad:
		return Unparsed
	case len(found) > 0 && allSame(found):
		return fmt.Sprint(found[0])
	case len(found) == 0 && refusalRe.MatchString(strings.ToLower(s)):
		return Refused
	}
	return Unparsed
}

// ratingValue reads an integer 1..5, also written "4.0".
func ratingValue(num string) (int, bool) {
	if i := strings.IndexByte(num, '.'); i >= 0 {
		if strings.Trim(num[i+1:], "0") != "" {
			return 0, false
		}
		num = num[:i]
	}
	if len(num) != 1 || num[0] < '1' || num[0] > '5' {
		return 0, false
	}
	return int(num[0] - '0'), true
}

func allSame(xs []int) bool {
	for _, x := range xs[1:] {
		if x != xs[0] {
			return false
		}
	}
	return true
}

// ParseRating reads a 1-5 rating (see ParseRatingAnswer); it returns 0
// when the answer holds no single usable rating.
func ParseRating(raw string) int {
	v := ParseRatingAnswer(raw)
	if len(v) == 1 {
		return int(v[0] - '0')
	}
	return 0
}

// ParseGeotag reads "continent; country; object" (also with commas or
// one per line, with or without labels such as "Country:", or as JSON);
// it returns ok false unless all three parts are there.
func ParseGeotag(raw string) (continent, country, artifact string, ok bool) {
	raw = prepare(raw)
	if loc := jsonObjectRe.FindStringIndex(raw); loc != nil {
		c, _ := jsonField(raw, "continent")
		k, _ := jsonField(raw, "country")
		a, _ := jsonField(raw, "object", "main_object", "main object", "artifact", "item")
		clean := func(x string) string {
			return strings.Trim(strings.ReplaceAll(strings.ToLower(strings.TrimSpace(x)), ";", ","), "., ")
		}
		continent, country, artifact = clean(c), clean(k), clean(a)
		return continent, country, artifact, continent != "" && country != "" && artifact != ""
	}
	s := strings.TrimSpace(markupRe.ReplaceAllString(raw, ""))
	s = strings.TrimSpace(leadRe.ReplaceAllString(strings.ToLower(s), ""))
	var parts []string
	for _, sep := range []string{";", "\n", ","} {
		if parts = strings.Split(s, sep); len(parts) >= 3 {
			break
		}
	}
	if len(parts) < 3 {
		return "", "", "", false
	}
	clean := func(x string) string {
		x = geotagLabelRe.ReplaceAllString(strings.TrimSpace(x), "")
		// A part never holds the stored separator.
		return strings.Trim(strings.ReplaceAll(strings.TrimSpace(x), ";", ","), "., ")
	}
	continent, country, artifact = clean(parts[0]), clean(parts[1]), clean(strings.Join(parts[2:], " "))
	return continent, country, artifact, continent != "" && country != "" && artifact != ""
}

// geotagLabelRe is a part's label or list mark: "- Country: ".
var geotagLabelRe = regexp.MustCompile(`^(?:[-*•]\s*)?(?:continent|country|main object|object|artifact)?\s*:?\s*`)

// nameRegexps caches the word-boundary pattern of each country name: the
// parser runs on every attribution answer.
var nameRegexps sync.Map

func nameRegexp(name string) *regexp.Regexp {
	if re, ok := nameRegexps.Load(name); ok {
		return re.(*regexp.Regexp)
	}
	re := regexp.MustCompile(`\b` + regexp.QuoteMeta(strings.ToLower(name)) + `\b`)
	nameRegexps.Store(name, re)
	return re
}

// ParseAnswer reads an answer to a question of the given kind: a country
// name or Other for attribution (among choices), "modern" or
// "traditional", "continent;country;object" for a geotag, "1".."5" for a
// rating, "yes" or "no" otherwise; or Refused or Unparsed.
func ParseAnswer(kind, raw string, choices []Choice) string {
	switch kind {
	case KindAttribution:
		return ParseAttribution(raw, choices)
	case KindEra:
		return ParseEra(raw)
	case KindGeotag:
		if c, k, art, ok := ParseGeotag(raw); ok {
			return c + ";" + k + ";" + art
		}
		if refusalRe.MatchString(strings.ToLower(raw)) {
			return Refused
		}
		return Unparsed
	case KindRating:
		return ParseRatingAnswer(raw)
	}
	return ParseYesNo(raw)
}
