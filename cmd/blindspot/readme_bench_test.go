package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestReadmeBenchmarksExist checks that every `go test ./PKG ... -bench
// PATTERN` command of the README matches a benchmark of that package: a
// command naming the wrong package runs nothing and reports nothing.
func TestReadmeBenchmarksExist(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	cmd := regexp.MustCompile("go test ((?:\\./[\\w/.]+ ?)+)[^`]*?-bench '?([^' `]+)'?")
	bench := regexp.MustCompile(`(?m)^func (Benchmark\w+)\(`)
	found := 0
	for _, m := range cmd.FindAllStringSubmatch(string(readme), -1) {
		pattern, err := regexp.Compile(m[2])
		if err != nil {
			t.Errorf("README: %q: -bench %q is not a pattern: %v", m[0], m[2], err)
			continue
		}
		for _, pkg := range strings.Fields(m[1]) {
			found++
			files, _ := filepath.Glob(filepath.Join("../..", pkg, "*_test.go"))
			matched := false
			for _, f := range files {
				src, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				for _, b := range bench.FindAllStringSubmatch(string(src), -1) {
					if pattern.MatchString(b[1]) {
						matched = true
					}
				}
			}
			if !matched {
				t.Errorf("README: %q: no benchmark in %s matches %q", m[0], pkg, m[2])
			}
		}
	}
	if found < 10 {
		t.Fatalf("found %d benchmark commands in the README; the pattern no longer reads them", found)
	}
}
