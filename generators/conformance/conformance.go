// Package conformance is the shared test suite every provider passes: each
// role it serves answers a well-formed request, and each fault a server can
// produce comes back as the right error class. A provider's test supplies a
// fake server of its protocol that can inject every Fault.
package conformance

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/png"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/blindspot-audit/blindspot/generators"
)

// Fault is a failure a fake server can be told to produce.
type Fault string

// The faults every protocol's fake server must be able to produce.
const (
	None         Fault = ""
	RateLimited  Fault = "429"          // 429 with Retry-After: 2
	ServerError  Fault = "500"          // 500
	Garbage      Fault = "garbage"      // 200 with an HTML page
	Truncated    Fault = "truncated"    // 200 with cut-off JSON
	Oversized    Fault = "oversized"    // 200 with a body past the client's cap
	Empty        Fault = "empty"        // 200 with no image, choice or vector
	Refused      Fault = "refused"      // the protocol's content-policy refusal
	Unauthorized Fault = "unauthorized" // 401
	Hangup       Fault = "hangup"       // the connection closes without an answer
)

// Want is the class each fault must produce.
var Want = map[Fault]generators.Class{
	RateLimited:  generators.Transient,
	ServerError:  generators.Transient,
	Garbage:      generators.BadOutput,
	Truncated:    generators.BadOutput,
	Oversized:    generators.BadOutput,
	Empty:        generators.BadOutput,
	Refused:      generators.Refusal,
	Unauthorized: generators.Permanent,
	Hangup:       generators.Transient,
}

// Harness connects the suite to one provider.
type Harness struct {
	// Roles the provider serves, with its endpoint for each.
	Generator generators.ImageGenerator
	Editor    generators.ImageEditor
	Chat      generators.ChatModel
	Embedder  generators.Embedder
	Scorer    generators.Scorer
	// Model is the model name to send.
	Model string
	// SetFault makes the fake server answer every following request with f.
	SetFault func(f Fault)
	// Secret is the API key the provider was opened with; no error may
	// contain it.
	Secret string
	// Skip lists faults the protocol cannot express, with why.
	Skip map[Fault]string
	// TextEmbeddings marks an embedder that embeds text, not images.
	TextEmbeddings bool
}

// Run runs the suite.
func Run(t *testing.T, h Harness) {
	ctx := context.Background()
	seed := tinyPNG()
	calls := map[string]func() (*generators.Response, error){}
	if h.Generator != nil {
		calls["generate"] = func() (*generators.Response, error) {
			return h.Generator.Generate(ctx, generators.ImageRequest{Model: h.Model, Prompt: "Traditional house in Kenya, photorealistic.", Seed: 7})
		}
	}
	if h.Editor != nil {
		calls["edit"] = func() (*generators.Response, error) {
			return h.Editor.Edit(ctx, generators.EditRequest{Model: h.Model, Instruction: "Change the image to represent house in Kenya.", Image: seed, Seed: 7})
		}
	}
	if h.Chat != nil {
		calls["chat"] = func() (*generators.Response, error) {
			return h.Chat.Chat(ctx, generators.ChatRequest{Model: h.Model, System: "Answer yes or no.", Prompt: "Does this image show Kenya?", Images: [][]byte{seed}, MaxTokens: 16})
		}
	}
	if h.Embedder != nil {
		calls["embed"] = func() (*generators.Response, error) {
			if h.TextEmbeddings {
				return h.Embedder.Embed(ctx, generators.EmbedRequest{Model: h.Model, Text: "a traditional house in Kenya"})
			}
			return h.Embedder.Embed(ctx, generators.EmbedRequest{Model: h.Model, Image: seed})
		}
	}
	if h.Scorer != nil {
		calls["score"] = func() (*generators.Response, error) {
			return h.Scorer.Score(ctx, generators.ScoreRequest{Model: h.Model, Image: seed, Prompt: "Traditional house in Kenya, photorealistic."})
		}
	}
	for role, call := range calls {
		t.Run(role+"/ok", func(t *testing.T) {
			h.SetFault(None)
			r, err := call()
			if err != nil {
				t.Fatalf("healthy server: %v", err)
			}
			checkResponse(t, role, r)
		})
		for f, want := range Want {
			t.Run(role+"/"+string(f), func(t *testing.T) {
				if why, ok := h.Skip[f]; ok {
					t.Skip(why)
				}
				h.SetFault(f)
				defer h.SetFault(None)
				start := time.Now()
				r, err := call()
				if err == nil {
					t.Fatalf("fault %s: no error, response %+v", f, r)
				}
				var ge *generators.Error
				if !errors.As(err, &ge) {
					t.Fatalf("fault %s: error %T is not a *generators.Error: %v", f, err, err)
				}
				if ge.Class != want {
					t.Fatalf("fault %s: class %s, want %s (%v)", f, ge.Class, want, err)
				}
				if f == RateLimited && ge.RetryAfter != 2*time.Second {
					t.Errorf("Retry-After not passed on: %s", ge.RetryAfter)
				}
				if h.Secret != "" && strings.Contains(err.Error(), h.Secret) {
					t.Errorf("the API key appears in the error: %v", err)
				}
				if time.Since(start) > 20*time.Second {
					t.Errorf("fault %s took %s: the provider retried by itself", f, time.Since(start))
				}
			})
		}
	}
}

func checkResponse(t *testing.T, role string, r *generators.Response) {
	t.Helper()
	switch role {
	case "generate", "edit":
		if _, _, err := image.Decode(bytes.NewReader(r.Image)); err != nil {
			t.Fatalf("%s returned no decodable image: %v", role, err)
		}
		if r.Usage.Images != 1 {
			t.Errorf("%s usage %+v, want 1 image", role, r.Usage)
		}
	case "chat":
		if strings.TrimSpace(r.Text) == "" {
			t.Fatal("chat returned no text")
		}
	case "score":
		if r.Score == nil || math.IsNaN(*r.Score) || math.IsInf(*r.Score, 0) {
			t.Fatalf("score returned no finite score: %+v", r.Score)
		}
	case "embed":
		if len(r.Vector) == 0 {
			t.Fatal("embed returned no vector")
		}
		for _, x := range r.Vector {
			if math.IsNaN(x) {
				t.Fatal("embed returned NaN")
			}
		}
	}
}

// tinyPNG is a valid 16x16 image to edit, judge and embed.
func tinyPNG() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 16, 16))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 7)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		panic(err) // encoding an in-memory image cannot fail
	}
	return buf.Bytes()
}
