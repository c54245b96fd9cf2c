package handlers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"policytracker/handlers"
	"policytracker/models"
	"policytracker/seed"
)

// clock is a settable time source shared by the store and the handlers.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// env is a real app on a real SQLite file in t.TempDir(), seeded with the
// report's catalog.
type env struct {
	t     *testing.T
	app   *fiber.App
	store *models.Store
	clock *clock
	dir   string
	users int
}

func newEnv(t *testing.T) *env { return newEnvWith(t, handlers.Config{}) }

func newEnvWith(t *testing.T, cfg handlers.Config) *env {
	t.Helper()
	dir := t.TempDir()
	clk := &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	store, err := models.Open(models.Options{DataDir: dir, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	ctx := context.Background()
	if err := store.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := seed.Load(ctx, store); err != nil {
		t.Fatal(err)
	}
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	cfg.Logger = quietLogger()
	app, err := handlers.New(store, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, app: app, store: store, clock: clk, dir: dir}
}

const testPassword = "correct horse battery"

// user creates an account with the role; e-mail is role-N@example.org.
func (e *env) user(role models.Role) *models.User {
	e.t.Helper()
	e.users++
	u, err := e.store.CreateUser(context.Background(), nil, models.NewUser{
		Email: fmt.Sprintf("%s-%d@example.org", role, e.users), Name: fmt.Sprintf("%s %d", strings.ToUpper(string(role[:1]))+string(role[1:]), e.users),
		Role: role, Password: testPassword})
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

// token issues an API token for u.
func (e *env) token(u *models.User) string {
	e.t.Helper()
	_, secret, err := e.store.CreateToken(context.Background(), nil, u.ID, "test")
	if err != nil {
		e.t.Fatal(err)
	}
	return secret
}

// browser is a cookie-keeping client of the app, like a person's browser.
type browser struct {
	e       *env
	cookies map[string]string
}

func (e *env) browser() *browser { return &browser{e: e, cookies: map[string]string{}} }

// do sends a request through the real app and keeps cookies.
func (b *browser) do(req *http.Request) *http.Response {
	b.e.t.Helper()
	for k, v := range b.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	resp, err := b.e.app.Test(req, -1)
	if err != nil {
		b.e.t.Fatal(err)
	}
	for _, c := range resp.Cookies() {
		if c.MaxAge < 0 || c.Value == "" {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c.Value
		}
	}
	return resp
}

func (b *browser) get(path string) (*http.Response, string) {
	b.e.t.Helper()
	resp := b.do(httptest.NewRequest(http.MethodGet, path, nil))
	return resp, readBody(b.e.t, resp)
}

var csrfRe = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// csrf fetches a page and returns the CSRF token of its forms.
func (b *browser) csrf(path string) string {
	b.e.t.Helper()
	_, body := b.get(path)
	m := csrfRe.FindStringSubmatch(body)
	if m == nil {
		b.e.t.Fatalf("no CSRF token on %s", path)
	}
	return m[1]
}

// post submits a form, adding the CSRF token of csrfFrom's page unless the
// form already holds one.
func (b *browser) post(path string, form url.Values, csrfFrom string) (*http.Response, string) {
	b.e.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["_csrf"]; !ok {
		form.Set("_csrf", b.csrf(csrfFrom))
	}
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp := b.do(req)
	return resp, readBody(b.e.t, resp)
}

// login signs u in through the real login form.
func (b *browser) login(u *models.User) {
	b.e.t.Helper()
	resp, body := b.post("/login", url.Values{"email": {u.Email}, "password": {testPassword}}, "/login")
	if resp.StatusCode != http.StatusSeeOther {
		b.e.t.Fatalf("login as %s: status %d\n%s", u.Email, resp.StatusCode, body)
	}
}

// api sends a JSON request with a bearer token (empty: none).
func (e *env) api(method, path, token string, body any) (*http.Response, map[string]any) {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		switch b := body.(type) {
		case string:
			rd = strings.NewReader(b)
		default:
			buf, _ := json.Marshal(b)
			rd = bytes.NewReader(buf)
		}
	}
	req := httptest.NewRequest(method, path, rd)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := e.app.Test(req, -1)
	if err != nil {
		e.t.Fatal(err)
	}
	raw := readBody(e.t, resp)
	var out map[string]any
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal([]byte(raw), &out); err != nil {
			e.t.Fatalf("%s %s: bad JSON: %v\n%s", method, path, err, raw)
		}
	}
	return resp, out
}

func readBody(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// recByCode loads a seeded recommendation.
func (e *env) rec(code string) *models.Recommendation {
	e.t.Helper()
	r, err := e.store.RecommendationByCode(context.Background(), code)
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}
