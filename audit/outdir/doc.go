// Package outdir guards the folders Blindspot writes (a report, an export,
// review sheets): a command may fill a new or empty folder, or replace one
// it wrote before (which holds its marker file), but never a folder of the
// user's, the run directory or a folder that holds it (Check, Mark).
// Temporary folders name their writer, so that one a killed process left
// is removed by the next writer and no other is (MarkTemp, CleanStale).
// New files and folders get the process's umask (FilePerm, DirPerm).
package outdir
