// Command blindspot audits generative image models for cultural bias: it
// expands a spec into a prompt grid, calls the models within rate limits and
// a budget, caches every response, judges and embeds the images, and reports.
//
// Usage:
//
//	blindspot init [DIR]          write a starter spec
//	blindspot grid SPEC           show the prompt grid, call counts and cost
//	blindspot run SPEC            run (or resume) an audit
//	blindspot summary RUN_DIR     print a run's summary again
//
// Exit codes are listed in exit.go and in the README.
package main
