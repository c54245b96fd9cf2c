// Package importer reads the files `policytracker import` accepts and turns
// them into models.ImportRow values, with a line number for every problem:
//
//   - YAML: a list of recommendations in the shape of seed/catalog.yaml;
//   - JSON: a list of the same objects, or a JSON export of this tool;
//   - CSV: the CSV export's columns (export.CSVColumns), any subset that
//     includes "code", plus an optional "reason" for status changes.
//
// Tracking fields may appear in all three (status, progress, priority,
// owner e-mail, due_date, tags); the store decides what they change.
package importer

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"

	"policytracker/models"
	"policytracker/seed"
)

// MaxFileSize bounds an import file; the whole report is ~100 KB.
const MaxFileSize = 32 << 20

// Format names.
const (
	YAML = "yaml"
	JSON = "json"
	CSV  = "csv"
)

// Detect tells the format from the file name's extension, or else from the
// content: JSON starts with [ or {, YAML with a list item or a comment, and
// anything else is read as CSV.
func Detect(name string, data []byte) string {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".yaml", ".yml":
		return YAML
	case ".json":
		return JSON
	case ".csv":
		return CSV
	}
	t := bytes.TrimSpace(bytes.TrimPrefix(data, []byte("\uFEFF")))
	switch {
	case bytes.HasPrefix(t, []byte("[")) || bytes.HasPrefix(t, []byte("{")):
		return JSON
	case bytes.HasPrefix(t, []byte("- ")) || bytes.HasPrefix(t, []byte("#")) || bytes.HasPrefix(t, []byte("---")):
		return YAML
	}
	return CSV
}

// Parse reads a file in the given format (empty: detect it). Problems are
// per row and let the reading go on; an error means the file cannot be
// read at all (broken syntax, wrong shape).
func Parse(format, name string, data []byte) ([]models.ImportRow, []models.ImportProblem, error) {
	if len(data) > MaxFileSize {
		return nil, nil, fmt.Errorf("the file is larger than %d MB", MaxFileSize>>20)
	}
	if format == "" {
		format = Detect(name, data)
	}
	switch format {
	case YAML:
		return parseYAML(data)
	case JSON:
		return parseJSON(data)
	case CSV:
		return parseCSV(data)
	}
	return nil, nil, fmt.Errorf("unknown format %q (yaml, json or csv)", format)
}

// rowProblems collects the problems of one row.
type rowProblems struct {
	line int
	code string
	out  *[]models.ImportProblem
}

func (r *rowProblems) add(field, msg string) {
	*r.out = append(*r.out, models.ImportProblem{Line: r.line, Code: r.code, Field: field, Msg: msg})
}

// chapterTitle resolves a chapter slug of the report. A slug the report
// does not have is accepted only with its own title.
func chapterTitle(slug, title string) (string, bool) {
	if t, ok := seed.ChapterTitles[slug]; ok {
		if title == "" {
			title = t
		}
		return title, true
	}
	return title, title != ""
}

func knownChapters() string {
	var out []string
	for k := range seed.ChapterTitles {
		out = append(out, k)
	}
	sortStrings(out)
	return strings.Join(out, ", ")
}

func ptr[T any](v T) *T { return &v }
