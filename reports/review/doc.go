// Package review is the native-reviewer loop: it samples what reviewers
// rate (ECB's protocol: each edit chain at steps 0, 1, 3, 5, plus a
// prompt's seeds), writes one XLSX (or CSV) per reviewer group, reads the
// filled-in files back with every problem located at sheet!cell, records
// them all-or-nothing, and computes agreement between reviewers and with
// the automatic metrics.
package review
