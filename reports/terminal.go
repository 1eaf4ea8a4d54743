package reports

import (
	"io"
	"strings"

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
