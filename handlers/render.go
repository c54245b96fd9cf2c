package handlers

import (
	"bytes"
	"fmt"
	"html/template"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"policytracker/models"
)

// Base is what every page's layout needs. Page structs embed it.
type Base struct {
	Title     string
	Nav       string
	User      *models.User
	CSRF      string
	Flash     string
	FlashKind string
	Today     time.Time
	// CachedContent is the page's main content already rendered (page_cache.go);
	// when set, the layout uses it instead of the page's "content".
	CachedContent template.HTML
}

// base fills the layout data from the request's locals.
func (s *Server) base(c *fiber.Ctx, title string) Base {
	b := Base{Title: title, User: currentUser(c), CSRF: csrfToken(c), Today: s.store.Now().In(s.cfg.Location)}
	if f := c.Cookies(flashCookie); f != "" {
		if v, err := url.QueryUnescape(f); err == nil {
			kind, msg, ok := strings.Cut(v, "|")
			if ok && (kind == "ok" || kind == "error" || kind == "info") {
				b.Flash, b.FlashKind = msg, kind
			}
		}
		c.Cookie(&fiber.Cookie{Name: flashCookie, Value: "", Path: "/", MaxAge: -1, Expires: time.Unix(1, 0), HTTPOnly: true, SameSite: "Lax", Secure: s.cfg.SecureCookies})
	}
	return b
}

const flashCookie = "pt_flash"

// flash leaves a one-time message for the next page (POST → redirect → GET).
func (s *Server) flash(c *fiber.Ctx, kind, msg string) {
	c.Cookie(&fiber.Cookie{Name: flashCookie, Value: url.QueryEscape(kind + "|" + msg), Path: "/", MaxAge: 60, HTTPOnly: true, SameSite: "Lax", Secure: s.cfg.SecureCookies})
}

// redirectWith flashes a message and redirects with 303 See Other.
func (s *Server) redirectWith(c *fiber.Ctx, to, kind, msg string) error {
	if msg != "" {
		s.flash(c, kind, msg)
	}
	return c.Redirect(to, fiber.StatusSeeOther)
}

// renderPage executes a page template into a buffer first, so a template
// failure becomes a clean error response instead of half a page.
func (s *Server) renderPage(c *fiber.Ctx, name string, data any) error {
	t, ok := s.pages[name]
	if !ok {
		return fmt.Errorf("handlers: no page template %q", name)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		return fmt.Errorf("handlers: render %s: %w", name, err)
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Send(buf.Bytes())
}

func (s *Server) funcs() template.FuncMap {
	return template.FuncMap{
		"add": func(a, b int) int { return a + b },
		"sub": func(a, b int) int { return a - b },
		"iso": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"when": func(t any) string {
			var tt time.Time
			switch v := t.(type) {
			case time.Time:
				tt = v
			case *time.Time:
				if v == nil {
					return ""
				}
				tt = *v
			}
			return tt.In(s.cfg.Location).Format("2 Jan 2006, 15:04")
		},
		"strength":    models.StrengthLabel,
		"domain":      models.DomainLabel,
		"statusLabel": func(v string) string { return models.Status(v).Label() },
	}
}

// Pager renders page links that keep the current query.
type Pager struct {
	Page, Pages int
	Query       url.Values
	Path        string
}

// URL is the link to page p.
func (p Pager) URL(page int) string {
	q := url.Values{}
	for k, v := range p.Query {
		q[k] = v
	}
	q.Set("page", fmt.Sprint(page))
	return p.Path + "?" + q.Encode()
}
