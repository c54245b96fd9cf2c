package models

import (
	"errors"
	"sort"
	"strings"
)

// Domain errors. Storage and rules return these (wrapped with context); the
// HTTP layer maps them to status codes in one place.
var (
	ErrNotFound     = errors.New("not found")
	ErrForbidden    = errors.New("forbidden")
	ErrUnauthorized = errors.New("unauthorized")
	ErrTooLarge     = errors.New("too large")
)

// ValidationError carries one message per offending field.
type ValidationError struct {
	Fields map[string]string
}

func (e *ValidationError) Error() string {
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+": "+e.Fields[k])
	}
	return "invalid input: " + strings.Join(parts, "; ")
}

// Add records a problem with a field; the first problem per field wins.
func (e *ValidationError) Add(field, msg string) {
	if e.Fields == nil {
		e.Fields = map[string]string{}
	}
	if _, ok := e.Fields[field]; !ok {
		e.Fields[field] = msg
	}
}

// Err returns e when it holds a problem, else nil, so callers can build one
// up and return it unconditionally.
func (e *ValidationError) Err() error {
	if e == nil || len(e.Fields) == 0 {
		return nil
	}
	return e
}

// Invalid is a shorthand for a one-field validation error.
func Invalid(field, msg string) error {
	v := &ValidationError{}
	v.Add(field, msg)
	return v
}

// ConflictError says an edit was based on a stale version. Current is the
// newer state, so the user can see what changed before trying again.
type ConflictError struct {
	Current *Recommendation
	Message string
}

func (e *ConflictError) Error() string {
	if e.Message != "" {
		return e.Message
	}
	return "conflict: the item was changed by someone else"
}

// IsConflict reports whether err is a ConflictError.
func IsConflict(err error) bool {
	var c *ConflictError
	return errors.As(err, &c)
}

// RuleError is a refusal with a message meant for the user ("Only a lead
// can close an item."). It unwraps to its kind (ErrForbidden, ErrNotFound…).
type RuleError struct {
	Msg  string
	Kind error
}

func (e *RuleError) Error() string { return e.Msg }
func (e *RuleError) Unwrap() error { return e.Kind }

// Forbidden is a permission refusal that explains itself.
func Forbidden(msg string) error { return &RuleError{Msg: msg, Kind: ErrForbidden} }
