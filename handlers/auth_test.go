package handlers_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"policytracker/handlers"
	"policytracker/models"
)

var flashErrorRe = regexp.MustCompile(`<div class="flash flash-error" role="alert">([^<]*)</div>`)

// loginAs posts the login form with the given credentials.
func (b *browser) loginAs(email, password string) (*http.Response, string) {
	b.e.t.Helper()
	return b.post("/login", url.Values{"email": {email}, "password": {password}}, "/login")
}

func cookieOf(resp *http.Response, name string) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// withCookie is a fresh browser holding only the given session cookie, as an
// attacker replaying a stolen or stale cookie would.
func (e *env) withCookie(secret string) *browser {
	b := e.browser()
	b.cookies["pt_session"] = secret
	return b
}

func wantRedirect(t *testing.T, resp *http.Response, prefix string) {
	t.Helper()
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), prefix) {
		t.Fatalf("status %d → %q, want 303 → %s…", resp.StatusCode, resp.Header.Get("Location"), prefix)
	}
}

// ---------------------------------------------------------------------------
// CSRF

func TestCSRF(t *testing.T) {
	e := newEnv(t)
	m := e.user(models.RoleMember)
	other := e.user(models.RoleMember)
	b, csrf := e.signIn(m)
	_, otherCSRF := e.signIn(other)
	tok := e.token(m)
	rec := e.rec("R-07")
	path := "/recommendations/" + itoa(rec.ID)
	apiPath := "/api/v1" + path

	form := func(extra url.Values) url.Values {
		return trackingForm(e.rec("R-07"), extra)
	}
	sessionAPI := func(header string, origin string) *http.Response {
		body, _ := json.Marshal(map[string]any{"version": e.rec("R-07").Version, "priority": "low"})
		req := httptest.NewRequest(http.MethodPatch, apiPath, strings.NewReader(string(body)))
		req.Header.Set("Content-Type", "application/json")
		if header != "" {
			req.Header.Set("X-CSRF-Token", header)
		}
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		return b.do(req)
	}
	formPost := func(v url.Values, origin string) *http.Response {
		req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(v.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		return b.do(req)
	}
	cases := []struct {
		name string
		call func() *http.Response
		want int
	}{
		{"form without a token is refused", func() *http.Response { return formPost(form(url.Values{"priority": {"high"}}), "") }, 403},
		{"form with a wrong token is refused", func() *http.Response {
			return formPost(form(url.Values{"priority": {"high"}, "_csrf": {"not-the-token-0123456789abcdefghij"}}), "")
		}, 403},
		{"form with another session's token is refused", func() *http.Response {
			return formPost(form(url.Values{"priority": {"high"}, "_csrf": {otherCSRF}}), "")
		}, 403},
		{"form posted from another site is refused", func() *http.Response {
			return formPost(form(url.Values{"priority": {"high"}, "_csrf": {csrf}}), "https://evil.example")
		}, 403},
		{"form with the session's token is accepted", func() *http.Response {
			return formPost(form(url.Values{"priority": {"high"}, "_csrf": {csrf}}), "")
		}, 303},
		{"session API call without the header is refused", func() *http.Response { return sessionAPI("", "") }, 403},
		{"session API call with another session's header is refused", func() *http.Response { return sessionAPI(otherCSRF, "") }, 403},
		{"session API call with the header is accepted", func() *http.Response { return sessionAPI(csrf, "") }, 200},
		{"bearer-token API call needs no token", func() *http.Response {
			body, _ := json.Marshal(map[string]any{"version": e.rec("R-07").Version, "priority": "medium"})
			req := httptest.NewRequest(http.MethodPatch, apiPath, strings.NewReader(string(body)))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+tok)
			resp, err := e.app.Test(req, -1)
			if err != nil {
				t.Fatal(err)
			}
			return resp
		}, 200},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := e.snapshot()
			resp := tc.call()
			body := readBody(t, resp)
			if resp.StatusCode != tc.want {
				t.Fatalf("status %d, want %d\n%.500s", resp.StatusCode, tc.want, body)
			}
			after := e.snapshot()
			if tc.want == 403 {
				if after != before {
					t.Errorf("a refused request changed the database:\n%s", diffLines(before, after))
				}
				if strings.Contains(body, "goroutine") || strings.Contains(body, "csrf.go") {
					t.Errorf("the refusal leaks internals: %.300s", body)
				}
			} else if after == before {
				t.Error("an accepted request changed nothing")
			}
		})
	}
}

func TestLoginFormNeedsCSRFToken(t *testing.T) {
	e := newEnv(t)
	u := e.user(models.RoleMember)
	cases := []struct {
		name string
		csrf func(b *browser) []string
	}{
		{"login without a token is refused", func(*browser) []string { return nil }},
		{"login with a wrong token is refused", func(*browser) []string { return []string{"wrong-token-0123456789abcdefghijk"} }},
		{"login with another browser's token is refused", func(*browser) []string { return []string{e.browser().csrf("/login")} }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := e.browser()
			b.get("/login") // gets its own pre-session cookie
			form := url.Values{"email": {u.Email}, "password": {testPassword}}
			if v := tc.csrf(b); v != nil {
				form["_csrf"] = v
			}
			resp, _ := b.postForm("/login", form)
			if resp.StatusCode != http.StatusForbidden {
				t.Fatalf("status %d, want 403", resp.StatusCode)
			}
			if _, ok := b.cookies["pt_session"]; ok {
				t.Fatal("a session cookie was set")
			}
			var n int64
			e.db().Model(&models.Session{}).Count(&n)
			if n != 0 {
				t.Fatalf("%d sessions exist", n)
			}
		})
	}
}

// ---------------------------------------------------------------------------
// Login

func TestLoginRefusalsLookAlike(t *testing.T) {
	e := newEnv(t)
	u := e.user(models.RoleMember)
	gone := e.user(models.RoleMember)
	if _, err := e.store.SetDisabled(context.Background(), nil, gone.ID, true); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ name, email, password string }{
		{"wrong password is refused", u.Email, "not the password at all"},
		{"unknown e-mail is refused", "nobody@example.org", testPassword},
		{"disabled account is refused", gone.Email, testPassword},
	}
	var messages []string
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := e.browser()
			resp, body := b.loginAs(tc.email, tc.password)
			if resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("status %d, want 401", resp.StatusCode)
			}
			m := flashErrorRe.FindStringSubmatch(body)
			if m == nil {
				t.Fatalf("no error message on the page:\n%.800s", body)
			}
			messages = append(messages, m[1])
			if _, ok := b.cookies["pt_session"]; ok {
				t.Error("a session cookie was set")
			}
			for _, leak := range []string{"no such", "unknown", "not found", "wrong password"} {
				if strings.Contains(strings.ToLower(m[1]), leak) {
					t.Errorf("message %q tells which part was wrong", m[1])
				}
			}
		})
	}
	for _, m := range messages[1:] {
		if m != messages[0] {
			t.Errorf("messages differ: %q", messages)
		}
	}
	evs, _ := e.store.Events(context.Background(), models.EventFilter{Kind: "login_failed"})
	if len(evs) != len(cases) {
		t.Errorf("%d failed-login events, want %d", len(evs), len(cases))
	}
}

func TestLoginRedirectsToNextOnThisSiteOnly(t *testing.T) {
	e := newEnv(t)
	u := e.user(models.RoleViewer)
	cases := []struct{ name, next, want string }{
		{"a local next page is followed", "/recommendations?domain=energy", "/recommendations?domain=energy"},
		{"another site is ignored", "https://evil.example/", "/"},
		{"a protocol-relative URL is ignored", "//evil.example/", "/"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := e.browser()
			resp, _ := b.post("/login", url.Values{"email": {u.Email}, "password": {testPassword}, "next": {tc.next}}, "/login")
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != tc.want {
				t.Fatalf("status %d → %q, want 303 → %q", resp.StatusCode, resp.Header.Get("Location"), tc.want)
			}
		})
	}
}

func TestAnonymousIsSentToLogin(t *testing.T) {
	e := newEnv(t)
	u := e.user(models.RoleViewer)
	revoked := e.token(u)
	ts, _ := e.store.Tokens(context.Background(), u.ID)
	if err := e.store.RevokeToken(context.Background(), nil, ts[0].ID); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/", "/recommendations", "/recommendations/1", "/account", "/admin/users"} {
		t.Run("page "+p+" redirects to login", func(t *testing.T) {
			resp, _ := e.browser().get(p)
			wantRedirect(t, resp, "/login")
		})
	}
	cases := []struct{ name, auth string }{
		{"API without a token answers 401", ""},
		{"API with a made-up token answers 401", "Bearer pt_madeup0123456789"},
		{"API with a revoked token answers 401", "Bearer " + revoked},
		{"API with another scheme answers 401", "Basic dXNlcjpwYXNz"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/api/v1/recommendations", nil)
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			resp, err := e.app.Test(req, -1)
			if err != nil {
				t.Fatal(err)
			}
			var js map[string]any
			json.NewDecoder(resp.Body).Decode(&js)
			resp.Body.Close()
			wantAPIError(t, resp, js, http.StatusUnauthorized, "unauthorized")
		})
	}
}

// ---------------------------------------------------------------------------
// Rate limiting

func TestLoginRateLimitPerAddress(t *testing.T) {
	e := newEnv(t)
	u := e.user(models.RoleMember)
	// app.Test always comes from one address: five failures on five
	// different accounts block the address, even for a right password.
	for i := range 5 {
		resp, _ := e.browser().loginAs("nobody"+strconv.Itoa(i)+"@example.org", "a wrong password")
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("attempt %d: status %d, want 401", i+1, resp.StatusCode)
		}
	}
	b := e.browser()
	resp, body := b.loginAs(u.Email, testPassword)
	wantTooMany(t, resp, body)
	if _, ok := b.cookies["pt_session"]; ok {
		t.Fatal("a blocked login started a session")
	}
	e.clock.Advance(15*time.Minute + time.Second)
	if resp, _ := e.browser().loginAs(u.Email, testPassword); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("after the window: status %d, want 303", resp.StatusCode)
	}
}

func wantTooMany(t *testing.T, resp *http.Response, body string) {
	t.Helper()
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("status %d, want 429", resp.StatusCode)
	}
	ra, err := strconv.Atoi(resp.Header.Get("Retry-After"))
	if err != nil || ra < 1 || ra > 15*60 {
		t.Errorf("Retry-After %q, want 1–900 seconds", resp.Header.Get("Retry-After"))
	}
	m := flashErrorRe.FindStringSubmatch(body)
	if m == nil || !strings.Contains(m[1], "Too many failed sign-in attempts") || !strings.Contains(m[1], "minute") {
		t.Errorf("no clear message: %q", m)
	}
}

// netClient talks to the app over real TCP from a chosen loopback address,
// so that the per-address and per-account limits can be told apart.
type netClient struct {
	t    *testing.T
	base string
	c    *http.Client
}

func serveOnLoopback(t *testing.T, e *env) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go e.app.Listener(ln)
	t.Cleanup(func() { e.app.ShutdownWithTimeout(2 * time.Second) })
	return "http://" + ln.Addr().String()
}

func newNetClient(t *testing.T, base, fromIP string) *netClient {
	jar, _ := cookiejar.New(nil)
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(fromIP)}, Timeout: 5 * time.Second}
	tr := &http.Transport{DialContext: d.DialContext}
	t.Cleanup(tr.CloseIdleConnections)
	return &netClient{t: t, base: base, c: &http.Client{Jar: jar, Transport: tr, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (n *netClient) login(email, password string) (*http.Response, string) {
	n.t.Helper()
	resp, err := n.c.Get(n.base + "/login")
	if err != nil {
		n.t.Fatal(err)
	}
	m := csrfRe.FindStringSubmatch(readBody(n.t, resp))
	if m == nil {
		n.t.Fatal("no CSRF token on /login")
	}
	resp, err = n.c.PostForm(n.base+"/login", url.Values{"email": {email}, "password": {password}, "_csrf": {m[1]}})
	if err != nil {
		n.t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

func TestLoginRateLimitPerAccount(t *testing.T) {
	e := newEnv(t)
	target := e.user(models.RoleMember)
	bystander := e.user(models.RoleMember)
	base := serveOnLoopback(t, e)
	// Five failures on one account, each from a different address: no
	// address is over its limit, but the account is.
	for i := range 5 {
		resp, _ := newNetClient(t, base, "127.0.0."+strconv.Itoa(10+i)).login(target.Email, "a wrong password")
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("attempt %d: status %d, want 401", i+1, resp.StatusCode)
		}
	}
	fresh := newNetClient(t, base, "127.0.0.20")
	resp, body := fresh.login(target.Email, testPassword)
	wantTooMany(t, resp, body)
	// The same address may still sign in to another account.
	if resp, _ := fresh.login(bystander.Email, testPassword); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("another account from a fresh address: status %d, want 303", resp.StatusCode)
	}
	e.clock.Advance(15*time.Minute + time.Second)
	if resp, _ := newNetClient(t, base, "127.0.0.21").login(target.Email, testPassword); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("after the window: status %d, want 303", resp.StatusCode)
	}
}

// ---------------------------------------------------------------------------
// Sessions

func TestLoginRotatesSessionID(t *testing.T) {
	e := newEnv(t)
	u := e.user(models.RoleMember)
	b := e.browser()
	planted := "planted-by-an-attacker-0123456789abcdef"
	b.cookies["pt_session"] = planted
	b.login(u)
	first := b.cookies["pt_session"]
	if first == "" || first == planted {
		t.Fatalf("session cookie after login is %q (planted %q)", first, planted)
	}
	// Signing in again issues a new id and ends the old session.
	csrf := b.csrf("/")
	resp, _ := b.post("/login", url.Values{"email": {u.Email}, "password": {testPassword}, "_csrf": {csrf}}, "")
	wantRedirect(t, resp, "/")
	second := b.cookies["pt_session"]
	if second == "" || second == first {
		t.Fatalf("second login kept the session id")
	}
	resp, _ = e.withCookie(first).get("/")
	wantRedirect(t, resp, "/login")
	if resp, _ := e.withCookie(second).get("/"); resp.StatusCode != http.StatusOK {
		t.Fatalf("new session: status %d", resp.StatusCode)
	}
}

func TestSessionCookieFlags(t *testing.T) {
	cases := []struct {
		name   string
		secure bool
	}{
		{"plain HTTP cookies are HttpOnly and SameSite", false},
		{"HTTPS cookies are also Secure", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnvWith(t, handlers.Config{SecureCookies: tc.secure})
			u := e.user(models.RoleViewer)
			b := e.browser()
			resp, _ := b.get("/login")
			pre := cookieOf(resp, "pt_csrf")
			resp, _ = b.loginAs(u.Email, testPassword)
			sess := cookieOf(resp, "pt_session")
			for _, c := range []*http.Cookie{pre, sess} {
				if c == nil {
					t.Fatal("cookie missing")
				}
				if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure != tc.secure || c.Path != "/" {
					t.Errorf("%s: HttpOnly=%v SameSite=%v Secure=%v Path=%q", c.Name, c.HttpOnly, c.SameSite, c.Secure, c.Path)
				}
			}
		})
	}
}

func TestSessionTimeouts(t *testing.T) {
	cases := []struct {
		name  string
		steps []time.Duration // clock advances, each followed by a request
		alive int             // how many of the requests still find the session
	}{
		{"activity within the idle window keeps the session", []time.Duration{7 * time.Hour, 7 * time.Hour, 7 * time.Hour}, 3},
		{"eight idle hours end the session", []time.Duration{8*time.Hour + time.Minute}, 0},
		// 27 × 6 h = 162 h of steady use is within the week; 7 h more is not.
		{"a week after login the session ends however active", append(repeat(6*time.Hour, 27), 7*time.Hour), 27},
	}
	e := newEnv(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			u := e.user(models.RoleMember)
			b := e.browser()
			b.login(u)
			secret := b.cookies["pt_session"]
			for i, d := range tc.steps {
				e.clock.Advance(d)
				resp, _ := e.withCookie(secret).get("/recommendations")
				if i < tc.alive {
					if resp.StatusCode != http.StatusOK {
						t.Fatalf("request %d: status %d, want 200", i+1, resp.StatusCode)
					}
					continue
				}
				wantRedirect(t, resp, "/login")
			}
			if tc.alive < len(tc.steps) {
				var n int64
				e.db().Model(&models.Session{}).Where("user_id = ?", u.ID).Count(&n)
				if n != 0 {
					t.Errorf("%d expired sessions left in the database", n)
				}
			}
		})
	}
}

func repeat(d time.Duration, n int) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = d
	}
	return out
}

func TestLogoutEndsSession(t *testing.T) {
	e := newEnv(t)
	u := e.user(models.RoleMember)
	b := e.browser()
	b.login(u)
	secret := b.cookies["pt_session"]
	resp, _ := b.post("/logout", nil, "/")
	wantRedirect(t, resp, "/login")
	if _, ok := b.cookies["pt_session"]; ok {
		t.Error("logout left the cookie in the browser")
	}
	// The old cookie, replayed, no longer works: the session is gone server-side.
	resp, _ = e.withCookie(secret).get("/")
	wantRedirect(t, resp, "/login")
	var n int64
	e.db().Model(&models.Session{}).Where("user_id = ?", u.ID).Count(&n)
	if n != 0 {
		t.Errorf("%d sessions left after logout", n)
	}
}

func TestLogoutOtherSessions(t *testing.T) {
	e := newEnv(t)
	u := e.user(models.RoleMember)
	laptop, phone, tablet := e.browser(), e.browser(), e.browser()
	laptop.login(u)
	phone.login(u)
	tablet.login(u)
	resp, _ := laptop.post("/account/sessions/logout-others", nil, "/account")
	wantRedirect(t, resp, "/account")
	for name, b := range map[string]*browser{"phone": phone, "tablet": tablet} {
		resp, _ := b.get("/")
		if resp.StatusCode != http.StatusSeeOther {
			t.Errorf("%s still signed in: status %d", name, resp.StatusCode)
		}
	}
	if resp, body := laptop.get("/account"); resp.StatusCode != 200 || !strings.Contains(body, "signed in on 1 device") {
		t.Errorf("this session: status %d", resp.StatusCode)
	}
}

func TestDisablingUserEndsSessionsAndTokens(t *testing.T) {
	e := newEnv(t)
	admin := e.user(models.RoleAdmin)
	m := e.user(models.RoleMember)
	mb := e.browser()
	mb.login(m)
	tok := e.token(m)
	if resp, _ := e.api(http.MethodGet, "/api/v1/me", tok, nil); resp.StatusCode != 200 {
		t.Fatalf("token before: %d", resp.StatusCode)
	}
	ab := e.browser()
	ab.login(admin)
	resp, _ := ab.post("/admin/users/"+itoa(m.ID)+"/disable", nil, "/admin/users")
	wantRedirect(t, resp, "/admin/users")

	resp, _ = mb.get("/recommendations")
	wantRedirect(t, resp, "/login")
	resp, js := e.api(http.MethodGet, "/api/v1/me", tok, nil)
	wantAPIError(t, resp, js, http.StatusUnauthorized, "unauthorized")
	var sessions, live int64
	e.db().Model(&models.Session{}).Where("user_id = ?", m.ID).Count(&sessions)
	e.db().Model(&models.Token{}).Where("user_id = ? AND revoked_at IS NULL", m.ID).Count(&live)
	if sessions != 0 || live != 0 {
		t.Errorf("after disabling: %d sessions, %d live tokens", sessions, live)
	}
	// Re-enabling does not bring old credentials back.
	if _, err := e.store.SetDisabled(context.Background(), nil, m.ID, false); err != nil {
		t.Fatal(err)
	}
	if resp, _ := e.api(http.MethodGet, "/api/v1/me", tok, nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("revoked token works again after re-enabling: %d", resp.StatusCode)
	}
}

func TestPasswordChangeEndsOtherSessions(t *testing.T) {
	e := newEnv(t)
	u := e.user(models.RoleViewer)
	here, there := e.browser(), e.browser()
	here.login(u)
	there.login(u)
	cases := []struct {
		name string
		form url.Values
		want int
	}{
		{"a wrong current password is refused", url.Values{"current": {"not my password"}, "password": {"new passphrase here"}, "password2": {"new passphrase here"}}, 422},
		{"differing new passwords are refused", url.Values{"current": {testPassword}, "password": {"new passphrase here"}, "password2": {"new passphrase hare"}}, 422},
		{"a short new password is refused", url.Values{"current": {testPassword}, "password": {"short"}, "password2": {"short"}}, 422},
		{"a good change is accepted", url.Values{"current": {testPassword}, "password": {"new passphrase here"}, "password2": {"new passphrase here"}}, 303},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, _ := here.post("/account/password", tc.form, "/account")
			if resp.StatusCode != tc.want {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.want)
			}
			resp, _ = there.get("/")
			if tc.want == 303 {
				wantRedirect(t, resp, "/login")
			} else if resp.StatusCode != 200 {
				t.Fatalf("a refused change ended the other session: %d", resp.StatusCode)
			}
		})
	}
	if resp, _ := here.get("/"); resp.StatusCode != 200 {
		t.Errorf("the session that changed the password ended: %d", resp.StatusCode)
	}
	if resp, _ := e.browser().loginAs(u.Email, "new passphrase here"); resp.StatusCode != 303 {
		t.Errorf("login with the new password: %d", resp.StatusCode)
	}
}

// ---------------------------------------------------------------------------
// First run

func TestFirstRunSetup(t *testing.T) {
	e := newEnv(t) // seeded, no account yet
	b := e.browser()
	for _, p := range []string{"/", "/login", "/recommendations"} {
		resp, _ := b.get(p)
		wantRedirect(t, resp, "/setup")
	}
	form := url.Values{"name": {"Ada Admin"}, "email": {"ada@example.org"}, "password": {"first admin passphrase"}, "password2": {"first admin passphrase"}}
	bad := url.Values{"name": {"Ada Admin"}, "email": {"ada@example.org"}, "password": {"first admin passphrase"}, "password2": {"something else"}}
	if resp, body := b.post("/setup", bad, "/setup"); resp.StatusCode != 422 || !strings.Contains(body, "The two passwords differ.") || !strings.Contains(body, `value="ada@example.org"`) {
		t.Fatalf("mismatched passwords: status %d", resp.StatusCode)
	}
	resp, _ := b.post("/setup", form, "/setup")
	wantRedirect(t, resp, "/")
	resp, body := b.get("/")
	if resp.StatusCode != 200 || !strings.Contains(body, "Ada Admin") {
		t.Fatalf("after setup the admin is not signed in: %d", resp.StatusCode)
	}
	u := e.userByEmail("ada@example.org")
	if u.Role != models.RoleAdmin || !models.CheckPassword(u.PasswordHash, "first admin passphrase") {
		t.Fatalf("first user: %+v", u)
	}

	// Once an account exists, setup is closed to everyone.
	intruder := e.browser()
	resp, _ = intruder.get("/setup")
	wantRedirect(t, resp, "/login")
	again := url.Values{"name": {"Mallory"}, "email": {"mallory@example.org"}, "password": {"second admin passphrase"}, "password2": {"second admin passphrase"}}
	resp, _ = intruder.post("/setup", again, "/login")
	wantRedirect(t, resp, "/login")
	if _, ok := intruder.cookies["pt_session"]; ok {
		t.Error("the second setup signed someone in")
	}
	if n, _ := e.store.UserCount(context.Background()); n != 1 {
		t.Errorf("%d accounts after a second setup, want 1", n)
	}
}

// ---------------------------------------------------------------------------
// Security headers

func TestSecurityHeaders(t *testing.T) {
	e := newEnv(t)
	u := e.user(models.RoleMember)
	tok := e.token(u)
	signed, _ := e.signIn(u)
	req := func(method, path, token string, b *browser) func() *http.Response {
		return func() *http.Response {
			r := httptest.NewRequest(method, path, nil)
			if token != "" {
				r.Header.Set("Authorization", "Bearer "+token)
			}
			if b != nil {
				resp := b.do(r)
				readBody(t, resp)
				return resp
			}
			resp, err := e.app.Test(r, -1)
			if err != nil {
				t.Fatal(err)
			}
			readBody(t, resp)
			return resp
		}
	}
	cases := []struct {
		name string
		call func() *http.Response
	}{
		{"login page", req("GET", "/login", "", nil)},
		{"dashboard", req("GET", "/", "", signed)},
		{"list page", req("GET", "/recommendations", "", signed)},
		{"item page", req("GET", "/recommendations/1", "", signed)},
		{"page not found", req("GET", "/nowhere", "", signed)},
		{"redirect to login", req("GET", "/account", "", nil)},
		{"API list", req("GET", "/api/v1/recommendations", tok, nil)},
		{"API 401", req("GET", "/api/v1/recommendations", "", nil)},
		{"API 404", req("GET", "/api/v1/recommendations/99999", tok, nil)},
		{"health check", req("GET", "/healthz", "", nil)},
		{"stylesheet", req("GET", "/static/app.css", "", nil)},
	}
	for _, tc := range cases {
		t.Run(tc.name+" carries the security headers", func(t *testing.T) {
			resp := tc.call()
			csp := resp.Header.Get("Content-Security-Policy")
			directives := map[string]string{}
			for _, d := range strings.Split(csp, ";") {
				name, val, _ := strings.Cut(strings.TrimSpace(d), " ")
				directives[name] = val
			}
			script, ok := directives["script-src"]
			if !ok {
				script = directives["default-src"]
			}
			if script == "" || strings.Contains(script, "unsafe-inline") || strings.Contains(script, "unsafe-eval") || strings.Contains(script, "*") {
				t.Errorf("script-src %q allows more than same-origin files (CSP %q)", script, csp)
			}
			if directives["frame-ancestors"] != "'none'" {
				t.Errorf("frame-ancestors %q, want 'none'", directives["frame-ancestors"])
			}
			if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options %q", got)
			}
			if got := resp.Header.Get("Referrer-Policy"); got != "same-origin" {
				t.Errorf("Referrer-Policy %q, want same-origin", got)
			}
		})
	}
	t.Run("pages hold no inline script", func(t *testing.T) {
		for _, p := range []string{"/", "/recommendations", "/recommendations/1", "/account"} {
			_, body := signed.get(p)
			for _, tag := range regexp.MustCompile(`<script[^>]*>`).FindAllString(body, -1) {
				if !strings.Contains(tag, `src="/static/`) {
					t.Errorf("%s: inline script %s", p, tag)
				}
			}
			if regexp.MustCompile(`\son[a-z]+="`).MatchString(body) {
				t.Errorf("%s: inline event handler", p)
			}
		}
	})
	t.Run("signed-in pages are not cached", func(t *testing.T) {
		resp, _ := signed.get("/recommendations")
		if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
			t.Errorf("Cache-Control %q", cc)
		}
	})
}
