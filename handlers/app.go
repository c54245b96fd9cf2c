// Package handlers is the HTTP layer: routes, middleware and thin handlers
// that parse input, call models, and render or redirect.
package handlers

import (
	"html/template"
	"log/slog"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/filesystem"
	"github.com/gofiber/fiber/v2/middleware/recover"

	"policytracker/models"
	"policytracker/views"
)

// Config is what the HTTP layer needs to know about its deployment.
type Config struct {
	// SecureCookies marks cookies Secure; set when served over HTTPS.
	SecureCookies bool
	Sessions      models.SessionPolicy
	// MaxUpload bounds one evidence file, in bytes.
	MaxUpload int64
	// Location is the instance's time zone: a bare date in "as of" means the
	// end of that day there.
	Location *time.Location
	Logger   *slog.Logger
	// LoginLimit is how many failed logins per account and per address are
	// allowed in LoginWindow before 429.
	LoginLimit  int
	LoginWindow time.Duration
	// NoPageCache renders every page afresh (for measuring the uncached
	// cost; see page_cache.go).
	NoPageCache bool
}

func (c *Config) defaults() {
	if c.Sessions.Idle == 0 {
		c.Sessions = models.DefaultSessionPolicy
	}
	if c.MaxUpload == 0 {
		c.MaxUpload = 25 << 20
	}
	if c.Location == nil {
		c.Location = time.Local
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.LoginLimit == 0 {
		c.LoginLimit = 5
	}
	if c.LoginWindow == 0 {
		c.LoginWindow = 15 * time.Minute
	}
}

// Server holds the handlers' dependencies.
type Server struct {
	store   *models.Store
	cfg     Config
	pages   map[string]*template.Template
	log     *slog.Logger
	limiter *loginLimiter
	cache   *pageCache
}

// New builds the fiber app with every route and middleware.
func New(store *models.Store, cfg Config) (*fiber.App, error) {
	cfg.defaults()
	s := &Server{store: store, cfg: cfg, log: cfg.Logger, limiter: newLoginLimiter(cfg.LoginLimit, cfg.LoginWindow, store.Now)}
	var ttl time.Duration
	if store.Dialect() == "postgres" {
		ttl = pageCacheTTLPG
	}
	if !cfg.NoPageCache {
		s.cache = newPageCache(ttl)
	}
	pages, err := views.Parse(s.funcs())
	if err != nil {
		return nil, err
	}
	s.pages = pages
	app := fiber.New(fiber.Config{
		// Values from the context must not change under us after a handler
		// stores them (shared/STACK.md: fiber's zero-allocation trap).
		Immutable:             true,
		BodyLimit:             int(cfg.MaxUpload) + 1<<20,
		ReadTimeout:           60 * time.Second,
		WriteTimeout:          120 * time.Second,
		IdleTimeout:           120 * time.Second,
		ErrorHandler:          s.errorHandler,
		DisableStartupMessage: true,
		AppName:               "policytracker",

		// Parse multipart bodies when a handler asks, not while reading the
		// request: fasthttp answers a malformed one itself after wiping the
		// request line, so the API's client got an HTML page quoting the
		// parser instead of its JSON 422.
		DisablePreParseMultipartForm: true,
	})
	app.Use(recover.New(recover.Config{EnableStackTrace: false}))
	app.Use(s.securityHeaders)
	app.Use(s.logRequests)
	app.Use("/static", filesystem.New(filesystem.Config{Root: http.FS(views.Static()), MaxAge: 3600}))
	app.Get("/healthz", s.healthz)
	app.Use(s.authenticate)
	app.Use(s.checkQuery)
	s.routes(app)
	app.Use(func(c *fiber.Ctx) error { return fiber.ErrNotFound })
	return app, nil
}
