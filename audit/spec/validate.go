package spec

import (
	"bytes"
	"fmt"
	"maps"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/blindspot-audit/blindspot/audit/store"
	"github.com/blindspot-audit/blindspot/corpus"
	"github.com/blindspot-audit/blindspot/corpus/lexicon"
	"github.com/blindspot-audit/blindspot/generators"
	"github.com/blindspot-audit/blindspot/generators/registry"
	"github.com/blindspot-audit/blindspot/prompts"
)

// validate checks everything the types cannot, reporting each problem at
// the field it concerns.
func (a *Audit) validate(d *decoder, readFile func(string) ([]byte, error)) {
	s := a.Schema
	for i, c := range a.Countries {
		if _, ok := s.Country(c); !ok {
			d.at(fmt.Sprintf("countries[%d]", i), "unknown country %q (the schema has: %s; add it under extend.countries)", c, strings.Join(countryNames(s), ", "))
		}
	}
	a.checkCategories(d, "categories", a.Categories)
	variants := map[string]bool{}
	for _, vs := range s.VariantSets {
		for _, v := range vs {
			variants[v] = true
		}
	}
	for i, v := range a.Variants {
		if !variants[v] {
			d.at(fmt.Sprintf("variants[%d]", i), "unknown variant %q (known: %s)", v, strings.Join(slices.Sorted(maps.Keys(variants)), ", "))
		}
	}
	for i, ps := range a.PromptSets {
		if !prompts.IsSet(ps) {
			d.at(fmt.Sprintf("prompt_sets[%d]", i), "unknown prompt set %q (known: %s)", ps, strings.Join(prompts.KnownSets(), ", "))
		}
	}
	a.checkLanguages(d)
	if len(a.Seeds) > 0 && a.Samples > 0 {
		d.at("samples", "give seeds or samples, not both")
	}
	if a.Samples < 0 || a.Samples > MaxSamples || (a.Samples == 0 && d.present("samples")) {
		d.at("samples", "must be between 1 and %d, got %d", MaxSamples, a.Samples)
	}
	seen := map[int64]bool{}
	for i, sd := range a.Seeds {
		if seen[sd] {
			d.at(fmt.Sprintf("seeds[%d]", i), "seed %d is listed twice", sd)
		}
		seen[sd] = true
	}
	a.checkEndpoints(d, readFile)
	a.loadCorpus(d, readFile)
	a.checkChains(d)
	if a.Judge.Questions < 2 || a.Judge.Questions > 8 || a.Judge.Questions%2 != 0 {
		d.at("judge.questions", "must be an even number from 2 to 8 (half expect yes, half no), got %d", a.Judge.Questions)
	}
	if a.Analysis.GlobalNorth == nil {
		// The default is the United States, where the schema has it.
		a.Analysis.GlobalNorth = []string{}
		if _, ok := s.Country("United States"); ok {
			a.Analysis.GlobalNorth = []string{"United States"}
		}
	}
	for i, c := range a.Analysis.GlobalNorth {
		if _, ok := s.Country(c); !ok {
			d.at(fmt.Sprintf("analysis.global_north[%d]", i), "unknown country %q", c)
		}
	}
	switch a.Analysis.Quality {
	case "", "vqa_accuracy":
		a.Analysis.Quality = "vqa_accuracy"
	case "cultural_rating":
		if !a.Judge.Ratings {
			d.at("analysis.quality", "cultural_rating needs judge.ratings: true")
		}
	case "human_rating":
	default:
		d.at("analysis.quality", "unknown quality %q (known: vqa_accuracy, cultural_rating, human_rating)", a.Analysis.Quality)
	}
	if name := a.Analysis.Embedder; name != "" {
		found := false
		var names []string
		for _, e := range a.Models.Embedder {
			found = found || e.Name == name
			names = append(names, e.Name)
		}
		if !found {
			d.at("analysis.embedder", "%q is not a models.embedder endpoint (known: %s)", name, strings.Join(names, ", "))
		}
	} else if len(a.Models.Embedder) > 0 {
		a.Analysis.Embedder = a.Models.Embedder[0].Name
	}
	a.validateReview(d)
	a.validateAcceptable(d)
	if strings.Contains(a.CacheDir, "://") && !store.IsBucketURL(a.CacheDir) {
		d.at("cache_dir", "%q: a cache is a folder or an object-storage URL (file://, s3://, gs://, azblob://)", a.CacheDir)
	}
	if a.Store != "" {
		if err := store.CheckStoreURL(a.Store); err != nil {
			d.at("store", "%v", err)
		}
	}
	a.validateStories(d, readFile)
	if a.BudgetUSD < 0 {
		d.at("budget_usd", "must not be negative, got %g", a.BudgetUSD)
	}
	names := map[string]bool{}
	for _, e := range a.Endpoints() {
		names[e.Name] = true
	}
	for name, p := range a.Prices {
		path := "prices." + name
		if !names[name] {
			d.at(path, "no endpoint is named %q", name)
		}
		for _, f := range []struct {
			k string
			v float64
		}{{"per_call", p.PerCall}, {"per_image", p.PerImage}, {"per_1k_input_tokens", p.PerThousandInput}, {"per_1k_output_tokens", p.PerThousandOutput}} {
			if f.v < 0 {
				d.at(path+"."+f.k, "must not be negative, got %g", f.v)
			}
		}
	}
	if strings.TrimSpace(a.Output) == "" {
		d.at("output", "must not be empty")
	}
}

func (a *Audit) checkCategories(d *decoder, path string, list []string) {
	for i, c := range list {
		if _, ok := a.Schema.Category(c); ok {
			continue
		}
		if _, ok := a.Schema.CategoryOf(c); ok {
			continue
		}
		var names []string
		for _, cat := range a.Schema.Categories {
			names = append(names, cat.Name)
		}
		d.at(fmt.Sprintf("%s[%d]", path, i), "unknown category or subcategory %q (categories: %s)", c, strings.Join(names, ", "))
	}
}

func (a *Audit) checkEndpoints(d *decoder, readFile func(string) ([]byte, error)) {
	// read reads a file an options block names, relative to the spec.
	read := func(path string) ([]byte, error) {
		if !filepath.IsAbs(path) {
			path = filepath.Join(filepath.Dir(a.File), path)
		}
		return readFile(path)
	}
	seen := map[string]string{}
	for _, l := range a.endpointLists() {
		for i, e := range *l.list {
			p := fmt.Sprintf("models.%s[%d]", l.role, i)
			if e.Name == "" {
				d.at(p, "an endpoint needs a name")
			} else if prev, dup := seen[e.Name]; dup {
				d.at(p+".name", "endpoint name %q is already used under models.%s; names are unique across roles", e.Name, prev)
			}
			seen[e.Name] = string(l.role)
			prov, ok := registry.Lookup(e.Provider)
			switch {
			case e.Provider == "":
				d.at(p, "endpoint %q needs a provider (known: %s)", e.Name, strings.Join(registry.Names(), ", "))
			case !ok:
				d.at(p+".provider", "unknown provider %q (known: %s)", e.Provider, strings.Join(registry.Names(), ", "))
			case !prov.Serves(l.role):
				d.at(p+".provider", "provider %q cannot serve role %s", e.Provider, l.role)
			case l.role == generators.RoleEmbedder && !prov.ImageEmbeddings:
				d.at(p+".provider", "provider %q embeds text only, and the embedder role embeds images; use an image-embedding server", e.Provider)
			case prov.Check != nil:
				for _, pr := range prov.Check(generators.Check{Name: e.Name, Role: l.role, Options: e.Options(), ClipScore: e.ClipScore, Read: read}) {
					at := p
					if pr.Path != "" {
						at += "." + pr.Path
					}
					d.at(at, "%s", pr.Msg)
				}
			}
			for _, key := range slices.Sorted(maps.Keys(e.Blocks)) {
				if key != e.Provider {
					d.at(p+"."+key, "%s options are for provider %s, not %q", key, key, e.Provider)
				}
			}
			if e.ClipScore {
				switch {
				case l.role != generators.RoleEmbedder:
					d.at(p+".clip_score", "only embedders compute CLIPScore")
				case ok && !prov.ClipScore:
					d.at(p+".clip_score", "provider %q does not embed text beside images", e.Provider)
				}
			}
			if e.BaseURL != "" {
				if u, err := url.Parse(e.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
					d.at(p+".base_url", "must be an http(s) URL such as http://127.0.0.1:8000/v1, got %q", e.BaseURL)
				}
			}
			if e.Concurrency < 1 || e.Concurrency > 1024 {
				d.at(p+".concurrency", "must be between 1 and 1024, got %d", e.Concurrency)
			}
			if e.RequestsPerMinute < 0 {
				d.at(p+".requests_per_minute", "must not be negative, got %g", e.RequestsPerMinute)
			}
			if e.Timeout <= 0 {
				d.at(p+".timeout", "must be positive (for example 60s), got %s", e.Timeout)
			}
			if *e.Retries < 0 || *e.Retries > 20 {
				d.at(p+".retries", "must be between 0 and 20, got %d", *e.Retries)
			}
			if e.Size < 0 || e.Size > 4096 {
				d.at(p+".size", "must be between 16 and 4096 pixels, got %d", e.Size)
			}
			if e.APIKeyEnv != "" && strings.ContainsAny(e.APIKeyEnv, " =$") {
				d.at(p+".api_key_env", "must be the name of an environment variable, not its value")
			}
		}
	}
	if len(a.Models.T2I) == 0 {
		d.at("models.t2i", "at least one text-to-image endpoint is needed")
	}
	if len(a.EditChains) > 0 && len(a.Models.I2I) == 0 {
		d.at("edit_chains", "edit chains need at least one endpoint under models.i2i")
	}
	if len(a.Models.VLM) > 1 {
		d.at("models.vlm[1]", "one judge (vlm endpoint) per audit; run a second spec to compare judges")
	}
}

func (a *Audit) checkChains(d *decoder) {
	names := map[string]bool{}
	for i, c := range a.EditChains {
		p := fmt.Sprintf("edit_chains[%d]", i)
		if c.Name == "" {
			d.at(p, "an edit chain needs a name")
		} else if names[c.Name] {
			d.at(p+".name", "edit chain %q is defined twice", c.Name)
		}
		names[c.Name] = true
		switch c.Kind {
		case ChainRepeat, ChainRestyle:
			if c.Steps < 1 || c.Steps > 50 {
				d.at(p+".steps", "must be between 1 and 50, got %d", c.Steps)
			}
			if len(c.Instructions) > 0 {
				d.at(p+".instructions", "a %s chain takes one instruction (or the schema's i2i template), not a list", c.Kind)
			}
			if c.Instruction != "" {
				if err := prompts.CheckTemplate(c.Instruction, false); err != nil {
					d.at(p+".instruction", "%v", err)
				}
			}
		case ChainSequence:
			if len(c.Instructions) == 0 {
				d.at(p+".instructions", "a sequence chain needs its list of instructions")
			}
			if c.Steps != 0 && c.Steps != len(c.Instructions) {
				d.at(p+".steps", "a sequence chain has one step per instruction (%d), got steps %d", len(c.Instructions), c.Steps)
			}
			for j, ins := range c.Instructions {
				if err := prompts.CheckTemplate(ins, false); err != nil {
					d.at(fmt.Sprintf("%s.instructions[%d]", p, j), "%v", err)
				}
			}
		case "":
			d.at(p, "an edit chain needs a kind (repeat, sequence or restyle)")
		default:
			d.at(p+".kind", "unknown kind %q (known: repeat, sequence, restyle)", c.Kind)
		}
		if c.Kind == ChainRestyle && len(c.Targets) == 0 {
			d.at(p+".targets", "a restyle chain needs target countries")
		}
		if c.Kind != ChainRestyle && len(c.Targets) > 0 {
			d.at(p+".targets", "only restyle chains take targets")
		}
		for j, t := range c.Targets {
			if _, ok := a.Schema.Country(t); !ok {
				d.at(fmt.Sprintf("%s.targets[%d]", p, j), "unknown country %q", t)
			}
		}
		for j, t := range c.Countries {
			if _, ok := a.Schema.Country(t); !ok {
				d.at(fmt.Sprintf("%s.countries[%d]", p, j), "unknown country %q", t)
			}
		}
		a.checkCategories(d, p+".categories", c.Categories)
		if c.SeedsPerPrompt < 1 {
			d.at(p+".seeds_per_prompt", "must be at least 1, got %d", c.SeedsPerPrompt)
		}
	}
}

func countryNames(s *prompts.Schema) []string {
	out := make([]string, len(s.Countries))
	for i, c := range s.Countries {
		out[i] = c.Name
	}
	return out
}

// loadCorpus reads the judge's reference corpus.
func (a *Audit) loadCorpus(d *decoder, readFile func(string) ([]byte, error)) {
	if a.Judge.LLMQuestions < 0 || a.Judge.LLMQuestions > 8 {
		d.at("judge.llm_questions", "must be between 0 and 8, got %d", a.Judge.LLMQuestions)
	}
	switch a.Judge.Language {
	case "", JudgeLanguageEnglish:
	case JudgeLanguagePrompt:
		if len(a.Models.Translator) == 0 {
			d.at("judge.language", "asking in the prompt's language needs a models.translator endpoint to translate the questions")
		}
	default:
		d.at("judge.language", "must be %s or %s, got %q", JudgeLanguageEnglish, JudgeLanguagePrompt, a.Judge.Language)
	}
	if a.Judge.LLMQuestions > 0 && len(a.Models.LLM) == 0 {
		d.at("judge.llm_questions", "LLM-written questions need an endpoint under models.llm")
	}
	a.validateBestWorst(d)
	if a.Judge.TopK == 0 {
		a.Judge.TopK = 8
	}
	if a.Judge.TopK < 1 || a.Judge.TopK > 50 {
		d.at("judge.top_k", "must be between 1 and 50, got %d", a.Judge.TopK)
	}
	switch a.Judge.Corpus {
	case "", corpus.DefaultName:
		a.Judge.Corpus = corpus.DefaultName
		ps, err := corpus.Default()
		if err != nil {
			d.at("judge.corpus", "%v", err)
		}
		a.Judge.Passages = ps
	case "none":
	default:
		path := a.Judge.Corpus
		if !filepath.IsAbs(path) {
			path = filepath.Join(filepath.Dir(a.File), path)
		}
		data, err := readFile(path)
		if err != nil {
			d.at("judge.corpus", "%q is not \"default\", \"none\" or a readable corpus file: %v", a.Judge.Corpus, err)
			return
		}
		ps, err := corpus.Read(bytes.NewReader(data), a.Judge.Corpus)
		if err != nil {
			d.at("judge.corpus", "%v", err)
			return
		}
		a.Judge.Passages = ps
	}
}

// validateBestWorst checks judge.best_worst: at least two distinct steps
// in increasing order, a judge and edit chains to pick from.
func (a *Audit) validateBestWorst(d *decoder) {
	steps := a.Judge.BestWorst
	if len(steps) == 0 {
		return
	}
	if len(steps) < 2 || len(steps) > 10 {
		d.at("judge.best_worst", "needs 2 to 10 edit steps to choose among, got %d", len(steps))
	}
	for i, s := range steps {
		if s < 0 {
			d.at(fmt.Sprintf("judge.best_worst[%d]", i), "a step is 0 (the base image) or more, got %d", s)
		}
		if i > 0 && s <= steps[i-1] {
			d.at(fmt.Sprintf("judge.best_worst[%d]", i), "steps must increase, got %d after %d", s, steps[i-1])
		}
	}
	if len(a.Models.VLM) == 0 {
		d.at("judge.best_worst", "the best/worst pick needs a judge under models.vlm")
	}
	if len(a.EditChains) == 0 {
		d.at("judge.best_worst", "the best/worst pick chooses among the steps of edit_chains, and the spec has none")
	}
}

// reviewerNameRe keeps reviewer names usable in file names.
var reviewerNameRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$`)

// validateReview checks the review block and fills its defaults.
func (a *Audit) validateReview(d *decoder) {
	r := &a.Review
	if len(r.Steps) == 0 {
		r.Steps = []int{0, 1, 3, 5}
	}
	for i, s := range r.Steps {
		if s < 0 || (i > 0 && s <= r.Steps[i-1]) {
			d.at(fmt.Sprintf("review.steps[%d]", i), "steps are 0 (the generated image) or more, in increasing order; got %d", s)
		}
	}
	if r.PerCell == 0 {
		r.PerCell = 10
	}
	if r.PerCell < 1 || r.PerCell > 100000 {
		d.at("review.per_cell", "must be between 1 and 100000, got %d", r.PerCell)
	}
	validateProtocol(d, r)
	if r.Versions == 0 {
		r.Versions = 4
	}
	if r.Versions < 2 || r.Versions > 1000 {
		d.at("review.versions", "must be between 2 and 1000 (a reviewer picks a best and a different worst), got %d", r.Versions)
	}
	if r.Seed == 0 {
		r.Seed = 1
	}
	if r.ImagePx == 0 {
		r.ImagePx = DefaultReviewImagePx
	}
	if r.ImagePx < 120 || r.ImagePx > 1024 {
		d.at("review.image_px", "must be between 120 and 1024 pixels, got %d", r.ImagePx)
	}
	if r.Blind == nil {
		t := true
		r.Blind = &t
	}
	switch r.Alignment {
	case "":
		r.Alignment = "edits"
	case "edits", "all", "none":
	default:
		d.at("review.alignment", "unknown value %q (known: edits, all, none)", r.Alignment)
	}
	for _, c := range slices.Sorted(maps.Keys(r.Reviewers)) {
		if _, ok := a.Schema.Country(c); !ok {
			d.at("review.reviewers."+c, "unknown country %q", c)
		}
		seen := map[string]bool{}
		for i, n := range r.Reviewers[c] {
			p := fmt.Sprintf("review.reviewers.%s[%d]", c, i)
			if !reviewerNameRe.MatchString(n) {
				d.at(p, "reviewer name %q: use letters, digits, space, dot, dash or underscore (at most 64)", n)
			}
			if seen[strings.ToLower(n)] {
				d.at(p, "reviewer %q is listed twice", n)
			}
			seen[strings.ToLower(n)] = true
		}
	}
}

// validateStories checks the stories block, expands the story grid and
// loads the lexicon.
func (a *Audit) validateStories(d *decoder, readFile func(string) ([]byte, error)) {
	st := a.Stories
	if st == nil {
		return
	}
	if len(a.Models.LLM) == 0 && !st.ImageConditioned {
		d.at("stories", "stories are written by the first models.llm endpoint, and the spec has none")
	}
	if st.Scenes > 0 || st.Rate {
		if len(a.Models.LLM) == 0 {
			d.at("stories", "scenes and ratings need a models.llm endpoint")
		}
	}
	if st.Template == "" {
		st.Template = prompts.DefaultStoryTemplate
	}
	if err := prompts.CheckStoryTemplate(st.Template); err != nil {
		d.at("stories.template", "%v", err)
	}
	if len(st.Concepts) == 0 {
		st.Concepts = prompts.DefaultConcepts
	}
	for i, c := range st.Concepts {
		if strings.TrimSpace(c) == "" || len(c) > 200 {
			d.at(fmt.Sprintf("stories.concepts[%d]", i), "a concept is 1 to 200 characters")
		}
	}
	for i, q := range st.Qualifiers {
		if len(q) > 60 {
			d.at(fmt.Sprintf("stories.qualifiers[%d]", i), "a qualifier is at most 60 characters")
		}
	}
	if st.Samples == 0 {
		st.Samples = 3
	}
	if st.Samples < 1 || st.Samples > 1000 {
		d.at("stories.samples", "must be between 1 and 1000, got %d", st.Samples)
	}
	if st.ImageConditioned && (len(a.Models.VLM) == 0 || len(a.Models.T2I) == 0) {
		d.at("stories.image_conditioned", "image-conditioned stories need models.t2i (to draw the culture) and models.vlm (to write)")
	}
	if st.Scenes < 0 || st.Scenes > 3 {
		d.at("stories.scenes", "must be between 0 (off) and 3 characters, got %d", st.Scenes)
	}
	if st.Scenes > 0 && len(a.Models.T2I) == 0 {
		d.at("stories.scenes", "scenes are drawn by the first models.t2i endpoint, and the spec has none")
	}
	switch st.Similarity {
	case "":
		st.Similarity = "ngram"
	case "ngram":
	case "embedding":
		if len(a.Models.Embedder) == 0 {
			d.at("stories.similarity", "embedding similarity needs a models.embedder endpoint")
		}
	default:
		d.at("stories.similarity", "unknown value %q (known: ngram, embedding)", st.Similarity)
	}
	st.Lex = lexicon.Default()
	for i, f := range st.Lexicon {
		path := f
		if !filepath.IsAbs(path) {
			path = filepath.Join(filepath.Dir(a.File), f)
		}
		data, err := readFile(path)
		if err == nil {
			err = st.Lex.Add(f, data)
		}
		if err == nil {
			st.LexiconFiles = append(st.LexiconFiles, [2]string{f, string(data)})
		}
		if err != nil {
			d.at(fmt.Sprintf("stories.lexicon[%d]", i), "%v", err)
		}
	}
	var countries []prompts.Country
	names := a.Countries
	if len(names) == 0 {
		for _, c := range a.Schema.Countries {
			names = append(names, c.Name)
		}
	}
	for _, n := range names {
		if c, ok := a.Schema.Country(n); ok {
			countries = append(countries, c)
		}
	}
	if ps, err := prompts.ExpandStories(st.Template, countries, st.Concepts, st.Qualifiers); err == nil {
		st.Prompts = ps
	}
}

// validateAcceptable checks analysis.acceptable and sets its default.
func (a *Audit) validateAcceptable(d *decoder) {
	acc := &a.Analysis.Acceptable
	if acc.JudgeAccuracy == 0 {
		acc.JudgeAccuracy = DefaultAcceptableAccuracy
	}
	if acc.JudgeAccuracy < 0 || acc.JudgeAccuracy > 1 {
		d.at("analysis.acceptable.judge_accuracy", "must be a share from 0 to 1, got %g", acc.JudgeAccuracy)
	}
	for _, r := range []struct {
		field string
		v     float64
	}{{"judge_rating", acc.JudgeRating}} {
		if r.v != 0 && (r.v < 1 || r.v > 5) {
			d.at("analysis.acceptable."+r.field, "must be a rating from 1 to 5 (0 or absent: not used), got %g", r.v)
		}
	}
	// The reviewers' rating is their "cultural" scale, on its own range.
	cultural, hasCultural := a.Review.Scale("cultural")
	if acc.ReviewerRating != 0 {
		switch {
		case !hasCultural:
			d.at("analysis.acceptable.reviewer_rating", "needs a review scale named cultural (review.scales has none)")
		case acc.ReviewerRating < float64(cultural.Min()) || acc.ReviewerRating > float64(cultural.Max()):
			d.at("analysis.acceptable.reviewer_rating", "must be a rating on the cultural scale, %d to %d (0 or absent: not used), got %g", cultural.Min(), cultural.Max(), acc.ReviewerRating)
		}
	}
	if a.Analysis.Quality == "human_rating" && !hasCultural {
		d.at("analysis.quality", "human_rating needs a review scale named cultural (review.scales has none)")
	}
	if acc.JudgeRating != 0 && !a.Judge.Ratings {
		d.at("analysis.acceptable.judge_rating", "needs judge.ratings: true (the judge gives no rating otherwise)")
	}
}

var protocolName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

// validateProtocol fills in and checks review.scales and review.tags.
func validateProtocol(d *decoder, r *Review) {
	if len(r.Scales) == 0 {
		r.Scales = ECBScales()
	}
	if len(r.Scales) > 12 {
		d.at("review.scales", "at most 12 scales, got %d", len(r.Scales))
	}
	if len(r.Tags) > 20 {
		d.at("review.tags", "at most 20 tags, got %d", len(r.Tags))
	}
	names := map[string]string{}
	name := func(where, n string) {
		switch {
		case !protocolName.MatchString(n):
			d.at(where+".name", "%q: use lower-case letters, digits and _ (a letter first, at most 40)", n)
		case names[n] != "":
			d.at(where+".name", "%q is also the name of %s", n, names[n])
		default:
			names[n] = where
		}
	}
	// named checks a scale's or tag's name and fills in and checks its title.
	named := func(where, n string, t *string) {
		name(where, n)
		if *t == "" {
			*t = capitalise(strings.ReplaceAll(n, "_", " "))
		}
		if len([]rune(*t)) > 60 || strings.ContainsAny(*t, "\n\r") {
			d.at(where+".title", "at most 60 characters on one line")
		}
	}
	for i := range r.Scales {
		s := &r.Scales[i]
		where := fmt.Sprintf("review.scales[%d]", i)
		named(where, s.Name, &s.Title)
		if len(s.Range) == 0 {
			s.Range = []int{1, 5}
		}
		if len(s.Range) != 2 || s.Range[0] < 1 || s.Range[1] <= s.Range[0] || s.Range[1]-s.Range[0] > 10 {
			d.at(where+".range", "[lowest, highest]: 1 or more, highest above lowest, at most 11 points; got %v", s.Range)
			s.Range = []int{1, 5}
			continue
		}
		if len(s.Labels) > 0 && len(s.Labels) != s.Range[1]-s.Range[0]+1 {
			d.at(where+".labels", "%d labels for %d points (%d to %d): name every point or none", len(s.Labels), s.Range[1]-s.Range[0]+1, s.Range[0], s.Range[1])
		}
		for j, l := range s.Labels {
			if l == "" || len([]rune(l)) > 40 {
				d.at(fmt.Sprintf("%s.labels[%d]", where, j), "a label is 1 to 40 characters")
			}
		}
	}
	for i := range r.Tags {
		t := &r.Tags[i]
		named(fmt.Sprintf("review.tags[%d]", i), t.Name, &t.Title)
	}
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// checkLanguages checks that every language asked for has a translation
// for every audited country's prompts.
func (a *Audit) checkLanguages(d *decoder) {
	s := a.Schema
	audited := s.Countries
	if len(a.Countries) > 0 {
		audited = nil
		for _, n := range a.Countries {
			if c, ok := s.Country(n); ok {
				audited = append(audited, c)
			}
		}
	}
	if len(a.Languages) > 0 && !slices.Contains(a.Languages, prompts.English) {
		// Without English prompts every measure but the language_* ones
		// would be empty, and a language gap would have no English arm.
		d.at("languages", "list en too: every measure but the language_* ones, each language gap and the edit chains read the English prompts (got %s)", strings.Join(a.Languages, ", "))
	}
	seen := map[string]bool{}
	for i, l := range a.Languages {
		path := fmt.Sprintf("languages[%d]", i)
		if seen[l] {
			d.at(path, "language %q is listed twice", l)
		}
		seen[l] = true
		var codes []string
		switch l {
		case prompts.English:
			continue
		case prompts.Native:
			codes = s.Languages([]string{l}, "", audited)
		default:
			codes = []string{l}
		}
		for _, code := range codes {
			if code == prompts.English {
				continue
			}
			if _, ok := s.Translations[code]; !ok && len(a.Models.Translator) == 0 {
				known := slices.Sorted(maps.Keys(s.Translations))
				d.at(path, "the schema has no translation into %q (%s); add one under extend.translations, or declare a models.translator endpoint to translate the prompts (known: en, native, %s)", code, s.LanguageName(code), strings.Join(known, ", "))
			}
		}
	}
}

// Judge languages.
const (
	JudgeLanguageEnglish = "english"
	JudgeLanguagePrompt  = "prompt"
)
