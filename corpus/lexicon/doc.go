// Package lexicon finds culturally specific items (CSIs) in text: person
// names, kinship terms, places, foods, festivals and clothing of each
// culture, from an embedded default lexicon for the built-in countries
// that spec files can extend. Matching is by whole words and phrases, case
// insensitive.
package lexicon
