package models_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"policytracker/models"
	"policytracker/seed"
)

// openPostgres gives the test a store on a fresh schema of the database
// named by PT_TEST_POSTGRES (.ci/run starts one). Without it the test
// skips, saying so; with PT_REQUIRE_POSTGRES=1 it fails instead.
func openPostgres(t *testing.T, now func() time.Time) *models.Store {
	t.Helper()
	dsn := os.Getenv("PT_TEST_POSTGRES")
	if dsn == "" {
		if os.Getenv("PT_REQUIRE_POSTGRES") == "1" {
			t.Fatal("PT_TEST_POSTGRES is not set but PT_REQUIRE_POSTGRES=1")
		}
		t.Skip("PostgreSQL tests skipped: set PT_TEST_POSTGRES=postgres://… to run them")
	}
	schema := fmt.Sprintf("t_%d", time.Now().UnixNano())
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		if db, err := sql.Open("pgx", dsn); err == nil {
			db.Exec("DROP SCHEMA " + schema + " CASCADE")
			db.Close()
		}
	})
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	store, err := models.Open(models.Options{URL: u.String(), Now: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	if err := store.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return store
}

// The same store flows as on SQLite, on PostgreSQL: migrations, seeding,
// filtered and searched lists, optimistic updates with events, as-of.
func TestPostgresStoreFlows(t *testing.T) {
	now := time.Date(2026, 1, 10, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	store := openPostgres(t, clock)
	ctx := context.Background()
	if err := store.Migrate(ctx); err != nil {
		t.Fatalf("second migrate: %v", err)
	}
	res, err := seed.Load(ctx, store)
	if err != nil {
		t.Fatal(err)
	}
	if res.Added == 0 {
		t.Fatal("nothing seeded")
	}
	again, err := seed.Load(ctx, store)
	if err != nil || again.Added != 0 || again.Updated != 0 {
		t.Fatalf("reseed changed things: %+v %v", again, err)
	}
	now = now.Add(2 * time.Hour)
	lead, err := store.CreateUser(ctx, nil, models.NewUser{Email: "Lead@Example.org", Name: "Lea", Role: models.RoleLead, Password: "correct horse battery"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.CreateUser(ctx, nil, models.NewUser{Email: "lead@example.org", Name: "Dup", Role: models.RoleMember, Password: "correct horse battery"}); err == nil {
		t.Fatal("duplicate e-mail accepted")
	}
	// Search is case-insensitive on both dialects (ILIKE there, LIKE here).
	page, err := store.Recommendations(ctx, models.Filter{Query: "SECTION 907 annulment"})
	if err != nil || page.Total < 1 {
		t.Fatalf("search: total %d, err %v", page.Total, err)
	}
	var rec models.Recommendation
	for _, r := range page.Items {
		if r.Code == "R-19" {
			rec = r
		}
	}
	if rec.ID == 0 {
		t.Fatalf("search for Section 907 did not find R-19: %+v", page.Items)
	}
	st := models.StatusInProgress
	tags := []string{"Congress", "q1"}
	upd, err := store.UpdateRecommendation(ctx, lead, rec.ID, models.Change{Version: rec.Version, Status: &st, OwnerID: &lead.ID, Tags: &tags})
	if err != nil {
		t.Fatal(err)
	}
	if upd.Progress != 25 || upd.Owner == nil || upd.Owner.ID != lead.ID || upd.Tags != "congress,q1" {
		t.Fatalf("update stored %+v", upd)
	}
	if _, err := store.UpdateRecommendation(ctx, lead, rec.ID, models.Change{Version: rec.Version, Status: &st}); !models.IsConflict(err) {
		t.Fatalf("stale version: got %v, want conflict", err)
	}
	byTag, err := store.Recommendations(ctx, models.Filter{Tag: "congress", Owner: fmt.Sprint(lead.ID), Status: "open"})
	if err != nil || byTag.Total != 1 {
		t.Fatalf("tag filter: %d %v", byTag.Total, err)
	}
	before := now.Add(-time.Hour)
	old, err := store.RecommendationAsOf(ctx, rec.ID, before)
	if err != nil {
		t.Fatal(err)
	}
	if old.Status != models.StatusNotStarted || old.OwnerID != nil || old.Tags != "" {
		t.Fatalf("as of before the change: %+v", old)
	}
	evs, err := store.Events(ctx, models.EventFilter{RecommendationID: rec.ID})
	if err != nil {
		t.Fatal(err)
	}
	fields := map[string]bool{}
	for _, e := range evs {
		fields[e.Field] = true
	}
	for _, f := range []string{"status", "progress", "owner", "tags"} {
		if !fields[f] {
			t.Errorf("no event for %s", f)
		}
	}
	// As of a moment after seeding and before the change, the item is as seeded.
	now = now.Add(time.Hour)
	st2 := models.StatusStalled
	if _, err := store.UpdateRecommendation(ctx, lead, rec.ID, models.Change{Version: upd.Version, Status: &st2}); err != nil {
		t.Fatal(err)
	}
	past, err := store.RecommendationAsOf(ctx, rec.ID, now.Add(-time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if past.Status != models.StatusInProgress {
		t.Fatalf("as of before the second change: %s", past.Status)
	}
	counts, err := store.CountBy(ctx, "status", models.Filter{})
	if err != nil || counts["stalled"] != 1 {
		t.Fatalf("counts %v %v", counts, err)
	}
	tok, secret, err := store.CreateToken(ctx, nil, lead.ID, "ci")
	if err != nil {
		t.Fatal(err)
	}
	if u, err := store.UserByToken(ctx, secret); err != nil || u.ID != lead.ID {
		t.Fatalf("token lookup: %v", err)
	}
	if err := store.RevokeToken(ctx, nil, tok.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := store.UserByToken(ctx, secret); err == nil {
		t.Fatal("revoked token still works")
	}
}

// TestPostgresRefusesTextItCannotStore: PostgreSQL's text type refuses NUL
// and broken UTF-8 with an error of its own, which reached people as a 500
// (a login form posting %00, a note with \u0000). The store now answers as
// it does on SQLite: not found, or a field error.
func TestPostgresRefusesTextItCannotStore(t *testing.T) {
	store := openPostgres(t, time.Now)
	ctx := context.Background()
	if _, err := seed.Load(ctx, store); err != nil {
		t.Fatal(err)
	}
	m, err := store.CreateUser(ctx, nil, models.NewUser{Email: "mia@example.org", Name: "Mia", Role: models.RoleMember, Password: "correct horse battery"})
	if err != nil {
		t.Fatal(err)
	}
	r, err := store.RecommendationByCode(ctx, "R-02")
	if err != nil {
		t.Fatal(err)
	}
	for _, email := range []string{"mia\x00@example.org", "mi\xe9@example.org"} {
		if _, err := store.UserByEmail(ctx, email); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("UserByEmail(%q): %v, want not found", email, err)
		}
	}
	for _, body := range []string{"a\x00b", "caf\xe9"} {
		var ve *models.ValidationError
		if _, err := store.AddNote(ctx, m, r.ID, body); !errors.As(err, &ve) || ve.Fields["body"] == "" {
			t.Errorf("AddNote(%q): %v, want a field error on body", body, err)
		}
	}
	if notes, err := store.Notes(ctx, r.ID); err != nil || len(notes) != 0 {
		t.Errorf("notes %d, %v", len(notes), err)
	}
}
