package vqa

// Tally counts a judge's yes/no answers against their expected answers.
// TP: expected yes, answered yes; FP: expected no, answered yes; TN:
// expected no, answered no; FN: expected yes, answered no. Refused and
// unparsed answers count as asked but not answered.
type Tally struct {
	Questions, Answered int
	TP, FP, TN, FN      int
}

// Add counts one answer.
func (t *Tally) Add(expected, parsed string) {
	t.Questions++
	switch {
	case parsed != "yes" && parsed != "no":
		return
	case expected == "yes" && parsed == "yes":
		t.TP++
	case expected == "no" && parsed == "yes":
		t.FP++
	case expected == "no" && parsed == "no":
		t.TN++
	case expected == "yes" && parsed == "no":
		t.FN++
	}
	t.Answered++
}

// Accuracy is (TP+TN)/answered; ok is false when nothing was answered.
func (t Tally) Accuracy() (v float64, ok bool) { return ratio(t.TP+t.TN, t.Answered) }

func ratio(a, b int) (float64, bool) {
	if b == 0 {
		return 0, false
	}
	return float64(a) / float64(b), true
}
