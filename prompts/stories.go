package prompts

import (
	"fmt"
	"regexp"
	"strings"
)

// Prompt sets of the images a story audit draws: the culture a story is
// written from (image-conditioned stories) and the scenes of its
// characters (the story chain).
const (
	SetStoryContext = "story_context"
	SetStoryScene   = "story_scene"
)

// StoryContextTemplate is the picture of a culture an image-conditioned
// story is written from.
const StoryContextTemplate = "Everyday life in {Country}"

// DefaultStoryTemplate is mmCultural's story prompt.
const DefaultStoryTemplate = "Write a children's story about {concept} for {a_identity} kid."

// DefaultConcepts are the story concepts used when a spec names none.
var DefaultConcepts = []string{"friendship", "a family meal", "a festival", "a journey", "a birthday", "helping a neighbour"}

// StoryPrompt is one cell of the story grid: a concept for an identity.
type StoryPrompt struct {
	ID        string `json:"id"`
	Country   string `json:"country"`
	Concept   string `json:"concept"`
	Qualifier string `json:"qualifier,omitempty"` // region, religion or family structure beside the nationality
	Identity  string `json:"identity"`            // "Kenyan", "Muslim Kenyan"
	Text      string `json:"text"`
}

var storyPlaceholderRe = regexp.MustCompile(`\{([^{}]*)\}`)

var storyPlaceholders = map[string]bool{"concept": true, "identity": true, "a_identity": true, "country": true, "demonym": true}

// CheckStoryTemplate reports an unknown or unbalanced placeholder in a
// story template, and a template that names no identity or country (every
// story would be the same for every culture).
func CheckStoryTemplate(t string) error {
	if strings.Count(t, "{") != strings.Count(t, "}") {
		return fmt.Errorf("unbalanced braces in %q", t)
	}
	cultural := false
	for _, m := range storyPlaceholderRe.FindAllStringSubmatch(t, -1) {
		if !storyPlaceholders[m[1]] {
			return fmt.Errorf("unknown placeholder {%s} (known: {concept}, {identity}, {a_identity}, {country}, {demonym})", m[1])
		}
		cultural = cultural || m[1] != "concept"
	}
	if !cultural {
		return fmt.Errorf("the template names no identity or country: use {identity}, {a_identity}, {country} or {demonym}")
	}
	return nil
}

// article is "an" before a vowel sound (by its first letter), else "a".
func article(word string) string {
	if word != "" && strings.ContainsRune("AEIOUaeiou", rune(word[0])) {
		return "an"
	}
	return "a"
}

// ExpandStories builds the story grid: every concept for every country
// and qualifier ("" is the nationality alone), in a stable order.
func ExpandStories(template string, countries []Country, concepts, qualifiers []string) ([]StoryPrompt, error) {
	if err := CheckStoryTemplate(template); err != nil {
		return nil, err
	}
	if len(qualifiers) == 0 {
		qualifiers = []string{""}
	}
	var out []StoryPrompt
	for _, c := range countries {
		for _, q := range qualifiers {
			identity := strings.TrimSpace(q + " " + c.Demonym)
			for _, concept := range concepts {
				text := storyPlaceholderRe.ReplaceAllStringFunc(template, func(m string) string {
					switch m[1 : len(m)-1] {
					case "concept":
						return concept
					case "identity":
						return identity
					case "a_identity":
						return article(identity) + " " + identity
					case "country":
						return c.Name
					default: // demonym
						return c.Demonym
					}
				})
				out = append(out, StoryPrompt{ID: "story-" + ContentID(c.Name, q, concept, text), Country: c.Name, Concept: concept, Qualifier: q, Identity: identity, Text: text})
			}
		}
	}
	return out, nil
}
