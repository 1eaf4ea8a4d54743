// Package sim is the simulator provider: a deterministic, offline stand-in
// for every role (text-to-image, image editing, VLM judge, story LLM,
// embedder) whose cultural behaviour is set by a bias profile in the spec.
//
// Images encode culture and era in their pixels, never in metadata:
//   - a culture is a palette (four colours of one hue family) and a motif;
//   - the traditional era draws the culture's motif inside the shapes, the
//     modern era flat fills crossed by a neutral grey grid;
//   - the layout (background, ground, shapes) comes from the prompt's
//     subject and the seed.
//
// The text-to-image model renders the requested culture with the country's
// fidelity and otherwise its default culture; agnostic prompts always get
// the default culture. The editor re-renders toward the target with the
// target's fidelity per step and otherwise applies a superficial palette
// shift that keeps the structure (toward the target, or toward the default
// culture when the target is the image's own culture), which reproduces
// ECB's drift finding. The VLM decodes culture and era from the pixels and
// answers a small documented question grammar (see chat.go), wrong with
// probability Noise. The LLM writes short stories from lexicons, leaking
// default-culture names at rate Leak. The embedder returns colour and
// layout features.
//
// Every output is a pure function of the request (model, text, input image,
// seed), so caches and re-runs are exact.
package sim
