// Package spec reads and validates an audit spec (YAML). Decoding is
// strict: unknown keys, wrong types, unknown countries or categories, bad
// template placeholders and out-of-range limits are all reported at once,
// each as file:line:column, field path and message.
package spec
