package handlers

import (
	"github.com/gofiber/fiber/v2"

	"policytracker/models"
)

// summaryJSON is the API's summary: the figures as of as_of, the changes
// since since, and the filters that were applied.
type summaryJSON struct {
	*models.Summary
	Filters map[string]string `json:"filters"`
}

func (s *Server) apiSummary(c *fiber.Ctx) error {
	asOf, since, f, err := s.summaryRequest(c)
	if err != nil {
		return err
	}
	sum, err := s.store.Summary(c.UserContext(), asOf, since, f)
	if err != nil {
		return err
	}
	out := summaryJSON{Summary: sum, Filters: map[string]string{}}
	for _, k := range []string{"status", "domain", "priority", "owner", "strength", "tag", "q", "overdue", "review"} {
		if v := c.Query(k); v != "" {
			out.Filters[k] = v
		}
	}
	return c.JSON(out)
}
