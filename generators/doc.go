// Package generators defines the roles a model endpoint can play in an
// audit (image generator, image editor, chat model, embedder), the request
// and response types they share, and the error classes every provider must
// use. Providers live one per folder below this one and are listed in
// generators/registry. Cross-cutting call policy (cache, budget, rate limit,
// concurrency, retry) is not a provider's business: it wraps providers in
// package audit/policy.
package generators
