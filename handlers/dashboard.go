package handlers

import (
	"github.com/gofiber/fiber/v2"

	"policytracker/models"
)

// recentView is a recently changed item with its change in words.
type recentView struct {
	Rec  *models.Recommendation
	Text string
	models.Event
}

type dashboardPage struct {
	Base
	D           *models.Dashboard
	DomainChart barChart
	StatusChart barChart
	Table       figureTable
	Recent      []recentView
}

func (s *Server) showDashboard(c *fiber.Ctx) error {
	return s.renderCachedPage(c, "dashboard", func() (builtPage, error) {
		page, err := s.dashboardPage(c)
		if err != nil {
			return builtPage{}, err
		}
		return builtPage{data: page, base: &page.Base, cacheable: true}, nil
	})
}

func (s *Server) dashboardPage(c *fiber.Ctx) (*dashboardPage, error) {
	ctx := c.UserContext()
	page := &dashboardPage{Base: s.base(c, "Dashboard")}
	page.Nav = "dashboard"
	d, err := s.store.Dashboard(ctx, currentUser(c), page.Today.Format("2006-01-02"))
	if err != nil {
		return nil, err
	}
	page.D = d
	page.DomainChart = domainChart("chart-domain", d.Figures, "")
	page.StatusChart = statusChart("chart-status", d.Figures, "")
	page.Table = figureTable{F: d.Figures}
	if len(d.Recent) > 0 {
		users, err := s.store.Users(ctx)
		if err != nil {
			return nil, err
		}
		names := map[int64]string{}
		for _, u := range users {
			names[u.ID] = u.Name
		}
		for _, rc := range d.Recent {
			if rc.Rec == nil {
				continue
			}
			page.Recent = append(page.Recent, recentView{Rec: rc.Rec, Text: describeEvent(rc.Event, names), Event: rc.Event})
		}
	}
	return page, nil
}
