package audit

import (
	"fmt"
	"math"

	"github.com/blindspot-audit/blindspot/audit/spec"
	"github.com/blindspot-audit/blindspot/generators"
	"github.com/blindspot-audit/blindspot/prompts"
	"github.com/blindspot-audit/blindspot/vqa"
)

// Plan is the expanded grid of an audit and the work it implies.
type Plan struct {
	Audit   *spec.Audit
	Prompts []prompts.Prompt
	Counts  Counts
}

// Counts are the planned calls per stage.
type Counts struct {
	Prompts map[string]int `json:"prompts"`
	// Languages counts the prompts per language (ISO 639 code).
	Languages map[string]int `json:"prompts_by_language"`
	Images    int            `json:"images"`
	T2I       int            `json:"t2i_calls"`
	I2I       int            `json:"i2i_calls"`
	VQA       int            `json:"vqa_calls"`
	// JudgeCalls is the part of VQA that judges images (the rest writes
	// image-conditioned stories): what the judge stage's progress counts.
	JudgeCalls int `json:"judge_calls"`
	Embed      int `json:"embed_calls"`
	Score      int `json:"score_calls"`
	LLM        int `json:"llm_calls"`
	// Translate counts the translator's calls: a translation for each
	// prompt the schema cannot translate, and one back into English for
	// every prompt in another language (at most: the store keeps them).
	Translate int `json:"translator_calls,omitempty"`
	Picks     int `json:"pick_calls"`
	// Stories is how many stories the story audit writes.
	Stories     int     `json:"stories,omitempty"`
	Chains      int     `json:"edit_chains"`
	EstimateUSD float64 `json:"estimated_cost_usd"`
	// CostByEndpoint is the estimate per endpoint.
	CostByEndpoint map[string]float64 `json:"estimated_cost_by_endpoint"`
}

// Total is every planned call.
func (c Counts) Total() int {
	return c.T2I + c.I2I + c.VQA + c.Embed + c.Score + c.LLM + c.Picks + c.Translate
}

// NewPlan expands a validated spec.
func NewPlan(a *spec.Audit) (*Plan, error) {
	ps, err := prompts.Expand(a.Schema, prompts.Selection{
		Countries: a.Countries, Categories: a.Categories, Variants: a.Variants, Sets: a.PromptSets, Languages: a.Languages,
		MachineTranslation: len(a.Models.Translator) > 0,
	})
	if err != nil {
		return nil, fmt.Errorf("expanding the grid: %w", err)
	}
	p := &Plan{Audit: a, Prompts: ps}
	p.count()
	return p, nil
}

// chainTargets returns the countries a chain edits a base image toward.
func chainTargets(c spec.EditChain, base prompts.Prompt) []string {
	if c.Kind == spec.ChainRestyle {
		var out []string
		for _, t := range c.Targets {
			if t != base.Country {
				out = append(out, t)
			}
		}
		return out
	}
	return []string{base.Country}
}

// chainApplies reports whether a chain starts from a base image of prompt p
// made with the seed at index seedIndex.
func chainApplies(c spec.EditChain, schema *prompts.Schema, p prompts.Prompt, seedIndex int) bool {
	// Edit chains start from the English prompts' images: the language
	// axis is about generation, and the edit instructions are English.
	if p.Set != prompts.SetCountry || seedIndex >= c.SeedsPerPrompt || p.Language != prompts.English {
		return false
	}
	if len(c.Countries) > 0 && !contains(c.Countries, p.Country) {
		return false
	}
	if len(c.Categories) > 0 && !contains(c.Categories, p.Category) && !contains(c.Categories, p.Subcategory) {
		return false
	}
	return true
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func chainSteps(c spec.EditChain) int {
	if c.Kind == spec.ChainSequence {
		return len(c.Instructions)
	}
	return c.Steps
}

// judgeQuestions is how many judge calls an image of a prompt set gets.
func judgeQuestions(a *spec.Audit, set string) int {
	if len(a.Models.VLM) == 0 {
		return 0
	}
	if set == prompts.SetAgnostic {
		return len(vqa.AgnosticQuestions(nil))
	}
	n := a.Judge.Questions
	if a.Judge.Attribution != nil && *a.Judge.Attribution {
		n++
	}
	if a.Judge.Ratings {
		n++
	}
	return n + a.Judge.LLMQuestions
}

// Estimates of a call's usage, for budgeting before the call is made.
const (
	estJudgeInputTokens   = 180
	estJudgeOutputTokens  = 8
	estTokensPerReference = 80
	estPickTokensPerImage = 85
)

// judgeInputTokens estimates a judge call's input: the question and image,
// and the retrieved passages when there is a corpus.
func judgeInputTokens(a *spec.Audit) int {
	if len(a.Judge.Passages) == 0 {
		return estJudgeInputTokens
	}
	return estJudgeInputTokens + a.Judge.TopK*estTokensPerReference
}

func (p *Plan) count() {
	a := p.Audit
	c := Counts{Prompts: prompts.Count(p.Prompts), CostByEndpoint: map[string]float64{}, Languages: map[string]int{}}
	price := func(ep string, u generators.Usage, n int) {
		cost := float64(n) * a.Prices[ep].Of(u)
		c.CostByEndpoint[ep] += cost
		c.EstimateUSD += cost
	}
	for _, pr := range p.Prompts {
		c.Languages[pr.Language]++
		if pr.Language != prompts.English && len(a.Models.Translator) > 0 {
			n := 1
			if pr.Pending() {
				n = 2
			}
			if a.Judge.Language == spec.JudgeLanguagePrompt && pr.Set == prompts.SetCountry && len(a.Models.VLM) > 0 {
				n += a.Judge.Questions + a.Judge.LLMQuestions // the judge's yes/no questions, at most
			}
			c.Translate += n
			price(a.Models.Translator[0].Name, generators.Usage{InputTokens: 40, OutputTokens: 30}, n)
		}
	}
	judge := func(set string, images int) {
		q := judgeQuestions(a, set)
		c.VQA += q * images
		c.JudgeCalls += q * images
		for _, v := range a.Models.VLM {
			price(v.Name, generators.Usage{InputTokens: judgeInputTokens(a), OutputTokens: estJudgeOutputTokens}, q*images)
		}
		c.Embed += images * len(a.Models.Embedder)
		for _, e := range a.Models.Embedder {
			price(e.Name, generators.Usage{}, images)
		}
		c.Score += images * len(a.Models.Scorer)
		for _, s := range a.Models.Scorer {
			price(s.Name, generators.Usage{Images: 1}, images)
		}
	}
	texts := map[string]bool{} // distinct texts a CLIP-class embedder embeds
	for _, pr := range p.Prompts {
		texts[pr.Text] = true
		for _, ch := range a.EditChains {
			if chainApplies(ch, a.Schema, pr, 0) {
				for _, target := range chainTargets(ch, pr) {
					for step := 1; step <= chainSteps(ch); step++ {
						if t, err := chainInstruction(a, ch, pr, target, step); err == nil {
							texts[t] = true
						}
					}
				}
			}
		}
		for range a.Models.T2I {
			for si := range a.SeedList {
				c.T2I++
				judge(pr.Set, 1)
				for _, ch := range a.EditChains {
					if !chainApplies(ch, a.Schema, pr, si) {
						continue
					}
					n := len(chainTargets(ch, pr)) * len(a.Models.I2I)
					c.Chains += n
					edits := n * chainSteps(ch)
					c.I2I += edits
					judge(pr.Set, edits)
					if steps := pickSteps(a.Judge.BestWorst, chainSteps(ch)); len(steps) > 0 {
						c.Picks += n * len(a.Models.VLM)
						for _, v := range a.Models.VLM {
							price(v.Name, generators.Usage{InputTokens: judgeInputTokens(a) + estPickTokensPerImage*len(steps), OutputTokens: estJudgeOutputTokens}, n)
						}
					}
				}
			}
		}
	}
	for _, t := range a.Models.T2I {
		price(t.Name, generators.Usage{Images: 1}, c.T2I/max(1, len(a.Models.T2I)))
	}
	for _, e := range a.Models.I2I {
		price(e.Name, generators.Usage{Images: 1}, c.I2I/max(1, len(a.Models.I2I)))
	}
	if a.Judge.LLMQuestions > 0 && len(a.Models.VLM) > 0 {
		cells := map[string]bool{}
		for _, pr := range p.Prompts {
			if pr.Set != prompts.SetCountry {
				continue
			}
			cells[cellID(pr, pr.Country)] = true
			for _, ch := range a.EditChains {
				if chainApplies(ch, a.Schema, pr, 0) {
					for _, target := range chainTargets(ch, pr) {
						cells[cellID(pr, target)] = true
					}
				}
			}
		}
		c.LLM += len(cells)
		price(a.Models.LLM[0].Name, generators.Usage{InputTokens: 120, OutputTokens: 300}, len(cells))
	}
	for _, e := range a.Models.Embedder {
		if e.ClipScore {
			c.Embed += len(texts)
			price(e.Name, generators.Usage{InputTokens: 16}, len(texts))
		}
	}
	if st := a.Stories; st != nil {
		n := len(st.Prompts) * st.Samples
		c.Stories = n
		if st.ImageConditioned {
			countries := map[string]bool{}
			for _, sp := range st.Prompts {
				countries[sp.Country] = true
			}
			ctx := len(countries) * st.Samples
			c.T2I += ctx
			price(a.Models.T2I[0].Name, generators.Usage{Images: 1}, ctx)
			judge(prompts.SetStoryContext, ctx)
			c.VQA += n
			price(a.Models.VLM[0].Name, generators.Usage{InputTokens: 120, OutputTokens: storyMaxTokens / 2}, n)
		} else {
			c.LLM += n
			price(a.Models.LLM[0].Name, generators.Usage{InputTokens: 40, OutputTokens: storyMaxTokens / 2}, n)
		}
		if st.Rate {
			c.LLM += n
			price(a.Models.LLM[0].Name, generators.Usage{InputTokens: 300, OutputTokens: 8}, n)
		}
		if st.Similarity == "embedding" {
			c.Embed += n
			price(a.Models.Embedder[0].Name, generators.Usage{InputTokens: 300}, n)
		}
		if st.Scenes > 0 {
			c.LLM += 2 * n
			price(a.Models.LLM[0].Name, generators.Usage{InputTokens: 400, OutputTokens: 100}, 2*n)
			scenes := n * st.Scenes // at most: a story may name fewer characters
			c.T2I += scenes
			price(a.Models.T2I[0].Name, generators.Usage{Images: 1}, scenes)
			judge(prompts.SetStoryScene, scenes)
		}
	}
	c.Images = c.T2I + c.I2I
	c.EstimateUSD = roundMicro(c.EstimateUSD)
	for k, v := range c.CostByEndpoint {
		c.CostByEndpoint[k] = roundMicro(v)
	}
	p.Counts = c
}

func roundMicro(v float64) float64 { return math.Round(v*1e6) / 1e6 }

// chainInstruction renders the instruction of a chain's step.
func chainInstruction(a *spec.Audit, ch spec.EditChain, p prompts.Prompt, target string, step int) (string, error) {
	tc, _ := a.Schema.Country(target)
	tmpl := a.Schema.Templates.I2I
	switch {
	case ch.Kind == spec.ChainSequence:
		tmpl = ch.Instructions[step-1]
	case ch.Instruction != "":
		tmpl = ch.Instruction
	}
	return prompts.EditInstruction(tmpl, p, tc)
}
