// Package corpus is the reference text of the culture-aware RAG judge:
// passages with provenance, built by crawling reference pages (Build, with
// github.com/gocolly/colly/v2) or taken from the small embedded default
// corpus, and retrieved per image with BM25, same-country passages first,
// then those of the image's category.
package corpus
