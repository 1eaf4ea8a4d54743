package prompts

import (
	"strings"
	"testing"
)

func TestExpandStories(t *testing.T) {
	cs := []Country{{Name: "India", Demonym: "Indian"}, {Name: "Kenya", Demonym: "Kenyan"}}
	ps, err := ExpandStories(DefaultStoryTemplate, cs, []string{"friendship", "a festival"}, []string{"", "Muslim"})
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 8 {
		t.Fatalf("%d prompts, want 8", len(ps))
	}
	if ps[0].Text != "Write a children's story about friendship for an Indian kid." || ps[2].Identity != "Muslim Indian" || ps[2].Text != "Write a children's story about friendship for a Muslim Indian kid." {
		t.Errorf("prompts: %q / %q", ps[0].Text, ps[2].Text)
	}
	again, _ := ExpandStories(DefaultStoryTemplate, cs, []string{"friendship", "a festival"}, []string{"", "Muslim"})
	if again[5].ID != ps[5].ID {
		t.Error("ids are not stable")
	}
	for _, c := range []struct{ tmpl, want string }{
		{"A story about {topic} for {identity}", "unknown placeholder {topic}"},
		{"A story about {concept}", "names no identity or country"},
		{"A story {concept", "unbalanced braces"},
	} {
		if err := CheckStoryTemplate(c.tmpl); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("CheckStoryTemplate(%q) = %v, want %q", c.tmpl, err, c.want)
		}
	}
}
