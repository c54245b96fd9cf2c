package handlers

import (
	"errors"
	"fmt"

	"github.com/gofiber/fiber/v2"

	"policytracker/models"
)

type accountPage struct {
	Base
	Sessions  []models.Session
	SessionID int64
	Tokens    []models.Token
	NewToken  string
	Errors    map[string]string
}

func (s *Server) accountPage(c *fiber.Ctx) (*accountPage, error) {
	u := currentUser(c)
	page := &accountPage{Base: s.base(c, "Your account")}
	var err error
	if page.Sessions, err = s.store.Sessions(c.UserContext(), u.ID); err != nil {
		return nil, err
	}
	if sess := currentSession(c); sess != nil {
		page.SessionID = sess.ID
	}
	if page.Tokens, err = s.store.Tokens(c.UserContext(), u.ID); err != nil {
		return nil, err
	}
	return page, nil
}

func (s *Server) showAccount(c *fiber.Ctx) error {
	page, err := s.accountPage(c)
	if err != nil {
		return err
	}
	return s.renderPage(c, "account", page)
}

func (s *Server) renderAccountErrors(c *fiber.Ctx, fields map[string]string) error {
	page, err := s.accountPage(c)
	if err != nil {
		return err
	}
	page.Errors = fields
	c.Status(fiber.StatusUnprocessableEntity)
	return s.renderPage(c, "account", page)
}

func (s *Server) changePassword(c *fiber.Ctx) error {
	u := currentUser(c)
	if !models.CheckPassword(u.PasswordHash, c.FormValue("current")) {
		return s.renderAccountErrors(c, map[string]string{"current": "This is not your current password."})
	}
	if c.FormValue("password") != c.FormValue("password2") {
		return s.renderAccountErrors(c, map[string]string{"password2": "The two passwords differ."})
	}
	var keep int64
	if sess := currentSession(c); sess != nil {
		keep = sess.ID
	}
	err := s.store.SetPassword(c.UserContext(), u, u.ID, c.FormValue("password"), keep)
	var ve *models.ValidationError
	if errors.As(err, &ve) {
		return s.renderAccountErrors(c, ve.Fields)
	}
	if err != nil {
		return err
	}
	return s.redirectWith(c, "/account", "ok", "Password changed. Your other sessions were logged out.")
}

func (s *Server) createToken(c *fiber.Ctx) error {
	u := currentUser(c)
	_, secret, err := s.store.CreateToken(c.UserContext(), u, u.ID, c.FormValue("name"))
	var ve *models.ValidationError
	if errors.As(err, &ve) {
		return s.renderAccountErrors(c, ve.Fields)
	}
	if err != nil {
		return err
	}
	// Shown once, on this response only; never stored in clear.
	page, err := s.accountPage(c)
	if err != nil {
		return err
	}
	page.NewToken = secret
	return s.renderPage(c, "account", page)
}

func (s *Server) revokeToken(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	if err := s.store.RevokeToken(c.UserContext(), currentUser(c), id); err != nil {
		return err
	}
	return s.redirectWith(c, "/account", "ok", "Token revoked.")
}

func (s *Server) logoutOthers(c *fiber.Ctx) error {
	var keep int64
	if sess := currentSession(c); sess != nil {
		keep = sess.ID
	}
	n, err := s.store.DeleteOtherSessions(c.UserContext(), currentUser(c).ID, keep)
	if err != nil {
		return err
	}
	return s.redirectWith(c, "/account", "ok", fmt.Sprintf("Logged out %d other session%s.", n, plural(int(n))))
}
