package handlers

import (
	"bufio"
	"fmt"
	"io"
	"os"

	"github.com/gofiber/fiber/v2"

	"policytracker/models/export"
)

// exportFile serves /export and /api/v1/export: the summary as of a date in
// one of the export formats, honouring the list's filters.
//
// The file is written to an unlinked temporary file and then streamed: the
// request is fully checked and the file fully built before the status line
// goes out, so a failure is a clean error response, never a truncated
// download, and memory stays flat whatever the catalog's size.
func (s *Server) exportFile(c *fiber.Ctx) error {
	ctx := c.UserContext()
	asOf, since, f, err := s.summaryRequest(c)
	if err != nil {
		return err
	}
	rep, err := export.Prepare(ctx, s.store, export.Options{Format: c.Query("format"), AsOf: asOf, Since: since, Filter: f,
		BOM: c.Query("bom") == "1" || c.Query("bom") == "true"})
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp("", "policytracker-export-*")
	if err != nil {
		return fmt.Errorf("handlers: export temp file: %w", err)
	}
	// Unlinked at once: the open file stays readable and disappears when
	// closed, whatever happens next.
	os.Remove(tmp.Name())
	size, err := writeAndRewind(tmp, func(w io.Writer) error { return rep.Write(ctx, w) })
	if err != nil {
		tmp.Close()
		return err
	}
	c.Set(fiber.HeaderContentType, export.ContentType(rep.Format()))
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="%s"`, rep.Filename()))
	c.Set(fiber.HeaderCacheControl, "no-store")
	// fasthttp closes the file once the body is sent.
	return c.SendStream(tmp, int(size))
}

func writeAndRewind(f *os.File, write func(io.Writer) error) (int64, error) {
	bw := bufio.NewWriterSize(f, 64<<10)
	if err := write(bw); err != nil {
		return 0, err
	}
	if err := bw.Flush(); err != nil {
		return 0, fmt.Errorf("handlers: write export: %w", err)
	}
	size, err := f.Seek(0, io.SeekCurrent)
	if err != nil {
		return 0, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return 0, err
	}
	return size, nil
}
