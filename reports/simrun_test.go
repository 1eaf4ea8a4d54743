package reports

import (
	"testing"

	"github.com/blindspot-audit/blindspot/audit"
	"github.com/blindspot-audit/blindspot/audit/audittest"
)

// reportSpec exercises every section: country-specific and agnostic
// prompts, variants, repeat and restyle chains with picks, embeddings for
// diversity and drift, refusals. Its templates carry script payloads, as
// a hostile spec could.
const reportSpec = `
name: report-test
countries: [Korea, Kenya, United States]
categories: [food, architecture]
variants: [traditional, modern]
prompt_sets: [country_specific, agnostic]
samples: 1
templates:
  t2i: "{Variant} {subcategory} in {Country} <script>window.__xss=1</script><img src=x onerror=window.__xss=2>"
models:
  t2i:
    - name: t2i
      provider: sim
      sim: {bias: {default_culture: United States, fidelity: {Korea: 0.9, Kenya: 0.4, United States: 0.95}}}
  i2i:
    - {name: editor, provider: sim, sim: {bias: {fidelity: {Korea: 0.6, Kenya: 0.3, United States: 0.9}}}}
  vlm:
    - {name: judge, provider: sim, sim: {noise: 0.05}}
  embedder:
    - {name: feat, provider: sim}
  llm:
    - {name: writer, provider: sim, sim: {leak: 0.2, bias: {default_culture: United States}}}
edit_chains:
  - {name: loop, kind: repeat, steps: 3, categories: [architecture], seeds_per_prompt: 1}
  - {name: restyle, kind: restyle, steps: 2, targets: [Kenya], categories: [food], seeds_per_prompt: 1}
judge: {attribution: true, ratings: true, best_worst: [0, 1, 3]}
stories:
  concepts: [friendship, "<script>window.__xss=3</script> a festival"]
  samples: 2
  scenes: 1
  rate: true
`

func simRun(t testing.TB, text string) *audit.Runner { return audittest.Run(t, text) }
