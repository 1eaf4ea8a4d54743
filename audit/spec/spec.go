package spec

import (
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/blindspot-audit/blindspot/corpus"
	"github.com/blindspot-audit/blindspot/corpus/lexicon"
	"github.com/blindspot-audit/blindspot/generators"
	"github.com/blindspot-audit/blindspot/generators/registry"
	"github.com/blindspot-audit/blindspot/prompts"
)

// Spec is one audit.
type Spec struct {
	// Name identifies the audit; it names the default output directory.
	Name string `yaml:"name"`
	// Schema is a built-in schema name ("ecb") or a path to a schema file,
	// relative to the spec file.
	SchemaRef string `yaml:"schema"`
	// Extend adds countries, variant sets and categories to the schema.
	Extend *Extension `yaml:"extend"`
	// Templates override the schema's templates, field by field.
	Templates *prompts.Templates `yaml:"templates"`

	Countries  []string `yaml:"countries"`
	Categories []string `yaml:"categories"`
	Variants   []string `yaml:"variants"`
	PromptSets []string `yaml:"prompt_sets"`
	// Languages multiplies the grid by the language of the prompt: "en"
	// (the schema's English), "native" (each country's own languages; the
	// agnostic set takes every audited country's) or ISO 639 codes the
	// schema has translations for. Default: [en].
	Languages []string `yaml:"languages"`

	// Seeds lists the seeds of every prompt; Samples asks for seeds
	// 1..Samples instead. The default is one sample, seed 1.
	Seeds   []int64 `yaml:"seeds"`
	Samples int     `yaml:"samples"`

	Models     Models      `yaml:"models"`
	EditChains []EditChain `yaml:"edit_chains"`
	Judge      Judge       `yaml:"judge"`
	Analysis   Analysis    `yaml:"analysis"`
	Review     Review      `yaml:"review"`
	// Stories configures the story audit; without it no story is written.
	Stories *Stories `yaml:"stories"`

	// Prices maps endpoint names to their prices.
	Prices    map[string]Price `yaml:"prices"`
	BudgetUSD float64          `yaml:"budget_usd"`

	// Output is the run directory, relative to the working directory.
	Output string `yaml:"output"`
	// CacheDir holds the response cache and image blobs shared by runs: a
	// folder, or an object-storage URL (file://, s3://, gs://, azblob://)
	// that workers on several machines share.
	CacheDir string `yaml:"cache_dir"`
	// Store puts the run store in PostgreSQL (postgres://user@host/db,
	// optionally ?search_path=SCHEMA; the password comes from PGPASSWORD).
	// Empty: SQLite in the output directory.
	Store string `yaml:"store"`
}

// Extension adds to a schema.
type Extension struct {
	Countries   []prompts.Country   `yaml:"countries"`
	VariantSets map[string][]string `yaml:"variant_sets"`
	Categories  []prompts.Category  `yaml:"categories"`
	// Translations add languages, or words and templates to the schema's
	// languages (an entry given here replaces the schema's).
	Translations map[string]prompts.Translation `yaml:"translations"`
}

// Models lists the endpoints per role.
type Models struct {
	T2I []Endpoint `yaml:"t2i"`
	I2I []Endpoint `yaml:"i2i"`
	VLM []Endpoint `yaml:"vlm"`
	LLM []Endpoint `yaml:"llm"`
	// Translator translates the prompts the schema has no translation
	// for, and translates every prompt in another language back into
	// English as a check (any chat endpoint; the first is used).
	Translator []Endpoint `yaml:"translator"`
	Embedder   []Endpoint `yaml:"embedder"`
	Scorer     []Endpoint `yaml:"scorer"`
}

// Endpoint is one model endpoint and its call limits.
type Endpoint struct {
	Name      string `yaml:"name"`
	Provider  string `yaml:"provider"`
	Model     string `yaml:"model"`
	BaseURL   string `yaml:"base_url"`
	APIKeyEnv string `yaml:"api_key_env"`
	// Concurrency is the most calls in flight (default 4).
	Concurrency int `yaml:"concurrency"`
	// RequestsPerMinute paces calls; 0 means unpaced.
	RequestsPerMinute float64 `yaml:"requests_per_minute"`
	// Timeout bounds one attempt (default 60s).
	Timeout time.Duration `yaml:"timeout"`
	// Retries is how often a transient failure is retried (default 3).
	Retries *int `yaml:"retries"`
	// ClipScore marks an embedder that embeds text and images into one space
	// (CLIP-class): prompts are embedded too and CLIPScore is computed.
	ClipScore bool `yaml:"clip_score"`
	// Size is the image edge length asked of a text-to-image endpoint.
	Size int `yaml:"size"`

	// Blocks are the provider option blocks the endpoint wrote (`openai:`,
	// `sim:`, ...), each decoded into its provider's options type; only
	// the one named after the endpoint's provider is allowed.
	Blocks map[string]any `yaml:"-"`
}

// Options is the endpoint's provider options block (nil when it has none).
func (e Endpoint) Options() any { return e.Blocks[e.Provider] }

// newBlock makes an empty options block for a key that names a provider
// taking options: how the spec decoder reads `openai:` and its kind
// without the spec package knowing any provider's fields.
func (e *Endpoint) newBlock(key string) (any, bool) {
	p, ok := registry.Lookup(key)
	if !ok || p.Options == nil {
		return nil, false
	}
	return p.Options(), true
}

func (e *Endpoint) setBlock(key string, v any) {
	if e.Blocks == nil {
		e.Blocks = map[string]any{}
	}
	e.Blocks[key] = v
}

// blockKeys are the option-block keys an endpoint may have.
func (e *Endpoint) blockKeys() []string {
	var out []string
	for _, n := range registry.Names() {
		if p, _ := registry.Lookup(n); p.Options != nil {
			out = append(out, n)
		}
	}
	return out
}

// EditChain is a series of edits applied to generated images, each to the
// previous step's output.
type EditChain struct {
	Name string `yaml:"name"`
	// Kind is "repeat" (the same instruction Steps times, ECB's multi-loop
	// editing), "sequence" (Instructions in order, e.g. the
	// attribute-addition chain) or "restyle" (toward each of Targets).
	Kind         string   `yaml:"kind"`
	Steps        int      `yaml:"steps"`
	Instruction  string   `yaml:"instruction"`
	Instructions []string `yaml:"instructions"`
	Targets      []string `yaml:"targets"`
	// Countries and Categories restrict the base images; SeedsPerPrompt
	// caps how many seeds of a prompt start a chain (default 1).
	Countries      []string `yaml:"countries"`
	Categories     []string `yaml:"categories"`
	SeedsPerPrompt int      `yaml:"seeds_per_prompt"`
}

// Judge configures the VQA judge.
type Judge struct {
	// Questions per image, half expecting yes, half no (default 4).
	Questions int `yaml:"questions"`
	// Attribution asks every image which country it depicts (default true
	// for agnostic images, optional for the rest).
	Attribution *bool `yaml:"attribution"`
	// Ratings asks the judge to rate each country-specific image's cultural
	// representation from 1 to 5.
	Ratings bool `yaml:"ratings"`
	// Corpus is the reference text retrieved into the judge's prompt:
	// "default" (the embedded notes), "none", or a corpus file (JSON lines,
	// as written by blindspot corpus build), relative to the spec.
	Corpus string `yaml:"corpus"`
	// TopK is how many passages go into the prompt (default 8).
	TopK int `yaml:"top_k"`
	// LLMQuestions asks the first models.llm endpoint to write this many
	// yes/no questions (at most 8) per prompt and country, asked beside the
	// template questions.
	LLMQuestions int `yaml:"llm_questions"`
	// DropFlagged recomputes judge accuracy without the question templates
	// the judge's item analysis flags (answers the judge reads the wrong way
	// round); the stored answers and scores are kept as they are.
	DropFlagged bool `yaml:"drop_flagged"`
	// BestWorst lists edit-chain steps (0 is the base image) that the judge
	// sees side by side to pick the best and the worst representation of
	// the chain's target culture, as ECB's reviewers do (e.g. [0, 1, 3, 5]).
	// Empty: no pick.
	BestWorst []int `yaml:"best_worst"`
	// Language is the language of the judge's yes/no questions: "english"
	// (the default) or "prompt", the language of the image's prompt
	// (translated by models.translator; the answer is read in that
	// language too). Attribution, era, geotag and rating questions stay
	// in English.
	Language string `yaml:"language"`

	// Passages is the loaded corpus.
	Passages []corpus.Passage `yaml:"-"`
}

// Analysis configures how results are read.
type Analysis struct {
	// GlobalNorth is the set of countries whose share of attributions is
	// reported as the Global-North share (default: United States).
	GlobalNorth []string `yaml:"global_north"`
	// Quality is the per-image quality that weighs the Vendi score:
	// "vqa_accuracy" (default), "cultural_rating" (the judge's 1-5
	// rating scaled to 0..1; needs judge.ratings) or "human_rating" (the
	// native reviewers' mean Cultural Representation, scaled to 0..1;
	// images nobody rated do not count).
	Quality string `yaml:"quality"`
	// Embedder names the models.embedder endpoint whose image embeddings
	// the diversity (Vendi), attribution-by-centroid and drift metrics use;
	// the default is the first one listed.
	Embedder string `yaml:"embedder"`
	// Acceptable is when an image of an edit chain counts as representing
	// its target culture acceptably, for the bias-correction burden: how
	// many edits a chain needs before its image is acceptable.
	Acceptable Acceptable `yaml:"acceptable"`
}

// Acceptable declares the thresholds of acceptability, one per source;
// each source is reported on its own. A zero threshold leaves its source
// out, except JudgeAccuracy, which defaults to 0.75.
type Acceptable struct {
	// JudgeAccuracy: the judge's accuracy on the image's questions is at
	// least this (0..1].
	JudgeAccuracy float64 `yaml:"judge_accuracy"`
	// JudgeRating: the judge's 1-5 cultural rating is at least this
	// (needs judge.ratings).
	JudgeRating float64 `yaml:"judge_rating"`
	// ReviewerRating: the native reviewers' mean Cultural Representation
	// (1-5), once their sheets are imported, is at least this.
	ReviewerRating float64 `yaml:"reviewer_rating"`
}

// Acceptability sources: what decides that a chain's image is acceptable.
const (
	SourceJudgeAccuracy  = "judge_accuracy"
	SourceJudgeRating    = "judge_rating"
	SourceReviewerRating = "reviewer_rating"
)

// Sources returns the thresholds in use by source.
func (a Acceptable) Sources() map[string]float64 {
	out := map[string]float64{}
	for _, s := range []struct {
		name string
		v    float64
	}{{SourceJudgeAccuracy, a.JudgeAccuracy}, {SourceJudgeRating, a.JudgeRating}, {SourceReviewerRating, a.ReviewerRating}} {
		if s.v != 0 {
			out[s.name] = s.v
		}
	}
	return out
}

// DefaultAcceptableAccuracy is the judge accuracy at which an image is
// acceptable when the spec does not say.
const DefaultAcceptableAccuracy = 0.75

// Price is what an endpoint charges, in US dollars.
type Price struct {
	PerCall           float64 `yaml:"per_call"`
	PerImage          float64 `yaml:"per_image"`
	PerThousandInput  float64 `yaml:"per_1k_input_tokens"`
	PerThousandOutput float64 `yaml:"per_1k_output_tokens"`
}

// Of is what one call of usage u costs.
func (p Price) Of(u generators.Usage) float64 {
	return p.PerCall + p.PerImage*float64(u.Images) +
		p.PerThousandInput*float64(u.InputTokens)/1000 + p.PerThousandOutput*float64(u.OutputTokens)/1000
}

// Chain kinds.
const (
	ChainRepeat   = "repeat"
	ChainSequence = "sequence"
	ChainRestyle  = "restyle"
)

// Identity is what makes two endpoints the same model for the response
// cache: provider, address, model, size and what its provider says of its
// options. Limits, names and secrets are not part of it.
func (e Endpoint) Identity() string {
	var parts []generators.IdentityPart
	if p, ok := registry.Lookup(e.Provider); ok && p.Identity != nil {
		parts = p.Identity(e.Options())
	}
	parts = append(parts, generators.IdentityPart{Key: "Size", Value: e.Size})
	// The pieces keep the order of the identity's first form, so every
	// cache written since still answers; new pieces go after.
	rank := func(k string) int {
		for i, o := range identityOrder {
			if o == k {
				return i
			}
		}
		return len(identityOrder)
	}
	slices.SortStableFunc(parts, func(a, b generators.IdentityPart) int { return rank(a.Key) - rank(b.Key) })
	var b strings.Builder
	field := func(k string, v any) bool {
		j, err := json.Marshal(v)
		if err != nil {
			return false
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Quote(k) + ":")
		b.Write(j)
		return true
	}
	ok := field("Provider", e.Provider) && field("BaseURL", e.BaseURL) && field("Model", e.Model)
	for _, p := range parts {
		if ok && !emptyIdentity(p.Value) {
			ok = field(p.Key, p.Value)
		}
	}
	if !ok {
		return e.Provider + "|" + e.BaseURL + "|" + e.Model
	}
	return "{" + b.String() + "}"
}

// identityOrder is the order of the identity's pieces when it was a Go
// struct (Provider, BaseURL, Model, then these).
var identityOrder = []string{"Sim", "SimVersion", "OpenAI", "A1111", "Size", "Workflows", "HTTP"}

// emptyIdentity is encoding/json's omitempty for the values identities hold.
func emptyIdentity(v any) bool {
	if v == nil {
		return true
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Pointer, reflect.Interface, reflect.Map, reflect.Slice:
		return rv.IsNil() || (rv.Kind() != reflect.Pointer && rv.Kind() != reflect.Interface && rv.Len() == 0)
	case reflect.String:
		return rv.Len() == 0
	case reflect.Int, reflect.Int64, reflect.Int32:
		return rv.Int() == 0
	case reflect.Bool:
		return !rv.Bool()
	case reflect.Float64:
		return rv.Float() == 0
	}
	return false
}

// DefaultReviewImagePx is the width of the reviewers' pictures.
const DefaultReviewImagePx = 320

// Review configures the native-reviewer sheets of blindspot sheets export.
type Review struct {
	// Steps are the edit-chain steps each chain shows (default [0, 1, 3, 5],
	// ECB's protocol); 0 is the generated image.
	Steps []int `yaml:"steps"`
	// PerCell is how many groups (edit chains, or a prompt's seeds) are
	// sampled per country x category (default 10).
	PerCell int `yaml:"per_cell"`
	// Versions is how many of a prompt's seeds its group shows (default 4,
	// as many as a chain's steps), sampled: a reviewer picks the best and
	// the worst of a few images, and a sheet does not grow with the seeds.
	Versions int `yaml:"versions"`
	// Seed drives the sampling and the order of rows (default 1).
	Seed int64 `yaml:"seed"`
	// Blind shows models as "Model A", "Model B" (default true).
	Blind *bool `yaml:"blind"`
	// Reviewers names reviewers per country: each gets a sheet of their
	// own. Without it there is one sheet per country.
	Reviewers map[string][]string `yaml:"reviewers"`
	// Alignment says which images get a Prompt Alignment column: "edits"
	// (default: edited images, whose instruction is the prompt), "all" or
	// "none".
	Alignment string `yaml:"alignment"`
	// Scales are the rating scales a reviewer fills in per image (default
	// ECB's: quality, cultural and alignment, 1-5, Very poor ... Excellent).
	// The scale named "cultural" is the one the metrics and the reviewer
	// burden read; one named "alignment" is asked only where Alignment says.
	Scales []ReviewScale `yaml:"scales"`
	// Tags are error types a reviewer may mark per image (checkboxes:
	// conflation with a neighbouring culture, stereotype, anachronism).
	Tags []ReviewTag `yaml:"tags"`
	// ImagePx is the width in pixels of the pictures in the sheets
	// (default 320, 120 to 1024): large enough to judge cultural detail.
	// Each links to its full-size file beside the sheet.
	ImagePx int `yaml:"image_px"`
}

// Scale returns the review scale named name.
func (r Review) Scale(name string) (ReviewScale, bool) {
	for _, s := range r.Scales {
		if s.Name == name {
			return s, true
		}
	}
	return ReviewScale{}, false
}

// ReviewScale is one rating scale of the reviewer protocol.
type ReviewScale struct {
	// Name identifies the scale in the store, the export and the
	// agreement tables: lower-case letters, digits and '_'.
	Name string `yaml:"name"`
	// Title heads the sheet's column (default: the name, capitalised).
	Title string `yaml:"title"`
	// Question is what the reviewer is asked, on the Instructions sheet;
	// "the country" in it reads as the sheet's country.
	Question string `yaml:"question"`
	// Range is the lowest and highest point (default [1, 5]; at most 11
	// points).
	Range []int `yaml:"range"`
	// Labels name every point, lowest first (optional).
	Labels []string `yaml:"labels"`
}

// Min and Max are the scale's lowest and highest points.
func (s ReviewScale) Min() int { return s.Range[0] }

// Max is the scale's highest point.
func (s ReviewScale) Max() int { return s.Range[1] }

// ReviewTag is one error type a reviewer may mark.
type ReviewTag struct {
	// Name identifies the tag (lower-case letters, digits and '_').
	Name string `yaml:"name"`
	// Title heads the sheet's column (default: the name, capitalised).
	Title string `yaml:"title"`
	// Question explains when to mark it, on the Instructions sheet.
	Question string `yaml:"question"`
}

// ECBScales is ECB's reviewer protocol, the default: three 1-5 scales.
func ECBScales() []ReviewScale {
	labels := []string{"Very poor", "Poor", "Fair", "Good", "Excellent"}
	return []ReviewScale{
		{Name: "quality", Title: "Image Quality", Question: "how good the image is as an image (sharpness, artefacts), whatever it shows", Range: []int{1, 5}, Labels: labels},
		{Name: "cultural", Title: "Cultural Representation", Question: "how faithfully and respectfully it shows the country as the text asks", Range: []int{1, 5}, Labels: labels},
		{Name: "alignment", Title: "Prompt Alignment", Question: "how well it does what the text asks (only where the cell is not n/a)", Range: []int{1, 5}, Labels: labels},
	}
}

// Stories configures the story audit (mmCultural's prompts, KAHANI's
// story-to-scene chain).
type Stories struct {
	// Template is the story prompt (default mmCultural's "Write a
	// children's story about {concept} for {a_identity} kid.").
	Template string `yaml:"template"`
	// Concepts the stories are about (default prompts.DefaultConcepts).
	Concepts []string `yaml:"concepts"`
	// Qualifiers add to the nationality (region, religion, family
	// structure): "Muslim" makes "a Muslim Kenyan kid". "" is the
	// nationality alone; default: only that.
	Qualifiers []string `yaml:"qualifiers"`
	// Samples is how many stories each prompt gets (seeds 1..Samples,
	// default 3).
	Samples int `yaml:"samples"`
	// ImageConditioned has the first models.vlm endpoint write each story
	// looking at an image of the culture drawn by the first models.t2i
	// endpoint, instead of the LLM writing from text alone.
	ImageConditioned bool `yaml:"image_conditioned"`
	// Scenes turns on KAHANI's chain: the LLM lists up to Scenes (1-3)
	// characters of each story and writes a scene prompt for each, which
	// the first models.t2i endpoint draws; scenes are judged like images.
	Scenes int `yaml:"scenes"`
	// Rate asks the LLM to rate each story's cultural authenticity 1-5.
	Rate bool `yaml:"rate"`
	// Similarity measures stories against each other: "ngram" (word
	// bigram cosine, default) or "embedding" (the first models.embedder
	// endpoint's text embeddings).
	Similarity string `yaml:"similarity"`
	// Lexicon lists files of culturally specific items that extend the
	// embedded lexicon (country -> kind -> terms), relative to the spec.
	Lexicon []string `yaml:"lexicon"`

	// Prompts is the expanded story grid; Lex the loaded lexicon.
	Prompts []prompts.StoryPrompt `yaml:"-"`
	Lex     *lexicon.Lexicon      `yaml:"-"`
	// LexiconFiles holds the extension files as read (name, content), so
	// the run store keeps what the metrics were computed with.
	LexiconFiles [][2]string `yaml:"-"`
}
