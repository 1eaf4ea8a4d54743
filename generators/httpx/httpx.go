// Package httpx holds what every HTTP provider needs the same way: a client
// whose responses are size-capped, the classification of HTTP failures into
// the generators error classes, Retry-After parsing, secret redaction and
// downloading an image URL a response points to.
package httpx

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/blindspot-audit/blindspot/generators"
)

// DefaultMaxResponseBytes caps a response body.
const DefaultMaxResponseBytes = 64 << 20

// ErrTooLarge is returned when a response body passes the cap.
var ErrTooLarge = errors.New("response body is larger than the cap")

// Client returns an HTTP client whose response bodies fail with ErrTooLarge
// past max bytes.
func Client(max int64) *http.Client {
	if max <= 0 {
		max = DefaultMaxResponseBytes
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	// An endpoint runs up to its concurrency of calls at once; keep that
	// many connections alive instead of Go's default of two per host.
	t.MaxIdleConnsPerHost = 1024
	t.MaxIdleConns = 1024
	return &http.Client{Transport: &capTransport{next: t, max: max}}
}

type capTransport struct {
	next http.RoundTripper
	max  int64
}

func (t *capTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	if resp.ContentLength > t.max {
		resp.Body.Close()
		return nil, fmt.Errorf("%w (%d bytes announced, cap %d)", ErrTooLarge, resp.ContentLength, t.max)
	}
	resp.Body = &capBody{rc: resp.Body, left: t.max}
	return resp, nil
}

type capBody struct {
	rc   io.ReadCloser
	left int64
}

func (b *capBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// One more byte would pass the cap: find out whether there is one.
		var one [1]byte
		if n, _ := b.rc.Read(one[:]); n > 0 {
			return 0, ErrTooLarge
		}
		return 0, io.EOF
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *capBody) Close() error { return b.rc.Close() }

// ReadBody reads a response's body whole. A body of announced length is
// read into one buffer of that size: reading an image's base64 with
// io.ReadAll copied it about twice while growing its buffer.
func ReadBody(resp *http.Response) ([]byte, error) {
	var buf bytes.Buffer
	err := readBody(&buf, resp)
	return buf.Bytes(), err
}

// readBody appends a response's body to buf, growing it once to the
// announced length.
func readBody(buf *bytes.Buffer, resp *http.Response) error {
	// 1 GiB is the largest cap an endpoint may set (max_response_mb). The
	// client (and capTransport) stop a body at its announced length;
	// MinRead spare bytes let the buffer see the end without growing.
	if n := resp.ContentLength; n > 0 && n <= 1<<30 {
		buf.Grow(int(n) + bytes.MinRead)
	}
	_, err := buf.ReadFrom(resp.Body)
	return err
}

// RetryAfter reads Retry-After (seconds or an HTTP date) and the
// retry-after-ms extension.
func RetryAfter(h http.Header, now time.Time) time.Duration {
	if h == nil {
		return 0
	}
	if ms, err := strconv.ParseFloat(h.Get("Retry-After-Ms"), 64); err == nil && ms > 0 {
		return time.Duration(ms * float64(time.Millisecond))
	}
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil && s > 0 {
		return time.Duration(s * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// StatusError classifies an HTTP error status: 408, 409, 425, 429 and 5xx
// are transient; everything else is permanent. A refusal is recognised by
// the caller, which knows its protocol's refusal codes.
func StatusError(status int, h http.Header, msg string) *generators.Error {
	e := &generators.Error{Class: generators.Permanent, Status: status, Msg: msg}
	switch {
	case status == 408, status == 409, status == 425, status == 429, status >= 500:
		e.Class = generators.Transient
		e.RetryAfter = RetryAfter(h, time.Now())
	case status == 401 || status == 403:
		e.Msg = "authentication failed (check the key in the endpoint's api_key_env): " + msg
	}
	return e
}

// Transport classifies an error from sending a request: timeouts, resets
// and refused connections are transient, an oversized body is bad output,
// a cancellation stays a cancellation.
func Transport(err error) *generators.Error {
	var ne net.Error
	switch {
	case errors.Is(err, context.Canceled):
		return &generators.Error{Class: generators.Canceled, Err: err}
	case errors.Is(err, ErrTooLarge):
		return &generators.Error{Class: generators.BadOutput, Err: err}
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF),
		errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.EPIPE),
		errors.As(err, &ne):
		return &generators.Error{Class: generators.Transient, Err: err}
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return &generators.Error{Class: generators.Transient, Err: err}
	}
	return nil
}

// Redact removes secrets from an error so none reaches a log, store or
// report.
func Redact(err error, secrets ...string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	changed := false
	for _, s := range secrets {
		if len(s) >= 4 && strings.Contains(msg, s) {
			msg = strings.ReplaceAll(msg, s, "[redacted]")
			changed = true
		}
	}
	if !changed {
		return err
	}
	var ge *generators.Error
	if errors.As(err, &ge) {
		// Each part redacted in place: the class and status are said once.
		hide := func(s string) string {
			for _, sec := range secrets {
				if len(sec) >= 4 {
					s = strings.ReplaceAll(s, sec, "[redacted]")
				}
			}
			return s
		}
		out := &generators.Error{Class: ge.Class, Status: ge.Status, RetryAfter: ge.RetryAfter, Msg: hide(ge.Msg)}
		if ge.Err != nil {
			out.Err = errors.New(hide(ge.Err.Error()))
		}
		if ge != err { // wrapped: what the wrapping said, redacted, with the class kept
			return &generators.Error{Class: ge.Class, Status: ge.Status, RetryAfter: ge.RetryAfter, Msg: msg}
		}
		return out
	}
	return errors.New(msg)
}

// Download fetches an image a response points to, relative URLs resolved
// against base.
func Download(ctx context.Context, c *http.Client, base, ref string, header http.Header) ([]byte, error) {
	u, err := url.Parse(ref)
	if err != nil {
		return nil, &generators.Error{Class: generators.BadOutput, Msg: "image URL is invalid", Err: err}
	}
	if !u.IsAbs() {
		b, err := url.Parse(base)
		if err != nil {
			return nil, &generators.Error{Class: generators.Permanent, Msg: "base URL is invalid", Err: err}
		}
		u = b.ResolveReference(u)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, &generators.Error{Class: generators.BadOutput, Msg: fmt.Sprintf("image URL scheme %q is not http(s)", u.Scheme)}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, &generators.Error{Class: generators.Permanent, Err: err}
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := c.Do(req)
	if err != nil {
		if e := Transport(err); e != nil {
			return nil, e
		}
		return nil, &generators.Error{Class: generators.Permanent, Err: err}
	}
	defer resp.Body.Close()
	body, err := ReadBody(resp)
	if err != nil {
		if e := Transport(err); e != nil {
			return nil, e
		}
		return nil, &generators.Error{Class: generators.BadOutput, Err: err}
	}
	if resp.StatusCode != http.StatusOK {
		return nil, StatusError(resp.StatusCode, resp.Header, "downloading the image: "+Truncate(string(body), 300))
	}
	return body, nil
}

// Truncate cuts a server's text to at most n bytes (on a rune boundary)
// for an error message.
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
