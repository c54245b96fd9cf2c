package models_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"policytracker/models"
	"policytracker/seed"
)

// Seeding runs at every start, so it must be idempotent and must never
// overwrite what the team entered; it may only bring the report's text back
// in line with the embedded catalog.
func TestSeedLoadIsIdempotentAndKeepsTeamData(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	s, err := models.Open(models.Options{DataDir: dir, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	ctx := context.Background()
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	raw, err := gorm.Open(sqlite.Open("file:"+filepath.Join(dir, "policytracker.db")+"?_busy_timeout=5000"), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if d, err := raw.DB(); err == nil {
			d.Close()
		}
	})
	entries, err := seed.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	n := len(entries)
	countEvents := func() int64 {
		var c int64
		raw.Model(&models.Event{}).Count(&c)
		return c
	}

	res, err := seed.Load(ctx, s)
	if err != nil || res.Added != n || res.Updated != 0 {
		t.Fatalf("first load: %+v, %v", res, err)
	}
	events := countEvents()

	t.Run("loading again changes nothing", func(t *testing.T) {
		res, err := seed.Load(ctx, s)
		if err != nil || res.Unchanged != n || res.Added != 0 || res.Updated != 0 || countEvents() != events {
			t.Fatalf("second load: %+v, %v", res, err)
		}
	})

	u, err := s.CreateUser(ctx, nil, models.NewUser{Email: "lead@example.org", Name: "Lead", Role: models.RoleLead, Password: "long enough password"})
	if err != nil {
		t.Fatal(err)
	}
	r, _ := s.RecommendationByCode(ctx, "R-05")
	st, pr, due := models.StatusStalled, models.PriorityHigh, "2026-09-01"
	tracked, err := s.UpdateRecommendation(ctx, u, r.ID, models.Change{Version: r.Version, Status: &st, Progress: new(35), Priority: &pr,
		OwnerID: &u.ID, DueDate: &due, Tags: &[]string{"summit"}})
	if err != nil {
		t.Fatal(err)
	}
	wantTracking := func(t *testing.T) {
		t.Helper()
		got, _ := s.RecommendationByCode(ctx, "R-05")
		if got.Status != st || got.Progress != 35 || got.Priority != pr || got.OwnerID == nil || *got.OwnerID != u.ID ||
			got.DueDate != due || got.Tags != "summit" || got.Version != tracked.Version {
			t.Errorf("team data changed by seeding: %+v", got)
		}
	}

	t.Run("loading after the team's edits keeps them", func(t *testing.T) {
		events := countEvents()
		res, err := seed.Load(ctx, s)
		if err != nil || res.Unchanged != n || countEvents() != events {
			t.Fatalf("load: %+v, %v", res, err)
		}
		wantTracking(t)
	})

	t.Run("text the team imported survives a restart", func(t *testing.T) {
		items := seed.Items(entries[5:6])
		items[0].Title = "Our own wording of R-06"
		if _, err := s.UpsertCatalog(ctx, items, &u.ID); err != nil {
			t.Fatal(err)
		}
		res, err := seed.Load(ctx, s)
		if err != nil || res.Unchanged != n {
			t.Fatalf("load: %+v, %v", res, err)
		}
		got, _ := s.RecommendationByCode(ctx, "R-06")
		if got.Title != "Our own wording of R-06" {
			t.Errorf("seeding overwrote imported text: %q", got.Title)
		}
	})

	t.Run("a changed catalog entry updates the report text, tracking kept", func(t *testing.T) {
		// The stored hash names an older catalog entry: the embedded one
		// changed since it was applied, so its text wins.
		if err := raw.Exec(`UPDATE recommendations SET title = 'Edited by hand', summary = 'x', seed_hash = 'an older catalog' WHERE code = 'R-05'`).Error; err != nil {
			t.Fatal(err)
		}
		if err := raw.Exec(`UPDATE sources SET quote = 'Not what the report says.', page = 1 WHERE recommendation_id = ?`, r.ID).Error; err != nil {
			t.Fatal(err)
		}
		events := countEvents()
		res, err := seed.Load(ctx, s)
		if err != nil || res.Updated != 1 || res.Unchanged != n-1 {
			t.Fatalf("load: %+v, %v", res, err)
		}
		got, _ := s.RecommendationByCode(ctx, "R-05")
		en := entries[4]
		if got.Title != en.Title || got.Summary != en.Summary || len(got.Sources) != len(en.Sources) ||
			got.Sources[0].Quote != en.Sources[0].Quote || got.Sources[0].Page != en.Sources[0].Page {
			t.Errorf("report text not restored: %q / %q", got.Title, got.Sources[0].Quote)
		}
		wantTracking(t)
		if countEvents() != events+1 {
			t.Errorf("want one catalog_updated event, got %d new events", countEvents()-events)
		}
		// Text search reads the restored text, not the edited one.
		page, err := s.Recommendations(ctx, models.Filter{Query: "edited by hand"})
		if err != nil || page.Total != 0 {
			t.Errorf("search still finds the edited text: %d, %v", page.Total, err)
		}
	})

	t.Run("a missing item is added back", func(t *testing.T) {
		last := entries[n-1]
		if err := raw.Exec(`DELETE FROM sources WHERE recommendation_id = (SELECT id FROM recommendations WHERE code = ?)`, last.Code).Error; err != nil {
			t.Fatal(err)
		}
		if err := raw.Exec(`DELETE FROM events WHERE recommendation_id = (SELECT id FROM recommendations WHERE code = ?)`, last.Code).Error; err != nil {
			t.Fatal(err)
		}
		if err := raw.Exec(`DELETE FROM recommendations WHERE code = ?`, last.Code).Error; err != nil {
			t.Fatal(err)
		}
		res, err := seed.Load(ctx, s)
		if err != nil || res.Added != 1 || res.Unchanged != n-1 {
			t.Fatalf("load: %+v, %v", res, err)
		}
		if _, err := s.RecommendationByCode(ctx, last.Code); err != nil {
			t.Error(err)
		}
	})
}
