package handlers

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"policytracker/models"
)

const (
	sessionCookie = "pt_session"
	preCSRFCookie = "pt_csrf"
	localUser     = "user"
	localSession  = "session"
	localCSRF     = "csrf"
	localViaToken = "via_token"
)

// securityHeaders sets the headers every response carries. The CSP allows
// no inline script; the app's one script is a same-origin file.
func (s *Server) securityHeaders(c *fiber.Ctx) error {
	c.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set("X-Frame-Options", "DENY")
	// same-origin, not no-referrer: CSRF Referer checks need it over HTTPS.
	c.Set("Referrer-Policy", "same-origin")
	c.Set("Cross-Origin-Opener-Policy", "same-origin")
	c.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
	if s.cfg.SecureCookies {
		c.Set("Strict-Transport-Security", "max-age=31536000")
	}
	return c.Next()
}

func (s *Server) logRequests(c *fiber.Ctx) error {
	start := time.Now()
	err := c.Next()
	if err != nil {
		// Let the error handler set the final status before we log it.
		if herr := s.errorHandler(c, err); herr != nil {
			return herr
		}
	}
	st := c.Response().StatusCode()
	if st >= 400 || s.log.Enabled(c.UserContext(), -4) {
		s.log.Info("request", "method", c.Method(), "path", c.Path(), "status", st, "ms", time.Since(start).Milliseconds())
	}
	return nil
}

// authenticate resolves a bearer token or a session cookie to a user and
// puts it in the locals; it does not refuse anyone (require* do).
func (s *Server) authenticate(c *fiber.Ctx) error {
	ctx := c.UserContext()
	if h := c.Get(fiber.HeaderAuthorization); h != "" {
		scheme, tok, _ := strings.Cut(h, " ")
		if !strings.EqualFold(scheme, "Bearer") {
			return models.ErrUnauthorized
		}
		u, err := s.store.UserByToken(ctx, strings.TrimSpace(tok))
		if err != nil {
			return models.ErrUnauthorized
		}
		c.Locals(localUser, u)
		c.Locals(localViaToken, true)
		return c.Next()
	}
	if secret := c.Cookies(sessionCookie); secret != "" {
		sess, err := s.store.SessionBySecret(ctx, secret, s.cfg.Sessions)
		if err == nil {
			c.Locals(localUser, sess.User)
			c.Locals(localSession, sess)
			c.Locals(localCSRF, sess.CSRFToken)
			return c.Next()
		}
		s.clearSessionCookie(c)
	}
	// No session: forms (login, setup) use a double-submit cookie token.
	tok := c.Cookies(preCSRFCookie)
	if len(tok) < 20 || len(tok) > 100 {
		tok = newSecret()
		c.Cookie(&fiber.Cookie{Name: preCSRFCookie, Value: tok, Path: "/", HTTPOnly: true, SameSite: "Lax", Secure: s.cfg.SecureCookies})
	}
	c.Locals(localCSRF, tok)
	return c.Next()
}

// requirePage sends anonymous visitors to the login page (or to first-run
// setup while no account exists).
func (s *Server) requirePage(c *fiber.Ctx) error {
	if currentUser(c) != nil {
		return c.Next()
	}
	if n, err := s.store.UserCount(c.UserContext()); err == nil && n == 0 {
		return c.Redirect("/setup", fiber.StatusSeeOther)
	}
	next := c.OriginalURL()
	if c.Method() != fiber.MethodGet || next == "/" {
		return c.Redirect("/login", fiber.StatusSeeOther)
	}
	return c.Redirect("/login?next="+url.QueryEscape(next), fiber.StatusSeeOther)
}

// requireAPI answers 401 without a valid token or session.
func (s *Server) requireAPI(c *fiber.Ctx) error {
	if currentUser(c) == nil {
		return models.ErrUnauthorized
	}
	return c.Next()
}

// csrf refuses state-changing requests that do not carry the session's (or
// the pre-session cookie's) token. Bearer-token API calls carry no ambient
// credentials, so they need none.
func (s *Server) csrf(c *fiber.Ctx) error {
	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
		return c.Next()
	}
	if via, _ := c.Locals(localViaToken).(bool); via {
		return c.Next()
	}
	if origin := c.Get(fiber.HeaderOrigin); origin != "" && origin != "null" {
		if u, err := url.Parse(origin); err != nil || u.Host != c.Hostname() {
			return fiber.NewError(fiber.StatusForbidden, "Cross-site request refused.")
		}
	}
	want := csrfToken(c)
	got := c.Get("X-CSRF-Token")
	if got == "" {
		got = c.FormValue("_csrf")
	}
	if want == "" || got == "" || subtle.ConstantTimeCompare([]byte(want), []byte(got)) != 1 {
		return fiber.NewError(fiber.StatusForbidden, "The form has expired or did not come from this site. Reload the page and try again.")
	}
	return c.Next()
}

func currentUser(c *fiber.Ctx) *models.User {
	u, _ := c.Locals(localUser).(*models.User)
	return u
}

func currentSession(c *fiber.Ctx) *models.Session {
	s, _ := c.Locals(localSession).(*models.Session)
	return s
}

func csrfToken(c *fiber.Ctx) string {
	t, _ := c.Locals(localCSRF).(string)
	return t
}

func newSecret() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func (s *Server) setSessionCookie(c *fiber.Ctx, secret string) {
	c.Cookie(&fiber.Cookie{Name: sessionCookie, Value: secret, Path: "/", HTTPOnly: true, SameSite: "Lax", Secure: s.cfg.SecureCookies,
		Expires: s.store.Now().Add(s.cfg.Sessions.Absolute)})
}

func (s *Server) clearSessionCookie(c *fiber.Ctx) {
	c.Cookie(&fiber.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, Expires: time.Unix(1, 0), HTTPOnly: true, SameSite: "Lax", Secure: s.cfg.SecureCookies})
}
