package store

import (
	"strings"
	"testing"
)

func TestFollowChain(t *testing.T) {
	// a -> b (loop), a -> x (other chain), b -> c (loop), c -> y (other)
	children := map[string][]string{"a": {"x", "b"}, "b": {"c"}, "c": {"y"}}
	loop := map[string]bool{"a": true, "b": true, "c": true}
	got := FollowChain("a", func(s string) []string { return children[s] }, func(s string) bool { return loop[s] })
	if strings.Join(got, ",") != "a,b,c" {
		t.Errorf("FollowChain = %v, want a,b,c", got)
	}
	if got := FollowChain("z", func(string) []string { return nil }, func(string) bool { return true }); len(got) != 1 {
		t.Errorf("a chain of one step: %v", got)
	}
}
