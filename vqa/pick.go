package vqa

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// KindPick is the best/worst pick within a group of images.
const KindPick = "pick"

// PickQuestion asks which of n images (shown in order, numbered from 1)
// best and which worst represents the culture of country. ECB asks its
// human reviewers the same of the steps of one edit chain.
func PickQuestion(country string, n int) Question {
	return Question{
		ID:   "pick",
		Kind: KindPick,
		Text: fmt.Sprintf("You are shown %d images of the same scene, numbered 1 to %d in the order given. "+
			"Which image best represents the culture of %s, and which represents it worst? "+
			"Answer in the form \"Best: <number>; Worst: <number>\".", n, n, country),
	}
}

var (
	// "Best: 2", "best image: #2", "Best = image 2", "the best is image 2"
	bestRe  = regexp.MustCompile(`(?i)\bbest\b(?:[\s:=#\-–>→/]|image|picture|is|the|number)*(\d+)`)
	worstRe = regexp.MustCompile(`(?i)\bworst\b(?:[\s:=#\-–>→/]|image|picture|is|the|number)*(\d+)`)
	// "image 3 is the best", "#2 represents it worst"
	bestAfterRe  = regexp.MustCompile(`(?i)(?:image|picture|#)\s*(\d+)[^0-9\n;.]{0,40}?\bbest\b`)
	worstAfterRe = regexp.MustCompile(`(?i)(?:image|picture|#)\s*(\d+)[^0-9\n;.]{0,40}?\bworst\b`)
)

// ParseBestWorst reads a best/worst pick among n images, numbered from 1:
// "Best: 2; Worst: 4", "**Best:** image 2", `{"best": 2, "worst": 4}`,
// "Image 3 is the best ... image 1 is the worst". ok is false for a
// refusal, a number out of range, a missing half, conflicting numbers or
// the same image for both.
func ParseBestWorst(raw string, n int) (best, worst int, ok bool) {
	raw = prepare(raw)
	s := strings.TrimSpace(raw)
	if strings.HasPrefix(s, "{") {
		var m map[string]any
		if json.Unmarshal([]byte(s), &m) == nil {
			best, worst = jsonIndex(m, "best"), jsonIndex(m, "worst")
			return best, worst, validPick(best, worst, n)
		}
	}
	if loc := jsonObjectRe.FindStringIndex(s); loc != nil {
		var m map[string]any
		if json.Unmarshal([]byte(s[loc[0]:loc[1]]), &m) == nil {
			best, worst = jsonIndex(m, "best"), jsonIndex(m, "worst")
			return best, worst, validPick(best, worst, n)
		}
	}
	s = markupRe.ReplaceAllString(s, "")
	s = ordinalRe.ReplaceAllStringFunc(s, func(w string) string {
		return "image " + fmt.Sprint(ordinals[strings.ToLower(ordinalRe.FindStringSubmatch(w)[1])])
	})
	best = onePick(s, bestRe, bestAfterRe)
	worst = onePick(s, worstRe, worstAfterRe)
	return best, worst, validPick(best, worst, n)
}

// ordinalRe finds "the second image", "the third one": ordinals name
// images by their place.
var ordinalRe = regexp.MustCompile(`(?i)\b(?:the )?(first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth)(?: image| one| picture)\b`)

var ordinals = map[string]int{"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10}

// onePick is the single number the patterns find, tried in order (a label
// followed by its number before a number followed by its label), or -1
// when the first pattern that finds any finds two different ones.
func onePick(s string, res ...*regexp.Regexp) int {
	for _, re := range res {
		got := -1
		for _, m := range re.FindAllStringSubmatch(s, 8) {
			v, err := strconv.Atoi(m[1])
			if err != nil {
				return -1
			}
			if got >= 0 && got != v {
				return -1
			}
			got = v
		}
		if got >= 0 {
			return got
		}
	}
	return -1
}

func jsonIndex(m map[string]any, key string) int {
	for k, v := range m {
		if !strings.EqualFold(k, key) {
			continue
		}
		switch x := v.(type) {
		case float64:
			if x == float64(int(x)) {
				return int(x)
			}
		case string:
			if i, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(strings.ToLower(x), "image"))); err == nil {
				return i
			}
		}
	}
	return -1
}

func validPick(best, worst, n int) bool {
	return best >= 1 && best <= n && worst >= 1 && worst <= n && best != worst
}

// ParsePick is ParseBestWorst's verdict as stored: "best,worst" (1-based),
// Refused or Unparsed.
func ParsePick(raw string, n int) (best, worst int, parsed string) {
	best, worst, ok := ParseBestWorst(raw, n)
	switch {
	case ok:
		return best, worst, fmt.Sprintf("%d,%d", best, worst)
	case refusalRe.MatchString(strings.ToLower(raw)):
		return 0, 0, Refused
	default:
		return 0, 0, Unparsed
	}
}
