package review

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"unicode"

	"github.com/blindspot-audit/blindspot/audit/spec"
	"github.com/blindspot-audit/blindspot/audit/stats"
	"github.com/blindspot-audit/blindspot/audit/store"
)

// Format names this version of the sheet layout; import refuses others.
const Format = "blindspot-review-1"

// Columns of the Ratings sheet, in order. Import finds them by these
// headers, so a program that keeps headers but moves columns still works.
var Columns = []string{
	"Item ID", "Group", "Image", "What the image should show", "Model", "Step",
	"Image Quality (1-5)", "Cultural Representation (1-5)", "Prompt Alignment (1-5)",
	"Best in group", "Worst in group", "Comment", "Integrity",
}

// Column indexes into Columns.
const (
	colID = iota
	colGroup
	colImage
	colText
	colModel
	colStep
	colQuality
	colCultural
	colAlignment
	colBest
	colWorst
	colComment
	colIntegrity
)

// Sheet is one file to send: the items of one country, for one named
// reviewer or for whoever fills it in.
type Sheet struct {
	Name     string // file stem: review-Kenya or review-Kenya-amina
	Country  string
	Reviewer string
	Groups   []Group // in the order of the rows
	Models   map[string]string
	// Translations are the prompts in the country's languages, by
	// language, for its reviewers to check.
	Translations map[string][]store.Translation
}

// Plan arranges sampled groups into sheets: one per country, or one per
// named reviewer of that country, each with its own seeded row order.
func Plan(groups []Group, cfg spec.Review) []Sheet {
	byCountry := map[string][]Group{}
	for _, g := range groups {
		byCountry[g.Country] = append(byCountry[g.Country], g)
	}
	countries := make([]string, 0, len(byCountry))
	for c := range byCountry {
		countries = append(countries, c)
	}
	sort.Strings(countries)
	models := blindLabels(groups, cfg)
	var out []Sheet
	used := map[string]bool{}
	for _, c := range countries {
		reviewers := cfg.Reviewers[c]
		if len(reviewers) == 0 {
			reviewers = []string{""}
		}
		for _, r := range reviewers {
			name := "review-" + safe(c)
			if r != "" {
				name += "-" + safe(r)
			}
			// Two names that differ only in what safe replaced stay apart.
			for base, i := name, 2; used[strings.ToLower(name)]; i++ {
				name = fmt.Sprintf("%s-%d", base, i)
			}
			used[strings.ToLower(name)] = true
			gs := append([]Group(nil), byCountry[c]...)
			seed := stats.Seed("rows", fmt.Sprint(cfg.Seed), name)
			rng := rand.New(rand.NewPCG(seed, seed>>1|1))
			rng.Shuffle(len(gs), func(i, j int) { gs[i], gs[j] = gs[j], gs[i] })
			out = append(out, Sheet{Name: name, Country: c, Reviewer: r, Groups: gs, Models: models})
		}
	}
	return out
}

// blindLabels maps model names to what reviewers see: the names, or
// "Model A", "Model B", ... in a seeded order.
func blindLabels(groups []Group, cfg spec.Review) map[string]string {
	seen := map[string]bool{}
	var names []string
	for _, g := range groups {
		for _, it := range g.Items {
			if !seen[it.Model] {
				seen[it.Model] = true
				names = append(names, it.Model)
			}
		}
	}
	sort.Strings(names)
	out := map[string]string{}
	if cfg.Blind != nil && !*cfg.Blind {
		for _, n := range names {
			out[n] = n
		}
		return out
	}
	seed := stats.Seed("blind", fmt.Sprint(cfg.Seed))
	rng := rand.New(rand.NewPCG(seed, seed>>1|1))
	rng.Shuffle(len(names), func(i, j int) { names[i], names[j] = names[j], names[i] })
	for i, n := range names {
		out[n] = "Model " + letters(i)
	}
	return out
}

func letters(i int) string {
	s := ""
	for i++; i > 0; i = (i - 1) / 26 {
		s = string(rune('A'+(i-1)%26)) + s
	}
	return s
}

// safe makes a file-name part of a country or reviewer name from a spec:
// letters, digits, '-' and '_' only (no dot, no separator, so never a path
// out of the folder), at most 60 characters.
func safe(s string) string {
	var b strings.Builder
	n := 0
	for _, r := range s {
		if n == 60 {
			break
		}
		n++
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_' {
			b.WriteRune(r)
		} else {
			b.WriteRune('_')
		}
	}
	return b.String()
}

// Integrity is the hidden check value of a row: it ties the row's item to
// this run, so an edited id or a row from another run's sheet is caught.
func Integrity(runID string, it Item, country, group string) string {
	h := sha256.New()
	for _, p := range []string{runID, it.ID, country, group, it.ImageID, fmt.Sprint(it.Step)} {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}
