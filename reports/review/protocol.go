package review

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/blindspot-audit/blindspot/audit/spec"
	"github.com/blindspot-audit/blindspot/audit/store"
)

// Protocol is what a reviewer fills in per image: the rating scales and
// the error types to mark, as review.scales and review.tags declare
// (ECB's three 1-5 scales and no tags by default). An export records it
// in the run store, so the import reads the sheets it wrote.
type Protocol struct {
	Scales []spec.ReviewScale `json:"scales"`
	Tags   []spec.ReviewTag   `json:"tags,omitempty"`
}

// ProtocolOf is the protocol of a validated review block.
func ProtocolOf(cfg spec.Review) Protocol {
	p := Protocol{Scales: cfg.Scales, Tags: cfg.Tags}
	if len(p.Scales) == 0 {
		p.Scales = spec.ECBScales()
	}
	return p
}

// parseProtocol reads a recorded protocol; a run exported before
// protocols were recorded used ECB's.
func parseProtocol(s string) (Protocol, error) {
	if s == "" {
		return Protocol{Scales: spec.ECBScales()}, nil
	}
	var p Protocol
	if err := json.Unmarshal([]byte(s), &p); err != nil || len(p.Scales) == 0 {
		return Protocol{}, fmt.Errorf("the run store's review protocol is unreadable (%v); export the sheets again", err)
	}
	return p, nil
}

// loadProtocol reads the protocol the run's last export recorded.
func loadProtocol(ctx context.Context, run *store.Run) (Protocol, error) {
	stored, err := run.ReviewProtocol(ctx)
	if err != nil {
		return Protocol{}, err
	}
	return parseProtocol(stored)
}

func (p Protocol) encode() string {
	b, _ := json.Marshal(p)
	return string(b)
}

// The Ratings sheet's columns: the fixed ones (colID ... colStep), a
// column per scale, Best and Worst, a column per tag, the comment and the
// integrity check. With ECB's protocol they are Columns.

func (p Protocol) scaleCol(i int) int { return colStep + 1 + i }
func (p Protocol) bestCol() int       { return colStep + 1 + len(p.Scales) }
func (p Protocol) worstCol() int      { return p.bestCol() + 1 }
func (p Protocol) tagCol(i int) int   { return p.worstCol() + 1 + i }
func (p Protocol) commentCol() int    { return p.worstCol() + 1 + len(p.Tags) }
func (p Protocol) integrityCol() int  { return p.commentCol() + 1 }

// columns are the Ratings sheet's headers.
func (p Protocol) columns() []string {
	out := append([]string(nil), Columns[:colStep+1]...)
	for _, s := range p.Scales {
		out = append(out, scaleHeader(s))
	}
	out = append(out, Columns[colBest], Columns[colWorst])
	for _, t := range p.Tags {
		out = append(out, t.Title+" (x)")
	}
	return append(out, Columns[colComment], Columns[colIntegrity])
}

// inputCols are the columns a reviewer types in.
func (p Protocol) inputCols() []int {
	var out []int
	for i := range p.Scales {
		out = append(out, p.scaleCol(i))
	}
	out = append(out, p.bestCol(), p.worstCol())
	for i := range p.Tags {
		out = append(out, p.tagCol(i))
	}
	return append(out, p.commentCol())
}

func scaleHeader(s spec.ReviewScale) string {
	return fmt.Sprintf("%s (%d-%d)", s.Title, s.Min(), s.Max())
}

// choices are a scale's drop-down values: "4 - Good", or the bare points.
func choices(s spec.ReviewScale) []string {
	out := make([]string, 0, s.Max()-s.Min()+1)
	for v := s.Min(); v <= s.Max(); v++ {
		if len(s.Labels) > 0 {
			out = append(out, fmt.Sprintf("%d - %s", v, s.Labels[v-s.Min()]))
		} else {
			out = append(out, fmt.Sprint(v))
		}
	}
	return out
}

// scaleHint says what a scale's cell takes, for an error message.
func scaleHint(s spec.ReviewScale) string {
	h := fmt.Sprintf("%d to %d", s.Min(), s.Max())
	if len(s.Labels) > 0 {
		h += fmt.Sprintf(" (%d %s ... %d %s)", s.Min(), s.Labels[0], s.Max(), s.Labels[len(s.Labels)-1])
	}
	return h
}

// alignmentScale reports whether a scale is asked only where the item has
// a Prompt Alignment question (review.alignment).
func alignmentScale(s spec.ReviewScale) bool { return s.Name == "alignment" }

// pointValue reads a scale cell: "4", "4.0", "4 - Good", "Good"; 0 and
// true for a blank cell.
func pointValue(v string, s spec.ReviewScale) (int, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, true
	}
	for i, l := range s.Labels {
		if strings.EqualFold(v, l) {
			return s.Min() + i, true
		}
	}
	num := v
	rest := ""
	if i := strings.IndexAny(v, "-="); i > 0 {
		num, rest = strings.TrimSpace(v[:i]), strings.TrimSpace(strings.TrimLeft(v[i:], "-="))
	}
	num = strings.TrimSuffix(num, ".0")
	n := 0
	if len(num) == 0 || len(num) > 2 {
		return 0, false
	}
	for _, r := range num {
		if r < '0' || r > '9' {
			return 0, false
		}
		n = n*10 + int(r-'0')
	}
	if n < s.Min() || n > s.Max() {
		return 0, false
	}
	if rest != "" && (len(s.Labels) == 0 || !strings.EqualFold(rest, s.Labels[n-s.Min()])) {
		return 0, false
	}
	return n, true
}
