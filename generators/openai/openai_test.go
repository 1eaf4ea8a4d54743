package openai

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/blindspot-audit/blindspot/generators"
	"github.com/blindspot-audit/blindspot/generators/conformance"
	"github.com/blindspot-audit/blindspot/generators/sim"
)

// secret is a planted API key that must never show up in an error.
const secret = "sk-planted-SECRET-0123456789"

// openAIShapes write faults the way the OpenAI API does.
var openAIShapes = conformance.Shapes{
	Error: func(w http.ResponseWriter, r *http.Request, status int, code, msg string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"message": msg, "type": "invalid_request_error", "param": nil, "code": code}})
	},
	Empty: func(r *http.Request) string {
		switch {
		case strings.HasSuffix(r.URL.Path, "/chat/completions"):
			return `{"id": "x", "object": "chat.completion", "created": 1, "model": "m", "choices": []}`
		case strings.HasSuffix(r.URL.Path, "/embeddings"):
			return `{"object": "list", "data": [], "model": "m", "usage": {"prompt_tokens": 1, "total_tokens": 1}}`
		}
		return `{"created": 1, "data": []}`
	},
	Refuse: func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if strings.HasSuffix(r.URL.Path, "/chat/completions") {
			w.Write([]byte(`{"id": "x", "object": "chat.completion", "created": 1, "model": "m", "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": null, "refusal": "I can't help with that."}}]}`))
			return
		}
		w.WriteHeader(http.StatusBadRequest)
		w.Write([]byte(`{"error": {"message": "Your request was rejected as a result of our safety system.", "type": "invalid_request_error", "param": null, "code": "content_policy_violation"}}`))
	},
	OversizedBytes: 2 << 20,
}

func TestConformance(t *testing.T) {
	p, _ := sim.New(sim.Options{})
	fs := &conformance.FaultServer{Next: (&sim.Server{Models: map[string]*sim.Provider{"m": p}, APIKey: secret}).Handler(), Shapes: openAIShapes}
	srv := httptest.NewServer(fs)
	defer srv.Close()
	c, err := New(Config{BaseURL: srv.URL + "/v1", APIKey: secret, Options: Options{MaxResponseMB: 1, ImageInput: "data_uri"}})
	if err != nil {
		t.Fatal(err)
	}
	conformance.Run(t, conformance.Harness{
		Generator: c, Editor: c, Chat: c, Embedder: c, Model: "m",
		SetFault: fs.Set, Secret: secret,
	})
}

func TestWrongKeyIsPermanentAndRedacted(t *testing.T) {
	p, _ := sim.New(sim.Options{})
	srv := httptest.NewServer((&sim.Server{Models: map[string]*sim.Provider{"m": p}, APIKey: "the-right-key"}).Handler())
	defer srv.Close()
	c, _ := New(Config{BaseURL: srv.URL + "/v1", APIKey: secret})
	_, err := c.Chat(t.Context(), chatReq())
	if err == nil || !strings.Contains(err.Error(), "authentication failed") || strings.Contains(err.Error(), secret) {
		t.Fatalf("wrong key: %v", err)
	}
}

func TestURLResponseFormatDownloads(t *testing.T) {
	p, _ := sim.New(sim.Options{})
	srv := httptest.NewServer((&sim.Server{Models: map[string]*sim.Provider{"m": p}}).Handler())
	defer srv.Close()
	c, _ := New(Config{BaseURL: srv.URL + "/v1", Options: Options{ResponseFormat: "url"}})
	r, err := c.Generate(t.Context(), imgReq())
	if err != nil || len(r.Image) == 0 {
		t.Fatalf("url response: %v", err)
	}
}

func chatReq() generators.ChatRequest {
	return generators.ChatRequest{Model: "m", Prompt: "Is this Kenya?", Images: [][]byte{}}
}

func imgReq() generators.ImageRequest {
	return generators.ImageRequest{Model: "m", Prompt: "House in Kenya", Seed: 1}
}

// TestEmbedImageShapes: an image goes only to an endpoint declared
// multimodal, in the request shape declared; a text-only endpoint refuses
// it without a request.
func TestEmbedImageShapes(t *testing.T) {
	img := []byte("\x89PNG\r\n\x1a\n fake")
	uri := DataURI(img)
	tests := []struct {
		input string
		check func(body map[string]any) bool
	}{
		{"data_uri", func(b map[string]any) bool { return b["input"] == uri }},
		{"image_objects", func(b map[string]any) bool {
			in, _ := b["input"].([]any)
			first, _ := in[0].(map[string]any)
			return len(in) == 1 && first["image"] == uri
		}},
		{"messages", func(b map[string]any) bool {
			msgs, _ := b["messages"].([]any)
			m, _ := msgs[0].(map[string]any)
			parts, _ := m["content"].([]any)
			p, _ := parts[0].(map[string]any)
			iu, _ := p["image_url"].(map[string]any)
			return m["role"] == "user" && p["type"] == "image_url" && iu["url"] == uri
		}},
	}
	for _, tc := range tests {
		t.Run(tc.input, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				var body map[string]any
				json.NewDecoder(r.Body).Decode(&body)
				if r.URL.Path != "/v1/embeddings" || body["model"] != "m" || !tc.check(body) {
					w.WriteHeader(http.StatusBadRequest)
					fmt.Fprintf(w, `{"error":{"message":"unexpected request %s %v"}}`, r.URL.Path, body)
					return
				}
				w.Header().Set("Content-Type", "application/json")
				w.Write([]byte(`{"object":"list","model":"m","data":[{"object":"embedding","index":0,"embedding":[0.1,0.2]}],"usage":{"prompt_tokens":1,"total_tokens":1}}`))
			}))
			defer srv.Close()
			c, err := New(Config{BaseURL: srv.URL + "/v1", Options: Options{ImageInput: tc.input}})
			if err != nil {
				t.Fatal(err)
			}
			r, err := c.Embed(context.Background(), generators.EmbedRequest{Model: "m", Image: img})
			if err != nil || len(r.Vector) != 2 {
				t.Fatalf("%v %v", r, err)
			}
		})
	}
	requests := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { requests++ }))
	defer srv.Close()
	c, _ := New(Config{BaseURL: srv.URL + "/v1"})
	_, err := c.Embed(context.Background(), generators.EmbedRequest{Model: "m", Image: img})
	if generators.ClassOf(err) != generators.Permanent || requests != 0 {
		t.Fatalf("text-only endpoint: %v after %d requests", err, requests)
	}
	if _, err := New(Config{Options: Options{ImageInput: "base64"}}); err == nil {
		t.Fatal("an unknown image_input was accepted")
	}
}

// TestResponseShapes reads the answer shapes compatible servers send
// beside the official one: null content, content as a list of parts, and
// error bodies in OpenAI, FastAPI and bare-message form.
func TestResponseShapes(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`"plain"`, "plain"},
		{`null`, ""},
		{`[{"type":"text","text":"Yes"},{"type":"text","text":", Kenya"}]`, "Yes, Kenya"},
	} {
		var c content
		if err := json.Unmarshal([]byte(tc.in), &c); err != nil || string(c) != tc.want {
			t.Errorf("content %s = %q, %v; want %q", tc.in, c, err, tc.want)
		}
	}
	var c content
	if err := json.Unmarshal([]byte(`42`), &c); err == nil {
		t.Error("a number as content was accepted")
	}
	for _, tc := range []struct{ in, want string }{
		{`{"error":{"message":"bad model","type":"invalid_request_error","code":null}}`, "bad model"},
		{`{"error":{"message":"Your request was rejected.","type":"invalid_request_error","code":"content_policy_violation"}}`, "content_policy_violation: Your request was rejected."},
		{`{"detail":"Not Found"}`, "Not Found"},
		{`{"message":"quota exceeded"}`, "quota exceeded"},
		{`not json`, ""},
	} {
		if got := errorMessage([]byte(tc.in)); got != tc.want {
			t.Errorf("errorMessage(%s) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// FuzzDataURI: the data URI is the media type and the standard base64 of
// the bytes, whatever their length (padding included).
func FuzzDataURI(f *testing.F) {
	for _, s := range []string{"", "a", "ab", "abc", "\x89PNG\r\n\x1a\n fake", "\xff\xd8\xff" + strings.Repeat("j", 5000)} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, img []byte) {
		want := "data:" + http.DetectContentType(img) + ";base64," + base64.StdEncoding.EncodeToString(img)
		if got := DataURI(img); got != want {
			t.Fatalf("DataURI(%q) = %q, want %q", img, got, want)
		}
	})
}

// TestBase64Image reads b64_json as servers write it: plain, with escaped
// slashes (PHP and some gateways), null or empty; bad base64 and a
// non-string are the model's bad output.
func TestBase64Image(t *testing.T) {
	img := []byte("\x89PNG\r\n\x1a\n?>?>\xff\xfe binary")
	b64 := base64.StdEncoding.EncodeToString(img)
	for _, tc := range []struct {
		in   string
		want []byte
		bad  bool
	}{
		{`"` + b64 + `"`, img, false},
		{`"` + strings.ReplaceAll(b64, "/", `\/`) + `"`, img, false},
		{`"` + b64[:8] + `\n` + b64[8:] + `"`, img, false}, // a MIME line break, ignored as DecodeString does
		{`null`, nil, false},
		{`""`, []byte{}, false},
		{`"not base64!"`, nil, true},
		{`"` + b64[:len(b64)-2] + `"`, nil, true},
		{`42`, nil, true},
	} {
		var got base64Image
		err := json.Unmarshal([]byte(tc.in), &got)
		if tc.bad {
			if generators.ClassOf(err) != generators.BadOutput {
				t.Errorf("%s: %v, want a bad-output error", tc.in, err)
			}
			continue
		}
		if err != nil || string(got) != string(tc.want) {
			t.Errorf("%s = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

// FuzzBase64Image: decoding b64_json straight into bytes gives what the
// plain way (a JSON string, then base64) gives, and fails when it fails.
func FuzzBase64Image(f *testing.F) {
	for _, s := range []string{`""`, `"YWJj"`, `"YW\/j"`, `"YWJ"`, `"\u0059WJj"`, `null`, `"!!"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var s *string
		if json.Unmarshal(in, &s) != nil || s == nil {
			return // not a JSON string: the response decoder rejects it first
		}
		want, wantErr := base64.StdEncoding.DecodeString(*s)
		var got base64Image
		err := json.Unmarshal(in, &got)
		if (err != nil) != (wantErr != nil) || (err == nil && string(got) != string(want)) {
			t.Fatalf("%s: got %q, %v; want %q, %v", in, got, err, want, wantErr)
		}
	})
}

// TestResultsOutliveTheNextCall: response bodies are read into reused
// buffers, so an image or an answer must not change when later calls read
// theirs (as it would if a decoder kept a slice of the body).
func TestResultsOutliveTheNextCall(t *testing.T) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fill := strings.Repeat(string(rune('a'+n.Add(1)%26)), 6000)
		if strings.HasSuffix(r.URL.Path, "/chat/completions") {
			fmt.Fprintf(w, `{"model": "m", "choices": [{"finish_reason": "stop", "message": {"role": "assistant", "content": [{"type": "text", "text": %q}]}}]}`, fill)
			return
		}
		fmt.Fprintf(w, `{"data": [{"b64_json": %q}]}`, base64.StdEncoding.EncodeToString([]byte(fill)))
	}))
	defer srv.Close()
	c, _ := New(Config{BaseURL: srv.URL + "/v1"})
	img, err := c.Generate(t.Context(), imgReq())
	if err != nil {
		t.Fatal(err)
	}
	answer, err := c.Chat(t.Context(), chatReq())
	if err != nil {
		t.Fatal(err)
	}
	keepImage, keepText := string(img.Image), answer.Text
	for i := 0; i < 4; i++ {
		if _, err := c.Generate(t.Context(), imgReq()); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Chat(t.Context(), chatReq()); err != nil {
			t.Fatal(err)
		}
	}
	if string(img.Image) != keepImage || answer.Text != keepText {
		t.Fatal("a later call's response overwrote an earlier call's image or answer")
	}
}

// chatBodies builds a chat request's body both ways: images written into
// the body by jsonBody, and the plain way, each URI a string.
func chatBodies(system, prompt string, images [][]byte) (fast, plain []byte, err error) {
	build := func(uri func([]byte) any) any {
		var msgs []chatMessage
		if system != "" {
			msgs = append(msgs, chatMessage{Role: "system", Content: system})
		}
		parts := []any{textPart{Type: "text", Text: prompt}}
		for _, img := range images {
			parts = append(parts, imagePart{Type: "image_url", ImageURL: imageURL{URL: uri(img)}})
		}
		return chatRequest{Model: "m", Seed: 3, MaxCompletionTokens: 64, Messages: append(msgs, chatMessage{Role: "user", Content: parts})}
	}
	if fast, err = jsonBody(build); err != nil {
		return nil, nil, err
	}
	plain, err = json.Marshal(build(func(img []byte) any { return DataURI(img) }))
	return fast, plain, err
}

// TestJSONBody: a request whose images are written into the body is the
// same bytes as the plain encoding, for no, one and several images, and
// when a text looks like the placeholder.
func TestJSONBody(t *testing.T) {
	png := []byte("\x89PNG\r\n\x1a\n" + strings.Repeat("pixels", 50))
	jpeg := []byte("\xff\xd8\xff" + strings.Repeat("j", 7))
	for _, tc := range []struct {
		system, prompt string
		images         [][]byte
	}{
		{"", "Is this Kenya?", nil},
		{"You are a judge.", "Is this Kenya? <b>&</b>", [][]byte{png}},
		{"", "two", [][]byte{png, jpeg, {}}},
		{"\x00", "the system text is the placeholder's string", [][]byte{png}},
		{"", "\x00", [][]byte{png, jpeg}},
		{"", `"\u0000" and a NUL: ` + "\x00", [][]byte{jpeg}},
	} {
		fast, plain, err := chatBodies(tc.system, tc.prompt, tc.images)
		if err != nil || !bytes.Equal(fast, plain) {
			t.Errorf("%q %q: %v\n got %s\nwant %s", tc.system, tc.prompt, err, fast, plain)
		}
	}
}

// FuzzJSONBody: whatever the texts and images, writing images into the
// body gives the plain encoding's bytes.
func FuzzJSONBody(f *testing.F) {
	f.Add("", "Is this Kenya?", []byte("\x89PNG\r\n\x1a\n"), 1)
	f.Add("\x00", "\x00", []byte{}, 2)
	f.Fuzz(func(t *testing.T, system, prompt string, img []byte, n int) {
		images := make([][]byte, max(0, min(n, 3)))
		for i := range images {
			images[i] = append(img[:len(img):len(img)], byte(i))
		}
		fast, plain, err := chatBodies(system, prompt, images)
		if err != nil || !bytes.Equal(fast, plain) {
			t.Fatalf("%q %q %d images: %v\n got %s\nwant %s", system, prompt, len(images), err, fast, plain)
		}
	})
}
