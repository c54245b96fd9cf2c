package handlers

import (
	"errors"
	"fmt"
	"mime/multipart"
	"sort"
	"strings"

	"github.com/gofiber/fiber/v2"

	"policytracker/models"
)

// EvidenceView is an evidence item with what the reader may do with it.
type EvidenceView struct {
	models.Evidence
	DownloadURL string
	CanVerify   bool
	CanReject   bool
	CanRemove   bool
}

// SizeLabel is the file size for people.
func (v EvidenceView) SizeLabel() string { return sizeLabel(v.Size) }

func sizeLabel(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

func evidenceView(u *models.User, e *models.Evidence, live bool) EvidenceView {
	v := EvidenceView{Evidence: *e}
	if e.Kind == models.EvidenceFile && !e.Removed {
		v.DownloadURL = "/evidence/" + itoa64(e.ID) + "/download"
	}
	if live && !e.Removed {
		v.CanVerify = models.CanVerify(u, e) && e.VerifiedByID == nil
		v.CanReject = models.CanVerify(u, e)
		v.CanRemove = models.CanRemoveEvidence(u, e)
	}
	return v
}

// evidenceForm holds the add-evidence form as typed.
type evidenceForm struct {
	Kind, Title, URL, Publisher, PublishedOn, AccessedOn, Citation, CitedOn string
}

func (f evidenceForm) input() models.NewEvidence {
	return models.NewEvidence{Kind: f.Kind, Title: f.Title, URL: f.URL, Publisher: f.Publisher, PublishedOn: f.PublishedOn,
		AccessedOn: f.AccessedOn, Citation: f.Citation, CitedOn: f.CitedOn}
}

// multipartSlack is what a form may add around the file itself: the other
// fields and the part headers.
const multipartSlack = 64 << 10

// checkUploadLength refuses, before the body is looked at, a request whose
// declared length cannot fit one file of the allowed size.
func (s *Server) checkUploadLength(c *fiber.Ctx) error {
	if n := c.Request().Header.ContentLength(); n > 0 && int64(n) > s.cfg.MaxUpload+multipartSlack {
		return fmt.Errorf("handlers: upload of %d bytes: %w", n, models.ErrTooLarge)
	}
	return nil
}

// storeUpload hands an uploaded file to the store, refusing one that the
// multipart header already shows to be too large.
func (s *Server) storeUpload(c *fiber.Ctx, recID int64, fh *multipart.FileHeader, title string) (*models.Evidence, error) {
	if fh.Size > s.cfg.MaxUpload {
		return nil, fmt.Errorf("handlers: file of %d bytes: %w", fh.Size, models.ErrTooLarge)
	}
	f, err := fh.Open()
	if err != nil {
		return nil, fmt.Errorf("handlers: open upload: %w", err)
	}
	defer f.Close()
	return s.store.AddFileEvidence(c.UserContext(), currentUser(c), recID, models.FileUpload{
		Title: title, Filename: fh.Filename, Body: f, Limit: s.cfg.MaxUpload})
}

func (s *Server) addEvidence(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	if !models.CanEdit(currentUser(c)) {
		return models.Forbidden("Viewers cannot add evidence.")
	}
	form := evidenceForm{Kind: c.FormValue("kind"), Title: c.FormValue("title"), URL: c.FormValue("url"),
		Publisher: c.FormValue("publisher"), PublishedOn: c.FormValue("published_on"), AccessedOn: c.FormValue("accessed_on"),
		Citation: c.FormValue("citation"), CitedOn: c.FormValue("cited_on")}
	var e *models.Evidence
	if form.Kind == models.EvidenceFile {
		e, err = s.addEvidenceFile(c, id, form.Title)
	} else {
		in := form.input()
		if in.Kind == models.EvidenceLink && strings.TrimSpace(in.AccessedOn) == "" {
			in.AccessedOn = s.todayHere()
		}
		e, err = s.store.AddEvidence(c.UserContext(), currentUser(c), id, in)
	}
	var ve *models.ValidationError
	switch {
	case errors.As(err, &ve):
		return s.renderItemProblem(c, id, fiber.StatusUnprocessableEntity, func(p *itemPage) {
			p.EvForm, p.EvErrors = form, ve.Fields
		})
	case errors.Is(err, models.ErrTooLarge):
		return s.renderItemProblem(c, id, fiber.StatusRequestEntityTooLarge, func(p *itemPage) {
			p.EvForm = form
			p.EvErrors = map[string]string{"file": fmt.Sprintf("is larger than %d MB, the largest file this tracker accepts.", s.cfg.MaxUpload>>20)}
		})
	case err != nil:
		return err
	}
	return s.redirectWith(c, itemURL(id)+"#evidence-"+itoa64(e.ID), "ok", "Evidence added. A lead or admin who did not add it can now verify it.")
}

func (s *Server) addEvidenceFile(c *fiber.Ctx, recID int64, title string) (*models.Evidence, error) {
	if err := s.checkUploadLength(c); err != nil {
		return nil, err
	}
	fh, err := c.FormFile("file")
	if err != nil {
		return nil, models.Invalid("file", "Choose a file to upload.")
	}
	return s.storeUpload(c, recID, fh, title)
}

// todayHere is today's date in the instance's time zone.
func (s *Server) todayHere() string { return s.store.Now().In(s.cfg.Location).Format("2006-01-02") }

// backTo is where to return after a review action: the page the form came
// from when it is one of ours, else the item.
func backTo(c *fiber.Ctx, fallback string) string {
	if b := c.FormValue("back"); strings.HasPrefix(b, "/") && !strings.HasPrefix(b, "//") && !strings.Contains(b, "\\") {
		return b
	}
	return fallback
}

func (s *Server) verifyEvidence(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	e, err := s.store.VerifyEvidence(c.UserContext(), currentUser(c), id)
	if err != nil {
		return err
	}
	return s.redirectWith(c, backTo(c, itemURL(e.RecommendationID)+"#evidence-"+itoa64(e.ID)), "ok", "Evidence verified: “"+e.Title+"”.")
}

func (s *Server) rejectEvidence(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	reason := c.FormValue("reason")
	e, err := s.store.RejectEvidence(c.UserContext(), currentUser(c), id, reason)
	var ve *models.ValidationError
	if errors.As(err, &ve) {
		cur, lerr := s.store.Evidence(c.UserContext(), id)
		if lerr != nil {
			return lerr
		}
		msg := problemText(ve)
		return s.renderItemProblem(c, cur.RecommendationID, fiber.StatusUnprocessableEntity, func(p *itemPage) {
			p.Reject = rejectForm{ID: id, Reason: reason, Error: msg}
		})
	}
	if err != nil {
		return err
	}
	return s.redirectWith(c, backTo(c, itemURL(e.RecommendationID)+"#evidence-"+itoa64(e.ID)), "ok", "Evidence rejected: “"+e.Title+"”.")
}

func (s *Server) removeEvidence(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	e, err := s.store.RemoveEvidence(c.UserContext(), currentUser(c), id, c.FormValue("reason"))
	var ve *models.ValidationError
	if errors.As(err, &ve) {
		cur, lerr := s.store.Evidence(c.UserContext(), id)
		if lerr != nil {
			return lerr
		}
		return s.renderItemProblem(c, cur.RecommendationID, fiber.StatusUnprocessableEntity, func(p *itemPage) {
			p.EvErrors = map[string]string{"remove": problemText(ve)}
		})
	}
	if err != nil {
		return err
	}
	return s.redirectWith(c, itemURL(e.RecommendationID)+"#evidence", "ok", "Evidence removed; it stays in the history.")
}

// problemText is a validation error's messages without field names, for a
// form that has a single place to show them.
func problemText(ve *models.ValidationError) string {
	msgs := make([]string, 0, len(ve.Fields))
	for _, m := range ve.Fields {
		msgs = append(msgs, m)
	}
	sort.Strings(msgs)
	return strings.Join(msgs, " ")
}
