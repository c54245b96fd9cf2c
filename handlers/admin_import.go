package handlers

import (
	"errors"
	"fmt"
	"io"

	"github.com/gofiber/fiber/v2"

	"policytracker/models"
	"policytracker/models/importer"
)

// importPage is the admin's import form and its outcome: the problems of a
// refused file, or what a check or an import did, row by row.
type importPage struct {
	Base
	Name     string
	Format   string
	Text     string
	DryRun   bool
	Applied  bool
	Problems []models.ImportProblem
	Actions  []models.ImportAction
	Summary  string
	Errors   map[string]string
}

func (s *Server) newImportPage(c *fiber.Ctx) (*importPage, error) {
	if !models.CanAdminister(currentUser(c)) {
		return nil, models.Forbidden("Only admins import recommendations.")
	}
	page := &importPage{Base: s.base(c, "Import recommendations"), DryRun: true}
	page.Nav = "admin"
	return page, nil
}

func (s *Server) showImport(c *fiber.Ctx) error {
	page, err := s.newImportPage(c)
	if err != nil {
		return err
	}
	return s.renderPage(c, "import", page)
}

// importFile runs the same check-then-write import as `policytracker
// import`: every row is checked first and nothing is written unless the
// whole file is valid. "Check only" stops after the check.
func (s *Server) importFile(c *fiber.Ctx) error {
	page, err := s.newImportPage(c)
	if err != nil {
		return err
	}
	page.Format, page.Text, page.DryRun = c.FormValue("format"), c.FormValue("content"), c.FormValue("dry_run") != ""
	fail := func(field, msg string) error {
		page.Errors = map[string]string{field: msg}
		c.Status(fiber.StatusUnprocessableEntity)
		return s.renderPage(c, "import", page)
	}
	switch page.Format {
	case "", importer.YAML, importer.JSON, importer.CSV:
	default:
		return fail("format", "must be YAML, JSON or CSV")
	}
	data, name := []byte(page.Text), "pasted text"
	if fh, ferr := c.FormFile("file"); ferr == nil && fh.Size > 0 {
		if fh.Size > importer.MaxFileSize {
			return fail("file", fmt.Sprintf("The file is larger than %d MB.", importer.MaxFileSize>>20))
		}
		f, err := fh.Open()
		if err != nil {
			return fail("file", "The upload could not be read; try again.")
		}
		defer f.Close()
		if data, err = io.ReadAll(io.LimitReader(f, importer.MaxFileSize+1)); err != nil {
			return fail("file", "The upload could not be read; try again.")
		}
		name = fh.Filename
	}
	if len(data) == 0 {
		return fail("file", "Choose a file or paste its text.")
	}
	page.Name = name
	rows, problems, err := importer.Parse(page.Format, name, data)
	if err != nil {
		return fail("file", err.Error())
	}
	ctx := c.UserContext()
	plan, err := s.store.PlanImport(ctx, currentUser(c), rows)
	if err != nil {
		return err
	}
	page.Problems = append(problems, plan.Problems...)
	if len(page.Problems) > 0 {
		c.Status(fiber.StatusUnprocessableEntity)
		return s.renderPage(c, "import", page)
	}
	page.Actions = plan.Actions
	page.Summary = fmt.Sprintf("%d items: %d added, %d updated, %d unchanged", len(plan.Actions),
		plan.Count(models.ImportAdded), plan.Count(models.ImportUpdated), plan.Count(models.ImportUnchanged))
	if !page.DryRun {
		if err := s.store.ApplyImport(ctx, currentUser(c), plan); err != nil {
			if errors.Is(err, models.ErrImportInvalid) || models.IsConflict(err) {
				return fail("file", err.Error())
			}
			return err
		}
		page.Applied = true
	}
	return s.renderPage(c, "import", page)
}
