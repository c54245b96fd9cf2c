package handlers

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"policytracker/models"
)

// itemForm holds the tracking form's values as typed, so a re-rendered form
// shows exactly what the user sent.
type itemForm struct {
	Version                                      int
	Status, Progress, Priority, OwnerID, DueDate string
	Tags, Reason                                 string
}

func formFromRec(r *models.Recommendation) itemForm {
	f := itemForm{Version: r.Version, Status: string(r.Status), Progress: strconv.Itoa(r.Progress), Priority: string(r.Priority),
		DueDate: r.DueDate, Tags: strings.ReplaceAll(r.Tags, ",", ", ")}
	if r.OwnerID != nil {
		f.OwnerID = strconv.FormatInt(*r.OwnerID, 10)
	}
	return f
}

// itemPage is the data of the item page. Later features (notes, evidence)
// add their fields here.
type itemPage struct {
	Base
	Rec        *models.Recommendation
	Form       itemForm
	Errors     map[string]string
	Conflict   *models.Recommendation
	Users      []models.User
	Events     []EventView
	Statuses   []models.Status
	Priorities []models.Priority
	CanEdit    bool
	CanClose   bool
	AsOf       string
}

func (s *Server) showRecommendation(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	rec, err := s.store.Recommendation(c.UserContext(), id)
	if err != nil {
		return err
	}
	page, err := s.itemPage(c, rec)
	if err != nil {
		return err
	}
	return s.renderPage(c, "item", page)
}

// itemPage gathers everything the item page shows.
func (s *Server) itemPage(c *fiber.Ctx, rec *models.Recommendation) (*itemPage, error) {
	ctx := c.UserContext()
	u := currentUser(c)
	page := &itemPage{Base: s.base(c, rec.Code+" "+rec.Title), Rec: rec, Form: formFromRec(rec), Statuses: models.Statuses,
		Priorities: models.Priorities, CanEdit: models.CanEdit(u) && (rec.Open() || models.CanClose(u)), CanClose: models.CanClose(u)}
	page.Nav = "list"
	users, err := s.store.Users(ctx)
	if err != nil {
		return nil, err
	}
	names := map[int64]string{}
	for _, x := range users {
		names[x.ID] = x.Name
		if !x.Disabled {
			page.Users = append(page.Users, x)
		}
	}
	evs, err := s.store.Events(ctx, models.EventFilter{RecommendationID: rec.ID, Newest: true})
	if err != nil {
		return nil, err
	}
	page.Events = eventViews(evs, names)
	return page, nil
}
