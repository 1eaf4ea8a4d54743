package spec

import (
	"os"
	"path/filepath"
	"testing"
)

// TestWhereAgreesWithParse: Where gives the output folder and store that
// Parse gives, for written and default outputs.
func TestWhereAgreesWithParse(t *testing.T) {
	for _, f := range []string{"../../examples/quickstart.yaml", "../../examples/ecb.yaml", "../../examples/stories.yaml"} {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, variant := range []struct{ file, text string }{{f, string(data)}, {"/x/my-audit.yml", "countries: [Kenya]\n" + string(data)}} {
			a, err := Parse(variant.file, []byte(variant.text), func(p string) ([]byte, error) { return ReadFile(filepath.Join(filepath.Dir(f), p)) })
			if err != nil {
				continue // the second variant may not validate; Where only reads
			}
			out, store, ok := Where(variant.file, []byte(variant.text))
			if !ok || out != a.Output || store != a.Store {
				t.Errorf("%s: Where %q %q %v, Parse %q %q", variant.file, out, store, ok, a.Output, a.Store)
			}
		}
	}
	if out, _, ok := Where("/x/my-audit.yml", []byte("samples: 2\n")); !ok || out != filepath.Join("runs", "my-audit") {
		t.Errorf("default output: %q %v", out, ok)
	}
	if _, _, ok := Where("x.yaml", []byte("name: [")); ok {
		t.Error("broken YAML read")
	}
}
