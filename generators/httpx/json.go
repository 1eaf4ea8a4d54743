package httpx

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"sync"

	"github.com/blindspot-audit/blindspot/generators"
)

// JSONCall is one JSON request to a provider's HTTP API.
type JSONCall struct {
	Client  *http.Client
	Method  string
	URL     string
	Header  http.Header
	Body    any   // marshalled as JSON (an EncodedJSON is sent as is); nil sends no body
	Form    *Form // sent as multipart/form-data instead of Body
	Secrets []string
	// ErrorMessage extracts the server's message from an error body.
	ErrorMessage func(body []byte) string
	// Refusal reports whether an error response is a content refusal.
	Refusal func(status int, msg string) bool
}

// EncodedJSON is a request body already encoded as JSON.
type EncodedJSON []byte

// Do sends the request and decodes a 200 JSON answer into out. Every
// failure comes back classified, with secrets removed.
func (c JSONCall) Do(ctx context.Context, out any) error {
	var body io.Reader
	contentType := ""
	switch {
	case c.Form != nil:
		b, ct, err := c.Form.encode()
		if err != nil {
			return &generators.Error{Class: generators.Permanent, Msg: "encoding the form", Err: err}
		}
		body, contentType = bytes.NewReader(b), ct
	case c.Body != nil:
		if raw, ok := c.Body.(EncodedJSON); ok {
			body, contentType = bytes.NewReader(raw), "application/json"
			break
		}
		b, err := json.Marshal(c.Body)
		if err != nil {
			return &generators.Error{Class: generators.Permanent, Msg: "encoding the request", Err: err}
		}
		body, contentType = bytes.NewReader(b), "application/json"
	}
	req, err := http.NewRequestWithContext(ctx, c.Method, c.URL, body)
	if err != nil {
		return &generators.Error{Class: generators.Permanent, Msg: "building the request", Err: err}
	}
	for k, v := range c.Header {
		req.Header[k] = v
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
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
	buf := bodyBuffers.Get().(*bytes.Buffer)
	defer putBodyBuffer(buf)
	err = readBody(buf, resp)
	data := buf.Bytes() // out and every message copy from it: it is reused
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

// bodyBuffers hold JSON response bodies while they are decoded: an image
// response is its image in base64, and a run reads one per call.
var bodyBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// putBodyBuffer keeps a buffer for the next response unless it is larger
// than most images' responses.
func putBodyBuffer(b *bytes.Buffer) {
	if b.Cap() <= 16<<20 {
		b.Reset()
		bodyBuffers.Put(b)
	}
}

// Form is a multipart/form-data body: fields in order, then files.
type Form struct {
	Fields [][2]string
	Files  []FormFile
}

// FormFile is one file part of a Form.
type FormFile struct {
	Field, Name, Type string
	Data              []byte
}

// Add appends a field.
func (f *Form) Add(name, value string) { f.Fields = append(f.Fields, [2]string{name, value}) }

func (f *Form) encode() ([]byte, string, error) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, kv := range f.Fields {
		if err := w.WriteField(kv[0], kv[1]); err != nil {
			return nil, "", err
		}
	}
	for _, file := range f.Files {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, file.Field, file.Name))
		h.Set("Content-Type", file.Type)
		pw, err := w.CreatePart(h)
		if err != nil {
			return nil, "", err
		}
		if _, err := pw.Write(file.Data); err != nil {
			return nil, "", err
		}
	}
	if err := w.Close(); err != nil {
		return nil, "", err
	}
	return buf.Bytes(), w.FormDataContentType(), nil
}
