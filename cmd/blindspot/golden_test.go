package main

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// TestGolden compares command output with files under testdata/; run
// `go test ./cmd/blindspot -run Golden -update` after an intended change.
func TestGolden(t *testing.T) {
	t.Parallel()
	tests := []struct {
		golden string
		args   []string
	}{
		{"grid-ecb.json", []string{"grid", "examples/ecb.yaml", "--json"}},
		{"grid-quickstart.txt", []string{"grid", "examples/quickstart.yaml"}},
		{"grid-quickstart-prompts.jsonl", []string{"grid", "examples/quickstart.yaml", "--prompts"}},
	}
	for _, tc := range tests {
		t.Run(tc.golden, func(t *testing.T) {
			code, out, errs := runCLI(t, "../..", tc.args...)
			if code != ExitOK {
				t.Fatalf("exit %d: %s", code, errs)
			}
			path := filepath.Join("testdata", tc.golden)
			if *update {
				if err := os.MkdirAll("testdata", 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if out != string(want) {
				t.Errorf("output differs from %s (run with -update if intended):\n%s", path, out)
			}
		})
	}
}
