package export

import (
	"context"
	"encoding/csv"
	"io"
	"strconv"
	"strings"

	"policytracker/models"
)

// CSVColumns are the CSV export's columns, in order. `policytracker import`
// reads the same columns, so an exported file imports back unchanged;
// ReadOnlyCSVColumns are the ones it ignores (they are computed).
var CSVColumns = []string{
	"code", "title", "domain", "status", "progress", "priority", "owner_email", "owner_name", "due_date", "tags",
	"review_requested", "notes_count", "evidence_count", "verified_evidence_count",
	"latest_note", "latest_note_by", "latest_note_at",
	"summary", "actor", "strength", "keywords", "chapter", "page", "end_page", "line", "quote",
}

// ReadOnlyCSVColumns are exported for readers and skipped by import.
var ReadOnlyCSVColumns = []string{"owner_name", "review_requested", "notes_count", "evidence_count", "verified_evidence_count",
	"latest_note", "latest_note_by", "latest_note_at"}

// UTF8BOM is the byte order mark Excel looks for to read UTF-8.
const UTF8BOM = "\uFEFF"

func (r *Report) writeCSV(ctx context.Context, w io.Writer) error {
	if r.opt.BOM {
		if _, err := io.WriteString(w, UTF8BOM); err != nil {
			return err
		}
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVColumns); err != nil {
		return err
	}
	err := r.each(ctx, models.DetailOptions{}, func(batch []Item) error {
		for _, it := range batch {
			if err := cw.Write(r.csvRow(it)); err != nil {
				return err
			}
		}
		cw.Flush()
		return cw.Error()
	})
	if err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

func (r *Report) csvRow(it Item) []string {
	var src models.Source
	if len(it.Sources) > 0 {
		src = it.Sources[0]
	}
	var note, noteBy, noteAt string
	if n := it.LatestNote; n != nil {
		note, noteBy, noteAt = n.Body, userName(n.Author), r.stamp(n.CreatedAt)
	}
	row := []string{
		it.Code, it.Title, it.Domain, string(it.Status), strconv.Itoa(it.Progress), string(it.Priority),
		ownerEmail(it.Recommendation), ownerName(it.Recommendation), it.DueDate, strings.ReplaceAll(it.Tags, ",", ", "),
		strconv.FormatBool(it.ReviewRequested), strconv.Itoa(it.NoteCount), strconv.Itoa(it.EvidenceCount), strconv.Itoa(it.VerifiedCount),
		note, noteBy, noteAt,
		it.Summary, it.Actor, it.Strength, strings.ReplaceAll(it.Keywords, ",", ", "), src.Chapter, pageText(src.Page), pageText(src.EndPage),
		pageText(src.Line), src.Quote,
	}
	for i := range row {
		row[i] = NeutraliseCell(row[i])
	}
	return row
}

func pageText(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

// Spreadsheets run a cell that starts with one of these as a formula
// (OWASP "CSV injection"); encoding/csv only quotes.
const formulaStarts = "=+-@\t\r\x00"

// needsNeutralising reports whether s would be read as a formula, looking
// past leading apostrophes so that NeutraliseCell stays reversible.
func needsNeutralising(s string) bool {
	t := strings.TrimLeft(s, "'")
	return t != "" && strings.ContainsRune(formulaStarts, rune(t[0]))
}

// NeutraliseCell prefixes a cell a spreadsheet would run as a formula with
// an apostrophe, which spreadsheets show as text. Text that already starts
// with apostrophes before such a character gets one more, so RestoreCell can
// always undo exactly what was added.
func NeutraliseCell(s string) string {
	if needsNeutralising(s) {
		return "'" + s
	}
	return s
}

// RestoreCell undoes NeutraliseCell.
func RestoreCell(s string) string {
	if strings.HasPrefix(s, "'") && needsNeutralising(s) {
		return s[1:]
	}
	return s
}
