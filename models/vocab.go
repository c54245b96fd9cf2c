package models

import "strings"

// Status is where a recommendation stands. The API values are part of the
// outside contract (shared/CONTRACT.md) and must never be renamed.
type Status string

const (
	StatusNotStarted           Status = "not_started"
	StatusInProgress           Status = "in_progress"
	StatusPartiallyImplemented Status = "partially_implemented"
	StatusStalled              Status = "stalled"
	StatusImplemented          Status = "implemented"
	StatusNotImplemented       Status = "not_implemented"
)

// Statuses lists every status in the order the UI shows them.
var Statuses = []Status{StatusNotStarted, StatusInProgress, StatusPartiallyImplemented, StatusStalled, StatusImplemented, StatusNotImplemented}

// Valid reports whether s is one of the contract's statuses.
func (s Status) Valid() bool {
	for _, x := range Statuses {
		if x == s {
			return true
		}
	}
	return false
}

// Closed reports whether the status ends the work on an item; closing and
// reopening are reserved to leads.
func (s Status) Closed() bool { return s == StatusImplemented || s == StatusNotImplemented }

// Label is the human wording of the status.
func (s Status) Label() string {
	switch s {
	case StatusNotStarted:
		return "Not started"
	case StatusInProgress:
		return "In progress"
	case StatusPartiallyImplemented:
		return "Partially implemented"
	case StatusStalled:
		return "Stalled"
	case StatusImplemented:
		return "Implemented"
	case StatusNotImplemented:
		return "Not implemented"
	}
	return string(s)
}

// DefaultProgress is the progress a status implies. ok is false for the
// statuses that keep the last value (stalled, not_implemented).
func (s Status) DefaultProgress() (p int, ok bool) {
	switch s {
	case StatusNotStarted:
		return 0, true
	case StatusInProgress:
		return 25, true
	case StatusPartiallyImplemented:
		return 60, true
	case StatusImplemented:
		return 100, true
	}
	return 0, false
}

// Priority orders the team's attention.
type Priority string

const (
	PriorityHigh   Priority = "high"
	PriorityMedium Priority = "medium"
	PriorityLow    Priority = "low"
)

var Priorities = []Priority{PriorityHigh, PriorityMedium, PriorityLow}

func (p Priority) Valid() bool { return p == PriorityHigh || p == PriorityMedium || p == PriorityLow }

func (p Priority) Label() string {
	if p == "" {
		return ""
	}
	return strings.ToUpper(string(p[:1])) + string(p[1:])
}

// Domain is the policy area a recommendation belongs to. The slugs are the
// API values; the labels are what people read.
type Domain struct {
	Slug  string
	Label string
}

var Domains = []Domain{
	{"energy", "Energy"},
	{"economy", "Economy & trade"},
	{"digital", "Digital & AI"},
	{"connectivity", "Connectivity"},
	{"security", "Security & defence"},
	{"peace", "Peace process"},
	{"diplomacy", "Diplomacy & institutions"},
	{"humanitarian", "Humanitarian"},
	{"education", "Education & exchanges"},
}

// DomainLabel returns the label of a domain slug, or the slug itself.
func DomainLabel(slug string) string {
	for _, d := range Domains {
		if d.Slug == slug {
			return d.Label
		}
	}
	return slug
}

// ValidDomain reports whether slug names a known domain.
func ValidDomain(slug string) bool {
	for _, d := range Domains {
		if d.Slug == slug {
			return true
		}
	}
	return false
}

// Strength is the report's own wording: "should" (should, must, is expected
// to) or "could" (can, could, may).
const (
	StrengthShould = "should"
	StrengthCould  = "could"
)

func StrengthLabel(s string) string {
	switch s {
	case StrengthShould:
		return "Should / must"
	case StrengthCould:
		return "Can / could"
	}
	return s
}
