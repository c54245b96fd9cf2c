package handlers

import (
	"mime"

	"github.com/gofiber/fiber/v2"

	"policytracker/models"
)

// downloadEvidence serves an uploaded file to a signed-in reader (the
// routes sit behind requirePage and requireAPI). The type is the one found
// at upload, never guessed from the name; the browser is told not to sniff,
// to sandbox whatever it opens, and to download everything but the few
// types it can show safely.
func (s *Server) downloadEvidence(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	e, f, err := s.store.OpenEvidenceFile(c.UserContext(), currentUser(c), id)
	if err != nil {
		return err
	}
	disposition := "attachment"
	if models.InlineSafe(e.ContentType) {
		disposition = "inline"
	}
	// FormatMediaType quotes the name and switches to RFC 2231 encoding for
	// names outside ASCII.
	cd := mime.FormatMediaType(disposition, map[string]string{"filename": e.Filename})
	if cd == "" {
		cd = disposition + `; filename="evidence-` + itoa64(e.ID) + `"`
	}
	c.Set(fiber.HeaderContentType, e.ContentType)
	c.Set(fiber.HeaderContentDisposition, cd)
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set("Content-Security-Policy", "sandbox")
	c.Set(fiber.HeaderCacheControl, "private, no-cache")
	// fasthttp closes the file once the body is sent.
	return c.SendStream(f, int(e.Size))
}
