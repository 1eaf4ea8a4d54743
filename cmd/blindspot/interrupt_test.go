package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/blindspot-audit/blindspot/generators/sim"
)

// requestLog records when each request arrived and how many were in
// flight per path, and holds each request latency long.
type requestLog struct {
	mu       sync.Mutex
	arrivals []time.Time
	inFlight map[string]int
	latency  time.Duration
	next     http.Handler
}

func (l *requestLog) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	l.mu.Lock()
	l.arrivals = append(l.arrivals, time.Now())
	l.inFlight[r.URL.Path]++
	latency := l.latency
	l.mu.Unlock()
	time.Sleep(latency)
	defer func() {
		l.mu.Lock()
		l.inFlight[r.URL.Path]--
		l.mu.Unlock()
	}()
	l.next.ServeHTTP(w, r)
}

// TestFirstInterruptStartsNoCall: after the first SIGINT, no request
// reaches the server (beyond those already sent), and at most each
// endpoint's concurrency is in flight; the run exits 130 and resumes.
func TestFirstInterruptStartsNoCall(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts the real binary")
	}
	bin := buildBinary(t)
	p, _ := sim.New(sim.Options{})
	log := &requestLog{inFlight: map[string]int{}, latency: 200 * time.Millisecond, next: (&sim.Server{Models: map[string]*sim.Provider{"sim": p}}).Handler()}
	srv := httptest.NewServer(log)
	defer srv.Close()
	dir := t.TempDir()
	spec := strings.ReplaceAll(`name: int
countries: [India, Kenya, Korea]
categories: [food, architecture]
samples: 2
models:
  t2i: [{name: g, provider: openai, base_url: URL/v1, model: sim, concurrency: 8, openai: {send_seed: true}}]
  vlm: [{name: j, provider: openai, base_url: URL/v1, model: sim, concurrency: 8}]
judge: {questions: 8}
output: run
`, "URL", srv.URL)
	os.WriteFile(filepath.Join(dir, "int.yaml"), []byte(spec), 0o644)
	cmd := exec.Command(bin, "run", "int.yaml", "-q")
	cmd.Dir = dir
	errb := &stampedWriter{}
	cmd.Stderr = errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for {
		time.Sleep(20 * time.Millisecond)
		log.mu.Lock()
		n := len(log.arrivals)
		log.mu.Unlock()
		if n >= 40 {
			break
		}
	}
	log.mu.Lock()
	inFlight := map[string]int{}
	for k, v := range log.inFlight {
		inFlight[k] = v
	}
	signalled := time.Now()
	cmd.Process.Signal(os.Interrupt)
	log.mu.Unlock()
	err := cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != ExitInterrupted {
		t.Fatalf("exit %v, want %d\n%s", err, ExitInterrupted, errb.String())
	}
	// The run says it is stopping once it has acted on the signal; on a
	// loaded machine that can be well after the signal was sent, and a
	// call begun in between is fair. None may begin after it.
	acted := errb.firstAfter(signalled)
	if acted.IsZero() {
		t.Fatalf("the run did not say it was stopping:\n%s", errb.String())
	}
	log.mu.Lock()
	after := 0
	for _, at := range log.arrivals {
		// A request the client had sent before it acted may land a moment later.
		if at.After(acted.Add(20 * time.Millisecond)) {
			after++
		}
	}
	total := len(log.arrivals)
	log.mu.Unlock()
	t.Logf("%d requests in all; in flight at the signal %v; the run acted on it after %v; %d arrived after that", total, inFlight, acted.Sub(signalled), after)
	if after != 0 {
		t.Errorf("%d requests arrived after the first interrupt", after)
	}
	for path, n := range inFlight {
		if n > 8 {
			t.Errorf("%d requests in flight on %s, concurrency 8", n, path)
		}
	}
	// The resume only has to finish: without the latency that made the
	// interrupt land mid-flight.
	log.mu.Lock()
	log.latency = 0
	log.mu.Unlock()
	resume := exec.Command(bin, "run", "int.yaml", "-q")
	resume.Dir = dir
	if out, err := resume.CombinedOutput(); err != nil {
		t.Fatalf("resume: %v\n%s", err, out)
	}
}

// stampedWriter keeps what is written and when each write came.
type stampedWriter struct {
	mu  sync.Mutex
	buf bytes.Buffer
	at  []time.Time
}

func (w *stampedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.at = append(w.at, time.Now())
	return w.buf.Write(p)
}

// firstAfter is the time of the first write after t (zero if none).
func (w *stampedWriter) firstAfter(t time.Time) time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, at := range w.at {
		if at.After(t) {
			return at
		}
	}
	return time.Time{}
}

func (w *stampedWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}
