package openai

import (
	"net/http/httptest"
	"testing"

	"github.com/blindspot-audit/blindspot/generators/sim"
)

// BenchmarkGenerateOverhead is one image call through the SDK to the
// simulator server with no added latency: the per-call cost of the HTTP
// path on both sides.
func BenchmarkGenerateOverhead(b *testing.B) {
	p, _ := sim.New(sim.Options{Size: 32})
	srv := httptest.NewServer((&sim.Server{Models: map[string]*sim.Provider{"m": p}}).Handler())
	defer srv.Close()
	c, _ := New(Config{BaseURL: srv.URL + "/v1", Options: Options{SendSeed: true}})
	req := imgReq()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req.Seed = int64(i)
		if _, err := c.Generate(b.Context(), req); err != nil {
			b.Fatal(err)
		}
	}
}
