package registry

import (
	"context"
	"testing"

	"github.com/blindspot-audit/blindspot/generators"
)

func TestSimServesEveryRole(t *testing.T) {
	p, ok := Lookup("sim")
	if !ok {
		t.Fatal("sim not registered")
	}
	for _, r := range generators.Roles() {
		if !p.Serves(r) {
			t.Errorf("sim does not serve %s", r)
		}
	}
	ep, err := Open(Config{Name: "s", Provider: "sim"})
	if err != nil || ep.Generator == nil || ep.Editor == nil || ep.Chat == nil || ep.Embedder == nil {
		t.Fatalf("open: %v %+v", err, ep)
	}
	if _, err := ep.Generator.Generate(context.Background(), generators.ImageRequest{Prompt: "House in Kenya"}); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(Config{Name: "x", Provider: "nope"}); err == nil {
		t.Fatal("unknown provider opened")
	}
}
