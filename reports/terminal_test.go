package reports

import (
	"fmt"
	"io"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestFitTable: a table wider than TerminalWidth is split into tables
// that each repeat the key column and fit; Wide keeps it on one line.
func TestFitTable(t *testing.T) {
	render := func(wide bool) string {
		var b strings.Builder
		var w io.Writer = &b
		if wide {
			w = Wide(&b)
		}
		tb := newFitTable(w, 1)
		head := []string{"Model"}
		row := []string{"a-model"}
		for i := 0; i < 12; i++ {
			head = append(head, fmt.Sprintf("Country number %d", i))
			row = append(row, fmt.Sprintf("0.%02d [0.10, 0.90]", i))
		}
		tb.Header(head...)
		if err := tb.Append(row); err != nil {
			t.Fatal(err)
		}
		if err := tb.Render(); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	widest := func(s string) int {
		n := 0
		for _, l := range strings.Split(s, "\n") {
			n = max(n, utf8.RuneCountInString(l))
		}
		return n
	}
	split := render(false)
	if n := widest(split); n > TerminalWidth {
		t.Errorf("split table is %d columns wide:\n%s", n, split)
	}
	if got := strings.Count(split, "a-model"); got < 2 {
		t.Errorf("the key column is printed %d times, want once per part:\n%s", got, split)
	}
	for i := 0; i < 12; i++ {
		if !strings.Contains(split, fmt.Sprintf("Country number %d ", i)) || !strings.Contains(split, fmt.Sprintf("0.%02d [0.10, 0.90]", i)) {
			t.Errorf("column %d is missing:\n%s", i, split)
		}
	}
	wide := render(true)
	if n := widest(wide); n <= TerminalWidth || strings.Count(wide, "a-model") != 1 {
		t.Errorf("--wide table: %d columns, key printed %d times:\n%s", n, strings.Count(wide, "a-model"), wide)
	}
}
