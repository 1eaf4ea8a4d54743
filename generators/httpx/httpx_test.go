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
