// Package httpapi is the declarative provider for hosted image APIs that
// have no adapter of their own (fal, Replicate, Black Forest Labs' FLUX
// Kontext, Stability): the spec gives the request template (method, URL,
// headers with the key taken from the environment, a JSON body or a form
// with placeholders), where the image is in the answer (a JSON path to
// base64 or to a URL, or the raw body) and an optional job-polling step
// (status URL, done and failed conditions, a result URL).
//
// JSON paths use gjson syntax ("result.sample", "images.0.url",
// "output.0"). Failures are classified *generators.Error values like every
// provider's; an answer matching `refused` is a refusal, a poll answer
// matching `failed` is permanent, a missing image is bad output.
package httpapi

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/tidwall/gjson"

	"github.com/blindspot-audit/blindspot/generators"
	"github.com/blindspot-audit/blindspot/generators/httpx"
)

// Client is one declared endpoint.
type Client struct {
	o    Options
	key  string
	http *http.Client
}

// New opens a declared endpoint; key fills {{key}}.
func New(o Options, key string) *Client {
	return &Client{o: o, key: key, http: httpx.Client(0)}
}

// Generate sends the generate request.
func (c *Client) Generate(ctx context.Context, req generators.ImageRequest) (*generators.Response, error) {
	if c.o.Generate == nil {
		return nil, generators.Errorf(generators.Permanent, "no http.generate request is declared")
	}
	return c.run(ctx, c.o.Generate, vars{Prompt: req.Prompt, Model: req.Model, Key: c.key, Seed: req.Seed, Size: req.Size})
}

// Edit sends the edit request with the image.
func (c *Client) Edit(ctx context.Context, req generators.EditRequest) (*generators.Response, error) {
	if c.o.Edit == nil {
		return nil, generators.Errorf(generators.Permanent, "no http.edit request is declared")
	}
	return c.run(ctx, c.o.Edit, vars{Prompt: req.Instruction, Model: req.Model, Key: c.key, Seed: req.Seed, Image: req.Image})
}

// Score sends the score request with the image and reads the number.
func (c *Client) Score(ctx context.Context, req generators.ScoreRequest) (*generators.Response, error) {
	if c.o.Score == nil {
		return nil, generators.Errorf(generators.Permanent, "no http.score request is declared")
	}
	return c.run(ctx, c.o.Score, vars{Prompt: req.Prompt, Model: req.Model, Key: c.key, Image: req.Image})
}

func (c *Client) run(ctx context.Context, r *Request, v vars) (*generators.Response, error) {
	resp, err := c.runRaw(ctx, r, v)
	return resp, httpx.Redact(err, c.key)
}

func (c *Client) runRaw(ctx context.Context, r *Request, v vars) (*generators.Response, error) {
	body, ctype, err := c.body(r, v)
	if err != nil {
		return nil, err
	}
	method := strings.ToUpper(r.Method)
	if method == "" {
		method = http.MethodPost
	}
	data, hdr, err := c.send(ctx, method, fill(r.URL, v, nil, false), r, v, body, ctype)
	if err != nil {
		return nil, err
	}
	if r.Result.Raw && r.Poll == nil {
		return imageResponse(data)
	}
	if err := c.jsonAnswer(data, hdr, r); err != nil {
		return nil, err
	}
	final := data
	if p := r.Poll; p != nil {
		if final, err = c.poll(ctx, p, r, v, data); err != nil {
			return nil, err
		}
		if p.ResultURL != "" {
			if final, _, err = c.send(ctx, http.MethodGet, fill(p.ResultURL, v, final, false), r, v, nil, ""); err != nil {
				return nil, err
			}
			if r.Result.Raw {
				return imageResponse(final)
			}
			if err := c.jsonAnswer(final, nil, r); err != nil {
				return nil, err
			}
		}
	}
	return c.extract(ctx, r, final)
}

// jsonAnswer checks that an answer is JSON and not a refusal.
func (c *Client) jsonAnswer(data []byte, hdr http.Header, r *Request) error {
	if !json.Valid(data) {
		return generators.Errorf(generators.BadOutput, "the answer is not JSON: %s", trunc(string(data), 120))
	}
	if r.Refused != nil && r.Refused.matches(data) {
		return generators.Errorf(generators.Refusal, "refused: %s = %q", r.Refused.Path, gjson.GetBytes(data, r.Refused.Path).String())
	}
	return nil
}

func (m Match) matches(data []byte) bool {
	got := gjson.GetBytes(data, m.Path)
	if !got.Exists() {
		return false
	}
	for _, want := range m.In {
		if got.String() == want {
			return true
		}
	}
	return false
}

func (c *Client) poll(ctx context.Context, p *Poll, r *Request, v vars, submitted []byte) ([]byte, error) {
	url := fill(p.URL, v, submitted, false)
	if url == "" {
		return nil, generators.Errorf(generators.BadOutput, "the poll URL template %q gave nothing from the submission's answer", p.URL)
	}
	interval := p.Interval
	if interval <= 0 {
		interval = time.Second
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		data, _, err := c.send(ctx, http.MethodGet, url, r, v, nil, "")
		if err != nil {
			return nil, err
		}
		if err := c.jsonAnswer(data, nil, r); err != nil {
			return nil, err
		}
		switch {
		case p.Failed != nil && p.Failed.matches(data):
			return nil, generators.Errorf(generators.Permanent, "the job failed: %s", trunc(string(data), 300))
		case p.Done.matches(data):
			return data, nil
		}
		select {
		case <-ctx.Done():
			return nil, &generators.Error{Class: generators.ClassOf(ctx.Err()), Msg: "waiting for the job", Err: ctx.Err()}
		case <-t.C:
		}
	}
}

func (c *Client) extract(ctx context.Context, r *Request, data []byte) (*generators.Response, error) {
	switch {
	case r.Result.ScorePath != "":
		got := gjson.GetBytes(data, r.Result.ScorePath)
		if got.Type != gjson.Number {
			return nil, generators.Errorf(generators.BadOutput, "no number at %s", r.Result.ScorePath)
		}
		v := got.Float()
		return &generators.Response{Score: &v, ModelVersion: "http"}, nil
	case r.Result.B64Path != "":
		s := gjson.GetBytes(data, r.Result.B64Path).String()
		if s == "" {
			return nil, generators.Errorf(generators.BadOutput, "no image at %s", r.Result.B64Path)
		}
		if _, after, ok := strings.Cut(s, ";base64,"); ok {
			s = after
		}
		img, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, &generators.Error{Class: generators.BadOutput, Msg: "the image at " + r.Result.B64Path + " is not base64", Err: err}
		}
		return imageResponse(img)
	default:
		u := gjson.GetBytes(data, r.Result.URLPath).String()
		if u == "" {
			return nil, generators.Errorf(generators.BadOutput, "no image URL at %s", r.Result.URLPath)
		}
		img, err := httpx.Download(ctx, c.http, u, u, nil)
		if err != nil {
			return nil, err
		}
		return imageResponse(img)
	}
}

func imageResponse(img []byte) (*generators.Response, error) {
	if len(img) == 0 {
		return nil, generators.Errorf(generators.BadOutput, "the answer holds no image")
	}
	return &generators.Response{Image: img, Usage: generators.Usage{Images: 1}, ModelVersion: "http"}, nil
}

func (c *Client) body(r *Request, v vars) ([]byte, string, error) {
	switch {
	case r.Body != "":
		return []byte(fill(r.Body, v, nil, true)), "application/json", nil
	case r.Form != nil:
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		keys := make([]string, 0, len(r.Form))
		for k := range r.Form {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			t := r.Form[k]
			if strings.TrimSpace(t) == "{{image}}" {
				fw, err := mw.CreateFormFile(k, "image.png")
				if err != nil {
					return nil, "", &generators.Error{Class: generators.Permanent, Err: err}
				}
				fw.Write(v.Image)
				continue
			}
			mw.WriteField(k, fill(t, v, nil, false))
		}
		mw.Close()
		return buf.Bytes(), mw.FormDataContentType(), nil
	}
	return nil, "", nil
}

// send makes one request and returns a 2xx answer's body.
func (c *Client) send(ctx context.Context, method, url string, r *Request, v vars, body []byte, ctype string) ([]byte, http.Header, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return nil, nil, &generators.Error{Class: generators.Permanent, Msg: "building the request", Err: err}
	}
	for k, t := range r.Headers {
		req.Header.Set(k, fill(t, v, nil, false))
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if e := httpx.Transport(err); e != nil {
			return nil, nil, e
		}
		return nil, nil, &generators.Error{Class: generators.Permanent, Err: err}
	}
	defer resp.Body.Close()
	data, err := httpx.ReadBody(resp)
	if err != nil {
		if e := httpx.Transport(err); e != nil {
			return nil, nil, e
		}
		return nil, nil, &generators.Error{Class: generators.BadOutput, Err: err}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		e := httpx.StatusError(resp.StatusCode, resp.Header, trunc(strings.TrimSpace(string(data)), 300))
		if r.Refused != nil && r.Refused.matches(data) {
			e.Class = generators.Refusal
		}
		return nil, nil, e
	}
	return data, resp.Header, nil
}

func trunc(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
