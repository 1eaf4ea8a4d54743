package a1111

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/blindspot-audit/blindspot/generators"
	"github.com/blindspot-audit/blindspot/generators/conformance"
	"github.com/blindspot-audit/blindspot/generators/sim"
)

const auth = "auditor:pa55-secret-word"

// fakeWebUI answers txt2img and img2img with the simulator, checking what
// the web UI checks: Basic auth when --api-auth is on, a JSON body, a
// prompt, sizes in range, base64 init images, the denoising strength.
func fakeWebUI(t *testing.T, p *sim.Provider) http.Handler {
	fail := func(w http.ResponseWriter, status int, detail string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]any{"error": http.StatusText(status), "detail": detail})
	}
	serve := func(img2img bool) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if u, pw, ok := r.BasicAuth(); !ok || u+":"+pw != auth {
				fail(w, 401, "Incorrect username or password.")
				return
			}
			var req struct {
				Prompt     string   `json:"prompt"`
				Seed       int64    `json:"seed"`
				Width      int      `json:"width"`
				Height     int      `json:"height"`
				Steps      int      `json:"steps"`
				Denoising  *float64 `json:"denoising_strength"`
				InitImages []string `json:"init_images"`
			}
			if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
				fail(w, 422, "invalid JSON")
				return
			}
			if req.Width < 64 || req.Height < 64 || req.Steps < 1 {
				fail(w, 422, "width, height and steps out of range")
				return
			}
			var resp *generators.Response
			var err error
			if img2img {
				if len(req.InitImages) != 1 || req.Denoising == nil {
					fail(w, 422, "init_images and denoising_strength are required")
					return
				}
				b, derr := base64.StdEncoding.DecodeString(req.InitImages[0])
				if derr != nil {
					fail(w, 500, "cannot decode init image")
					return
				}
				resp, err = p.Edit(r.Context(), generators.EditRequest{Model: "sd", Instruction: req.Prompt, Image: b, Seed: req.Seed})
			} else {
				resp, err = p.Generate(r.Context(), generators.ImageRequest{Model: "sd", Prompt: req.Prompt, Seed: req.Seed, Size: req.Width})
			}
			if err != nil {
				fail(w, 500, err.Error())
				return
			}
			info, _ := json.Marshal(map[string]any{"sd_model_name": "sd_xl_base_1.0", "sd_model_hash": "31e35c80fc", "seed": req.Seed})
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(map[string]any{"images": []string{base64.StdEncoding.EncodeToString(resp.Image)}, "parameters": req, "info": string(info)})
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /sdapi/v1/txt2img", serve(false))
	mux.HandleFunc("POST /sdapi/v1/img2img", serve(true))
	return mux
}

var shapes = conformance.Shapes{
	Error: func(w http.ResponseWriter, r *http.Request, status int, code, msg string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]any{"error": http.StatusText(status), "detail": msg})
	},
	Empty:          func(r *http.Request) string { return `{"images": [], "parameters": {}, "info": "{}"}` },
	OversizedBytes: 65 << 20,
}

func TestConformance(t *testing.T) {
	p, _ := sim.New(sim.Options{})
	fs := &conformance.FaultServer{Next: fakeWebUI(t, p), Shapes: shapes}
	srv := httptest.NewServer(fs)
	defer srv.Close()
	c := New(srv.URL, auth, 128, Options{})
	conformance.Run(t, conformance.Harness{
		Generator: c, Editor: c, Model: "sd", SetFault: fs.Set, Secret: auth,
		Skip: map[conformance.Fault]string{conformance.Refused: "the web UI has no refusal error; its safety filter blanks the image, which the engine classes as a refusal"},
	})
	r, err := c.Generate(t.Context(), generators.ImageRequest{Prompt: "House in Kenya", Seed: 1})
	if err != nil || r.ModelVersion != "sd_xl_base_1.0 [31e35c80fc]" {
		t.Fatalf("model version %q, %v", r.ModelVersion, err)
	}
}
