package store

// FollowChain returns an edit chain from its first step to its last:
// at each step the child of the current image that continues the chain
// (same editor, chain and target, as sameChain decides), until none does.
func FollowChain[T any](first T, children func(T) []T, sameChain func(T) bool) []T {
	out := []T{first}
	for cur := first; ; {
		found := false
		for _, c := range children(cur) {
			if sameChain(c) {
				out, cur, found = append(out, c), c, true
				break
			}
		}
		if !found {
			return out
		}
	}
}
