package handlers

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"policytracker/models"
)

type sortOption struct{ Value, Label string }

var sortOptions = []sortOption{
	{"code", "Code"}, {"-priority", "Priority, high first"}, {"due", "Due date, soonest first"},
	{"-updated", "Recently updated"}, {"-progress", "Progress, most first"}, {"progress", "Progress, least first"},
	{"status", "Status"}, {"title", "Title A–Z"}, {"domain", "Domain"},
}

type exportLink struct{ Label, URL string }

type listPage struct {
	Base
	Heading      string
	Filter       models.Filter
	Result       models.Page[models.Recommendation]
	Pager        Pager
	CatalogTotal int64
	StatusCounts map[string]int64
	DomainCounts map[string]int64
	Users        []models.User
	Statuses     []models.Status
	Priorities   []models.Priority
	Domains      []models.Domain
	SortOptions  []sortOption
	ExportLinks  []exportLink
	Errors       map[string]string
	AsOf         string
}

// filterFromQuery reads the list filters shared by the page, the API and
// exports. "owner=me" means the signed-in user; overdue counts in the
// instance's day.
func (s *Server) filterFromQuery(c *fiber.Ctx) (models.Filter, error) {
	f := models.Filter{Today: s.todayHere(),
		Status: c.Query("status"), Domain: c.Query("domain"), Priority: c.Query("priority"),
		Owner: c.Query("owner"), Strength: c.Query("strength"), Tag: c.Query("tag"),
		Query: c.Query("q"), Sort: c.Query("sort"), Overdue: c.Query("overdue") == "1" || c.Query("overdue") == "true",
		Review: c.Query("review") == "1",
	}
	if f.Owner == "me" {
		if u := currentUser(c); u != nil {
			f.Owner = strconv.FormatInt(u.ID, 10)
		}
	}
	v := &models.ValidationError{}
	for _, k := range []string{"page", "per_page"} {
		if raw := c.Query(k); raw != "" {
			n, err := strconv.Atoi(raw)
			if err != nil || n < 1 {
				v.Add(k, "must be a whole number of 1 or more")
				continue
			}
			if k == "page" {
				f.Page = n
			} else {
				f.PerPage = n
			}
		}
	}
	if err := v.Err(); err != nil {
		return f, err
	}
	return f, f.Validate()
}

func (s *Server) listRecommendations(c *fiber.Ctx) error {
	return s.renderCachedPage(c, "list", func() (builtPage, error) {
		page, err := s.listPage(c)
		if err != nil {
			return builtPage{}, err
		}
		return builtPage{data: page, base: &page.Base, cacheable: len(page.Errors) == 0}, nil
	})
}

// listPage gathers the list page for the request's filters; bad filters
// come back as page.Errors with a 422 status set.
func (s *Server) listPage(c *fiber.Ctx) (*listPage, error) {
	ctx := c.UserContext()
	f, ferr := s.filterFromQuery(c)
	page := &listPage{Base: s.base(c, "Recommendations"), Heading: "Recommendations", Filter: f, Statuses: models.Statuses,
		Priorities: models.Priorities, Domains: models.Domains, SortOptions: sortOptions}
	page.Nav = "list"
	if u := currentUser(c); u != nil && c.Query("owner") == "me" {
		page.Heading, page.Nav, page.Title = "My items", "mine", "My items"
	}
	var ve *models.ValidationError
	if errors.As(ferr, &ve) {
		page.Errors = ve.Fields
		c.Status(fiber.StatusUnprocessableEntity)
		page.Filter = models.Filter{Page: 1, PerPage: models.DefaultPerPage}
		f = page.Filter
	} else if ferr != nil {
		return nil, ferr
	}
	if f.Sort == "" {
		page.Filter.Sort = "code"
	}
	// As of a past date, the list is rebuilt from the history instead.
	asOf, err := s.fillListAsOf(c, page, f)
	if err != nil {
		return nil, err
	}
	if !asOf {
		// Counts next to each choice ignore that choice's own filter, so the
		// numbers say what picking it would give. One grouped query gives
		// them and the total, instead of four counts (cmd/ptbench, 10,000
		// items: 3.5 ms → 0.6 ms; a search page 4 text scans → 2).
		var facets models.Facets
		if page.Result, facets, err = s.store.RecommendationsWithFacets(ctx, f); err != nil {
			return nil, err
		}
		page.StatusCounts, page.DomainCounts, page.CatalogTotal = facets.Status, facets.Domain, facets.Catalog
	}
	if page.Users, err = s.store.Users(ctx); err != nil {
		return nil, err
	}
	q := cloneQuery(c)
	q.Del("page")
	page.Pager = Pager{Page: page.Result.Page, Pages: page.Result.Pages(), Query: q, Path: "/recommendations"}
	for _, fmtName := range []string{"md", "csv", "xlsx", "json", "pdf", "zip"} {
		eq := cloneQuery(c)
		eq.Del("page")
		eq.Del("per_page")
		eq.Del("sort")
		eq.Set("format", fmtName)
		page.ExportLinks = append(page.ExportLinks, exportLink{Label: exportLabel(fmtName), URL: "/export?" + eq.Encode()})
	}
	return page, nil
}

func exportLabel(f string) string {
	switch f {
	case "md":
		return "Markdown"
	case "csv":
		return "CSV"
	case "xlsx":
		return "Excel"
	case "json":
		return "JSON"
	case "pdf":
		return "PDF"
	case "zip":
		return "Evidence bundle"
	}
	return f
}

func cloneQuery(c *fiber.Ctx) url.Values {
	q, err := url.ParseQuery(string(c.Request().URI().QueryString()))
	if err != nil {
		return url.Values{}
	}
	return q
}

func paramID(c *fiber.Ctx, name string) (int64, error) {
	id, err := models.ParseID(c.Params(name))
	if err != nil {
		return 0, fmt.Errorf("handlers: %s %q: %w", name, c.Params(name), models.ErrNotFound)
	}
	return id, nil
}
