package audit

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/blindspot-audit/blindspot/generators"
	"github.com/blindspot-audit/blindspot/generators/registry"
)

// fixedLatencyGenerator answers every request after a fixed delay with a
// small PNG unique to the request, like a real endpoint would.
type fixedLatencyGenerator struct {
	latency time.Duration
	calls   atomic.Int64
}

func (g *fixedLatencyGenerator) Generate(ctx context.Context, req generators.ImageRequest) (*generators.Response, error) {
	g.calls.Add(1)
	t := time.NewTimer(g.latency)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-t.C:
	}
	return &generators.Response{Image: uniquePNG(req.Prompt + "/" + fmt.Sprint(req.Seed)), Usage: generators.Usage{Images: 1}}, nil
}

// basePNG is a small image; uniquePNG adds a text chunk to make each
// response's bytes (and so its blob) distinct without encoding anew.
var basePNG = func() []byte {
	var buf bytes.Buffer
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 37)
	}
	img.Set(0, 0, color.RGBA{1, 2, 3, 255})
	if err := png.Encode(&buf, img); err != nil {
		panic(err)
	}
	return buf.Bytes()
}()

func uniquePNG(text string) []byte {
	const ihdrEnd = 8 + 25 // signature, then the IHDR chunk
	data := append([]byte("Comment\x00"), text...)
	chunk := make([]byte, 0, 12+len(data))
	chunk = binary.BigEndian.AppendUint32(chunk, uint32(len(data)))
	chunk = append(chunk, "tEXt"...)
	chunk = append(chunk, data...)
	chunk = binary.BigEndian.AppendUint32(chunk, crc32.ChecksumIEEE(chunk[4:]))
	out := append([]byte{}, basePNG[:ihdrEnd]...)
	out = append(out, chunk...)
	return append(out, basePNG[ihdrEnd:]...)
}

// benchSpec is a text-to-image-only audit of 468 prompts x samples seeds.
func benchSpec(samples, concurrency int) string {
	return fmt.Sprintf(`name: bench
samples: %d
models:
  t2i:
    - {name: fake, provider: sim, concurrency: %d}
`, samples, concurrency)
}

// runFake runs a whole audit against the fake endpoint and returns the
// elapsed time of the execute stage, the calls made and the peak heap.
func runFake(b *testing.B, samples, concurrency int, latency time.Duration, limit int) (time.Duration, int64, uint64) {
	a := loadSpec(b, benchSpec(samples, concurrency))
	p, err := NewPlan(a)
	if err != nil {
		b.Fatal(err)
	}
	p.Prompts = p.Prompts[:min(len(p.Prompts), (limit+samples-1)/samples)]
	r := NewRunner(p, Options{Dir: b.TempDir()})
	defer r.Close()
	ctx := context.Background()
	if err := stage(b, r, "open")(ctx); err != nil {
		b.Fatal(err)
	}
	gen := &fixedLatencyGenerator{latency: latency}
	r.Engine.Endpoints["fake"] = registry.Endpoint{Generator: gen}
	var peak atomic.Uint64
	stop := make(chan struct{})
	go func() {
		var ms runtime.MemStats
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	start := time.Now()
	if err := stage(b, r, "execute")(ctx); err != nil {
		b.Fatal(err)
	}
	el := time.Since(start)
	close(stop)
	return el, gen.calls.Load(), peak.Load()
}

// BenchmarkEngineOverhead measures the engine (call policy, cache, blob
// store, run store) against an in-process endpoint with a fixed 20 ms
// latency at concurrency 64: the ideal throughput is 64/20ms = 3200
// calls/s, and throughput_ratio is the share of it reached. peak_heap_MB at
// 2,500 and 10,000 calls shows whether memory grows with the grid.
func BenchmarkEngineOverhead(b *testing.B) {
	const conc, latency = 64, 20 * time.Millisecond
	for _, n := range []int{2500, 10000} {
		b.Run(fmt.Sprintf("calls=%d", n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				el, calls, peak := runFake(b, 22, conc, latency, n)
				ideal := float64(conc) / latency.Seconds()
				got := float64(calls) / el.Seconds()
				b.ReportMetric(got, "calls/s")
				b.ReportMetric(got/ideal, "throughput_ratio")
				b.ReportMetric(float64(peak)/(1<<20), "peak_heap_MB")
				b.ReportMetric(float64(calls), "calls")
			}
		})
	}
}

func TestUniquePNGDecodes(t *testing.T) {
	t.Parallel()
	a, b := uniquePNG("a"), uniquePNG("b")
	if bytes.Equal(a, b) {
		t.Fatal("not unique")
	}
	if err := checkImage(a); err != nil {
		t.Fatal(err)
	}
}

func TestBlankImageIsARefusal(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	png.Encode(&buf, image.NewRGBA(image.Rect(0, 0, 64, 64)))
	if err := checkImage(buf.Bytes()); generators.ClassOf(err) != generators.Refusal {
		t.Fatalf("blank image: %v", err)
	}
	if err := checkImage(buf.Bytes()[:buf.Len()/2]); generators.ClassOf(err) != generators.BadOutput {
		t.Fatalf("truncated image: %v", err)
	}
}

// stage is the runner's stage of that name: benchmarks that time one stage
// find it by name, so that a stage added before it cannot take its place.
func stage(tb testing.TB, r *Runner, name string) func(context.Context) error {
	tb.Helper()
	for _, s := range r.Stages() {
		if s.Name == name {
			return s.Run
		}
	}
	tb.Fatalf("no stage %q", name)
	return nil
}
