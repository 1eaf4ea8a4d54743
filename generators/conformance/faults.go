package conformance

import (
	"net/http"
	"strings"
	"sync"
)

// Shapes tell a FaultServer how its protocol writes each fault.
type Shapes struct {
	// Error writes an error body of the protocol for a status.
	Error func(w http.ResponseWriter, r *http.Request, status int, code, msg string)
	// Empty is a well-formed 200 body with no result, for a request.
	Empty func(r *http.Request) string
	// Refuse writes the protocol's content-policy refusal; nil if it has none.
	Refuse func(w http.ResponseWriter, r *http.Request)
	// OversizedBytes is how large the oversized body is (past the client's
	// cap under test).
	OversizedBytes int
}

// FaultServer wraps a protocol's fake server and produces any Fault on
// demand. Unauthorized echoes the bearer token in its message, as some
// servers do, so the suite can check the key is redacted.
type FaultServer struct {
	Next   http.Handler
	Shapes Shapes
	mu     sync.Mutex
	fault  Fault
}

// Set makes every following request fail with f (None heals).
func (s *FaultServer) Set(f Fault) {
	s.mu.Lock()
	s.fault = f
	s.mu.Unlock()
}

func (s *FaultServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	f := s.fault
	s.mu.Unlock()
	json := func(body string) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(body))
	}
	switch f {
	case RateLimited:
		w.Header().Set("Retry-After", "2")
		s.Shapes.Error(w, r, http.StatusTooManyRequests, "rate_limit_exceeded", "Rate limit reached")
	case ServerError:
		s.Shapes.Error(w, r, http.StatusInternalServerError, "server_error", "The server had an error")
	case Garbage:
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<html><body>502 Bad Gateway</body></html>"))
	case Truncated:
		json(`{"created": 1, "data": [{"b64_json": "iVBO`)
	case Oversized:
		json(`{"data": "` + strings.Repeat("A", s.Shapes.OversizedBytes) + `"}`)
	case Empty:
		json(s.Shapes.Empty(r))
	case Refused:
		s.Shapes.Refuse(w, r)
	case Unauthorized:
		s.Shapes.Error(w, r, http.StatusUnauthorized, "invalid_api_key", "Incorrect API key provided: "+strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
	case Hangup:
		if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
			conn.Close()
		}
	default:
		s.Next.ServeHTTP(w, r)
	}
}
