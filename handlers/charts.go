package handlers

import (
	"fmt"
	"net/url"

	"policytracker/models"
)

// Charts are SVG drawn on the server: no chart script, sharp in print, and
// allowed by the CSP (geometry goes in SVG attributes, colours in app.css).
// Each chart is followed on the page by a table with the same figures,
// which is its text equivalent for screen readers and the way keyboard
// users reach the same links.

// figureTable feeds the tables that follow the charts; AsOf (a WHEN, or
// empty for now) is carried into their links.
type figureTable struct {
	F    models.Figures
	AsOf string
}

// barChart is a horizontal bar chart, one row per bar; a bar may be split
// into segments (stacked by status).
type barChart struct {
	ID, Title, Desc string
	Width, Height   int
	Rows            []barRow
	Legend          []legendItem
	LegendY         int
}

type barRow struct {
	Label    string
	URL      string // the filtered list this bar stands for
	Y, TextY int
	BarH     int
	Value    string
	ValueX   int
	Segments []barSegment
}

type barSegment struct {
	X, W  int
	Class string
	Title string
}

type legendItem struct {
	X, Y  int
	Class string
	Label string
}

const (
	chartWidth  = 480
	chartLabelW = 165
	chartBarW   = 220
	chartRowH   = 26
	chartBarH   = 16
)

// listURL links a bar to the list with the given filters; asOf carries a
// past date along so the list can show that day.
func listURL(asOf string, kv ...string) string {
	q := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		q.Set(kv[i], kv[i+1])
	}
	if asOf != "" {
		q.Set("as_of", asOf)
	}
	return "/recommendations?" + q.Encode()
}

// domainChart stacks each domain's items by status.
func domainChart(id string, f models.Figures, asOf string) barChart {
	ch := barChart{ID: id, Title: "Recommendations by domain and status",
		Desc: fmt.Sprintf("%d recommendations in %d domains; each bar is split by status. The table below lists the same figures.", f.Total, len(f.ByDomain))}
	maxN := 0
	for _, d := range f.ByDomain {
		maxN = max(maxN, d.Count)
	}
	for i, d := range f.ByDomain {
		row := barRow{Label: d.Label, URL: listURL(asOf, "domain", d.Domain), Y: i*chartRowH + (chartRowH-chartBarH)/2, BarH: chartBarH,
			TextY: i*chartRowH + chartRowH/2 + 5, Value: fmt.Sprintf("%d · %.0f%% avg", d.Count, d.AvgProgress)}
		x := chartLabelW
		for _, st := range models.Statuses {
			n := d.Statuses[st]
			if n == 0 {
				continue
			}
			w := scale(n, maxN, chartBarW)
			row.Segments = append(row.Segments, barSegment{X: x, W: w, Class: "seg-" + string(st), Title: fmt.Sprintf("%s: %d %s", d.Label, n, st.Label())})
			x += w
		}
		row.ValueX = x + 6
		ch.Rows = append(ch.Rows, row)
	}
	ch.addLegend(len(ch.Rows) * chartRowH)
	return ch
}

// statusChart has one bar per status.
func statusChart(id string, f models.Figures, asOf string) barChart {
	ch := barChart{ID: id, Title: "Recommendations by status",
		Desc: fmt.Sprintf("%d recommendations by status. The table below lists the same figures.", f.Total)}
	maxN := 0
	for _, s := range f.ByStatus {
		maxN = max(maxN, s.Count)
	}
	for i, s := range f.ByStatus {
		row := barRow{Label: s.Label, URL: listURL(asOf, "status", string(s.Status)), Y: i*chartRowH + (chartRowH-chartBarH)/2, BarH: chartBarH,
			TextY: i*chartRowH + chartRowH/2 + 5, Value: fmt.Sprintf("%d", s.Count)}
		w := scale(s.Count, maxN, chartBarW)
		if w > 0 {
			row.Segments = []barSegment{{X: chartLabelW, W: w, Class: "seg-" + string(s.Status), Title: fmt.Sprintf("%s: %d", s.Label, s.Count)}}
		}
		row.ValueX = chartLabelW + w + 6
		ch.Rows = append(ch.Rows, row)
	}
	ch.Width, ch.Height = chartWidth, len(ch.Rows)*chartRowH+4
	return ch
}

func (ch *barChart) addLegend(y int) {
	x := 0
	y += 12
	for _, st := range models.Statuses {
		label := st.Label()
		w := 22 + len(label)*6
		if x+w > chartWidth {
			x, y = 0, y+20
		}
		ch.Legend = append(ch.Legend, legendItem{X: x, Y: y, Class: "seg-" + string(st), Label: label})
		x += w
	}
	ch.Width, ch.LegendY, ch.Height = chartWidth, y, y+18
}

// scale maps n of maxN to a width of at most full, never below 2 for n > 0
// so that a single item stays visible.
func scale(n, maxN, full int) int {
	if n == 0 || maxN == 0 {
		return 0
	}
	return max(2, n*full/maxN)
}
