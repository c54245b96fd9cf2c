package models

import (
	"strings"

	"gorm.io/gorm"
)

// This file is the one place where SQL differs between SQLite and
// PostgreSQL. Migrations are written with placeholders that expand here.
//
//	{{pk}}   auto-increment integer primary key
//	{{ts}}   timestamp column type
//	{{bool}} boolean column type
//	{{search_index}} SQLite's full-text index of search_text (see below);
//	                 nothing on PostgreSQL, which searches with LIKE
func (s *Store) expand(sql string) string {
	var r *strings.Replacer
	if s.dialect == "postgres" {
		r = strings.NewReplacer("{{pk}}", "BIGSERIAL PRIMARY KEY", "{{ts}}", "TIMESTAMPTZ", "{{bool}}", "BOOLEAN", "{{false}}", "FALSE",
			"{{search_index}}", "")
	} else {
		r = strings.NewReplacer("{{pk}}", "INTEGER PRIMARY KEY AUTOINCREMENT", "{{ts}}", "DATETIME", "{{bool}}", "BOOLEAN", "{{false}}", "0",
			"{{search_index}}", sqliteSearchIndex)
	}
	return r.Replace(sql)
}

// sqliteSearchIndex speeds up text search on SQLite without changing what
// it finds. Search means "every term is a substring of search_text"
// (LIKE '%term%'), which scans every row: 5–7 ms per scan on 10,000 items
// (cmd/ptbench), three scans per list page. FTS4 (built into mattn's
// driver, no build tag) finds whole tokens, not substrings, so it is used
// only to narrow the rows before the same LIKE decides:
//   - recommendations_fts indexes search_text by item id (external content:
//     the text itself stays in recommendations);
//   - search_vocab holds every token ever indexed, split by the same
//     "simple" tokenizer (fts3tokenize);
//   - a term made of token characters lies inside one token, so the items
//     holding a token that contains the term are a superset of the matches.
//
// Triggers keep both in step with every write of search_text (UpsertCatalog,
// imports, BulkInsert), so no Go code has to remember them. Each trigger is
// one line: migrations split statements at ";" + newline.
const sqliteSearchIndex = `
CREATE VIRTUAL TABLE recommendations_fts USING fts4(content="recommendations", search_text);
CREATE VIRTUAL TABLE search_tokenizer USING fts3tokenize(simple);
CREATE TABLE search_vocab (term TEXT PRIMARY KEY);
INSERT INTO recommendations_fts (recommendations_fts) VALUES ('rebuild');
INSERT OR IGNORE INTO search_vocab (term) SELECT t.token FROM recommendations r, search_tokenizer t WHERE t.input = r.search_text;
CREATE TRIGGER recommendations_fts_insert AFTER INSERT ON recommendations BEGIN INSERT INTO recommendations_fts (docid, search_text) VALUES (new.id, new.search_text); INSERT OR IGNORE INTO search_vocab (term) SELECT token FROM search_tokenizer WHERE input = new.search_text; END;
CREATE TRIGGER recommendations_fts_before_update BEFORE UPDATE OF search_text ON recommendations BEGIN DELETE FROM recommendations_fts WHERE docid = old.id; END;
CREATE TRIGGER recommendations_fts_after_update AFTER UPDATE OF search_text ON recommendations BEGIN INSERT INTO recommendations_fts (docid, search_text) VALUES (new.id, new.search_text); INSERT OR IGNORE INTO search_vocab (term) SELECT token FROM search_tokenizer WHERE input = new.search_text; END;
CREATE TRIGGER recommendations_fts_delete BEFORE DELETE ON recommendations BEGIN DELETE FROM recommendations_fts WHERE docid = old.id; END;
`

// maxSearchTokens bounds the tokens one term may expand to; a term inside
// more tokens than this (a letter or two) is left to the plain scan, which
// is then as fast as the index.
const maxSearchTokens = 200

// searchTerm narrows q to items whose search text contains term (already
// lowercase). The LIKE alone is the definition; on SQLite the full-text
// index first narrows the rows it has to read.
func (s *Store) searchTerm(q *gorm.DB, term string) *gorm.DB {
	q = q.Where("search_text LIKE ? ESCAPE '\\'", "%"+escapeLike(term)+"%")
	if s.dialect != "sqlite" {
		return q
	}
	// Each run of token characters in the term lies inside one token of a
	// matching text, so an item must hold a token containing every run.
	for _, run := range tokenRuns(term) {
		var tokens []string
		err := s.read.WithContext(q.Statement.Context).Raw(`SELECT term FROM search_vocab WHERE instr(term, ?) > 0 LIMIT ?`, run, maxSearchTokens+1).
			Scan(&tokens).Error
		switch {
		case err != nil || len(tokens) > maxSearchTokens:
			continue // no narrowing by this run; the LIKE still decides
		case len(tokens) == 0:
			return q.Where("1 = 0") // no token holds it, so no text does
		}
		q = q.Where("recommendations.id IN (SELECT docid FROM recommendations_fts WHERE recommendations_fts MATCH ?)",
			`"`+strings.Join(tokens, `" OR "`)+`"`)
	}
	return q
}

// tokenRuns splits term into the runs of bytes that the simple tokenizer
// keeps inside tokens: ASCII letters and digits, and every byte of a
// non-ASCII character. Everything else separates tokens.
func tokenRuns(term string) []string {
	return strings.FieldsFunc(term, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r >= 0x80)
	})
}

// likeOp is the case-insensitive LIKE: PostgreSQL's LIKE is case-sensitive.
func (s *Store) likeOp() string {
	if s.dialect == "postgres" {
		return "ILIKE"
	}
	return "LIKE"
}

// lockUsers serialises first-run setup. SQLite's immediate transactions
// already hold the write lock; PostgreSQL's read-committed transactions
// would both see "no users" without an explicit lock.
func (s *Store) lockUsers(tx *gorm.DB) error {
	if s.dialect != "postgres" {
		return nil
	}
	return tx.Exec("LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE").Error
}
