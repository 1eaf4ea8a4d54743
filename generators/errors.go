package generators

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Class says what a failure means for the run.
type Class string

// The failure classes. Transient failures are retried; permanent ones and
// refusals are recorded at once. Budget and Canceled are assigned by the call
// policy, never by a provider.
const (
	Transient Class = "transient"
	Permanent Class = "permanent"
	Refusal   Class = "refusal"
	BadOutput Class = "bad_output"
	Budget    Class = "budget"
	Canceled  Class = "canceled"
)

// Error is a classified provider failure.
type Error struct {
	Class      Class
	Status     int           // HTTP status when there was one
	RetryAfter time.Duration // from a Retry-After header, when given
	Msg        string
	Err        error
}

func (e *Error) Error() string {
	s := string(e.Class)
	if e.Status != 0 {
		s += fmt.Sprintf(" (HTTP %d)", e.Status)
	}
	if e.Msg != "" {
		s += ": " + e.Msg
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf builds a classified error.
func Errorf(c Class, format string, a ...any) *Error {
	return &Error{Class: c, Msg: fmt.Sprintf(format, a...)}
}

// ClassOf classifies any error: a *Error keeps its class, a context
// deadline is transient, a cancellation is Canceled, and anything else is
// permanent.
func ClassOf(err error) Class {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Class
	case errors.Is(err, context.DeadlineExceeded):
		return Transient
	case errors.Is(err, context.Canceled):
		return Canceled
	}
	return Permanent
}

// RetryAfterOf returns the server's requested wait, if any.
func RetryAfterOf(err error) time.Duration {
	var e *Error
	if errors.As(err, &e) {
		return e.RetryAfter
	}
	return 0
}
