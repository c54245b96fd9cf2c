package models

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"
)

// fakeClock is a settable clock for the store's NowFunc.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// openUnmigrated opens a store on a new SQLite file in t.TempDir().
func openUnmigrated(t *testing.T) (*Store, *fakeClock) {
	t.Helper()
	clk := &fakeClock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	s, err := Open(Options{DataDir: t.TempDir(), Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, clk
}

// openMigrated is openUnmigrated plus every migration.
func openMigrated(t *testing.T) (*Store, *fakeClock) {
	t.Helper()
	s, clk := openUnmigrated(t)
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s, clk
}

func appliedVersions(t *testing.T, s *Store) []int {
	t.Helper()
	var vs []int
	if err := s.r(context.Background()).Raw(`SELECT version FROM schema_migrations ORDER BY version`).Scan(&vs).Error; err != nil {
		t.Fatal(err)
	}
	return vs
}

func allVersions() []int {
	var vs []int
	for _, m := range migrations {
		vs = append(vs, m.version)
	}
	return vs
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// withMigrations replaces the migration list for one test.
func withMigrations(t *testing.T, ms []migration) {
	saved := migrations
	migrations = ms
	t.Cleanup(func() { migrations = saved })
}

// lastVersion is the newest migration's number.
func lastVersion() int { return migrations[len(migrations)-1].version }

func TestMigrationsAreNumberedInOrder(t *testing.T) {
	prev := 0
	for i, m := range migrations {
		if m.version <= prev || strings.TrimSpace(m.name) == "" || strings.TrimSpace(m.sql) == "" {
			t.Errorf("migration #%d is %d %q: want a version above %d, a name and SQL", i, m.version, m.name, prev)
		}
		prev = m.version
	}
	if migrations[0].version != 1 {
		t.Errorf("the first migration is %d, want 1", migrations[0].version)
	}
}

func TestMigrateTwiceChangesNothing(t *testing.T) {
	s, _ := openMigrated(t)
	ctx := context.Background()
	if _, err := s.CreateUser(ctx, nil, NewUser{Email: "a@example.org", Name: "A", Role: RoleAdmin, Password: "long enough password"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("second Migrate: %v", err)
	}
	if got := appliedVersions(t, s); !equalInts(got, allVersions()) {
		t.Errorf("schema_migrations holds %v, want %v", got, allVersions())
	}
	if v, err := s.SchemaVersion(ctx); err != nil || v != lastVersion() {
		t.Errorf("SchemaVersion %d, %v", v, err)
	}
	if n, _ := s.UserCount(ctx); n != 1 {
		t.Errorf("%d users after migrating again", n)
	}
}

func TestMigrateUpgradesAnOldDatabase(t *testing.T) {
	s, clk := openUnmigrated(t)
	ctx := context.Background()
	all := migrations

	// An "old" database: only migration 1, with data in it.
	withMigrations(t, all[:1])
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if got := appliedVersions(t, s); !equalInts(got, []int{1}) {
		t.Fatalf("old database records %v", got)
	}
	var recordedAt time.Time
	s.r(ctx).Raw(`SELECT applied_at FROM schema_migrations WHERE version = 1`).Scan(&recordedAt)
	if !recordedAt.Equal(clk.Now()) {
		t.Errorf("migration 1 applied_at %v, want %v", recordedAt, clk.Now())
	}
	if err := s.db.Exec(`INSERT INTO users (email, name, role, password_hash, created_at, updated_at) VALUES ('old@example.org', 'Old', 'admin', 'x', ?, ?)`, clk.Now(), clk.Now()).Error; err != nil {
		t.Fatal(err)
	}
	if err := s.db.Exec(`INSERT INTO recommendations (code, title, domain, created_at, updated_at, status, progress) VALUES ('R-01', 'Old item', 'energy', ?, ?, 'in_progress', 40)`, clk.Now(), clk.Now()).Error; err != nil {
		t.Fatal(err)
	}

	// Today's code, plus one more step to prove that new steps apply once.
	clk.Advance(time.Hour)
	next := all[len(all)-1].version + 1
	withMigrations(t, append(all[:len(all):len(all)], migration{next, "test: add a column", `ALTER TABLE users ADD COLUMN nickname TEXT NOT NULL DEFAULT 'none'`}))
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("upgrade: %v", err)
	}
	if got := appliedVersions(t, s); !equalInts(got, allVersions()) {
		t.Errorf("after upgrade schema_migrations holds %v, want %v", got, allVersions())
	}
	// Applying again would fail ("duplicate column") if the step ran twice.
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("migrating the upgraded database again: %v", err)
	}
	var nick string
	if err := s.r(ctx).Raw(`SELECT nickname FROM users WHERE email = 'old@example.org'`).Scan(&nick).Error; err != nil || nick != "none" {
		t.Errorf("new column on old rows: %q, %v", nick, err)
	}
	u, err := s.UserByEmail(ctx, "old@example.org")
	if err != nil || u.Role != RoleAdmin {
		t.Errorf("old user after upgrade: %+v, %v", u, err)
	}
	r, err := s.RecommendationByCode(ctx, "R-01")
	if err != nil || r.Status != StatusInProgress || r.Progress != 40 || r.Title != "Old item" {
		t.Errorf("old item after upgrade: %+v, %v", r, err)
	}
}

func TestFailedMigrationIsRolledBack(t *testing.T) {
	s, _ := openMigrated(t)
	ctx := context.Background()
	all := migrations
	next := all[len(all)-1].version + 1
	withMigrations(t, append(all[:len(all):len(all)], migration{next, "test: broken", "CREATE TABLE half_done (id INTEGER);\nTHIS IS NOT SQL;\n"}))
	err := s.Migrate(ctx)
	if err == nil || !strings.Contains(err.Error(), "migration") {
		t.Fatalf("broken migration: err %v", err)
	}
	var n int64
	s.r(ctx).Raw(`SELECT COUNT(*) FROM sqlite_master WHERE name = 'half_done'`).Scan(&n)
	if n != 0 {
		t.Error("the first statement of the failed step was kept")
	}
	if got := appliedVersions(t, s); len(got) != len(all) {
		t.Errorf("the failed step was recorded: %v", got)
	}
	// Fixed, it applies on the next start.
	withMigrations(t, append(all[:len(all):len(all)], migration{next, "test: fixed", "CREATE TABLE half_done (id INTEGER);\n"}))
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if got := appliedVersions(t, s); got[len(got)-1] != next {
		t.Errorf("versions %v", got)
	}
}

func TestSQLiteSettings(t *testing.T) {
	s, _ := openMigrated(t)
	ctx := context.Background()
	cases := []struct{ pragma, want string }{
		{"journal_mode", "wal"},
		{"foreign_keys", "1"},
		{"busy_timeout", "5000"},
	}
	for _, tc := range cases {
		t.Run(tc.pragma, func(t *testing.T) {
			for name, db := range map[string]func(context.Context) *gorm.DB{"writer": s.w, "reader": s.r} {
				var got string
				if err := db(ctx).Raw("PRAGMA " + tc.pragma).Scan(&got).Error; err != nil || got != tc.want {
					t.Errorf("%s: PRAGMA %s = %q, %v; want %q", name, tc.pragma, got, err, tc.want)
				}
			}
		})
	}
	t.Run("the reader cannot write", func(t *testing.T) {
		if err := s.r(ctx).Exec(`DELETE FROM users`).Error; err == nil {
			t.Error("a write through the read pool succeeded")
		}
	})
}
