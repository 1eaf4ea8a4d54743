// Package audit runs an audit: it expands a spec into work, streams every
// item through the stages (generate -> edit chain -> judge -> embed) with
// each endpoint call going through the call policy, records everything in
// the run store, then computes metrics from the store alone.
//
// The run is an ordered list of named stages (see Stages); an item moves on
// as soon as its input exists, and a killed run resumes where it stopped:
// a task already completed in the run store is never repeated.
package audit
