// Package comfyui is the provider for ComfyUI: a workflow in ComfyUI's API
// format (exported with "Save (API)") with placeholders for the prompt, the
// seed and the input image. For each call it uploads the input image
// (/upload/image), queues the workflow (/prompt), polls /history/{id} until
// the job is done and fetches the first output image (/view).
//
// Placeholders are JSON string values: "{{prompt}}" and "{{image}}" are
// replaced by the prompt and the uploaded image's name; "{{seed}}" (the
// whole string) by the seed as a number. A workflow the server rejects
// (node errors) or a job that ends in error is permanent; failures are
// classified *generators.Error values as for every provider.
package comfyui

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/blindspot-audit/blindspot/generators"
	"github.com/blindspot-audit/blindspot/generators/httpx"
)

// Options are the `comfyui:` block of an endpoint.
type Options struct {
	// Workflow is the text-to-image workflow file (API format), relative to
	// the spec.
	Workflow string `yaml:"workflow"`
	// EditWorkflow is the image-editing workflow file; it must use {{image}}.
	EditWorkflow string `yaml:"edit_workflow"`
	// PollInterval is how often a queued job is checked (default 500ms).
	PollInterval time.Duration `yaml:"poll_interval"`

	// Generate and Edit are the workflows as read and checked with the
	// spec; Hash is a hash of their text, which makes a changed workflow a
	// different model to the cache.
	Generate, Edit Workflow `yaml:"-"`
	Hash           string   `yaml:"-"`
}

// Placeholders.
const (
	PromptPlaceholder = "{{prompt}}"
	SeedPlaceholder   = "{{seed}}"
	ImagePlaceholder  = "{{image}}"
)

// Workflow is a parsed API-format workflow: node id -> node.
type Workflow map[string]any

// ParseWorkflow reads a workflow and checks it has the placeholders its
// role needs.
func ParseWorkflow(data []byte, edit bool) (Workflow, error) {
	var w Workflow
	if err := json.Unmarshal(data, &w); err != nil {
		return nil, fmt.Errorf("not a JSON workflow: %w", err)
	}
	if len(w) == 0 {
		return nil, fmt.Errorf("the workflow has no nodes")
	}
	for id, n := range w {
		node, ok := n.(map[string]any)
		if !ok || node["class_type"] == nil || node["inputs"] == nil {
			return nil, fmt.Errorf("node %s is not an API-format node (class_type and inputs); export the workflow with \"Save (API)\"", id)
		}
	}
	found := map[string]bool{}
	walk(map[string]any(w), func(s string) any {
		for _, p := range []string{PromptPlaceholder, ImagePlaceholder, SeedPlaceholder} {
			if strings.Contains(s, p) {
				found[p] = true
			}
		}
		return s
	})
	if !found[PromptPlaceholder] {
		return nil, fmt.Errorf("the workflow has no %q placeholder", PromptPlaceholder)
	}
	if edit && !found[ImagePlaceholder] {
		return nil, fmt.Errorf("an edit workflow needs an %q placeholder (the LoadImage node's image)", ImagePlaceholder)
	}
	return w, nil
}

// walk replaces every string value of v by f(string).
func walk(v any, f func(string) any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = walk(e, f)
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = walk(e, f)
		}
		return x
	case string:
		return f(x)
	}
	return v
}

// fill returns a copy of the workflow with its placeholders filled.
func (w Workflow) fill(prompt string, seed int64, image string) (Workflow, error) {
	b, err := json.Marshal(w)
	if err != nil {
		return nil, err
	}
	var out Workflow
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, err
	}
	walk(map[string]any(out), func(s string) any {
		switch s {
		case SeedPlaceholder:
			return seed
		case ImagePlaceholder:
			return image
		}
		return strings.NewReplacer(PromptPlaceholder, prompt, ImagePlaceholder, image, SeedPlaceholder, strconv.FormatInt(seed, 10)).Replace(s)
	})
	return out, nil
}

// Client is one ComfyUI server.
type Client struct {
	base     string
	key      string
	gen, ed  Workflow
	poll     time.Duration
	http     *http.Client
	clientID string
}

// DefaultBaseURL is a local ComfyUI.
const DefaultBaseURL = "http://127.0.0.1:8188"

// New opens a server with its workflows (either may be nil).
func New(baseURL, key string, gen, edit Workflow, poll time.Duration) *Client {
	if baseURL == "" {
		baseURL = DefaultBaseURL
	}
	if poll <= 0 {
		poll = 500 * time.Millisecond
	}
	return &Client{base: strings.TrimSuffix(baseURL, "/"), key: key, gen: gen, ed: edit, poll: poll, http: httpx.Client(0), clientID: "blindspot"}
}

func (c *Client) header() http.Header {
	h := http.Header{}
	if c.key != "" {
		h.Set("Authorization", "Bearer "+c.key)
	}
	return h
}

func (c *Client) json(ctx context.Context, method, path string, body, out any) error {
	return httpx.JSONCall{Client: c.http, Method: method, URL: c.base + path, Header: c.header(), Body: body,
		Secrets: []string{c.key}, ErrorMessage: errorMessage}.Do(ctx, out)
}

// errorMessage reads ComfyUI's {"error": {"message", "details"}, "node_errors": ...}.
func errorMessage(b []byte) string {
	var e struct {
		Error struct {
			Message string `json:"message"`
			Details string `json:"details"`
		} `json:"error"`
		NodeErrors map[string]struct {
			Errors []struct {
				Message string `json:"message"`
				Details string `json:"details"`
			} `json:"errors"`
			ClassType string `json:"class_type"`
		} `json:"node_errors"`
	}
	if json.Unmarshal(b, &e) != nil {
		return ""
	}
	parts := []string{strings.TrimSpace(e.Error.Message + " " + e.Error.Details)}
	ids := make([]string, 0, len(e.NodeErrors))
	for id := range e.NodeErrors {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		for _, ne := range e.NodeErrors[id].Errors {
			parts = append(parts, fmt.Sprintf("node %s (%s): %s %s", id, e.NodeErrors[id].ClassType, ne.Message, ne.Details))
		}
	}
	return strings.Join(parts, "; ")
}

// Generate runs the text-to-image workflow.
func (c *Client) Generate(ctx context.Context, req generators.ImageRequest) (*generators.Response, error) {
	if c.gen == nil {
		return nil, generators.Errorf(generators.Permanent, "no comfyui.workflow is configured")
	}
	return c.run(ctx, c.gen, req.Prompt, req.Seed, "")
}

// Edit uploads the image and runs the edit workflow.
func (c *Client) Edit(ctx context.Context, req generators.EditRequest) (*generators.Response, error) {
	if c.ed == nil {
		return nil, generators.Errorf(generators.Permanent, "no comfyui.edit_workflow is configured")
	}
	name, err := c.upload(ctx, req.Image)
	if err != nil {
		return nil, err
	}
	return c.run(ctx, c.ed, req.Instruction, req.Seed, name)
}

func (c *Client) upload(ctx context.Context, img []byte) (string, error) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	name := fmt.Sprintf("blindspot-%x.png", httpxHash(img))
	fw, err := mw.CreateFormFile("image", name)
	if err != nil {
		return "", &generators.Error{Class: generators.Permanent, Err: err}
	}
	fw.Write(img)
	mw.WriteField("overwrite", "true")
	mw.WriteField("type", "input")
	mw.Close()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/upload/image", &buf)
	if err != nil {
		return "", &generators.Error{Class: generators.Permanent, Err: err}
	}
	req.Header = c.header()
	req.Header.Set("Content-Type", mw.FormDataContentType())
	var res struct {
		Name      string `json:"name"`
		Subfolder string `json:"subfolder"`
	}
	if err := c.do(req, &res); err != nil {
		return "", err
	}
	if res.Name == "" {
		return "", generators.Errorf(generators.BadOutput, "the upload answer names no file")
	}
	if res.Subfolder != "" {
		return res.Subfolder + "/" + res.Name, nil
	}
	return res.Name, nil
}

// do sends a prepared request and decodes its JSON answer.
func (c *Client) do(req *http.Request, out any) error {
	resp, err := c.http.Do(req)
	if err != nil {
		if e := httpx.Transport(err); e != nil {
			return httpx.Redact(e, c.key)
		}
		return &generators.Error{Class: generators.Permanent, Err: err}
	}
	defer resp.Body.Close()
	data, err := httpx.ReadBody(resp)
	if err != nil {
		if e := httpx.Transport(err); e != nil {
			return e
		}
		return &generators.Error{Class: generators.BadOutput, Err: err}
	}
	if resp.StatusCode != http.StatusOK {
		return httpx.Redact(httpx.StatusError(resp.StatusCode, resp.Header, errorMessage(data)), c.key)
	}
	if err := json.Unmarshal(data, out); err != nil {
		return &generators.Error{Class: generators.BadOutput, Msg: "the answer is not the expected JSON", Err: err}
	}
	return nil
}

type historyEntry struct {
	Outputs map[string]struct {
		Images []struct {
			Filename  string `json:"filename"`
			Subfolder string `json:"subfolder"`
			Type      string `json:"type"`
		} `json:"images"`
	} `json:"outputs"`
	Status struct {
		StatusStr string            `json:"status_str"`
		Completed bool              `json:"completed"`
		Messages  []json.RawMessage `json:"messages"`
	} `json:"status"`
}

func (c *Client) run(ctx context.Context, w Workflow, prompt string, seed int64, image string) (*generators.Response, error) {
	filled, err := w.fill(prompt, seed, image)
	if err != nil {
		return nil, &generators.Error{Class: generators.Permanent, Msg: "filling the workflow", Err: err}
	}
	var queued struct {
		PromptID string `json:"prompt_id"`
	}
	if err := c.json(ctx, http.MethodPost, "/prompt", map[string]any{"prompt": filled, "client_id": c.clientID}, &queued); err != nil {
		return nil, err
	}
	if queued.PromptID == "" {
		return nil, generators.Errorf(generators.BadOutput, "the queue answer has no prompt_id")
	}
	entry, err := c.wait(ctx, queued.PromptID)
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(entry.Outputs))
	for id := range entry.Outputs {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return nodeLess(ids[i], ids[j]) })
	for _, id := range ids {
		for _, im := range entry.Outputs[id].Images {
			if im.Type != "output" {
				continue
			}
			q := url.Values{"filename": {im.Filename}, "subfolder": {im.Subfolder}, "type": {im.Type}}
			img, err := httpx.Download(ctx, c.http, c.base+"/", "/view?"+q.Encode(), c.header())
			if err != nil {
				return nil, httpx.Redact(err, c.key)
			}
			return &generators.Response{Image: img, Usage: generators.Usage{Images: 1}, ModelVersion: "comfyui"}, nil
		}
	}
	return nil, generators.Errorf(generators.BadOutput, "the job finished without an output image")
}

// wait polls the history until the job is done.
func (c *Client) wait(ctx context.Context, id string) (*historyEntry, error) {
	t := time.NewTicker(c.poll)
	defer t.Stop()
	for {
		var hist map[string]historyEntry
		if err := c.json(ctx, http.MethodGet, "/history/"+url.PathEscape(id), nil, &hist); err != nil {
			return nil, err
		}
		if e, ok := hist[id]; ok {
			switch {
			case e.Status.StatusStr == "error":
				return nil, generators.Errorf(generators.Permanent, "the job failed: %s", httpx.Truncate(string(joinRaw(e.Status.Messages)), 500))
			case e.Status.Completed || e.Status.StatusStr == "success":
				return &e, nil
			}
		}
		select {
		case <-ctx.Done():
			return nil, &generators.Error{Class: generators.ClassOf(ctx.Err()), Msg: "waiting for job " + id, Err: ctx.Err()}
		case <-t.C:
		}
	}
}

func nodeLess(a, b string) bool {
	ai, aerr := strconv.Atoi(a)
	bi, berr := strconv.Atoi(b)
	if aerr == nil && berr == nil {
		return ai < bi
	}
	return a < b
}

func joinRaw(ms []json.RawMessage) []byte {
	var b bytes.Buffer
	for i, m := range ms {
		if i > 0 {
			b.WriteString(", ")
		}
		b.Write(m)
	}
	return b.Bytes()
}

// httpxHash names an uploaded image by its content.
func httpxHash(b []byte) []byte {
	s := sha256.Sum256(b)
	return s[:8]
}
