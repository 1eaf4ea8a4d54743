// Package prompts holds the cultural schema (countries, categories,
// subcategories, variants and templates) and expands it into the
// deterministic prompt grid an audit runs: country-specific prompts,
// country-agnostic prompts (the same grid with the country removed) and
// edit instructions. The built-in schema "ecb" reproduces the ECB paper's
// grid: 78 prompts per country, 468 for its six countries.
package prompts
