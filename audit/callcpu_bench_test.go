//go:build unix

package audit

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/blindspot-audit/blindspot/generators/sim"
)

// helperServerEnv makes the test binary, started by startSimServer, serve
// the simulator instead of running tests; its value is the latency.
const helperServerEnv = "BLINDSPOT_HELPER_SIM_LATENCY"

// TestHelperSimServer is not a test: it is the simulator's HTTP server in
// a process of its own, so that a benchmark's CPU time (getrusage) is the
// client's alone while the two still share the machine's cores, as they
// do when serve-sim and a run share one machine. It serves until its
// standard input closes.
func TestHelperSimServer(t *testing.T) {
	lat := os.Getenv(helperServerEnv)
	if lat == "" {
		t.Skip("started by benchmarks only")
	}
	d, err := time.ParseDuration(lat)
	if err != nil {
		t.Fatal(err)
	}
	p, err := sim.New(sim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: (&sim.Server{Models: map[string]*sim.Provider{"sim-diffusion": p}, Latency: d}).Handler()}
	go srv.Serve(ln)
	fmt.Printf("listening %s\n", ln.Addr())
	bufio.NewReader(os.Stdin).ReadString('\n')
	srv.Close()
}

// startSimServer starts TestHelperSimServer and returns its base URL.
func startSimServer(b *testing.B, latency time.Duration) string {
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperSimServer$")
	cmd.Env = append(os.Environ(), helperServerEnv+"="+latency.String())
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		stdin.Close()
		cmd.Wait()
	})
	var addr string
	if _, err := fmt.Fscanf(bufio.NewReader(out), "listening %s\n", &addr); err != nil {
		b.Fatalf("the helper server did not start: %v", err)
	}
	return "http://" + addr
}

// cpuTime is the CPU time this process has used, user and system.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// imageRequest is one text-to-image request of a bare client.
type imageRequest struct {
	prompt string
	seed   int64
}

// bareImageCalls is the least a Go client can do for the same images:
// send each request on conc connections, read the JSON and decode the
// image's base64. It returns calls per second and CPU per call.
func bareImageCalls(b *testing.B, url string, reqs []imageRequest, conc int) (float64, time.Duration) {
	cl := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conc}}
	defer cl.CloseIdleConnections()
	var next atomic.Int64
	var wg sync.WaitGroup
	cpu0, start := cpuTime(b), time.Now()
	for w := 0; w < conc; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1) - 1; i < int64(len(reqs)); i = next.Add(1) - 1 {
				body, _ := json.Marshal(map[string]any{"model": "sim-diffusion", "prompt": reqs[i].prompt, "seed": reqs[i].seed, "n": 1, "response_format": "b64_json"})
				resp, err := cl.Post(url+"/v1/images/generations", "application/json", bytes.NewReader(body))
				if err != nil {
					b.Error(err)
					return
				}
				if resp.StatusCode != http.StatusOK {
					msg, _ := io.ReadAll(io.LimitReader(resp.Body, 500))
					resp.Body.Close()
					b.Errorf("bare client: %s: %s", resp.Status, msg)
					return
				}
				var out struct {
					Data []struct {
						B64 string `json:"b64_json"`
					} `json:"data"`
				}
				err = json.NewDecoder(resp.Body).Decode(&out)
				resp.Body.Close()
				if err == nil && len(out.Data) == 1 {
					_, err = base64.StdEncoding.DecodeString(out.Data[0].B64)
				}
				if err != nil || len(out.Data) != 1 {
					b.Errorf("bare client: %v (%d images)", err, len(out.Data))
					return
				}
			}
		}()
	}
	wg.Wait()
	el, cpu := time.Since(start), cpuTime(b)-cpu0
	return float64(len(reqs)) / el.Seconds(), cpu / time.Duration(len(reqs))
}

// BenchmarkImageCallCPU compares a run's calling stage with a bare client
// on the same text-to-image requests, over HTTP to the simulator's server
// in another process (96-pixel PNGs, 50 ms latency, concurrency 64). The
// two processes share the machine's cores, so on a small machine the
// client's CPU per call decides the throughput. It reports each side's
// client CPU per call (cpu_ms_per_call, bare_cpu_ms_per_call) and
// throughput_vs_bare, the run's calls per second over the bare client's,
// and the run's allocation per call (alloc_kB_per_call), which, unlike CPU
// time, a busy machine does not blur.
func BenchmarkImageCallCPU(b *testing.B) {
	const conc, latency, calls, samples = 64, 50 * time.Millisecond, 2000, 5
	url := startSimServer(b, latency)
	a := loadSpec(b, fmt.Sprintf(`name: cpu
samples: %d
models:
  t2i:
    - {name: g, provider: openai, base_url: %s/v1, model: sim-diffusion, concurrency: %d, openai: {send_seed: true}}
`, samples, url, conc))
	plan, err := NewPlan(a)
	if err != nil {
		b.Fatal(err)
	}
	plan.Prompts = plan.Prompts[:min(len(plan.Prompts), calls/samples)]
	var reqs []imageRequest
	for _, p := range plan.Prompts {
		for _, seed := range a.SeedList {
			reqs = append(reqs, imageRequest{p.Text, seed})
		}
	}
	for i := 0; i < b.N; i++ {
		bareRate, bareCPU := bareImageCalls(b, url, reqs, conc)
		r := NewRunner(plan, Options{Dir: b.TempDir()})
		if err := stage(b, r, "open")(context.Background()); err != nil {
			b.Fatal(err)
		}
		var m0, m1 runtime.MemStats
		runtime.ReadMemStats(&m0)
		cpu0, start := cpuTime(b), time.Now()
		if err := stage(b, r, "execute")(context.Background()); err != nil {
			b.Fatal(err)
		}
		el, cpu := time.Since(start), cpuTime(b)-cpu0
		runtime.ReadMemStats(&m1)
		made := r.Engine.Stats.CallsMade.Load()
		if failed := r.Engine.Stats.Failed.Load(); failed > 0 || made != int64(len(reqs)) {
			b.Fatalf("%d calls made, %d failed; want %d made", made, failed, len(reqs))
		}
		r.Close()
		rate := float64(made) / el.Seconds()
		b.ReportMetric(float64(cpu.Microseconds())/1000/float64(made), "cpu_ms_per_call")
		b.ReportMetric(float64(bareCPU.Microseconds())/1000, "bare_cpu_ms_per_call")
		// Allocation per call does not vary with the machine's load as CPU
		// time does, and the collector's work follows it.
		b.ReportMetric(float64(m1.TotalAlloc-m0.TotalAlloc)/1024/float64(made), "alloc_kB_per_call")
		b.ReportMetric(rate, "calls/s")
		b.ReportMetric(rate/bareRate, "throughput_vs_bare")
	}
}
