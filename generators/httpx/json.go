package httpx

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/blindspot-audit/blindspot/generators"
)

// JSONCall is one JSON request to a provider's HTTP API.
type JSONCall struct {
	Client  *http.Client
	Method  string
	URL     string
	Header  http.Header
	Body    any // marshalled as JSON; nil sends no body
	Secrets []string
	// ErrorMessage extracts the server's message from an error body.
	ErrorMessage func(body []byte) string
	// Refusal reports whether an error response is a content refusal.
	Refusal func(status int, msg string) bool
}

// Do sends the request and decodes a 200 JSON answer into out. Every
// failure comes back classified, with secrets removed.
func (c JSONCall) Do(ctx context.Context, out any) error {
	var body io.Reader
	if c.Body != nil {
		b, err := json.Marshal(c.Body)
		if err != nil {
			return &generators.Error{Class: generators.Permanent, Msg: "encoding the request", Err: err}
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, c.Method, c.URL, body)
	if err != nil {
		return &generators.Error{Class: generators.Permanent, Msg: "building the request", Err: err}
	}
	for k, v := range c.Header {
		req.Header[k] = v
	}
	if c.Body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	return Redact(c.finish(req, out), c.Secrets...)
}

func (c JSONCall) finish(req *http.Request, out any) error {
	resp, err := c.Client.Do(req)
	if err != nil {
		if e := Transport(err); e != nil {
			return e
		}
		return &generators.Error{Class: generators.Permanent, Err: err}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		if e := Transport(err); e != nil {
			return e
		}
		return &generators.Error{Class: generators.BadOutput, Err: err}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		msg := ""
		if c.ErrorMessage != nil {
			msg = c.ErrorMessage(data)
		}
		if msg == "" {
			msg = Truncate(strings.TrimSpace(string(data)), 300)
		}
		e := StatusError(resp.StatusCode, resp.Header, msg)
		if c.Refusal != nil && c.Refusal(resp.StatusCode, msg) {
			e.Class = generators.Refusal
		}
		return e
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != "application/json" {
		return generators.Errorf(generators.BadOutput, "expected a JSON response, got Content-Type %q: %s", resp.Header.Get("Content-Type"), Truncate(string(data), 120))
	}
	if err := json.Unmarshal(data, out); err != nil {
		return &generators.Error{Class: generators.BadOutput, Msg: fmt.Sprintf("the response is not the expected JSON (%d bytes)", len(data)), Err: err}
	}
	return nil
}
