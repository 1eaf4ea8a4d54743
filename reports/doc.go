// Package reports renders what a run recorded: terminal tables of the
// summary and the HTML report folder. It reads only stored data, so a
// report can be rebuilt at any time without calling a model.
package reports
