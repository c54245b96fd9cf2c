package handlers

import (
	"errors"
	"html/template"
	"time"

	"github.com/gofiber/fiber/v2"

	"policytracker/models"
	"policytracker/models/markdown"
)

// NoteView is a note with its rendered text and what the reader may do.
type NoteView struct {
	models.Note
	HTML      template.HTML
	CanEdit   bool
	CanDelete bool
}

// noteEdit holds an edit that failed, so the page reopens it as typed.
type noteEdit struct {
	ID    int64
	Body  string
	Error string
}

// rejectForm holds a rejection that failed, for the same reason.
type rejectForm struct {
	ID     int64
	Reason string
	Error  string
}

// ItemTrail is the notes-and-evidence part of the item page: what was said,
// what proves it, and the forms to add to both.
type ItemTrail struct {
	Notes           []NoteView
	Evidence        []EvidenceView
	RemovedEvidence []EvidenceView
	VerifiedCount   int
	Mentionable     []Mentionable
	NoteForm        string
	NoteErrors      map[string]string
	EditNote        noteEdit
	EvForm          evidenceForm
	EvErrors        map[string]string
	Reject          rejectForm
	CanNote         bool
	CanAddEvidence  bool
	CanReview       bool
	CanAskReview    bool
	CanClearReview  bool
	MaxUploadMB     int64
	AllowedUploads  string
}

// fillTrail loads notes and evidence for the page, as they are now (at
// zero) or as they were at a past moment (then read-only).
func (s *Server) fillTrail(c *fiber.Ctx, page *itemPage, at time.Time) error {
	ctx := c.UserContext()
	u := currentUser(c)
	rec := page.Rec
	dir, err := s.store.NoteDirectory(ctx)
	if err != nil {
		return err
	}
	var notes []models.Note
	var evs []models.Evidence
	if at.IsZero() {
		if notes, err = s.store.Notes(ctx, rec.ID); err != nil {
			return err
		}
		if evs, err = s.store.EvidenceOf(ctx, rec.ID); err != nil {
			return err
		}
	} else {
		if notes, err = s.store.NotesAsOf(ctx, rec.ID, at); err != nil {
			return err
		}
		if evs, err = s.store.EvidenceAsOf(ctx, rec.ID, at); err != nil {
			return err
		}
	}
	live := at.IsZero()
	t := &page.ItemTrail
	for i := range notes {
		n := &notes[i]
		t.Notes = append(t.Notes, NoteView{Note: *n, HTML: markdown.Render(n.Body, dir),
			CanEdit: live && models.CanEditNote(u, n), CanDelete: live && models.CanDeleteNote(u, n)})
	}
	for i := range evs {
		v := evidenceView(u, &evs[i], live)
		if v.Removed {
			t.RemovedEvidence = append(t.RemovedEvidence, v)
			continue
		}
		if v.VerifiedByID != nil {
			t.VerifiedCount++
		}
		t.Evidence = append(t.Evidence, v)
	}
	t.Mentionable = mentionable(dir)
	t.CanNote = live && models.CanEdit(u)
	t.CanAddEvidence = live && models.CanEdit(u)
	t.CanReview = live && models.CanClose(u)
	t.CanAskReview = live && models.CanEdit(u) && rec.Open() && !rec.ReviewRequested
	t.CanClearReview = live && models.CanClose(u) && rec.ReviewRequested
	t.MaxUploadMB = s.cfg.MaxUpload >> 20
	t.AllowedUploads = models.AllowedUploads
	if t.EvForm.Kind == "" {
		t.EvForm.Kind = models.EvidenceLink
	}
	return nil
}

// Mentionable is a team member with the handles that mention them.
type Mentionable struct {
	Name    string
	Handles []string
}

func mentionable(dir *markdown.Directory) []Mentionable {
	var out []Mentionable
	last := int64(-1)
	for _, h := range models.HandleList(dir) {
		if h.UserID != last {
			out = append(out, Mentionable{Name: h.Name})
			last = h.UserID
		}
		out[len(out)-1].Handles = append(out[len(out)-1].Handles, "@"+h.Handle)
	}
	return out
}

// renderItemProblem shows the item page again with the user's input and
// what was wrong with it (miniflux style: no redirect on error).
func (s *Server) renderItemProblem(c *fiber.Ctx, recID int64, status int, fill func(*itemPage)) error {
	rec, err := s.store.Recommendation(c.UserContext(), recID)
	if err != nil {
		return err
	}
	page, err := s.itemPage(c, rec)
	if err != nil {
		return err
	}
	fill(page)
	c.Status(status)
	return s.renderPage(c, "item", page)
}

func itemURL(id int64) string { return "/recommendations/" + itoa64(id) }

func (s *Server) addNote(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	body := c.FormValue("body")
	n, err := s.store.AddNote(c.UserContext(), currentUser(c), id, body)
	var ve *models.ValidationError
	if errors.As(err, &ve) {
		return s.renderItemProblem(c, id, fiber.StatusUnprocessableEntity, func(p *itemPage) {
			p.NoteForm, p.NoteErrors = body, ve.Fields
		})
	}
	if err != nil {
		return err
	}
	return s.redirectWith(c, itemURL(id)+"#note-"+itoa64(n.ID), "ok", "Note added.")
}

func (s *Server) updateNote(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	body := c.FormValue("body")
	n, err := s.store.EditNote(c.UserContext(), currentUser(c), id, body)
	var ve *models.ValidationError
	if errors.As(err, &ve) {
		cur, lerr := s.store.Note(c.UserContext(), id)
		if lerr != nil {
			return lerr
		}
		return s.renderItemProblem(c, cur.RecommendationID, fiber.StatusUnprocessableEntity, func(p *itemPage) {
			p.EditNote = noteEdit{ID: id, Body: body, Error: ve.Fields["body"]}
		})
	}
	if err != nil {
		return err
	}
	return s.redirectWith(c, itemURL(n.RecommendationID)+"#note-"+itoa64(n.ID), "ok", "Note saved; the earlier text stays in the history.")
}

func (s *Server) deleteNote(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	n, err := s.store.DeleteNote(c.UserContext(), currentUser(c), id)
	if err != nil {
		return err
	}
	return s.redirectWith(c, itemURL(n.RecommendationID)+"#notes", "ok", "Note deleted; its text stays in the history.")
}
