package main

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"github.com/blindspot-audit/blindspot/audit"
)

// progressUI shows task completions per stage: bars on a terminal, a plain
// line every interval otherwise, nothing when quiet.
type progressUI interface {
	audit.Progress
	Stop()
	// SetSpent gives the running spend (in US dollars, this run directory's
	// in all) once the budget exists.
	SetSpent(func() float64)
}

// spentFunc holds the running-spend function, set once the run is open.
type spentFunc struct{ v atomic.Value }

func (s *spentFunc) SetSpent(f func() float64) { s.v.Store(f) }

// text is ", $x.xx spent" ("" before the run is open).
func (s *spentFunc) text() string {
	f, _ := s.v.Load().(func() float64)
	if f == nil {
		return ""
	}
	return fmt.Sprintf("; $%.2f spent", f())
}

type stageTotal struct {
	name  string
	total int
}

func stageTotals(p *audit.Plan) []stageTotal {
	a := p.Audit
	var out []stageTotal
	c := p.Counts
	out = append(out, stageTotal{audit.StageGenerate, c.T2I})
	if c.I2I > 0 {
		out = append(out, stageTotal{audit.StageEdit, c.I2I})
	}
	if len(a.Models.VLM) > 0 {
		out = append(out, stageTotal{audit.StageJudge, c.JudgeCalls})
	}
	if c.Stories > 0 {
		out = append(out, stageTotal{audit.StageStory, c.Stories})
	}
	if c.Picks > 0 {
		out = append(out, stageTotal{audit.StagePick, c.Picks})
	}
	if len(a.Models.Embedder) > 0 {
		out = append(out, stageTotal{audit.StageEmbed, c.Images * len(a.Models.Embedder)})
	}
	if len(a.Models.Scorer) > 0 {
		out = append(out, stageTotal{audit.StageScore, c.Score})
	}
	return out
}

type quietProgress struct{}

func (quietProgress) Add(string, int)         {}
func (quietProgress) Stop()                   {}
func (quietProgress) SetSpent(func() float64) {}

// barProgress draws one mpb bar per stage.
type barProgress struct {
	p    *mpb.Progress
	bars map[string]*mpb.Bar
	spentFunc
}

func newBarProgress(w io.Writer, stages []stageTotal) *barProgress {
	b := &barProgress{p: mpb.New(mpb.WithOutput(w), mpb.WithWidth(40)), bars: map[string]*mpb.Bar{}}
	for i, s := range stages {
		var spend []decor.Decorator
		if i == 0 { // the first bar carries the run's spend
			spend = append(spend, decor.Any(func(decor.Statistics) string { return b.text() }))
		}
		b.bars[s.name] = b.p.AddBar(int64(s.total),
			mpb.PrependDecorators(decor.Name(fmt.Sprintf("%-9s", s.name)), decor.CountersNoUnit("%d/%d", decor.WCSyncWidth)),
			mpb.AppendDecorators(append([]decor.Decorator{decor.Percentage(decor.WCSyncSpace), decor.Name(" ETA "), decor.AverageETA(decor.ET_STYLE_MMSS)}, spend...)...))
	}
	return b
}

func (b *barProgress) Add(stage string, n int) {
	if bar := b.bars[stage]; bar != nil {
		bar.IncrBy(n)
	}
}

func (b *barProgress) Stop() {
	for _, bar := range b.bars {
		bar.Abort(false)
	}
	b.p.Wait()
}

// lineProgress prints "progress: generate 10/20, judge 4/20" periodically.
type lineProgress struct {
	w      io.Writer
	stages []stageTotal
	done   map[string]*atomic.Int64
	stop   chan struct{}
	wg     sync.WaitGroup
	start  time.Time
	spentFunc
}

func newLineProgress(w io.Writer, stages []stageTotal, every time.Duration) *lineProgress {
	l := &lineProgress{w: w, stages: stages, done: map[string]*atomic.Int64{}, stop: make(chan struct{}), start: time.Now()}
	for _, s := range stages {
		l.done[s.name] = new(atomic.Int64)
	}
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				l.print()
			case <-l.stop:
				return
			}
		}
	}()
	return l
}

func (l *lineProgress) Add(stage string, n int) {
	if d := l.done[stage]; d != nil {
		d.Add(int64(n))
	}
}

func (l *lineProgress) print() {
	parts := make([]string, len(l.stages))
	var done, total int64
	for i, s := range l.stages {
		d := l.done[s.name].Load()
		parts[i] = fmt.Sprintf("%s %d/%d", s.name, d, s.total)
		done, total = done+min(d, int64(s.total)), total+int64(s.total)
	}
	fmt.Fprintf(l.w, "progress: %s%s%s\n", strings.Join(parts, ", "), eta(time.Since(l.start), done, total), l.text())
}

// eta estimates the time left from the share of tasks done so far ("" until
// there is something to go on, or when all is done).
func eta(elapsed time.Duration, done, total int64) string {
	if done <= 0 || done >= total || elapsed < time.Second {
		return ""
	}
	left := time.Duration(float64(elapsed) * float64(total-done) / float64(done))
	if left < time.Second {
		return "; under a second left"
	}
	return fmt.Sprintf("; about %s left", left.Round(time.Second))
}

func (l *lineProgress) Stop() {
	close(l.stop)
	l.wg.Wait()
	l.print()
}
