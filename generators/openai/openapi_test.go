package openai

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/blindspot-audit/blindspot/generators"
	"github.com/blindspot-audit/blindspot/generators/sim"
)

// openAPIPath is the official OpenAI description, kept in the workspace's
// shared folder beside the repository.
const openAPIPath = "../../../shared/specs/openai-openapi.yaml"

var (
	docOnce sync.Once
	doc     *openapi3.T
	docErr  error
)

func loadDoc(t *testing.T) *openapi3.T {
	t.Helper()
	if _, err := os.Stat(openAPIPath); err != nil {
		t.Skipf("the OpenAI OpenAPI description is not at %s: %v", openAPIPath, err)
	}
	docOnce.Do(func() {
		openapi3filter.RegisterBodyDecoder("image/png", openapi3filter.FileBodyDecoder)
		doc, docErr = openapi3.NewLoader().LoadFromFile(openAPIPath)
	})
	if docErr != nil {
		t.Fatal(docErr)
	}
	return doc
}

// validate checks a request against the operation the OpenAPI description
// gives for its path and method.
func validate(doc *openapi3.T, r *http.Request) error {
	path := strings.TrimPrefix(r.URL.Path, "/v1")
	item := doc.Paths.Find(path)
	if item == nil {
		return &openapi3filter.RequestError{Reason: "no such path in the OpenAPI description: " + path}
	}
	op := item.GetOperation(r.Method)
	if op == nil {
		return &openapi3filter.RequestError{Reason: "no such operation: " + r.Method + " " + path}
	}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		return validateMultipart(op, r)
	}
	return openapi3filter.ValidateRequest(context.Background(), &openapi3filter.RequestValidationInput{
		Request: r, PathParams: map[string]string{},
		Route:   &routers.Route{Spec: doc, Path: path, PathItem: item, Method: r.Method, Operation: op},
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
	})
}

// validatingServer checks every request against the OpenAPI description
// before the simulator answers it.
func validatingServer(t *testing.T, doc *openapi3.T) (*httptest.Server, *[]string) {
	p, _ := sim.New(sim.Options{})
	h := (&sim.Server{Models: map[string]*sim.Provider{"m": p}}).Handler()
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		if err := validate(doc, r); err != nil {
			t.Errorf("%s %s does not match the OpenAPI description: %v", r.Method, r.URL.Path, err)
		}
		mu.Lock()
		seen = append(seen, r.Method+" "+r.URL.Path)
		mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(body))
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &seen
}

// TestRequestsMatchOpenAPI sends every kind of request the adapter makes,
// with every option, through a server that validates them against the
// official OpenAPI description.
func TestRequestsMatchOpenAPI(t *testing.T) {
	doc := loadDoc(t)
	srv, seen := validatingServer(t, doc)
	ctx := context.Background()
	// SendSeed is a documented extension outside the official API, so it is
	// left out here.
	for _, o := range []Options{{ImageInput: "data_uri"}, {Quality: "high", ResponseFormat: "b64_json", ImageInput: "data_uri"}} {
		c, err := New(Config{BaseURL: srv.URL + "/v1", APIKey: "sk-test", Size: 64, Options: o})
		if err != nil {
			t.Fatal(err)
		}
		img, err := c.Generate(ctx, generators.ImageRequest{Model: "m", Prompt: "Traditional house in Kenya, photorealistic.", Seed: 3})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Edit(ctx, generators.EditRequest{Model: "m", Instruction: "Change the image to represent house in Kenya.", Image: img.Image, Seed: 3}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Chat(ctx, generators.ChatRequest{Model: "m", System: "Answer yes or no.", Prompt: "Is this Kenya?", Images: [][]byte{img.Image}, MaxTokens: 8, Seed: 1}); err != nil {
			t.Fatal(err)
		}
		for _, er := range []generators.EmbedRequest{{Model: "m", Image: img.Image}, {Model: "m", Text: "a house"}} {
			if _, err := c.Embed(ctx, er); err != nil {
				t.Fatal(err)
			}
		}
	}
	if len(*seen) != 10 {
		t.Fatalf("server saw %d requests: %v", len(*seen), *seen)
	}
}

// TestValidatorRejectsBadRequests makes sure the validation above can fail.
func TestValidatorRejectsBadRequests(t *testing.T) {
	doc := loadDoc(t)
	for _, tc := range []struct{ path, body string }{
		{"/v1/chat/completions", `{"model": "m"}`},
		{"/v1/images/generations", `{"model": "m", "n": "one"}`},
		{"/v1/embeddings", `{"input": "x"}`},
	} {
		r := httptest.NewRequest(http.MethodPost, tc.path, strings.NewReader(tc.body))
		r.Header.Set("Content-Type", "application/json")
		if err := validate(doc, r); err == nil {
			t.Errorf("%s %s passed validation", tc.path, tc.body)
		}
	}
}

// validateMultipart checks a multipart body against its schema part by
// part. kin-openapi's own multipart decoder cannot decode fields whose
// schema is an anyOf (such as "model"), so each part's value is checked
// here: every part must be a property, required parts must be present, and
// a value must match its schema or one of its anyOf alternatives.
func validateMultipart(op *openapi3.Operation, r *http.Request) error {
	mt := op.RequestBody.Value.Content.Get("multipart/form-data")
	if mt == nil {
		return &openapi3filter.RequestError{Reason: "the operation takes no multipart body"}
	}
	schema := mt.Schema.Value
	if err := r.ParseMultipartForm(64 << 20); err != nil {
		return err
	}
	present := map[string]bool{}
	for name := range r.MultipartForm.File {
		prop := schema.Properties[strings.TrimSuffix(name, "[]")]
		if prop == nil {
			return &openapi3filter.RequestError{Reason: "unknown file part " + name}
		}
		present[strings.TrimSuffix(name, "[]")] = true
	}
	for name, values := range r.MultipartForm.Value {
		prop := schema.Properties[name]
		if prop == nil {
			return &openapi3filter.RequestError{Reason: "unknown part " + name}
		}
		present[name] = true
		for _, v := range values {
			if err := matchScalar(prop.Value, v); err != nil {
				return &openapi3filter.RequestError{Reason: "part " + name + ": " + err.Error()}
			}
		}
	}
	for _, req := range schema.Required {
		if !present[req] {
			return &openapi3filter.RequestError{Reason: "missing required part " + req}
		}
	}
	return nil
}

func matchScalar(s *openapi3.Schema, v string) error {
	if len(s.AnyOf) > 0 {
		var last error
		for _, alt := range s.AnyOf {
			if last = matchScalar(alt.Value, v); last == nil {
				return nil
			}
		}
		return last
	}
	var val any = v
	switch {
	case s.Type.Is("integer"), s.Type.Is("number"):
		var f float64
		if _, err := fmt.Sscan(v, &f); err != nil {
			return fmt.Errorf("%q is not a number", v)
		}
		val = f
	case s.Type.Is("boolean"):
		val = v == "true"
	}
	return s.VisitJSON(val)
}

func TestMultipartValidatorRejects(t *testing.T) {
	doc := loadDoc(t)
	for name, fields := range map[string]map[string]string{
		"missing prompt": {"model": "m"},
		"unknown part":   {"model": "m", "prompt": "p", "colour": "red"},
		"bad n":          {"model": "m", "prompt": "p", "n": "many"},
	} {
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		fw, _ := w.CreateFormFile("image", "image.png")
		fw.Write([]byte("png"))
		for k, v := range fields {
			w.WriteField(k, v)
		}
		w.Close()
		r := httptest.NewRequest(http.MethodPost, "/v1/images/edits", &buf)
		r.Header.Set("Content-Type", w.FormDataContentType())
		if err := validate(doc, r); err == nil {
			t.Errorf("%s: passed validation", name)
		}
	}
}
