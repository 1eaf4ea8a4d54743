package comfyui

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/blindspot-audit/blindspot/generators"
	"github.com/blindspot-audit/blindspot/generators/conformance"
	"github.com/blindspot-audit/blindspot/generators/sim"
)

// fakeComfy emulates ComfyUI's HTTP API with the simulator: uploads, a
// queue whose jobs finish one poll later, history and /view. It checks what
// ComfyUI checks: API-format nodes, links to existing nodes, a numeric seed,
// uploaded images that exist.
type fakeComfy struct {
	t       *testing.T
	p       *sim.Provider
	key     string
	mu      sync.Mutex
	uploads map[string][]byte
	outputs map[string][]byte
	jobs    map[string]int // prompt id -> polls seen
	next    int
}

func newFakeComfy(t *testing.T, p *sim.Provider, key string) *fakeComfy {
	return &fakeComfy{t: t, p: p, key: key, uploads: map[string][]byte{}, outputs: map[string][]byte{}, jobs: map[string]int{}}
}

func (f *fakeComfy) fail(w http.ResponseWriter, status int, msg string, nodeErrors map[string]any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"type": "prompt_outputs_failed_validation", "message": msg, "details": ""}, "node_errors": nodeErrors})
}

func (f *fakeComfy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer "+f.key {
		f.fail(w, 401, "unauthorized", nil)
		return
	}
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/upload/image":
		file, fh, err := r.FormFile("image")
		if err != nil {
			f.fail(w, 400, "no image part", nil)
			return
		}
		data, _ := io.ReadAll(file)
		f.mu.Lock()
		f.uploads[fh.Filename] = data
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"name": fh.Filename, "subfolder": "", "type": "input"})
	case r.Method == http.MethodPost && r.URL.Path == "/prompt":
		f.queue(w, r)
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/history/"):
		id := strings.TrimPrefix(r.URL.Path, "/history/")
		f.mu.Lock()
		polls, ok := f.jobs[id]
		f.jobs[id] = polls + 1
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if !ok || polls == 0 {
			w.Write([]byte(`{}`))
			return
		}
		json.NewEncoder(w).Encode(map[string]any{id: map[string]any{
			"outputs": map[string]any{"9": map[string]any{"images": []any{map[string]any{"filename": id + ".png", "subfolder": "", "type": "output"}}}},
			"status":  map[string]any{"status_str": "success", "completed": true, "messages": []any{}},
		}})
	case r.Method == http.MethodGet && r.URL.Path == "/view":
		f.mu.Lock()
		img, ok := f.outputs[strings.TrimSuffix(r.URL.Query().Get("filename"), ".png")]
		f.mu.Unlock()
		if !ok || r.URL.Query().Get("type") != "output" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "image/png")
		w.Write(img)
	default:
		http.NotFound(w, r)
	}
}

func (f *fakeComfy) queue(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Prompt map[string]struct {
			ClassType string         `json:"class_type"`
			Inputs    map[string]any `json:"inputs"`
		} `json:"prompt"`
		ClientID string `json:"client_id"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || len(req.Prompt) == 0 {
		f.fail(w, 400, "invalid prompt", nil)
		return
	}
	var text, image string
	var seed float64
	for id, n := range req.Prompt {
		if n.ClassType == "" {
			f.fail(w, 400, "node without class_type", map[string]any{id: map[string]any{"errors": []any{map[string]any{"message": "missing class_type"}}, "class_type": ""}})
			return
		}
		for _, v := range n.Inputs {
			if link, ok := v.([]any); ok && len(link) == 2 {
				if _, exists := req.Prompt[fmt.Sprint(link[0])]; !exists {
					f.fail(w, 400, "bad link", map[string]any{id: map[string]any{"errors": []any{map[string]any{"message": "linked node missing"}}, "class_type": n.ClassType}})
					return
				}
			}
		}
		switch n.ClassType {
		case "KSampler":
			s, ok := n.Inputs["seed"].(float64)
			if !ok {
				f.fail(w, 400, "seed is not a number", map[string]any{id: map[string]any{"errors": []any{map[string]any{"message": "Failed to convert an input value to a INT value"}}, "class_type": "KSampler"}})
				return
			}
			seed = s
			pos := n.Inputs["positive"].([]any)
			text = req.Prompt[fmt.Sprint(pos[0])].Inputs["text"].(string)
		case "LoadImage":
			image = n.Inputs["image"].(string)
		}
	}
	var resp *generators.Response
	var err error
	if image != "" {
		f.mu.Lock()
		data, ok := f.uploads[image]
		f.mu.Unlock()
		if !ok {
			f.fail(w, 400, "image not uploaded", map[string]any{"10": map[string]any{"errors": []any{map[string]any{"message": "Invalid image file: " + image}}, "class_type": "LoadImage"}})
			return
		}
		resp, err = f.p.Edit(r.Context(), generators.EditRequest{Model: "comfy", Instruction: text, Image: data, Seed: int64(seed)})
	} else {
		resp, err = f.p.Generate(r.Context(), generators.ImageRequest{Model: "comfy", Prompt: text, Seed: int64(seed), Size: 64})
	}
	if err != nil {
		f.fail(w, 500, err.Error(), nil)
		return
	}
	f.mu.Lock()
	f.next++
	id := fmt.Sprintf("job-%d", f.next)
	f.jobs[id] = 0
	f.outputs[id] = resp.Image
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"prompt_id": id, "number": f.next, "node_errors": map[string]any{}})
}

func workflows(t *testing.T) (Workflow, Workflow) {
	gen, err := os.ReadFile("testdata/txt2img_api.json")
	if err != nil {
		t.Fatal(err)
	}
	ed, _ := os.ReadFile("testdata/img2img_api.json")
	g, err := ParseWorkflow(gen, false)
	if err != nil {
		t.Fatal(err)
	}
	e, err := ParseWorkflow(ed, true)
	if err != nil {
		t.Fatal(err)
	}
	return g, e
}

func TestConformance(t *testing.T) {
	const key = "comfy-secret-token"
	p, _ := sim.New(sim.Options{})
	fs := &conformance.FaultServer{Next: newFakeComfy(t, p, key), Shapes: conformance.Shapes{
		Error: func(w http.ResponseWriter, r *http.Request, status int, code, msg string) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"type": code, "message": msg, "details": ""}, "node_errors": map[string]any{}})
		},
		Empty:          func(r *http.Request) string { return `{"node_errors": {}}` },
		OversizedBytes: 65 << 20,
	}}
	srv := httptest.NewServer(fs)
	defer srv.Close()
	g, e := workflows(t)
	c := New(srv.URL, key, g, e, 10*time.Millisecond)
	conformance.Run(t, conformance.Harness{Generator: c, Editor: c, Model: "comfy", SetFault: fs.Set, Secret: key,
		Skip: map[conformance.Fault]string{conformance.Refused: "ComfyUI has no refusal error; safety nodes blank the image, which the engine classes as a refusal"}})
}

func TestSameSeedSameImage(t *testing.T) {
	p, _ := sim.New(sim.Options{})
	srv := httptest.NewServer(newFakeComfy(t, p, "k"))
	defer srv.Close()
	g, _ := workflows(t)
	c := New(srv.URL, "k", g, nil, time.Millisecond)
	a, err := c.Generate(t.Context(), generators.ImageRequest{Prompt: "House in Kenya", Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	want, _ := p.Generate(t.Context(), generators.ImageRequest{Model: "comfy", Prompt: "House in Kenya", Seed: 5, Size: 64})
	if string(a.Image) != string(want.Image) {
		t.Fatal("the workflow did not carry the prompt and seed")
	}
	if _, err := c.Edit(t.Context(), generators.EditRequest{Instruction: "x", Image: a.Image}); generators.ClassOf(err) != generators.Permanent {
		t.Fatalf("edit without an edit workflow: %v", err)
	}
}

func TestParseWorkflowErrors(t *testing.T) {
	for name, tc := range map[string]struct {
		json string
		edit bool
		want string
	}{
		"not json":      {`{`, false, "not a JSON workflow"},
		"empty":         {`{}`, false, "no nodes"},
		"ui format":     {`{"nodes": [], "links": []}`, false, "API-format"},
		"no prompt":     {`{"1": {"class_type": "X", "inputs": {"text": "hi"}}}`, false, "{{prompt}}"},
		"edit no image": {`{"1": {"class_type": "X", "inputs": {"text": "{{prompt}}"}}}`, true, "{{image}}"},
	} {
		if _, err := ParseWorkflow([]byte(tc.json), tc.edit); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", name, err, tc.want)
		}
	}
}

func FuzzParseWorkflow(f *testing.F) {
	data, _ := os.ReadFile("testdata/img2img_api.json")
	f.Add(data, true)
	f.Add([]byte(`{"1": {"class_type": "X", "inputs": {"t": ["{{prompt}}", {"a": "{{seed}}"}]}}}`), false)
	f.Fuzz(func(t *testing.T, b []byte, edit bool) {
		w, err := ParseWorkflow(b, edit)
		if err != nil {
			return
		}
		if _, err := w.fill("p", 1, "img.png"); err != nil {
			t.Fatalf("a parsed workflow does not fill: %v", err)
		}
	})
}
