package models

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"

	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Backup writes a consistent copy of a SQLite database to dest while the
// server keeps running (VACUUM INTO takes a read snapshot), then checks it.
// PostgreSQL has its own tools (pg_dump); we do not pretend to replace them.
func (s *Store) Backup(ctx context.Context, dest string) error {
	if s.dialect != "sqlite" {
		return errors.New("backup: use pg_dump for PostgreSQL")
	}
	abs, err := filepath.Abs(dest)
	if err != nil {
		return err
	}
	if _, err := os.Stat(abs); err == nil {
		return fmt.Errorf("backup: %s already exists; choose a new file", dest)
	}
	if err := s.w(ctx).Exec("VACUUM INTO ?", abs).Error; err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	// Verify the copy before calling it a backup.
	// As a URI, the path is escaped: a raw "?", "#" or "%" in it made SQLite
	// check some other file (even create an empty one and call it "ok").
	uri := (&url.URL{Scheme: "file", Path: abs, RawQuery: "mode=ro"}).String()
	check, err := gorm.Open(sqlite.Open(uri), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		return fmt.Errorf("backup: open copy: %w", err)
	}
	if d, err := check.DB(); err == nil {
		defer d.Close()
	}
	var res string
	if err := check.Raw("PRAGMA integrity_check").Scan(&res).Error; err != nil {
		return fmt.Errorf("backup: check: %w", err)
	}
	if res != "ok" {
		return fmt.Errorf("backup: the copy failed its integrity check: %s", res)
	}
	return nil
}
