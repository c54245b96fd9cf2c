package handlers

import (
	"github.com/gofiber/fiber/v2"

	"policytracker/models"
)

type statusCount struct {
	Key, Label string
	Count      int64
}

type dashboardPage struct {
	Base
	Total, Implemented, Open int64
	AvgProgress              int
	ByStatus                 []statusCount
}

func (s *Server) showDashboard(c *fiber.Ctx) error {
	page := &dashboardPage{Base: s.base(c, "Dashboard")}
	page.Nav = "dashboard"
	counts, err := s.store.CountBy(c.UserContext(), "status", models.Filter{})
	if err != nil {
		return err
	}
	for _, st := range models.Statuses {
		n := counts[string(st)]
		page.Total += n
		if !st.Closed() {
			page.Open += n
		}
		page.ByStatus = append(page.ByStatus, statusCount{Key: string(st), Label: st.Label(), Count: n})
	}
	page.Implemented = counts[string(models.StatusImplemented)]
	return s.renderPage(c, "dashboard", page)
}
