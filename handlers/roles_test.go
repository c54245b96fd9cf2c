package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"policytracker/handlers"
	"policytracker/models"
)

// This file holds the role × action matrix and the helpers the other test
// files of the package share (raw DB access, DB snapshots, sessions made
// without the login form, environments cloned from a prepared database).

// ---------------------------------------------------------------------------
// Shared helpers

var rawDBs sync.Map // *env → *gorm.DB

// db is a second connection to the env's SQLite file: for reading the
// database back and for inserting rows that no route creates yet.
func (e *env) db() *gorm.DB {
	e.t.Helper()
	if v, ok := rawDBs.Load(e); ok {
		return v.(*gorm.DB)
	}
	path := filepath.Join(e.dir, "policytracker.db")
	db, err := gorm.Open(sqlite.Open("file:"+path+"?_busy_timeout=5000&_foreign_keys=on"), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() {
		if d, err := db.DB(); err == nil {
			d.Close()
		}
		rawDBs.Delete(e)
	})
	rawDBs.Store(e, db)
	return db
}

// snapshot dumps every table of the database, so a test can prove that a
// refused request changed nothing. Timestamps that reading alone refreshes
// (a token's last use, a session's last activity) are left out.
func (e *env) snapshot() string {
	e.t.Helper()
	db := e.db()
	var tables []string
	// Virtual tables (full-text search) are left out: their shadow tables,
	// which hold the data, are ordinary tables and are compared.
	if err := db.Raw(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND sql NOT LIKE 'CREATE VIRTUAL TABLE%' ORDER BY name`).Scan(&tables).Error; err != nil {
		e.t.Fatal(err)
	}
	var lines []string
	for _, tb := range tables {
		// Table names come from sqlite_master, not from input. Rows are
		// sorted as text below, so no table needs a rowid.
		rows, err := db.Raw(`SELECT * FROM "` + tb + `"`).Rows()
		if err != nil {
			e.t.Fatalf("snapshot %s: %v", tb, err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				rows.Close()
				e.t.Fatal(err)
			}
			var b strings.Builder
			fmt.Fprintf(&b, "%s:", tb)
			for i, c := range cols {
				if c == "last_used_at" || c == "last_seen_at" {
					continue
				}
				v := vals[i]
				if bs, ok := v.([]byte); ok {
					v = string(bs)
				}
				fmt.Fprintf(&b, " %s=%v", c, v)
			}
			lines = append(lines, b.String())
		}
		rows.Close()
	}
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}

// diffLines lists the lines of after that are not in before, and the other
// way round, for a readable failure message.
func diffLines(before, after string) string {
	bl, al := strings.Split(before, "\n"), strings.Split(after, "\n")
	var out []string
	for _, l := range al {
		if !slices.Contains(bl, l) {
			out = append(out, "+ "+l)
		}
	}
	for _, l := range bl {
		if !slices.Contains(al, l) {
			out = append(out, "- "+l)
		}
	}
	if len(out) > 20 {
		out = append(out[:20], "…")
	}
	return strings.Join(out, "\n")
}

// signIn starts a session for u without the login form (the form itself is
// tested in auth_test.go) and returns a browser holding its cookie, and the
// session's CSRF token.
func (e *env) signIn(u *models.User) (*browser, string) {
	e.t.Helper()
	sess, secret, err := e.store.CreateSession(context.Background(), u, "test browser", models.DefaultSessionPolicy)
	if err != nil {
		e.t.Fatal(err)
	}
	b := e.browser()
	b.cookies["pt_session"] = secret
	return b, sess.CSRFToken
}

// verifiedEvidence inserts a link evidence row verified by verifier. There
// is no route for evidence in this issue, so it goes in through GORM.
func (e *env) verifiedEvidence(rec *models.Recommendation, addedBy, verifier *models.User) *models.Evidence {
	e.t.Helper()
	now := e.clock.Now()
	ev := &models.Evidence{RecommendationID: rec.ID, Kind: "link", Title: "Joint statement", URL: "https://example.org/statement",
		AddedByID: addedBy.ID, CreatedAt: now}
	if verifier != nil {
		ev.VerifiedByID, ev.VerifiedAt = &verifier.ID, &now
	}
	if err := e.db().Omit("AddedBy", "VerifiedBy", "RejectedBy").Create(ev).Error; err != nil {
		e.t.Fatal(err)
	}
	return ev
}

// events lists a recommendation's history, oldest first.
func (e *env) events(recID int64) []models.Event {
	e.t.Helper()
	evs, err := e.store.Events(context.Background(), models.EventFilter{RecommendationID: recID})
	if err != nil {
		e.t.Fatal(err)
	}
	return evs
}

func (e *env) userByEmail(email string) *models.User {
	e.t.Helper()
	u, err := e.store.UserByEmail(context.Background(), email)
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

// postForm sends a form with exactly the fields given (no CSRF added).
func (b *browser) postForm(path string, form url.Values) (*http.Response, string) {
	b.e.t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp := b.do(req)
	return resp, readBody(b.e.t, resp)
}

// cloneEnv opens a fresh app on a copy of a prepared database file, so each
// case of a table starts from the same state without paying for argon2id
// hashes again.
func cloneEnv(t *testing.T, dbFile string) *env {
	t.Helper()
	dir := t.TempDir()
	src, err := os.ReadFile(dbFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "policytracker.db"), src, 0o600); err != nil {
		t.Fatal(err)
	}
	clk := &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	store, err := models.Open(models.Options{DataDir: dir, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	if err := store.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	app, err := handlers.New(store, handlers.Config{Location: time.UTC, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, app: app, store: store, clock: clk, dir: dir, users: 1000}
}

// saveDB writes a consistent copy of the env's database to a new file.
func (e *env) saveDB() string {
	e.t.Helper()
	path := filepath.Join(e.t.TempDir(), "template.db")
	if err := e.store.Backup(context.Background(), path); err != nil {
		e.t.Fatal(err)
	}
	return path
}

// ---------------------------------------------------------------------------
// The matrix

// matrixFixture is the prepared state every matrix case starts from.
type matrixFixture struct {
	e      *env
	actors map[models.Role]*models.User
	target *models.User // an enabled member the admin routes act on
	gone   *models.User // a disabled member
	// open is untouched; closable has verified evidence; closed is implemented.
	open, closable, closed *models.Recommendation
	// Notes on R-10 and evidence on R-11: each actor (member and up) has
	// its own; target has one of each that others act on. R-13 awaits review.
	notes, evidence map[int64]int64 // author id → note / evidence id
	targetNote      int64
	targetEvidence  int64
}

var matrixRoles = []models.Role{"", models.RoleViewer, models.RoleMember, models.RoleLead, models.RoleAdmin}

func roleName(r models.Role) string {
	if r == "" {
		return "anonymous"
	}
	return string(r)
}

// buildMatrixDB prepares the users, items and evidence once and saves them.
func buildMatrixDB(t *testing.T) string {
	e := newEnv(t)
	ctx := context.Background()
	mk := func(email string, role models.Role) *models.User {
		u, err := e.store.CreateUser(ctx, nil, models.NewUser{Email: email, Name: strings.Split(email, "@")[0], Role: role, Password: testPassword})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	actors := map[models.Role]*models.User{}
	for _, r := range matrixRoles[1:] {
		actors[r] = mk(string(r)+"@example.org", r)
	}
	mk("target@example.org", models.RoleMember)
	gone := mk("gone@example.org", models.RoleMember)
	if _, err := e.store.SetDisabled(ctx, nil, gone.ID, true); err != nil {
		t.Fatal(err)
	}
	lead := actors[models.RoleLead]
	e.verifiedEvidence(e.rec("R-03"), actors[models.RoleMember], actors[models.RoleAdmin])
	closed := e.rec("R-05")
	e.verifiedEvidence(closed, actors[models.RoleMember], actors[models.RoleAdmin])
	st := models.StatusImplemented
	if _, err := e.store.UpdateRecommendation(ctx, lead, closed.ID, models.Change{Version: closed.Version, Status: &st}); err != nil {
		t.Fatal(err)
	}
	// Notes and unverified evidence of everyone who may write, and an item
	// awaiting review.
	target := e.userByEmail("target@example.org")
	notesRec, evRec := e.rec("R-10"), e.rec("R-11")
	for _, u := range []*models.User{target, actors[models.RoleMember], actors[models.RoleLead], actors[models.RoleAdmin]} {
		if _, err := e.store.AddNote(ctx, u, notesRec.ID, "A note by "+u.Email); err != nil {
			t.Fatal(err)
		}
		if _, err := e.store.AddEvidence(ctx, u, evRec.ID, models.NewEvidence{Kind: "link", Title: "Evidence by " + u.Email, URL: "https://example.org/" + u.Name}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.store.RequestReview(ctx, target, e.rec("R-13").ID, "please look"); err != nil {
		t.Fatal(err)
	}
	// Each actor has a token and a session on "another device" to act on.
	for _, u := range actors {
		if _, _, err := e.store.CreateToken(ctx, nil, u.ID, "own"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.store.CreateSession(ctx, u, "other device", models.DefaultSessionPolicy); err != nil {
			t.Fatal(err)
		}
	}
	return e.saveDB()
}

func loadMatrixFixture(e *env) *matrixFixture {
	f := &matrixFixture{e: e, actors: map[models.Role]*models.User{}}
	for _, r := range matrixRoles[1:] {
		f.actors[r] = e.userByEmail(string(r) + "@example.org")
	}
	f.target = e.userByEmail("target@example.org")
	f.gone = e.userByEmail("gone@example.org")
	f.open, f.closable, f.closed = e.rec("R-01"), e.rec("R-03"), e.rec("R-05")
	f.notes, f.evidence = map[int64]int64{}, map[int64]int64{}
	var notes []models.Note
	var evs []models.Evidence
	e.db().Order("id").Find(&notes)
	e.db().Order("id").Find(&evs)
	for _, n := range notes {
		f.notes[n.AuthorID] = n.ID
	}
	for _, ev := range evs {
		if ev.RecommendationID == e.rec("R-11").ID {
			f.evidence[ev.AddedByID] = ev.ID
		}
	}
	f.targetNote, f.targetEvidence = f.notes[f.target.ID], f.evidence[f.target.ID]
	return f
}

// ownNote is the actor's note, or the target's for those who have none.
func (f *matrixFixture) ownNote(actor *models.User) int64 {
	if actor != nil && f.notes[actor.ID] != 0 {
		return f.notes[actor.ID]
	}
	return f.targetNote
}

func (f *matrixFixture) ownEvidence(actor *models.User) int64 {
	if actor != nil && f.evidence[actor.ID] != 0 {
		return f.evidence[actor.ID]
	}
	return f.targetEvidence
}

func (f *matrixFixture) note(id int64) models.Note {
	var n models.Note
	if err := f.e.db().First(&n, id).Error; err != nil {
		f.e.t.Fatal(err)
	}
	return n
}

func (f *matrixFixture) evidenceRow(id int64) models.Evidence {
	var ev models.Evidence
	if err := f.e.db().First(&ev, id).Error; err != nil {
		f.e.t.Fatal(err)
	}
	return ev
}

// who is the actor, or the viewer for anonymous calls that need someone's
// token or session id in their path.
func (f *matrixFixture) who(actor *models.User) *models.User {
	if actor == nil {
		return f.actors[models.RoleViewer]
	}
	return actor
}

func (f *matrixFixture) tokenID(u *models.User) int64 {
	ts, err := f.e.store.Tokens(context.Background(), u.ID)
	if err != nil || len(ts) == 0 {
		f.e.t.Fatalf("tokens of %s: %v", u.Email, err)
	}
	return ts[len(ts)-1].ID // the oldest: "own"
}

func (f *matrixFixture) sessionCount(u *models.User) int {
	var n int64
	if err := f.e.db().Model(&models.Session{}).Where("user_id = ?", u.ID).Count(&n).Error; err != nil {
		f.e.t.Fatal(err)
	}
	return int(n)
}

// trackingForm is the item form as the page would send it, with changes.
func trackingForm(r *models.Recommendation, changes url.Values) url.Values {
	v := url.Values{"version": {itoa(int64(r.Version))}, "status": {string(r.Status)}, "progress": {itoa(int64(r.Progress))},
		"priority": {string(r.Priority)}, "owner_id": {""}, "due_date": {r.DueDate}, "tags": {r.Tags}}
	if r.OwnerID != nil {
		v.Set("owner_id", itoa(*r.OwnerID))
	}
	for k, vs := range changes {
		v[k] = vs
	}
	return v
}

// matrixAction is one state-changing route (or admin page). To cover a new
// route, add a row: its route as written in routes.go, the least role that
// may use it, the request, and what it changes when allowed.
type matrixAction struct {
	route   string // "METHOD /path/:param", with the group prefix
	name    string
	minRole models.Role
	path    func(f *matrixFixture, actor *models.User) string
	form    func(f *matrixFixture, actor *models.User) url.Values // page routes
	json    func(f *matrixFixture, actor *models.User) any        // API routes
	status  int                                                   // when allowed
	effect  func(t *testing.T, f *matrixFixture, actor *models.User)
	only    func(role models.Role) bool // overrides minRole when set
}

// allows reports whether role may use the action: from minRole up, unless
// only tells otherwise (rules about whose note or evidence it is).
func (a matrixAction) allows(role models.Role) bool {
	if role == "" {
		return false
	}
	if a.only != nil {
		return a.only(role)
	}
	return role.AtLeast(a.minRole)
}

func (a matrixAction) method() string { m, _, _ := strings.Cut(a.route, " "); return m }
func (a matrixAction) api() bool      { return strings.Contains(a.route, " /api/") }

func recPath(r func(f *matrixFixture) *models.Recommendation) func(f *matrixFixture, _ *models.User) string {
	return func(f *matrixFixture, _ *models.User) string { return "/recommendations/" + itoa(r(f).ID) }
}

func apiRecPath(r func(f *matrixFixture) *models.Recommendation) func(f *matrixFixture, _ *models.User) string {
	return func(f *matrixFixture, _ *models.User) string { return "/api/v1/recommendations/" + itoa(r(f).ID) }
}

func openRec(f *matrixFixture) *models.Recommendation     { return f.open }
func closableRec(f *matrixFixture) *models.Recommendation { return f.closable }
func closedRec(f *matrixFixture) *models.Recommendation   { return f.closed }

// wantRec checks a stored item after an allowed change, and that the change
// was recorded as an event of the actor.
func wantRec(code string, st models.Status, progress int, eventKind string) func(t *testing.T, f *matrixFixture, actor *models.User) {
	return func(t *testing.T, f *matrixFixture, actor *models.User) {
		t.Helper()
		r := f.e.rec(code)
		if r.Status != st || r.Progress != progress {
			t.Errorf("%s stored as %s %d%%, want %s %d%%", code, r.Status, r.Progress, st, progress)
		}
		evs := f.e.events(r.ID)
		last := evs[len(evs)-1]
		if last.ActorID == nil || *last.ActorID != actor.ID {
			t.Errorf("last event %+v is not by %s", last, actor.Email)
		}
		if eventKind != "" {
			found := false
			for _, ev := range evs {
				found = found || (ev.Kind == eventKind && ev.Field == "status" && ev.NewValue == string(st))
			}
			if !found {
				t.Errorf("no %q event to %s in %+v", eventKind, st, evs)
			}
		}
	}
}

var matrixActions = []matrixAction{
	{
		route: "POST /recommendations/:id", name: "member edits tracking fields of an open item", minRole: models.RoleMember,
		path: recPath(openRec), status: http.StatusSeeOther,
		form: func(f *matrixFixture, _ *models.User) url.Values {
			return trackingForm(f.open, url.Values{"status": {"in_progress"}, "priority": {"high"}})
		},
		effect: wantRec("R-01", models.StatusInProgress, 25, "field"),
	},
	{
		route: "POST /recommendations/:id", name: "lead closes an item as implemented", minRole: models.RoleLead,
		path: recPath(closableRec), status: http.StatusSeeOther,
		form: func(f *matrixFixture, _ *models.User) url.Values {
			return trackingForm(f.closable, url.Values{"status": {"implemented"}})
		},
		effect: wantRec("R-03", models.StatusImplemented, 100, "closed"),
	},
	{
		route: "POST /recommendations/:id", name: "lead closes an item as not implemented", minRole: models.RoleLead,
		path: recPath(openRec), status: http.StatusSeeOther,
		form: func(f *matrixFixture, _ *models.User) url.Values {
			return trackingForm(f.open, url.Values{"status": {"not_implemented"}, "reason": {"Overtaken by events."}})
		},
		effect: wantRec("R-01", models.StatusNotImplemented, 0, "closed"),
	},
	{
		route: "POST /recommendations/:id", name: "lead reopens a closed item", minRole: models.RoleLead,
		path: recPath(closedRec), status: http.StatusSeeOther,
		form: func(f *matrixFixture, _ *models.User) url.Values {
			return trackingForm(f.closed, url.Values{"status": {"in_progress"}, "reason": {"The statement was withdrawn."}})
		},
		effect: wantRec("R-05", models.StatusInProgress, 25, "reopened"),
	},
	{
		route: "POST /recommendations/:id", name: "lead edits a closed item", minRole: models.RoleLead,
		path: recPath(closedRec), status: http.StatusSeeOther,
		form: func(f *matrixFixture, _ *models.User) url.Values {
			return trackingForm(f.closed, url.Values{"priority": {"low"}})
		},
		effect: func(t *testing.T, f *matrixFixture, _ *models.User) {
			if r := f.e.rec("R-05"); r.Priority != models.PriorityLow || r.Status != models.StatusImplemented {
				t.Errorf("R-05 stored as %s/%s", r.Status, r.Priority)
			}
		},
	},
	{
		route: "PATCH /api/v1/recommendations/:id", name: "member patches an open item", minRole: models.RoleMember,
		path: apiRecPath(openRec), status: http.StatusOK,
		json: func(f *matrixFixture, _ *models.User) any {
			return map[string]any{"version": f.open.Version, "status": "partially_implemented"}
		},
		effect: wantRec("R-01", models.StatusPartiallyImplemented, 60, "field"),
	},
	{
		route: "PATCH /api/v1/recommendations/:id", name: "lead closes an item through the API", minRole: models.RoleLead,
		path: apiRecPath(closableRec), status: http.StatusOK,
		json: func(f *matrixFixture, _ *models.User) any {
			return map[string]any{"version": f.closable.Version, "status": "implemented"}
		},
		effect: wantRec("R-03", models.StatusImplemented, 100, "closed"),
	},
	{
		route: "PATCH /api/v1/recommendations/:id", name: "lead marks an item not implemented through the API", minRole: models.RoleLead,
		path: apiRecPath(openRec), status: http.StatusOK,
		json: func(f *matrixFixture, _ *models.User) any {
			return map[string]any{"version": f.open.Version, "status": "not_implemented", "reason": "Dropped by both sides."}
		},
		effect: wantRec("R-01", models.StatusNotImplemented, 0, "closed"),
	},
	{
		route: "PATCH /api/v1/recommendations/:id", name: "lead reopens an item through the API", minRole: models.RoleLead,
		path: apiRecPath(closedRec), status: http.StatusOK,
		json: func(f *matrixFixture, _ *models.User) any {
			return map[string]any{"version": f.closed.Version, "status": "stalled", "reason": "Funding was cut."}
		},
		effect: wantRec("R-05", models.StatusStalled, 100, "reopened"),
	},
	{
		route: "POST /logout", name: "anyone signed in logs out", minRole: models.RoleViewer,
		path: func(*matrixFixture, *models.User) string { return "/logout" }, status: http.StatusSeeOther,
		form: func(*matrixFixture, *models.User) url.Values { return url.Values{} },
		effect: func(t *testing.T, f *matrixFixture, actor *models.User) {
			if n := f.sessionCount(actor); n != 1 {
				t.Errorf("%d sessions left, want the other device's only", n)
			}
		},
	},
	{
		route: "POST /account/password", name: "anyone signed in changes their own password", minRole: models.RoleViewer,
		path: func(*matrixFixture, *models.User) string { return "/account/password" }, status: http.StatusSeeOther,
		form: func(*matrixFixture, *models.User) url.Values {
			return url.Values{"current": {testPassword}, "password": {"a brand new passphrase"}, "password2": {"a brand new passphrase"}}
		},
		effect: func(t *testing.T, f *matrixFixture, actor *models.User) {
			u := f.e.userByEmail(actor.Email)
			if !models.CheckPassword(u.PasswordHash, "a brand new passphrase") {
				t.Error("the new password does not work")
			}
		},
	},
	{
		route: "POST /account/tokens", name: "anyone signed in creates a token of their own", minRole: models.RoleViewer,
		path: func(*matrixFixture, *models.User) string { return "/account/tokens" }, status: http.StatusOK,
		form: func(*matrixFixture, *models.User) url.Values { return url.Values{"name": {"export script"}} },
		effect: func(t *testing.T, f *matrixFixture, actor *models.User) {
			ts, _ := f.e.store.Tokens(context.Background(), actor.ID)
			if len(ts) != 2 || ts[0].Name != "export script" {
				t.Errorf("tokens: %+v", ts)
			}
		},
	},
	{
		route: "POST /account/tokens/:id/revoke", name: "anyone signed in revokes their own token", minRole: models.RoleViewer,
		path: func(f *matrixFixture, actor *models.User) string {
			return "/account/tokens/" + itoa(f.tokenID(f.who(actor))) + "/revoke"
		},
		status: http.StatusSeeOther,
		form:   func(*matrixFixture, *models.User) url.Values { return url.Values{} },
		effect: func(t *testing.T, f *matrixFixture, actor *models.User) {
			ts, _ := f.e.store.Tokens(context.Background(), actor.ID)
			if len(ts) != 1 || ts[0].RevokedAt == nil {
				t.Errorf("token not revoked: %+v", ts)
			}
		},
	},
	{
		route: "POST /account/sessions/logout-others", name: "anyone signed in logs out their other sessions", minRole: models.RoleViewer,
		path:   func(*matrixFixture, *models.User) string { return "/account/sessions/logout-others" },
		status: http.StatusSeeOther,
		form:   func(*matrixFixture, *models.User) url.Values { return url.Values{} },
		effect: func(t *testing.T, f *matrixFixture, actor *models.User) {
			if n := f.sessionCount(actor); n != 1 {
				t.Errorf("%d sessions left, want this one only", n)
			}
		},
	},
	{
		route: "GET /admin/users", name: "admin opens the team page", minRole: models.RoleAdmin,
		path:   func(*matrixFixture, *models.User) string { return "/admin/users" },
		status: http.StatusOK,
		effect: func(*testing.T, *matrixFixture, *models.User) {},
	},
	{
		route: "POST /admin/users", name: "admin adds a user", minRole: models.RoleAdmin,
		path: func(*matrixFixture, *models.User) string { return "/admin/users" }, status: http.StatusSeeOther,
		form: func(*matrixFixture, *models.User) url.Values {
			return url.Values{"name": {"New Person"}, "email": {"new@example.org"}, "role": {"member"}, "password": {"a long enough password"}}
		},
		effect: func(t *testing.T, f *matrixFixture, _ *models.User) {
			if u := f.e.userByEmail("new@example.org"); u.Role != models.RoleMember {
				t.Errorf("new user: %+v", u)
			}
		},
	},
	{
		route: "POST /admin/users/:id/role", name: "admin changes a role", minRole: models.RoleAdmin,
		path:   func(f *matrixFixture, _ *models.User) string { return "/admin/users/" + itoa(f.target.ID) + "/role" },
		status: http.StatusSeeOther,
		form:   func(*matrixFixture, *models.User) url.Values { return url.Values{"role": {"lead"}} },
		effect: func(t *testing.T, f *matrixFixture, _ *models.User) {
			if u := f.e.userByEmail("target@example.org"); u.Role != models.RoleLead {
				t.Errorf("role is %s", u.Role)
			}
		},
	},
	{
		route: "POST /admin/users/:id/disable", name: "admin disables a user", minRole: models.RoleAdmin,
		path:   func(f *matrixFixture, _ *models.User) string { return "/admin/users/" + itoa(f.target.ID) + "/disable" },
		status: http.StatusSeeOther,
		form:   func(*matrixFixture, *models.User) url.Values { return url.Values{} },
		effect: func(t *testing.T, f *matrixFixture, _ *models.User) {
			if u := f.e.userByEmail("target@example.org"); !u.Disabled {
				t.Error("not disabled")
			}
		},
	},
	{
		route: "POST /admin/users/:id/enable", name: "admin enables a disabled user", minRole: models.RoleAdmin,
		path:   func(f *matrixFixture, _ *models.User) string { return "/admin/users/" + itoa(f.gone.ID) + "/enable" },
		status: http.StatusSeeOther,
		form:   func(*matrixFixture, *models.User) url.Values { return url.Values{} },
		effect: func(t *testing.T, f *matrixFixture, _ *models.User) {
			if u := f.e.userByEmail("gone@example.org"); u.Disabled {
				t.Error("still disabled")
			}
		},
	},
	{
		route: "POST /admin/users/:id/password", name: "admin resets a password", minRole: models.RoleAdmin,
		path: func(f *matrixFixture, _ *models.User) string {
			return "/admin/users/" + itoa(f.target.ID) + "/password"
		},
		status: http.StatusOK,
		form:   func(*matrixFixture, *models.User) url.Values { return url.Values{} },
		effect: func(t *testing.T, f *matrixFixture, _ *models.User) {
			if u := f.e.userByEmail("target@example.org"); models.CheckPassword(u.PasswordHash, testPassword) {
				t.Error("the old password still works")
			}
		},
	}, {
		route: "GET /admin/import", name: "admin opens the import page", minRole: models.RoleAdmin,
		path:   func(*matrixFixture, *models.User) string { return "/admin/import" },
		status: http.StatusOK,
		effect: func(*testing.T, *matrixFixture, *models.User) {},
	},
	{
		route: "POST /admin/import", name: "admin imports recommendations", minRole: models.RoleAdmin,
		path:   func(*matrixFixture, *models.User) string { return "/admin/import" },
		status: http.StatusOK,
		form:   func(*matrixFixture, *models.User) url.Values { return url.Values{"content": {importYAML}} },
		effect: func(t *testing.T, f *matrixFixture, _ *models.User) {
			if _, err := f.e.store.RecommendationByCode(t.Context(), "R-90"); err != nil {
				t.Errorf("imported item missing: %v", err)
			}
		},
	},
}

// Notes, evidence and review requests (rules: authors edit their own notes;
// an admin may delete any; leads verify, reject and remove others' evidence).
var trailActions = []matrixAction{
	{
		route: "POST /recommendations/:id/notes", name: "member adds a note", minRole: models.RoleMember,
		path: func(f *matrixFixture, _ *models.User) string { return "/recommendations/" + itoa(f.open.ID) + "/notes" }, status: http.StatusSeeOther,
		form:   func(*matrixFixture, *models.User) url.Values { return url.Values{"body": {"A matrix note."}} },
		effect: wantNoteBy("A matrix note."),
	},
	{
		route: "POST /api/v1/recommendations/:id/notes", name: "member adds a note through the API", minRole: models.RoleMember,
		path: func(f *matrixFixture, _ *models.User) string {
			return "/api/v1/recommendations/" + itoa(f.open.ID) + "/notes"
		}, status: http.StatusCreated,
		json:   func(*matrixFixture, *models.User) any { return map[string]any{"body": "A matrix note."} },
		effect: wantNoteBy("A matrix note."),
	},
	{
		route: "POST /notes/:id", name: "author edits their own note", minRole: models.RoleMember,
		path:   func(f *matrixFixture, actor *models.User) string { return "/notes/" + itoa(f.ownNote(actor)) },
		status: http.StatusSeeOther,
		form:   func(*matrixFixture, *models.User) url.Values { return url.Values{"body": {"Edited."}} },
		effect: func(t *testing.T, f *matrixFixture, actor *models.User) {
			if n := f.note(f.ownNote(actor)); n.Body != "Edited." {
				t.Errorf("note body %q", n.Body)
			}
		},
	},
	{
		route: "POST /notes/:id", name: "nobody edits someone else's note", only: func(models.Role) bool { return false },
		path: func(f *matrixFixture, _ *models.User) string { return "/notes/" + itoa(f.targetNote) },
		form: func(*matrixFixture, *models.User) url.Values { return url.Values{"body": {"Edited."}} },
	},
	{
		route: "PATCH /api/v1/notes/:id", name: "author edits their own note through the API", minRole: models.RoleMember,
		path:   func(f *matrixFixture, actor *models.User) string { return "/api/v1/notes/" + itoa(f.ownNote(actor)) },
		status: http.StatusOK,
		json:   func(*matrixFixture, *models.User) any { return map[string]any{"body": "Edited."} },
		effect: func(t *testing.T, f *matrixFixture, actor *models.User) {
			if n := f.note(f.ownNote(actor)); n.Body != "Edited." {
				t.Errorf("note body %q", n.Body)
			}
		},
	},
	{
		route: "PATCH /api/v1/notes/:id", name: "nobody edits someone else's note through the API", only: func(models.Role) bool { return false },
		path: func(f *matrixFixture, _ *models.User) string { return "/api/v1/notes/" + itoa(f.targetNote) },
		json: func(*matrixFixture, *models.User) any { return map[string]any{"body": "Edited."} },
	},
	{
		route: "POST /notes/:id/delete", name: "author deletes their own note", minRole: models.RoleMember,
		path: func(f *matrixFixture, actor *models.User) string {
			return "/notes/" + itoa(f.ownNote(actor)) + "/delete"
		},
		status: http.StatusSeeOther,
		effect: func(t *testing.T, f *matrixFixture, actor *models.User) {
			if n := f.note(f.ownNote(actor)); !n.Deleted {
				t.Error("note not deleted")
			}
		},
	},
	{
		route: "POST /notes/:id/delete", name: "admin deletes someone else's note", minRole: models.RoleAdmin,
		path:   func(f *matrixFixture, _ *models.User) string { return "/notes/" + itoa(f.targetNote) + "/delete" },
		status: http.StatusSeeOther,
		effect: func(t *testing.T, f *matrixFixture, _ *models.User) {
			if n := f.note(f.targetNote); !n.Deleted {
				t.Error("note not deleted")
			}
		},
	},
	{
		route: "DELETE /api/v1/notes/:id", name: "admin deletes someone else's note through the API", minRole: models.RoleAdmin,
		path:   func(f *matrixFixture, _ *models.User) string { return "/api/v1/notes/" + itoa(f.targetNote) },
		status: http.StatusNoContent,
		effect: func(t *testing.T, f *matrixFixture, _ *models.User) {
			if n := f.note(f.targetNote); !n.Deleted {
				t.Error("note not deleted")
			}
		},
	},
	{
		route: "POST /recommendations/:id/evidence", name: "member adds evidence", minRole: models.RoleMember,
		path: func(f *matrixFixture, _ *models.User) string {
			return "/recommendations/" + itoa(f.open.ID) + "/evidence"
		}, status: http.StatusSeeOther,
		form: func(*matrixFixture, *models.User) url.Values {
			return url.Values{"kind": {"link"}, "title": {"Matrix evidence"}, "url": {"https://example.org/matrix"}}
		},
		effect: wantEvidenceBy("Matrix evidence"),
	},
	{
		route: "POST /api/v1/recommendations/:id/evidence", name: "member adds evidence through the API", minRole: models.RoleMember,
		path: func(f *matrixFixture, _ *models.User) string {
			return "/api/v1/recommendations/" + itoa(f.open.ID) + "/evidence"
		}, status: http.StatusCreated,
		json: func(*matrixFixture, *models.User) any {
			return map[string]any{"kind": "link", "title": "Matrix evidence", "url": "https://example.org/matrix"}
		},
		effect: wantEvidenceBy("Matrix evidence"),
	},
	{
		route: "POST /evidence/:id/verify", name: "lead verifies someone else's evidence", minRole: models.RoleLead,
		path: func(f *matrixFixture, _ *models.User) string {
			return "/evidence/" + itoa(f.targetEvidence) + "/verify"
		},
		status: http.StatusSeeOther,
		effect: func(t *testing.T, f *matrixFixture, actor *models.User) {
			if ev := f.evidenceRow(f.targetEvidence); ev.VerifiedByID == nil || *ev.VerifiedByID != actor.ID {
				t.Errorf("verified by %v", ev.VerifiedByID)
			}
		},
	},
	{
		route: "POST /evidence/:id/verify", name: "nobody verifies their own evidence", only: func(models.Role) bool { return false },
		path: func(f *matrixFixture, actor *models.User) string {
			return "/evidence/" + itoa(f.ownEvidence(actor)) + "/verify"
		},
	},
	{
		route: "POST /api/v1/evidence/:id/verify", name: "lead verifies someone else's evidence through the API", minRole: models.RoleLead,
		path: func(f *matrixFixture, _ *models.User) string {
			return "/api/v1/evidence/" + itoa(f.targetEvidence) + "/verify"
		},
		status: http.StatusOK,
		effect: func(t *testing.T, f *matrixFixture, actor *models.User) {
			if ev := f.evidenceRow(f.targetEvidence); ev.VerifiedByID == nil || *ev.VerifiedByID != actor.ID {
				t.Errorf("verified by %v", ev.VerifiedByID)
			}
		},
	},
	{
		route: "POST /evidence/:id/reject", name: "lead rejects someone else's evidence", minRole: models.RoleLead,
		path: func(f *matrixFixture, _ *models.User) string {
			return "/evidence/" + itoa(f.targetEvidence) + "/reject"
		},
		status: http.StatusSeeOther,
		form:   func(*matrixFixture, *models.User) url.Values { return url.Values{"reason": {"The link is dead."}} },
		effect: wantRejectedBy,
	},
	{
		route: "POST /api/v1/evidence/:id/reject", name: "lead rejects someone else's evidence through the API", minRole: models.RoleLead,
		path: func(f *matrixFixture, _ *models.User) string {
			return "/api/v1/evidence/" + itoa(f.targetEvidence) + "/reject"
		},
		status: http.StatusOK,
		json:   func(*matrixFixture, *models.User) any { return map[string]any{"reason": "The link is dead."} },
		effect: wantRejectedBy,
	},
	{
		route: "POST /evidence/:id/remove", name: "author removes their own unverified evidence", minRole: models.RoleMember,
		path: func(f *matrixFixture, actor *models.User) string {
			return "/evidence/" + itoa(f.ownEvidence(actor)) + "/remove"
		},
		status: http.StatusSeeOther,
		effect: func(t *testing.T, f *matrixFixture, actor *models.User) {
			if ev := f.evidenceRow(f.ownEvidence(actor)); !ev.Removed {
				t.Error("not removed")
			}
		},
	},
	{
		route: "POST /evidence/:id/remove", name: "lead removes someone else's evidence", minRole: models.RoleLead,
		path: func(f *matrixFixture, _ *models.User) string {
			return "/evidence/" + itoa(f.targetEvidence) + "/remove"
		},
		status: http.StatusSeeOther,
		form:   func(*matrixFixture, *models.User) url.Values { return url.Values{"reason": {"Duplicate."}} },
		effect: func(t *testing.T, f *matrixFixture, _ *models.User) {
			if ev := f.evidenceRow(f.targetEvidence); !ev.Removed {
				t.Error("not removed")
			}
		},
	},
	{
		route: "DELETE /api/v1/evidence/:id", name: "lead removes someone else's evidence through the API", minRole: models.RoleLead,
		path:   func(f *matrixFixture, _ *models.User) string { return "/api/v1/evidence/" + itoa(f.targetEvidence) },
		status: http.StatusOK,
		effect: func(t *testing.T, f *matrixFixture, _ *models.User) {
			if ev := f.evidenceRow(f.targetEvidence); !ev.Removed {
				t.Error("not removed")
			}
		},
	},
	{
		route: "POST /recommendations/:id/review-request", name: "member asks for a review", minRole: models.RoleMember,
		path: func(f *matrixFixture, _ *models.User) string {
			return "/recommendations/" + itoa(f.open.ID) + "/review-request"
		}, status: http.StatusSeeOther,
		effect: wantReview("R-01", true),
	},
	{
		route: "POST /api/v1/recommendations/:id/review-request", name: "member asks for a review through the API", minRole: models.RoleMember,
		path: func(f *matrixFixture, _ *models.User) string {
			return "/api/v1/recommendations/" + itoa(f.open.ID) + "/review-request"
		},
		status: http.StatusOK,
		effect: wantReview("R-01", true),
	},
	{
		route: "GET /review", name: "lead opens the review queue", minRole: models.RoleLead,
		path:   func(*matrixFixture, *models.User) string { return "/review" },
		status: http.StatusOK,
		effect: func(*testing.T, *matrixFixture, *models.User) {},
	},
	{
		route: "POST /recommendations/:id/review-clear", name: "lead clears a review request", minRole: models.RoleLead,
		path: func(f *matrixFixture, _ *models.User) string {
			return "/recommendations/" + itoa(f.e.rec("R-13").ID) + "/review-clear"
		},
		status: http.StatusSeeOther,
		effect: wantReview("R-13", false),
	},
	{
		route: "DELETE /api/v1/recommendations/:id/review-request", name: "lead clears a review request through the API", minRole: models.RoleLead,
		path: func(f *matrixFixture, _ *models.User) string {
			return "/api/v1/recommendations/" + itoa(f.e.rec("R-13").ID) + "/review-request"
		},
		status: http.StatusOK,
		effect: wantReview("R-13", false),
	},
}

func wantNoteBy(body string) func(t *testing.T, f *matrixFixture, actor *models.User) {
	return func(t *testing.T, f *matrixFixture, actor *models.User) {
		var n int64
		f.e.db().Model(&models.Note{}).Where("author_id = ? AND body = ? AND recommendation_id = ?", actor.ID, body, f.open.ID).Count(&n)
		if n != 1 {
			t.Errorf("%d notes %q by %s", n, body, actor.Email)
		}
	}
}

func wantEvidenceBy(title string) func(t *testing.T, f *matrixFixture, actor *models.User) {
	return func(t *testing.T, f *matrixFixture, actor *models.User) {
		var n int64
		f.e.db().Model(&models.Evidence{}).Where("added_by_id = ? AND title = ? AND recommendation_id = ?", actor.ID, title, f.open.ID).Count(&n)
		if n != 1 {
			t.Errorf("%d evidence items %q by %s", n, title, actor.Email)
		}
	}
}

func wantRejectedBy(t *testing.T, f *matrixFixture, actor *models.User) {
	if ev := f.evidenceRow(f.targetEvidence); ev.RejectedByID == nil || *ev.RejectedByID != actor.ID || ev.RejectReason != "The link is dead." {
		t.Errorf("rejected by %v: %q", ev.RejectedByID, ev.RejectReason)
	}
}

func wantReview(code string, requested bool) func(t *testing.T, f *matrixFixture, _ *models.User) {
	return func(t *testing.T, f *matrixFixture, _ *models.User) {
		if r := f.e.rec(code); r.ReviewRequested != requested {
			t.Errorf("%s review requested = %v", code, r.ReviewRequested)
		}
	}
}

// TestRoleMatrix calls every state-changing route (and the admin page) as
// anonymous, viewer, member, lead and admin. Allowed calls must have their
// effect; refused ones must answer 303 → /login (anonymous page), 401
// (anonymous API) or 403, and leave the database exactly as it was.
func TestRoleMatrix(t *testing.T) {
	dbFile := buildMatrixDB(t)
	for _, a := range slices.Concat(matrixActions, trailActions) {
		for _, role := range matrixRoles {
			allowed := a.allows(role)
			verdict := "is refused"
			if allowed {
				verdict = "is allowed"
			}
			t.Run(a.name+"/"+roleName(role)+" "+verdict, func(t *testing.T) {
				t.Parallel() // each case has its own copy of the database
				e := cloneEnv(t, dbFile)
				f := loadMatrixFixture(e)
				var actor *models.User
				if role != "" {
					actor = f.actors[role]
				}
				resp, body, js := callAs(e, f, a, actor)
				switch {
				case allowed:
					if resp.StatusCode != a.status {
						t.Fatalf("status %d, want %d\n%.600s", resp.StatusCode, a.status, body)
					}
					a.effect(t, f, actor)
				case role == "" && a.api():
					wantAPIError(t, resp, js, http.StatusUnauthorized, "unauthorized")
				case role == "":
					if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
						t.Fatalf("status %d → %q, want 303 → /login", resp.StatusCode, resp.Header.Get("Location"))
					}
				case a.api():
					wantAPIError(t, resp, js, http.StatusForbidden, "forbidden")
				default:
					if resp.StatusCode != http.StatusForbidden {
						t.Fatalf("status %d, want 403\n%.600s", resp.StatusCode, body)
					}
				}
			})
		}
	}
}

// callAs sends the action's request as actor (nil: anonymous) and, when the
// call is refused, checks that the database did not change.
func callAs(e *env, f *matrixFixture, a matrixAction, actor *models.User) (*http.Response, string, map[string]any) {
	t := e.t
	t.Helper()
	path := a.path(f, actor)
	allowed := actor != nil && a.allows(actor.Role)
	var token string
	var b *browser
	var csrf string
	if actor != nil {
		if a.api() {
			token = e.token(actor)
		} else {
			b, csrf = e.signIn(actor)
		}
	}
	if b == nil {
		b = e.browser()
	}
	before := e.snapshot()
	var resp *http.Response
	var body string
	var js map[string]any
	switch {
	case a.api():
		var body any
		if a.json != nil {
			body = a.json(f, actor)
		}
		resp, js = e.api(a.method(), path, token, body)
		body = fmt.Sprint(js)
	case a.method() == http.MethodGet:
		resp, body = b.get(path)
	default:
		form := url.Values{}
		if a.form != nil {
			form = a.form(f, actor)
		}
		if csrf != "" {
			form.Set("_csrf", csrf)
		} else {
			form.Set("_csrf", b.csrf("/login"))
		}
		resp, body = b.postForm(path, form)
	}
	after := e.snapshot()
	switch {
	case !allowed && after != before:
		t.Errorf("a refused call changed the database:\n%s", diffLines(before, after))
	case allowed && a.method() != http.MethodGet && after == before:
		t.Errorf("an allowed call changed nothing in the database")
	}
	return resp, body, js
}

// wantAPIError checks the contract's error envelope.
// It returns the error object for further checks.
func wantAPIError(t *testing.T, resp *http.Response, js map[string]any, status int, code string) map[string]any {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("status %d, want %d: %v", resp.StatusCode, status, js)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("content type %q, want JSON", ct)
	}
	errObj, _ := js["error"].(map[string]any)
	if errObj == nil || errObj["code"] != code {
		t.Fatalf("body %v, want {\"error\":{\"code\":%q}}", js, code)
	}
	if msg, _ := errObj["message"].(string); msg == "" {
		t.Errorf("error without a message: %v", js)
	}
	return errObj
}

var routeRe = regexp.MustCompile(`(?m)^\s*(app|api|web)\.(Get|Post|Put|Patch|Delete)\("([^"]*)"`)

// TestRoleMatrixCoversEveryRoute fails when routes.go gains a state-changing
// route (or an admin page) that the matrix does not call: add a row above.
func TestRoleMatrixCoversEveryRoute(t *testing.T) {
	src, err := os.ReadFile("routes.go")
	if err != nil {
		t.Fatal(err)
	}
	prefix := map[string]string{"app": "", "web": "", "api": "/api/v1"}
	// Public forms are covered in auth_test.go (CSRF, first run, login).
	covered := map[string]bool{"POST /login": true, "POST /setup": true}
	for _, a := range slices.Concat(matrixActions, trailActions) {
		covered[a.route] = true
	}
	var missing []string
	for _, m := range routeRe.FindAllStringSubmatch(string(src), -1) {
		route := strings.ToUpper(m[2]) + " " + prefix[m[1]] + m[3]
		if (m[2] == "Get" && !strings.HasPrefix(m[3], "/admin")) || covered[route] {
			continue
		}
		missing = append(missing, route)
	}
	if len(missing) > 0 {
		t.Errorf("routes missing from matrixActions in roles_test.go:\n  %s", strings.Join(missing, "\n  "))
	}
}
