// Package metrics derives every figure of an audit from the run store
// alone (and the images in the blob store): judge accuracy and cultural
// ratings, attribution shares and the Global-North share, CUBE and
// quality-weighted Vendi diversity, edit drift, CLIPScore and aesthetic
// scores, best/worst picks, story metrics, seed duplicates, the judge's
// parse rates and health, and the permutation tests between countries. It
// calls no model: Compute can be re-run at will, and Summarize reads the
// stored rows back for the terminal, the report and --json. A metric that
// cannot be computed honestly is withheld with its n, asked and parse rate.
package metrics
