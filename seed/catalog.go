// Package seed holds the seed catalog of Policy Tracker: every policy
// recommendation of the report "Azerbaijan–U.S. Relations: Charting a New
// Course for Strategic Partnership", with verbatim quotes and page numbers.
//
// The data lives in catalog.yaml (embedded); this file parses and validates it.
package seed

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

//go:embed catalog.yaml
var catalogYAML []byte

// Source is one place in the report where a recommendation is stated.
type Source struct {
	Chapter string `yaml:"chapter"`  // chapter slug, a key of ChapterTitles
	Line    int    `yaml:"line"`     // 1-based report line where the quote starts
	Page    int    `yaml:"page"`     // printed page of the quote's first word
	EndPage int    `yaml:"end_page"` // printed page of the quote's last word
	Quote   string `yaml:"quote"`    // verbatim prose (whitespace-normalised)
}

// Entry is one recommendation of the report.
type Entry struct {
	Code     string   `yaml:"code"`     // stable code, ...
	Title    string   `yaml:"title"`    // short imperative
	Summary  string   `yaml:"summary"`  // paraphrase: what, by whom, why
	Domain   string   `yaml:"domain"`   // one of Domains
	Actor    string   `yaml:"actor"`    // who is asked to act
	Strength string   `yaml:"strength"` // "should" or "could"
	Keywords []string `yaml:"keywords"` // lowercase search keywords
	Sources  []Source `yaml:"sources"`  // first is the primary source
}

// ChapterTitles maps chapter slugs to the full chapter titles of the report.
var ChapterTitles = map[string]string{
	"foreword":                    "Foreword",
	"executive-summary":           "Executive Summary",
	"setting-the-stage":           "Setting the Stage for the New Phase of the U.S.-Azerbaijan Relations",
	"historical-trajectory":       "Historical Trajectory of Bilateral Relations",
	"armenia-azerbaijan-conflict": "The United States and the Armenia–Azerbaijan Conflict",
	"energy":                      "Energy Cooperation as a Strategic Pillar",
	"non-energy-economy":          "Non-Energy Fields of Economic Cooperation and Connectivity",
	"conclusion":                  "Conclusion and Policy Recommendations: Toward a Strategic Reset in U.S.–Azerbaijan Relations",
}

// Domains is the set of allowed policy domains.
var Domains = map[string]bool{
	"energy":       true,
	"economy":      true,
	"digital":      true,
	"connectivity": true,
	"security":     true,
	"peace":        true,
	"diplomacy":    true,
	"humanitarian": true,
	"education":    true,
}

// Strengths is the set of allowed recommendation strengths.
var Strengths = map[string]bool{"should": true, "could": true}

var codeRe = regexp.MustCompile(`^R-\d{2,}$`)

// Catalog parses and validates the embedded catalog.
func Catalog() ([]Entry, error) {
	return ParseCatalog(catalogYAML)
}

// ParseCatalog parses a catalog document strictly (unknown fields are an
// error) and validates it. A zero end_page defaults to page.
func ParseCatalog(data []byte) ([]Entry, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var entries []Entry
	if err := dec.Decode(&entries); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("seed: catalog is empty")
		}
		return nil, fmt.Errorf("seed: parse catalog: %w", err)
	}
	var extra any
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, errors.New("seed: catalog must be a single YAML document")
	}
	if len(entries) == 0 {
		return nil, errors.New("seed: catalog has no entries")
	}
	seen := make(map[string]int, len(entries))
	for i := range entries {
		e := &entries[i]
		name := e.Code
		if name == "" {
			name = fmt.Sprintf("entry #%d", i+1)
		}
		if e.Code == "" {
			return nil, fmt.Errorf("seed: %s: missing code", name)
		}
		if !codeRe.MatchString(e.Code) {
			return nil, fmt.Errorf("seed: %s: code must look like R-01", name)
		}
		if j, dup := seen[e.Code]; dup {
			return nil, fmt.Errorf("seed: %s: duplicate code (entries #%d and #%d)", name, j+1, i+1)
		}
		seen[e.Code] = i
		if want := fmt.Sprintf("R-%02d", i+1); e.Code != want {
			return nil, fmt.Errorf("seed: %s: out of sequence, entry #%d must be %s", name, i+1, want)
		}
		for _, f := range [...]struct{ name, value string }{
			{"title", e.Title}, {"summary", e.Summary}, {"domain", e.Domain},
			{"actor", e.Actor}, {"strength", e.Strength},
		} {
			if strings.TrimSpace(f.value) == "" {
				return nil, fmt.Errorf("seed: %s: missing %s", name, f.name)
			}
		}
		if !Domains[e.Domain] {
			return nil, fmt.Errorf("seed: %s: unknown domain %q", name, e.Domain)
		}
		if !Strengths[e.Strength] {
			return nil, fmt.Errorf("seed: %s: strength must be should or could, got %q", name, e.Strength)
		}
		if len(e.Sources) == 0 {
			return nil, fmt.Errorf("seed: %s: needs at least one source", name)
		}
		for k := range e.Sources {
			s := &e.Sources[k]
			if _, ok := ChapterTitles[s.Chapter]; !ok {
				return nil, fmt.Errorf("seed: %s: source %d: unknown chapter %q", name, k+1, s.Chapter)
			}
			if s.Line < 1 {
				return nil, fmt.Errorf("seed: %s: source %d: line must be >= 1", name, k+1)
			}
			if s.Page < 1 {
				return nil, fmt.Errorf("seed: %s: source %d: page must be >= 1", name, k+1)
			}
			if s.EndPage == 0 {
				s.EndPage = s.Page
			}
			if s.EndPage < s.Page {
				return nil, fmt.Errorf("seed: %s: source %d: end_page %d before page %d", name, k+1, s.EndPage, s.Page)
			}
			if strings.TrimSpace(s.Quote) == "" {
				return nil, fmt.Errorf("seed: %s: source %d: empty quote", name, k+1)
			}
		}
	}
	return entries, nil
}
