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
func (s *Store) expand(sql string) string {
	var r *strings.Replacer
	if s.dialect == "postgres" {
		r = strings.NewReplacer("{{pk}}", "BIGSERIAL PRIMARY KEY", "{{ts}}", "TIMESTAMPTZ", "{{bool}}", "BOOLEAN", "{{false}}", "FALSE")
	} else {
		r = strings.NewReplacer("{{pk}}", "INTEGER PRIMARY KEY AUTOINCREMENT", "{{ts}}", "DATETIME", "{{bool}}", "BOOLEAN", "{{false}}", "0")
	}
	return r.Replace(sql)
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
