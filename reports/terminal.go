package reports

import (
	"fmt"
	"io"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"
)

// NewTable is a terminal table whose headers print as written
// ("Global North (judge)", not "GLOBAL NORTH  ( JUDGE )").
func NewTable(w io.Writer) *tablewriter.Table {
	return tablewriter.NewTable(w, tablewriter.WithHeaderAutoFormat(tw.Off))
}

// TerminalWidth is the widest line the terminal summary aims for.
const TerminalWidth = 120

// wrap breaks text into lines of at most width columns, the first
// prefixed by first and the rest by indent.
func wrap(text, first, indent string, width int) string {
	var b strings.Builder
	line := first
	lineStart := true
	for _, word := range strings.Fields(text) {
		if !lineStart && len([]rune(line))+1+len([]rune(word)) > width {
			b.WriteString(line + "\n")
			line, lineStart = indent, true
		}
		if !lineStart {
			line += " "
		}
		line += word
		lineStart = false
	}
	b.WriteString(line + "\n")
	return b.String()
}

// wideWriter marks a writer whose tables keep all their columns on one
// line, however wide.
type wideWriter struct{ io.Writer }

// Wide returns w marked so that the tables printed to it are never split
// to fit TerminalWidth (the `--wide` flag).
func Wide(w io.Writer) io.Writer { return wideWriter{w} }

// fitTable is a terminal table that keeps within TerminalWidth: when its
// columns do not fit, it prints them in several tables, each repeating
// the key columns (the first keys) so every row stays readable.
type fitTable struct {
	w    io.Writer
	keys int
	head []string
	rows [][]string
}

func newFitTable(w io.Writer, keys int) *fitTable { return &fitTable{w: w, keys: keys} }

// writeRows prints rows of ready cells as one fitted table.
func writeRows(w io.Writer, keys int, head []string, rows [][]string) error {
	t := newFitTable(w, keys)
	t.Header(head...)
	for _, r := range rows {
		if err := t.Append(r); err != nil {
			return err
		}
	}
	return t.Render()
}

func (t *fitTable) Header(cols ...string) { t.head = cols }

func (t *fitTable) Append(row []string) error {
	t.rows = append(t.rows, row)
	return nil
}

// Render prints the table, split by columns where it would be too wide.
func (t *fitTable) Render() error {
	width := make([]int, len(t.head))
	for i, h := range t.head {
		width[i] = utf8.RuneCountInString(h)
	}
	for _, r := range t.rows {
		for i, c := range r {
			if i < len(width) {
				width[i] = max(width[i], utf8.RuneCountInString(c))
			}
		}
	}
	// A column takes its text, a space either side and a border.
	col := func(i int) int { return width[i] + 3 }
	keys := min(t.keys, len(t.head))
	keyWidth := 1
	for i := 0; i < keys; i++ {
		keyWidth += col(i)
	}
	limit := TerminalWidth
	if _, wide := t.w.(wideWriter); wide {
		limit = math.MaxInt
	}
	var groups [][]int
	var cur []int
	used := keyWidth
	for i := keys; i < len(t.head); i++ {
		if len(cur) > 0 && used+col(i) > limit {
			groups, cur, used = append(groups, cur), nil, keyWidth
		}
		cur = append(cur, i)
		used += col(i)
	}
	if len(cur) > 0 || len(groups) == 0 {
		groups = append(groups, cur)
	}
	for gi, g := range groups {
		if gi > 0 {
			fmt.Fprintln(t.w)
		}
		idx := make([]int, 0, keys+len(g))
		for i := 0; i < keys; i++ {
			idx = append(idx, i)
		}
		idx = append(idx, g...)
		tb := NewTable(t.w)
		head := make([]any, len(idx))
		for j, i := range idx {
			head[j] = t.head[i]
		}
		tb.Header(head...)
		for _, r := range t.rows {
			row := make([]string, len(idx))
			for j, i := range idx {
				if i < len(r) {
					row[j] = r[i]
				}
			}
			if err := tb.Append(row); err != nil {
				return err
			}
		}
		if err := tb.Render(); err != nil {
			return err
		}
	}
	return nil
}

// clip shortens text to n characters for a terminal cell.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
