package httpx

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/blindspot-audit/blindspot/generators"
)

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		h    map[string]string
		want time.Duration
	}{
		{map[string]string{"Retry-After": "3"}, 3 * time.Second},
		{map[string]string{"Retry-After": "0.5"}, 500 * time.Millisecond},
		{map[string]string{"Retry-After": now.Add(90 * time.Second).Format(http.TimeFormat)}, 90 * time.Second},
		{map[string]string{"Retry-After-Ms": "250", "Retry-After": "9"}, 250 * time.Millisecond},
		{map[string]string{"Retry-After": "soon"}, 0},
		{nil, 0},
	}
	for _, tc := range tests {
		h := http.Header{}
		for k, v := range tc.h {
			h.Set(k, v)
		}
		if got := RetryAfter(h, now); got != tc.want {
			t.Errorf("%v: %s, want %s", tc.h, got, tc.want)
		}
	}
}

func TestStatusError(t *testing.T) {
	for status, want := range map[int]generators.Class{400: generators.Permanent, 401: generators.Permanent, 404: generators.Permanent,
		408: generators.Transient, 409: generators.Transient, 429: generators.Transient, 500: generators.Transient, 503: generators.Transient} {
		if got := StatusError(status, nil, "m").Class; got != want {
			t.Errorf("%d: %s, want %s", status, got, want)
		}
	}
}

func TestResponseCap(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/chunked" {
			w.(http.Flusher).Flush() // no Content-Length: the cap must hold while reading
		}
		io.WriteString(w, strings.Repeat("x", 2000))
	}))
	defer srv.Close()
	c := Client(1000)
	for _, path := range []string{"/sized", "/chunked"} {
		resp, err := c.Get(srv.URL + path)
		if err == nil {
			_, err = io.ReadAll(resp.Body)
			resp.Body.Close()
		}
		if !errors.Is(err, ErrTooLarge) {
			t.Errorf("%s: %v, want ErrTooLarge", path, err)
		}
		if e := Transport(err); e == nil || e.Class != generators.BadOutput {
			t.Errorf("%s: classified %v", path, e)
		}
	}
	resp, err := Client(4000).Get(srv.URL + "/sized")
	if err != nil {
		t.Fatal(err)
	}
	if b, err := io.ReadAll(resp.Body); err != nil || len(b) != 2000 {
		t.Fatalf("under the cap: %d bytes, %v", len(b), err)
	}
}

func TestRedact(t *testing.T) {
	err := Redact(&generators.Error{Class: generators.Permanent, Msg: "bad key sk-abcdef"}, "sk-abcdef")
	if strings.Contains(err.Error(), "sk-abcdef") || generators.ClassOf(err) != generators.Permanent {
		t.Fatalf("%v", err)
	}
	// The class and status are said once.
	err = Redact(&generators.Error{Class: generators.Permanent, Status: 401, Msg: "Incorrect API key provided: sk-abcdef"}, "sk-abcdef")
	if got := err.Error(); got != "permanent (HTTP 401): Incorrect API key provided: [redacted]" {
		t.Fatalf("%q", got)
	}
}

// TestReadBody reads bodies of announced length (into one buffer of that
// size) and of unknown length alike, and keeps the cap's and a short
// body's errors.
func TestReadBody(t *testing.T) {
	body := strings.Repeat("0123456789", 3000)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/chunked":
			w.(http.Flusher).Flush()
		case "/short": // announces more than it sends, then hangs up
			w.Header().Set("Content-Length", "40000")
			io.WriteString(w, body[:100])
			return
		}
		io.WriteString(w, body)
	}))
	defer srv.Close()
	for _, tc := range []struct {
		path  string
		cap   int64
		want  string
		check func(error) bool
	}{
		{"/sized", 1 << 20, body, nil},
		{"/chunked", 1 << 20, body, nil},
		{"/sized", 1000, "", func(err error) bool { return errors.Is(err, ErrTooLarge) }},
		{"/chunked", 1000, "", func(err error) bool { return errors.Is(err, ErrTooLarge) }},
		{"/short", 1 << 20, "", func(err error) bool { return errors.Is(err, io.ErrUnexpectedEOF) }},
	} {
		resp, err := Client(tc.cap).Get(srv.URL + tc.path)
		var got []byte
		if err == nil {
			got, err = ReadBody(resp)
			resp.Body.Close()
		}
		switch {
		case tc.check != nil && !tc.check(err):
			t.Errorf("%s (cap %d): error %v", tc.path, tc.cap, err)
		case tc.check == nil && (err != nil || string(got) != tc.want):
			t.Errorf("%s (cap %d): %d bytes, %v; want %d bytes", tc.path, tc.cap, len(got), err, len(tc.want))
		}
	}
}
