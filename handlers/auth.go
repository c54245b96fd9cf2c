package handlers

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/gofiber/fiber/v2"

	"policytracker/models"
)

type loginPage struct {
	Base
	Email, Next, Error string
}

func (s *Server) showLogin(c *fiber.Ctx) error {
	if currentUser(c) != nil {
		return c.Redirect(safeNext(c.Query("next")), fiber.StatusSeeOther)
	}
	if n, err := s.store.UserCount(c.UserContext()); err == nil && n == 0 {
		return c.Redirect("/setup", fiber.StatusSeeOther)
	}
	return s.renderPage(c, "login", &loginPage{Base: s.base(c, "Sign in"), Next: safeNext(c.Query("next"))})
}

func (s *Server) login(c *fiber.Ctx) error {
	email := models.NormaliseEmail(c.FormValue("email"))
	pw := c.FormValue("password")
	next := safeNext(c.FormValue("next"))
	page := &loginPage{Base: s.base(c, "Sign in"), Email: email, Next: next}
	ip := "ip:" + c.IP()
	if blocked, wait := s.limiter.blocked("email:"+email, ip); blocked {
		mins := int(math.Ceil(wait.Minutes()))
		page.Error = fmt.Sprintf("Too many failed sign-in attempts. Try again in %d minute%s.", mins, plural(mins))
		c.Status(fiber.StatusTooManyRequests)
		c.Set(fiber.HeaderRetryAfter, fmt.Sprint(int(math.Ceil(wait.Seconds()))))
		return s.renderPage(c, "login", page)
	}
	u, err := s.store.Authenticate(c.UserContext(), email, pw, c.IP())
	if errors.Is(err, models.ErrUnauthorized) {
		s.limiter.fail("email:"+email, ip)
		page.Error = "The e-mail or password is not right, or the account is disabled."
		c.Status(fiber.StatusUnauthorized)
		return s.renderPage(c, "login", page)
	}
	if err != nil {
		return err
	}
	s.limiter.reset("email:" + email)
	// A fresh session id at every login: no session fixation.
	if old := currentSession(c); old != nil {
		_ = s.store.DeleteSession(c.UserContext(), old.ID)
	}
	_, secret, err := s.store.CreateSession(c.UserContext(), u, c.Get(fiber.HeaderUserAgent), s.cfg.Sessions)
	if err != nil {
		return err
	}
	s.setSessionCookie(c, secret)
	return c.Redirect(next, fiber.StatusSeeOther)
}

func (s *Server) logout(c *fiber.Ctx) error {
	if sess := currentSession(c); sess != nil {
		if err := s.store.DeleteSession(c.UserContext(), sess.ID); err != nil {
			return err
		}
	}
	s.clearSessionCookie(c)
	return c.Redirect("/login", fiber.StatusSeeOther)
}

type setupForm struct{ Name, Email string }

type setupPage struct {
	Base
	Form   setupForm
	Errors map[string]string
}

func (s *Server) showSetup(c *fiber.Ctx) error {
	n, err := s.store.UserCount(c.UserContext())
	if err != nil {
		return err
	}
	if n > 0 {
		return c.Redirect("/login", fiber.StatusSeeOther)
	}
	return s.renderPage(c, "setup", &setupPage{Base: s.base(c, "First-run setup")})
}

func (s *Server) setup(c *fiber.Ctx) error {
	page := &setupPage{Base: s.base(c, "First-run setup"), Form: setupForm{Name: c.FormValue("name"), Email: c.FormValue("email")}}
	pw := c.FormValue("password")
	if pw != c.FormValue("password2") {
		page.Errors = map[string]string{"password2": "The two passwords differ."}
		c.Status(fiber.StatusUnprocessableEntity)
		return s.renderPage(c, "setup", page)
	}
	u, err := s.store.CreateFirstAdmin(c.UserContext(), models.NewUser{Name: page.Form.Name, Email: page.Form.Email, Password: pw})
	var ve *models.ValidationError
	switch {
	case errors.As(err, &ve):
		page.Errors = ve.Fields
		c.Status(fiber.StatusUnprocessableEntity)
		return s.renderPage(c, "setup", page)
	case errors.Is(err, models.ErrForbidden):
		return s.redirectWith(c, "/login", "info", "Setup is already done; sign in.")
	case err != nil:
		return err
	}
	_, secret, err := s.store.CreateSession(c.UserContext(), u, c.Get(fiber.HeaderUserAgent), s.cfg.Sessions)
	if err != nil {
		return err
	}
	s.setSessionCookie(c, secret)
	return s.redirectWith(c, "/", "ok", "Welcome! Your administrator account is ready. Add your team under Team.")
}

// safeNext keeps post-login redirects on this site.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	return next
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
