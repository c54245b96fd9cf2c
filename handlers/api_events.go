package handlers

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"policytracker/models"
)

// eventJSON is one history entry. Text is the sentence the pages show.
type eventJSON struct {
	ID               int64     `json:"id"`
	RecommendationID *int64    `json:"recommendation_id"`
	Code             string    `json:"code,omitempty"`
	Kind             string    `json:"kind"`
	Field            string    `json:"field,omitempty"`
	OldValue         string    `json:"old_value"`
	NewValue         string    `json:"new_value"`
	Reason           string    `json:"reason"`
	RefID            *int64    `json:"ref_id"`
	Actor            *userRef  `json:"actor"`
	Text             string    `json:"text"`
	CreatedAt        time.Time `json:"created_at"`
}

func eventsToJSON(evs []EventView, refs map[int64]models.RecRef) []eventJSON {
	out := make([]eventJSON, 0, len(evs))
	for _, e := range evs {
		j := eventJSON{ID: e.ID, RecommendationID: e.RecommendationID, Kind: e.Kind, Field: e.Field, OldValue: e.OldValue,
			NewValue: e.NewValue, Reason: e.Reason, RefID: e.RefID, Actor: userRefOf(e.Actor), Text: e.Text, CreatedAt: e.CreatedAt}
		if e.RecommendationID != nil {
			j.Code = refs[*e.RecommendationID].Code
		}
		out = append(out, j)
	}
	return out
}

func (s *Server) teamNames(c *fiber.Ctx) (map[int64]string, error) {
	users, err := s.store.Users(c.UserContext())
	if err != nil {
		return nil, err
	}
	names := make(map[int64]string, len(users))
	for _, u := range users {
		names[u.ID] = u.Name
	}
	return names, nil
}

// apiItemEvents is an item's whole history, oldest first.
func (s *Server) apiItemEvents(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	rec, err := s.store.Recommendation(ctx, id)
	if err != nil {
		return err
	}
	evs, err := s.store.Events(ctx, models.EventFilter{RecommendationID: id})
	if err != nil {
		return err
	}
	names, err := s.teamNames(c)
	if err != nil {
		return err
	}
	refs := map[int64]models.RecRef{rec.ID: {ID: rec.ID, Code: rec.Code, Title: rec.Title}}
	return c.JSON(fiber.Map{"items": eventsToJSON(eventViews(evs, names), refs)})
}

// apiActivity is the team feed with the page's filters (person, code, kind,
// from, to, page, per_page), newest first; account events for admins only.
func (s *Server) apiActivity(c *fiber.Ctx) error {
	_, f, err := s.activityFilter(c)
	if err != nil {
		return err
	}
	res, err := s.store.Activity(c.UserContext(), f)
	if err != nil {
		return err
	}
	names, err := s.teamNames(c)
	if err != nil {
		return err
	}
	refs, err := s.store.RecommendationRefs(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": eventsToJSON(eventViews(res.Items, names), refs), "total": res.Total, "page": res.Page, "per_page": res.PerPage})
}
