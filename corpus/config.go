package corpus

import (
	"bytes"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
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
}

// Seed is a start page and the country (and optional category) of what is
// reached from it.
type Seed struct {
	URL      string `yaml:"url"`
	Country  string `yaml:"country"`
	Category string `yaml:"category"`
}

// LoadConfig reads and checks a build config; paths resolve against the
// config's folder.
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
	dir := filepath.Dir(path)
	for _, p := range []*string{&c.Output, &c.CacheDir} {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(dir, *p)
		}
	}
	if err := c.check(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &c, nil
}

func (c *Config) check() error {
	if c.Output == "" {
		return fmt.Errorf("output: the corpus file is required")
	}
	if c.CacheDir == "" {
		c.CacheDir = c.Output + ".cache"
	}
	if len(c.Seeds) == 0 {
		return fmt.Errorf("seeds: at least one seed URL is required")
	}
	explicit := len(c.AllowedDomains) > 0
	for i, s := range c.Seeds {
		u, err := url.Parse(s.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("seeds[%d].url: must be an http(s) URL, got %q", i, s.URL)
		}
		if strings.TrimSpace(s.Country) == "" {
			return fmt.Errorf("seeds[%d].country: every seed needs the country its pages describe", i)
		}
		switch {
		case !explicit && !contains(c.AllowedDomains, u.Hostname()):
			c.AllowedDomains = append(c.AllowedDomains, u.Hostname())
		case explicit && !contains(c.AllowedDomains, u.Hostname()):
			return fmt.Errorf("seeds[%d].url: host %s is not in allowed_domains", i, u.Hostname())
		}
	}
	defaults := []struct {
		v   *int
		def int
	}{{&c.MaxDepth, 2}, {&c.MaxPages, 2000}, {&c.Parallelism, 2}, {&c.MaxPageKB, 2048}, {&c.PassageTokens, 800}, {&c.OverlapTokens, 120}}
	for _, d := range defaults {
		if *d.v == 0 {
			*d.v = d.def
		}
		if *d.v < 0 {
			return fmt.Errorf("limits must not be negative")
		}
	}
	if c.Delay == 0 {
		c.Delay = 500 * time.Millisecond
	}
	if c.UserAgent == "" {
		c.UserAgent = "blindspot-corpus (+https://github.com/blindspot-audit/blindspot)"
	}
	if c.OverlapTokens >= c.PassageTokens {
		return fmt.Errorf("overlap_tokens (%d) must be smaller than passage_tokens (%d)", c.OverlapTokens, c.PassageTokens)
	}
	return nil
}

func contains(xs []string, v string) bool {
	for _, x := range xs {
		if x == v {
			return true
		}
	}
	return false
}
