package handlers

import (
	"errors"
	"net/url"
	"time"

	"github.com/gofiber/fiber/v2"

	"policytracker/models"
	"policytracker/models/export"
)

// summaryRequest reads the parameters shared by /summary, /api/v1/summary
// and the exports: as_of, since and the list filters. Every problem is
// reported at once, as field errors.
func (s *Server) summaryRequest(c *fiber.Ctx) (asOf, since time.Time, f models.Filter, err error) {
	v := &models.ValidationError{}
	f, ferr := s.filterFromQuery(c)
	var fe *models.ValidationError
	if errors.As(ferr, &fe) {
		for k, msg := range fe.Fields {
			v.Add(k, msg)
		}
	} else if ferr != nil {
		return asOf, since, f, ferr
	}
	asOf, since, perr := models.ParsePeriod(c.Query("as_of"), c.Query("since"), s.store.Now(), s.cfg.Location)
	if errors.As(perr, &fe) {
		for k, msg := range fe.Fields {
			v.Add(k, msg)
		}
	}
	return asOf, since, f, v.Err()
}

// periodQuery is the request's query with as_of and since pinned to the
// moments actually used, so that an export link reproduces exactly the page
// it was offered on, even when clicked later.
func periodQuery(c *fiber.Ctx, asOf, since time.Time) url.Values {
	q := cloneQuery(c)
	for _, k := range []string{"page", "per_page", "sort", "format"} {
		q.Del(k)
	}
	if q.Get("as_of") == "" {
		q.Set("as_of", asOf.Format(time.RFC3339))
	}
	if q.Get("since") == "" {
		q.Set("since", since.Format(time.RFC3339))
	}
	return q
}

type summaryForm struct {
	AsOf, Since, Status, Domain string
}

type changeView struct {
	models.ChangeEntry
	Text string
}

type summaryPage struct {
	Base
	Form        summaryForm
	Errors      map[string]string
	S           *models.Summary
	AsOfPast    bool // as of a moment before now
	DomainChart barChart
	StatusChart barChart
	Table       figureTable
	Changes     []changeView
	ExportLinks []exportLink
	Statuses    []models.Status
	Domains     []models.Domain
}

func (s *Server) showSummary(c *fiber.Ctx) error {
	page := &summaryPage{Base: s.base(c, "Summary"), Statuses: models.Statuses, Domains: models.Domains,
		Form: summaryForm{AsOf: c.Query("as_of"), Since: c.Query("since"), Status: c.Query("status"), Domain: c.Query("domain")}}
	page.Nav = "summary"
	asOf, since, f, err := s.summaryRequest(c)
	var ve *models.ValidationError
	if errors.As(err, &ve) {
		page.Errors = ve.Fields
		c.Status(fiber.StatusUnprocessableEntity)
		return s.renderPage(c, "summary", page)
	}
	if err != nil {
		return err
	}
	sum, err := s.store.Summary(c.UserContext(), asOf, since, f)
	if err != nil {
		return err
	}
	page.S = sum
	// The form shows calendar days; exact times stay in the links.
	if page.Form.AsOf == "" {
		page.Form.AsOf = asOf.Format("2006-01-02")
	}
	if page.Form.Since == "" {
		page.Form.Since = since.Format("2006-01-02")
	}
	page.AsOfPast = c.Query("as_of") != "" && asOf.Before(s.store.Now().Add(-time.Minute))
	listAsOf := ""
	if page.AsOfPast {
		listAsOf = c.Query("as_of")
	}
	page.DomainChart = domainChart("sum-domain", sum.Figures, listAsOf)
	page.StatusChart = statusChart("sum-status", sum.Figures, listAsOf)
	page.Table = figureTable{F: sum.Figures, AsOf: listAsOf}
	for _, e := range sum.Changes.Entries {
		page.Changes = append(page.Changes, changeView{ChangeEntry: e, Text: e.Text()})
	}
	q := periodQuery(c, asOf, since)
	for _, fmtName := range export.Formats {
		eq := url.Values{}
		for k, v := range q {
			eq[k] = v
		}
		eq.Set("format", fmtName)
		page.ExportLinks = append(page.ExportLinks, exportLink{Label: export.Label(fmtName), URL: "/export?" + eq.Encode()})
	}
	return s.renderPage(c, "summary", page)
}
