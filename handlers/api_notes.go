package handlers

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"policytracker/models"
	"policytracker/models/markdown"
)

type noteJSON struct {
	ID               int64     `json:"id"`
	RecommendationID int64     `json:"recommendation_id"`
	Body             string    `json:"body"`
	HTML             string    `json:"html"`
	Author           *userRef  `json:"author"`
	CreatedAt        time.Time `json:"created_at"`
	UpdatedAt        time.Time `json:"updated_at"`
	Edited           bool      `json:"edited"`
}

func noteToJSON(n *models.Note, dir *markdown.Directory) noteJSON {
	return noteJSON{ID: n.ID, RecommendationID: n.RecommendationID, Body: n.Body, HTML: string(markdown.Render(n.Body, dir)),
		Author: userRefOf(n.Author), CreatedAt: n.CreatedAt, UpdatedAt: n.UpdatedAt, Edited: n.Edited}
}

// readJSONInput decodes a request body into dst, refusing unknown keys and
// wrong types with a field error instead of ignoring them.
func readJSONInput(c *fiber.Ctx, dst any) error {
	dec := json.NewDecoder(bytes.NewReader(c.Body()))
	dec.DisallowUnknownFields()
	err := dec.Decode(dst)
	var te *json.UnmarshalTypeError
	switch {
	case err == nil:
		if !atEnd(dec) {
			return models.Invalid("body", "must hold a single JSON object")
		}
		return nil
	case errors.As(err, &te) && te.Field != "":
		return models.Invalid(te.Field, "has the wrong type")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return models.Invalid(strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`), "unknown field")
	}
	return models.Invalid("body", "must be a JSON object")
}

// atEnd reports whether nothing but white space follows the decoded value:
// text after it (a second object, a stray "}", a pasted log line) is a
// mistake the client should hear about, not something to drop silently.
func atEnd(dec *json.Decoder) bool {
	_, err := dec.Token()
	return errors.Is(err, io.EOF)
}

type noteInput struct {
	Body *string `json:"body"`
}

// noteBody reads the {"body": "markdown"} of a note request.
func noteBody(c *fiber.Ctx) (string, error) {
	var in noteInput
	if err := readJSONInput(c, &in); err != nil {
		return "", err
	}
	return in.body()
}

func (in noteInput) body() (string, error) {
	if in.Body == nil {
		return "", models.Invalid("body", "is required: the note's Markdown text")
	}
	return *in.Body, nil
}

func (s *Server) noteResponse(c *fiber.Ctx, status int, n *models.Note) error {
	dir, err := s.store.NoteDirectory(c.UserContext())
	if err != nil {
		return err
	}
	if n.Author == nil {
		if n.Author, err = s.store.User(c.UserContext(), n.AuthorID); err != nil {
			return err
		}
	}
	return c.Status(status).JSON(noteToJSON(n, dir))
}

func (s *Server) apiAddNote(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	if !models.CanEdit(currentUser(c)) {
		return models.Forbidden("Viewers cannot write notes.")
	}
	body, err := noteBody(c)
	if err != nil {
		return err
	}
	n, err := s.store.AddNote(c.UserContext(), currentUser(c), id, body)
	if err != nil {
		return err
	}
	return s.noteResponse(c, fiber.StatusCreated, n)
}

func (s *Server) apiEditNote(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	body, err := noteBody(c)
	if err != nil {
		return err
	}
	n, err := s.store.EditNote(c.UserContext(), currentUser(c), id, body)
	if err != nil {
		return err
	}
	return s.noteResponse(c, fiber.StatusOK, n)
}

func (s *Server) apiDeleteNote(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	if _, err := s.store.DeleteNote(c.UserContext(), currentUser(c), id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
