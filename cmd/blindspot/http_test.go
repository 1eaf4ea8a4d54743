package main

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"io/fs"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/blindspot-audit/blindspot/generators/sim"
)

// simServer serves the sim endpoints of a spec over the OpenAI API.
func simServer(t *testing.T, specPath, key string, wrap func(http.Handler) http.Handler) *httptest.Server {
	t.Helper()
	app := &App{Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}, Getenv: func(string) string { return "" }}
	models, err := app.simModels(specPath)
	if err != nil {
		t.Fatal(err)
	}
	var h http.Handler = (&sim.Server{Models: models, APIKey: key}).Handler()
	if wrap != nil {
		h = wrap(h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

type metricsOut struct {
	Items   int               `json:"items"`
	Failed  int               `json:"failed"`
	Status  string            `json:"status"`
	Metrics []json.RawMessage `json:"metrics"`
	Classes map[string]int    `json:"failed_by_class"`
}

func runJSON(t *testing.T, dir string, env map[string]string, args ...string) (int, metricsOut, string) {
	t.Helper()
	var out, errb bytes.Buffer
	no := false
	app := &App{Stdout: &out, Stderr: &errb, Dir: dir, Terminal: &no, Getenv: func(k string) string { return env[k] }}
	code := app.Main(append(args, "--json", "-q"))
	var m metricsOut
	if code == ExitOK || code == ExitBudget {
		if err := json.Unmarshal(out.Bytes(), &m); err != nil {
			t.Fatalf("%v\n%s\n%s", err, out.String(), errb.String())
		}
	}
	return code, m, out.String() + errb.String()
}

// TestQuickstartOverHTTP runs the quickstart in-process and over HTTP
// against the simulator server: the metrics must be the same.
func TestQuickstartOverHTTP(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("runs the quickstart twice")
	}
	srv := simServer(t, "../../examples/quickstart.yaml", "", nil)
	dir := t.TempDir()
	httpSpec, err := os.ReadFile("../../examples/quickstart-http.yaml")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "http.yaml"), bytes.ReplaceAll(httpSpec, []byte("http://127.0.0.1:8080"), []byte(srv.URL)), 0o644)
	local, _ := os.ReadFile("../../examples/quickstart.yaml")
	os.WriteFile(filepath.Join(dir, "local.yaml"), local, 0o644)
	code, a, out := runJSON(t, dir, nil, "run", "local.yaml")
	if code != ExitOK {
		t.Fatalf("in-process: %d %s", code, out)
	}
	code, b, out := runJSON(t, dir, nil, "run", "http.yaml")
	if code != ExitOK {
		t.Fatalf("over HTTP: %d %s", code, out)
	}
	if a.Items != b.Items || len(a.Metrics) != len(b.Metrics) || len(a.Metrics) == 0 {
		t.Fatalf("items %d vs %d, metrics %d vs %d", a.Items, b.Items, len(a.Metrics), len(b.Metrics))
	}
	for i := range a.Metrics {
		if !bytes.Equal(a.Metrics[i], b.Metrics[i]) {
			t.Errorf("metric %d differs:\n in-process %s\n over HTTP  %s", i, a.Metrics[i], b.Metrics[i])
		}
	}
}

const httpSpec = `name: h
countries: [India, Kenya]
categories: [food]
samples: 2
models:
  t2i: [{name: g, provider: openai, base_url: URL/v1, model: sim, api_key_env: BLINDSPOT_TEST_KEY, retries: RETRIES, concurrency: 4, openai: {send_seed: true}}]
  vlm: [{name: j, provider: openai, base_url: URL/v1, model: sim, api_key_env: BLINDSPOT_TEST_KEY, retries: RETRIES}]
  embedder: [{name: e, provider: openai, base_url: URL/v1, model: sim, api_key_env: BLINDSPOT_TEST_KEY, retries: RETRIES, openai: {image_input: data_uri}}]
output: run
`

func writeHTTPSpec(t *testing.T, dir, url, retries string) {
	s := strings.ReplaceAll(strings.ReplaceAll(httpSpec, "URL", url), "RETRIES", retries)
	if err := os.WriteFile(filepath.Join(dir, "h.yaml"), []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestSecretsNeverWritten plants an API key in the environment, runs an
// audit whose endpoints need it (and one where the server rejects it), and
// searches every file the tool wrote, and its output, for the key.
func TestSecretsNeverWritten(t *testing.T) {
	t.Parallel()
	const planted = "sk-planted-Zq8wX3secretvalue"
	dir := t.TempDir()
	srv := simServer(t, "", planted, nil)
	writeHTTPSpec(t, dir, srv.URL, "0")
	env := map[string]string{"BLINDSPOT_TEST_KEY": planted}
	code, m, out := runJSON(t, dir, env, "run", "h.yaml")
	if code != ExitOK || m.Failed != 0 || m.Items == 0 {
		t.Fatalf("exit %d %+v %s", code, m, out)
	}
	// A server that rejects the key, and echoes it in its error message.
	echo := simServer(t, "", "another-key", func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte(`{"error": {"message": "Incorrect API key provided: ` + strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ") + `", "type": "invalid_request_error", "code": "invalid_api_key"}}`))
		})
	})
	writeHTTPSpec(t, dir, echo.URL, "0")
	code, m, out2 := runJSON(t, dir, env, "run", "h.yaml", "--fresh")
	if code != ExitOK || m.Classes["permanent"] == 0 {
		t.Fatalf("rejected key: exit %d %+v %s", code, m, out2)
	}
	if strings.Contains(out+out2, planted) {
		t.Fatal("the key appears in the output")
	}
	files := 0
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		files++
		if bytes.Contains(data, []byte(planted)) {
			t.Errorf("the key is written in %s", path)
		}
		return nil
	})
	if files < 3 {
		t.Fatalf("searched only %d files", files)
	}
	// A missing key is a clear error before any call.
	code, _, out = runJSON(t, dir, map[string]string{}, "run", "h.yaml")
	if code == ExitOK || !strings.Contains(out, "BLINDSPOT_TEST_KEY is not set") {
		t.Fatalf("missing key: exit %d %s", code, out)
	}
}

// flaky answers 30% of requests with 429 or 500 and 5% with garbage, at
// random (seeded), until healed.
type flaky struct {
	mu     sync.Mutex
	rng    *rand.Rand
	healed bool
	next   http.Handler
}

func (f *flaky) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	x, healed := f.rng.Float64(), f.healed
	f.mu.Unlock()
	switch {
	case healed:
	case x < 0.15:
		w.Header().Set("Retry-After", "0")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		w.Write([]byte(`{"error": {"message": "Rate limit reached", "type": "requests", "code": "rate_limit_exceeded"}}`))
		return
	case x < 0.30:
		w.WriteHeader(http.StatusInternalServerError)
		w.Write([]byte(`{"error": {"message": "The server had an error", "type": "server_error"}}`))
		return
	case x < 0.35:
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"data": [{"b64_json": "bm90IGFuIGltYWdl"}], "choices": [], "created": 1`))
		return
	}
	f.next.ServeHTTP(w, r)
}

// TestFaultyServer: under 30% 429/500 and 5% garbage the run completes
// with every image done or recorded with its error class; a re-run against
// the healed server completes the transient failures.
func TestFaultyServer(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fl := &flaky{rng: rand.New(rand.NewPCG(1, 2))}
	srv := simServer(t, "", "k", func(h http.Handler) http.Handler { fl.next = h; return fl })
	writeHTTPSpec(t, dir, srv.URL, "1")
	env := map[string]string{"BLINDSPOT_TEST_KEY": "k"}
	code, first, out := runJSON(t, dir, env, "run", "h.yaml")
	if code != ExitOK || first.Status != "complete" {
		t.Fatalf("exit %d %s", code, out)
	}
	if first.Classes["transient"] == 0 || first.Classes["bad_output"] == 0 {
		t.Fatalf("expected transient and bad-output failures, got %v", first.Classes)
	}
	// Every planned image is in the store, done or with its class, and
	// every good image has its judge and embedding tasks recorded.
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "run/store.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	var images, unclassified, good, tasks int
	db.QueryRow(`SELECT COUNT(*), SUM(status != 'ok' AND error_class = ''), SUM(status = 'ok') FROM images`).Scan(&images, &unclassified, &good)
	db.QueryRow(`SELECT COUNT(*) FROM tasks WHERE stage IN ('judge', 'embed')`).Scan(&tasks)
	db.Close()
	if images != 60 || unclassified != 0 || tasks != 2*good {
		t.Fatalf("store: %d images (want 60), %d failed without a class, %d judge/embed tasks for %d good images", images, unclassified, tasks, good)
	}
	fl.mu.Lock()
	fl.healed = true
	fl.mu.Unlock()
	code, second, out := runJSON(t, dir, env, "run", "h.yaml")
	if code != ExitOK || second.Failed != 0 {
		t.Fatalf("healed re-run: exit %d %+v %s", code, second, out)
	}
	// Images that failed transiently are made now; only images whose
	// answer was garbage (a permanent bad_output, not retried) stay failed.
	db, err = sql.Open("sqlite", "file:"+filepath.Join(dir, "run/store.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	var transientLeft, permanent int
	db.QueryRow(`SELECT COUNT(*) FROM images WHERE status != 'ok' AND error_class = 'transient'`).Scan(&transientLeft)
	db.QueryRow(`SELECT COUNT(*) FROM images WHERE status != 'ok' AND error_class != 'transient'`).Scan(&permanent)
	db.Close()
	if transientLeft != 0 || second.Items+permanent != 60 || (first.Items+permanent < 60 && second.Items <= first.Items) {
		t.Fatalf("re-run: %d then %d images, %d transient failures left, %d permanent", first.Items, second.Items, transientLeft, permanent)
	}
	t.Logf("first run: %d images, failures %v; after the re-run: %d images", first.Items, first.Classes, second.Items)
}

func TestCheck(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	srv := simServer(t, "", "right", nil)
	writeHTTPSpec(t, dir, srv.URL, "0")
	code, out, errs := runCLI2(t, dir, map[string]string{"BLINDSPOT_TEST_KEY": "right"}, "check", "h.yaml")
	if code != ExitOK || strings.Count(out, "│ ok ") != 3 {
		t.Fatalf("healthy check: exit %d\n%s%s", code, out, errs)
	}
	code, out, errs = runCLI2(t, dir, map[string]string{"BLINDSPOT_TEST_KEY": "wrong"}, "check", "h.yaml")
	if code != ExitCheckFailed || !strings.Contains(out, "permanent") || !strings.Contains(out, "authentication failed") || !strings.Contains(errs, "3 of 3 endpoints failed") {
		t.Fatalf("wrong key: exit %d\n%s%s", code, out, errs)
	}
}

func runCLI2(t *testing.T, dir string, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	app := &App{Stdout: &out, Stderr: &errb, Dir: dir, Getenv: func(k string) string { return env[k] }}
	return app.Main(args), out.String(), errb.String()
}

// syncBuffer is a buffer safe for a goroutine to write while a test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestServeSimCommand(t *testing.T) {
	t.Parallel()
	var out syncBuffer
	sig := make(chan os.Signal, 1)
	app := &App{Stdout: &out, Stderr: &out, Signals: sig, Dir: "../..", Getenv: func(k string) string { return map[string]string{"SIM_KEY": "sk-sim"}[k] }}
	done := make(chan int)
	go func() {
		done <- app.Main([]string{"serve-sim", "--addr", "127.0.0.1:0", "--spec", "examples/quickstart.yaml", "--api-key-env", "SIM_KEY", "--latency", "1ms"})
	}()
	var base string
	for i := 0; i < 200 && base == ""; i++ {
		time.Sleep(10 * time.Millisecond)
		if _, after, ok := strings.Cut(out.String(), " at "); ok {
			base = strings.TrimSpace(after)
		}
	}
	if base == "" {
		t.Fatalf("serve-sim did not start: %q", out.String())
	}
	req, _ := http.NewRequest(http.MethodGet, base+"/models", nil)
	req.Header.Set("Authorization", "Bearer sk-sim")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var models struct {
		Data []struct{ ID string } `json:"data"`
	}
	json.NewDecoder(resp.Body).Decode(&models)
	resp.Body.Close()
	if len(models.Data) != 5 || models.Data[1].ID != "sim-diffusion" {
		t.Fatalf("models %+v", models)
	}
	if r, _ := http.Get(base + "/models"); r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("no key: status %d", r.StatusCode)
	}
	sig <- os.Interrupt
	select {
	case code := <-done:
		if code != ExitOK {
			t.Fatalf("exit %d: %s", code, out.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve-sim did not stop on an interrupt")
	}
}
