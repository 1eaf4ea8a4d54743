package lexicon

import (
	"strings"
	"testing"
)

func TestFind(t *testing.T) {
	l := Default()
	text := "Once upon a time, Wanjiru lived near Lake Victoria with her shosho. She shared sukuma wiki and Pancakes with Emily at the mall."
	var got []string
	for _, h := range l.Find(text) {
		got = append(got, h.Term+"="+h.Owners[0].Country+"/"+h.Kind(h.Owners[0].Country))
	}
	want := "wanjiru=Kenya/names lake victoria=Kenya/places shosho=Kenya/kinship sukuma wiki=Kenya/foods pancakes=United States/foods emily=United States/names the mall=United States/places"
	if strings.Join(got, " ") != want {
		t.Errorf("Find:\n got %s\nwant %s", strings.Join(got, " "), want)
	}
	// A term of two cultures belongs to both.
	for _, h := range l.Find("a chapati") {
		if !h.Belongs("Kenya") || !h.Belongs("India") {
			t.Errorf("chapati owners %v", h.Owners)
		}
	}
}

func TestAddErrors(t *testing.T) {
	l := Default()
	for _, c := range []struct{ yaml, want string }{
		{"Kenya:\n  sports: [football]\n", "extra.yaml: Kenya.sports: unknown kind"},
		{"Kenya:\n  foods: [\"\"]\n", "Kenya.foods[0]: a term is 1 to 4 words"},
		{"Kenya: [x\n", "extra.yaml: yaml"},
	} {
		if err := l.Add("extra.yaml", []byte(c.yaml)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Add(%q): %v, want %q", c.yaml, err, c.want)
		}
	}
	if err := l.Add("extra.yaml", []byte("Ghana:\n  foods: [kenkey, banku]\n")); err != nil {
		t.Fatal(err)
	}
	if hs := l.Find("kenkey"); len(hs) != 1 || !hs[0].Belongs("Ghana") {
		t.Errorf("extended lexicon: %v", hs)
	}
}

func FuzzFind(f *testing.F) {
	f.Add("Wanjiru ate ugali at Lake Victoria")
	l := Default()
	f.Fuzz(func(t *testing.T, s string) {
		for _, h := range l.Find(s) {
			if len(h.Owners) == 0 || h.Term == "" {
				t.Fatalf("hit %+v", h)
			}
		}
	})
}
