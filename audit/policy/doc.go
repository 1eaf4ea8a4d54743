// Package policy is the call policy every endpoint call goes through,
// written once as a chain of wrappers around the provider call:
//
//	cache -> budget -> retry -> rate limit -> concurrency -> timeout -> provider
//
// Retry sits outside the rate limiter and the concurrency slot, so a call
// waiting out its backoff holds no slot and every attempt is paced. A
// failure is never a panic or an abort: it comes back as an Outcome with a
// class, for the engine to record.
package policy
