package handlers

import (
	"errors"
	"strconv"
	"strings"
	"time"

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
	ItemTrail
}

func (s *Server) showRecommendation(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	if raw := strings.TrimSpace(c.Query("as_of")); raw != "" {
		return s.showRecommendationAsOf(c, id, raw)
	}
	return s.renderCachedPage(c, "item", func() (builtPage, error) {
		rec, err := s.store.Recommendation(c.UserContext(), id)
		if err != nil {
			return builtPage{}, err
		}
		page, err := s.itemPage(c, rec)
		if err != nil {
			return builtPage{}, err
		}
		return builtPage{data: page, base: &page.Base, cacheable: true}, nil
	})
}

// showRecommendationAsOf shows the item as it stood at a past moment,
// rebuilt from the history, read-only. A bad or future date shows today's
// item with the problem next to the date field.
func (s *Server) showRecommendationAsOf(c *fiber.Ctx, id int64, raw string) error {
	ctx := c.UserContext()
	at, err := s.asOfTime(raw)
	if err == nil {
		var rec *models.Recommendation
		rec, err = s.store.RecommendationAsOf(ctx, id, at)
		if err == nil {
			page, err := s.itemPageAt(c, rec, at)
			if err != nil {
				return err
			}
			page.AsOf = raw
			return s.renderPage(c, "item", page)
		}
		if errors.Is(err, models.ErrNotFound) {
			if _, cerr := s.store.Recommendation(ctx, id); cerr != nil {
				return cerr
			}
			err = models.Invalid("as_of", "This item was not in the tracker yet at that date.")
		}
	}
	var ve *models.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	return s.renderItemProblem(c, id, fiber.StatusUnprocessableEntity, func(p *itemPage) { p.Errors = ve.Fields })
}

// itemPage gathers everything the item page shows.
func (s *Server) itemPage(c *fiber.Ctx, rec *models.Recommendation) (*itemPage, error) {
	return s.itemPageAt(c, rec, time.Time{})
}

// itemPageAt is the item page as of at (zero: now). A past view is
// read-only and its history stops at that moment.
func (s *Server) itemPageAt(c *fiber.Ctx, rec *models.Recommendation, at time.Time) (*itemPage, error) {
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
	evs, err := s.store.Events(ctx, models.EventFilter{RecommendationID: rec.ID, Newest: true, Until: at})
	if err != nil {
		return nil, err
	}
	page.Events = eventViews(evs, names)
	if !at.IsZero() {
		page.CanEdit, page.CanClose = false, false
	}
	if err := s.fillTrail(c, page, at); err != nil {
		return nil, err
	}
	return page, nil
}
