package models

import (
	"context"
	"fmt"
	"strings"

	"gorm.io/gorm"
)

// migration is one numbered, append-only schema step. Never edit a step
// that has shipped; add a new one.
type migration struct {
	version int
	name    string
	sql     string
}

var migrations = []migration{
	{1, "initial schema", `
CREATE TABLE users (
	id {{pk}},
	email TEXT NOT NULL,
	name TEXT NOT NULL,
	role TEXT NOT NULL,
	password_hash TEXT NOT NULL DEFAULT '',
	disabled {{bool}} NOT NULL DEFAULT {{false}},
	last_login_at {{ts}},
	created_at {{ts}} NOT NULL,
	updated_at {{ts}} NOT NULL
);
CREATE UNIQUE INDEX idx_users_email ON users (email);

CREATE TABLE recommendations (
	id {{pk}},
	code TEXT NOT NULL,
	title TEXT NOT NULL,
	summary TEXT NOT NULL DEFAULT '',
	domain TEXT NOT NULL,
	actor TEXT NOT NULL DEFAULT '',
	strength TEXT NOT NULL DEFAULT '',
	keywords TEXT NOT NULL DEFAULT '',
	status TEXT NOT NULL DEFAULT 'not_started',
	progress INTEGER NOT NULL DEFAULT 0,
	priority TEXT NOT NULL DEFAULT 'medium',
	owner_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
	due_date TEXT NOT NULL DEFAULT '',
	tags TEXT NOT NULL DEFAULT '',
	review_requested {{bool}} NOT NULL DEFAULT {{false}},
	version INTEGER NOT NULL DEFAULT 1,
	search_text TEXT NOT NULL DEFAULT '',
	created_at {{ts}} NOT NULL,
	updated_at {{ts}} NOT NULL
);
CREATE UNIQUE INDEX idx_recommendations_code ON recommendations (code);
CREATE INDEX idx_recommendations_status ON recommendations (status);
CREATE INDEX idx_recommendations_domain ON recommendations (domain);
CREATE INDEX idx_recommendations_owner ON recommendations (owner_id);
CREATE INDEX idx_recommendations_updated ON recommendations (updated_at);

CREATE TABLE sources (
	id {{pk}},
	recommendation_id BIGINT NOT NULL REFERENCES recommendations(id) ON DELETE CASCADE,
	position INTEGER NOT NULL,
	chapter TEXT NOT NULL,
	chapter_title TEXT NOT NULL DEFAULT '',
	line INTEGER NOT NULL DEFAULT 0,
	page INTEGER NOT NULL,
	end_page INTEGER NOT NULL,
	quote TEXT NOT NULL
);
CREATE INDEX idx_sources_recommendation ON sources (recommendation_id, position);

CREATE TABLE events (
	id {{pk}},
	recommendation_id BIGINT REFERENCES recommendations(id),
	actor_id BIGINT REFERENCES users(id),
	kind TEXT NOT NULL,
	field TEXT NOT NULL DEFAULT '',
	old_value TEXT NOT NULL DEFAULT '',
	new_value TEXT NOT NULL DEFAULT '',
	reason TEXT NOT NULL DEFAULT '',
	ref_id BIGINT,
	created_at {{ts}} NOT NULL
);
CREATE INDEX idx_events_recommendation ON events (recommendation_id, created_at);
CREATE INDEX idx_events_created ON events (created_at);
CREATE INDEX idx_events_actor ON events (actor_id, created_at);

CREATE TABLE notes (
	id {{pk}},
	recommendation_id BIGINT NOT NULL REFERENCES recommendations(id),
	author_id BIGINT NOT NULL REFERENCES users(id),
	body TEXT NOT NULL,
	edited {{bool}} NOT NULL DEFAULT {{false}},
	deleted {{bool}} NOT NULL DEFAULT {{false}},
	created_at {{ts}} NOT NULL,
	updated_at {{ts}} NOT NULL,
	deleted_at {{ts}}
);
CREATE INDEX idx_notes_recommendation ON notes (recommendation_id, created_at);

CREATE TABLE evidence (
	id {{pk}},
	recommendation_id BIGINT NOT NULL REFERENCES recommendations(id),
	kind TEXT NOT NULL,
	title TEXT NOT NULL,
	url TEXT NOT NULL DEFAULT '',
	publisher TEXT NOT NULL DEFAULT '',
	published_on TEXT NOT NULL DEFAULT '',
	accessed_on TEXT NOT NULL DEFAULT '',
	citation TEXT NOT NULL DEFAULT '',
	cited_on TEXT NOT NULL DEFAULT '',
	filename TEXT NOT NULL DEFAULT '',
	content_type TEXT NOT NULL DEFAULT '',
	size BIGINT NOT NULL DEFAULT 0,
	sha256 TEXT NOT NULL DEFAULT '',
	added_by_id BIGINT NOT NULL REFERENCES users(id),
	verified_by_id BIGINT REFERENCES users(id),
	verified_at {{ts}},
	rejected_by_id BIGINT REFERENCES users(id),
	rejected_at {{ts}},
	reject_reason TEXT NOT NULL DEFAULT '',
	removed {{bool}} NOT NULL DEFAULT {{false}},
	created_at {{ts}} NOT NULL
);
CREATE INDEX idx_evidence_recommendation ON evidence (recommendation_id, created_at);

CREATE TABLE tokens (
	id {{pk}},
	user_id BIGINT NOT NULL REFERENCES users(id),
	name TEXT NOT NULL DEFAULT '',
	hash TEXT NOT NULL,
	last_used_at {{ts}},
	revoked_at {{ts}},
	created_at {{ts}} NOT NULL
);
CREATE UNIQUE INDEX idx_tokens_hash ON tokens (hash);

CREATE TABLE sessions (
	id {{pk}},
	user_id BIGINT NOT NULL REFERENCES users(id),
	hash TEXT NOT NULL,
	csrf_token TEXT NOT NULL,
	user_agent TEXT NOT NULL DEFAULT '',
	created_at {{ts}} NOT NULL,
	last_seen_at {{ts}} NOT NULL,
	expires_at {{ts}} NOT NULL
);
CREATE UNIQUE INDEX idx_sessions_hash ON sessions (hash);
CREATE INDEX idx_sessions_user ON sessions (user_id);

CREATE TABLE settings (
	key TEXT PRIMARY KEY,
	value TEXT NOT NULL
);
`},
	// 3: the list's filters as composite indexes. With 10,000 items
	// (cmd/ptbench) the list filtered by status and domain read ~7,000 wide
	// rows per page view (10 ms); with these, its counts are answered from
	// the index alone and its page of 50 rows comes in code order without a
	// sort (0.3 ms). The single-column indexes are prefixes of the new ones.
	// On SQLite it also adds the full-text index that narrows text search
	// (dialect.go, sqliteSearchIndex). The partial index holds just the
	// field changes that "as of" undoes (not the notes' and evidence's
	// events, which are most of the log): reading a year of them took 27 ms
	// in SQLite for 100,000 events, 3 ms from this index when the query
	// selects only the indexed columns.
	{3, "list filter indexes and search index", `
CREATE INDEX idx_recommendations_status_domain_code ON recommendations (status, domain, code);
CREATE INDEX idx_recommendations_domain_code ON recommendations (domain, code);
DROP INDEX idx_recommendations_status;
DROP INDEX idx_recommendations_domain;
CREATE INDEX idx_events_field_changes ON events (created_at, id, recommendation_id, field, old_value) WHERE field <> '' AND recommendation_id IS NOT NULL;
{{search_index}}
`},
	// 4: the dashboard (models/dashboard.go), measured at 10,000 items. Its
	// GROUP BY domain, status read every wide row (9.6 ms); the covering
	// index answers it from the index alone (1.2 ms). The overdue and review
	// lists walk an index in order and stop after a page instead of sorting
	// thousands of rows (2.6 and 3.4 ms → 0.3 ms and less).
	{4, "dashboard indexes", `
CREATE INDEX idx_recommendations_figures ON recommendations (domain, status, progress, review_requested, due_date);
CREATE INDEX idx_recommendations_due ON recommendations (due_date, code);
CREATE INDEX idx_recommendations_review ON recommendations (review_requested, updated_at);
`},
	// Number 2 was reserved during development and never shipped.
	//
	// seed_hash records which version of the embedded catalog entry was last
	// applied to an item, so start-up seeding updates text only when the
	// catalog itself changed, never over text a team imported since.
	{5, "catalog seed hash", `
ALTER TABLE recommendations ADD COLUMN seed_hash TEXT NOT NULL DEFAULT ''
`},
}

// Migrate applies every migration not yet recorded in schema_migrations,
// each in its own transaction, in order. It is safe to call at every start.
func (s *Store) Migrate(ctx context.Context) error {
	db := s.w(ctx)
	if err := db.Exec(s.expand(`CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at {{ts}} NOT NULL)`)).Error; err != nil {
		return fmt.Errorf("models: create schema_migrations: %w", err)
	}
	var applied []int
	if err := db.Raw(`SELECT version FROM schema_migrations`).Scan(&applied).Error; err != nil {
		return fmt.Errorf("models: read schema_migrations: %w", err)
	}
	done := map[int]bool{}
	for _, v := range applied {
		done[v] = true
	}
	for _, m := range migrations {
		if done[m.version] {
			continue
		}
		err := db.Transaction(func(tx *gorm.DB) error {
			for _, stmt := range splitSQL(s.expand(m.sql)) {
				if err := tx.Exec(stmt).Error; err != nil {
					return fmt.Errorf("%w\n%s", err, stmt)
				}
			}
			return tx.Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`, m.version, m.name, s.now()).Error
		})
		if err != nil {
			return fmt.Errorf("models: migration %d (%s): %w", m.version, m.name, err)
		}
	}
	return nil
}

// SchemaVersion is the highest applied migration.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v *int
	err := s.r(ctx).Raw(`SELECT MAX(version) FROM schema_migrations`).Scan(&v).Error
	if err != nil || v == nil {
		return 0, err
	}
	return *v, nil
}

// splitSQL splits a migration on semicolons at line ends; our migrations
// hold no semicolons inside strings.
func splitSQL(sql string) []string {
	var out []string
	for _, part := range strings.Split(sql, ";\n") {
		if p := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(part), ";")); p != "" {
			out = append(out, p)
		}
	}
	return out
}
