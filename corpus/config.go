package corpus

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/blindspot-audit/blindspot/prompts"
)

// Config is a corpus build (examples/corpus.yaml).
type Config struct {
	// Output is the corpus file, one JSON passage a line.
	Output string `yaml:"output"`
	// CacheDir keeps fetched pages, so builds resume and re-runs fetch
	// nothing.
	CacheDir string `yaml:"cache_dir"`
	Seeds    []Seed `yaml:"seeds"`
	// AllowedDomains bounds the crawl (default: the seeds' hosts).
	AllowedDomains []string      `yaml:"allowed_domains"`
	MaxDepth       int           `yaml:"max_depth"`      // link hops from a seed (default 2)
	MaxPages       int           `yaml:"max_pages"`      // pages fetched in all (default 2000)
	Parallelism    int           `yaml:"parallelism"`    // requests in flight per domain (default 2)
	Delay          time.Duration `yaml:"delay"`          // between requests to a domain (default 500ms)
	MaxPageKB      int           `yaml:"max_page_kb"`    // pages larger are skipped (default 2048)
	UserAgent      string        `yaml:"user_agent"`     // default "blindspot-corpus"
	PassageTokens  int           `yaml:"passage_tokens"` // default 800
	OverlapTokens  int           `yaml:"overlap_tokens"` // default 120
	// Countries are the names a seed may give (default: the built-in
	// schema's countries); a seed naming another is an error.
	Countries []string `yaml:"countries"`
}

// Seed is a start page and the country (and optional category) of what is
// reached from it.
type Seed struct {
	URL      string `yaml:"url"`
	Country  string `yaml:"country"`
	Category string `yaml:"category"`
}

// LoadConfig reads and checks a build config; paths resolve against the
// config's folder. Every problem is reported at once, each as
// file:line:column: field: message.
func LoadConfig(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var c Config
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("%s: %v", path, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	var root yaml.Node
	yaml.Unmarshal(data, &root)
	pos := map[string][2]int{}
	nodePositions(&root, "", pos)
	dir := filepath.Dir(path)
	for _, p := range []*string{&c.Output, &c.CacheDir} {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(dir, *p)
		}
	}
	if probs := c.problems(); len(probs) > 0 {
		type located struct {
			at   [2]int
			text string
		}
		var lines []located
		for _, pr := range probs {
			at := pr.path
			for at != "" {
				if _, ok := pos[at]; ok {
					break
				}
				at = at[:max(strings.LastIndexAny(at, ".["), 0)]
			}
			l := pos[at]
			if l[0] == 0 {
				l = [2]int{1, 1}
			}
			lines = append(lines, located{l, fmt.Sprintf("%s:%d:%d: %s: %s", path, l[0], l[1], pr.path, pr.msg)})
		}
		sort.SliceStable(lines, func(i, j int) bool {
			return lines[i].at[0] < lines[j].at[0] || (lines[i].at[0] == lines[j].at[0] && lines[i].at[1] < lines[j].at[1])
		})
		texts := make([]string, len(lines))
		for i, l := range lines {
			texts[i] = l.text
		}
		return nil, errors.New(strings.Join(texts, "\n"))
	}
	return &c, nil
}

// nodePositions records the line and column of every value by its field
// path ("seeds[2].country").
func nodePositions(n *yaml.Node, path string, pos map[string][2]int) {
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			nodePositions(c, path, pos)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i].Value
			if path != "" {
				k = path + "." + k
			}
			pos[k] = [2]int{n.Content[i+1].Line, n.Content[i+1].Column}
			nodePositions(n.Content[i+1], k, pos)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			k := fmt.Sprintf("%s[%d]", path, i)
			pos[k] = [2]int{c.Line, c.Column}
			nodePositions(c, k, pos)
		}
	}
}

type configProblem struct{ path, msg string }

// check fills in defaults and returns the first problem, if any.
func (c *Config) check() error {
	if probs := c.problems(); len(probs) > 0 {
		return fmt.Errorf("%s: %s", probs[0].path, probs[0].msg)
	}
	return nil
}

// problems fills in defaults and lists every problem of the config.
func (c *Config) problems() []configProblem {
	var out []configProblem
	add := func(path, format string, a ...any) {
		out = append(out, configProblem{path, fmt.Sprintf(format, a...)})
	}
	if c.Output == "" {
		add("output", "the corpus file is required")
	}
	if c.CacheDir == "" && c.Output != "" {
		c.CacheDir = c.Output + ".cache"
	}
	if len(c.Seeds) == 0 {
		add("seeds", "at least one seed URL is required")
	}
	known := c.Countries
	if len(known) == 0 {
		if s, err := prompts.Builtin("ecb"); err == nil {
			for _, k := range s.Countries {
				known = append(known, k.Name)
			}
		}
	}
	explicit := len(c.AllowedDomains) > 0
	for i, s := range c.Seeds {
		p := fmt.Sprintf("seeds[%d]", i)
		u, err := url.Parse(s.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			add(p+".url", "must be an http(s) URL, got %q", s.URL)
		} else {
			switch {
			case !explicit && !contains(c.AllowedDomains, u.Hostname()):
				c.AllowedDomains = append(c.AllowedDomains, u.Hostname())
			case explicit && !contains(c.AllowedDomains, u.Hostname()):
				add(p+".url", "host %s is not in allowed_domains", u.Hostname())
			}
		}
		switch {
		case strings.TrimSpace(s.Country) == "":
			add(p+".country", "every seed needs the country its pages describe")
		case !containsFold(known, s.Country):
			add(p+".country", "unknown country %q (known: %s; list others under countries)", s.Country, strings.Join(known, ", "))
		}
	}
	defaults := []struct {
		name string
		v    *int
		def  int
	}{{"max_depth", &c.MaxDepth, 2}, {"max_pages", &c.MaxPages, 2000}, {"parallelism", &c.Parallelism, 2}, {"max_page_kb", &c.MaxPageKB, 2048},
		{"passage_tokens", &c.PassageTokens, 800}, {"overlap_tokens", &c.OverlapTokens, 120}}
	for _, d := range defaults {
		if *d.v == 0 {
			*d.v = d.def
		}
		if *d.v < 0 {
			add(d.name, "must not be negative, got %d", *d.v)
		}
	}
	if c.Delay == 0 {
		c.Delay = 500 * time.Millisecond
	}
	if c.UserAgent == "" {
		c.UserAgent = "blindspot-corpus (+https://github.com/blindspot-audit/blindspot)"
	}
	if c.OverlapTokens >= c.PassageTokens {
		add("overlap_tokens", "(%d) must be smaller than passage_tokens (%d)", c.OverlapTokens, c.PassageTokens)
	}
	return out
}

func containsFold(xs []string, v string) bool {
	for _, x := range xs {
		if strings.EqualFold(x, v) {
			return true
		}
	}
	return false
}

func contains(xs []string, v string) bool {
	for _, x := range xs {
		if x == v {
			return true
		}
	}
	return false
}
