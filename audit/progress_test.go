package audit

import (
	"context"
	"sync"
	"testing"
)

// countingProgress records every Add, per stage.
type countingProgress struct {
	mu      sync.Mutex
	total   map[string]int
	largest map[string]int
}

func (p *countingProgress) Add(stage string, n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.total == nil {
		p.total, p.largest = map[string]int{}, map[string]int{}
	}
	p.total[stage] += n
	p.largest[stage] = max(p.largest[stage], n)
}

// TestJudgeProgressCountsCalls: the judge stage's progress moves a call at
// a time and ends at the planned call count, the count grid prints, both
// when the calls are made and when a re-run resumes them all.
func TestJudgeProgressCountsCalls(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	a := loadSpec(t, biasSpec+"judge: {ratings: true}\n")
	var first countingProgress
	r := runAll(t, a, dir, Options{Progress: &first})
	planned := r.Plan.Counts.JudgeCalls
	if planned <= r.Plan.Counts.Images {
		t.Fatalf("planned judge calls %d for %d images: the plan counts images, not calls", planned, r.Plan.Counts.Images)
	}
	stages, err := r.Run.DB().CallsByStage(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	recorded := 0
	for _, s := range stages {
		if s.Stage == StageJudge {
			recorded = int(s.Made + s.CacheHits)
		}
	}
	if first.total[StageJudge] != planned || recorded != planned {
		t.Errorf("judge progress %d, calls recorded %d, planned %d: want all equal", first.total[StageJudge], recorded, planned)
	}
	if first.largest[StageJudge] != 1 {
		t.Errorf("judge progress moved %d calls at once, want one call at a time", first.largest[StageJudge])
	}
	r.Close()
	var again countingProgress
	runAll(t, a, dir, Options{Progress: &again})
	if again.total[StageJudge] != planned {
		t.Errorf("re-run: judge progress %d, want the planned %d", again.total[StageJudge], planned)
	}
}
