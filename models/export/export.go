// Package export writes the team's progress summary as of a date in the
// formats people use outside the tool: a Markdown memo, CSV, XLSX, JSON, PDF
// and a zip bundle with the evidence files and a SHA-256 manifest.
//
// Every writer streams to an io.Writer and walks the items in batches, so
// memory follows the batch size, not the catalog size (XLSX and PDF keep
// what their libraries need). The web handlers and the CLI share it.
package export

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"policytracker/models"
)

// Formats lists every format in the order offered to users.
var Formats = []string{"md", "csv", "xlsx", "json", "pdf", "zip"}

// ValidFormat reports whether f names a format.
func ValidFormat(f string) bool {
	for _, x := range Formats {
		if x == f {
			return true
		}
	}
	return false
}

// Label is the human name of a format.
func Label(f string) string {
	switch f {
	case "md":
		return "Markdown memo"
	case "csv":
		return "CSV"
	case "xlsx":
		return "Excel"
	case "json":
		return "JSON"
	case "pdf":
		return "PDF"
	case "zip":
		return "Evidence bundle (zip)"
	}
	return f
}

// ContentType is the MIME type of a format.
func ContentType(f string) string {
	switch f {
	case "md":
		return "text/markdown; charset=utf-8"
	case "csv":
		return "text/csv; charset=utf-8"
	case "xlsx":
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	case "json":
		return "application/json"
	case "pdf":
		return "application/pdf"
	case "zip":
		return "application/zip"
	}
	return "application/octet-stream"
}

// Filename is the download name, e.g. policy-tracker-2026-11-26.csv.
func Filename(f string, asOf time.Time) string {
	return "policy-tracker-" + asOf.Format("2006-01-02") + "." + f
}

// Options choose what to export.
type Options struct {
	Format string
	// AsOf and Since bound the report; pass them in the instance's zone,
	// which decides calendar days (overdue, dates in the text).
	AsOf, Since time.Time
	Filter      models.Filter
	// BOM starts a CSV with a UTF-8 byte order mark, which Excel needs to
	// read UTF-8.
	BOM bool
	// UncompressedPDF leaves PDF page streams readable so tests can check
	// the text; production PDFs are compressed.
	UncompressedPDF bool
	// BatchSize is how many items are loaded at once (default 500).
	BatchSize int
}

// Report is a prepared export: the summary is computed (and every input
// checked) before the first byte is written, so a bad request fails cleanly.
type Report struct {
	store       *models.Store
	opt         Options
	Summary     *models.Summary
	GeneratedAt time.Time
}

// Prepare validates the options and computes the summary.
func Prepare(ctx context.Context, store *models.Store, opt Options) (*Report, error) {
	opt.Format = strings.ToLower(strings.TrimSpace(opt.Format))
	if !ValidFormat(opt.Format) {
		return nil, models.Invalid("format", "must be one of "+strings.Join(Formats, ", "))
	}
	if opt.BatchSize <= 0 {
		opt.BatchSize = 500
	}
	sum, err := store.Summary(ctx, opt.AsOf, opt.Since, opt.Filter)
	if err != nil {
		return nil, err
	}
	return &Report{store: store, opt: opt, Summary: sum, GeneratedAt: store.Now().In(opt.AsOf.Location())}, nil
}

// Format is the prepared format.
func (r *Report) Format() string { return r.opt.Format }

// Filename is the download name of the prepared report.
func (r *Report) Filename() string { return Filename(r.opt.Format, r.opt.AsOf) }

// Write streams the report in its format.
func (r *Report) Write(ctx context.Context, w io.Writer) error {
	var err error
	switch r.opt.Format {
	case "md":
		err = r.writeMarkdown(ctx, w)
	case "csv":
		err = r.writeCSV(ctx, w)
	case "xlsx":
		err = r.writeXLSX(ctx, w)
	case "json":
		err = r.writeJSON(ctx, w)
	case "pdf":
		err = r.writePDF(ctx, w)
	case "zip":
		err = r.writeZip(ctx, w)
	}
	if err != nil {
		return fmt.Errorf("export %s: %w", r.opt.Format, err)
	}
	return nil
}
