package spec

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// identitySpec has an endpoint of every provider, with every kind of
// option block, so the cache identities are pinned: a change to how a
// spec is decoded or an identity is built must not turn every cached
// response into a miss (and a second payment).
const identitySpec = `name: identities
budget_usd: 1
models:
  t2i:
    - {name: sim-t2i, provider: sim, model: m, size: 64, sim: {noise: 0.1, leak: 0.2, latency: 5ms, clip: true, bias: {default_culture: Kenya, fidelity: {Kenya: 0.5}}}}
    - {name: oai-t2i, provider: openai, model: gpt-image-1, base_url: "http://127.0.0.1:9/v1", openai: {quality: high, response_format: b64_json, send_seed: true, max_response_mb: 8}}
    - {name: a1111-t2i, provider: a1111, base_url: "http://127.0.0.1:7860", a1111: {negative_prompt: "blurry, <bad>", steps: 20, sampler: Euler a, cfg_scale: 7, checkpoint: sdxl.safetensors}}
    - {name: comfy-t2i, provider: comfyui, base_url: "http://127.0.0.1:8188", comfyui: {workflow: gen.json, poll_interval: 1s}}
    - name: http-t2i
      provider: http
      http:
        generate:
          method: POST
          url: "https://api.example.org/gen"
          headers: {Authorization: "Key {{key}}"}
          body: '{"prompt": {{prompt}}, "seed": {{seed}}}'
          poll: {url: "https://api.example.org/jobs/{{id}}", interval: 2s, done: {path: status, in: [done]}, result_url: "{{url}}"}
          result: {b64_path: image}
  i2i:
    - {name: sim-i2i, provider: sim, sim: {edit_strength: 0.5}}
  vlm:
    - {name: oai-vlm, provider: openai, model: qwen2.5-vl, base_url: "http://127.0.0.1:9/v1"}
  llm:
    - {name: ollama-llm, provider: ollama, model: llava, base_url: "http://127.0.0.1:11434"}
  embedder:
    - {name: sim-emb, provider: sim, clip_score: true, sim: {clip: true}}
    - {name: inf-emb, provider: infinity, model: clip, base_url: "http://127.0.0.1:7997"}
    - {name: feat-emb, provider: features}
    - {name: oai-emb, provider: openai, model: clip, base_url: "http://127.0.0.1:9/v1", openai: {image_input: data_uri}}
`

// TestIdentitiesUnchanged compares every endpoint's cache identity with
// the golden file (go test ./audit/spec -run Identities -update rewrites it).
func TestIdentitiesUnchanged(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "gen.json"), []byte(`{"1": {"class_type": "CLIPTextEncode", "inputs": {"text": "{{prompt}}", "seed": "{{seed}}"}}}`), 0o644)
	a, err := Parse(filepath.Join(dir, "spec.yaml"), []byte(identitySpec), os.ReadFile)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, e := range a.Endpoints() {
		b.WriteString(e.Name + " " + e.Identity() + "\n")
	}
	golden := filepath.Join("testdata", "identities.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if b.String() != string(want) {
		t.Errorf("cache identities changed (every cached response would be missed):\ngot:\n%s\nwant:\n%s", b.String(), want)
	}
}
