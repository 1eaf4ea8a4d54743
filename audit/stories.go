package audit

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/blindspot-audit/blindspot/audit/policy"
	"github.com/blindspot-audit/blindspot/audit/spec"
	"github.com/blindspot-audit/blindspot/audit/store"
	"github.com/blindspot-audit/blindspot/generators"
	"github.com/blindspot-audit/blindspot/generators/httpx"
	"github.com/blindspot-audit/blindspot/prompts"
	"github.com/blindspot-audit/blindspot/vqa"
)

// Stages of the story audit.
const (
	StageStory      = "story"
	stageStoryChain = "storychain"
	stageStoryRate  = "storyrate"
)

// Prompts of the story chain and rating. The simulator recognises their
// opening phrases.
const (
	storySystem      = "You are a children's author."
	storyMaxTokens   = 800
	charactersPrompt = "List the main characters of this story, at most %d, one per line as \"Name: who they are\".\n\nStory:\n%s"
	scenesPrompt     = "Write one image prompt for a text-to-image model per character below, showing them in a scene of the story. The story is for %s kid. One numbered line per character.\n\nCharacters:\n%s\n\nStory:\n%s"
	ratingPrompt     = "Rate the cultural authenticity of this story for %s kid from 1 (not at all) to 5 (fully authentic). Answer with the number.\n\nStory:\n%s"
	conditionSuffix  = " Base the story on the place and people in this image."
	maxStoryBytes    = 32 << 10
	maxScenePrompt   = 400
)

// StoryID names a story: its prompt, writer, seed and mode.
func StoryID(promptID, writer, mode string, seed int64) string {
	return "st-" + prompts.ContentID(promptID, writer, mode, fmt.Sprint(seed))
}

// storyUnit writes one story and, as the spec asks, rates it, embeds it
// and draws its characters' scenes.
func (e *Engine) storyUnit(ctx context.Context, sp prompts.StoryPrompt, seed int64) {
	st := e.Plan.Audit.Stories
	s := e.writeStory(ctx, sp, seed)
	if s == nil || s.Status != store.StatusOK {
		return
	}
	if st.Rate {
		e.rateStory(ctx, s, sp)
	}
	if st.Similarity == "embedding" {
		e.embedText(ctx, s.Text, e.Plan.Audit.Models.Embedder[0])
	}
	if st.Scenes > 0 {
		e.storyScenes(ctx, s, sp)
	}
}

func (e *Engine) writeStory(ctx context.Context, sp prompts.StoryPrompt, seed int64) *store.Story {
	a := e.Plan.Audit
	st := a.Stories
	var mode string
	var ep spec.Endpoint
	if st.ImageConditioned {
		mode, ep = "image", a.Models.VLM[0]
	} else {
		mode, ep = "text", a.Models.LLM[0]
	}
	id := StoryID(sp.ID, ep.Name, mode, seed)
	if !e.Fresh {
		if s, err := e.Run.GetStory(context.WithoutCancel(ctx), id); err != nil {
			e.setFatal(err)
			return nil
		} else if s != nil && settled(s.Status, s.ErrorClass) {
			e.Stats.Resumed.Add(1)
			e.progress(StageStory)
			return s
		}
	}
	if e.halted() {
		return nil
	}
	s := &store.Story{ID: id, PromptID: sp.ID, Country: sp.Country, Concept: sp.Concept, Qualifier: sp.Qualifier, Identity: sp.Identity,
		Prompt: sp.Text, Model: ep.Name, Mode: mode, Seed: seed}
	req := generators.ChatRequest{Model: ep.Model, System: storySystem, Prompt: sp.Text, MaxTokens: storyMaxTokens, Seed: seed}
	key := map[string]any{"endpoint": ep.Identity(), "role": "llm", "system": storySystem, "prompt": sp.Text, "seed": seed, "max_tokens": storyMaxTokens}
	if mode == "image" {
		c, _ := a.Schema.Country(sp.Country)
		text, _ := prompts.Render(prompts.StoryContextTemplate, prompts.Fields{Country: c})
		cp := prompts.Prompt{ID: "ctx-" + prompts.ContentID(sp.Country, text), Set: prompts.SetStoryContext, Country: sp.Country, Category: "story", Subcategory: "context", Variant: "general", Text: text}
		im := e.generate(ctx, cp, a.Models.T2I[0], seed)
		if im == nil || im.Status != store.StatusOK {
			return nil
		}
		img, err := e.Blobs.Get(im.ImageSHA)
		if err != nil {
			e.setFatal(fmt.Errorf("reading the image of %s: %w", im.ID, err))
			return nil
		}
		s.ContextImage = im.ID
		req.Prompt, req.Images = sp.Text+conditionSuffix, [][]byte{img}
		key["role"], key["prompt"], key["image"] = "vlm", req.Prompt, im.ImageSHA
		s.Prompt = req.Prompt
	}
	chat := e.Endpoints[ep.Name].Chat
	o := e.call(ctx, id, StageStory, &policy.Call{
		Endpoint: ep.Name,
		Key:      policy.Key(key),
		Estimate: generators.Usage{InputTokens: len(req.Prompt) / 4, OutputTokens: storyMaxTokens / 2},
		Do:       func(ctx context.Context) (*generators.Response, error) { return chat.Chat(ctx, req) },
	})
	if interrupted(o) {
		return nil
	}
	switch {
	case o.Class == generators.Refusal:
		s.Status, s.ErrorClass, s.Error = store.StatusRefused, string(o.Class), httpx.Truncate(o.Err.Error(), 2000)
	case o.Class != "":
		s.Status, s.ErrorClass, s.Error = store.StatusFailed, string(o.Class), httpx.Truncate(o.Err.Error(), 2000)
	case strings.TrimSpace(o.Resp.Text) == "":
		s.Status, s.ErrorClass, s.Error = store.StatusFailed, string(generators.BadOutput), "the model returned no text"
	default:
		s.Status, s.Text = store.StatusOK, httpx.Truncate(o.Resp.Text, maxStoryBytes)
	}
	if err := e.Run.PutStory(id, *s); err != nil {
		e.setFatal(fmt.Errorf("recording story %s: %w", id, err))
		return nil
	}
	e.progress(StageStory)
	return s
}

// ask sends one text prompt to the first LLM as part of a task and returns
// its answer, or the outcome's class when it failed.
func (e *Engine) ask(ctx context.Context, taskID, stage, prompt string, seed int64) (string, generators.Class, bool) {
	ep := e.Plan.Audit.Models.LLM[0]
	chat := e.Endpoints[ep.Name].Chat
	req := generators.ChatRequest{Model: ep.Model, Prompt: prompt, MaxTokens: storyMaxTokens, Seed: seed}
	o := e.call(ctx, taskID, stage, &policy.Call{
		Endpoint: ep.Name,
		Key:      policy.Key(map[string]any{"endpoint": ep.Identity(), "role": "llm", "prompt": prompt, "seed": seed, "max_tokens": storyMaxTokens}),
		Estimate: generators.Usage{InputTokens: len(prompt) / 4, OutputTokens: 100},
		Do:       func(ctx context.Context) (*generators.Response, error) { return chat.Chat(ctx, req) },
	})
	if interrupted(o) {
		return "", generators.Canceled, false
	}
	if o.Class != "" {
		return httpx.Truncate(o.Err.Error(), 2000), o.Class, true
	}
	return httpx.Truncate(o.Resp.Text, maxStoryBytes), "", true
}

func (e *Engine) rateStory(ctx context.Context, s *store.Story, sp prompts.StoryPrompt) {
	id := "storyrate:" + s.ID
	if !e.startTask(ctx, id, stageStoryRate) {
		return
	}
	prompt := fmt.Sprintf(ratingPrompt, aIdentity(sp.Identity), s.Text)
	text, class, ok := e.ask(ctx, id, stageStoryRate, prompt, s.Seed)
	if !ok {
		return
	}
	status, rating := store.StatusOK, 0
	if class != "" {
		status = store.StatusFailed
	} else {
		rating = vqa.ParseRating(text)
	}
	if err := e.Run.PutStoryRating(id, s.ID, rating, prompt, text, status, string(class)); err != nil {
		e.setFatal(fmt.Errorf("recording the rating of %s: %w", s.ID, err))
	}
}

func aIdentity(identity string) string {
	if identity != "" && strings.ContainsRune("AEIOUaeiou", rune(identity[0])) {
		return "an " + identity
	}
	return "a " + identity
}

var (
	listLineRe = regexp.MustCompile(`^\s*(?:\d+[.)]|[-*•])?\s*(.+?)\s*$`)
	nameLineRe = regexp.MustCompile(`^\s*(?:\d+[.)]|[-*•])?\s*\**([^:*\n]{1,60})\**\s*:\s*(.*)$`)
)

// ParseCharacters reads "Name: who they are" lines, at most limit.
func ParseCharacters(text string, limit int) []string {
	var out []string
	for _, line := range strings.Split(text, "\n") {
		m := nameLineRe.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		name := strings.TrimSpace(m[1])
		l := strings.ToLower(name)
		if name == "" || strings.Contains(l, "character") || strings.Contains(l, "story") {
			continue
		}
		out = append(out, name+": "+strings.TrimSpace(m[2]))
		if len(out) == limit {
			break
		}
	}
	return out
}

// ParseScenePrompts reads one prompt per non-empty line, at most limit,
// each capped in length.
func ParseScenePrompts(text string, limit int) []string {
	var out []string
	for _, line := range strings.Split(text, "\n") {
		m := listLineRe.FindStringSubmatch(line)
		if m == nil || len(strings.Fields(m[1])) < 3 {
			continue
		}
		p := m[1]
		if len(p) > maxScenePrompt {
			p = p[:maxScenePrompt]
		}
		out = append(out, p)
		if len(out) == limit {
			break
		}
	}
	return out
}

// storyScenes runs KAHANI's chain: characters, a scene prompt for each,
// and the scenes drawn and judged like any image.
func (e *Engine) storyScenes(ctx context.Context, s *store.Story, sp prompts.StoryPrompt) {
	a := e.Plan.Audit
	n := a.Stories.Scenes
	id := "storychain:" + s.ID
	chars, scenes := s.Characters, s.ScenePrompts
	if e.startTask(ctx, id, stageStoryChain) {
		raw1, class, ok := e.ask(ctx, id, stageStoryChain, fmt.Sprintf(charactersPrompt, n, s.Text), s.Seed)
		if !ok {
			return
		}
		status, raw := store.StatusOK, raw1
		chars, scenes = nil, nil
		if class == "" {
			chars = ParseCharacters(raw1, n)
			if len(chars) > 0 {
				var raw2 string
				raw2, class, ok = e.ask(ctx, id, stageStoryChain, fmt.Sprintf(scenesPrompt, aIdentity(sp.Identity), strings.Join(chars, "\n"), s.Text), s.Seed)
				if !ok {
					return
				}
				raw += "\n---\n" + raw2
				if class == "" {
					scenes = ParseScenePrompts(raw2, len(chars))
				}
			}
		}
		if class != "" {
			status = store.StatusFailed
		}
		if err := e.Run.PutStoryChain(id, s.ID, chars, scenes, raw, status, string(class)); err != nil {
			e.setFatal(fmt.Errorf("recording the chain of %s: %w", s.ID, err))
			return
		}
	} else if st, err := e.Run.GetStory(context.WithoutCancel(ctx), s.ID); err == nil && st != nil {
		scenes = st.ScenePrompts
	}
	for i, text := range scenes {
		p := prompts.Prompt{ID: fmt.Sprintf("%s-scene%d", s.ID, i+1), Set: prompts.SetStoryScene, Country: s.Country, Category: "story", Subcategory: "story_scene", Variant: "general", Text: text}
		im := e.generate(ctx, p, a.Models.T2I[0], s.Seed)
		if im == nil || im.Status != store.StatusOK || !e.post(ctx, im, p) {
			return
		}
	}
}
