package handlers

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gofiber/fiber/v2"

	"policytracker/models"
)

// apiError is the contract's error envelope.
type apiError struct {
	Error apiErrorBody `json:"error"`
}

type apiErrorBody struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
	Current any               `json:"current,omitempty"`
}

// classify maps any error to an HTTP status, a contract error code and a
// message safe to show. It is the one place where domain errors meet HTTP.
func (s *Server) classify(c *fiber.Ctx, err error) (int, apiErrorBody) {
	var ve *models.ValidationError
	var ce *models.ConflictError
	var fe *fiber.Error
	switch {
	case errors.As(err, &ve):
		return http.StatusUnprocessableEntity, apiErrorBody{Code: "invalid", Message: "Some values are not valid.", Fields: ve.Fields}
	case errors.As(err, &ce):
		body := apiErrorBody{Code: "conflict", Message: ce.Error()}
		if ce.Current != nil {
			body.Current = s.itemJSON(ce.Current)
		}
		return http.StatusConflict, body
	case errors.Is(err, models.ErrNotFound):
		return http.StatusNotFound, apiErrorBody{Code: "not_found", Message: "Not found."}
	case errors.Is(err, models.ErrForbidden):
		msg := "You are not allowed to do that."
		var re *models.RuleError
		if errors.As(err, &re) {
			msg = re.Msg
		}
		return http.StatusForbidden, apiErrorBody{Code: "forbidden", Message: msg}
	case errors.Is(err, models.ErrUnauthorized):
		return http.StatusUnauthorized, apiErrorBody{Code: "unauthorized", Message: "Sign in or send a valid API token."}
	case errors.Is(err, models.ErrTooLarge):
		return http.StatusRequestEntityTooLarge, apiErrorBody{Code: "too_large", Message: "The upload is too large."}
	case errors.As(err, &fe):
		return fe.Code, apiErrorBody{Code: codeForStatus(fe.Code), Message: fe.Message}
	}
	s.log.Error("internal error", "method", c.Method(), "path", c.Path(), "err", err)
	return http.StatusInternalServerError, apiErrorBody{Code: "internal", Message: "Internal error."}
}

func codeForStatus(st int) string {
	switch st {
	case http.StatusNotFound, http.StatusMethodNotAllowed:
		return "not_found"
	case http.StatusForbidden:
		return "forbidden"
	case http.StatusUnauthorized:
		return "unauthorized"
	case http.StatusConflict:
		return "conflict"
	case http.StatusRequestEntityTooLarge:
		return "too_large"
	case http.StatusTooManyRequests:
		return "rate_limited"
	case http.StatusInternalServerError:
		return "internal"
	}
	return "invalid"
}

// errorHandler renders errors as JSON under /api and as a page elsewhere.
func (s *Server) errorHandler(c *fiber.Ctx, err error) error {
	status, body := s.classify(c, err)
	if isAPI(c) {
		return c.Status(status).JSON(apiError{Error: body})
	}
	title := http.StatusText(status)
	msg := body.Message
	if body.Fields != nil {
		msg = (&models.ValidationError{Fields: body.Fields}).Error()
	}
	page := &errorPage{Base: s.base(c, title), Message: msg}
	c.Status(status)
	if rerr := s.renderPage(c, "error", page); rerr != nil {
		s.log.Error("render error page", "err", rerr)
		return c.Status(status).SendString(title)
	}
	return nil
}

type errorPage struct {
	Base
	Message string
}

func isAPI(c *fiber.Ctx) bool { return strings.HasPrefix(c.Path(), "/api/") }
