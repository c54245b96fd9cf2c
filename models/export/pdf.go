package export

import (
	"context"
	"fmt"
	"io"
	"strconv"

	"github.com/go-pdf/fpdf"

	"policytracker/models"
)

// The PDF is a printable briefing: headline figures, a chart of the items by
// domain and status drawn with PDF primitives (so it prints sharp and its
// labels are real text), the breakdown tables, the period's changes and the
// items. Page breaks are placed by hand so that rows never split.

const (
	pdfMargin = 15.0
	pdfWidth  = 180.0 // A4 width minus margins
	pdfBottom = 282.0 // last usable y (A4 is 297 mm), above the footer
)

// statusRGB colours each status as the web pages do.
var statusRGB = map[models.Status][3]int{
	models.StatusNotStarted:           {138, 148, 166},
	models.StatusInProgress:           {31, 95, 168},
	models.StatusPartiallyImplemented: {208, 138, 0},
	models.StatusStalled:              {180, 35, 24},
	models.StatusImplemented:          {30, 122, 70},
	models.StatusNotImplemented:       {107, 63, 160},
}

type pdfDoc struct {
	f  *fpdf.Fpdf
	tr func(string) string
	r  *Report
}

// t makes user text printable in the built-in font (see pdftext.go).
func (d *pdfDoc) t(s string) string { return d.tr(pdfSafe(s)) }

func (r *Report) writePDF(ctx context.Context, w io.Writer) error {
	f := fpdf.New("P", "mm", "A4", "")
	f.SetCompression(!r.opt.UncompressedPDF)
	f.SetMargins(pdfMargin, pdfMargin, pdfMargin)
	f.SetAutoPageBreak(false, pdfMargin)
	f.AliasNbPages("{nb}")
	f.SetCreator("Policy Tracker", true)
	f.SetTitle("Progress summary as of "+r.day(r.opt.AsOf), true)
	f.SetCreationDate(r.GeneratedAt)
	f.SetModificationDate(r.GeneratedAt)
	d := &pdfDoc{f: f, tr: f.UnicodeTranslatorFromDescriptor(""), r: r}
	f.SetFooterFunc(func() {
		f.SetY(-12)
		f.SetFont("Helvetica", "", 8)
		f.SetTextColor(110, 110, 110)
		f.CellFormat(0, 5, d.t(fmt.Sprintf("Policy Tracker · progress summary as of %s · page %d of {nb}", r.day(r.opt.AsOf), f.PageNo())), "", 0, "C", false, 0, "")
	})
	f.AddPage()
	d.heading()
	d.headline()
	d.chart()
	d.breakdownTables()
	d.changes()
	if err := d.items(ctx); err != nil {
		return err
	}
	if err := f.Error(); err != nil {
		return err
	}
	return f.Output(w)
}

// need starts a new page when h millimetres do not fit on this one.
func (d *pdfDoc) need(h float64) bool {
	if d.f.GetY()+h > pdfBottom {
		d.f.AddPage()
		return true
	}
	return false
}

func (d *pdfDoc) font(style string, size float64) { d.f.SetFont("Helvetica", style, size) }

func (d *pdfDoc) section(title string) {
	d.need(20)
	d.f.Ln(4)
	d.font("B", 13)
	d.f.SetTextColor(20, 33, 61)
	d.f.CellFormat(0, 8, d.t(title), "", 1, "L", false, 0, "")
	d.f.SetTextColor(0, 0, 0)
}

// para writes wrapped text.
func (d *pdfDoc) para(s string, size float64, lineH float64) {
	d.font("", size)
	for _, line := range d.f.SplitLines([]byte(d.t(s)), pdfWidth) {
		d.need(lineH)
		d.f.CellFormat(pdfWidth, lineH, string(line), "", 1, "L", false, 0, "")
	}
}

func (d *pdfDoc) heading() {
	r := d.r
	d.font("B", 20)
	d.f.SetTextColor(20, 33, 61)
	d.f.CellFormat(0, 10, d.t("Progress summary"), "", 1, "L", false, 0, "")
	d.f.SetTextColor(0, 0, 0)
	d.para(r.period()+". Generated "+r.stamp(r.GeneratedAt)+".", 10, 5)
	if ft := r.filterText(); ft != "" {
		d.para("Filters: "+ft+".", 10, 5)
	}
}

func (d *pdfDoc) headline() {
	s := d.r.Summary
	d.f.Ln(3)
	boxes := []struct{ num, label string }{
		{pctText(s.ImplementedPct), fmt.Sprintf("implemented (%d of %d)", s.Implemented, s.Total)},
		{pctText(s.AvgProgress), "average progress"},
		{strconv.Itoa(s.Overdue), "overdue"},
		{strconv.Itoa(s.AwaitingReview), "awaiting review"},
	}
	x0, y0, w := pdfMargin, d.f.GetY(), pdfWidth/4
	for i, b := range boxes {
		x := x0 + float64(i)*w
		d.f.SetDrawColor(200, 205, 215)
		d.f.Rect(x+1, y0, w-2, 20, "D")
		d.f.SetXY(x+1, y0+2)
		d.font("B", 16)
		d.f.CellFormat(w-2, 8, d.t(b.num), "", 2, "C", false, 0, "")
		d.font("", 8.5)
		d.f.CellFormat(w-2, 6, d.t(b.label), "", 0, "C", false, 0, "")
	}
	d.f.SetXY(x0, y0+22)
	d.para(fmt.Sprintf("%d recommendations: %d open, %d closed.", s.Total, s.Open, s.Closed), 10, 5)
}

// chart draws one stacked bar per domain, a segment per status.
func (d *pdfDoc) chart() {
	s := d.r.Summary
	d.section("Recommendations by domain and status")
	if len(s.ByDomain) == 0 {
		d.para("No items.", 10, 5)
		return
	}
	maxN := 0
	for _, dm := range s.ByDomain {
		maxN = max(maxN, dm.Count)
	}
	const labelW, barW, rowH, barH = 50.0, 100.0, 7.0, 5.0
	d.need(float64(len(s.ByDomain))*rowH + 14)
	for _, dm := range s.ByDomain {
		y := d.f.GetY()
		d.font("", 9)
		d.f.SetXY(pdfMargin, y)
		d.f.CellFormat(labelW, rowH, d.t(dm.Label), "", 0, "L", false, 0, "")
		x := pdfMargin + labelW
		for _, st := range models.Statuses {
			n := dm.Statuses[st]
			if n == 0 {
				continue
			}
			wd := barW * float64(n) / float64(maxN)
			c := statusRGB[st]
			d.f.SetFillColor(c[0], c[1], c[2])
			d.f.Rect(x, y+(rowH-barH)/2, wd, barH, "F")
			x += wd
		}
		d.f.SetXY(x+2, y)
		d.font("", 8)
		d.f.CellFormat(30, rowH, d.t(fmt.Sprintf("%d · %s avg", dm.Count, pctText(dm.AvgProgress))), "", 1, "L", false, 0, "")
	}
	// Legend.
	d.f.Ln(2)
	x, y := pdfMargin, d.f.GetY()
	d.font("", 8)
	for _, st := range models.Statuses {
		c := statusRGB[st]
		label := d.t(st.Label())
		wd := d.f.GetStringWidth(label) + 9
		if x+wd > pdfMargin+pdfWidth {
			x, y = pdfMargin, y+5
		}
		d.f.SetFillColor(c[0], c[1], c[2])
		d.f.Rect(x, y+1, 3.5, 3.5, "F")
		d.f.SetXY(x+4.5, y)
		d.f.CellFormat(wd-4.5, 5.5, label, "", 0, "L", false, 0, "")
		x += wd
	}
	d.f.SetXY(pdfMargin, y+7)
}

// pdfCol is a table column.
type pdfCol struct {
	title string
	w     float64
	align string
}

// table draws rows under a header that repeats after page breaks; cells
// wrap, and a row never splits across pages. A table written in several
// calls (batches) passes withHeader only for the first.
func (d *pdfDoc) table(cols []pdfCol, rows [][]string, withHeader bool) {
	const lineH = 4.6
	header := func() {
		d.font("B", 8.5)
		d.f.SetFillColor(238, 241, 246)
		for _, c := range cols {
			d.f.CellFormat(c.w, 6, d.t(c.title), "B", 0, c.align, true, 0, "")
		}
		d.f.Ln(-1)
	}
	tableW := 0.0
	for _, c := range cols {
		tableW += c.w
	}
	if withHeader {
		d.need(12)
		header()
	}
	for _, row := range rows {
		d.font("", 8.5)
		lines := make([][][]byte, len(cols))
		n := 1
		for i, c := range cols {
			lines[i] = d.f.SplitLines([]byte(d.t(row[i])), c.w-2)
			n = max(n, len(lines[i]))
		}
		h := float64(n)*lineH + 1.4
		if d.need(h) {
			header()
			d.font("", 8.5)
		}
		x, y := pdfMargin, d.f.GetY()
		for i, c := range cols {
			for k, ln := range lines[i] {
				d.f.SetXY(x, y+0.7+float64(k)*lineH)
				d.f.CellFormat(c.w, lineH, string(ln), "", 0, c.align, false, 0, "")
			}
			x += c.w
		}
		d.f.SetDrawColor(217, 222, 231)
		d.f.Line(pdfMargin, y+h, pdfMargin+tableW, y+h)
		d.f.SetXY(pdfMargin, y+h)
	}
}

func (d *pdfDoc) breakdownTables() {
	s := d.r.Summary
	d.section("By status")
	var rows [][]string
	for _, st := range s.ByStatus {
		rows = append(rows, []string{st.Label, strconv.Itoa(st.Count)})
	}
	d.table([]pdfCol{{"Status", 60, "L"}, {"Items", 20, "R"}}, rows, true)
	d.section("By domain")
	rows = nil
	for _, dm := range s.ByDomain {
		rows = append(rows, []string{dm.Label, strconv.Itoa(dm.Count), pctText(dm.AvgProgress), fmt.Sprintf("%d (%s)", dm.Implemented, pctText(dm.ImplementedPct))})
	}
	d.table([]pdfCol{{"Domain", 70, "L"}, {"Items", 20, "R"}, {"Average progress", 35, "R"}, {"Implemented", 35, "R"}}, rows, true)
}

func (d *pdfDoc) changes() {
	r := d.r
	c := r.Summary.Changes
	d.section("Changes since " + r.stamp(r.opt.Since))
	d.para(changeCounts(c)+".", 9.5, 5)
	if len(c.Entries) == 0 {
		return
	}
	d.f.Ln(2)
	var rows [][]string
	for _, e := range c.Entries {
		text := e.Text()
		if e.Actor != "" {
			text += " (" + e.Actor + ")"
		}
		if e.Reason != "" {
			text += " — “" + oneLine(e.Reason) + "”"
		}
		rows = append(rows, []string{r.stamp(e.At), e.Code, oneLine(e.Title), text})
	}
	d.table([]pdfCol{{"When", 26, "L"}, {"Code", 14, "L"}, {"Recommendation", 70, "L"}, {"Change", 70, "L"}}, rows, true)
	if c.Truncated {
		d.para(fmt.Sprintf("Only the %d most recent changes are listed; the counts cover all of them.", len(c.Entries)), 8.5, 4.5)
	}
}

func (d *pdfDoc) items(ctx context.Context) error {
	r := d.r
	d.section("Recommendations")
	if len(r.Summary.Items) == 0 {
		d.para("No recommendation matches these filters.", 10, 5)
		return nil
	}
	cols := []pdfCol{{"Code", 14, "L"}, {"Recommendation and latest note", 80, "L"}, {"Status", 30, "L"}, {"Progress", 14, "R"}, {"Owner", 24, "L"}, {"Due", 18, "L"}}
	first := true
	return r.each(ctx, models.DetailOptions{}, func(batch []Item) error {
		rows := make([][]string, 0, len(batch))
		for _, it := range batch {
			title := oneLine(it.Title)
			if n := it.LatestNote; n != nil {
				title += "\nLatest note (" + userName(n.Author) + ", " + r.stamp(n.CreatedAt) + "): " + clip(oneLine(n.Body), 280)
			}
			due := it.DueDate
			if it.Overdue(r.opt.AsOf) {
				due += " (overdue)"
			}
			rows = append(rows, []string{it.Code, title, it.Status.Label(), strconv.Itoa(it.Progress) + "%", ownerName(it.Recommendation), due})
		}
		d.table(cols, rows, first)
		first = false
		return d.f.Error()
	})
}
