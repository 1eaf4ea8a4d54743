package vqa

import (
	"encoding/json"
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

var letterRe = regexp.MustCompile(`(?i)^(?:(?:final )?answer\s*[:\-]?\s*)?\(?([a-z])\)?(?:[.)]|\s*$|\s*[-:)]\s)`)

var (
	markupRe  = regexp.MustCompile("[*_`#>\"']")
	leadRe    = regexp.MustCompile(`^(?:final answer|answer|response|a)\s*[:\-]\s*`)
	yesRe     = regexp.MustCompile(`\byes\b`)
	noRe      = regexp.MustCompile(`\bno\b`)
	refusalRe = regexp.MustCompile(`\b(i can(?:no|')t|i cannot|i am unable|i'm unable|unable to|sorry|i won't|not able to)\b`)
)

// MaxAnswerBytes caps how much of an answer is read.
const MaxAnswerBytes = 16 << 10

// ParseYesNo reads a yes/no answer from free-form output: "Yes.",
// "**No**", "Answer: yes", `{"answer": "no"}`, "No, it does not". It
// returns "yes", "no", Refused or Unparsed.
func ParseYesNo(raw string) string {
	if len(raw) > MaxAnswerBytes {
		raw = raw[:MaxAnswerBytes]
	}
	s := strings.TrimSpace(raw)
	if strings.HasPrefix(s, "{") {
		var m map[string]any
		if json.Unmarshal([]byte(s), &m) == nil {
			for _, k := range []string{"answer", "Answer", "response", "result"} {
				if v, ok := m[k].(string); ok {
					return ParseYesNo(v)
				}
				if v, ok := m[k].(bool); ok {
					return map[bool]string{true: "yes", false: "no"}[v]
				}
			}
			return Unparsed
		}
	}
	s = strings.ToLower(markupRe.ReplaceAllString(s, ""))
	s = strings.TrimSpace(leadRe.ReplaceAllString(strings.TrimSpace(s), ""))
	first := strings.FieldsFunc(s, func(r rune) bool { return !('a' <= r && r <= 'z') })
	if len(first) > 0 {
		switch first[0] {
		case "yes", "y", "true", "correct":
			return "yes"
		case "no", "n", "false", "incorrect":
			return "no"
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

// ParseCountry finds which of the given country names an answer names
// ("I think it is Kenya", "Answer: B) Kenya"); the earliest mention wins.
// It returns Refused, or Unparsed when no listed country is named.
func ParseCountry(raw string, names []string) string {
	if len(raw) > MaxAnswerBytes {
		raw = raw[:MaxAnswerBytes]
	}
	l := strings.ToLower(raw)
	best, at := "", len(l)+1
	for _, n := range names {
		re := nameRegexp(n)
		if loc := re.FindStringIndex(l); loc != nil && (loc[0] < at || (loc[0] == at && len(n) > len(best))) {
			best, at = n, loc[0]
		}
	}
	if best != "" {
		return best
	}
	// Without a name, a bare option letter ("B", "Answer: B", "(B)") picks from the options
	// AttributionChoices listed, in the same order.
	if m := letterRe.FindStringSubmatch(strings.TrimSpace(markupRe.ReplaceAllString(raw, ""))); m != nil {
		i := int(strings.ToUpper(m[1])[0] - 'A')
		switch {
		case i < len(names):
			return names[i]
		case i == len(names):
			return Other
		}
	}
	if refusalRe.MatchString(l) {
		return Refused
	}
	return Unparsed
}

// ParseEra reads "modern" or "traditional" from an answer; an answer that
// names both or neither is Unparsed.
func ParseEra(raw string) string {
	if len(raw) > MaxAnswerBytes {
		raw = raw[:MaxAnswerBytes]
	}
	l := strings.ToLower(raw)
	m, t := strings.Contains(l, "modern"), strings.Contains(l, "traditional")
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

var ratingDigitRe = regexp.MustCompile(`\b([1-5])(?:\s*/\s*5|\s+out of 5)?\b`)

// ParseRating reads a 1-5 rating ("4", "Rating: 4", "4/5", "**3** out of
// 5"); it returns 0 when the answer holds no single rating.
func ParseRating(raw string) int {
	if len(raw) > MaxAnswerBytes {
		raw = raw[:MaxAnswerBytes]
	}
	s := markupRe.ReplaceAllString(raw, "")
	ms := ratingDigitRe.FindAllStringSubmatch(s, -1)
	if len(ms) == 0 {
		return 0
	}
	first := ms[0][1]
	for _, m := range ms[1:] {
		if m[1] != first && !strings.Contains(m[0], "5") {
			return 0
		}
	}
	return int(first[0] - '0')
}

// ParseGeotag reads "continent; country; object" (also with commas or
// lines); it returns ok false unless all three parts are there.
func ParseGeotag(raw string) (continent, country, artifact string, ok bool) {
	if len(raw) > MaxAnswerBytes {
		raw = raw[:MaxAnswerBytes]
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
	clean := func(x string) string { return strings.Trim(strings.TrimSpace(x), ".") }
	continent, country, artifact = clean(parts[0]), clean(parts[1]), clean(strings.Join(parts[2:], " "))
	return continent, country, artifact, continent != "" && country != "" && artifact != ""
}

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
