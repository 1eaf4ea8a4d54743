package reports

// An editor's chains that start from several text-to-image models' images
// are measured apart (store.Metric.BaseModel). Tables of chain measures
// show an "Images of" column only when some editor has chains from more
// than one model: with one, it would repeat one name on every row.

// severalBases reports whether some editor's rows name more than one base
// model.
func severalBases[R any](rows []R, key func(R) (editor, base string)) bool {
	seen := map[string]string{}
	for _, r := range rows {
		editor, base := key(r)
		if prev, ok := seen[editor]; ok && prev != base {
			return true
		}
		seen[editor] = base
	}
	return false
}

// withBase puts the base model's cell after the editor's (the first
// cell) when bases are shown.
func withBase(cells []string, bases bool, base string) []string {
	if !bases {
		return cells
	}
	return append([]string{cells[0], base}, cells[1:]...)
}

// editorLabel names an editor, and with bases the text-to-image model
// whose images its chains start from: "sim-editor on sim-t2i's images".
func editorLabel(editor, base string, bases bool) string {
	if !bases || base == "" {
		return editor
	}
	return editor + " on " + base + "'s images"
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
