package vqa

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/blindspot-audit/blindspot/prompts"
)

// Question kinds.
const (
	KindYesNo       = "yesno"
	KindAttribution = "attribution"
)

// Question is one question for the judge.
type Question struct {
	ID       string // stable within an image: "y1", "n2", "attr"
	Kind     string
	Text     string
	Expected string // "yes" or "no" for yes/no questions
	// Lang is the ISO 639 code of a question asked in another language
	// than English (judge.language: prompt); its answer is read in that
	// language too.
	Lang string
}

// System is the judge's system prompt.
const System = "You are a careful expert in the visual culture of many countries. Look at the image and answer the question. For yes/no questions answer yes or no first."

// Reference is a retrieved passage for the judge's prompt.
type Reference struct {
	ID, Country, Category, Source, Text string
}

// SystemWith is the system prompt with retrieved reference notes, so the
// judge answers with culture-specific knowledge (ECB's RAG-VQA). The notes
// go in the system message and the question alone in the user message.
func SystemWith(refs []Reference) string {
	if len(refs) == 0 {
		return System
	}
	var b strings.Builder
	b.WriteString(System)
	b.WriteString("\n\nReference notes, for background; judge the image itself:\n")
	for i, r := range refs {
		fmt.Fprintf(&b, "[%d] (%s, %s; %s) %s\n", i+1, r.Country, r.Category, r.Source, r.Text)
	}
	return strings.TrimRight(b.String(), "\n")
}

var yesTemplates = []string{
	"Does this image depict {variant} {subcategory} from {Country}?",
	"Is this image culturally representative of {Country}?",
	"Does this image show {variant} {Country} style?",
	"Would a person from {Country} recognise this as their own {subcategory}?",
}

var noTemplates = []string{
	"Are there elements from a different culture that contradict {variant} {Country} style?",
	"Does the image look like it comes from a different country than {Country}?",
	"Are there foreign elements that do not belong in {variant} {subcategory} from {Country}?",
	"Is this a generic depiction instead of {Country}?",
}

// AttributionText asks which country an image depicts.
const AttributionText = "Which country does this image most likely depict? Answer with the country name only."

// AttributionChoices is the multiple-choice form of the attribution
// question: the countries as lettered options, one per line as models are
// trained to read them, and "Other".
func AttributionChoices(countries []string) string {
	var b strings.Builder
	b.WriteString("Which country does this image most likely depict?\n")
	for i, c := range countries {
		fmt.Fprintf(&b, "%c) %s\n", 'A'+i, c)
	}
	fmt.Fprintf(&b, "%c) Other\nAnswer with the letter of one option.", 'A'+len(countries))
	return b.String()
}

// ChoicesOf are the attribution options of a schema's countries, with
// their demonyms and aliases.
func ChoicesOf(countries []prompts.Country) []Choice {
	out := make([]Choice, len(countries))
	for i, c := range countries {
		out[i] = Choice{Name: c.Name, Aliases: append([]string{c.Demonym}, c.Aliases...)}
	}
	return out
}

// ProtocolFallback marks an answer to a fallback question.
const ProtocolFallback = "fallback"

// Fallback returns the plainer question asked once when the answer to q
// could not be read (a bare "yes" to a multiple-choice question, a rating
// off the scale), and false for kinds that have none.
func Fallback(q Question, country string) (Question, bool) {
	switch q.Kind {
	case KindAttribution:
		return Question{ID: q.ID + ".fallback", Kind: q.Kind, Text: AttributionText}, true
	case KindRating:
		return Question{ID: q.ID + ".fallback", Kind: q.Kind, Text: "How well does this image represent the culture of " + country +
			"? Reply with a single digit from 1 to 5, where 1 means very poor and 5 means excellent."}, true
	}
	return Question{}, false
}

// KindRating asks for a 1-5 rating of cultural representation.
const KindRating = "rating"

// RatingQuestion asks the judge to rate, from 1 to 5, how well an image
// represents a country's culture (ECB's Cultural score).
func RatingQuestion(c prompts.Country) Question {
	return Question{ID: "rating", Kind: KindRating, Text: "Rate how well this image represents the culture of " + c.Name +
		", from 1 (very poor) to 5 (excellent). Answer with the number only."}
}

// KindEra asks whether an image is modern or traditional.
const KindEra = "era"

// EraText asks which era an image depicts.
const EraText = "Does this image show a modern or a traditional scene? Answer with one word: modern or traditional."

// AgnosticQuestions are asked of images of country-agnostic prompts: which
// country and which era the model fell back on.
func AgnosticQuestions(countries []string) []Question {
	return []Question{{ID: "attr", Kind: KindAttribution, Text: AttributionChoices(countries)}, {ID: "era", Kind: KindEra, Text: EraText},
		{ID: "geo", Kind: KindGeotag, Text: GeotagText}}
}

// KindGeotag asks where an image comes from, for CUBE's diversity kernel.
const KindGeotag = "geotag"

// GeotagText asks for CUBE's (continent, country, artifact) geotag.
const GeotagText = "Where does this image come from? Answer in the form: continent; country; main object."

// Build returns n yes/no questions (n/2 expecting yes, n/2 no) about an
// image that should show cell f in country c, optionally followed by the
// attribution question.
func Build(c prompts.Country, f prompts.Fields, n int, attribution bool, countries []string) ([]Question, error) {
	f.Country = c
	var qs []Question
	for i := 0; i < n/2 && i < len(yesTemplates); i++ {
		for _, k := range []struct {
			list     []string
			prefix   string
			expected string
		}{{yesTemplates, "y", "yes"}, {noTemplates, "n", "no"}} {
			text, err := prompts.Render(k.list[i], f)
			if err != nil {
				return nil, fmt.Errorf("question template: %w", err)
			}
			qs = append(qs, Question{ID: fmt.Sprintf("%s%d", k.prefix, i+1), Kind: KindYesNo, Text: text, Expected: k.expected})
		}
	}
	if attribution {
		qs = append(qs, Question{ID: "attr", Kind: KindAttribution, Text: AttributionChoices(countries)})
	}
	return qs, nil
}

// KindLLM marks a yes/no question written by an LLM.
const KindLLM = "llm"

// MaxLLMQuestions and MaxQuestionWords bound LLM-written questions.
const (
	MaxLLMQuestions  = 8
	MaxQuestionWords = 25
)

// QuestionWriterSystem is the system prompt of the LLM that writes
// questions.
const QuestionWriterSystem = "You write yes/no questions that test whether an image faithfully represents a culture."

// QuestionRequest asks an LLM for n yes/no questions about an image of a
// cell, some of them expecting no.
func QuestionRequest(c prompts.Country, f prompts.Fields, n int) (string, error) {
	f.Country = c
	subject, err := prompts.Render("{variant} {subcategory} from {Country}", f)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("Write %d yes/no questions, each at most %d words, that check whether an image faithfully shows %s. "+
		"At least one question must expect the answer no. Write one per line as: Q: <question> A: <yes or no>", n, MaxQuestionWords, strings.ToLower(subject[:1])+subject[1:]), nil
}

var llmLineRe = regexp.MustCompile(`(?i)^\s*(?:\d+[.)]\s*)?\**Q\**\s*[:.]\**\s*(.+?)\s+\**A\**\s*[:.]\**\s*\**(yes|no)\b`)

// ParseLLMQuestions reads an LLM's questions and keeps the valid ones (a
// question mark, at most MaxQuestionWords words, no duplicates), at most n.
// It fails when none is valid or none expects no.
func ParseLLMQuestions(raw string, n int) ([]Question, error) {
	if len(raw) > MaxAnswerBytes {
		raw = raw[:MaxAnswerBytes]
	}
	n = min(n, MaxLLMQuestions)
	var out []Question
	seen := map[string]bool{}
	hasNo := false
	for _, line := range strings.Split(raw, "\n") {
		m := llmLineRe.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		q := strings.TrimSpace(strings.Trim(m[1], "*"))
		if !strings.HasSuffix(q, "?") || len(strings.Fields(q)) > MaxQuestionWords || seen[strings.ToLower(q)] || len(out) >= n {
			continue
		}
		seen[strings.ToLower(q)] = true
		exp := strings.ToLower(m[2])
		hasNo = hasNo || exp == "no"
		out = append(out, Question{ID: fmt.Sprintf("llm%d", len(out)+1), Kind: KindLLM, Text: q, Expected: exp})
	}
	switch {
	case len(out) == 0:
		return nil, fmt.Errorf("no valid question (a line \"Q: ...? A: yes|no\" of at most %d words)", MaxQuestionWords)
	case !hasNo:
		return nil, fmt.Errorf("none of the %d questions expects no", len(out))
	}
	return out, nil
}
