package handlers

import (
	"context"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"policytracker/models"
)

// evidenceJSON is the contract's evidence item. Link and citation fields
// are always present (empty for other kinds, dates null); file fields only
// for files.
type evidenceJSON struct {
	ID               int64      `json:"id"`
	RecommendationID int64      `json:"recommendation_id"`
	Kind             string     `json:"kind"`
	Title            string     `json:"title"`
	State            string     `json:"state"`
	AddedBy          *userRef   `json:"added_by"`
	VerifiedBy       *userRef   `json:"verified_by"`
	VerifiedAt       *time.Time `json:"verified_at"`
	RejectedBy       *userRef   `json:"rejected_by"`
	RejectedAt       *time.Time `json:"rejected_at"`
	RejectReason     string     `json:"reject_reason"`
	Removed          bool       `json:"removed"`
	CreatedAt        time.Time  `json:"created_at"`
	URL              string     `json:"url"`
	Publisher        string     `json:"publisher"`
	PublishedOn      *string    `json:"published_on"`
	AccessedOn       *string    `json:"accessed_on"`
	Citation         string     `json:"citation"`
	CitedOn          *string    `json:"cited_on"`
	Filename         string     `json:"filename,omitempty"`
	ContentType      string     `json:"content_type,omitempty"`
	Size             int64      `json:"size,omitempty"`
	SHA256           string     `json:"sha256,omitempty"`
	DownloadURL      string     `json:"download_url,omitempty"`
}

// orNull turns an empty optional value into JSON null.
func orNull(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func evidenceToJSON(e *models.Evidence) evidenceJSON {
	out := evidenceJSON{ID: e.ID, RecommendationID: e.RecommendationID, Kind: e.Kind, Title: e.Title, State: e.State(),
		AddedBy: userRefOf(e.AddedBy), VerifiedBy: userRefOf(e.VerifiedBy), VerifiedAt: e.VerifiedAt,
		RejectedBy: userRefOf(e.RejectedBy), RejectedAt: e.RejectedAt, RejectReason: e.RejectReason, Removed: e.Removed,
		CreatedAt: e.CreatedAt}
	out.URL, out.Publisher, out.PublishedOn, out.AccessedOn = e.URL, e.Publisher, orNull(e.PublishedOn), orNull(e.AccessedOn)
	out.Citation, out.CitedOn = e.Citation, orNull(e.CitedOn)
	if e.Kind == models.EvidenceFile {
		out.Filename, out.ContentType, out.Size, out.SHA256 = e.Filename, e.ContentType, e.Size, e.SHA256
		out.DownloadURL = "/api/v1/evidence/" + itoa64(e.ID) + "/download"
	}
	return out
}

// evidenceInput is the JSON body for a link or a citation. "date" is
// accepted for a citation's date.
type evidenceInput struct {
	Kind        string `json:"kind"`
	Title       string `json:"title"`
	URL         string `json:"url"`
	Publisher   string `json:"publisher"`
	PublishedOn string `json:"published_on"`
	AccessedOn  string `json:"accessed_on"`
	Citation    string `json:"citation"`
	CitedOn     string `json:"cited_on"`
	Date        string `json:"date"`
}

func (s *Server) apiAddEvidence(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	if !models.CanEdit(currentUser(c)) {
		return models.Forbidden("Viewers cannot add evidence.")
	}
	var e *models.Evidence
	if strings.HasPrefix(strings.ToLower(c.Get(fiber.HeaderContentType)), fiber.MIMEMultipartForm) {
		e, err = s.apiAddEvidenceFile(c, id)
	} else {
		var in evidenceInput
		if err := readJSONInput(c, &in); err != nil {
			return err
		}
		if in.CitedOn == "" {
			in.CitedOn = in.Date
		}
		if in.Kind == models.EvidenceLink && strings.TrimSpace(in.AccessedOn) == "" {
			in.AccessedOn = s.todayHere()
		}
		e, err = s.store.AddEvidence(c.UserContext(), currentUser(c), id, models.NewEvidence{Kind: in.Kind, Title: in.Title,
			URL: in.URL, Publisher: in.Publisher, PublishedOn: in.PublishedOn, AccessedOn: in.AccessedOn, Citation: in.Citation, CitedOn: in.CitedOn})
	}
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(evidenceToJSON(e))
}

func (s *Server) apiAddEvidenceFile(c *fiber.Ctx, recID int64) (*models.Evidence, error) {
	if err := s.checkUploadLength(c); err != nil {
		return nil, err
	}
	if k := c.FormValue("kind"); k != "" && k != models.EvidenceFile {
		return nil, models.Invalid("kind", "a multipart upload is file evidence; send links and citations as JSON")
	}
	fh, err := c.FormFile("file")
	if err != nil {
		return nil, models.Invalid("file", "is required: a multipart part named file")
	}
	return s.storeUpload(c, recID, fh, c.FormValue("title"))
}

func (s *Server) apiGetEvidence(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	e, err := s.store.Evidence(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(evidenceToJSON(e))
}

func (s *Server) apiVerifyEvidence(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	e, err := s.store.VerifyEvidence(c.UserContext(), currentUser(c), id)
	if err != nil {
		return err
	}
	return c.JSON(evidenceToJSON(e))
}

type reasonInput struct {
	Reason string `json:"reason"`
}

func (s *Server) apiRejectEvidence(c *fiber.Ctx) error {
	return s.apiEvidenceWithReason(c, s.store.RejectEvidence)
}

// apiRemoveEvidence marks evidence removed; the record stays. A body with a
// reason is optional.
func (s *Server) apiRemoveEvidence(c *fiber.Ctx) error {
	return s.apiEvidenceWithReason(c, s.store.RemoveEvidence)
}

// apiEvidenceWithReason runs a review action that takes an optional
// {"reason": …} body and answers with the evidence as it is afterwards.
func (s *Server) apiEvidenceWithReason(c *fiber.Ctx, act func(context.Context, *models.User, int64, string) (*models.Evidence, error)) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	var in reasonInput
	if len(c.Body()) > 0 {
		if err := readJSONInput(c, &in); err != nil {
			return err
		}
	}
	e, err := act(c.UserContext(), currentUser(c), id, in.Reason)
	if err != nil {
		return err
	}
	return c.JSON(evidenceToJSON(e))
}
