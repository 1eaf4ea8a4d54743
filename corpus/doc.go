// Package corpus will hold the reference corpus of the culture-aware RAG
// judge: crawled and embedded per-country passages with their provenance,
// split by section, and their retrieval. It is filled in by the RAG-VQA
// issue; the judge of the backbone asks its questions without retrieval.
package corpus
