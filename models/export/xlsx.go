package export

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"

	"policytracker/models"
)

// The workbook has a Summary sheet and four data sheets, each a filterable
// table with a frozen header. Data sheets are written with excelize's
// StreamWriter, which spills rows to a temporary file instead of memory.
// Every user-entered value is written as a string value, never as a
// formula, so spreadsheet formulas cannot be injected.

// xlsxCellMax is Excel's limit on the characters of one cell.
const xlsxCellMax = 32767

type sheetSpec struct {
	name    string
	headers []string
	widths  []float64
}

var (
	recSheet  = sheetSpec{"Recommendations", CSVColumns, []float64{8, 48, 14, 20, 9, 9, 26, 20, 11, 20, 10, 8, 9, 9, 60, 18, 16, 60, 24, 9, 30, 22, 6, 6, 6, 80}}
	noteSheet = sheetSpec{"Notes", []string{"code", "note_id", "author", "written_at", "edited", "text"},
		[]float64{8, 8, 20, 16, 8, 100}}
	evidenceSheet = sheetSpec{"Evidence", []string{"code", "evidence_id", "kind", "title", "url", "citation", "publisher", "published_on",
		"filename", "sha256", "size", "state", "added_by", "added_at", "verified_by", "verified_at", "reject_reason"},
		[]float64{8, 8, 9, 40, 40, 40, 20, 12, 24, 20, 10, 10, 20, 16, 20, 16, 30}}
	historySheet = sheetSpec{"History", []string{"code", "at", "by", "kind", "field", "old_value", "new_value", "reason"},
		[]float64{8, 16, 20, 18, 16, 30, 30, 50}}
)

// streamSheet is one data sheet being written.
type streamSheet struct {
	spec sheetSpec
	sw   *excelize.StreamWriter
	row  int
}

func (s *streamSheet) add(values ...any) error {
	s.row++
	for i, v := range values {
		if str, ok := v.(string); ok {
			values[i] = clip(str, xlsxCellMax)
		}
	}
	cell, _ := excelize.CoordinatesToCellName(1, s.row)
	return s.sw.SetRow(cell, values)
}

func (r *Report) writeXLSX(ctx context.Context, w io.Writer) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", "Summary"); err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	if err := r.xlsxSummary(f, bold); err != nil {
		return err
	}
	var sheets []*streamSheet
	for _, spec := range []sheetSpec{recSheet, noteSheet, evidenceSheet, historySheet} {
		s, err := newStreamSheet(f, spec, bold)
		if err != nil {
			return err
		}
		sheets = append(sheets, s)
	}
	recs, notes, evs, hist := sheets[0], sheets[1], sheets[2], sheets[3]
	err = r.each(ctx, allDetails, func(batch []Item) error {
		for _, it := range batch {
			if err := recs.add(r.xlsxRecRow(it)...); err != nil {
				return err
			}
			for _, n := range it.Notes {
				if err := notes.add(it.Code, n.ID, userName(n.Author), r.stamp(n.CreatedAt), n.Edited, n.Body); err != nil {
					return err
				}
			}
			for i := range it.Evidence {
				e := &it.Evidence[i]
				verifiedAt := ""
				if e.VerifiedAt != nil {
					verifiedAt = r.stamp(*e.VerifiedAt)
				}
				if err := evs.add(it.Code, e.ID, e.Kind, e.Title, e.URL, e.Citation, e.Publisher, e.PublishedOn, e.Filename, e.SHA256,
					e.Size, evidenceState(e), userName(e.AddedBy), r.stamp(e.CreatedAt), userName(e.VerifiedBy), verifiedAt, e.RejectReason); err != nil {
					return err
				}
			}
			for _, e := range it.Events {
				if err := hist.add(it.Code, r.stamp(e.CreatedAt), userName(e.Actor), e.Kind, e.Field, e.OldValue, e.NewValue, e.Reason); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, s := range sheets {
		last, _ := excelize.CoordinatesToCellName(len(s.spec.headers), max(s.row, 2))
		// A table gives each header a filter button; it needs a data row,
		// which an empty sheet lacks, so those get a plain header only.
		if s.row > 1 {
			if err := s.sw.AddTable(&excelize.Table{Range: "A1:" + last, Name: s.spec.name, StyleName: "TableStyleLight1"}); err != nil {
				return err
			}
		}
		if err := s.sw.Flush(); err != nil {
			return err
		}
	}
	f.SetActiveSheet(0)
	return f.Write(w)
}

func newStreamSheet(f *excelize.File, spec sheetSpec, bold int) (*streamSheet, error) {
	if _, err := f.NewSheet(spec.name); err != nil {
		return nil, err
	}
	sw, err := f.NewStreamWriter(spec.name)
	if err != nil {
		return nil, err
	}
	for i, wd := range spec.widths {
		if err := sw.SetColWidth(i+1, i+1, wd); err != nil {
			return nil, err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return nil, err
	}
	head := make([]any, len(spec.headers))
	for i, h := range spec.headers {
		head[i] = excelize.Cell{StyleID: bold, Value: h}
	}
	s := &streamSheet{spec: spec, sw: sw}
	s.row++
	if err := sw.SetRow("A1", head); err != nil {
		return nil, err
	}
	return s, nil
}

// xlsxRecRow is the CSV row with numbers as numbers and no apostrophes:
// in a workbook, text cells are never formulas.
func (r *Report) xlsxRecRow(it Item) []any {
	var src models.Source
	if len(it.Sources) > 0 {
		src = it.Sources[0]
	}
	var note, noteBy, noteAt string
	if n := it.LatestNote; n != nil {
		note, noteBy, noteAt = n.Body, userName(n.Author), r.stamp(n.CreatedAt)
	}
	return []any{
		it.Code, it.Title, it.Domain, string(it.Status), it.Progress, string(it.Priority),
		ownerEmail(it.Recommendation), ownerName(it.Recommendation), it.DueDate, strings.ReplaceAll(it.Tags, ",", ", "),
		it.ReviewRequested, it.NoteCount, it.EvidenceCount, it.VerifiedCount, note, noteBy, noteAt,
		it.Summary, it.Actor, it.Strength, strings.ReplaceAll(it.Keywords, ",", ", "), src.Chapter, src.Page, src.EndPage, src.Line, src.Quote,
	}
}

// summarySheet writes rows one after another and keeps the first error,
// so the Summary sheet reads top to bottom like the memo.
type summarySheet struct {
	f    *excelize.File
	name string
	row  int
	err  error
}

func (w *summarySheet) put(style int, values ...any) {
	w.row++
	if w.err != nil {
		return
	}
	for i, v := range values {
		if str, ok := v.(string); ok {
			values[i] = clip(str, xlsxCellMax)
		}
	}
	cell, _ := excelize.CoordinatesToCellName(1, w.row)
	if w.err = w.f.SetSheetRow(w.name, cell, &values); w.err == nil && style != 0 {
		end, _ := excelize.CoordinatesToCellName(len(values), w.row)
		w.err = w.f.SetCellStyle(w.name, cell, end, style)
	}
}

// xlsxSummary fills the first sheet: figures, breakdowns and changes.
func (r *Report) xlsxSummary(f *excelize.File, bold int) error {
	title, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}})
	if err != nil {
		return err
	}
	s, c := r.Summary, r.Summary.Changes
	w := &summarySheet{f: f, name: "Summary"}
	w.put(title, "Progress summary")
	w.put(0, r.period())
	w.put(0, "Filters: "+orNone(r.filterText()))
	w.put(0, "Generated: "+r.stamp(r.GeneratedAt))
	w.row++
	w.put(bold, "Headline figures", "")
	w.put(0, "Recommendations", s.Total)
	w.put(0, "Implemented", s.Implemented)
	w.put(0, "Implemented (%)", s.ImplementedPct)
	w.put(0, "Open", s.Open)
	w.put(0, "Closed", s.Closed)
	w.put(0, "Average progress (%)", s.AvgProgress)
	w.put(0, "Overdue", s.Overdue)
	w.put(0, "Awaiting review", s.AwaitingReview)
	w.row++
	w.put(bold, "Status", "Items")
	for _, st := range s.ByStatus {
		w.put(0, st.Label, st.Count)
	}
	w.row++
	w.put(bold, "Domain", "Items", "Average progress (%)", "Implemented", "Implemented (%)")
	for _, d := range s.ByDomain {
		w.put(0, d.Label, d.Count, d.AvgProgress, d.Implemented, d.ImplementedPct)
	}
	w.row++
	w.put(bold, "Changes since "+r.stamp(r.opt.Since), "")
	w.put(0, "Status changes", c.StatusChanges)
	w.put(0, "Closed", c.Closed)
	w.put(0, "Reopened", c.Reopened)
	w.put(0, "Evidence added", c.EvidenceAdded)
	w.put(0, "Evidence verified", c.EvidenceVerified)
	w.put(0, "Due dates slipped", c.DueDatesSlipped)
	w.put(0, "New notes", c.NotesAdded)
	w.row++
	w.put(bold, "When", "Code", "Title", "Change", "By", "Reason")
	for _, e := range c.Entries {
		w.put(0, r.stamp(e.At), e.Code, e.Title, e.Text(), e.Actor, e.Reason)
	}
	if c.Truncated {
		w.put(0, fmt.Sprintf("Only the %d most recent changes are listed; the counts cover all of them.", len(c.Entries)))
	}
	if w.err != nil {
		return w.err
	}
	for col, wd := range []float64{28, 12, 48, 40, 20, 40} {
		name, _ := excelize.ColumnNumberToName(col + 1)
		if err := f.SetColWidth(w.name, name, name, wd); err != nil {
			return err
		}
	}
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
