package spec

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/blindspot-audit/blindspot/generators"
	"github.com/blindspot-audit/blindspot/generators/registry"
	"github.com/blindspot-audit/blindspot/prompts"
)

// MaxSpecBytes caps a spec or schema file.
const MaxSpecBytes = 4 << 20

// MaxSamples bounds samples: seeds per prompt.
const MaxSamples = 10000

// Audit is a validated spec with its schema resolved and defaults filled.
type Audit struct {
	Spec
	File   string
	Raw    []byte
	Schema *prompts.Schema
	// SeedList is the seeds every prompt is sampled with.
	SeedList []int64
}

// Load reads and validates a spec file.
func Load(path string) (*Audit, error) {
	data, err := ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data, ReadFile)
}

// ReadFile reads a spec or schema file of at most MaxSpecBytes.
func ReadFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var buf bytes.Buffer
	// One byte more than allowed tells a file that is too large.
	n, err := buf.ReadFrom(io.LimitReader(f, MaxSpecBytes+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	if n > MaxSpecBytes {
		return nil, fmt.Errorf("%s is too large: a spec or schema file may hold at most %d bytes (4 MiB)", path, MaxSpecBytes)
	}
	return buf.Bytes(), nil
}

// Parse validates spec text. readFile loads a schema file the spec names.
func Parse(file string, data []byte, readFile func(string) ([]byte, error)) (*Audit, error) {
	d := newDecoder(file)
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, &Error{Problems: []Problem{yamlProblem(file, err)}}
	}
	if root.Kind == 0 || len(root.Content) == 0 {
		return nil, &Error{Problems: []Problem{{File: file, Msg: "the spec is empty"}}}
	}
	a := &Audit{File: file, Raw: data}
	d.decode(&root, reflectValue(&a.Spec), "")
	if len(d.problems) > 0 {
		return nil, &Error{Problems: sortProblems(d.problems)}
	}
	a.defaults(file, d.present)
	a.resolveSchema(d, readFile)
	if a.Schema != nil {
		a.validate(d, readFile)
	}
	if len(d.problems) > 0 {
		return nil, &Error{Problems: sortProblems(d.problems)}
	}
	return a, nil
}

// sortProblems orders problems by file and position, keeping the order of
// problems at the same place.
func sortProblems(ps []Problem) []Problem {
	sort.SliceStable(ps, func(i, j int) bool {
		a, b := ps[i], ps[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Pos.Line != b.Pos.Line {
			return a.Pos.Line < b.Pos.Line
		}
		return a.Pos.Col < b.Pos.Col
	})
	return ps
}

var yamlLineRe = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

func yamlProblem(file string, err error) Problem {
	msg := err.Error()
	if m := yamlLineRe.FindStringSubmatch(msg); m != nil {
		var line int
		fmt.Sscan(m[1], &line)
		return Problem{File: file, Pos: Pos{Line: line, Col: 1}, Msg: "invalid YAML: " + m[2]}
	}
	return Problem{File: file, Msg: "invalid YAML: " + strings.TrimPrefix(msg, "yaml: ")}
}

// nameOf is a spec's default name: its file's, without the extension.
func nameOf(file string) string {
	base := filepath.Base(file)
	return strings.TrimSuffix(base, filepath.Ext(base))
}

// Where reads only where a spec's run goes: its output folder (with the
// default Parse gives it) and its store URL. It does not validate: a run
// that finds nothing new reads no more of its spec (see audit.Unchanged);
// ok is false when the YAML does not read.
func Where(file string, data []byte) (output, store string, ok bool) {
	var w struct {
		Name   string `yaml:"name"`
		Output string `yaml:"output"`
		Store  string `yaml:"store"`
	}
	if err := yaml.Unmarshal(data, &w); err != nil {
		return "", "", false
	}
	if w.Name == "" {
		w.Name = nameOf(file)
	}
	if w.Output == "" {
		w.Output = filepath.Join("runs", w.Name)
	}
	return w.Output, w.Store, true
}

// defaults fills in what the spec left out; a value written in the spec,
// even 0, is kept, for validate to judge.
func (a *Audit) defaults(file string, present func(path string) bool) {
	if a.Name == "" {
		a.Name = nameOf(file)
	}
	if a.SchemaRef == "" {
		a.SchemaRef = "ecb"
	}
	if len(a.Languages) == 0 {
		a.Languages = []string{prompts.English}
	}
	if len(a.PromptSets) == 0 {
		a.PromptSets = []string{prompts.SetCountry}
	}
	if a.Output == "" {
		a.Output = filepath.Join("runs", a.Name)
	}
	if a.CacheDir == "" {
		a.CacheDir = ".blindspot-cache"
	}
	if a.Judge.Questions == 0 && !present("judge.questions") {
		a.Judge.Questions = 4
	}

	for _, eps := range a.endpointLists() {
		for i := range *eps.list {
			e := &(*eps.list)[i]
			p := fmt.Sprintf("models.%s[%d]", eps.role, i)
			if e.Concurrency == 0 && !present(p+".concurrency") {
				e.Concurrency = 4
			}
			if e.Timeout == 0 && !present(p+".timeout") {
				e.Timeout = 60 * time.Second
			}
			if e.Retries == nil {
				r := 3
				e.Retries = &r
			}
			if e.Model == "" {
				e.Model = e.Name
			}
		}
	}
	switch {
	case len(a.Seeds) > 0:
		a.SeedList = a.Seeds
	case a.Samples > 0 && a.Samples <= MaxSamples:
		// validate reports a larger number before anything is made of it.
		for i := 1; i <= a.Samples; i++ {
			a.SeedList = append(a.SeedList, int64(i))
		}
	default:
		a.SeedList = []int64{1}
	}
	for i := range a.EditChains {
		if a.EditChains[i].SeedsPerPrompt == 0 {
			a.EditChains[i].SeedsPerPrompt = 1
		}
	}
}

type endpointList struct {
	role generators.Role
	list *[]Endpoint
}

func (a *Audit) endpointLists() []endpointList {
	return []endpointList{
		{generators.RoleT2I, &a.Models.T2I},
		{generators.RoleI2I, &a.Models.I2I},
		{generators.RoleVLM, &a.Models.VLM},
		{generators.RoleLLM, &a.Models.LLM},
		{generators.RoleLLM, &a.Models.Translator},
		{generators.RoleEmbedder, &a.Models.Embedder},
		{generators.RoleScorer, &a.Models.Scorer},
	}
}

// Endpoints returns every endpoint with its role, in spec order.
func (a *Audit) Endpoints() []RoleEndpoint {
	var out []RoleEndpoint
	for _, l := range a.endpointLists() {
		for _, e := range *l.list {
			out = append(out, RoleEndpoint{Role: l.role, Endpoint: e})
		}
	}
	return out
}

// RoleEndpoint is an endpoint with the role it plays.
type RoleEndpoint struct {
	Role generators.Role
	Endpoint
}

func (a *Audit) resolveSchema(d *decoder, readFile func(string) ([]byte, error)) {
	var s *prompts.Schema
	if isBuiltin(a.SchemaRef) {
		var err error
		if s, err = prompts.Builtin(a.SchemaRef); err != nil {
			d.at("schema", "%v", err)
			return
		}
	} else {
		path := a.SchemaRef
		if !filepath.IsAbs(path) {
			path = filepath.Join(filepath.Dir(a.File), path)
		}
		data, err := readFile(path)
		if err != nil {
			d.at("schema", "%q is neither a built-in schema (%s) nor a readable file: %v", a.SchemaRef, strings.Join(prompts.BuiltinNames(), ", "), err)
			return
		}
		sd := newDecoder(path)
		var root yaml.Node
		if err := yaml.Unmarshal(data, &root); err != nil {
			d.problems = append(d.problems, yamlProblem(path, err))
			return
		}
		s = &prompts.Schema{}
		sd.decode(&root, reflectValue(s), "")
		for _, fe := range s.Validate() {
			sd.at(fe.Path, "%s", fe.Msg)
		}
		if len(sd.problems) > 0 {
			d.problems = append(d.problems, sd.problems...)
			return
		}
	}
	if x := a.Extend; x != nil {
		s.Countries = append(s.Countries, x.Countries...)
		if s.VariantSets == nil {
			s.VariantSets = map[string][]string{}
		}
		for k, v := range x.VariantSets {
			s.VariantSets[k] = v
		}
		s.Categories = append(s.Categories, x.Categories...)
		s.Translations = mergeTranslations(s.Translations, x.Translations)
	}
	if t := a.Templates; t != nil {
		if t.T2I != "" {
			s.Templates.T2I = t.T2I
		}
		if t.T2IAgnostic != "" {
			s.Templates.T2IAgnostic = t.T2IAgnostic
		}
		if t.I2I != "" {
			s.Templates.I2I = t.I2I
		}
	}
	// Problems in the combined schema point at the spec's extend or
	// templates blocks when they came from there.
	for _, fe := range s.Validate() {
		d.at(specPathOf(fe.Path, a, s), "%s", fe.Msg)
	}
	a.Schema = s
}

func isBuiltin(name string) bool {
	for _, n := range prompts.BuiltinNames() {
		if n == name {
			return true
		}
	}
	return false
}

// specPathOf maps a path in the combined schema to where the spec wrote
// it: templates.* and the extension's entries live in the spec.
func specPathOf(path string, a *Audit, s *prompts.Schema) string {
	if strings.HasPrefix(path, "templates.") {
		if a.Templates != nil {
			return path
		}
		return "schema"
	}
	var idx int
	for _, list := range []struct {
		prefix string
		total  int
		added  int
	}{
		{"countries[", len(s.Countries), lenOr(a.Extend, func(x *Extension) int { return len(x.Countries) })},
		{"categories[", len(s.Categories), lenOr(a.Extend, func(x *Extension) int { return len(x.Categories) })},
	} {
		if strings.HasPrefix(path, list.prefix) {
			rest := path[len(list.prefix):]
			if _, err := fmt.Sscanf(rest, "%d]", &idx); err == nil && idx >= list.total-list.added {
				end := strings.IndexByte(rest, ']')
				return fmt.Sprintf("extend.%s%d%s", list.prefix, idx-(list.total-list.added), rest[end:])
			}
			return "schema"
		}
	}
	if strings.HasPrefix(path, "variant_sets.") {
		if a.Extend != nil {
			return "extend." + path
		}
		return "schema"
	}
	if rest, ok := strings.CutPrefix(path, "translations."); ok && a.Extend != nil {
		code, _, _ := strings.Cut(rest, ".")
		if _, ours := a.Extend.Translations[code]; ours {
			return "extend." + path
		}
	}
	return "schema"
}

func lenOr(x *Extension, f func(*Extension) int) int {
	if x == nil {
		return 0
	}
	return f(x)
}

// ErrEndpoint marks an endpoint that cannot be opened as configured (an
// unset api_key_env, bad provider options): a usage error, found before
// anything is written.
var ErrEndpoint = errors.New("cannot open endpoint")

// Open opens every endpoint of the spec. getenv supplies API keys.
func (a *Audit) Open(getenv func(string) string) (map[string]registry.Endpoint, error) {
	out := map[string]registry.Endpoint{}
	for _, e := range a.Endpoints() {
		if _, ok := out[e.Name]; ok {
			continue
		}
		ep, err := registry.Open(registry.Config{
			Name: e.Name, Provider: e.Provider, Model: e.Model, BaseURL: e.BaseURL,
			APIKeyEnv: e.APIKeyEnv, Size: e.Size, Options: e.Options(), Getenv: getenv,
		})
		if err != nil {
			return nil, fmt.Errorf("%w: endpoint %s: %w", ErrEndpoint, e.Name, err)
		}
		out[e.Name] = ep
	}
	return out, nil
}

func reflectValue(p any) reflect.Value { return reflect.ValueOf(p).Elem() }

// mergeTranslations lays an extension's translations over the schema's:
// new languages are added; for a known language each template and word
// given replaces the schema's.
func mergeTranslations(base, ext map[string]prompts.Translation) map[string]prompts.Translation {
	if len(ext) == 0 {
		return base
	}
	out := maps.Clone(base)
	if out == nil {
		out = map[string]prompts.Translation{}
	}
	for code, x := range ext {
		t, ok := out[code]
		if !ok {
			out[code] = x
			continue
		}
		if x.Name != "" {
			t.Name = x.Name
		}
		if x.Status != "" {
			t.Status = x.Status
		}
		if x.Templates.T2I != "" {
			t.Templates.T2I = x.Templates.T2I
		}
		if x.Templates.T2IAgnostic != "" {
			t.Templates.T2IAgnostic = x.Templates.T2IAgnostic
		}
		t.Variants = overlay(t.Variants, x.Variants)
		t.Subcategories = overlay(t.Subcategories, x.Subcategories)
		t.Countries = overlay(t.Countries, x.Countries)
		out[code] = t
	}
	return out
}

func overlay(base, over map[string]string) map[string]string {
	out := maps.Clone(base)
	if out == nil {
		out = map[string]string{}
	}
	maps.Copy(out, over)
	return out
}
