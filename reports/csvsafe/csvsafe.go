// Package csvsafe keeps text written to CSV and spreadsheet cells from
// being run as a formula when a reviewer or analyst opens the file.
package csvsafe

// Neutralise prefixes text that a spreadsheet would evaluate (it starts
// with =, +, -, @, a tab or a carriage return) with an apostrophe, so it
// is shown as text.
func Neutralise(s string) string {
	if s != "" {
		switch s[0] {
		case '=', '+', '-', '@', '\t', '\r':
			return "'" + s
		}
	}
	return s
}
