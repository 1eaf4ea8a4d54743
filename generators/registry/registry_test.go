package registry

import (
	"context"
	"reflect"
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

// TestAdaptersComplete checks every provider's declaration: a name, roles,
// a description and Open; a provider with an options block also checks it
// and says what of it goes into the cache identity; every declared role
// is served by what Open returns.
func TestAdaptersComplete(t *testing.T) {
	for _, name := range Names() {
		p, _ := Lookup(name)
		if p.Name != name || len(p.Roles) == 0 || p.Doc == "" || p.Open == nil {
			t.Errorf("%s: incomplete declaration %+v", name, p)
		}
		if p.Options != nil {
			if p.Check == nil || p.Identity == nil {
				t.Errorf("%s: an options block needs Check and Identity", name)
			}
			if o := p.Options(); o == nil || reflect.TypeOf(o).Kind() != reflect.Pointer {
				t.Errorf("%s: Options must return a pointer for the decoder to fill, got %T", name, o)
			}
		}
	}
	// Opening needs no network: every provider opens from its defaults
	// (http needs its block, comfyui its workflows).
	for _, name := range []string{"sim", "openai", "a1111", "features", "infinity", "ollama"} {
		p, _ := Lookup(name)
		ep, err := Open(Config{Name: "e", Provider: name, BaseURL: "http://127.0.0.1:9"})
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		for _, r := range p.Roles {
			var served bool
			switch r {
			case generators.RoleT2I:
				served = ep.Generator != nil
			case generators.RoleI2I:
				served = ep.Editor != nil
			case generators.RoleVLM, generators.RoleLLM:
				served = ep.Chat != nil
			case generators.RoleEmbedder:
				served = ep.Embedder != nil
			case generators.RoleScorer:
				served = ep.Scorer != nil
			}
			if !served {
				t.Errorf("%s declares role %s but Open gives no implementation", name, r)
			}
		}
	}
}
