package handlers

import (
	"errors"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"policytracker/models"
)

// changeFromForm turns the tracking form into a model change. Fields the
// user did not touch stay nil so that, for example, a status change still
// gets its default progress.
func changeFromForm(c *fiber.Ctx, cur *models.Recommendation) (itemForm, models.Change, error) {
	f := itemForm{Status: c.FormValue("status"), Progress: strings.TrimSpace(c.FormValue("progress")), Priority: c.FormValue("priority"),
		OwnerID: c.FormValue("owner_id"), DueDate: strings.TrimSpace(c.FormValue("due_date")), Tags: c.FormValue("tags"), Reason: c.FormValue("reason")}
	v := &models.ValidationError{}
	ver, err := strconv.Atoi(c.FormValue("version"))
	if err != nil {
		v.Add("version", "is missing; reload the page")
	}
	f.Version = ver
	ch := models.Change{Version: ver, Reason: f.Reason}
	if f.Status != "" {
		st := models.Status(f.Status)
		ch.Status = &st
	}
	if f.Progress != "" && f.Progress != strconv.Itoa(cur.Progress) {
		p, err := strconv.Atoi(f.Progress)
		if err != nil {
			v.Add("progress", "must be a whole number from 0 to 100")
		} else {
			ch.Progress = &p
		}
	}
	if f.Priority != "" {
		p := models.Priority(f.Priority)
		ch.Priority = &p
	}
	if f.OwnerID == "" {
		ch.ClearOwner = true
	} else if id, err := models.ParseID(f.OwnerID); err != nil {
		v.Add("owner", "no such team member")
	} else {
		ch.OwnerID = &id
	}
	ch.DueDate = &f.DueDate
	tags := strings.Split(f.Tags, ",")
	ch.Tags = &tags
	return f, ch, v.Err()
}

func (s *Server) updateRecommendation(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	cur, err := s.store.Recommendation(ctx, id)
	if err != nil {
		return err
	}
	form, ch, err := changeFromForm(c, cur)
	if err == nil {
		var updated *models.Recommendation
		updated, err = s.store.UpdateRecommendation(ctx, currentUser(c), id, ch)
		if err == nil {
			msg := "Saved."
			if updated.Version == cur.Version {
				msg = "Nothing changed."
			}
			return s.redirectWith(c, "/recommendations/"+strconv.FormatInt(id, 10), "ok", msg)
		}
	}
	var ve *models.ValidationError
	var ce *models.ConflictError
	switch {
	case errors.As(err, &ve):
		page, perr := s.itemPage(c, cur)
		if perr != nil {
			return perr
		}
		page.Form, page.Errors = form, ve.Fields
		c.Status(fiber.StatusUnprocessableEntity)
		return s.renderPage(c, "item", page)
	case errors.As(err, &ce):
		page, perr := s.itemPage(c, ce.Current)
		if perr != nil {
			return perr
		}
		// Keep the user's values but arm the form with the newer version:
		// saving again is a deliberate choice made with the new state in view.
		form.Version = ce.Current.Version
		page.Form, page.Conflict = form, ce.Current
		c.Status(fiber.StatusConflict)
		return s.renderPage(c, "item", page)
	}
	return err
}
