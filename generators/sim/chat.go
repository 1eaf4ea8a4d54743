package sim

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/blindspot-audit/blindspot/generators"
)

// contradictionCues turn a yes/no question around: "Are there elements
// from a different culture ...?" expects no for a faithful image.
var contradictionCues = []string{"contradict", "different", "foreign", "western", "generic", "other than", "instead of", "not from"}

var ratingRe = regexp.MustCompile(`(?i)\b(rate|score)\b|\bfrom 1 to 5\b`)

// Chat answers about images (the VLM) or writes a story (the LLM, when no
// image is given). The VLM understands four kinds of question:
//   - "... modern or (a) traditional ...": it names the era it sees;
//   - "Which country ...?": it names the culture it sees;
//   - "Rate ... 1 to 5 ...": 5, 4 for a faithful image of the named country
//     and era, 2 or 1 otherwise;
//   - "Which image best ... and which worst ...?" over several images: the
//     images closest to and farthest from the named culture's palette;
//   - any other question is yes/no: yes when the image shows the named
//     country (and the era word closest before it, if any), turned around by
//     a contradiction cue such as "different" or "Western".
//
// With probability Noise the answer is wrong.
func (p *Provider) Chat(ctx context.Context, req generators.ChatRequest) (*generators.Response, error) {
	if err := p.wait(ctx); err != nil {
		return nil, err
	}
	if len(req.Images) == 0 {
		lp := strings.ToLower(req.Prompt)
		switch {
		case translateRe.MatchString(req.Prompt):
			return p.translate(req), nil
		case strings.Contains(lp, "yes/no questions"):
			return p.questions(req), nil
		case strings.Contains(lp, storyCharactersCue):
			return p.characters(req), nil
		case strings.Contains(lp, storyScenesCue):
			return p.scenes(req), nil
		case strings.Contains(lp, storyRatingCue):
			return p.rateStory(req), nil
		}
		return p.story(req, findCountry(req.Prompt)), nil
	}
	if strings.Contains(strings.ToLower(req.Prompt), "children's story") {
		img, err := decodePNG(req.Images[0])
		if err != nil {
			return nil, &generators.Error{Class: generators.Permanent, Msg: "input image", Err: err}
		}
		return p.story(req, look(img, p.candidates).Culture), nil
	}
	if len(req.Images) > 1 {
		lq := strings.ToLower(req.Prompt)
		if strings.Contains(lq, "best") && strings.Contains(lq, "worst") {
			return p.pick(req, findCountry(req.Prompt), req.System)
		}
	}
	img, err := decodePNG(req.Images[0])
	if err != nil {
		return nil, &generators.Error{Class: generators.Permanent, Msg: "input image", Err: err}
	}
	// A question its translator marked "[code] ..." is read in English and
	// answered in that language, where the simulator knows its yes and no.
	q, lang := unmark(req.Prompt)
	lq := strings.ToLower(q)
	named := findCountry(q)
	seen := look(img, p.candidatesWith(named))
	rng := rngFor("vlm", req.Model, req.System, q, hashBytes(req.Images[0]), fmt.Sprint(req.Seed))
	wrong := rng.Float64() < p.opts.Noise
	var text string
	switch {
	case strings.Contains(lq, "modern or a traditional") || strings.Contains(lq, "modern or traditional"):
		era := seen.Era
		if wrong {
			era = map[string]string{"modern": "traditional", "traditional": "modern"}[era]
		}
		text = title(era) + "."
	case strings.Contains(lq, "continent; country"):
		c := seen.Culture
		if wrong {
			c = p.candidates[rng.IntN(len(p.candidates))]
		}
		text = fmt.Sprintf("%s; %s; %s scene", continentOf(c), title(c), seen.Era)
	case strings.Contains(lq, "which country"):
		ans := seen.Culture
		if wrong {
			ans = p.candidates[rng.IntN(len(p.candidates))]
		}
		text = fmt.Sprintf("It most likely depicts %s.", title(ans))
	case ratingRe.MatchString(q):
		ok := matches(lq, named, seen)
		if wrong {
			ok = !ok
		}
		r := 1 + rng.IntN(2)
		if ok {
			r = 4 + rng.IntN(2)
		}
		text = fmt.Sprintf("Rating: %d", r)
	default:
		yes := matches(lq, named, seen) != hasCue(lq)
		if wrong {
			yes = !yes
		}
		text = yesNo(yes, rng.IntN(4))
		if w, ok := yesNoIn[lang]; ok {
			text = w[map[bool]int{true: 0, false: 1}[yes]] + "."
		}
	}
	return &generators.Response{
		Text:         text,
		Usage:        generators.Usage{InputTokens: tokens(req.System) + tokens(q) + 85*len(req.Images), OutputTokens: tokens(text)},
		ModelVersion: version(req.Model),
	}, nil
}

func hasCue(lq string) bool {
	for _, c := range contradictionCues {
		if strings.Contains(lq, c) {
			return true
		}
	}
	return false
}

// matches reports whether what the simulator sees fits the question's
// country and the era word nearest before it.
func matches(lq, named string, seen reading) bool {
	if named != "" && named != seen.Culture {
		return false
	}
	upto := len(lq)
	if named != "" {
		upto = strings.Index(lq, named)
	}
	eras := eraRe.FindAllString(lq[:upto], -1)
	if len(eras) == 0 && named == "" {
		eras = eraRe.FindAllString(lq, -1)
	}
	if len(eras) > 0 && strings.ToLower(eras[len(eras)-1]) != seen.Era {
		return false
	}
	return true
}

func yesNo(yes bool, style int) string {
	w := map[bool][2]string{true: {"Yes", "yes"}, false: {"No", "no"}}[yes]
	switch style {
	case 0:
		return w[0] + "."
	case 1:
		return "**" + w[0] + "**"
	case 2:
		return "Answer: " + w[1]
	default:
		return w[0] + ", judging by the colours and patterns in the image."
	}
}

func title(s string) string {
	ws := strings.Fields(s)
	for i, w := range ws {
		ws[i] = strings.ToUpper(w[:1]) + w[1:]
	}
	return strings.Join(ws, " ")
}

func tokens(s string) int { return (len(s) + 3) / 4 }

// questions writes yes/no questions about the culture a request names, in
// the form "Q: ... A: yes|no", phrased in the grammar the simulated judge
// understands; with probability Noise one expected answer is wrong.
func (p *Provider) questions(req generators.ChatRequest) *generators.Response {
	rng := rngFor("questions", req.Model, req.Prompt, fmt.Sprint(req.Seed))
	country := title(findCountry(req.Prompt))
	if country == "" {
		country = p.opts.Bias.DefaultCulture
	}
	era := ""
	if m := eraRe.FindString(req.Prompt); m != "" {
		era = strings.ToLower(m) + " "
	}
	lines := []string{
		fmt.Sprintf("Q: Does the image show %s%s style? A: yes", era, country),
		fmt.Sprintf("Q: Would a visitor recognise this scene as %s%s? A: yes", era, country),
		fmt.Sprintf("Q: Are there foreign elements that do not fit %s%s? A: no", era, country),
		fmt.Sprintf("Q: Does the scene look generic instead of %s? A: no", country),
	}
	if rng.Float64() < p.opts.Noise {
		lines[0] = strings.Replace(lines[0], "A: yes", "A: no", 1)
	}
	text := "Here are the questions:\n" + strings.Join(lines, "\n")
	return &generators.Response{Text: text, Usage: generators.Usage{InputTokens: tokens(req.System) + tokens(req.Prompt), OutputTokens: tokens(text)}, ModelVersion: version(req.Model)}
}

var continents = map[string]string{"china": "Asia", "india": "Asia", "korea": "Asia", "japan": "Asia", "turkey": "Asia",
	"kenya": "Africa", "nigeria": "Africa", "united states": "North America", "mexico": "North America",
	"brazil": "South America", "france": "Europe", "italy": "Europe"}

func continentOf(c string) string {
	if v, ok := continents[c]; ok {
		return v
	}
	return "Unknown"
}
