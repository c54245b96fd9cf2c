package handlers

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"policytracker/models"
)

// ReviewEvidence is evidence awaiting review, with its item.
type ReviewEvidence struct {
	EvidenceView
	Rec models.RecRef
}

type reviewPage struct {
	Base
	Items    []models.Recommendation
	Evidence []ReviewEvidence
	Own      int // evidence the reader added, which someone else must review
}

// showReview is the leads' queue: items whose members asked for a review,
// and evidence nobody has verified or rejected yet.
func (s *Server) showReview(c *fiber.Ctx) error {
	u := currentUser(c)
	if !models.CanClose(u) {
		return models.Forbidden("The review queue is for leads and admins.")
	}
	ctx := c.UserContext()
	q, err := s.store.ReviewQueue(ctx)
	if err != nil {
		return err
	}
	refs, err := s.store.RecommendationRefs(ctx)
	if err != nil {
		return err
	}
	page := &reviewPage{Base: s.base(c, "Review"), Items: q.Items}
	page.Nav = "review"
	for i := range q.Evidence {
		e := &q.Evidence[i]
		v := ReviewEvidence{EvidenceView: evidenceView(u, e, true), Rec: refs[e.RecommendationID]}
		if e.AddedByID == u.ID {
			page.Own++
		}
		page.Evidence = append(page.Evidence, v)
	}
	return s.renderPage(c, "review", page)
}

func (s *Server) requestReview(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	note := c.FormValue("note")
	_, err = s.store.RequestReview(c.UserContext(), currentUser(c), id, note)
	var ve *models.ValidationError
	if errors.As(err, &ve) {
		return s.renderItemProblem(c, id, fiber.StatusUnprocessableEntity, func(p *itemPage) {
			p.Errors = map[string]string{"review": problemText(ve)}
		})
	}
	if err != nil {
		return err
	}
	return s.redirectWith(c, itemURL(id), "ok", "Review requested: the item is now in the leads' review queue.")
}

func (s *Server) clearReview(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	if _, err := s.store.ClearReviewRequest(c.UserContext(), currentUser(c), id, c.FormValue("note")); err != nil {
		return err
	}
	return s.redirectWith(c, backTo(c, itemURL(id)), "ok", "Review request cleared.")
}

type reviewRequestInput struct {
	Note string `json:"note"`
}

// apiRequestReview puts the item in the review queue; DELETE (leads) takes
// it out. Both answer with the item.
func (s *Server) apiRequestReview(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	var in reviewRequestInput
	if len(c.Body()) > 0 {
		if err := readJSONInput(c, &in); err != nil {
			return err
		}
	}
	var rec *models.Recommendation
	if c.Method() == fiber.MethodDelete {
		rec, err = s.store.ClearReviewRequest(c.UserContext(), currentUser(c), id, in.Note)
	} else {
		rec, err = s.store.RequestReview(c.UserContext(), currentUser(c), id, in.Note)
	}
	if err != nil {
		return err
	}
	d, err := s.itemDetail(c, rec)
	if err != nil {
		return err
	}
	return c.JSON(d)
}
